//! Agreement with peer tools on committed fixtures (written by `scoring/peer/make_fixtures.py`
//! with PySpike 0.9.0 and Elephant 1.2.1; CI never runs the peers).
//!
//! Tolerance: 1e-9 relative (absolute 1e-12 near zero) wherever the definitions agree. They
//! agree on every case in the file; conventions that differ elsewhere are documented in the
//! module docs of each metric (e.g. window end exclusive in `SpikeTrain::within`, which the
//! pairwise functions here do not apply).

use arena_scoring::kreuz::{isi_distance, spike_distance, spike_sync};
use arena_scoring::van_rossum::van_rossum;
use arena_scoring::victor_purpura::victor_purpura;
use arena_scoring::{SpikeTrain, Window};
use serde_json::Value;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/peer_values.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture file")).expect("JSON")
}

fn train(v: &Value) -> SpikeTrain {
    SpikeTrain::new(
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect(),
    )
    .expect("fixture trains are sorted and finite")
}

fn close(ours: f64, peer: f64) -> bool {
    (ours - peer).abs() <= 1e-9 * peer.abs().max(1e-3)
}

struct Case {
    name: String,
    window: Window,
    a: SpikeTrain,
    b: SpikeTrain,
    raw: Value,
}

fn cases() -> Vec<Case> {
    let doc = load();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            window: Window::new(
                c["window"][0].as_f64().unwrap(),
                c["window"][1].as_f64().unwrap(),
            )
            .unwrap(),
            a: train(&c["a"]),
            b: train(&c["b"]),
            raw: c.clone(),
        })
        .collect()
}

/// Collects every mismatch so one run reports them all, with the case and the values.
fn check(failures: &mut Vec<String>, case: &str, metric: &str, ours: f64, peer: f64) {
    if !close(ours, peer) {
        failures.push(format!(
            "{case}: {metric}: ours {ours:.17} vs peer {peer:.17}"
        ));
    }
}

#[test]
fn pyspike_isi_spike_and_sync() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 20);
    for c in &all {
        let p = &c.raw["pyspike"];
        check(
            &mut failures,
            &c.name,
            "ISI",
            isi_distance(&c.a, &c.b, c.window),
            p["isi_distance"].as_f64().unwrap(),
        );
        check(
            &mut failures,
            &c.name,
            "SPIKE",
            spike_distance(&c.a, &c.b, c.window),
            p["spike_distance"].as_f64().unwrap(),
        );
        check(
            &mut failures,
            &c.name,
            "SPIKE-sync",
            spike_sync(&c.a, &c.b, c.window),
            p["spike_sync"].as_f64().unwrap(),
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn elephant_victor_purpura_and_van_rossum() {
    let mut failures = Vec::new();
    for c in &cases() {
        for v in c.raw["elephant"]["victor_purpura"].as_array().unwrap() {
            let q = v["q_per_s"].as_f64().unwrap();
            let ours = victor_purpura(&c.a, &c.b, q);
            check(
                &mut failures,
                &c.name,
                &format!("VP q={q}"),
                ours,
                v["value"].as_f64().unwrap(),
            );
        }
        for v in c.raw["elephant"]["van_rossum"].as_array().unwrap() {
            let tau = v["tau_s"].as_f64().unwrap();
            let ours = van_rossum(&c.a, &c.b, tau);
            check(
                &mut failures,
                &c.name,
                &format!("vR tau={tau}"),
                ours,
                v["value"].as_f64().unwrap(),
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
