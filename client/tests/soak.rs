//! The real `arena-server` process under load and under `kill -9`: 50 clients mixing offline
//! submits, live evaluations and abandoned live evaluations for 60 s (no acknowledged submission
//! lost, a bound on the submit latency's 99th percentile), and a server killed during live runs
//! and submits, restarted on the same database.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arena_proto::v1 as pb;
use arena_server::auth::Role;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::common::{Arena, ServerChild, fetched, hidden_seed_arg, write_predictions};
use crate::live::{answer, live_manifest, threshold_model};
use crate::resilience::finished;

/// Creates the live challenge `live` (two 1 s trials in 0.25 s chunks, answer deadline 30 s) with
/// a daily limit no test here reaches; returns an offline predictions file for it.
async fn live_challenge(arena: &Arena) -> Vec<u8> {
    let mut manifest: toml::Table = live_manifest(30.0, 1.0, false).parse().unwrap();
    manifest["rules"]
        .as_table_mut()
        .unwrap()
        .insert("daily_limit".into(), 100_000.into());
    let path = arena.path("dataset.toml");
    std::fs::write(&path, toml::to_string(&manifest).unwrap()).unwrap();
    let organizer = arena.token(Role::Organizer, "org").await;
    let path = path.to_str().unwrap();
    let create = [
        "challenge",
        "create",
        "--manifest",
        path,
        "--id",
        "live",
        "--hidden-seed",
    ];
    let mut args = create.to_vec();
    let seed = hidden_seed_arg();
    args.push(&seed);
    arena.json(&organizer, &args).await;
    let contestant = arena.token(Role::Contestant, "reader").await;
    let spec = fetched(arena, &contestant, "live").await;
    let file = arena.path("offline.json");
    write_predictions(&file, &spec, 5.0, 2);
    std::fs::read(file).unwrap()
}

/// The real server process on a fresh database with the live challenge; the harness pointed at
/// it, the offline predictions file, an empty tally.
async fn served() -> (Arc<Arena>, ServerChild, Arc<Vec<u8>>, Arc<Mutex<Tally>>) {
    let mut arena = Arena::unstarted();
    let server = ServerChild::start(&arena.db, 1).await;
    arena.url = server.url.clone();
    let file = Arc::new(live_challenge(&arena).await);
    let tally = Arc::new(Mutex::new(Tally::default()));
    (Arc::new(arena), server, file, tally)
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    /// Offline submissions the server acknowledged (ids).
    offline: Vec<String>,
    /// Their Submit round trips.
    latencies: Vec<Duration>,
    /// Live evaluations scored (their submission ids).
    live: Vec<String>,
    /// Live evaluations left after their first chunk.
    abandoned: usize,
    /// Calls that failed, with why.
    errors: Vec<String>,
}

