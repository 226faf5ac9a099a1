//! The client against a server that goes away: calls retried across a restart on the same port
//! and database and across a connection cut after the server stored an upload but before its
//! answer arrived (each stored once), and the gRPC endpoint over TLS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arena_server::auth::Role;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::common::{Arena, fetched, small_manifest, write_predictions};

/// A challenge, a contestant and a predictions file of about `rate_hz` × 8 spikes.
async fn submission_ready(arena: &Arena, rate_hz: f64) -> (String, String, String) {
    let organizer = arena.token(Role::Organizer, "org").await;
    let contestant = arena.token(Role::Contestant, "team-r").await;
    let id = arena.create(&organizer, &small_manifest(5)).await;
    let spec = fetched(arena, &contestant, &id).await;
    let file = arena.path("predictions.json");
    write_predictions(&file, &spec, rate_hz, 2);
    (id, contestant, file.to_str().unwrap().to_string())
}

/// Waits (at most 60 s) for a spawned `arena --json` run; asserts it succeeded and returns its
/// JSON and standard error.
pub(crate) async fn finished(
    run: tokio::task::JoinHandle<std::io::Result<std::process::Output>>,
) -> (Value, String) {
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("bounded in time")
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_outlasts_a_server_restart_on_the_same_port_and_is_stored_once() {
    let mut arena = Arena::start(1).await;
    let (id, contestant, file) = submission_ready(&arena, 5.0).await;
    let addr = arena.addr();
    arena.stop().await;
    // The upload starts while nothing listens; the server is back 0.5 s later, before the
    // third attempt (pauses 0.2 and 0.4 s).
    let started = Instant::now();
    let submit = arena
        .command(
            Some(&contestant),
            &["--json", "submit", &id, "--predictions", &file],
        )
        .output();
    let submit = tokio::spawn(submit);
    tokio::time::sleep(Duration::from_millis(500)).await;
    arena.boot_at(1, addr, None).await;
    let (v, stderr) = finished(submit).await;
    eprintln!(
        "submit across a restart: {:.2} s; stderr: {stderr}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        (v["status"].as_str(), v["created"].as_bool()),
        (Some("scored"), Some(true))
    );
    assert!(
        stderr.contains("arena: submit: attempt 1 of 5 failed (UNAVAILABLE")
            && stderr.contains("retrying in 0.2 s"),
        "{stderr}"
    );
    assert_eq!(arena.count("submissions").await, 1);

    // With no server at all, a read gives up after 5 attempts and says so, in ~3 s of pauses.
    arena.stop().await;
    let started = Instant::now();
    let out = arena.arena(Some(&contestant), &["leaderboard", &id]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.matches("; retrying in").count(), 4, "{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("arena: leaderboard: gave up after 5 attempts over 3.")
            && last.contains("UNAVAILABLE"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A loopback relay to `upstream`. Its first connection stops passing the server's bytes once
/// the client has sent `deaf_after` bytes (the upload is through: the server's answer is lost)
/// and is closed on `cut`; later connections are relayed both ways.
struct Relay {
    addr: SocketAddr,
    cut: Arc<Notify>,
}

impl Relay {
    async fn start(upstream: SocketAddr, deaf_after: usize) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(Notify::new());
        let on_cut = cut.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(upstream).await.unwrap();
                let limit = if n == 0 { deaf_after } else { usize::MAX };
                let on_cut = on_cut.clone();
                tokio::spawn(async move {
                    let relay = pass(client, server, limit);
                    if n == 0 {
                        tokio::select! {
                            () = on_cut.notified() => {}
                            () = relay => {}
                        }
                    } else {
                        relay.await;
                    }
                    // Both sockets are dropped here: the connection closes.
                });
            }
        });
        Relay { addr, cut }
    }
}

