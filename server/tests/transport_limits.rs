//! A message larger than the transport takes (64 MiB, `arena_proto::MAX_MESSAGE_BYTES`) is
//! refused before any handler runs; it gets RESOURCE_EXHAUSTED like every other size limit,
//! not the transport's OUT_OF_RANGE (issue 16 case 7).

use arena_proto::MAX_MESSAGE_BYTES;
use arena_proto::v1 as pb;
use arena_server::ServerConfig;
use arena_server::auth::Role;
use tonic::Code;

use crate::{authorized, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_transport_limit_is_resource_exhausted() {
    let (_dir, server, mut client, organizer) =
        serve(Role::Organizer, "org", ServerConfig::default()).await;
    let too_large = vec![b' '; MAX_MESSAGE_BYTES + 1];

    let status = client
        .submit(pb::SubmitRequest {
            predictions_json: too_large.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("the limit is: 67108864 bytes"),
        "{}",
        status.message()
    );

    // In a stream, read by the handler: a file chunk after the header.
    let messages = [
        pb::create_challenge_chunk::Part::Header(pb::CreateChallengeHeader::default()),
        pb::create_challenge_chunk::Part::File(pb::FileChunk {
            data: too_large,
            ..Default::default()
        }),
    ]
    .map(|part| pb::CreateChallengeChunk { part: Some(part) });
    let request = authorized(tokio_stream::iter(messages), &organizer);
    let status = client.create_challenge(request).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    server.stop().await.unwrap();
}
