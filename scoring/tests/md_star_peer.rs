//! Md* against the Gerstner lab's GIF fitting toolbox (Pozzorini et al. 2015, PLoS Comput
//! Biol 11:e1004275; `SpikeTrainComparator.computeMD_Kistler`, pinned commit in the fixture),
//! on the committed fixture written by `scoring/peer/make_md_star_fixture.py` (CI never runs
//! the toolbox).
//!
//! Conventions (details in the script's docstring):
//! * kernel: the toolbox's box covers lags [−4.25, 4.0] ms; spikes lie on a 0.5 ms grid, so it
//!   counts exactly the pairs with |lag| ≤ 4 ms, as our symmetric kernel with Δ = 4.25 ms
//!   (no lag falls between 4.0 and 4.5 ms, so the choice of Δ in that range is immaterial);
//! * recorded norm: unbiased (pairs i ≠ j) in both;
//! * model norm: ⟨mean model train, mean model train⟩, each repeat's product with itself kept,
//!   in both (metrics version core-2; version 1 was unbiased on the model side too and agreed
//!   with the toolbox only for a single predicted repeat). So with the box kernel our Md* is
//!   the toolbox's on every case, end to end.
//!
//! Tolerance 1e-9 relative (absolute 1e-9 near zero): the toolbox's FFT convolution leaves
//! round-off on integer pair counts.

use arena_scoring::naud::{PsthProducts, gram, recorded_norm};
use arena_scoring::{Kernel, Prediction, SpikeTrain, Window};
use serde_json::Value;

/// Our Δ, seconds (see module docs).
const DELTA_S: f64 = 0.00425;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/md_star_peer.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture file")).expect("JSON")
}

/// Trains from grid indices: time = index × grid (ms) / 1000, seconds.
fn trains(v: &Value, grid_ms: f64) -> Vec<SpikeTrain> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let times = t
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_f64().unwrap() * grid_ms / 1000.0)
                .collect();
            SpikeTrain::new(times).expect("fixture trains are sorted")
        })
        .collect()
}

fn assert_close(ours: f64, peer: f64, what: &str, case: &str) {
    assert!(
        (ours - peer).abs() <= 1e-9 * peer.abs().max(1.0),
        "{case}: {what}: ours {ours} vs toolbox {peer}"
    );
}

#[test]
fn md_star_agrees_with_gif_fitting_toolbox() {
    let doc = load();
    let grid = doc["grid_ms"].as_f64().unwrap();
    assert_eq!(doc["delta_ms"].as_f64(), Some(4.25));
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    let mut single = 0;
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let data = trains(&c["data"], grid);
        let model = trains(&c["model"], grid);
        let peer = |k: &str| c[k].as_f64().unwrap();
        let window = Window::new(0.0, 10.0).unwrap();
        let psth = Prediction::Repeats(model.clone()).psth(window);
        let ours = PsthProducts::new(&data, &psth, Kernel::Box, DELTA_S).unwrap();
        assert_close(ours.cross, peer("toolbox_cross"), "cross", name);
        assert_close(
            recorded_norm(&gram(&data, Kernel::Box, DELTA_S)).unwrap(),
            peer("toolbox_norm_data_unbiased"),
            "recorded norm",
            name,
        );
        assert_close(
            ours.norm_data,
            peer("toolbox_norm_data_unbiased"),
            "recorded norm",
            name,
        );
        assert_close(
            ours.norm_model,
            peer("toolbox_norm_model_biased"),
            "model norm",
            name,
        );
        assert_close(
            ours.md_star().unwrap(),
            peer("toolbox_md_star"),
            "Md*",
            name,
        );
        single += usize::from(model.len() == 1);
    }
    // Five cases have a single predicted repeat (nd2_nm1, nd3_nm1, nd5_nm1_far,
    // model_equals_repeat, empty_model), four have several.
    assert_eq!(single, 5);
}
