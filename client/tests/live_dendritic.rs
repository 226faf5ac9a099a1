//! Live evaluation on a clustered-dendritic challenge end to end: a real server on an ephemeral
//! loopback port streams synaptic events; models are connected through the real `arena run`
//! (`builtin:linear`, the null `builtin:poisson`, the numpy example) and raw gRPC clients (answers
//! that break the rules, ten evaluations at once). Creating the challenge costs most of a test,
//! so each test creates one and runs several cases on it.
//!
//! The challenge is the shipped demo (its three 2 s test pairs keep the clustering check the
//! server runs at creation reliable), with live evaluations shortened through `[live]` to one
//! pair of 0.5 s: each evaluation simulates 3 conditions × 4 repeats × 0.5 s of the
//! 1011-compartment reference cell, which dominates its cost.

use std::time::{Duration, Instant};

use arena_challenge::families::Manifest;
use arena_challenge::live::LiveSource;
use arena_challenge_core::generated::DataFiles;
use arena_proto::v1 as pb;
use arena_server::ServerConfig;
use arena_server::auth::Role;
use serde_json::Value;

use crate::common::Arena;
use crate::live::{answer, create, failure, first_chunk, flood_is_refused, open_on, recompute};

/// The shipped dendritic demo.
const DENDRITIC_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/dendritic-clustered-demo"
);

/// The clustering columns every dendritic result carries.
const CLUSTERING: [&str; 3] = ["primary_clustered", "primary_dispersed", "clustering_gap"];

/// The live trials of one evaluation: one pair, its clustered trial first.
const TRIALS: [&str; 3] = [
    "live-00-clustered",
    "live-00-time-dispersed",
    "live-00-space-scattered",
];

