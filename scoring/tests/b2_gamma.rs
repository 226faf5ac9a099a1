//! brian2modelfitting's Γ (`get_gamma_factor`, version 0.4) against ours, on fixtures written
//! by `scoring/peer/make_b2_fixtures.py`.
//!
//! How brian2modelfitting's Γ differs from Kistler et al. 1997 / Jolivet et al. 2008 (ours):
//! 1. the chance term and the normaliser use the *data* rate ν_D = N_data/T:
//!    Γ_b2 = (N_coinc − 2Δ N_data ν_D) / (½(1 − 2ν_D Δ)(N_data + N_model));
//!    Kistler uses the *predicted* rate ν_M in both places;
//! 2. N_coinc counts data spikes whose nearest model spike is within Δ, *with replacement*
//!    (one model spike may match several data spikes); ours is a one-to-one matching;
//! 3. times and Δ are rounded to the simulation step dt first.
//!
//! When the prediction has as many spikes as the data and the nearest-spike matches are
//! one-to-one, the two agree; the tests check that, and that a direct transcription of rules
//! 1–3 reproduces brian2modelfitting's value on every fixture (so the difference is fully
//! accounted for).

use arena_scoring::{SpikeTrain, Window, gamma};
use serde_json::Value;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/b2_gamma.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn times(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Rules 1–3 above, transcribed for the comparison.
fn gamma_b2_convention(data: &[f64], model: &[f64], t: f64, delta: f64, dt: f64) -> f64 {
    let steps = |v: &[f64]| -> Vec<i64> { v.iter().map(|x| (x / dt).round() as i64).collect() };
    let (d, m) = (steps(data), steps(model));
    let delta_steps = (delta / dt).round() as i64;
    let coinc = d
        .iter()
        .filter(|&&x| {
            m.iter()
                .map(|&y| (x - y).abs())
                .min()
                .is_some_and(|g| g <= delta_steps)
        })
        .count() as f64;
    let nd = data.len() as f64;
    let rate_d = nd / t;
    (coinc - 2.0 * delta * nd * rate_d)
        / (0.5 * (1.0 - 2.0 * rate_d * delta) * (nd + model.len() as f64))
}

#[test]
fn brian2_gamma_is_reproduced_and_agrees_with_ours_at_equal_rates() {
    let doc = load();
    let (delta, dt) = (
        doc["delta_s"].as_f64().unwrap(),
        doc["dt_s"].as_f64().unwrap(),
    );
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (d, m) = (times(&c["data"]), times(&c["model"]));
        let t = c["window"][1].as_f64().unwrap();
        let peer = c["gamma_b2"].as_f64().unwrap();
        let transcribed = gamma_b2_convention(&d, &m, t, delta, dt);
        assert!(
            (transcribed - peer).abs() < 1e-9,
            "{name}: transcription {transcribed} vs {peer}"
        );
        let w = Window::new(0.0, t).unwrap();
        let ours = gamma(
            &SpikeTrain::new(d.clone()).unwrap(),
            &SpikeTrain::new(m.clone()).unwrap(),
            w,
            delta,
        )
        .unwrap();
        if name.starts_with("same_rate") {
            assert_eq!(d.len(), m.len());
            assert!(
                (ours - peer).abs() < 1e-9,
                "{name}: ours {ours} vs brian2 {peer}"
            );
        } else {
            // Denser predictions that miss some data spikes: the conventions differ (the rate
            // in the chance term and in the normaliser). With very few spikes the difference
            // is small, so it is asserted from 100 spikes on.
            eprintln!("{name}: ours {ours:.6}, brian2modelfitting {peer:.6}");
            if d.len() >= 100 {
                assert!(
                    (ours - peer).abs() > 1e-3,
                    "{name}: expected a convention difference"
                );
            }
        }
    }
}
