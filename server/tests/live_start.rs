//! An `Evaluate` stream that never sends its `start` message (issue 16 case 4) is ended by the
//! server after `live_start_timeout`, with DEADLINE_EXCEEDED naming the wait.

use std::time::{Duration, Instant};

use arena_proto::v1 as pb;
use arena_server::ServerConfig;
use arena_server::auth::Role;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use crate::{authorized, serve};

#[tokio::test]
async fn a_stream_without_its_start_message_is_ended() {
    let config = ServerConfig {
        live_start_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let (_dir, server, mut client, token) = serve(Role::Contestant, "team-idle", config).await;
    // The sender stays open and sends nothing.
    let (tx, rx) = mpsc::channel::<pb::LiveClientMessage>(1);
    let request = authorized(ReceiverStream::new(rx), &token);
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
