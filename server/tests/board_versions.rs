//! The board version (migration 0009) that the web side's kept boards are checked against
//! (`server/src/web/cache.rs`): every write that can change what a challenge's board shows
//! changes its number, whoever makes it (here raw SQL, as an organizer's `sqlite3` session or
//! a second server on the same file would), and no other challenge's.

use std::str::FromStr;

use arena_server::Store;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Runs one statement on `$conn`, failing with the statement and the error.
macro_rules! run {
    ($conn:expr, $sql:expr) => {{
        let sql: &str = &$sql;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut $conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }};
}

fn new_challenge(id: &str) -> String {
    format!(
        "INSERT INTO challenges (id, title, kind, source, manifest_toml, dataset_hash, trials_hash, \
         hidden_seed, daily_limit, spec_json, created_by, created_at) \
         VALUES ('{id}', 't', 'k', 's', '', '', '', '1', 5, '{{}}', 1, '2026-01-01T00:00:00Z')"
    )
}

#[tokio::test]
async fn every_write_a_board_is_made_from_changes_its_version_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let store = Store::open(&db).await.unwrap();
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .foreign_keys(false)
        .connect()
        .await
        .unwrap();
    assert_eq!(store.board_version("a").await.unwrap(), None);
    run!(conn, new_challenge("a"));
    run!(conn, new_challenge("b"));
    let version = |id: &'static str| {
        let store = store.clone();
        async move { store.board_version(id).await.unwrap().expect("a version") }
    };
    let other = version("b").await;

    let writes = [
        (
            "a new submission",
            "INSERT INTO submissions (id, challenge_id, token_id, team, model_name, sha256, \
             predictions, status, created_at) VALUES ('s1', 'a', 1, 't', 'm', '', x'', 'queued', \
             '2026-01-01T00:01:00Z')",
        ),
        (
            "its status",
            "UPDATE submissions SET status = 'scored' WHERE id = 's1'",
        ),
        (
            "its evaluation",
            "INSERT INTO evaluations (submission_id, metrics_version, scoring_library_version, \
             params_json, dataset_hash, trials_hash, challenge_version, submission_sha256, \
             public_scores_json, private_scores_json, created_at) VALUES ('s1', 'v', '0', '{}', \
             '', '', 1, '', '[]', '[]', '2026-01-01T00:02:00Z')",
        ),
        (
            "an evaluation edited",
            "UPDATE evaluations SET public_scores_json = '[{\"name\":\"primary\",\"value\":1}]'",
        ),
        (
            "a final selection",
            "INSERT INTO final_selections (challenge_id, team, submission_id, selected_at) \
             VALUES ('a', 't', 's1', '2026-01-01T00:03:00Z')",
        ),
        ("the selection withdrawn", "DELETE FROM final_selections"),
        (
            "the challenge closed",
            "UPDATE challenges SET status = 'closed' WHERE id = 'a'",
        ),
        ("the evaluation deleted", "DELETE FROM evaluations"),
        ("the submission deleted", "DELETE FROM submissions"),
    ];
    for (what, sql) in writes {
        let before = version("a").await;
        run!(conn, sql);
        assert_ne!(
            version("a").await,
            before,
            "{what} left the version at {before}"
        );
        assert_eq!(
            version("b").await,
            other,
            "{what} changed another challenge's version"
        );
    }

    // A write no board is made from leaves it alone.
    let before = version("a").await;
    run!(
        conn,
        "INSERT INTO tokens (name, role, token_sha256, created_at) \
         VALUES ('x', 'contestant', 'ab', '2026-01-01T00:00:00Z')"
    );
    assert_eq!(version("a").await, before);
    conn.close().await.unwrap();
}