/// The demo manifest with live evaluations of one pair of 0.5 s in chunks of 0.25 s.
fn manifest() -> String {
    let mut m: toml::Table = std::fs::read_to_string(format!("{DENDRITIC_DIR}/dataset.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut live = toml::Table::new();
    live.insert("trials".into(), 1.into());
    live.insert("duration_s".into(), 0.5.into());
    live.insert("chunk_s".into(), 0.25.into());
    live.insert("answer_deadline_s".into(), 60.0.into());
    m.insert("live".into(), live.into());
    m["rules"]
        .as_table_mut()
        .unwrap()
        .insert("daily_limit".into(), 100.into());
    toml::to_string(&m).unwrap()
}

/// A server with the dendritic live challenge `dendritic`, its data files beside its manifest.
async fn start() -> (Arena, String) {
    let arena = Arena::start(ServerConfig::default().workers).await;
    for name in ["cell.swc", "cell_biophysics.json"] {
        std::fs::copy(format!("{DENDRITIC_DIR}/{name}"), arena.path(name)).unwrap();
    }
    let manifest = manifest();
    create(&arena, "dendritic", &manifest).await;
    (arena, manifest)
}

/// `arena run dendritic --model MODEL --json [extra]`: the result, after checking it scored with
/// a running score for each trial and the clustering columns, each a finite number or null with
/// its reason in `notes`.
async fn run_scored(arena: &Arena, token: &str, model: &str, extra: &[&str]) -> Value {
    let mut args = vec!["run", "dendritic", "--model", model, "--json"];
    args.extend_from_slice(extra);
    let out = arena.arena(Some(token), &args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{model}: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "scored", "{v}");
    // The running scores arrive as each trial's ground truth is simulated, in any order.
    let mut trials: Vec<&str> = v["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trial_id"].as_str().unwrap())
        .collect();
    trials.sort_unstable();
    let mut expected = TRIALS;
    expected.sort_unstable();
    assert_eq!(trials, expected, "{v}");
    for column in CLUSTERING {
        clustering_column(&v, column);
    }
    v
}

/// Column `name` of a scored result: a finite number, or null with the reason in `notes`
/// (a 0.5 s trial may hold no coincidence to normalise by, whatever the seed).
fn clustering_column(v: &Value, name: &str) {
    match &v["scores"][name] {
        Value::Number(n) => assert!(n.as_f64().unwrap().is_finite(), "{name}: {v}"),
        Value::Null => assert!(
            v["notes"][name].as_str().is_some_and(|n| !n.is_empty()),
            "{name} is null without its reason: {v}"
        ),
        other => panic!("{name} is {other}: {v}"),
    }
}

fn primary(v: &Value) -> Option<f64> {
    v["scores"]["primary"].as_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dendritic_live_scores_builtin_and_python_models_and_refuses_bad_answers() {
    let started = Instant::now();
    let (arena, _) = start().await;
    events_are_streamed_and_bad_answers_refused(&arena).await;
    let team = arena.token(Role::Contestant, "team-dendritic").await;
    let linear = run_scored(&arena, &team, "builtin:linear", &[]).await;
    let null = run_scored(&arena, &team, "builtin:poisson", &[]).await;
    let python = run_scored(
        &arena,
        &team,
        "python3 examples/python/dendritic_model.py",
        &["--repeats", "20"],
    )
    .await;
    eprintln!(
        "dendritic live: linear {:?}, null {:?}, python {:?} ({:.1} s)",
        primary(&linear),
        primary(&null),
        primary(&python),
        started.elapsed().as_secs_f64()
    );
    // Asserted above, for every seed: each model scored, with a running score per trial and
    // the clustering columns. The linear model's margin over the null on one 0.5 s pair is
    // printed, not asserted: over ARENA_TEST_SEED 1-50 it was positive on all 46 seeds where
    // both primaries were defined, but 0.389 ± 0.173 (min 0.057) puts 0 only 2.2 s.d. below the
    // mean, short of a false-failure rate below 1e-4 (docs/known-gaps.md).
    if let (Some(l), Some(n)) = (primary(&linear), primary(&null)) {
        eprintln!("margin dendritic live linear - null: {}", l - n);
    }
    // Stored like every live evaluation: the board shows the clustering columns.
    let board = arena.json(&team, &["leaderboard", "dendritic"]).await;
    let rows = board["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{board}");
    for row in rows {
        for column in CLUSTERING {
            assert!(row.get(column).is_some(), "{column} missing: {row}");
        }
    }
}

/// What a raw client sees and what breaks the rules, on the challenge `dendritic` of `arena`.
async fn events_are_streamed_and_bad_answers_refused(arena: &Arena) {
    let team = arena.token(Role::Contestant, "team-raw").await;
    let submissions = arena.count("submissions").await;

    // The context names the synapse table's size and each trial's condition; the first chunk
    // carries events (and no current) inside its window.
    let (tx, mut inbound) = open_on(arena, &team, "dendritic", 1).await.unwrap();
    let Some(pb::live_server_message::Msg::Context(context)) =
        inbound.message().await.unwrap().unwrap().msg
    else {
        panic!("the context first")
    };
    assert!(context.n_synapses > 0);
    let conditions: Vec<&str> = context
        .trials
        .iter()
        .map(|t| t.condition.as_str())
        .collect();
    assert_eq!(
        conditions,
        ["clustered", "time-dispersed", "space-scattered"]
    );
    let Some(pb::live_server_message::Msg::Chunk(chunk)) =
        inbound.message().await.unwrap().unwrap().msg
    else {
        panic!("a chunk after the context")
    };
    assert_eq!(chunk.trial_id, TRIALS[0]);
    assert!(chunk.current_na.is_empty());
    assert!(!chunk.events.is_empty());
    let end = chunk.t_start_s + chunk.duration_s;
    assert!(
        chunk
            .events
            .iter()
            .all(|e| e.synapse_id < context.n_synapses && chunk.t_start_s <= e.t_s && e.t_s < end)
    );
    assert!(chunk.events.windows(2).all(|w| w[0].t_s <= w[1].t_s));
    // A spike outside the chunk's window ends the evaluation with the reason, no score.
    tx.send(answer(&chunk, vec![vec![end + 0.01]]))
        .await
        .unwrap();
    let reason = failure(&mut inbound).await;
    assert!(
        reason.contains("malformed answer") && reason.contains("outside the chunk"),
        "{reason}"
    );

    // Too many spikes: 0.25 s chunks take 250 a repeat at most.
    let (tx, mut inbound) = open_on(arena, &team, "dendritic", 1).await.unwrap();
    let chunk = first_chunk(&mut inbound).await;
    flood_is_refused(&tx, &mut inbound, &chunk).await;
    assert_eq!(arena.count("submissions").await, submissions);
}

/// A causal toy model for raw clients: a spike wherever 20 events arrived within 5 ms, at most
/// one per 5 ms; `last` carries the previous spike across chunks.
fn burst_model(chunk: &pb::StimulusChunk, last: &mut f64) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, e) in chunk.events.iter().enumerate() {
        let recent = chunk.events[..=i]
            .iter()
            .rev()
            .take_while(|p| e.t_s - p.t_s < 0.005)
            .count();
        if recent >= 20 && e.t_s - *last > 0.005 {
            out.push(e.t_s);
            *last = e.t_s;
        }
    }
    out
}

