//! The tokens' SQL: creation, the lookup every call makes, the last use, listing and
//! revocation. Creation and revocation append their organizer log row in their transaction.

use sqlx::FromRow;

use super::log::{self, Actor, LogEntry};
use super::{Store, StoreError};
use crate::auth::Role;

/// A stored token (never the token itself). Times are RFC 3339 UTC.
#[derive(Clone, Debug, FromRow)]
pub struct TokenRow {
    /// Row id.
    pub id: i64,
    /// Team or person.
    pub name: String,
    /// What the token may do.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Whether the team is a built-in baseline.
    pub is_baseline: bool,
    /// When it was made.
    pub created_at: String,
    /// When it stops working; `None`: never.
    pub expires_at: Option<String>,
    /// When it was revoked; `None`: not revoked.
    pub revoked_at: Option<String>,
    /// Its last use, at most [`crate::auth::LAST_USE_EVERY`] old; `None`: never used.
    pub last_used_at: Option<String>,
}

/// A token to store.
#[derive(Clone, Copy, Debug)]
pub struct NewToken<'a> {
    /// Team or person (checked by the caller).
    pub name: &'a str,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the token, hex.
    pub token_sha256: &'a str,
    /// A built-in baseline team.
    pub is_baseline: bool,
    /// Now.
    pub created_at: &'a str,
    /// When it stops working; `None`: never.
    pub expires_at: Option<&'a str>,
}

/// The most tokens [`Store::tokens`] lists.
pub const MAX_LISTED_TOKENS: usize = 10_000;

const TOKEN_COLUMNS: &str =
    "id, name, role, is_baseline, created_at, expires_at, revoked_at, last_used_at";

impl Store {
    /// Stores a token hash and its `token_create` log row by `actor` in one transaction;
    /// returns the row id.
    pub async fn create_token(
        &self,
        t: &NewToken<'_>,
        actor: Actor<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO tokens (name, role, token_sha256, is_baseline, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(t.name)
        .bind(t.role.as_str())
        .bind(t.token_sha256)
        .bind(t.is_baseline)
        .bind(t.created_at)
        .bind(t.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let entry = LogEntry::token_create(actor, t.name, t.role, t.is_baseline, t.expires_at);
        log::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The token with this hash, with its expiry, revocation and last use: one lookup by the
    /// unique index, made on every call, so a revocation written by anyone is seen at once.
    pub async fn token_by_hash(&self, token_sha256: &str) -> Result<Option<TokenRow>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_sha256 = ?"
        )))
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records a use of token `id` at `now` unless one at or after `stale_before` is recorded
    /// already (a concurrent call may have written it).
    pub async fn record_use(
        &self,
        id: i64,
        now: &str,
        stale_before: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tokens SET last_used_at = ?
             WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
        )
        .bind(now)
        .bind(id)
        .bind(stale_before)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every token, oldest first, at most [`MAX_LISTED_TOKENS`] (plus one, so the caller can
    /// tell there were more).
    pub async fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id LIMIT {}",
            MAX_LISTED_TOKENS + 1
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes at `at` every live token named `name` (not revoked, not expired at `at`) and
    /// appends the `token_revoke` row by `actor` with `reason`, in one transaction; returns how
    /// many were revoked (0: nothing stored, not even a log row).
    pub async fn revoke_tokens(
        &self,
        name: &str,
        at: &str,
        actor: Actor<'_>,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let revoked = sqlx::query(
            "UPDATE tokens SET revoked_at = ?1
             WHERE name = ?2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)",
        )
        .bind(at)
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked > 0 {
            log::append(
                &mut tx,
                &LogEntry::token_revoke(actor, name, revoked, reason),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(revoked)
    }
}
