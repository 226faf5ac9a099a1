//! What a server finds at start from a predecessor that stopped mid-work (issue 16 case 6): a
//! live evaluation whose stream died with the old server is ended, with its reason, rather than
//! left `running` for ever.

use std::str::FromStr;

use arena_server::auth::Role;
use arena_server::{ABANDONED_LIVE, ServerConfig, Store, start};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

#[tokio::test]
async fn a_live_evaluation_left_running_is_failed_with_a_reason_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    // A database as a killed server leaves it: migrated, one evaluation running, one scored.
    Store::open(&db).await.unwrap().close().await;
    let url = format!("sqlite://{}", db.display());
    let mut conn = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .foreign_keys(false)
        .connect()
        .await
        .unwrap();
    for (id, status) in [("live-crashed", "running"), ("live-done", "scored")] {
        sqlx::query(
            "INSERT INTO live_evaluations (id, challenge_id, token_id, team, model_name, seed, \
             status, started_at) VALUES (?, 'c', 1, 'team-a', 'm', '7', ?, '2026-01-01T00:00:00Z')",
        )
        .bind(id)
        .bind(status)
        .execute(&mut conn)
        .await
        .unwrap();
    }

    let server = start(&db, "127.0.0.1:0".parse().unwrap(), ServerConfig::default())
        .await
        .unwrap();
    server.stop().await.unwrap();

    let rows: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, status, reason, finished_at FROM live_evaluations ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let (id, status, reason, finished) = &rows[0];
    assert_eq!((id.as_str(), status.as_str()), ("live-crashed", "failed"));
    assert_eq!(reason.as_deref(), Some(ABANDONED_LIVE));
    assert!(finished.is_some());
    // The server's fault: the evaluation gives its daily submission back.
    let (charged,): (bool,) =
        sqlx::query_as("SELECT charged FROM live_evaluations WHERE id = 'live-crashed'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!charged);
    let (id, status, reason, _) = &rows[1];
    assert_eq!((id.as_str(), status.as_str()), ("live-done", "scored"));
    assert_eq!(reason, &None);
}

/// Issue 16 case 7: the database holds hidden responses and seeds; it and its WAL files are
/// readable by the server's user only, whatever the umask, and a file created wider is
/// restricted when the server opens it.
#[tokio::test]
async fn the_database_and_its_wal_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let store = Store::open(&db).await.unwrap();
    // A write, so that the WAL and the shared-memory index exist.
    crate::stored_token(&store, "t", Role::Contestant).await;
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.path().join(format!("arena.db{suffix}"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    store.close().await;

    let old = dir.path().join("old.db");
    std::fs::write(&old, b"").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&old).await.unwrap().close().await;
    assert_eq!(mode(&old), 0o600);
}
