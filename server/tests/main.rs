//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod board_versions;
mod clustering_effect;
mod error_boundary;
mod live_start;
mod names;
mod organizer_log;
mod recovery;
mod transport_limits;

use arena_proto::v1::arena_client::ArenaClient;
use arena_server::auth::{Role, new_token, token_hash};
use arena_server::store::{Actor, NewToken, Store};
use arena_server::{RunningServer, ServerConfig, create_token, start};
use tempfile::TempDir;
use tonic::Request;
use tonic::transport::Channel;

/// A server in this process on a temporary database with one token: the folder (dropped last),
/// the server, a client connected to it, and the token.
async fn serve(
    role: Role,
    name: &str,
    config: ServerConfig,
) -> (TempDir, RunningServer, ArenaClient<Channel>, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let token = create_token(&db, role, name, false).await.unwrap();
    let server = start(&db, "127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let client = ArenaClient::connect(format!("http://{}", server.addr))
        .await
        .unwrap();
    (dir, server, client, token)
}

/// `message` with `token` as its bearer.
fn authorized<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// Stores a new token named `name` straight through the store (logged as the operator); returns
/// its row id and the token.
async fn stored_token(store: &Store, name: &str, role: Role) -> (i64, String) {
    let token = new_token();
    let id = store
        .create_token(
            &NewToken {
                name,
                role,
                token_sha256: &token_hash(&token),
                is_baseline: false,
                created_at: "2026-01-01T00:00:00.000000Z",
                expires_at: None,
            },
            Actor::OPERATOR,
        )
        .await
        .unwrap();
    (id, token)
}
