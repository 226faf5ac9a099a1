//! How long the server takes to answer the web board of a challenge with 1,000 teams × 10
//! submissions (issue 14: at most 50 ms).
//!
//! `cargo bench -p arena-server --bench web_board` (release build). All traffic stays on
//! 127.0.0.1. The injected-current demo (`datasets/injected-current-demo`, hidden seed 42) is
//! created through gRPC; then 10,000 scored submissions (1,000 teams, 10 each, a minute apart,
//! every score list and a 16 kB predictions file as the scoring queue stores them) are written
//! straight into the database, and
//! criterion times one `GET` over a fresh loopback connection, from the request to the last
//! byte read. Measured for the page (`/challenges/{id}`), its live fragment (`board.html`, what
//! each open page polls) and `board.json`, on the open board, then on the closed (private) one,
//! each two ways:
//! - **kept**: the board has not changed since the last request, so the server reads its board
//!   version and sends the kept rendering (`server/src/web/cache.rs`): what nearly every poll
//!   costs;
//! - **after a change**: before each request (outside the timing) one submission's row is
//!   rewritten, which changes the board version, so the request pays the whole computation:
//!   the store's query, the Ladder over every team, the conversion to the wire board, the HTML
//!   and the SVG plot. This is what the first viewer pays after a new score.

mod common;

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::Path;

use arena_challenge_core::trial::Part;
use arena_server::auth::Role;
use arena_server::seeds::Seeds;
use arena_server::{ServerConfig, create_token, start};
use criterion::{BatchSize, Criterion};
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::Channel;

const TEAMS: usize = 1000;
const PER_TEAM: usize = 10;
const ID: &str = "injected-current-demo";
/// Size of each stored predictions file, bytes: the demo's test split (2 trials × 10 repeats
/// × 10 s) predicted by a model firing at 8 Hz, about 10 characters a spike time.
const PREDICTIONS_BYTES: usize = 16_000;
const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets");

/// `GET path` on a fresh connection; the body's length (asserting status 200).
async fn get(addr: SocketAddr, path: &str) -> usize {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{path}: {:?}",
        &raw[..raw.len().min(200)]
    );
    raw.len()
}

/// A stored score list: the core scores with `primary` = `p`, as the scoring queue writes it.
fn scores(p: f64, rng: &mut impl Rng) -> String {
    serde_json::json!([
        {"name": "primary", "value": p},
        {"name": "coincidence_factor", "value": rng.random::<f64>()},
        {"name": "intrinsic_reliability", "value": 0.7},
        {"name": "gamma_over_r", "value": rng.random::<f64>()},
        {"name": "md_star", "value": rng.random::<f64>()},
        {"name": "md_star_null", "value": 0.15},
        {"name": "md_star_ceiling", "value": 1.0},
        {"name": "primary_ci_low", "value": p - 0.05},
        {"name": "primary_ci_high", "value": p + 0.05},
        {"name": "bits_per_spike", "value": null, "note": "bits per spike undefined: a spike-train prediction has no intensity"},
    ])
    .to_string()
}

/// Writes `TEAMS` × `PER_TEAM` scored submissions of challenge [`ID`] under token `token_id`.
async fn fill(db: &Path) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("the database");
    let (token_id,): (i64,) = sqlx::query_as("SELECT id FROM tokens WHERE role = 'contestant'")
        .fetch_one(&pool)
        .await
        .expect("a contestant token");
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    // Every submission stores its uploaded file, as the server does: a board must not pay for
    // reading them.
    let predictions = vec![b' '; PREDICTIONS_BYTES];
    let mut tx = pool.begin().await.expect("a transaction");
    for team in 0..TEAMS {
        let skill = rng.random::<f64>();
        for k in 0..PER_TEAM {
            let id = format!("sub-{team:08x}{k:08x}");
            let at = format!(
                "2026-01-01T{:02}:{:02}:{:02}Z",
                k,
                team / 60 % 60,
                team % 60
            );
            sqlx::query(
                "INSERT INTO submissions (id, challenge_id, token_id, team, model_name, sha256,
                 predictions, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'scored', ?)",
            )
            .bind(&id)
            .bind(ID)
            .bind(token_id)
            .bind(format!("team-{team:04}"))
            .bind(format!("model {k} of team {team}"))
            .bind("0".repeat(64))
            .bind(&predictions)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .expect("a submission");
            let public = skill + 0.05 * rng.random::<f64>() * k as f64;
            let private = public + 0.02 * (rng.random::<f64>() - 0.5);
            sqlx::query(
                "INSERT INTO evaluations (submission_id, metrics_version, scoring_library_version,
                 params_json, dataset_hash, trials_hash, challenge_version, submission_sha256,
                 public_scores_json, private_scores_json, created_at)
                 VALUES (?, ?, '0', '{}', '', '', 1, '', ?, ?, ?)",
            )
            .bind(&id)
            .bind(arena_scoring::METRICS_VERSION)
            .bind(scores(public, &mut rng))
            .bind(scores(private, &mut rng))
            .bind(&at)
            .execute(&mut *tx)
            .await
            .expect("an evaluation");
        }
    }
    tx.commit().await.expect("commit");
    pool.close().await;
}

