//! Commands that need no server, driven through the real `arena` binary.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn arena(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_arena"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn dataset_inspect_counts_the_spikes_of_every_sweep() {
    let file = repo("datasets/drn-frozen-noise/DRN156_5HT/DRN156_5ht_test.abf");
    let out = arena(&["dataset", "inspect", file.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sample_rate_hz"], 10_000.0);
    assert_eq!(v["channels"][0]["units"], "mV");
    assert_eq!(v["channels"][1]["units"], "pA");
    // The counts PROVENANCE.md lists (0 mV upward crossings, checked there with pyabf).
    let counts: Vec<u64> = v["sweeps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["spike_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![75, 73, 75, 73, 74, 69, 70, 68, 66, 67]);
    assert!(
        v["sweeps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["n_samples"] == 100_000)
    );
    assert_eq!(v["sweeps"][9]["index"], 9);
}

#[test]
fn dataset_inspect_refuses_other_files_in_one_line() {
    let out = arena(&["dataset", "inspect", repo("README.md").to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("not a readable ABF2 file") && err.contains("ABF2"),
        "{err}"
    );
}

#[test]
fn score_reports_every_key_with_hand_checked_values() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, pred) = (dir.path().join("truth.txt"), dir.path().join("pred.txt"));
    std::fs::write(&truth, "# two recorded repeats\n0.1 0.5\n\n0.1, 0.52\n").unwrap();
    std::fs::write(&pred, "0.1 0.5\n").unwrap();
    let out = arena(&[
        "score",
        "--truth",
        truth.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--end",
        "1",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "coincidence_factor",
        "intrinsic_reliability",
        "gamma_over_r",
        "md_star",
        "cf2_star",
        "d_star_p",
        "victor_purpura",
        "van_rossum",
        "isi_distance",
        "spike_distance",
        "spike_sync",
        "schreiber",
        "explained_variance",
        "rate_error",
        "primary",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    // Γ: ν = 2 Hz, ⟨N_coinc⟩ = 2νΔN_data = 0.032, normaliser 1 − 2νΔ = 0.984.
    // Repeat 1 (identical): (2 − 0.032) / (½·4) / 0.984 = 1. Repeat 2 (0.52 vs 0.5 is 20 ms off):
    // (1 − 0.032) / 2 / 0.984 = 0.491869…; mean 0.745934…
    let gamma = v["coincidence_factor"].as_f64().unwrap();
    assert!(
        (gamma - (1.0 + 0.968 / 2.0 / 0.984) / 2.0).abs() < 1e-12,
        "{gamma}"
    );
    // Victor–Purpura, q = 100/s: shifting 20 ms costs 2 = deleting and inserting; identical costs 0.
    assert!(
        (v["victor_purpura"].as_f64().unwrap() - 1.0).abs() < 1e-12,
        "{v}"
    );
    // Two recorded repeats cannot give the primary score's ceiling (needs 4): null with a reason.
    assert!(
        v["primary"].is_null() && v["notes"]["primary"].is_string(),
        "{v}"
    );
}

#[test]
fn score_computes_only_the_metrics_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, pred) = (dir.path().join("truth.txt"), dir.path().join("pred.txt"));
    std::fs::write(&truth, "0.1 0.5\n0.1, 0.52\n").unwrap();
    std::fs::write(&pred, "0.1 0.5\n").unwrap();
    let (truth, pred) = (truth.to_str().unwrap(), pred.to_str().unwrap());
    let common = [
        "score", "--truth", truth, "--pred", pred, "--end", "1", "--json",
    ];
    let all: Value = serde_json::from_slice(&arena(&common).stdout).unwrap();
    let out = arena(&[&common[..], &["--metrics", "victor_purpura,primary"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "n_pred",
            "n_truth",
            "notes",
            "params",
            "primary",
            "victor_purpura",
            "window"
        ]
    );
    assert_eq!(v["victor_purpura"], all["victor_purpura"]);
    // The primary is null for two recorded repeats: its reason stays; no other note appears.
    assert_eq!(v["notes"].as_object().unwrap().len(), 1, "{v}");
    assert_eq!(v["notes"]["primary"], all["notes"]["primary"]);
    let out = arena(&[&common[..], &["--metrics", "isi_distance,isi"]].concat());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--metrics: \"isi\" is not a score; the scores are coincidence_factor,"),
        "{err}"
    );
}

#[test]
fn score_names_the_bad_token_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, pred) = (dir.path().join("truth.txt"), dir.path().join("pred.txt"));
    std::fs::write(&truth, "0.1 0.5\n0.2 abc\n").unwrap();
    std::fs::write(&pred, "0.1\n").unwrap();
    let out = arena(&[
        "score",
        "--truth",
        truth.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("\"abc\" is not a number"),
        "{err}"
    );
    std::fs::write(&truth, "0.5 0.1\n").unwrap();
    let out = arena(&[
        "score",
        "--truth",
        truth.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("line 1") && err.contains("sorted"),
        "{err}"
    );
}

#[test]
fn simulate_reproduces_neuron_on_the_committed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let input = repo("neuron/tests/fixtures/neuron/hh_single.input.json");
    let run = arena(&[
        "simulate",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ours: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let neuron: Value = serde_json::from_slice(
        &std::fs::read(repo("neuron/tests/fixtures/neuron/hh_single.neuron.json")).unwrap(),
    )
    .unwrap();
    for key in [
        "spike_times_ms",
        "n_spikes",
        "soma_v_dt_ms",
        "soma_v_mV",
        "wall_s",
    ] {
        assert!(ours.get(key).is_some(), "missing {key}");
    }
    let (n, m) = (
        ours["n_spikes"].as_f64().unwrap(),
        neuron["spike_times_ms"].as_array().unwrap().len() as f64,
    );
    assert!(
        m >= 50.0 && (n - m).abs() <= 0.02 * m,
        "{n} spikes, NEURON {m}"
    );
    let v = |d: &Value| {
        d["soma_v_mV"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    let (a, b) = (v(&ours), v(&neuron));
    assert_eq!(a.len(), b.len());
    let mut diff: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).collect();
    diff.sort_by(f64::total_cmp);
    assert!(
        diff[diff.len() * 95 / 100] < 0.1,
        "p95 |Δv| = {} mV",
        diff[diff.len() * 95 / 100]
    );
}

#[test]
fn simulate_names_the_unknown_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.json");
    let mut doc: Value = serde_json::from_slice(
        &std::fs::read(repo(
            "neuron/tests/fixtures/neuron/ball_and_stick.input.json",
        ))
        .unwrap(),
    )
    .unwrap();
    doc["numerics"]["dt_mss"] = serde_json::json!(0.025);
    std::fs::write(&input, doc.to_string()).unwrap();
    let run = arena(&[
        "simulate",
        "--input",
        input.to_str().unwrap(),
        "--out",
        dir.path().join("o.json").to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("dt_mss"), "{err}");
}