/// Relays `client` and `server` until either side closes; the server's bytes are dropped once
/// the client has sent `limit` bytes.
async fn pass(client: TcpStream, server: TcpStream, limit: usize) {
    let (mut client_in, mut client_out) = client.into_split();
    let (mut server_in, mut server_out) = server.into_split();
    let sent = AtomicUsize::new(0);
    let up = async {
        let mut buf = vec![0u8; 16 << 10];
        while let Ok(n @ 1..) = client_in.read(&mut buf).await {
            sent.fetch_add(n, Ordering::SeqCst);
            if server_out.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 << 10];
        while let Ok(n @ 1..) = server_in.read(&mut buf).await {
            if sent.load(Ordering::SeqCst) < limit && client_out.write_all(&buf[..n]).await.is_err()
            {
                break;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_stored_but_never_acknowledged_is_retried_with_its_key_and_stored_once() {
    let mut arena = Arena::start(1).await;
    let (id, contestant, file) = submission_ready(&arena, 200.0).await;
    let size = std::fs::metadata(&file).unwrap().len() as usize;
    let relay = Relay::start(arena.addr(), size).await;
    arena.url = format!("http://{}", relay.addr);
    let submit = arena
        .command(
            Some(&contestant),
            &["--json", "submit", &id, "--predictions", &file, "--no-wait"],
        )
        .output();
    let submit = tokio::spawn(submit);
    // The server stores the upload; its answer goes nowhere. Then the connection breaks.
    let deadline = Instant::now() + Duration::from_secs(30);
    while arena.count("submissions").await == 0 {
        assert!(Instant::now() < deadline, "the upload never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    relay.cut.notify_one();
    let (v, stderr) = finished(submit).await;
    eprintln!("stderr of the cut submit: {stderr}");
    // The answer came to the retry, which carried the first attempt's key: the stored
    // submission, not a second one.
    assert_eq!(v["created"].as_bool(), Some(false), "{v}");
    assert!(
        stderr.contains("arena: submit: attempt 1 of 5 failed"),
        "{stderr}"
    );
    assert_eq!(arena.count("submissions").await, 1);
    let (stored,): (String,) = arena.query_one("SELECT id FROM submissions").await;
    assert_eq!(v["submission_id"].as_str(), Some(stored.as_str()));
}

/// A private CA and a server certificate it signed for 127.0.0.1 and localhost: (CA PEM,
/// certificate PEM, key PEM).
fn private_ca() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_client_talks_tls_to_a_tls_server_and_plaintext_is_refused() {
    let (ca, cert, key) = private_ca();
    let mut arena = Arena::unstarted();
    let (ca_path, cert_path, key_path) = (
        arena.path("ca.pem"),
        arena.path("server.pem"),
        arena.path("server.key"),
    );
    std::fs::write(&ca_path, ca).unwrap();
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let tls = arena_server::tls::server_tls(&cert_path, &key_path).unwrap();
    arena
        .boot_at(1, "127.0.0.1:0".parse().unwrap(), Some(tls))
        .await;
    arena.tls_ca = Some(ca_path.clone());
    assert!(arena.url.starts_with("https://127.0.0.1:"), "{}", arena.url);

    // The whole flow over TLS: create (a client stream), fetch (a server stream), submit.
    let (id, contestant, file) = submission_ready(&arena, 5.0).await;
    let v = arena
        .json(&contestant, &["submit", &id, "--predictions", &file])
        .await;
    assert_eq!(v["status"], "scored", "{v}");

    // Plaintext to the TLS port: refused. The server drops the connection at the handshake,
    // which the client sees as a protocol error (not retried) or a broken pipe (retried: it
    // cannot be told from a server going away), and no attempt gets an answer.
    let plain = format!("http://{}", arena.addr());
    let mut plaintext = arena.command(Some(&contestant), &["--server", &plain, "challenges"]);
    let out = plaintext.env_remove("ARENA_TLS_CA").output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("INTERNAL: h2 protocol error") || last.contains("gave up after 5 attempts"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // TLS without the private CA: the certificate is not trusted.
    let mut untrusting = arena.command(Some(&contestant), &["challenges"]);
    untrusting.env_remove("ARENA_TLS_CA");
    let out = untrusting.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("invalid peer certificate: UnknownIssuer") && !stderr.contains("retrying"),
        "{stderr}"
    );
    // A CA for a plaintext URL is a mistake, said before any call.
    let out = arena
        .arena(
            Some(&contestant),
            &[
                "--server",
                &plain,
                "--tls-ca",
                ca_path.to_str().unwrap(),
                "challenges",
            ],
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tls-ca") && stderr.contains("https://"),
        "{stderr}"
    );
}
