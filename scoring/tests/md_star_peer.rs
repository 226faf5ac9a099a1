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
//! * model norm: the toolbox uses ⟨mean model train, mean model train⟩, which keeps each
//!   repeat's product with itself (biased); ours is unbiased for N_M ≥ 2. They coincide for a
//!   single (deterministic) predicted repeat, where we compare Md* end to end; for N_M ≥ 2 we
//!   compare each product and the Md* formula fed with the toolbox's (biased) model norm built
//!   from our inner products.
//!
//! Tolerance 1e-9 relative (absolute 1e-9 near zero): the toolbox's FFT convolution leaves
//! round-off on integer pair counts.

use arena_scoring::SpikeTrain;
use arena_scoring::naud::{PsthProducts, cross_product, inner_product, md_star, set_norm};
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

/// The toolbox's model norm: (1/N_M²) Σ_{i,j} ⟨M_i, M_j⟩ including i = j, from our inner
/// product on the merged model spikes.
fn biased_norm(model: &[SpikeTrain]) -> f64 {
    let mut all: Vec<f64> = model.iter().flat_map(|t| t.times().to_vec()).collect();
    all.sort_by(f64::total_cmp);
    inner_product(&all, &all, DELTA_S) as f64 / (model.len() * model.len()) as f64
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
        let cross = cross_product(&data, &model, DELTA_S).unwrap();
        let norm_d = set_norm(&data, DELTA_S, false).unwrap();
        let norm_m_biased = biased_norm(&model);
        assert_close(cross, peer("toolbox_cross"), "cross", name);
        assert_close(
            norm_d,
            peer("toolbox_norm_data_unbiased"),
            "recorded norm",
            name,
        );
        assert_close(
            norm_m_biased,
            peer("toolbox_norm_model_biased"),
            "biased model norm",
            name,
        );
        let theirs = peer("toolbox_md_star");
        assert_close(
            md_star(cross, norm_d, norm_m_biased).unwrap(),
            theirs,
            "Md* (toolbox's model norm)",
            name,
        );
        if model.len() == 1 {
            // Definitions agree: our full Md* equals the toolbox's.
            single += 1;
            let ours = PsthProducts::new(&data, &model, DELTA_S)
                .unwrap()
                .md_star()
                .unwrap();
            assert_close(ours, theirs, "Md* (N_M = 1)", name);
        }
    }
    // Five cases have a single predicted repeat: nd2_nm1, nd3_nm1, nd5_nm1_far,
    // model_equals_repeat, empty_model.
    assert_eq!(single, 5);
}
