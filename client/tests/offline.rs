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
