//! End-to-end tests: a real server on an ephemeral loopback port with a temporary SQLite file,
//! driven through the real `arena` binary and, where the binary cannot reach (raw bad requests,
//! role checks on every call), through the generated gRPC client.

use std::path::Path;

use arena_proto::v1 as pb;
use arena_server::auth::Role;
use serde_json::Value;
use tonic::transport::Channel;

use crate::common::{
    Arena, DEMO, fetched, get, hidden_seed_arg, small_manifest, write_predictions,
};

/// The public dataset hash of a fetched folder, from its own bytes (`datasets/README.md`,
/// "Hashes"): the served `dataset.toml` and every other file but `challenge.json`.
fn public_hash_of(dir: &Path) -> String {
    use arena_challenge_core::hash::{public_dataset_hash, sha256_hex};
    let manifest = std::fs::read_to_string(dir.join("dataset.toml")).unwrap();
    let served: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "dataset.toml" && n != "challenge.json")
        .map(|n| {
            let sha = sha256_hex(&std::fs::read(dir.join(&n)).unwrap());
            (n, sha)
        })
        .collect();
    public_dataset_hash(&manifest, &served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizer_to_contestant_flow_scores_and_stores_everything() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-a").await;
    let auditor = arena.token(Role::Auditor, "audit").await;
    let id = arena.challenge(&organizer, 5).await;
    assert_eq!(id, "injected-current-demo");

    let listed = arena.json(&contestant, &["challenges"]).await;
    assert_eq!(listed["challenges"][0]["id"], id.as_str());
    assert_eq!(listed["challenges"][0]["n_test_trials"], 2);

    // Fetch: challenge.json, the manifest, and .npy traces of the right shapes; no hidden data.
    let spec = fetched(&arena, &contestant, &id).await;
    assert_eq!(spec["kind"], "injected-current");
    assert_eq!(spec["dt_s"], 0.0001);
    let dir = arena.path("fetched");
    let train = &spec["trials"][0];
    assert_eq!(train["split"], "train");
    let voltage = arena_challenge_core::npy::decode(
        &std::fs::read(dir.join(train["files"]["voltage"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(voltage.shape, vec![4, 20_000]);
    let stimulus = arena_challenge_core::npy::decode(
        &std::fs::read(dir.join(train["files"]["stimulus"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(stimulus.shape, vec![20_000]);
    for t in spec["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["split"] == "test")
    {
        assert_eq!(
            t["files"].as_object().unwrap().keys().collect::<Vec<_>>(),
            vec!["stimulus"]
        );
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("test-") && !n.ends_with("_stimulus.npy")),
        "{names:?}"
    );

    // numpy reads every file with no other package (the README's recipe).
    let script = r#"
import json, sys
import numpy as np
d = sys.argv[1]
c = json.load(open(d + "/challenge.json"))
t = c["trials"][0]
v = np.load(d + "/" + t["files"]["voltage"])
s = np.load(d + "/" + t["files"]["spikes"])
trains = [row[~np.isnan(row)] for row in s]
assert v.dtype == np.float32 and v.shape == (4, 20000), v.shape
assert np.load(d + "/" + t["files"]["stimulus"]).dtype == np.float64
assert len(trains) == 4 and all(np.all(np.diff(x) > 0) for x in trains)
print(sum(len(x) for x in trains))
"#;
    let py = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&dir)
        .output()
        .expect("python3 with numpy is needed (bash .ci/run installs it)");
    assert!(
        py.status.success(),
        "numpy could not read the files: {}",
        String::from_utf8_lossy(&py.stderr)
    );
    let spikes = arena_challenge_core::npy::decode_ragged(
        &std::fs::read(dir.join(train["files"]["spikes"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&py.stdout).trim(),
        spikes.iter().map(Vec::len).sum::<usize>().to_string()
    );

    // Submit (flag --json after the subcommand) and wait for the score.
    let predictions = arena.path("pred.json");
    write_predictions(&predictions, &spec, 8.0, 3);
    let v = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                predictions.to_str().unwrap(),
                "--model",
                "regular-8hz",
            ],
        )
        .await;
    assert_eq!(v["status"], "scored", "{v}");
    // While the challenge is open the team sees only what the Ladder released: its public
    // primary rounded to the step (0.01 by default), nothing else of the public part.
    let keys: Vec<&String> = v["scores"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["primary"], "{v}");
    let released = v["scores"]["primary"].as_f64().unwrap();
    assert!(released < 0.5, "{v}");
    assert!(
        ((released * 100.0).round() - released * 100.0).abs() < 1e-6,
        "{v}"
    );
    assert!(
        v.get("private_scores").is_none(),
        "a contestant must not see private scores: {v}"
    );
    let sha = arena_challenge_core::hash::sha256_hex(&std::fs::read(&predictions).unwrap());
    assert_eq!(v["sha256"], sha.as_str());
    let submission_id = v["submission_id"].as_str().unwrap().to_string();

    // Show, as the team and as an auditor (who also sees private scores and every trial).
    let own = arena
        .json(&contestant, &["submission", "show", &submission_id])
        .await;
    assert!(
        own["trials"].as_array().unwrap().is_empty(),
        "contestants see no per-trial scores while the challenge is open: {own}"
    );
    assert_eq!(own["scores"], v["scores"]);
    let audited = arena
        .json(&auditor, &["submission", "show", &submission_id])
        .await;
    for key in [
        "primary",
        "md_star",
        "gamma_over_r",
        "coincidence_factor",
        "intrinsic_reliability",
        "md_star_null",
        "md_star_ceiling",
        "bits_per_spike",
    ] {
        assert!(
            audited["scores"].get(key).is_some(),
            "missing {key}: {audited}"
        );
    }
    let exact = audited["scores"]["primary"].as_f64().unwrap();
    assert!(
        (exact - released).abs() <= 0.005 + 1e-12,
        "{exact} vs {released}"
    );
    assert!(
        audited["private_scores"]["primary"].is_number()
            || audited["private_notes"]["primary"].is_string()
    );
    assert_eq!(audited["trials"].as_array().unwrap().len(), 2);
    assert_eq!(
        audited["audit"]["metrics_version"],
        arena_scoring::METRICS_VERSION
    );
    assert_eq!(audited["audit"]["params"]["delta_s"], 0.004);
    assert_eq!(audited["audit"]["params"]["kernel"], "triangle");

    // The leaderboard, with --json before the subcommand.
    let board = arena.json(&contestant, &["leaderboard", &id]).await;
    assert_eq!(board["part"], "public");
    assert_eq!(board["rows"][0]["team"], "team-a");
    assert_eq!(board["rows"][0]["model"], "regular-8hz");
    assert_eq!(board["rows"][0]["n_submissions"], 1);
    assert_eq!(board["rows"][0]["primary"], v["scores"]["primary"]);

    // Stored: the submission, its hash, the evaluation with its audit fields and per-trial values.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", arena.db.display()))
        .await
        .unwrap();
    let (stored_sha, status): (String, String) =
        sqlx::query_as("SELECT sha256, status FROM submissions WHERE id = ?")
            .bind(&submission_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (stored_sha.as_str(), status.as_str()),
        (sha.as_str(), "scored")
    );
    let (public_hash, full_hash, n_trials): (String, String, i64) = sqlx::query_as(
        "SELECT e.public_dataset_hash, e.dataset_hash,
                (SELECT COUNT(*) FROM trial_scores t WHERE t.evaluation_id = e.id)
         FROM evaluations e WHERE e.submission_id = ?",
    )
    .bind(&submission_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(public_hash, spec["dataset_hash"].as_str().unwrap());
    assert_ne!(full_hash, public_hash);
    assert_eq!(n_trials, 2);
    let (hidden_seed,): (String,) = sqlx::query_as("SELECT hidden_seed FROM challenges")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hidden_seed.parse::<u64>().is_ok());
    pool.close().await;
}

/// Hidden generators (issue 13 F): a contestant's fetch of a simulated challenge holds the
/// public view of its manifest (the stimulus statistics, not the neuron), the public dataset
/// hash is the fetch's own, and the full hash, which would confirm a guessed generator, is shown
/// to organizers and auditors only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contestant_fetches_no_generator_and_a_hash_of_what_it_fetched() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-h").await;
    let auditor = arena.token(Role::Auditor, "audit").await;
    let id = arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &contestant, &id).await;
    let dir = arena.path("fetched");
    let served = std::fs::read_to_string(dir.join("dataset.toml")).unwrap();
    for hidden in ["[cell]", "c_pf", "noise_std_na", "adex"] {
        assert!(!served.contains(hidden), "{hidden} in {served}");
    }
    assert!(served.contains("[stimulus]"), "{served}");
    let public = arena_challenge::families::Manifest::parse_public(&served).unwrap();
    assert!(public.cell.is_none() && public.simulated().is_none());
    // The hash every listing shows is the fetch's own.
    let hash = public_hash_of(&dir);
    assert_eq!(spec["dataset_hash"], hash.as_str());
    let listed = arena.json(&contestant, &["challenges"]).await;
    assert_eq!(listed["challenges"][0]["dataset_hash"], hash.as_str());

    // The audit record of a scored submission: the public hash for everyone, the full one for
    // the auditor only.
    let predictions = arena.path("pred.json");
    write_predictions(&predictions, &spec, 8.0, 3);
    let v = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                predictions.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(v["status"], "scored", "{v}");
    let sid = v["submission_id"].as_str().unwrap();
    let own = arena.json(&contestant, &["submission", "show", sid]).await;
    assert_eq!(own["audit"]["dataset_hash"], hash.as_str(), "{own}");
    assert_eq!(own["audit"]["full_dataset_hash"], Value::Null, "{own}");
    let audited = arena.json(&auditor, &["submission", "show", sid]).await;
    let (full,): (String,) = arena.query_one("SELECT dataset_hash FROM challenges").await;
    assert_ne!(full, hash);
    assert_eq!(audited["audit"]["dataset_hash"], hash.as_str());
    assert_eq!(audited["audit"]["full_dataset_hash"], full.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_predictions_are_refused_whole_and_count_for_nothing() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-b").await;
    let id = arena.challenge(&organizer, 1).await;
    let spec = fetched(&arena, &contestant, &id).await;
    let good = arena.path("good.json");
    write_predictions(&good, &spec, 5.0, 1);
    let good_text = std::fs::read_to_string(&good).unwrap();
    let first = |s: &str, from: &str, to: &str| s.replacen(from, to, 1);
    let too_many = {
        let mut v: Value = serde_json::from_str(&good_text).unwrap();
        let t = v["trials"]["test-00"][0].clone();
        v["trials"]["test-00"] = serde_json::json!(vec![t; 1001]);
        v.to_string()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "nan",
            first(&good_text, "0.1,", "NaN,"),
            "INVALID_ARGUMENT: predictions_json: trial \"test-00\", repeat 0: spike 0 is NaN",
        ),
        (
            "inf",
            first(&good_text, "0.1,", "Infinity,"),
            "spike 0 is Infinity",
        ),
        (
            "negative",
            first(&good_text, "0.1,", "-0.1,"),
            "before the trial start",
        ),
        (
            "past end",
            first(&good_text, "0.1,", "0.1,7.5,"),
            "at or past the trial end",
        ),
        (
            "unsorted",
            first(&good_text, "0.1,0.3", "0.3,0.1"),
            "sorted",
        ),
        (
            "duplicated",
            first(&good_text, "0.1,", "0.1,0.1,"),
            "duplicate",
        ),
        (
            "unknown trial",
            first(&good_text, "\"test-00\"", "\"test-77\""),
            "trial \"test-77\": not a test trial",
        ),
        (
            "missing trial",
            serde_json::json!({"trials": {"test-00": [[0.1]]}}).to_string(),
            "trial \"test-01\": missing",
        ),
        ("empty file", String::new(), "predictions file is empty"),
        (
            "invalid json",
            "{\"trials\": [".to_string(),
            "not valid JSON",
        ),
        (
            "1001 repeats",
            too_many,
            "1001 predicted repeats; between 1 and 1000",
        ),
    ];
    for (name, text, expected) in cases {
        let path = arena.path(&format!("bad-{}.json", name.replace(' ', "-")));
        std::fs::write(&path, &text).unwrap();
        let err = arena
            .fails(
                Some(&contestant),
                &["submit", &id, "--predictions", path.to_str().unwrap()],
            )
            .await;
        assert!(
            err.to_lowercase().contains(&expected.to_lowercase()),
            "{name}: {err}\n want: {expected}"
        );
        assert!(err.contains("INVALID_ARGUMENT"), "{name}: {err}");
    }
    // Oversized: refused by the server with RESOURCE_EXHAUSTED (sent raw so the client check is bypassed).
    let mut client = arena.grpc(Some(&contestant)).await;
    let huge = vec![b' '; 16 * 1024 * 1024 + 1];
    let status = client
        .submit(pb::SubmitRequest {
            challenge_id: id.clone(),
            model_name: "m".into(),
            predictions_json: huge,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("limit is 16777216 bytes"),
        "{}",
        status.message()
    );
    // Nothing was stored, and the daily limit of 1 is still unused.
    assert_eq!(arena.count("submissions").await, 0);
    assert_eq!(arena.count("jobs").await, 0);
    let v = arena
        .json(
            &contestant,
            &["submit", &id, "--predictions", good.to_str().unwrap()],
        )
        .await;
    assert_eq!(v["status"], "scored");
    // A missing file is a CLI error naming the path.
    let err = arena
        .fails(
            Some(&contestant),
            &["submit", &id, "--predictions", "/nonexistent.json"],
        )
        .await;
    assert!(err.contains("/nonexistent.json"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_tokens_are_enforced_on_every_call() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-c").await;
    let other = arena.token(Role::Contestant, "team-d").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let id = arena.challenge(&organizer, 5).await;

    // No token and a wrong token: UNAUTHENTICATED, through the binary.
    let err = arena.fails(None, &["challenges"]).await;
    assert!(err.contains("UNAUTHENTICATED"), "{err}");
    let err = arena
        .fails(Some("sa_not-a-token"), &["leaderboard", &id])
        .await;
    assert!(err.contains("UNAUTHENTICATED: unknown token"), "{err}");

    // Wrong roles: PERMISSION_DENIED.
    let manifest = arena.path("dataset/dataset.toml");
    let err = arena
        .fails(
            Some(&contestant),
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
                "--id",
                "x",
            ],
        )
        .await;
    assert!(
        err.contains("PERMISSION_DENIED") && err.contains("organizer"),
        "{err}"
    );
    let spec = fetched(&arena, &contestant, &id).await;
    let preds = arena.path("p.json");
    write_predictions(&preds, &spec, 5.0, 1);
    for token in [&organizer, &auditor] {
        let err = arena
            .fails(
                Some(token),
                &["submit", &id, "--predictions", preds.to_str().unwrap()],
            )
            .await;
        assert!(
            err.contains("PERMISSION_DENIED") && err.contains("contestant"),
            "{err}"
        );
    }

    // Other teams' submissions are not visible to a contestant.
    let v = arena
        .json(
            &contestant,
            &["submit", &id, "--predictions", preds.to_str().unwrap()],
        )
        .await;
    let sid = v["submission_id"].as_str().unwrap();
    let err = arena
        .fails(Some(&other), &["submission", "show", sid])
        .await;
    assert!(
        err.contains("PERMISSION_DENIED") && err.contains("another team"),
        "{err}"
    );

    // The gRPC client: every call without a token is refused.
    let mut anon = arena.grpc(None).await;
    let codes = [
        anon.list_challenges(pb::ListChallengesRequest {})
            .await
            .unwrap_err()
            .code(),
        anon.leaderboard(pb::LeaderboardRequest {
            challenge_id: id.clone(),
        })
        .await
        .unwrap_err()
        .code(),
        anon.get_submission(pb::GetSubmissionRequest {
            submission_id: sid.into(),
        })
        .await
        .unwrap_err()
        .code(),
        anon.fetch_challenge(pb::FetchChallengeRequest {
            challenge_id: id.clone(),
        })
        .await
        .err()
        .map(|s| s.code())
        .unwrap_or(tonic::Code::Ok),
    ];
    assert!(
        codes.iter().all(|c| *c == tonic::Code::Unauthenticated),
        "{codes:?}"
    );

    // Health and reflection are served.
    let channel = Channel::from_shared(arena.url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "spikearena.v1.Arena".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let channel = Channel::from_shared(arena.url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        replies.message().await.unwrap().unwrap().message_response
    else {
        panic!("no service list")
    };
    let services: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        services.contains(&"spikearena.v1.Arena".to_string()),
        "{services:?}"
    );
    assert!(
        !services.iter().any(|s| s.contains("bench")),
        "the benchmark echo is not served: {services:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_limit_and_idempotent_retries() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-e").await;
    let id = arena.challenge(&organizer, 2).await;
    let spec = fetched(&arena, &contestant, &id).await;
    let (a, b, c) = (
        arena.path("a.json"),
        arena.path("b.json"),
        arena.path("c.json"),
    );
    write_predictions(&a, &spec, 5.0, 1);
    write_predictions(&b, &spec, 6.0, 1);
    write_predictions(&c, &spec, 7.0, 1);

    // The same key twice: one submission.
    let first = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                a.to_str().unwrap(),
                "--idempotency-key",
                "k1",
            ],
        )
        .await;
    let again = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                a.to_str().unwrap(),
                "--idempotency-key",
                "k1",
            ],
        )
        .await;
    assert_eq!(first["submission_id"], again["submission_id"]);
    assert_eq!(
        (first["created"].as_bool(), again["created"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(arena.count("submissions").await, 1);
    // The same key with other content is refused.
    let err = arena
        .fails(
            Some(&contestant),
            &[
                "submit",
                &id,
                "--predictions",
                b.to_str().unwrap(),
                "--idempotency-key",
                "k1",
            ],
        )
        .await;
    assert!(
        err.contains("FAILED_PRECONDITION") && err.contains("k1"),
        "{err}"
    );

    // Second submission of the day is fine; the third hits the limit of 2.
    arena
        .json(
            &contestant,
            &["submit", &id, "--predictions", b.to_str().unwrap()],
        )
        .await;
    let err = arena
        .fails(
            Some(&contestant),
            &["submit", &id, "--predictions", c.to_str().unwrap()],
        )
        .await;
    assert!(
        err.contains("RESOURCE_EXHAUSTED")
            && err.contains("limit")
            && err.contains("2 submissions per UTC day"),
        "{err}"
    );
    assert!(
        err.contains("resets at") && err.contains("T00:00:00Z"),
        "{err}"
    );
    assert_eq!(arena.count("submissions").await, 2);
    // A retry of an accepted upload is still answered after the limit is reached.
    let retry = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                a.to_str().unwrap(),
                "--idempotency-key",
                "k1",
            ],
        )
        .await;
    assert_eq!(retry["submission_id"], first["submission_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_queued_before_a_restart_is_scored_after_it() {
    // No workers: the submission is stored and queued but not scored.
    let mut arena = Arena::start(0).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-f").await;
    let id = arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &contestant, &id).await;
    let p = arena.path("p.json");
    write_predictions(&p, &spec, 5.0, 2);
    let v = arena
        .json(
            &contestant,
            &[
                "submit",
                &id,
                "--predictions",
                p.to_str().unwrap(),
                "--no-wait",
            ],
        )
        .await;
    assert_eq!(v["status"], "queued");
    let sid = v["submission_id"].as_str().unwrap().to_string();
    let shown = arena.json(&contestant, &["submission", "show", &sid]).await;
    assert_eq!(shown["status"], "queued");

    arena.restart(1).await;
    let mut client = arena.grpc(Some(&contestant)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let s = client
            .get_submission(pb::GetSubmissionRequest {
                submission_id: sid.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        if s.status == pb::SubmissionStatus::Scored as i32 {
            assert!(s.scores.iter().any(|m| m.name == "primary"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not scored after restart: {s:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifests_and_data_files_are_checked_and_uploaded() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let folder = arena.path("ds");
    std::fs::create_dir_all(folder.join("raw")).unwrap();
    let manifest = folder.join("dataset.toml");

    // A typo is named, by the CLI before upload...
    std::fs::write(
        &manifest,
        small_manifest(3).replace("[rules]", "[rules]\ndailylimit = 3"),
    )
    .unwrap();
    let err = arena
        .fails(
            Some(&organizer),
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
            ],
        )
        .await;
    assert!(err.contains("dailylimit"), "{err}");
    // ...and by the server for a raw upload.
    let mut client = arena.grpc(Some(&organizer)).await;
    let header = |toml: String, files: Vec<pb::FileInfo>| pb::CreateChallengeChunk {
        part: Some(pb::create_challenge_chunk::Part::Header(
            pb::CreateChallengeHeader {
                manifest_toml: toml,
                files,
                ..Default::default()
            },
        )),
    };
    let status = client
        .create_challenge(tokio_stream::iter(vec![header(
            small_manifest(3).replace("repeats = 4\ntrials = 2", "repeats = 2\ntrials = 2"),
            vec![],
        )]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("test.repeats"),
        "{}",
        status.message()
    );

    // A data file the manifest names is uploaded and covered by the dataset hash.
    let with_file = format!("files = [\"raw/notes.txt\"]\n{}", small_manifest(3));
    std::fs::write(&manifest, &with_file).unwrap();
    std::fs::write(folder.join("raw/notes.txt"), "recorded 2026-11-28").unwrap();
    let v = arena
        .json(
            &organizer,
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
                "--id",
                "with-file",
            ],
        )
        .await;
    let expected = arena_challenge_core::hash::dataset_hash(
        &with_file,
        &[(
            "raw/notes.txt".into(),
            arena_challenge_core::hash::sha256_hex(b"recorded 2026-11-28"),
        )],
    );
    assert_eq!(v["full_dataset_hash"], expected.as_str());
    // The public hash is what a fetch reproduces.
    let spec = fetched(&arena, &organizer, "with-file").await;
    assert_eq!(v["dataset_hash"], spec["dataset_hash"]);
    assert_eq!(
        v["dataset_hash"],
        public_hash_of(&arena.path("fetched")).as_str()
    );
    assert_eq!(arena.count("dataset_files").await, 1);
    // A named file that is missing is a CLI error naming it; the same id twice is refused.
    std::fs::remove_file(folder.join("raw/notes.txt")).unwrap();
    let err = arena
        .fails(
            Some(&organizer),
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
                "--id",
                "other",
            ],
        )
        .await;
    assert!(err.contains("raw/notes.txt"), "{err}");
    std::fs::write(folder.join("raw/notes.txt"), "recorded 2026-11-28").unwrap();
    let err = arena
        .fails(
            Some(&organizer),
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
                "--id",
                "with-file",
            ],
        )
        .await;
    assert!(err.contains("ALREADY_EXISTS"), "{err}");
    // A file whose bytes do not match the declared hash is refused by the server.
    let status = client
        .create_challenge(tokio_stream::iter(vec![
            header(
                with_file.clone(),
                vec![pb::FileInfo {
                    name: "raw/notes.txt".into(),
                    size: 3,
                    sha256: "00".into(),
                }],
            ),
            pb::CreateChallengeChunk {
                part: Some(pb::create_challenge_chunk::Part::File(pb::FileChunk {
                    name: "raw/notes.txt".into(),
                    offset: 0,
                    data: b"abc".to_vec(),
                })),
            },
        ]))
        .await
        .unwrap_err();
    assert!(status.message().contains("SHA-256"), "{}", status.message());
    assert_eq!(arena.count("challenges").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_command_prints_a_ranked_board() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("dataset.toml");
    // Four 5-s test trials (two per part) instead of two 2-s ones: the ranking below is a
    // statement about the models, and one 2-s public trial left it to chance (a fitted GIF
    // beat the generating model by 0.05 in one CI run). Point neurons simulate this in ms.
    let mut m: toml::Table = small_manifest(5).parse().unwrap();
    let test = m["test"].as_table_mut().unwrap();
    test.insert("trials".into(), 4.into());
    test.insert("duration_s".into(), 5.0.into());
    std::fs::write(&manifest, toml::to_string(&m).unwrap()).unwrap();
    // `--serve`: the server stays up after the board is printed, until Ctrl-C.
    let mut demo = tokio::process::Command::new(env!("CARGO_BIN_EXE_arena"))
        .args([
            "demo",
            "--json",
            "--serve",
            "--manifest",
            manifest.to_str().unwrap(),
        ])
        .args(["--hidden-seed", &hidden_seed_arg()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(demo.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line)
        .await
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let boards = v["leaderboards"].as_array().unwrap();
    assert_eq!(boards.len(), 1, "{v}");
    // The board URL serves the same board while the demo waits for Ctrl-C; then it stops
    // its server and exits 0.
    let url = v["board_urls"][0].as_str().unwrap();
    let (host, path) = url
        .strip_prefix("http://")
        .and_then(|u| u.split_once('/'))
        .unwrap_or_else(|| panic!("{url}"));
    assert_eq!(
        path,
        format!("challenges/{}", boards[0]["challenge_id"].as_str().unwrap())
    );
    let (status, json) = get(host.parse().unwrap(), &format!("/{path}/board.json")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), boards[0]);
    assert_eq!(get(host.parse().unwrap(), &format!("/{path}")).await.0, 200);
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &demo.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(60), demo.wait())
        .await
        .expect("the demo stops within 60 s of Ctrl-C")
        .unwrap();
    assert!(status.success(), "{status}");
    let rows = boards[0]["rows"].as_array().unwrap();
    let models: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(models.len(), 9, "{v}");
    assert!(rows.iter().all(|r| r["is_baseline"] == true));
    // The Poisson null ranks last. The generating model is in the top tier: a fitted model of the
    // same family could edge past it by chance on the hidden stimulus drawn at creation, but
    // never by more than the tolerance the gauntlet allows the ceiling (0.05). Measured with
    // `bash .ci/margins the_demo_command_prints 50` (seeds 1-50, one hidden seed and server seed
    // each; values on the Ladder's 0.01 grid), mean ± s.d. (min): reference − best fitted model
    // 0.317 ± 0.057 (0.19), bound −0.05, 6.4 s.d. away; reference − LIF 0.660 ± 0.048 (0.56),
    // bound 0, 13.8 s.d.; next-to-last − Poisson 0.467 ± 0.050 (0.34), bound 0, 9.3 s.d. Under a
    // normal tail the three together fail by chance with probability below 1e-9 per run.
    assert_eq!(models[8], "poisson", "{v}");
    let primary = |model: &str| {
        rows.iter()
            .find(|r| r["model"] == model)
            .and_then(|r| r["primary"].as_f64())
            .unwrap()
    };
    let best_fitted = rows
        .iter()
        .filter(|r| r["model"] != "reference")
        .filter_map(|r| r["primary"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    eprintln!(
        "margin demo reference - best fitted: {}",
        primary("reference") - best_fitted
    );
    eprintln!(
        "margin demo reference - lif: {}",
        primary("reference") - primary("lif")
    );
    eprintln!(
        "margin demo next-to-last - poisson: {}",
        primary(models[7]) - primary("poisson")
    );
    assert!(primary("reference") >= best_fitted - 0.05, "{v}");
    assert!(primary("reference") > primary("lif"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_stops_its_server_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("dataset.toml");
    std::fs::write(&manifest, "name = \"broken\"\n").unwrap();
    let db = dir.path().join("arena.db");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_arena"))
        .args(["demo", "--manifest", manifest.to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("schema_version"), "{stderr}");
    // The server ran (it created the database) and stopped before `arena` exited, closing its
    // last connection, which removes SQLite's write-ahead log: a server still running, or one
    // killed, leaves the log behind.
    assert!(db.is_file(), "{stderr}");
    assert!(!dir.path().join("arena.db-wal").exists(), "{stderr}");
}

/// The repository's recorded DRN dataset.
const DRN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/drn-frozen-noise");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_challenge_takes_its_hidden_recording_once_and_never_serves_it() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-r").await;
    let manifest = format!("{DRN_DIR}/dataset.toml");
    // The hidden test recording is kept outside the repository; a copy in the test's own folder
    // stands for that place.
    let outside = arena.path("DRN156_5ht_test.abf");
    std::fs::copy(
        format!("{DRN_DIR}/DRN156_5HT/DRN156_5ht_test.abf"),
        &outside,
    )
    .unwrap();
    let err = arena
        .fails(
            Some(&organizer),
            &["challenge", "create", "--manifest", &manifest],
        )
        .await;
    assert!(
        err.contains("hidden_files") && err.contains("--hidden"),
        "{err}"
    );
    let wrong = arena.path("other.abf");
    std::fs::write(&wrong, b"x").unwrap();
    let err = arena
        .fails(
            Some(&organizer),
            &[
                "challenge",
                "create",
                "--manifest",
                &manifest,
                "--hidden",
                wrong.to_str().unwrap(),
            ],
        )
        .await;
    assert!(err.contains("other.abf"), "{err}");
    assert_eq!(arena.count("challenges").await, 0);
    let created = arena
        .json(
            &organizer,
            &[
                "challenge",
                "create",
                "--manifest",
                &manifest,
                "--hidden",
                outside.to_str().unwrap(),
                "--hidden-seed",
                &hidden_seed_arg(),
            ],
        )
        .await;
    assert_eq!(created["challenge_id"], "drn-frozen-noise");
    assert_eq!(
        (
            created["n_train_trials"].as_u64(),
            created["n_test_trials"].as_u64()
        ),
        (Some(1), Some(2))
    );
    // Listed as a public benchmark, in JSON and in the table.
    let list = arena.json(&contestant, &["challenges"]).await;
    assert_eq!(list["challenges"][0]["public_benchmark"], true, "{list}");
    let out = arena.arena(Some(&contestant), &["challenges"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("public benchmark"));
    // A contestant fetches the training recording's trial and the test stimuli, nothing of the
    // test responses, and no raw recording.
    let spec = fetched(&arena, &contestant, "drn-frozen-noise").await;
    assert_eq!(spec["public_benchmark"], true);
    let names: Vec<String> = std::fs::read_dir(arena.path("fetched"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(names.contains(&"train-00_spikes.npy"), "{names:?}");
    assert!(
        !names.iter().any(|n| n.ends_with(".abf")
            || n.starts_with("test-00_spikes")
            || n.starts_with("test-00_voltage")),
        "{names:?}"
    );
    // The hidden recording is stored once, marked hidden.
    let stored: (i64, String) = arena
        .query_one("SELECT hidden, sha256 FROM dataset_files WHERE name = 'DRN156_5ht_test.abf'")
        .await;
    assert_eq!(
        stored,
        (
            1,
            "94abbbd36a02c593126aaf3c3c543189b2ef4b15b249a974b69afff9714b1697".into()
        )
    );
    // Live evaluation needs a generating model: refused with the reason.
    let err = arena
        .fails(
            Some(&contestant),
            &["run", "drn-frozen-noise", "--model", "builtin:lif"],
        )
        .await;
    assert!(
        err.contains("FAILED_PRECONDITION") && err.contains("recorded"),
        "{err}"
    );
    // So does the reference the server computes: nothing is stored.
    let status = arena
        .grpc(Some(&organizer))
        .await
        .submit(pb::SubmitRequest {
            challenge_id: "drn-frozen-noise".into(),
            model_name: "reference".into(),
            baseline: "reference".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    assert!(status.message().contains("recorded"), "{status:?}");
    assert_eq!(arena.count("submissions").await, 0);
    // The served manifest of a recorded challenge is the organizer's, byte for byte.
    assert_eq!(
        std::fs::read_to_string(arena.path("fetched").join("dataset.toml")).unwrap(),
        std::fs::read_to_string(&manifest).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizers_put_the_baselines_on_the_board_through_the_submit_path() {
    let arena = Arena::start(2).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-b").await;
    let id = &arena.challenge(&organizer, 1).await;
    let teams = arena.baselines(&organizer, id).await;
    assert_eq!(
        teams,
        [
            "baseline-reference",
            "baseline-igif",
            "baseline-agif",
            "baseline-gif-k",
            "baseline-gif",
            "baseline-adex",
            "baseline-mat",
            "baseline-lif",
            "baseline-poisson"
        ]
    );
    // Baselines are outside the daily limit (1 here): a second run is scored too.
    arena
        .json(&organizer, &["baselines", "run", id, "--seed", "2"])
        .await;
    let board = arena.json(&organizer, &["leaderboard", id]).await;
    let rows = board["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 9, "{board}");
    assert!(
        rows.iter()
            .all(|r| r["is_baseline"] == true && r["n_submissions"] == 2),
        "{board}"
    );
    // On this 2 s public part the fitted models and the reference are within noise of each
    // other, and the weakest fitted models (MAT, LIF) are within noise of the null: the null
    // is not last on every seed (ARENA_TEST_SEED 20 put MAT at -0.05 below its -0.04). What
    // holds on every seed: the null, which carries no stimulus information, scores near 0
    // (slightly below it on this part), far below the reference. Margins over ARENA_TEST_SEED
    // 1-50 (`bash .ci/margins organizers_put_the_baselines 50`): null primary -0.112 ± 0.037
    // (min -0.18, max -0.02), reference minus null 1.08 ± 0.13 (min 0.64). The bounds lie 5.1
    // and 5.7 s.d. from the null's mean and 6.3 s.d. below the reference's lead: under 1e-6
    // false failures per run each, for normal tails.
    let primary = |team: &str| {
        let row = rows.iter().find(|r| r["team"] == team).expect(team);
        row["primary"].as_f64().unwrap_or_else(|| panic!("{board}"))
    };
    let (null, reference) = (primary("baseline-poisson"), primary("baseline-reference"));
    eprintln!("margin null_primary: {null}");
    eprintln!("margin reference_minus_null: {}", reference - null);
    assert!(-0.3 < null && null < 0.1, "{board}");
    assert!(reference > null + 0.3, "{board}");
    // Only organizers submit as a baseline, and only a known one.
    let as_baseline = |token: String, baseline: &'static str| {
        let arena = &arena;
        async move {
            arena
                .grpc(Some(&token))
                .await
                .submit(pb::SubmitRequest {
                    challenge_id: id.to_string(),
                    model_name: "x".into(),
                    predictions_json: b"{}".to_vec(),
                    baseline: baseline.into(),
                    ..Default::default()
                })
                .await
                .unwrap_err()
        }
    };
    let status = as_baseline(contestant.clone(), "lif").await;
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let status = as_baseline(organizer.clone(), "oracle").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("\"oracle\" is not a built-in baseline"),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gauntlet_runs_on_the_hidden_data_for_organizers_and_auditors_only() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let contestant = arena.token(Role::Contestant, "team-g").await;
    // The full demo challenge: the gauntlet's tolerances are set for 4 test trials of 5 s.
    let id = arena.create(&organizer, DEMO).await;
    let err = arena.fails(Some(&contestant), &["gauntlet", &id]).await;
    assert!(err.contains("PERMISSION_DENIED"), "{err}");
    let v = arena
        .json(&auditor, &["gauntlet", &id, "--seed", "3"])
        .await;
    let rows = v["rows"].as_array().unwrap();
    // Only dendritic challenges carry a clustering check; the key is there, null.
    assert_eq!(v.get("clustering_effect"), Some(&Value::Null), "{v}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {v}"))
    };
    for r in rows {
        let name = r["name"].as_str().unwrap();
        match r["class"].as_str().unwrap() {
            // Every entry without stimulus information stays at or below the null (its
            // tolerance is in its rule), or is rejected.
            "no-stimulus" => assert!(
                r["passed"] == true
                    && (r["outcome"] == "rejected"
                        || r["primary"].as_f64().is_some_and(|p| p <= 0.05)),
                "{name}: {r}"
            ),
            // An entry that needs what the challenge keeps hidden (the demo's generator) is
            // not built, and says why.
            "no-hidden" => assert!(
                r["passed"] == true
                    && (r["outcome"] == "not_built"
                        && r["note"].as_str().unwrap().contains("generator")
                        || r["primary"].as_f64().is_some_and(|p| p <= 1.05)),
                "{name}: {r}"
            ),
            "malformed" => {
                let note = r["note"].as_str().unwrap();
                assert!(
                    r["outcome"] == "rejected"
                        && (note.contains("repeat 0") || note.contains("intensity:")),
                    "{name}: {r}"
                )
            }
            _ => {}
        }
    }
    // Honest models rank by quality; the generating model is at the ceiling.
    let primary = |prefix: &str| row(prefix)["primary"].as_f64().unwrap();
    assert!(
        rows.iter()
            .filter(|r| r["class"] == "honest")
            .all(|r| r["passed"] == true),
        "{v}"
    );
    // `bash .ci/margins the_gauntlet_runs_on_the_hidden 50` (seeds 1-50): |reference − 1| was
    // 0.005 ± 0.003 (max 0.012) against the bound 0.1, 32 s.d. away; every other assertion of
    // this test held on all 50 seeds.
    eprintln!(
        "margin gauntlet |reference - 1|: {}",
        (primary("baseline reference") - 1.0).abs()
    );
    assert!((primary("baseline reference") - 1.0).abs() < 0.1, "{v}");
    // The adaptive adversary says what it spent and found.
    let adversary = rows
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .unwrap()
                .starts_with("adaptive adversary")
        })
        .unwrap_or_else(|| panic!("no adaptive adversary: {v}"));
    assert!(
        adversary["note"]
            .as_str()
            .unwrap()
            .contains("evaluations (budget)"),
        "{adversary}"
    );
    // Nothing was stored.
    assert_eq!(arena.count("submissions").await, 0);
    // The text table names every entry.
    let out = arena.arena(Some(&organizer), &["gauntlet", &id]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("Poisson") && text.contains("verdict"),
        "{text}"
    );
}

/// The contestant's offline path with Python and numpy only (issue 5, "Data for contestants"):
/// `arena fetch`, the example fitting script on the fetched files, `arena submit`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_example_fits_a_fetched_challenge_and_is_scored() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-py").await;
    let id = &arena.create(&organizer, DEMO).await;
    fetched(&arena, &contestant, id).await;
    let predictions = arena.path("predictions.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/python/fit_lif.py");
    let out = tokio::process::Command::new("python3")
        .args([
            script,
            arena.path("fetched").to_str().unwrap(),
            "--out",
            predictions.to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "fit_lif.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = arena
        .json(
            &contestant,
            &[
                "submit",
                id,
                "--predictions",
                predictions.to_str().unwrap(),
                "--model",
                "lif-numpy",
            ],
        )
        .await;
    assert_eq!(v["status"], "scored", "{v}");
    // A fitted LIF carries stimulus information: well above the null (0), below the ceiling (1);
    // the Rust LIF baseline scores 0.5–0.7 on this challenge.
    let primary = v["scores"]["primary"].as_f64().unwrap();
    assert!((0.3..0.95).contains(&primary), "primary {primary}: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_challenge_stops_submissions_and_shows_the_private_board() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-c").await;
    let id = &arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &contestant, id).await;
    let predictions = arena.path("p.json");
    write_predictions(&predictions, &spec, 8.0, 2);
    let scored = arena
        .json(
            &contestant,
            &["submit", id, "--predictions", predictions.to_str().unwrap()],
        )
        .await;
    let board = arena.json(&contestant, &["leaderboard", id]).await;
    assert_eq!(board["part"], "public");
    let err = arena
        .fails(Some(&contestant), &["challenge", "close", id])
        .await;
    assert!(err.contains("PERMISSION_DENIED"), "{err}");
    let closed = arena.json(&organizer, &["challenge", "close", id]).await;
    assert_eq!(closed["status"], "closed");
    let list = arena.json(&contestant, &["challenges"]).await;
    assert_eq!(list["challenges"][0]["status"], "closed");
    // The board now ranks the private part, with the private score of the same submission.
    let board = arena.json(&contestant, &["leaderboard", id]).await;
    assert_eq!(board["part"], "private", "{board}");
    assert_eq!(board["rows"][0]["submission_id"], scored["submission_id"]);
    let shown = arena
        .json(
            &contestant,
            &[
                "submission",
                "show",
                scored["submission_id"].as_str().unwrap(),
            ],
        )
        .await;
    assert!(board["rows"][0]["primary"].is_f64(), "{board}");
    assert_eq!(
        board["rows"][0]["primary"], shown["private_scores"]["primary"],
        "{shown}"
    );
    // No new submissions, and closing is final.
    let err = arena
        .fails(
            Some(&contestant),
            &["submit", id, "--predictions", predictions.to_str().unwrap()],
        )
        .await;
    assert!(
        err.contains("FAILED_PRECONDITION") && err.contains("closed"),
        "{err}"
    );
    let err = arena
        .fails(Some(&organizer), &["challenge", "close", id])
        .await;
    assert!(err.contains("already closed"), "{err}");
}

/// The repository's clustered-dendritic demo dataset.
const DENDRITIC_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/dendritic-clustered-demo"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dendritic_challenge_is_checked_fetched_and_scored_by_condition() {
    let arena = Arena::start(2).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-d").await;
    let manifest = format!("{DENDRITIC_DIR}/dataset.toml");
    let created = arena
        .json(
            &organizer,
            &[
                "challenge",
                "create",
                "--manifest",
                &manifest,
                "--hidden-seed",
                &hidden_seed_arg(),
            ],
        )
        .await;
    let id = created["challenge_id"].as_str().unwrap().to_string();
    // The organizer sees the clustering check the generator passed.
    let effect = &created["clustering_effect"];
    let alpha = effect["alpha"].as_f64().unwrap();
    for control in ["time_dispersed", "space_scattered"] {
        assert!(
            effect[control]["wilcoxon_p"].as_f64().unwrap() < alpha,
            "{created}"
        );
        assert!(
            effect["clustered_spikes"].as_u64() > effect[control]["spikes"].as_u64(),
            "{created}"
        );
    }
    // A contestant gets what numpy needs: the SWC, the synapse table, one event table per trial
    // and the condition of every trial; not the generator: no biophysics file, no [cell], no
    // receptor kinetics, synaptic weights or noise.
    let out = arena.path("fetched");
    arena
        .json(&contestant, &["fetch", &id, "--out", out.to_str().unwrap()])
        .await;
    for name in ["cell.swc", "synapses.json"] {
        assert!(out.join(name).is_file(), "{name} was not fetched");
    }
    assert!(!out.join("cell_biophysics.json").exists());
    let served = std::fs::read_to_string(out.join("dataset.toml")).unwrap();
    for hidden in [
        "[cell]",
        "cell_biophysics.json",
        "receptors",
        "tau_decay_ms",
        "weight_us",
        "intrinsic_noise",
    ] {
        assert!(!served.contains(hidden), "{hidden} in {served}");
    }
    assert!(served.contains("[stimulus.clusters]"), "{served}");
    let table = std::fs::read_to_string(out.join("synapses.json")).unwrap();
    for hidden in ["weight_us", "receptors", "tau_"] {
        assert!(!table.contains(hidden), "{hidden} in synapses.json");
    }
    let spec: Value =
        serde_json::from_slice(&std::fs::read(out.join("challenge.json")).unwrap()).unwrap();
    let trials = spec["trials"].as_array().unwrap();
    assert_eq!(spec["kind"], "dendritic-input");
    for t in trials {
        assert!(t["files"]["events"].is_string(), "{t}");
        let condition = t["condition"].as_str().unwrap();
        assert!(t["id"].as_str().unwrap().ends_with(condition), "{t}");
    }
    // The dendritic baselines go on the board, which reports scores by condition.
    let teams = arena.baselines(&organizer, &id).await;
    assert_eq!(
        teams,
        [
            "baseline-reference",
            "baseline-two-layer",
            "baseline-linear",
            "baseline-poisson"
        ]
    );
    let board = arena.json(&organizer, &["leaderboard", &id]).await;
    let rows = board["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{board}");
    for r in rows {
        // A score by condition may be undefined on some hidden seed (issue 20: e.g. recorded
        // repeats without a coincidence in the part's clustered segments): then it is null and
        // `notes` says why; the gap is defined exactly when both sides are.
        let by_condition = |key: &str| match r[key].as_f64() {
            Some(v) => Some(v),
            None => {
                assert!(r[key].is_null(), "{key}: {r}");
                assert!(
                    r["notes"][key].as_str().is_some_and(|n| !n.is_empty()),
                    "{key}: {r}"
                );
                None
            }
        };
        let clustered = by_condition("primary_clustered");
        let dispersed = by_condition("primary_dispersed");
        let gap = by_condition("clustering_gap");
        match (clustered, dispersed, gap) {
            // The open board rounds each value to the Ladder's step (0.01).
            (Some(c), Some(d), Some(g)) => assert!((g - (d - c)).abs() <= 0.01 + 1e-9, "{r}"),
            (Some(_), Some(_), None) => panic!("the gap is undefined for defined sides: {r}"),
            (_, _, g) => assert!(g.is_none(), "{r}"),
        }
    }
    // The generating cell ranks first and both fitted dendritic baselines carry stimulus
    // information. Bounds from the margins over ARENA_TEST_SEED 1–50 at dt 0.05 ms
    // (`bash .ci/margins a_dendritic_challenge_is_checked 50 1 -- --release -p arena-client`,
    // all 50 passed; mean ± s.d., min; false-failure rate per seed from a normal tail):
    // - reference primary − 0.5: 0.459 ± 0.016 (min 0.39), 29 s.d.;
    // - two-layer primary − null: 0.460 ± 0.103 (min 0.21), bound 0: 4.5 s.d., 4e-6;
    // - linear primary − null: 0.338 ± 0.093 (min 0.14). Against 0 that is 3.7 s.d. (1.3e-4),
    //   so the bound is −0.05 (4.2 s.d., 1.4e-5): a broken fit scores far below the null, an
    //   honest one lands within 0.05 of it only by chance;
    // - reference AUC ±Δ − 0.9: 0.076 ± 0.011 (min 0.047), 7.2 s.d.;
    // - |null AUC ±Δ − 0.5|: 0.040 ± 0.033 (max 0.117), bound 0.2: 4.8 s.d., 8e-7;
    // - the better fitted model's AUC ±Δ − the null's: 0.314 ± 0.085 (min 0.155), bound −0.02:
    //   3.9 s.d., 4e-5 (per model the two-layer's is 0.287 ± 0.094, min 0.056, and the linear
    //   one's 0.308 ± 0.084: asserting each above the null would fail about 1e-3 per seed).
    // Together about 6e-5 per run; CI fixes seed 42, where every margin is wide.
    const LINEAR_BOUND: f64 = -0.05;
    const NULL_BOUND: f64 = 0.2;
    const FITTED_AUC_BOUND: f64 = -0.02;
    let primary = |team: &str| {
        rows.iter()
            .find(|r| r["team"] == team)
            .and_then(|r| r["primary"].as_f64())
            .unwrap_or_else(|| panic!("{team}: {board}"))
    };
    let null = primary("baseline-poisson");
    // Every evaluation also carries the per-bin ROC scores, overall and by condition.
    let mut auc = std::collections::BTreeMap::new();
    for r in rows {
        let sid = r["submission_id"].as_str().unwrap();
        let shown = arena.json(&organizer, &["submission", "show", sid]).await;
        for key in ["auc", "auc_clustered", "auc_tolerant_dispersed"] {
            assert!(shown["scores"][key].is_number(), "{key}: {shown}");
        }
        let team = r["team"].as_str().unwrap().to_string();
        auc.insert(team, shown["scores"]["auc_tolerant"].as_f64().unwrap());
    }
    let null_auc = auc["baseline-poisson"];
    let fitted_auc = auc["baseline-two-layer"].max(auc["baseline-linear"]);
    // Every margin is printed before any assertion, so `.ci/margins` sees them all.
    let margins = [
        (
            "reference primary - 0.5",
            primary("baseline-reference") - 0.5,
        ),
        (
            "baseline-two-layer - poisson",
            primary("baseline-two-layer") - null,
        ),
        (
            "baseline-linear - (poisson - 0.05)",
            primary("baseline-linear") - (null + LINEAR_BOUND),
        ),
        ("reference AUC - 0.9", auc["baseline-reference"] - 0.9),
        (
            "null bound - |poisson AUC - 0.5|",
            NULL_BOUND - (null_auc - 0.5).abs(),
        ),
        (
            "best fitted AUC - (poisson - 0.02)",
            fitted_auc - (null_auc + FITTED_AUC_BOUND),
        ),
        // Printed for the record, not asserted (see above).
        (
            "baseline-two-layer AUC - poisson",
            auc["baseline-two-layer"] - null_auc,
        ),
        (
            "baseline-linear AUC - poisson",
            auc["baseline-linear"] - null_auc,
        ),
    ];
    for (name, value) in margins {
        eprintln!("margin dendritic {name}: {value}");
    }
    assert_eq!(rows[0]["team"], "baseline-reference", "{board}");
    for (name, value) in &margins[..6] {
        assert!(*value > 0.0, "{name}: {value}; {board}; AUC ±Δ {auc:?}");
    }
    // The text board shows the primary by condition and the gap on a paired challenge.
    let out = arena.arena(Some(&organizer), &["leaderboard", &id]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let header = text.lines().nth(1).unwrap_or_default();
    for column in ["PRIMARY", "CLUSTERED", "DISPERSED", "GAP"] {
        assert!(header.contains(column), "{text}");
    }
    // No row predicts an intensity, so there is no bits-per-spike column, and no note about it.
    assert!(
        !header.contains("BITS") && !text.contains("bits_per_spike"),
        "{text}"
    );
}

/// The submission's exact scores as an auditor sees them: (public, private) primaries.
async fn exact_primaries(arena: &Arena, auditor: &str, submission: &str) -> (f64, f64) {
    let v = arena
        .json(auditor, &["submission", "show", submission])
        .await;
    (
        v["scores"]["primary"].as_f64().unwrap(),
        v["private_scores"]["primary"].as_f64().unwrap(),
    )
}

/// While a challenge is open, the board does not tell other teams (or anyone) which of a
/// team's submissions it selected for the final ranking; once closed, it does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_board_does_not_say_which_submissions_a_team_selected() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let team = arena.token(Role::Contestant, "team-s").await;
    let other = arena.token(Role::Contestant, "team-t").await;
    let id = &arena.challenge(&organizer, 10).await;
    let spec = fetched(&arena, &team, id).await;
    let p = arena.path("p.json");
    write_predictions(&p, &spec, 8.0, 1);
    let v = arena
        .json(&team, &["submit", id, "--predictions", p.to_str().unwrap()])
        .await;
    let sub = v["submission_id"].as_str().unwrap().to_string();
    arena.json(&team, &["submission", "select", &sub]).await;
    let selected_on = |board: &serde_json::Value| {
        let row = board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["team"] == "team-s")
            .unwrap_or_else(|| panic!("no team-s: {board}"))
            .clone();
        assert_eq!(row["submission_id"], sub.as_str(), "{board}");
        row["selected"].as_bool().unwrap()
    };
    for who in [&other, &team, &organizer] {
        let board = arena.json(who, &["leaderboard", id]).await;
        assert_eq!(board["part"], "public");
        assert!(!selected_on(&board), "open board says selected: {board}");
    }
    arena.json(&organizer, &["challenge", "close", id]).await;
    let board = arena.json(&other, &["leaderboard", id]).await;
    assert_eq!(board["part"], "private");
    assert!(selected_on(&board), "closed board: {board}");
}

/// Final selection (issue 13 C): the closed board ranks a team by the best private score among
/// the submissions it selected, never the best private score of all its submissions; a team that
/// selected none is ranked by its latest ones; the selection is bounded, the team's own, and
/// frozen at close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closed_board_ranks_selected_submissions_only() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let team = arena.token(Role::Contestant, "team-s").await;
    let other = arena.token(Role::Contestant, "team-t").await;
    let id = &arena.challenge(&organizer, 10).await;
    let spec = fetched(&arena, &team, id).await;
    let mut ids = Vec::new();
    for (k, rate) in [3.0, 8.0, 20.0].into_iter().enumerate() {
        let p = arena.path(&format!("p{k}.json"));
        write_predictions(&p, &spec, rate, 1);
        let v = arena
            .json(&team, &["submit", id, "--predictions", p.to_str().unwrap()])
            .await;
        ids.push(v["submission_id"].as_str().unwrap().to_string());
    }
    let mut private = Vec::new();
    for s in &ids {
        private.push(exact_primaries(&arena, &auditor, s).await.1);
    }
    // Select the submission with the worst private score, and one more.
    let worst = (0..3)
        .min_by(|&a, &b| private[a].total_cmp(&private[b]))
        .unwrap();
    let second = (worst + 1) % 3;
    let v = arena
        .json(&team, &["submission", "select", &ids[worst]])
        .await;
    assert_eq!(v["selected"], serde_json::json!([ids[worst]]), "{v}");
    assert_eq!(v["final_selections"], 2);
    arena
        .json(&team, &["submission", "select", &ids[second]])
        .await;
    // A third is over the limit; another team's submission is not yours to select.
    let third = (worst + 2) % 3;
    let err = arena
        .fails(Some(&team), &["submission", "select", &ids[third]])
        .await;
    assert!(
        err.contains("RESOURCE_EXHAUSTED") && err.contains("rules.final_selections"),
        "{err}"
    );
    let err = arena
        .fails(Some(&other), &["submission", "select", &ids[0]])
        .await;
    assert!(err.contains("PERMISSION_DENIED"), "{err}");
    // Unselect the second: only the worst one counts now.
    let v = arena
        .json(&team, &["submission", "unselect", &ids[second]])
        .await;
    assert_eq!(v["selected"], serde_json::json!([ids[worst]]), "{v}");
    let shown = arena
        .json(&team, &["submission", "show", &ids[worst]])
        .await;
    assert_eq!(shown["selected"], true);
    // Team t submits twice and selects nothing: its latest two count.
    let spec_t = fetched(&arena, &other, id).await;
    let mut t_ids = Vec::new();
    for (k, rate) in [8.0, 5.0].into_iter().enumerate() {
        let p = arena.path(&format!("t{k}.json"));
        write_predictions(&p, &spec_t, rate, 1);
        let v = arena
            .json(
                &other,
                &["submit", id, "--predictions", p.to_str().unwrap()],
            )
            .await;
        t_ids.push(v["submission_id"].as_str().unwrap().to_string());
    }
    arena.json(&organizer, &["challenge", "close", id]).await;
    let err = arena
        .fails(Some(&team), &["submission", "select", &ids[third]])
        .await;
    assert!(
        err.contains("FAILED_PRECONDITION") && err.contains("closed"),
        "{err}"
    );
    let board = arena.json(&team, &["leaderboard", id]).await;
    assert_eq!(board["part"], "private");
    let row = |team: &str| {
        board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["team"] == team)
            .unwrap_or_else(|| panic!("no {team}: {board}"))
            .clone()
    };
    let s = row("team-s");
    assert_eq!(s["submission_id"], ids[worst].as_str(), "{board}");
    assert_eq!(s["selected"], true);
    assert_eq!(s["primary"].as_f64().unwrap(), private[worst], "{board}");
    let t = row("team-t");
    let t_private = [
        exact_primaries(&arena, &auditor, &t_ids[0]).await.1,
        exact_primaries(&arena, &auditor, &t_ids[1]).await.1,
    ];
    assert_eq!(
        t["primary"].as_f64().unwrap(),
        t_private[0].max(t_private[1]),
        "{board}"
    );
    assert_eq!(t["selected"], false);
}

/// The probabilistic track reaches contestants (issue 13 G): an intensity per bin is parsed,
/// scored by the proper rule (bits per spike) and by the primary, and shown on the board.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intensity_submission_is_scored_end_to_end() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let contestant = arena.token(Role::Contestant, "team-i").await;
    let id = &arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &contestant, id).await;
    // A flat intensity at the training responses' mean rate, in 10 ms bins.
    let fetched_dir = arena.path("fetched");
    let mut spikes = 0usize;
    let mut time = 0.0;
    for t in spec["trials"].as_array().unwrap() {
        if t["split"] == "train" {
            let npy =
                std::fs::read(fetched_dir.join(t["files"]["spikes"].as_str().unwrap())).unwrap();
            let rows = arena_challenge_core::npy::decode_ragged(&npy).unwrap();
            spikes += rows.iter().map(Vec::len).sum::<usize>();
            time += rows.len() as f64 * t["duration_s"].as_f64().unwrap();
        }
    }
    let rate = spikes as f64 / time;
    let mut trials = serde_json::Map::new();
    for t in spec["trials"].as_array().unwrap() {
        if t["split"] == "test" {
            let bins = (t["duration_s"].as_f64().unwrap() / 0.01).round() as usize;
            trials.insert(
                t["id"].as_str().unwrap().into(),
                serde_json::json!({ "bin_s": 0.01, "rate_hz": vec![rate; bins] }),
            );
        }
    }
    let path = arena.path("intensity.json");
    std::fs::write(&path, serde_json::json!({ "trials": trials }).to_string()).unwrap();
    let v = arena
        .json(
            &contestant,
            &[
                "submit",
                id,
                "--predictions",
                path.to_str().unwrap(),
                "--model",
                "flat",
            ],
        )
        .await;
    assert_eq!(v["status"], "scored", "{v}");
    let sub = v["submission_id"].as_str().unwrap();
    let audited = arena.json(&auditor, &["submission", "show", sub]).await;
    // A flat intensity carries no stimulus information: at or below the null, and at most 0
    // bits per spike. The reference is the flat intensity at the scored part's own mean rate
    // λ̄; a flat prediction at r scores (ln ρ − ρ + 1)/ln 2 with ρ = r/λ̄, ≤ 0 with equality
    // only at ρ = 1 (here r is the training rate, not the test part's).
    for part in ["scores", "private_scores"] {
        let bits = audited[part]["bits_per_spike"].as_f64().unwrap();
        assert!(bits <= 1e-12 && bits > -2.0, "{part}: {audited}");
    }
    assert!(
        audited["scores"]["primary"].as_f64().unwrap() <= 1e-9,
        "{audited}"
    );
    // Γ needs spike trains: undefined, with its reason.
    assert!(audited["scores"]["coincidence_factor"].is_null());
    assert!(
        audited["notes"]["coincidence_factor"]
            .as_str()
            .unwrap()
            .contains("intensity"),
        "{audited}"
    );
    let board = arena.json(&contestant, &["leaderboard", id]).await;
    let row = &board["rows"][0];
    assert_eq!(row["model"], "flat");
    assert!(row["bits_per_spike"].is_f64(), "{board}");
    let text = arena.arena(Some(&contestant), &["leaderboard", id]).await;
    assert!(String::from_utf8_lossy(&text.stdout).contains("BITS/SPIKE"));
}

/// After a change of the metric definitions (issue 13: "every stored submission is rescored
/// under the new definition as a new scoring version; the old scores are kept"), a restarted
/// server scores every stored submission again and the board says which version it shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_submissions_are_rescored_under_the_current_metrics_version() {
    let mut arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-r").await;
    let id = &arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &contestant, id).await;
    let p = arena.path("p.json");
    write_predictions(&p, &spec, 8.0, 2);
    let v = arena
        .json(
            &contestant,
            &["submit", id, "--predictions", p.to_str().unwrap()],
        )
        .await;
    let sub = v["submission_id"].as_str().unwrap().to_string();
    // Make its only evaluation one of an older version, as a database from before would hold.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", arena.db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE evaluations SET metrics_version = 'core-1', public_scores_json = '[]'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let board = arena.json(&contestant, &["leaderboard", id]).await;
    assert_eq!(board["rows"].as_array().unwrap().len(), 0, "{board}");
    assert_eq!(board["pending_rescore"], 1, "{board}");
    arena.restart(1).await;
    // The worker rescores it after the restart.
    let mut board = Value::Null;
    for _ in 0..100 {
        board = arena.json(&contestant, &["leaderboard", id]).await;
        if board["rows"].as_array().unwrap().len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        board["metrics_version"],
        arena_scoring::METRICS_VERSION,
        "{board}"
    );
    assert_eq!(board["rows"][0]["submission_id"], sub.as_str(), "{board}");
    assert_eq!(board["pending_rescore"], 0);
    let versions: (i64, i64) = arena
        .query_one(&format!(
            "SELECT SUM(metrics_version = 'core-1'), SUM(metrics_version = '{}') FROM evaluations \
             WHERE submission_id = '{sub}'",
            arena_scoring::METRICS_VERSION
        ))
        .await;
    assert_eq!(versions, (1, 1), "both versions are kept");
}

/// The attacks of issue 13, through the real server: tricks without stimulus information score
/// at or below the null, and an honest numpy LIF (the repository's example) sent as two copies
/// shifted by ∓(Δ/2 + 0.05 ms) — +0.61 → +1.49 under version 1 — does not rise above itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_measured_attacks_score_within_their_bounds_through_the_server() {
    let arena = Arena::start(2).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let auditor = arena.token(Role::Auditor, "aud").await;
    let contestant = arena.token(Role::Contestant, "team-x").await;
    let mut manifest: toml::Table = DEMO.parse().unwrap();
    manifest["rules"]
        .as_table_mut()
        .unwrap()
        .insert("daily_limit".into(), 20.into());
    let id = &arena
        .create(&organizer, &toml::to_string(&manifest).unwrap())
        .await;
    let spec = fetched(&arena, &contestant, id).await;
    let tests: Vec<(String, f64)> = spec["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["split"] == "test")
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["duration_s"].as_f64().unwrap(),
            )
        })
        .collect();
    let submit = |name: &str, trials: serde_json::Map<String, Value>| {
        let path = arena.path(&format!("{name}.json"));
        std::fs::write(&path, serde_json::json!({ "trials": trials }).to_string()).unwrap();
        let arena = &arena;
        let contestant = contestant.clone();
        async move {
            let v = arena
                .json(
                    &contestant,
                    &["submit", id, "--predictions", path.to_str().unwrap()],
                )
                .await;
            v["submission_id"].as_str().unwrap().to_string()
        }
    };
    let grid = |from: f64, step: f64, to: f64| -> Vec<f64> {
        (0..)
            .map(|k| from + k as f64 * step)
            .take_while(|t| *t < to)
            .collect()
    };
    let mut dense = serde_json::Map::new();
    let mut anti = serde_json::Map::new();
    for (t, d) in &tests {
        dense.insert(
            t.clone(),
            serde_json::json!([grid(0.0, 1e-4, *d), [d / 2.0]]),
        );
        let s = 2.0 * 4.04e-3;
        anti.insert(
            t.clone(),
            serde_json::json!([grid(0.0, s, *d), grid(s / 2.0, s, *d)]),
        );
    }
    for (name, trials) in [("dense", dense), ("anti-phase", anti)] {
        let sub = submit(name, trials).await;
        let (public, private) = exact_primaries(&arena, &auditor, &sub).await;
        assert!(
            public <= 0.05 && private <= 0.05,
            "{name}: {public}, {private}"
        );
    }
    // The numpy LIF of examples/python/fit_lif.py, and its repeats sent twice, shifted.
    let lif = arena.path("lif.json");
    let out = tokio::process::Command::new("python3")
        .args([
            concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/python/fit_lif.py"),
            arena.path("fetched").to_str().unwrap(),
            "--out",
            lif.to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let honest: Value = serde_json::from_slice(&std::fs::read(&lif).unwrap()).unwrap();
    let mut split = serde_json::Map::new();
    for (t, d) in &tests {
        let copies: Vec<Vec<f64>> = honest["trials"][t]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                let times: Vec<f64> = r
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                [-2.05e-3, 2.05e-3].map(|by| {
                    times
                        .iter()
                        .map(|x| x + by)
                        .filter(|x| (0.0..*d).contains(x))
                        .collect()
                })
            })
            .collect();
        split.insert(t.clone(), serde_json::json!(copies));
    }
    let original = submit("lif", honest["trials"].as_object().unwrap().clone()).await;
    let shifted = submit("lif-split", split).await;
    let (o_pub, o_priv) = exact_primaries(&arena, &auditor, &original).await;
    let (s_pub, s_priv) = exact_primaries(&arena, &auditor, &shifted).await;
    assert!(
        o_pub > 0.2 && o_priv > 0.2,
        "the numpy LIF carries stimulus information: {o_pub}, {o_priv}"
    );
    // Bounded by the data's ceiling. The copies may score somewhat above the deterministic
    // original (measured +0.05 and +0.08 here): two copies ∓2 ms apart are a smoothed PSTH,
    // and smoothing an over-precise deterministic prediction is modelling the neuron's jitter,
    // not gaming; under version 1 the same trick went from +0.61 to +1.49.
    for (name, p) in [("public", s_pub), ("private", s_priv)] {
        assert!(
            p <= 1.05,
            "split copies, {name}: {p} (original {o_pub}, {o_priv})"
        );
    }
}

/// A challenge created without a hidden seed gets one drawn by the server: stored, different
/// for each challenge, and never in anything a contestant fetches; one given by the organizer is
/// stored as given. Which segments are public is stored too and appears in nothing a contestant
/// fetches or is shown (the fetch, the submit and show answers, the board, the listing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drawn_hidden_seed_and_the_segments_are_stored_and_never_served() {
    let arena = Arena::start(1).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-h").await;
    let manifest = arena.path("m.toml");
    std::fs::write(&manifest, small_manifest(3)).unwrap();
    for id in ["drawn-a", "drawn-b"] {
        arena
            .json(
                &organizer,
                &[
                    "challenge",
                    "create",
                    "--manifest",
                    manifest.to_str().unwrap(),
                    "--id",
                    id,
                ],
            )
            .await;
    }
    arena
        .json(
            &organizer,
            &[
                "challenge",
                "create",
                "--manifest",
                manifest.to_str().unwrap(),
                "--id",
                "given",
                "--hidden-seed",
                "12345",
            ],
        )
        .await;
    let seed = |id: &'static str| {
        let arena = &arena;
        async move {
            let (s,): (String,) = arena
                .query_one(&format!(
                    "SELECT hidden_seed FROM challenges WHERE id = '{id}'"
                ))
                .await;
            s
        }
    };
    let (a, b) = (seed("drawn-a").await, seed("drawn-b").await);
    assert!(a.parse::<u64>().is_ok() && b.parse::<u64>().is_ok());
    assert_ne!(a, b, "two drawn seeds coincide");
    assert_eq!(seed("given").await, "12345");
    // The segments are stored with the hidden trials.
    let (segments,): (String,) = arena
        .query_one(
            "SELECT segments_json FROM trials WHERE challenge_id = 'drawn-a' \
             AND segments_json IS NOT NULL LIMIT 1",
        )
        .await;
    let stored: Value = serde_json::from_str(&segments).unwrap();
    assert!(stored[0]["start_s"].is_number(), "{stored}");
    // Nothing the contestant fetches or is shown holds the seed or a segment.
    let spec = fetched(&arena, &contestant, "drawn-a").await;
    let mut seen: Vec<(String, String)> = std::fs::read_dir(arena.path("fetched"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            (path.display().to_string(), text)
        })
        .collect();
    let predictions = arena.path("drawn.json");
    write_predictions(&predictions, &spec, 8.0, 3);
    let submitted = arena
        .json(
            &contestant,
            &[
                "submit",
                "drawn-a",
                "--predictions",
                predictions.to_str().unwrap(),
            ],
        )
        .await;
    let sid = submitted["submission_id"].as_str().unwrap().to_string();
    for args in [
        vec!["submission", "show", sid.as_str()],
        vec!["leaderboard", "drawn-a"],
        vec!["challenges"],
    ] {
        let v = arena.json(&contestant, &args).await;
        seen.push((args.join(" "), v.to_string()));
    }
    seen.push(("submit".into(), submitted.to_string()));
    for (what, text) in &seen {
        assert!(!text.contains(&a), "the hidden seed is in {what}");
        // A stored segment is `{"start_s", "end_s", "part"}` (the board's own "part" names the
        // board, not a segment); the stimulus schedule's
        // `[[stimulus.segments]]` in dataset.toml is public and has none of these keys.
        for needle in ["start_s", "end_s", "segments_json"] {
            assert!(!text.contains(needle), "{what} mentions {needle}: {text}");
        }
    }
}
