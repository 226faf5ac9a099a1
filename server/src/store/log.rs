//! The organizer log's SQL: [`append`], the one function every organizer action calls inside
//! its own transaction, and the rows read back.
//!
//! Why one function. The row's id, previous hash and hash are computed here, from the last row
//! read in the same transaction as the action, so an action and its row are stored together or
//! not at all, and no caller can chain a row differently. The hash is
//! `arena_proto::log_chain`'s, the one `arena log --verify` recomputes. An action added later
//! (a schedule change, a rescore, a withdrawal) adds its [`LogAction`] and calls [`append`] in
//! its transaction.

use arena_proto::log_chain::{Fields, GENESIS_HASH};
use serde_json::{Value, json};
use sqlx::FromRow;

use super::{StoreError, UnknownState};
use crate::auth::{Principal, Role};
use crate::clock;

stored_state! {
    /// What an organizer log row records.
    LogAction {
        /// A challenge was created.
        CreateChallenge = "create_challenge",
        /// A challenge was closed.
        CloseChallenge = "close_challenge",
        /// An organizer submitted a built-in baseline.
        SubmitBaseline = "submit_baseline",
        /// A token was created.
        TokenCreate = "token_create",
        /// A name's live tokens were revoked.
        TokenRevoke = "token_revoke",
    }
}

/// The longest reason a log row takes, characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why `reason` cannot go in the log: longer than [`MAX_REASON_CHARS`] or holding a control
/// character (it is printed in organizers' and auditors' terminals). Empty is accepted.
pub fn reason_problem(reason: &str) -> Option<String> {
    if reason.is_empty() {
        return None;
    }
    arena_challenge_core::text::name_problem(reason, MAX_REASON_CHARS)
}

/// Who did it.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// The token's name.
    pub name: &'a str,
    /// The token's role, or `operator`.
    pub role: &'a str,
}

impl Actor<'_> {
    /// Whoever runs `arena-server token ...` on the database file.
    pub const OPERATOR: Actor<'static> = Actor {
        name: "arena-server token (offline)",
        role: "operator",
    };

    /// The caller of a request.
    pub fn of(who: &Principal) -> Actor<'_> {
        Actor {
            name: &who.name,
            role: who.role.as_str(),
        }
    }
}

/// One row to append: who, what, on which challenge, the details and why.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// Who.
    pub actor: Actor<'a>,
    /// What.
    pub action: LogAction,
    /// The challenge, if the action concerns one.
    pub challenge_id: Option<&'a str>,
    /// A JSON object; never a token nor its hash.
    pub details: Value,
    /// Why (checked with [`reason_problem`] by whoever took it from a user; may be empty).
    pub reason: &'a str,
}

impl<'a> LogEntry<'a> {
    /// A token created: its name, role, baseline flag and expiry.
    pub fn token_create(
        actor: Actor<'a>,
        name: &str,
        role: Role,
        is_baseline: bool,
        expires_at: Option<&str>,
    ) -> LogEntry<'a> {
        LogEntry {
            actor,
            action: LogAction::TokenCreate,
            challenge_id: None,
            details: json!({
                "name": name, "role": role.as_str(), "baseline": is_baseline,
                "expires_at": expires_at,
            }),
            reason: "",
        }
    }

    /// A name's live tokens revoked: the name and how many.
    pub fn token_revoke(
        actor: Actor<'a>,
        name: &str,
        revoked: u64,
        reason: &'a str,
    ) -> LogEntry<'a> {
        LogEntry {
            actor,
            action: LogAction::TokenRevoke,
            challenge_id: None,
            details: json!({ "name": name, "revoked": revoked }),
            reason,
        }
    }
}

/// A stored row of the organizer log.
#[derive(Clone, Debug, FromRow)]
pub struct LogRow {
    /// 1, 2, 3, …
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who: name.
    pub actor_name: String,
    /// Who: role.
    pub actor_role: String,
    /// What (kept as stored text: a newer server's actions list as they are).
    pub action: String,
    /// The challenge, if any.
    pub challenge_id: Option<String>,
    /// A JSON object.
    pub details_json: String,
    /// Why.
    pub reason: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// The most rows one [`super::Store::log_rows`] call returns.
pub const MAX_LOG_PAGE: u32 = 1000;

/// Appends `entry` to the log inside `tx`, chained to the last row; returns its id. `tx` must
/// have been begun with `BEGIN IMMEDIATE` (it then holds the write lock from its start, so no
/// other writer can append between the read of the last row and this insert; the table's
/// trigger refuses a row that does not follow the last one in any case).
///
/// # Errors
/// A database error; the caller's transaction then rolls back with its action.
pub async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    entry: &LogEntry<'_>,
) -> Result<i64, StoreError> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM organizer_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (id, prev_hash) = last.map_or((1, GENESIS_HASH.to_string()), |(id, h)| (id + 1, h));
    let at = clock::now();
    let details_json = entry.details.to_string();
    let fields = Fields {
        id,
        at: &at,
        actor_name: entry.actor.name,
        actor_role: entry.actor.role,
        action: entry.action.as_str(),
        challenge_id: entry.challenge_id,
        details_json: &details_json,
        reason: entry.reason,
    };
    let hash = fields.hash(&prev_hash);
    sqlx::query(
        "INSERT INTO organizer_log (id, at, actor_name, actor_role, action, challenge_id,
             details_json, reason, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&at)
    .bind(fields.actor_name)
    .bind(fields.actor_role)
    .bind(fields.action)
    .bind(fields.challenge_id)
    .bind(&details_json)
    .bind(fields.reason)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

impl super::Store {
    /// Up to `limit` (at most [`MAX_LOG_PAGE`]) rows after `after_id` in id order: every row,
    /// or those about `challenge_id`.
    pub async fn log_rows(
        &self,
        challenge_id: Option<&str>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<LogRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor_name, actor_role, action, challenge_id, details_json, reason,
                    prev_hash, hash
             FROM organizer_log WHERE (?1 IS NULL OR challenge_id = ?1) AND id > ?2
             ORDER BY id LIMIT ?3",
        )
        .bind(challenge_id)
        .bind(after_id)
        .bind(limit.min(MAX_LOG_PAGE))
        .fetch_all(&self.pool)
        .await?)
    }
}