/// Drives one evaluation with [`burst_model`]: (submission id, primary, seconds from the start to
/// the last answer, seconds from the start to the result).
async fn drive(arena: &Arena, token: &str) -> (String, Option<f64>, f64, f64) {
    let started = Instant::now();
    let (tx, mut inbound) = open_on(arena, token, "dendritic", 1).await.unwrap();
    let mut last = f64::NEG_INFINITY;
    let mut answered = 0.0;
    loop {
        match inbound.message().await.unwrap().unwrap().msg.unwrap() {
            pb::live_server_message::Msg::Chunk(chunk) => {
                if chunk.index == 0 {
                    last = f64::NEG_INFINITY;
                }
                let spikes = burst_model(&chunk, &mut last);
                tx.send(answer(&chunk, vec![spikes])).await.unwrap();
                answered = started.elapsed().as_secs_f64();
            }
            pb::live_server_message::Msg::Result(r) => {
                assert_eq!(r.status, "scored", "{}", r.reason);
                for column in CLUSTERING {
                    let m = r.scores.iter().find(|m| m.name == column).unwrap();
                    assert!(
                        m.value.is_some_and(f64::is_finite) || !m.note.is_empty(),
                        "{m:?}"
                    );
                }
                let primary = r.scores.iter().find(|m| m.name == "primary").unwrap();
                return (
                    r.submission_id,
                    primary.value,
                    answered,
                    started.elapsed().as_secs_f64(),
                );
            }
            pb::live_server_message::Msg::Context(_)
            | pb::live_server_message::Msg::TrialScore(_) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_dendritic_live_evaluations_finish_and_score() {
    let (arena, manifest) = start().await;
    let arena = std::sync::Arc::new(arena);
    // One alone first: what one evaluation costs, and where the time goes.
    let token = arena.token(Role::Contestant, "team-alone").await;
    let (_, _, streamed, alone) = drive(&arena, &token).await;
    eprintln!(
        "one dendritic live evaluation alone: {alone:.2} s, of which streaming every chunk \
         and its answer {streamed:.2} s; the rest waits for the reference cell's ground truth"
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let arena = arena.clone();
        tasks.push(tokio::spawn(async move {
            let token = arena.token(Role::Contestant, &format!("team-{i}")).await;
            drive(&arena, &token).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(
            tokio::time::timeout(Duration::from_secs(300), t)
                .await
                .expect("bounded in time")
                .unwrap(),
        );
    }
    let wall = started.elapsed().as_secs_f64();
    let slowest = results.iter().map(|r| r.3).fold(0.0, f64::max);
    eprintln!("10 concurrent dendritic live evaluations: {wall:.2} s (slowest {slowest:.2} s)");
    // Every one scored (`drive` checks), and a score recomputes from the stored predictions and
    // the seed in its audit record (the trials and their ground truth regenerated from the seed
    // alone); two of them, as each regeneration simulates the reference cell again.
    let manifest = Manifest::parse(&manifest).unwrap();
    let data: DataFiles = manifest
        .generator_files()
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(format!("{DENDRITIC_DIR}/{name}")).unwrap();
            (name.to_string(), bytes)
        })
        .collect();
    let source = LiveSource::new(manifest, &data).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", arena.db.display()))
        .await
        .unwrap();
    for (submission_id, primary, _, _) in results.iter().take(2) {
        assert_eq!(
            recompute(&pool, &source, submission_id).await,
            *primary,
            "submission {submission_id} does not recompute"
        );
    }
    pool.close().await;
    assert_eq!(arena.count("live_evaluations").await, 11);
}
