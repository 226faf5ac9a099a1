//! The token lifecycle and the organizer log end to end (issue 15): a real server on a loopback
//! port, the real `arena` binary, and the real `arena-server` binary writing into the database
//! of the running server, as an operator's shell would.

use std::path::{Path, PathBuf};
use std::process::Output;

use arena_proto::v1 as pb;
use arena_server::auth::{Role, token_hash};
use serde_json::Value;

use crate::common::{Arena, fetched, write_predictions};

/// The `arena-server` binary built beside `arena`.
fn server_bin() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_arena")).with_file_name("arena-server")
}

/// Runs `arena-server ARGS --db DB` on the harness's database.
async fn arena_server(arena: &Arena, args: &[&str]) -> Output {
    tokio::process::Command::new(server_bin())
        .args(args)
        .arg("--db")
        .arg(&arena.db)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap()
}

/// [`arena_server`], asserting success; its stdout.
async fn arena_server_ok(arena: &Arena, args: &[&str]) -> String {
    let out = arena_server(arena, args).await;
    assert!(
        out.status.success(),
        "arena-server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// [`arena_server`], asserting failure; its one-line error.
async fn arena_server_fails(arena: &Arena, args: &[&str]) -> String {
    let out = arena_server(arena, args).await;
    assert!(!out.status.success(), "arena-server {args:?} should fail");
    let stderr = String::from_utf8(out.stderr).unwrap().trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

/// Neither a token nor its hash appears in `text`.
fn holds_no_secret(text: &str, tokens: &[&str]) {
    for t in tokens {
        assert!(!text.contains(t), "a token is shown: {text}");
        assert!(
            !text.contains(&token_hash(t)),
            "a token's hash is shown: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_listed_without_secrets_and_revoked_ones_are_refused_at_once() {
    let arena = Arena::start(0).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let team_a = arena.token(Role::Contestant, "team-a").await;
    let team_b = arena.token(Role::Contestant, "team-b").await;
    let secrets = [organizer.as_str(), team_a.as_str(), team_b.as_str()];
    arena.json(&team_a, &["challenges"]).await;

    let listed = arena.json(&organizer, &["token", "list"]).await;
    holds_no_secret(&listed.to_string(), &secrets);
    let tokens = listed["tokens"].as_array().unwrap();
    let names: Vec<&str> = tokens.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["org", "team-a", "team-b"]);
    assert_eq!(tokens[1]["role"], "contestant");
    assert_eq!(tokens[1]["expires_at"], Value::Null);
    assert_eq!(tokens[1]["revoked_at"], Value::Null);
    // team-a's use is written beside its call, not in its way (server/tests/organizer_log.rs
    // waits for it); team-b made none.
    assert_eq!(
        tokens[2]["last_used_at"],
        Value::Null,
        "team-b was not used"
    );
    let text = arena.arena(Some(&organizer), &["token", "list"]).await;
    let text = String::from_utf8(text.stdout).unwrap();
    holds_no_secret(&text, &secrets);
    assert!(
        text.starts_with("NAME") && text.contains("team-b"),
        "{text}"
    );
    let offline = arena_server_ok(&arena, &["token", "list"]).await;
    holds_no_secret(&offline, &secrets);
    assert_eq!(
        offline.lines().count(),
        4,
        "a header and a line per token: {offline}"
    );

    for args in [
        &["token", "list"][..],
        &["token", "revoke", "org", "--reason", "x"],
    ] {
        let err = arena.fails(Some(&team_a), args).await;
        assert!(err.contains("PERMISSION_DENIED"), "{err}");
    }

    // Revoked over gRPC: refused at its next call, saying so and when, never echoing it.
    let revoked = arena
        .json(
            &organizer,
            &[
                "token",
                "revoke",
                "team-a",
                "--reason",
                "left the competition",
            ],
        )
        .await;
    assert_eq!(revoked["revoked"], 1);
    let err = arena.fails(Some(&team_a), &["challenges"]).await;
    let at = revoked["revoked_at"].as_str().unwrap();
    assert_eq!(
        err,
        format!("arena: UNAUTHENTICATED: token \"team-a\" was revoked at {at}")
    );
    let again = arena
        .fails(
            Some(&organizer),
            &["token", "revoke", "team-a", "--reason", "twice"],
        )
        .await;
    assert!(
        again.contains("NOT_FOUND") && again.contains("\"team-a\""),
        "{again}"
    );

    // Revoked offline, into the database of the running server: refused at once too.
    arena.json(&team_b, &["challenges"]).await;
    let said = arena_server_ok(
        &arena,
        &[
            "token", "revoke", "--name", "team-b", "--reason", "cheating",
        ],
    )
    .await;
    assert!(
        said.contains("revoked 1 token(s) named \"team-b\""),
        "{said}"
    );
    let err = arena.fails(Some(&team_b), &["challenges"]).await;
    assert!(
        err.starts_with("arena: UNAUTHENTICATED: token \"team-b\" was revoked at "),
        "{err}"
    );
    holds_no_secret(&err, &secrets);
    let err = arena_server_fails(&arena, &["token", "revoke", "--name", "team-b"]).await;
    assert!(err.contains("--name \"team-b\": no live token"), "{err}");

    let listed = arena.json(&organizer, &["token", "list"]).await;
    assert_eq!(listed["tokens"][1]["revoked_at"], at);
    assert!(listed["tokens"][2]["revoked_at"].is_string());
    assert_eq!(listed["tokens"][0]["revoked_at"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused_saying_when_and_bad_expiries_are_refused() {
    let arena = Arena::start(0).await;
    let create = |name: &'static str, expires_in: &'static str| {
        let arena = &arena;
        async move {
            arena_server_ok(
                arena,
                &[
                    "token",
                    "create",
                    "--role",
                    "contestant",
                    "--name",
                    name,
                    "--expires-in",
                    expires_in,
                ],
            )
            .await
            .trim()
            .to_string()
        }
    };
    let month = create("team-month", "30d").await;
    let second = create("team-second", "1s").await;
    arena.json(&month, &["challenges"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let err = arena.fails(Some(&second), &["challenges"]).await;
    assert!(
        err.starts_with("arena: UNAUTHENTICATED: token \"team-second\" expired at "),
        "{err}"
    );
    assert!(!err.contains(&second));
    arena.json(&month, &["challenges"]).await;

    let listed = arena_server_ok(&arena, &["token", "list", "--json"]).await;
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let expiry = |i: usize| {
        listed["tokens"][i]["expires_at"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(expiry(0) > expiry(1), "{listed}");

    for (value, problem) in [
        ("0d", "0 would expire at once"),
        ("-1h", "\"-1\" is not a whole number above 0"),
        ("2w", "unknown unit \"w\""),
        ("100000d", "more than 3650 days"),
    ] {
        let err = arena_server_fails(
            &arena,
            &[
                "token",
                "create",
                "--role",
                "auditor",
                "--name",
                "a",
                "--expires-in",
                value,
            ],
        )
        .await;
        assert!(
            err.starts_with(&format!(
                "arena-server: --expires-in \"{value}\": {problem}"
            )),
            "{err}"
        );
    }
}

/// The log's rows as `arena log --json` prints them.
async fn log_rows(arena: &Arena, token: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    arena.json(token, &all).await["rows"]
        .as_array()
        .unwrap()
        .clone()
}

/// Runs raw SQL on the server's database file, as someone holding the file could; the first
/// statement's error, if one fails.
async fn tamper(arena: &Arena, statements: &[&str]) -> Result<(), String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", arena.db.display()))
        .await
        .unwrap();
    for sql in statements {
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
        {
            pool.close().await;
            return Err(e.to_string());
        }
    }
    pool.close().await;
    Ok(())
}

/// Runs `change` on the log: first refused by its trigger (`trigger`: its name and its
/// refusal), then again with the trigger dropped, as someone holding the database file could;
/// returns the error of `arena log --verify`.
async fn tampered(arena: &Arena, auditor: &str, change: &str, trigger: (&str, &str)) -> String {
    let (name, refusal) = trigger;
    let refused = tamper(arena, &[change]).await.unwrap_err();
    assert!(refused.contains(refusal), "{refused}");
    tamper(arena, &[&format!("DROP TRIGGER {name}"), change])
        .await
        .unwrap();
    arena.fails(Some(auditor), &["log", "--verify"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_records_every_organizer_action_and_verify_names_an_edited_or_missing_row() {
    let arena = Arena::start(0).await;
    let organizer = arena.token(Role::Organizer, "org").await;
    let auditor = arena.token(Role::Auditor, "audit").await;
    let contestant = arena.token(Role::Contestant, "team-a").await;
    let id = arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &organizer, &id).await;
    let predictions = arena.path("predictions.json");
    write_predictions(&predictions, &spec, 10.0, 2);
    let submitted = arena
        .grpc(Some(&organizer))
        .await
        .submit(pb::SubmitRequest {
            challenge_id: id.clone(),
            model_name: "lif".into(),
            baseline: "lif".into(),
            predictions_json: std::fs::read(&predictions).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    arena
        .json(
            &organizer,
            &["challenge", "close", &id, "--reason", "deadline passed"],
        )
        .await;
    arena
        .json(
            &organizer,
            &["token", "revoke", "team-a", "--reason", "duplicate team"],
        )
        .await;

    let rows = log_rows(&arena, &auditor, &[]).await;
    let summary: Vec<(i64, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["action"].as_str().unwrap(),
                r["actor_name"].as_str().unwrap(),
                r["actor_role"].as_str().unwrap(),
                r["reason"].as_str().unwrap(),
            )
        })
        .collect();
    let offline = "arena-server token (offline)";
    assert_eq!(
        summary,
        [
            (1, "token_create", offline, "operator", ""),
            (2, "token_create", offline, "operator", ""),
            (3, "token_create", offline, "operator", ""),
            (4, "create_challenge", "org", "organizer", ""),
            (5, "submit_baseline", "org", "organizer", ""),
            (6, "close_challenge", "org", "organizer", "deadline passed"),
            (7, "token_revoke", "org", "organizer", "duplicate team"),
        ]
    );
    assert_eq!(rows[2]["details"]["name"], "team-a");
    assert_eq!(rows[2]["challenge_id"], Value::Null);
    assert_eq!(rows[3]["challenge_id"], id.as_str());
    assert_eq!(
        rows[4]["details"]["submission_id"],
        submitted.submission_id.as_str()
    );
    assert_eq!(
        rows[6]["details"],
        serde_json::json!({"name": "team-a", "revoked": 1})
    );
    holds_no_secret(
        &serde_json::to_string(&rows).unwrap(),
        &[&organizer, &auditor, &contestant],
    );
    let about: Vec<i64> = log_rows(&arena, &organizer, &[&id])
        .await
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(about, [4, 5, 6]);
    let err = arena.fails(Some(&contestant), &["log"]).await;
    assert!(err.contains("UNAUTHENTICATED"), "revoked: {err}");
    let team_c = arena.token(Role::Contestant, "team-c").await;
    let err = arena.fails(Some(&team_c), &["log"]).await;
    assert!(err.contains("PERMISSION_DENIED"), "{err}");

    let verified = arena.json(&auditor, &["log", "--verify"]).await;
    assert_eq!(
        (verified["verified"].as_bool(), verified["rows"].as_i64()),
        (Some(true), Some(8))
    );
    assert!(
        arena_server_ok(&arena, &["log", "verify"])
            .await
            .contains("verifies: 8 rows")
    );

    // An edited reason, then (put back) a deleted row.
    let err = tampered(
        &arena,
        &auditor,
        "UPDATE organizer_log SET reason = 'routine' WHERE id = 6",
        (
            "organizer_log_no_update",
            "append-only: a row is never updated",
        ),
    )
    .await;
    assert!(
        err.starts_with(
            "arena: the organizer log does not verify: row 6 (close_challenge): hash mismatch"
        ),
        "{err}"
    );
    let err = arena_server_fails(&arena, &["log", "verify"]).await;
    assert!(
        err.contains("row 6 (close_challenge): hash mismatch"),
        "{err}"
    );
    // Put back, the chain holds again: the check reads the rows, not a flag.
    tamper(
        &arena,
        &["UPDATE organizer_log SET reason = 'deadline passed' WHERE id = 6"],
    )
    .await
    .unwrap();
    arena.json(&organizer, &["log", "--verify"]).await;

    let err = tampered(
        &arena,
        &auditor,
        "DELETE FROM organizer_log WHERE id = 5",
        (
            "organizer_log_no_delete",
            "append-only: a row is never deleted",
        ),
    )
    .await;
    assert!(
        err.starts_with(
            "arena: the organizer log does not verify: row 6 (close_challenge): gap: expected id 5"
        ),
        "{err}"
    );
}
