//! The organizer log and the token lifecycle in the store (migrations 0010 and 0011): the
//! triggers keep the log append-only, an action and its row are stored together or not at all,
//! and a database made before these migrations keeps its tokens and gains the log.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use arena_proto::log_chain::{self, GENESIS_HASH};
use arena_proto::v1 as pb;
use arena_server::ServerConfig;
use arena_server::auth::Role;
use arena_server::store::{Actor, MAX_LISTED_TOKENS, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

/// A raw connection to the database file, as an operator's `sqlite3` session would have.
async fn raw(db: &Path) -> SqliteConnection {
    SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Runs one statement; its error's text if it failed.
async fn run(conn: &mut SqliteConnection, sql: &str) -> Result<(), String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn count(conn: &mut SqliteConnection, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    n
}

/// Makes every later append fail, as a full disk or a broken file would.
async fn refuse_log_rows(conn: &mut SqliteConnection) {
    run(
        conn,
        "CREATE TRIGGER refuse_rows BEFORE INSERT ON organizer_log \
         BEGIN SELECT RAISE(ABORT, 'the test refuses this row'); END",
    )
    .await
    .unwrap();
}

/// A fresh database with its store (the folder is dropped last).
async fn fresh() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let store = Store::open(&db).await.unwrap();
    (dir, db, store)
}

/// Every row of the log, checked with the chain function the client uses.
async fn verified(store: &Store) -> log_chain::Verified {
    let rows: Vec<pb::LogRow> = store
        .log_rows(None, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(pb::LogRow::from)
        .collect();
    log_chain::verify(rows.iter().map(pb::LogRow::chained)).unwrap()
}

#[tokio::test]
async fn the_triggers_refuse_to_update_or_delete_a_log_row_or_to_append_one_off_the_chain() {
    let (_dir, db, store) = fresh().await;
    crate::stored_token(&store, "alice", Role::Organizer).await;
    let mut conn = raw(&db).await;

    let update = run(
        &mut conn,
        "UPDATE organizer_log SET reason = 'nothing happened'",
    )
    .await;
    assert!(
        update
            .as_ref()
            .unwrap_err()
            .contains("organizer_log is append-only: a row is never updated"),
        "{update:?}"
    );
    let delete = run(&mut conn, "DELETE FROM organizer_log").await;
    assert!(
        delete
            .as_ref()
            .unwrap_err()
            .contains("organizer_log is append-only: a row is never deleted"),
        "{delete:?}"
    );
    for (what, id, prev) in [("a gap", 3, "x"), ("another prev_hash", 2, GENESIS_HASH)] {
        let insert = run(
            &mut conn,
            &format!(
                "INSERT INTO organizer_log (id, at, actor_name, actor_role, action, details_json, \
                 reason, prev_hash, hash) VALUES ({id}, 'now', 'mallory', 'organizer', \
                 'close_challenge', '{{}}', '', '{prev}', 'h')"
            ),
        )
        .await;
        assert!(
            insert
                .as_ref()
                .unwrap_err()
                .contains("a new row must take the next id"),
            "{what}: {insert:?}"
        );
    }
    assert_eq!(count(&mut conn, "organizer_log").await, 1);
    assert_eq!(verified(&store).await.rows, 1);
}

#[tokio::test]
async fn an_action_and_its_log_row_are_stored_together_or_not_at_all() {
    let (_dir, db, store) = fresh().await;
    crate::stored_token(&store, "team-a", Role::Contestant).await;
    let mut conn = raw(&db).await;
    assert_eq!(count(&mut conn, "organizer_log").await, 1);

    // The action fails (a name with no live token): no row.
    assert_eq!(
        store
            .revoke_tokens("nobody", "2026-01-02T00:00:00.000000Z", Actor::OPERATOR, "")
            .await
            .unwrap(),
        0
    );
    assert_eq!(count(&mut conn, "organizer_log").await, 1);

    // The row fails: the action is undone with it.
    refuse_log_rows(&mut conn).await;
    let revoke = store
        .revoke_tokens(
            "team-a",
            "2026-01-02T00:00:00.000000Z",
            Actor::OPERATOR,
            "why",
        )
        .await;
    assert!(
        revoke
            .unwrap_err()
            .to_string()
            .contains("the test refuses this row")
    );
    let (revoked,): (Option<String>,) =
        sqlx::query_as("SELECT revoked_at FROM tokens WHERE name = 'team-a'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(revoked, None, "the revocation rolled back with its row");
    run(&mut conn, "DROP TRIGGER refuse_rows").await.unwrap();

    // Both land: the revocation and its row, chained to the first.
    assert_eq!(
        store
            .revoke_tokens(
                "team-a",
                "2026-01-02T00:00:00.000000Z",
                Actor::OPERATOR,
                "why"
            )
            .await
            .unwrap(),
        1
    );
    let rows = store.log_rows(None, 0, 10).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["token_create", "token_revoke"]);
    assert_eq!(rows[1].details_json, r#"{"name":"team-a","revoked":1}"#);
    assert_eq!(
        (rows[1].actor_name.as_str(), rows[1].reason.as_str()),
        ("arena-server token (offline)", "why")
    );
    assert_eq!(verified(&store).await.head, rows[1].hash);
}

#[tokio::test]
async fn a_token_the_log_would_not_take_is_not_created() {
    let (_dir, db, store) = fresh().await;
    let mut conn = raw(&db).await;
    refuse_log_rows(&mut conn).await;
    let created = arena_server::create_token(&db, Role::Organizer, "alice", false).await;
    assert!(
        created
            .unwrap_err()
            .to_string()
            .contains("the test refuses this row")
    );
    assert_eq!(count(&mut conn, "tokens").await, 0);
    assert!(store.tokens().await.unwrap().is_empty());
}

/// A database as a server before migrations 0010 and 0011 left it, with a token in use: it
/// migrates, the token keeps working with no expiry, and revoking it starts the log at row 1.
#[tokio::test]
async fn a_database_from_before_the_lifecycle_migrates_and_keeps_its_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let mut old = sqlx::migrate::Migrator::new(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations"
    )))
    .await
    .unwrap();
    old.migrations.to_mut().retain(|m| m.version <= 9);
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    old.run(&mut conn).await.unwrap();
    run(
        &mut conn,
        "INSERT INTO tokens (name, role, token_sha256, is_baseline, created_at) \
         VALUES ('alice', 'organizer', 'abc', 0, '2026-01-01T00:00:00.000000Z')",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();

    let store = Store::open(&db).await.unwrap();
    let alice = store.token_by_hash("abc").await.unwrap().expect("kept");
    assert_eq!(alice.name, "alice");
    assert_eq!(
        (alice.expires_at, alice.revoked_at, alice.last_used_at),
        (None, None, None)
    );
    assert!(store.log_rows(None, 0, 10).await.unwrap().is_empty());
    store
        .revoke_tokens(
            "alice",
            "2026-01-02T00:00:00.000000Z",
            Actor::OPERATOR,
            "left",
        )
        .await
        .unwrap();
    let alice = store.token_by_hash("abc").await.unwrap().unwrap();
    assert_eq!(
        alice.revoked_at.as_deref(),
        Some("2026-01-02T00:00:00.000000Z")
    );
    let rows = store.log_rows(None, 0, 10).await.unwrap();
    assert_eq!((rows[0].id, rows[0].prev_hash.as_str()), (1, GENESIS_HASH));
}

/// The stored last use of the token named `name`.
async fn last_use(conn: &mut SqliteConnection, name: &str) -> Option<String> {
    let (at,): (Option<String>,) = sqlx::query_as("SELECT last_used_at FROM tokens WHERE name = ?")
        .bind(name)
        .fetch_one(conn)
        .await
        .unwrap();
    at
}

/// The last use is written at most once a minute per token and server: a second call leaves
/// it as it is, and so does a call while the stored time is older (another server's, say)
/// but this server wrote it within the minute.
#[tokio::test]
async fn a_tokens_last_use_is_written_once_a_minute_not_on_every_call() {
    let (dir, server, mut client, token) =
        crate::serve(Role::Auditor, "aud", ServerConfig::default()).await;
    let db = dir.path().join("arena.db");
    let mut conn = raw(&db).await;
    assert_eq!(last_use(&mut conn, "aud").await, None);
    let mut call = async || {
        client
            .list_challenges(crate::authorized(pb::ListChallengesRequest {}, &token))
            .await
            .unwrap();
    };
    call().await;
    // Written beside the call, not in its way: wait for it (at most 10 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let first = loop {
        if let Some(at) = last_use(&mut conn, "aud").await {
            break at;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first use is never written"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    call().await;
    let old = "2026-01-01T00:00:00.000000Z";
    run(
        &mut conn,
        &format!("UPDATE tokens SET last_used_at = '{old}' WHERE name = 'aud'"),
    )
    .await
    .unwrap();
    call().await;
    server.stop().await.unwrap();
    assert!(first.as_str() > old);
    assert_eq!(
        last_use(&mut conn, "aud").await.as_deref(),
        Some(old),
        "no write within the minute"
    );
}

/// `token list` and `ListTokens` list at most 10 000 tokens and say when there were more.
#[tokio::test]
async fn a_token_listing_is_capped_and_says_so() {
    let (_dir, db, _store) = fresh().await;
    let mut conn = raw(&db).await;
    run(
        &mut conn,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
         INSERT INTO tokens (name, role, token_sha256, is_baseline, created_at)
         SELECT 'team-' || i, 'contestant', 'hash-' || i, 0, '2026-01-01T00:00:00.000000Z' FROM n",
    )
    .await
    .unwrap();
    let listed = arena_server::admin::list_tokens(&db).await.unwrap();
    assert_eq!(listed.tokens.len(), MAX_LISTED_TOKENS);
    assert!(listed.truncated);
    assert_eq!(listed.tokens.last().unwrap().name, "team-10000");
    assert_eq!(
        arena_proto::token_list::truncation_note(&listed).as_deref(),
        Some("(only the 10000 oldest tokens are listed)")
    );
}
