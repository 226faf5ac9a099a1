//! How many submissions per second the server scores on the demo challenges (issue 18).
//!
//! `cargo bench -p arena-server --bench scoring_throughput` (release build). All traffic stays on
//! 127.0.0.1; the counts are fixed and the run stops by itself.
//!
//! The three demo challenges (`datasets/`: the simulated injected-current demo, the recorded DRN
//! benchmark and the clustered-dendritic demo, hidden seed 42) are created once. Then, for each
//! compute-pool size, a server with 4 scoring workers is started on that database and each
//! challenge receives [`SUBMISSIONS`] submissions at once from [`TEAMS`] contestants: honest-sized
//! predictions of [`REPEATS`] Poisson repeats at 10 Hz per test trial (what the docs advise a
//! stochastic model to send). The clock runs from the first `Submit` to the last submission
//! seen `scored` (the store polled every 2 ms). Then every submission is read back once through
//! `GetSubmission`, whose mean latency is printed too. Scoring runs on the compute pool, never on the async
//! runtime; the pool's default size is one permit per core but one, so on 2 cores one
//! submission is scored at a time whatever the number of workers.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use arena_proto::v1 as pb;
use arena_server::auth::Role;
use arena_server::seeds::Seeds;
use arena_server::{ServerConfig, create_token, start};
use rand::{Rng, SeedableRng};
use tonic::transport::Channel;

const SUBMISSIONS: usize = 96;
const TEAMS: usize = 4;
const REPEATS: usize = 50;
const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets");

/// (id, manifest folder, hidden files) of the demo challenges.
const DEMOS: [(&str, &str, &[&str]); 3] = [
    ("injected-current-demo", "injected-current-demo", &[]),
    (
        "drn-frozen-noise",
        "drn-frozen-noise",
        &["drn-frozen-noise/DRN156_5HT/DRN156_5ht_test.abf"],
    ),
    ("dendritic-clustered-demo", "dendritic-clustered-demo", &[]),
];

/// A predictions file: `REPEATS` Poisson repeats at 10 Hz for every test trial.
fn predictions(tests: &[(String, f64)], seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut trials = serde_json::Map::new();
    for (id, duration_s) in tests {
        let repeats: Vec<Vec<f64>> = (0..REPEATS)
            .map(|_| {
                let mut t = 0.0;
                let mut spikes = Vec::new();
                loop {
                    t += -(1.0 - rng.random::<f64>()).ln() / 10.0;
                    if t >= *duration_s {
                        return spikes;
                    }
                    spikes.push(t);
                }
            })
            .collect();
        trials.insert(id.clone(), serde_json::json!(repeats));
    }
    serde_json::to_vec(&serde_json::json!({ "trials": trials })).expect("JSON")
}

/// The test trials (id, duration) of a challenge, from its public spec.
async fn test_trials(client: &mut common::Client, id: &str) -> Vec<(String, f64)> {
    let mut stream = client
        .fetch_challenge(pb::FetchChallengeRequest {
            challenge_id: id.into(),
        })
        .await
        .expect("fetch")
        .into_inner();
    let first = stream.message().await.expect("a chunk").expect("a spec");
    let Some(pb::fetch_challenge_chunk::Part::Spec(spec)) = first.part else {
        panic!("the fetch starts with the spec");
    };
    spec.trials
        .into_iter()
        .filter(|t| t.split == pb::Split::Test as i32)
        .map(|t| (t.id, t.duration_s))
        .collect()
}

