//! The error boundary seen from outside: the real `arena-server` binary on an ephemeral
//! loopback port, its store broken under it, a real RPC. The client must get INTERNAL with a
//! message that names an error id and nothing of the database library; the server's log must
//! hold that id beside the details.

use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

use arena_proto::v1 as pb;
use arena_proto::v1::arena_client::ArenaClient;
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tonic::{Code, Request};

const SERVER: &str = env!("CARGO_BIN_EXE_arena-server");
/// How long the server may take to start, answer or stop.
const BUDGET: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_store_failure_reaches_the_client_as_an_id_whose_details_are_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let db = db.to_str().unwrap();
    let created = Command::new(SERVER)
        .args([
            "token",
            "create",
            "--db",
            db,
            "--role",
            "organizer",
            "--name",
            "org",
        ])
        .output()
        .await
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();

    let mut server = Command::new(SERVER)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--supervised",
        ])
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut addr = String::new();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    tokio::time::timeout(BUDGET, stdout.read_line(&mut addr))
        .await
        .expect("the server prints its address")
        .unwrap();
    let addr = addr.trim().to_string();

    // Break the store under the running server: its next query of this table fails inside
    // SQLite with a message that names the table.
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{db}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    sqlx::query("DROP TABLE challenges")
        .execute(&mut conn)
        .await
        .unwrap();

    let mut client = ArenaClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    // A failed authentication is logged with the caller's address (issue 16 case 7).
    let mut forged = Request::new(pb::ListChallengesRequest {});
    forged
        .metadata_mut()
        .insert("authorization", "Bearer sa_forged".parse().unwrap());
    let refused = client.list_challenges(forged).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let mut request = Request::new(pb::ListChallengesRequest {});
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let status = tokio::time::timeout(BUDGET, client.list_challenges(request))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    let message = status.message();
    for internal in [
        "sqlx",
        "sqlite",
        "SQLite",
        "no such table",
        "challenges",
        "database",
    ] {
        assert!(
            !message.contains(internal),
            "{internal:?} reached the client: {message}"
        );
    }
    let id = message
        .strip_prefix("internal error (id ")
        .and_then(|m| m.strip_suffix("); the server log has the details"))
        .unwrap_or_else(|| panic!("no error id in {message:?}"));
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{message}"
    );

    // Closing its standard input stops a supervised server; its log then holds the id and,
    // on the same line, what went wrong.
    drop(server.stdin.take());
    let mut log = String::new();
    let mut stderr = server.stderr.take().unwrap();
    tokio::time::timeout(BUDGET, stderr.read_to_string(&mut log))
        .await
        .unwrap()
        .unwrap();
    let exit = tokio::time::timeout(BUDGET, server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}: {log}");
    let line = log
        .lines()
        .find(|l| l.contains(id))
        .unwrap_or_else(|| panic!("id {id} is not in the server log:\n{log}"));
    assert!(line.contains("no such table: challenges"), "{line}");
    let line = log
        .lines()
        .find(|l| l.contains("authentication failed"))
        .unwrap_or_else(|| panic!("no failed authentication in the server log:\n{log}"));
    assert!(
        line.contains("127.0.0.1:") && line.contains("unknown token"),
        "{line}"
    );
}
