//! Live evaluation round trips against the transport's own limit, measured in one run.
//!
//! `cargo bench -p arena-server --bench live_roundtrip` (release build). All traffic stays on
//! 127.0.0.1; every loop is bounded in count, and the run stops by itself.
//!
//! 1. A plain tonic bidirectional echo (`spikearena.bench.v1.Echo`) of 1000-sample chunks: one stream
//!    of 2000 round trips, then 50 streams of 400.
//! 2. Live evaluations of a challenge whose chunks hold 1000 samples (0.1 s at 10 kHz), answered at
//!    once with no spikes, so the model's own compute is excluded: one evaluation, then 50 at once.
//!
//! A round trip is the time from sending an answer (or an echo message) to receiving the next chunk
//! (or the echo). It prints p50 and p99 for each, their ratios, and live evaluations per minute.

mod common;

use std::pin::Pin;
use std::time::{Duration, Instant};

use arena_proto::bench::Samples;
use arena_proto::bench::echo_client::EchoClient;
use arena_proto::bench::echo_server::{Echo, EchoServer};
use arena_proto::v1 as pb;
use arena_server::auth::Role;
use arena_server::{ServerConfig, create_token, start};
use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::transport::Channel;
use tonic::{Request, Response, Status, Streaming};

const STREAMS: usize = 50;

struct EchoService;

#[tonic::async_trait]
impl Echo for EchoService {
    type ChunksStream = Pin<Box<dyn Stream<Item = Result<Samples, Status>> + Send>>;
    async fn chunks(
        &self,
        request: Request<Streaming<Samples>>,
    ) -> Result<Response<Self::ChunksStream>, Status> {
        let mut inbound = request.into_inner();
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            while let Some(Ok(m)) = inbound.next().await {
                if tx.send(Ok(m)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

async fn echo_stream(channel: Channel, n: usize) -> Vec<Duration> {
    let mut client = EchoClient::new(channel);
    let (tx, rx) = mpsc::channel(4);
    let mut inbound = client
        .chunks(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let payload = Samples {
        values: vec![0.5; 1000],
    };
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        tx.send(payload.clone()).await.unwrap();
        inbound.message().await.unwrap().unwrap();
        times.push(t.elapsed());
    }
    times
}

async fn echo(streams: usize, per_stream: usize) -> (Vec<Duration>, f64) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(EchoServer::new(EchoService))
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = stopped.await;
            }),
    );
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|_| tokio::spawn(echo_stream(channel.clone(), per_stream)))
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let wall = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    all.sort();
    (all, wall)
}

/// One live evaluation answered at once with empty trains; returns its chunk round trips.
async fn live_once(channel: Channel, token: String) -> Vec<Duration> {
    let mut client = common::client(channel, &token);
    let (tx, rx) = mpsc::channel(4);
    let send = |msg| pb::LiveClientMessage { msg: Some(msg) };
    tx.send(send(pb::live_client_message::Msg::Start(pb::LiveStart {
        challenge_id: "bench".into(),
        model_name: "empty".into(),
        repeats: 1,
    })))
    .await
    .unwrap();
    let mut inbound = client
        .evaluate(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut times = Vec::new();
    let mut sent: Option<Instant> = None;
    loop {
        match inbound.message().await.unwrap().unwrap().msg.unwrap() {
            pb::live_server_message::Msg::Context(_) => {}
            pb::live_server_message::Msg::Chunk(c) => {
                if let Some(t) = sent.take() {
                    times.push(t.elapsed());
                }
                assert_eq!(c.current_na.len(), 1000);
                sent = Some(Instant::now());
                tx.send(send(pb::live_client_message::Msg::Answer(
                    pb::ChunkAnswer {
                        trial_id: c.trial_id,
                        index: c.index,
                        repeats: vec![pb::SpikeRepeat { times_s: vec![] }],
                    },
                )))
                .await
                .unwrap();
            }
            pb::live_server_message::Msg::TrialScore(_) => {}
            pb::live_server_message::Msg::Result(r) => {
                assert_eq!(r.status, "scored", "{}", r.reason);
                return times;
            }
        }
    }
}

async fn live(evaluations: usize) -> (Vec<Duration>, f64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let server = start(&db, "127.0.0.1:0".parse().unwrap(), ServerConfig::default())
        .await
        .unwrap();
    let url = format!("http://{}", server.addr);
    let manifest = include_str!("../../datasets/injected-current-demo/dataset.toml")
        .replace("daily_limit = 5", "daily_limit = 1000")
        .replace(
            "[scoring]",
            "[live]\nchunk_s = 0.1\nanswer_deadline_s = 60\n\n[scoring]",
        );
    let organizer = create_token(&db, Role::Organizer, "org", false)
        .await
        .unwrap();
    let channel = Channel::from_shared(url).unwrap().connect().await.unwrap();
    let mut org = common::client(channel.clone(), &organizer);
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    common::create(&mut org, here, &manifest, &[], "bench", None).await;
    let mut tokens = Vec::new();
    for i in 0..evaluations {
        tokens.push(
            create_token(&db, Role::Contestant, &format!("team-{i}"), false)
                .await
                .unwrap(),
        );
    }
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|t| tokio::spawn(live_once(channel.clone(), t)))
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(
            tokio::time::timeout(Duration::from_secs(600), t)
                .await
                .expect("bounded")
                .unwrap(),
        );
    }
    let wall = started.elapsed().as_secs_f64();
    server.stop().await.unwrap();
    all.sort();
    (all, wall)
}

fn line(name: &str, times: &[Duration], wall: f64) {
    println!(
        "{name:<34} n = {:>6}  p50 = {:>8.1} µs  p99 = {:>8.1} µs  {:>8.0} round trips/s",
        times.len(),
        percentile(times, 0.5).as_secs_f64() * 1e6,
        percentile(times, 0.99).as_secs_f64() * 1e6,
        times.len() as f64 / wall
    );
}

fn main() {
    // `cargo bench` passes --bench; this harness takes no options.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (e1, w1) = echo(1, 2000).await;
        line("echo, 1 stream", &e1, w1);
        let (e50, w50) = echo(STREAMS, 400).await;
        line("echo, 50 streams", &e50, w50);
        let (l1, lw1) = live(1).await;
        line("live, 1 evaluation", &l1, lw1);
        let (l50, lw50) = live(STREAMS).await;
        line("live, 50 evaluations at once", &l50, lw50);
        println!(
            "ratio live/echo p50: 1 stream {:.2}, 50 streams {:.2}; p99: 1 stream {:.2}, 50 streams {:.2}",
            percentile(&l1, 0.5).as_secs_f64() / percentile(&e1, 0.5).as_secs_f64(),
            percentile(&l50, 0.5).as_secs_f64() / percentile(&e50, 0.5).as_secs_f64(),
            percentile(&l1, 0.99).as_secs_f64() / percentile(&e1, 0.99).as_secs_f64(),
            percentile(&l50, 0.99).as_secs_f64() / percentile(&e50, 0.99).as_secs_f64(),
        );
        println!(
            "live evaluations per minute (4 trials x 5 s each, ground truth simulated): 1 alone {:.0}, 50 at once {:.0}",
            60.0 / lw1,
            60.0 * STREAMS as f64 / lw50
        );
    });
}
