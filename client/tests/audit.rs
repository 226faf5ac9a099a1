//! Audit bundles end to end (issue 15): `arena audit bundle`, `verify` and `submission` through
//! the real binary against a real server, on a simulated, a recorded and a live submission; the
//! access rules written as attacks; tampered bundles; the numpy-only Python check.

use std::path::{Path, PathBuf};

use arena_challenge_core::npy;
use arena_server::auth::Role;
use serde_json::Value;

use crate::common::{Arena, fetched, hidden_seed_arg, write_predictions};
use crate::live::{create, live_manifest};

/// The repository's recorded DRN dataset.
const DRN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/drn-frozen-noise");

/// Fetches `challenge` as `token`, submits regular trains at `rate_hz` (4 repeats), waits for
/// the score; returns the submission id.
async fn submit(arena: &Arena, token: &str, challenge: &str, rate_hz: f64) -> String {
    let spec = fetched(arena, token, challenge).await;
    let file = arena.path(&format!("{challenge}-{rate_hz}.json"));
    write_predictions(&file, &spec, rate_hz, 4);
    let v = arena
        .json(
            token,
            &[
                "submit",
                challenge,
                "--predictions",
                file.to_str().unwrap(),
                "--model",
                "regular",
            ],
        )
        .await;
    assert_eq!(v["status"], "scored", "{v}");
    v["submission_id"].as_str().unwrap().to_string()
}

/// `arena audit bundle SUBMISSION --out DIR` as `token`; returns the folder and the command's
/// JSON.
async fn bundle(arena: &Arena, token: &str, submission: &str, name: &str) -> (PathBuf, Value) {
    let dir = arena.path(name);
    let v = arena
        .json(
            token,
            &[
                "audit",
                "bundle",
                submission,
                "--out",
                dir.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(v["submission_id"], submission, "{v}");
    (dir, v)
}

/// `arena audit verify DIR --json`, which must pass: every score matched bit for bit. Returns
/// the report.
async fn verified(arena: &Arena, dir: &Path) -> Value {
    let v = arena
        .json("unused", &["audit", "verify", dir.to_str().unwrap()])
        .await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["first_difference"], Value::Null, "{v}");
    let comparisons = v["comparisons"].as_array().unwrap();
    assert!(
        comparisons.iter().all(|c| c["matches"] == true),
        "{comparisons:?}"
    );
    v
}

/// The parts a verify report compared, with how many scores each.
fn parts(report: &Value) -> Vec<(String, usize)> {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for c in report["comparisons"].as_array().unwrap() {
        let part = match c["trial"].as_str() {
            Some(t) => format!("trial {t}"),
            None => c["part"].as_str().unwrap().to_string(),
        };
        match parts.last_mut() {
            Some((p, n)) if *p == part => *n += 1,
            _ => parts.push((part, 1)),
        }
    }
    parts
}

/// A copy of the bundle in `dir` (its subfolders too), to tamper with.
fn copy_of(arena: &Arena, dir: &Path, name: &str) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let to = arena.path(name);
    copy(dir, &to);
    to
}

/// `arena audit verify DIR`, which must fail with one line; returns it.
async fn verify_fails(arena: &Arena, dir: &Path) -> String {
    arena
        .fails(None, &["audit", "verify", dir.to_str().unwrap()])
        .await
}

