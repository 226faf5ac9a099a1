//! An `Evaluate` stream that never sends its `start` message (issue 16 case 4) is ended by the
//! server after `live_start_timeout`, with DEADLINE_EXCEEDED naming the wait.

use std::time::{Duration, Instant};

use arena_proto::v1 as pb;
use arena_proto::v1::arena_client::ArenaClient;
use arena_server::auth::Role;
use arena_server::{ServerConfig, create_token, start};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request};

#[tokio::test]
async fn a_stream_without_its_start_message_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let token = create_token(&db, Role::Contestant, "team-idle", false)
        .await
        .unwrap();
    let config = ServerConfig {
        live_start_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = start(&db, "127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let mut client = ArenaClient::connect(format!("http://{}", server.addr))
        .await
        .unwrap();
    // The sender stays open and sends nothing.
    let (tx, rx) = mpsc::channel::<pb::LiveClientMessage>(1);
    let mut request = Request::new(ReceiverStream::new(rx));
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let opened = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(30), client.evaluate(request))
        .await
        .expect("the server ends the stream")
        .unwrap_err();
    assert!(opened.elapsed() >= Duration::from_millis(300));
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(
        status.message(),
        "no `start` message within 0.3 s of opening the stream"
    );
    drop(tx);
    server.stop().await.unwrap();
}