/// Submits `SUBMISSIONS` predictions to `id` at once (the `round`-th burst on it) and waits
/// until all are scored; returns the wall times until every submission was acknowledged and
/// until every one was scored, and the mean time of one `GetSubmission` afterwards.
async fn burst(
    channel: &Channel,
    db: &sqlx::SqlitePool,
    tokens: &[String],
    organizer: &str,
    (id, round): (&str, usize),
) -> (Duration, Duration, Duration) {
    let mut org = common::client(channel.clone(), organizer);
    let tests = test_trials(&mut org, id).await;
    let files: Vec<Vec<u8>> = (0..SUBMISSIONS)
        .map(|i| predictions(&tests, i as u64))
        .collect();
    let started = Instant::now();
    let submits = files.into_iter().enumerate().map(|(i, file)| {
        let mut client = common::client(channel.clone(), &tokens[i % tokens.len()]);
        async move {
            client
                .submit(pb::SubmitRequest {
                    challenge_id: id.into(),
                    model_name: format!("poisson-{i}"),
                    idempotency_key: String::new(),
                    predictions_json: file,
                    baseline: String::new(),
                })
                .await
                .expect("submit")
                .into_inner()
                .submission_id
        }
    });
    let ids = futures::future::join_all(submits).await;
    let acknowledged = started.elapsed();
    // The store itself is polled (a read beside the server's writes, as WAL allows): a
    // `GetSubmission` per submission would add its own latency to the measure.
    let count = "SELECT count(*) FROM submissions WHERE challenge_id = ? AND status IN ('scored', 'failed')";
    loop {
        let done: i64 = sqlx::query_scalar(count)
            .bind(id)
            .fetch_one(db)
            .await
            .expect("count");
        if done as usize == SUBMISSIONS * round {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let scored = started.elapsed();
    let calls = Instant::now();
    for sub in &ids {
        let s = org
            .get_submission(pb::GetSubmissionRequest {
                submission_id: sub.clone(),
            })
            .await
            .expect("get")
            .into_inner();
        assert_eq!(
            s.status,
            pb::SubmissionStatus::Scored as i32,
            "{sub}: {}",
            s.error
        );
    }
    let get = calls.elapsed() / ids.len() as u32;
    (acknowledged, scored, get)
}

fn main() {
    // `cargo bench` passes --bench; this harness takes no options.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("bench.db");
        let datasets = Path::new(DATASETS);
        let organizer = create_token(&db, Role::Organizer, "org", false)
            .await
            .expect("token");
        let mut tokens = Vec::new();
        for t in 0..TEAMS {
            let name = format!("team-{t}");
            tokens.push(create_token(&db, Role::Contestant, &name, false).await.expect("token"));
        }
        let config = |compute_threads| ServerConfig {
            workers: 4,
            compute_threads,
            seeds: Seeds::Fixed(1),
            ..ServerConfig::default()
        };
        let server = start(&db, "127.0.0.1:0".parse().expect("addr"), config(0))
            .await
            .expect("server");
        let url = format!("http://{}", server.addr);
        let channel = Channel::from_shared(url).expect("url").connect().await.expect("connect");
        let mut org = common::client(channel.clone(), &organizer);
        for (id, folder, hidden) in DEMOS {
            let folder = datasets.join(folder);
            let manifest = std::fs::read_to_string(folder.join("dataset.toml"))
                .expect("manifest")
                .replace("daily_limit = 5", "daily_limit = 1000");
            let hidden: Vec<_> = hidden.iter().map(|h| datasets.join(h)).collect();
            let hidden: Vec<&Path> = hidden.iter().map(|p| p.as_path()).collect();
            let started = Instant::now();
            common::create(&mut org, &folder, &manifest, &hidden, id, Some(42)).await;
            eprintln!("created {id} in {:.1} s", started.elapsed().as_secs_f64());
        }
        server.stop().await.expect("stop");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!("{SUBMISSIONS} submissions of {REPEATS} repeats per test trial, 4 scoring workers, {cores} cores");
        let reader = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
            .await
            .expect("a read-only connection");
        for (round, compute_threads) in [0, cores].into_iter().enumerate() {
            let server = start(&db, "127.0.0.1:0".parse().expect("addr"), config(compute_threads))
                .await
                .expect("server");
            let url = format!("http://{}", server.addr);
            let channel = Channel::from_shared(url).expect("url").connect().await.expect("connect");
            let pool = match compute_threads {
                0 => "default pool (cores − 1)".to_string(),
                n => format!("pool of {n}"),
            };
            for (id, _, _) in DEMOS {
                let (acknowledged, scored, get) =
                    burst(&channel, &reader, &tokens, &organizer, (id, round + 1)).await;
                let wall = scored.as_secs_f64();
                println!(
                    "{pool:<26} {id:<26} acknowledged {:5.2} s, scored {wall:5.2} s: {:6.1} submissions/s; GetSubmission {:5.1} ms",
                    acknowledged.as_secs_f64(),
                    SUBMISSIONS as f64 / wall,
                    get.as_secs_f64() * 1e3
                );
            }
            server.stop().await.expect("stop");
        }
    });
}
