//! Bearer tokens and roles.
//!
//! A token is 32 random bytes shown once at creation; the database keeps only its SHA-256, so a
//! leaked database does not leak working credentials. Every RPC names the roles it accepts and
//! calls [`Authenticator::require`] first.
//!
//! Nothing is cached: every call reads its token's row (one lookup by the unique hash index),
//! with its expiry and revocation, so a token revoked or expired is refused at its next call,
//! whichever process wrote the revocation (a running server's `RevokeTokens`, or
//! `arena-server token revoke` on the same database file).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tonic::Request;

use crate::clock;
use crate::error::ApiError;
use crate::store::{Store, TokenRow, UnknownState};

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Creates challenges, sees everything but hidden responses.
    Organizer,
    /// Submits predictions, sees public data and its own submissions.
    Contestant,
    /// Reads every score and audit record.
    Auditor,
}

impl Role {
    /// The name stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Contestant => "contestant",
            Role::Auditor => "auditor",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "organizer" => Some(Role::Organizer),
            "contestant" => Some(Role::Contestant),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownState;

    fn try_from(text: String) -> Result<Role, UnknownState> {
        Role::parse(&text).ok_or(UnknownState {
            state: "Role",
            text,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The caller of a request.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Token row id.
    pub token_id: i64,
    /// Team or person.
    pub name: String,
    /// Role.
    pub role: Role,
    /// A built-in baseline team.
    pub is_baseline: bool,
}

impl Principal {
    /// Organizers and auditors see private scores and every team's submissions.
    pub fn sees_everything(&self) -> bool {
        matches!(self.role, Role::Organizer | Role::Auditor)
    }
}

/// A new random token: `sa_` followed by 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("sa_{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How often a token's last use is written, seconds: at most once per token in this time and
/// server process, however many calls it makes, so authentication adds no write to most calls.
pub const LAST_USE_EVERY_S: i64 = 60;

/// Failed authentications logged per [`LOG_WINDOW`]; the rest are counted and reported with
/// the next line logged, so a flood of bad tokens cannot flood the log.
pub const LOGGED_FAILURES: u32 = 10;
/// The window of [`LOGGED_FAILURES`].
pub const LOG_WINDOW: Duration = Duration::from_secs(60);

/// Decides which failed authentications are logged: at most [`LOGGED_FAILURES`] per
/// [`LOG_WINDOW`].
#[derive(Debug)]
pub struct FailureLog {
    window_start: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

impl FailureLog {
    /// Nothing logged yet.
    pub fn new() -> FailureLog {
        FailureLog {
            window_start: None,
            logged: 0,
            suppressed: 0,
        }
    }

    /// Whether a failure at `now` is logged, and then how many were left out before it.
    pub fn admit(&mut self, now: Instant) -> Option<u64> {
        if self
            .window_start
            .is_none_or(|start| now.duration_since(start) >= LOG_WINDOW)
        {
            self.window_start = Some(now);
            self.logged = 0;
        }
        if self.logged == LOGGED_FAILURES {
            self.suppressed += 1;
            return None;
        }
        self.logged += 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}

impl Default for FailureLog {
    fn default() -> FailureLog {
        FailureLog::new()
    }
}

/// Resolves bearer tokens against the store.
#[derive(Clone, Debug)]
pub struct Authenticator {
    store: Store,
    failures: Arc<Mutex<FailureLog>>,
    /// When this process last wrote each token's last use (by token row id): one entry per
    /// token used, never a token's validity (that is read from the store on every call).
    uses_written: Arc<Mutex<HashMap<i64, Instant>>>,
}

impl Authenticator {
    /// Uses `store` to look tokens up.
    pub fn new(store: Store) -> Authenticator {
        Authenticator {
            store,
            failures: Arc::default(),
            uses_written: Arc::default(),
        }
    }

    /// The caller, if its token is valid and its role is one of `roles`. A call without a
    /// valid token is logged (warning) with the peer's address, within [`FailureLog`]'s rate.
    ///
    /// # Errors
    /// UNAUTHENTICATED without a valid token, PERMISSION_DENIED for another role.
    pub async fn require<T>(
        &self,
        request: &Request<T>,
        roles: &[Role],
    ) -> Result<Principal, ApiError> {
        let principal = self.resolve(request, roles).await;
        if let Err(
            e @ (ApiError::MissingToken
            | ApiError::MalformedToken
            | ApiError::UnknownToken
            | ApiError::RevokedToken { .. }
            | ApiError::ExpiredToken { .. }),
        ) = &principal
        {
            let admitted = self
                .failures
                .lock()
                .map(|mut log| log.admit(Instant::now()))
                .unwrap_or(None);
            if let Some(suppressed) = admitted {
                let peer = request
                    .remote_addr()
                    .map_or_else(|| "unknown".to_string(), |a| a.to_string());
                tracing::warn!(%peer, reason = %e, suppressed, "authentication failed");
            }
        }
        principal
    }

    /// [`Authenticator::require`] without the log.
    async fn resolve<T>(
        &self,
        request: &Request<T>,
        roles: &[Role],
    ) -> Result<Principal, ApiError> {
        let header = request
            .metadata()
            .get("authorization")
            .ok_or(ApiError::MissingToken)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::MalformedToken)?;
        let row = self
            .store
            .token_by_hash(&token_hash(token.trim()))
            .await?
            .ok_or(ApiError::UnknownToken)?;
        let now = Utc::now();
        if let Some(at) = row.revoked_at {
            return Err(ApiError::RevokedToken { name: row.name, at });
        }
        if let Some(at) = row
            .expires_at
            .as_ref()
            .filter(|at| **at <= clock::format(now))
        {
            return Err(ApiError::ExpiredToken {
                at: at.clone(),
                name: row.name,
            });
        }
        self.record_use(&row, now);
        if !roles.contains(&row.role) {
            let needed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            return Err(ApiError::WrongRole {
                needed: needed.join(" or "),
                token: row.name,
                role: row.role,
            });
        }
        Ok(Principal {
            token_id: row.id,
            name: row.name,
            role: row.role,
            is_baseline: row.is_baseline,
        })
    }

    /// Writes the token's last use when the one stored is older than [`LAST_USE_EVERY_S`] and
    /// this process has not written it within that time: the row just read carries the stored
    /// one, so a call within the minute writes nothing. The write runs in a task of its own, so
    /// no call waits for the database's write lock (a busy database delays the record, not the
    /// call); a failed write is logged: the last use is a convenience, not a control.
    fn record_use(&self, row: &TokenRow, now: DateTime<Utc>) {
        let stale_before = clock::format(now - TimeDelta::seconds(LAST_USE_EVERY_S));
        if row
            .last_used_at
            .as_ref()
            .is_some_and(|last| *last >= stale_before)
        {
            return;
        }
        let every = Duration::from_secs(LAST_USE_EVERY_S.unsigned_abs());
        let due = self.uses_written.lock().is_ok_and(|mut written| {
            let at = Instant::now();
            let due = written
                .get(&row.id)
                .is_none_or(|last| at.duration_since(*last) >= every);
            if due {
                written.insert(row.id, at);
            }
            due
        });
        if !due {
            return;
        }
        let (store, id, name) = (self.store.clone(), row.id, row.name.clone());
        tokio::spawn(async move {
            if let Err(e) = store
                .record_use(id, &clock::format(now), &stale_before)
                .await
            {
                tracing::warn!(token = %name, error = %e, "recording a token's last use failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with("sa_") && a.len() == 67);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
    }

    /// Issue 16 case 7: at most 10 failures a minute are logged; the next line logged says how
    /// many were left out.
    #[test]
    fn failed_authentications_are_logged_at_a_bounded_rate() {
        let mut log = FailureLog::new();
        let t0 = Instant::now();
        let logged: Vec<Option<u64>> = (0..25).map(|_| log.admit(t0)).collect();
        assert_eq!(logged.iter().filter(|l| l.is_some()).count(), 10);
        assert!(logged[..10].iter().all(|l| *l == Some(0)));
        assert!(log.admit(t0 + LOG_WINDOW / 2).is_none());
        assert_eq!(log.admit(t0 + LOG_WINDOW), Some(16));
        assert_eq!(log.admit(t0 + LOG_WINDOW), Some(0));
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Organizer, Role::Contestant, Role::Auditor] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