/// Rewrites one submission's row as it is: a write the board is made from, so the board
/// version changes (migration 0009) and the next request computes the board again.
async fn touch(pool: &sqlx::SqlitePool) {
    sqlx::query("UPDATE submissions SET status = status WHERE id = 'sub-0000000000000000'")
        .execute(pool)
        .await
        .expect("a write");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("bench.db");
    let web = runtime.block_on(async {
        let organizer = create_token(&db, Role::Organizer, "org", false)
            .await
            .expect("token");
        create_token(&db, Role::Contestant, "teams", false)
            .await
            .expect("token");
        let config = ServerConfig {
            workers: 0,
            seeds: Seeds::Fixed(1),
            http: Some("127.0.0.1:0".parse().expect("addr")),
            ..ServerConfig::default()
        };
        let server = start(&db, "127.0.0.1:0".parse().expect("addr"), config)
            .await
            .expect("server");
        let url = format!("http://{}", server.addr);
        let channel = Channel::from_shared(url)
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let mut org = common::client(channel, &organizer);
        let folder = Path::new(DATASETS).join(ID);
        let manifest = std::fs::read_to_string(folder.join("dataset.toml")).expect("manifest");
        common::create(&mut org, &folder, &manifest, &[], ID, Some(42)).await;
        fill(&db).await;
        (server, org)
    });
    let (server, mut org) = web;
    let addr = server.http_addr.expect("the web side");
    let mut c = Criterion::default().configure_from_args().sample_size(30);
    let store = runtime
        .block_on(arena_server::Store::open(&db))
        .expect("store");
    let pool = runtime
        .block_on(sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            db.display()
        )))
        .expect("the database");
    // The store's share: reading the 10,000 rows of the public board.
    c.bench_function("store.board_entries, 10,000 rows", |b| {
        b.iter(|| {
            let rows = store.board_entries(ID, arena_scoring::METRICS_VERSION, Part::Public);
            black_box(runtime.block_on(rows).expect("rows"))
        })
    });
    for part in ["open", "closed"] {
        if part == "closed" {
            runtime.block_on(async {
                org.close_challenge(arena_proto::v1::CloseChallengeRequest {
                    challenge_id: ID.into(),
                    reason: String::new(),
                })
                .await
                .expect("close");
            });
        }
        for (what, path) in [
            ("page", format!("/challenges/{ID}")),
            ("board.html", format!("/challenges/{ID}/board.html")),
            ("board.json", format!("/challenges/{ID}/board.json")),
        ] {
            let bytes = runtime.block_on(get(addr, &path));
            eprintln!("{part} {what}: {bytes} bytes");
            c.bench_function(
                &format!("{TEAMS} teams x {PER_TEAM}, {part}: {what}, kept"),
                |b| b.iter(|| black_box(runtime.block_on(get(addr, &path)))),
            );
            c.bench_function(
                &format!("{TEAMS} teams x {PER_TEAM}, {part}: {what}, after a change"),
                |b| {
                    b.iter_batched(
                        || runtime.block_on(touch(&pool)),
                        |()| black_box(runtime.block_on(get(addr, &path))),
                        BatchSize::PerIteration,
                    )
                },
            );
        }
    }
    runtime.block_on(server.stop()).expect("stop");
    c.final_summary();
}