/// Tokens of an organizer, an auditor and two teams, `team-a` and `team-b`.
async fn tokens(arena: &Arena) -> [String; 4] {
    [
        arena.token(Role::Organizer, "org").await,
        arena.token(Role::Auditor, "aud").await,
        arena.token(Role::Contestant, "team-a").await,
        arena.token(Role::Contestant, "team-b").await,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_a_simulated_submission_bit_for_bit_tampering_and_who_may_bundle_what() {
    let arena = Arena::start(1).await;
    let [organizer, auditor, team_a, team_b] = tokens(&arena).await;
    let id = &arena.challenge(&organizer, 10).await;
    let sub = &submit(&arena, &team_a, id, 20.0).await;

    // Attacks first. While the challenge is open no contestant gets anything: not its own
    // submission's bundle, not another team's.
    let out = arena.path("attack");
    let out = out.to_str().unwrap();
    let err = arena
        .fails(Some(&team_a), &["audit", "bundle", sub, "--out", out])
        .await;
    assert!(
        err.contains("FAILED_PRECONDITION") && err.contains("is open"),
        "{err}"
    );
    let err = arena
        .fails(Some(&team_b), &["audit", "bundle", sub, "--out", out])
        .await;
    assert!(
        err.contains("PERMISSION_DENIED") && err.contains("another team"),
        "{err}"
    );
    assert!(!Path::new(out).exists(), "a refused bundle wrote files");

    // An auditor bundles the whole evaluation and it verifies bit for bit: the public part,
    // the private part and every trial.
    let (full, v) = bundle(&arena, &auditor, sub, "full").await;
    assert_eq!(v["scope"], "full", "{v}");
    let report = verified(&arena, &full).await;
    let counted = parts(&report);
    let names: Vec<&str> = counted.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        ["public", "private", "trial test-00", "trial test-01"],
        "{counted:?}"
    );
    // The core scores, the primary's interval on the parts.
    assert!(counted.iter().all(|(_, n)| *n >= 8), "{counted:?}");
    assert_eq!(report["checks"][0]["ok"], true, "{report}");
    // The one-step command, and the table for people.
    let one = arena.json(&auditor, &["audit", "submission", sub]).await;
    assert_eq!(one["ok"], true, "{one}");
    let table = arena
        .arena(None, &["audit", "verify", full.to_str().unwrap()])
        .await;
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("PART") && text.contains("md_star") && text.contains("bit for bit"),
        "{text}"
    );
    // The bundle is plain files, with the predictions as stored and a README of the format.
    let readme = std::fs::read_to_string(full.join("README.md")).unwrap();
    assert!(readme.contains("bundle.json"), "{readme}");
    let stored: (Vec<u8>,) = arena
        .query_one(&format!(
            "SELECT predictions FROM submissions WHERE id = '{sub}'"
        ))
        .await;
    assert_eq!(
        std::fs::read(full.join("predictions.json")).unwrap(),
        stored.0
    );

    // The numpy-only Python check recomputes Γ and R per trial from their definitions.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/python/audit_check.py"
    );
    let py = tokio::process::Command::new("python3")
        .args([script, full.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success(),
        "audit_check.py: {said}{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert!(said.contains("audit_check: 4 values agree"), "{said}");

    // Tampering. One predicted spike changed: the hash and the first differing score.
    let dir = copy_of(&arena, &full, "tampered-prediction");
    let text = std::fs::read_to_string(dir.join("predictions.json")).unwrap();
    // The first spike of every repeat is at 0.5 / 20 Hz = 0.025 s; move one by 1 ms.
    assert!(text.contains("[0.025,"), "{text}");
    std::fs::write(
        dir.join("predictions.json"),
        text.replacen("[0.025,", "[0.026,", 1),
    )
    .unwrap();
    let err = verify_fails(&arena, &dir).await;
    assert!(
        err.contains("predictions.json SHA-256")
            && err.contains("differs from the stored")
            && err.contains("first differing score"),
        "{err}"
    );
    // One hidden spike moved by 1 ms: a score of the trial differs, named with its part.
    let dir = copy_of(&arena, &full, "tampered-hidden");
    let npy_path = dir.join("hidden/test-01_spikes.npy");
    let mut rows = npy::decode_ragged(&std::fs::read(&npy_path).unwrap()).unwrap();
    let row = rows.iter_mut().find(|r| r.len() >= 2).unwrap();
    let moved = row[0] + 0.001;
    assert!(moved < row[1]);
    row[0] = moved;
    std::fs::write(&npy_path, npy::encode_ragged(&rows)).unwrap();
    let err = verify_fails(&arena, &dir).await;
    assert!(err.contains("differs: stored"), "{err}");
    assert!(!err.contains("SHA-256"), "{err}");
    let mut cmd = vec!["--json", "audit", "verify"];
    cmd.push(dir.to_str().unwrap());
    let report: Value = serde_json::from_slice(&arena.arena(None, &cmd).await.stdout).unwrap();
    let differing: Vec<String> = report["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["matches"] == false)
        .map(|c| format!("{} {}", c["part"], c["trial"]))
        .collect();
    // The whole trial's scores change; test-00's do not.
    assert!(
        differing.iter().any(|d| d.contains("test-01")),
        "{differing:?}"
    );
    assert!(
        !differing.iter().any(|d| d.contains("test-00")),
        "{differing:?}"
    );
    // One stored score edited by one unit in the last place.
    let dir = copy_of(&arena, &full, "tampered-score");
    let mut scores: Value =
        serde_json::from_slice(&std::fs::read(dir.join("scores.json")).unwrap()).unwrap();
    let md = scores["trials"][1]["scores"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["name"] == "md_star")
        .unwrap();
    let value = md["value"].as_f64().unwrap();
    let edited = f64::from_bits(value.to_bits() + 1);
    md["value"] = edited.into();
    std::fs::write(dir.join("scores.json"), scores.to_string()).unwrap();
    let err = verify_fails(&arena, &dir).await;
    assert!(
        err.contains(&format!(
            "trial test-01 md_star differs: stored {edited:?}, recomputed {value:?}"
        )),
        "{err}"
    );

    // Closed: team A bundles the public part of its own submission and nothing of the private
    // part; team B still gets nothing of A's (not a public benchmark).
    arena.json(&organizer, &["challenge", "close", id]).await;
    let err = arena
        .fails(Some(&team_b), &["audit", "bundle", sub, "--out", out])
        .await;
    assert!(err.contains("PERMISSION_DENIED"), "{err}");
    let (public, v) = bundle(&arena, &team_a, sub, "public").await;
    assert_eq!(v["scope"], "public", "{v}");
    let report = verified(&arena, &public).await;
    let names: Vec<String> = parts(&report).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["public"]);
    let read = |dir: &Path, name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
    };
    let scores = read(&public, "scores.json");
    assert!(
        scores.get("private").is_none() && scores.get("trials").is_none(),
        "{scores}"
    );
    let info = read(&public, "bundle.json");
    assert!(info.get("dataset_hash").is_none(), "{info}");
    // Every hidden spike a contestant receives lies in a public segment, and it receives every
    // one of those: the full bundle's spikes filtered to the public segments.
    let full_trials = read(&full, "trials.json");
    let public_trials = read(&public, "trials.json");
    let mut private_spikes = 0;
    for (f, p) in full_trials
        .as_array()
        .unwrap()
        .iter()
        .zip(public_trials.as_array().unwrap())
    {
        let segments = |t: &Value, part: &str| -> Vec<(f64, f64)> {
            t["segments"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["part"] == part)
                .map(|s| (s["start_s"].as_f64().unwrap(), s["end_s"].as_f64().unwrap()))
                .collect()
        };
        let open = segments(f, "public");
        assert_eq!(segments(p, "public"), open);
        assert!(segments(p, "private").is_empty(), "{p}");
        let spikes = |dir: &Path| {
            npy::decode_ragged(&std::fs::read(dir.join(f["responses"].as_str().unwrap())).unwrap())
                .unwrap()
        };
        let inside = |t: &f64| open.iter().any(|(a, b)| a <= t && t < b);
        for (all, shown) in spikes(&full).iter().zip(spikes(&public)) {
            let expected: Vec<f64> = all.iter().copied().filter(inside).collect();
            assert_eq!(shown, expected);
            private_spikes += all.len() - expected.len();
        }
    }
    // The challenge's private part holds hidden spikes, so the filter was tested.
    assert!(private_spikes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_a_recorded_submission_bit_for_bit_and_a_closed_public_benchmark_to_everyone() {
    let arena = Arena::start(1).await;
    let [organizer, auditor, team_a, team_b] = tokens(&arena).await;
    let hidden = format!("{DRN_DIR}/DRN156_5HT/DRN156_5ht_test.abf");
    arena
        .json(
            &organizer,
            &[
                "challenge",
                "create",
                "--manifest",
                &format!("{DRN_DIR}/dataset.toml"),
                "--hidden",
                &hidden,
                "--hidden-seed",
                &hidden_seed_arg(),
            ],
        )
        .await;
    let id = "drn-frozen-noise";
    let sub = &submit(&arena, &team_a, id, 5.0).await;
    let (full, _) = bundle(&arena, &auditor, sub, "full").await;
    let report = verified(&arena, &full).await;
    let info: Value =
        serde_json::from_slice(&std::fs::read(full.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(
        (info["kind"].as_str(), info["mode"].as_str()),
        (Some("injected-current"), Some("offline")),
        "{info}"
    );
    assert!(parts(&report).len() >= 4, "{report}");
    // A public benchmark's test responses are public elsewhere: once it is closed, any team
    // may audit the public part of any submission.
    let out = arena.path("b");
    let err = arena
        .fails(
            Some(&team_b),
            &["audit", "bundle", sub, "--out", out.to_str().unwrap()],
        )
        .await;
    assert!(err.contains("is open"), "{err}");
    arena.json(&organizer, &["challenge", "close", id]).await;
    let (public, v) = bundle(&arena, &team_b, sub, "public").await;
    assert_eq!(v["scope"], "public");
    verified(&arena, &public).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_a_live_evaluation_bit_for_bit_with_its_trials_regenerated() {
    let arena = Arena::start(1).await;
    create(&arena, "live", &live_manifest(10.0, 1.0, false)).await;
    let team = arena.token(Role::Contestant, "team-live").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let run = arena
        .json(&team, &["run", "live", "--model", "builtin:poisson"])
        .await;
    assert_eq!(run["status"], "scored", "{run}");
    let sub = run["submission_id"].as_str().unwrap();
    let (full, _) = bundle(&arena, &auditor, sub, "full").await;
    let report = verified(&arena, &full).await;
    // The responses were regenerated from the live seed with the bundled generator and equal
    // the bundled ones; the live trials' scores were recomputed.
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["what"].as_str().unwrap().contains("regenerated") && c["ok"] == true),
        "{checks:?}"
    );
    let names: Vec<String> = parts(&report).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        ["public", "private", "trial live-00", "trial live-01"]
    );
    // A moved hidden spike is caught twice: against the regeneration and in the scores.
    let dir = copy_of(&arena, &full, "tampered-live");
    let npy_path = dir.join("hidden/live-00_spikes.npy");
    let mut rows = npy::decode_ragged(&std::fs::read(&npy_path).unwrap()).unwrap();
    let row = rows.iter_mut().find(|r| !r.is_empty()).unwrap();
    row[0] = (row[0] - 0.0005).max(0.0);
    std::fs::write(&npy_path, npy::encode_ragged(&rows)).unwrap();
    let err = verify_fails(&arena, &dir).await;
    assert!(
        err.contains("regenerated from live_seed") && err.contains("trial live-00 repeat"),
        "{err}"
    );
}