/// Offline submits by one team, `pause` apart, until `until` or the first error.
async fn submitter(
    arena: Arc<Arena>,
    team: String,
    file: Arc<Vec<u8>>,
    pause: Duration,
    until: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    let token = arena.token(Role::Contestant, &team).await;
    // A submitter may connect after the kill (its token made while the server was busy): the
    // refused connection is its end, as for a live runner (`open_live`).
    let mut client = match arena.try_grpc(Some(&token)).await {
        Ok(client) => client,
        Err(e) => {
            tally
                .lock()
                .unwrap()
                .errors
                .push(format!("{team} connect: {e}"));
            return;
        }
    };
    for k in 0.. {
        if Instant::now() >= until {
            return;
        }
        let request = pb::SubmitRequest {
            challenge_id: "live".into(),
            model_name: "offline".into(),
            idempotency_key: format!("{team}-{k}"),
            predictions_json: file.to_vec(),
            baseline: String::new(),
        };
        let sent = Instant::now();
        let outcome = client.submit(request).await;
        let elapsed = sent.elapsed();
        {
            let mut t = tally.lock().unwrap();
            match outcome {
                Ok(r) => {
                    t.offline.push(r.into_inner().submission_id);
                    t.latencies.push(elapsed);
                }
                Err(e) => {
                    t.errors.push(format!("{team} submit: {e}"));
                    return;
                }
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// A live stream: what the client sends, what the server answers.
type LiveStream = (
    mpsc::Sender<pb::LiveClientMessage>,
    tonic::Streaming<pb::LiveServerMessage>,
);

/// Opens a live evaluation of the challenge `live` with one repeat.
async fn open_live(arena: &Arena, token: &str) -> Result<LiveStream, String> {
    let (tx, rx) = mpsc::channel(4);
    let start = pb::live_client_message::Msg::Start(pb::LiveStart {
        challenge_id: "live".into(),
        model_name: "live".into(),
        repeats: 1,
    });
    tx.send(pb::LiveClientMessage { msg: Some(start) })
        .await
        .map_err(|e| e.to_string())?;
    // A runner may open its next evaluation after the kill: the refused connection is its end.
    let inbound = arena
        .try_grpc(Some(token))
        .await
        .map_err(|e| format!("connect: {e}"))?
        .evaluate(ReceiverStream::new(rx))
        .await
        .map_err(|e| e.to_string())?
        .into_inner();
    Ok((tx, inbound))
}

/// A live evaluation by `token` that has sent its first chunk and waits for an answer that
/// never comes: `running` until its deadline (30 s) while the returned stream is held.
async fn held_evaluation(arena: &Arena, token: &str) -> LiveStream {
    let (tx, mut inbound) = open_live(arena, token).await.unwrap();
    loop {
        let message = inbound.message().await.unwrap().unwrap();
        if let Some(pb::live_server_message::Msg::Chunk(_)) = message.msg {
            return (tx, inbound);
        }
    }
}

/// One live evaluation by `token` with a causal threshold model: the submission id once scored,
/// `None` when abandoned after `abandon_after` chunks (the stream is dropped), or why it failed.
async fn evaluation(
    arena: &Arena,
    token: &str,
    abandon_after: Option<usize>,
) -> Result<Option<String>, String> {
    let (tx, mut inbound) = open_live(arena, token).await?;
    let (mut dt, mut last, mut chunks) = (0.0, f64::NEG_INFINITY, 0);
    loop {
        let message = inbound.message().await.map_err(|e| e.to_string())?;
        match message.and_then(|m| m.msg) {
            None => return Err("the stream ended without a result".into()),
            Some(pb::live_server_message::Msg::Context(c)) => dt = c.dt_s,
            Some(pb::live_server_message::Msg::Chunk(chunk)) => {
                if abandon_after == Some(chunks) {
                    return Ok(None);
                }
                chunks += 1;
                if chunk.index == 0 {
                    last = f64::NEG_INFINITY;
                }
                let spikes = threshold_model(&chunk, dt, 0.6, &mut last);
                tx.send(answer(&chunk, vec![spikes]))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Some(pb::live_server_message::Msg::TrialScore(_)) => {}
            Some(pb::live_server_message::Msg::Result(r)) if r.status == "scored" => {
                return Ok(Some(r.submission_id));
            }
            Some(pb::live_server_message::Msg::Result(r)) => return Err(r.reason),
        }
    }
}

/// Live evaluations by one team until `until` or the first error; with `abandon`, each is left
/// after its first chunk, then the next starts half a second later.
async fn live_runner(
    arena: Arc<Arena>,
    team: String,
    abandon: bool,
    until: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    let token = arena.token(Role::Contestant, &team).await;
    while Instant::now() < until {
        let outcome = evaluation(&arena, &token, abandon.then_some(1)).await;
        {
            let mut t = tally.lock().unwrap();
            match outcome {
                Ok(Some(id)) => t.live.push(id),
                Ok(None) => t.abandoned += 1,
                Err(e) => {
                    t.errors.push(format!("{team} live: {e}"));
                    return;
                }
            }
        }
        if abandon {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The clients of a run: offline submitters (each pausing `pause` between submits), live
/// runners and abandoning live runners, one team each.
struct Mix {
    submitters: usize,
    pause: Duration,
    live: usize,
    abandoning: usize,
}

/// Starts the clients of `mix` against `arena`, until `until`.
fn clients(
    arena: &Arc<Arena>,
    file: &Arc<Vec<u8>>,
    mix: Mix,
    until: Instant,
    tally: &Arc<Mutex<Tally>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for i in 0..mix.submitters {
        tasks.push(tokio::spawn(submitter(
            arena.clone(),
            format!("offline-{i:02}"),
            file.clone(),
            mix.pause,
            until,
            tally.clone(),
        )));
    }
    for i in 0..mix.live + mix.abandoning {
        let abandon = i >= mix.live;
        tasks.push(tokio::spawn(live_runner(
            arena.clone(),
            format!("live-{i:02}"),
            abandon,
            until,
            tally.clone(),
        )));
    }
    tasks
}

/// The stored submission ids.
async fn stored(arena: &Arena) -> HashSet<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", arena.db.display()))
        .await
        .unwrap();
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM submissions")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().map(|(id,)| id).collect()
}

/// Every acknowledged submission, offline or live, is in the database.
async fn assert_none_lost(arena: &Arena, tally: &Tally) {
    let stored = stored(arena).await;
    let lost: Vec<&String> = tally
        .offline
        .iter()
        .chain(&tally.live)
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
}

/// The p-th percentile (0-100) of sorted `values`.
fn percentile(values: &[Duration], p: usize) -> Duration {
    values[(values.len() * p / 100).min(values.len() - 1)]
}

/// The bound on the 99th percentile of the `Submit` round trip (stored and acknowledged; the
/// scoring is queued). Measured on the 2-core development machine (debug build, ~1 700 submits
/// per run): alone, p50 32 ms, p99 132 ms, max 359 ms; beside the whole client suite and
/// another workspace's full test run, p50 62 ms, p99 263 ms, max 513 ms; in the whole workspace
/// suite (`cargo nextest run --workspace`), p50 50 ms, p99 170 ms, max 695 ms. The bound is 19
/// times the largest p99 and 7 times the largest single latency seen, so a CI machine twice as busy
/// passes (a chance failure is far below 1e-4 per run), while a starved server like issue 16's
/// (one submit took 9.2 s) fails it.
const P99_SUBMIT_BOUND: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_for_sixty_seconds_lose_nothing_and_submit_within_the_bound() {
    let (arena, server, file, tally) = served().await;
    let started = Instant::now();
    let until = started + Duration::from_secs(60);
    // 50 clients: 30 submit offline once a second, 12 run live evaluations back to back, 8
    // abandon a live evaluation after its first chunk every half second.
    let mix = Mix {
        submitters: 30,
        pause: Duration::from_secs(1),
        live: 12,
        abandoning: 8,
    };
    for task in clients(&arena, &file, mix, until, &tally) {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("bounded in time")
            .unwrap();
    }
    let wall = started.elapsed().as_secs_f64();
    let hwm = server.vm_hwm_kib();
    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    assert_none_lost(&arena, &t).await;
    t.latencies.sort();
    let p99 = percentile(&t.latencies, 99);
    eprintln!(
        "soak: {wall:.1} s, 50 clients; {} offline submits acknowledged ({:.1}/s), {} live evaluations scored, {} abandoned; submit latency p50 {:?}, p99 {p99:?}, max {:?}; server VmHWM {} MiB",
        t.offline.len(),
        t.offline.len() as f64 / wall,
        t.live.len(),
        t.abandoned,
        percentile(&t.latencies, 50),
        t.latencies.last().unwrap(),
        hwm / 1024
    );
    assert!(wall >= 60.0);
    assert!(
        t.offline.len() >= 30 * 30,
        "load not held: {} submits",
        t.offline.len()
    );
    assert!(!t.live.is_empty() && t.abandoned > 0);
    assert!(
        p99 <= P99_SUBMIT_BOUND,
        "submit p99 {p99:?} over {P99_SUBMIT_BOUND:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_live_runs_and_submits_keeps_every_acknowledged_submission() {
    let (arena, server, file, tally) = served().await;
    // Clients run until the kill ends them.
    let until = Instant::now() + Duration::from_secs(120);
    // Offline submits back to back (20 ms apart), so some are in flight when the kill comes.
    let mix = Mix {
        submitters: 4,
        pause: Duration::from_millis(20),
        live: 4,
        abandoning: 0,
    };
    let tasks = clients(&arena, &file, mix, until, &tally);
    // One evaluation certainly in flight at the kill: it has its first chunk and no answer.
    let holder = arena.token(Role::Contestant, "holder").await;
    let held = held_evaluation(&arena, &holder).await;
    // Kill once live evaluations have been scored and others are under way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while tally.lock().unwrap().live.len() < 8 {
        assert!(
            Instant::now() < deadline,
            "no live evaluation scored in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill9().await;
    drop(held);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("bounded in time")
            .unwrap();
    }
    let t = std::mem::take(&mut *tally.lock().unwrap());
    assert_eq!(
        t.errors.len(),
        8,
        "every client ends on the kill: {:?}",
        t.errors
    );
    let (running,): (i64,) = arena
        .query_one("SELECT COUNT(*) FROM live_evaluations WHERE status = 'running'")
        .await;
    assert!(running > 0, "the held evaluation is not running");

    // Restarted on the same port and database while `arena submit` retries an upload: it is
    // stored once, and everything acknowledged before the kill is there.
    let arena = Arc::into_inner(arena).unwrap();
    let token = arena.token(Role::Contestant, "retrying").await;
    let file = arena.path("offline.json");
    let args = [
        "--json",
        "submit",
        "live",
        "--predictions",
        file.to_str().unwrap(),
    ];
    let submit = tokio::spawn(arena.command(Some(&token), &args).output());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _server = ServerChild::start_at(&arena.db, 1, arena.addr()).await;
    let (retried, stderr) = finished(submit).await;
    assert_eq!(retried["created"].as_bool(), Some(true), "{retried}");
    assert!(stderr.contains("retrying in"), "{stderr}");
    let (theirs,): (i64,) = arena
        .query_one("SELECT COUNT(*) FROM submissions WHERE team = 'retrying'")
        .await;
    assert_eq!(theirs, 1);
    assert_none_lost(&arena, &t).await;
    // Every evaluation whose score reached its client is recorded scored (one the kill cut
    // between storing and answering may be scored too).
    let (acknowledged_scored,): (i64,) = arena
        .query_one(&format!(
            "SELECT COUNT(*) FROM live_evaluations WHERE status = 'scored' AND submission_id IN ('{}')",
            t.live.join("','")
        ))
        .await;
    assert_eq!(acknowledged_scored as usize, t.live.len());
    // The evaluations the kill interrupted were failed with a reason at the restart.
    let (left, unexplained): (i64, i64) = arena
        .query_one(
            "SELECT SUM(status = 'running'), SUM(status = 'failed' AND COALESCE(reason, '') = '')
             FROM live_evaluations",
        )
        .await;
    assert_eq!(
        (left, unexplained),
        (0, 0),
        "running / failed without a reason"
    );
    let token = arena.token(Role::Contestant, "after").await;
    let after = evaluation(&arena, &token, None).await.unwrap().unwrap();
    assert!(stored(&arena).await.contains(&after));
    eprintln!(
        "kill -9: {} offline and {} live submissions acknowledged before it, all stored; {running} live evaluations were running",
        t.offline.len(),
        t.live.len()
    );
}
