//! Team names are printed in every other team's terminal (issue 16 case 5): a token is not
//! made for a name that holds a control character or is too long in characters.

use arena_server::auth::Role;
use arena_server::{MAX_TEAM_NAME, create_token};

#[tokio::test]
async fn a_team_name_with_control_characters_or_too_many_characters_gets_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arena.db");
    let refused = |name: String| {
        let db = db.clone();
        async move {
            create_token(&db, Role::Contestant, &name, false)
                .await
                .unwrap_err()
                .to_string()
        }
    };
    let err = refused("team\u{1b}[2J\nforged".into()).await;
    assert!(
        err.starts_with("--name holds the control character U+001B at character 4"),
        "{err}"
    );
    assert_eq!(
        refused("é".repeat(MAX_TEAM_NAME + 1)).await,
        "--name must be 1 to 64 characters, got 65"
    );
    assert!(refused("  ".into()).await.contains("got 0"));
    // 64 characters of two bytes each are a name.
    create_token(&db, Role::Contestant, &"é".repeat(MAX_TEAM_NAME), false)
        .await
        .unwrap();
}
