//! What the database keeps for boards, whoever writes to it (here raw SQL, as an organizer's
//! `sqlite3` session or a second server on the same file would):
//! - the board version (migration 0009) that the web side's kept boards are checked against
//!   (`server/src/web/cache.rs`): every write that can change what a challenge's board shows
//!   changes its number, and no other challenge's;
//! - the primaries a board ranks by (migration 0012): derived from the stored score lists, so
//!   the ranking and the scores it shows cannot disagree.

use std::str::FromStr;

use arena_challenge_core::trial::Part;
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

/// A new database in `dir`: the store, and a raw connection without foreign keys.
async fn open(dir: &tempfile::TempDir) -> (Store, sqlx::SqliteConnection) {
    let db = dir.path().join("arena.db");
    let store = Store::open(&db).await.unwrap();
    let conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .foreign_keys(false)
        .connect()
        .await
        .unwrap();
    (store, conn)
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
    let (store, mut conn) = open(&dir).await;
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

/// An evaluation of submission `id` under metrics version `version` with these score lists.
fn evaluation(id: &str, version: &str, public: &str, private: &str) -> String {
    format!(
        "INSERT INTO evaluations (submission_id, metrics_version, scoring_library_version, \
         params_json, dataset_hash, trials_hash, challenge_version, submission_sha256, \
         public_scores_json, private_scores_json, created_at) VALUES ('{id}', '{version}', '0', \
         '{{}}', '', '', 1, '', '{public}', '{private}', '2026-01-01T00:02:00Z')"
    )
}

#[tokio::test]
async fn a_board_ranks_by_the_primaries_of_the_latest_evaluations_whoever_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut conn) = open(&dir).await;
    run!(conn, new_challenge("a"));
    for (id, at) in [("s2", "00:02"), ("s1", "00:01"), ("s3", "00:03")] {
        run!(
            conn,
            format!(
                "INSERT INTO submissions (id, challenge_id, token_id, team, model_name, sha256, \
                 predictions, status, created_at) VALUES ('{id}', 'a', 1, 't', 'm', '', \
                 zeroblob(20000), 'scored', '2026-01-01T{at}:00Z')"
            )
        );
    }
    let primary = |p: &str| format!(r#"[{{"name":"primary","value":{p}}}]"#);
    // s1: the primary need not come first; an undefined one is NULL.
    run!(
        conn,
        evaluation(
            "s1",
            "v",
            r#"[{"name":"md_star","value":0.9},{"name":"primary","value":0.25}]"#,
            r#"[{"name":"primary","value":null,"note":"no spikes"}]"#,
        )
    );
    // s2: scored twice under "v" (the later evaluation counts) and once under another version.
    run!(
        conn,
        evaluation("s2", "v", &primary("0.1"), &primary("0.2"))
    );
    run!(
        conn,
        evaluation("s2", "v", &primary("0.3"), &primary("0.4"))
    );
    run!(
        conn,
        evaluation("s2", "old", &primary("0.9"), &primary("0.9"))
    );
    // s3: scored only under another version: not on the board.
    run!(
        conn,
        evaluation("s3", "old", &primary("0.5"), &primary("0.5"))
    );

    let ranked = |part: Part| {
        let store = store.clone();
        async move {
            store
                .board_entries("a", "v", part)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.submission_id, r.primary))
                .collect::<Vec<_>>()
        }
    };
    let s = |id: &str, p: Option<f64>| (id.to_string(), p);
    assert_eq!(
        ranked(Part::Public).await,
        [s("s1", Some(0.25)), s("s2", Some(0.3))]
    );
    assert_eq!(
        ranked(Part::Private).await,
        [s("s1", None), s("s2", Some(0.4))]
    );

    // An edited list moves its primary with it.
    run!(
        conn,
        format!(
            "UPDATE evaluations SET private_scores_json = '{}' WHERE submission_id = 's1'",
            primary("-0.5")
        )
    );
    assert_eq!(
        ranked(Part::Private).await,
        [s("s1", Some(-0.5)), s("s2", Some(0.4))]
    );
    // The shown rows' lists are read whole.
    let rows = store.board_entries("a", "v", Part::Public).await.unwrap();
    let lists = store
        .board_scores(&[rows[0].evaluation_id], Part::Public)
        .await
        .unwrap();
    assert_eq!(lists.len(), 1);
    assert!(lists[0].1.contains("md_star"), "{lists:?}");
    conn.close().await.unwrap();
}
