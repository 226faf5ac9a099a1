//! What `arena-server token ...` and `arena-server log verify` do on a database file, with no
//! server involved. The file may be the one a running server uses: SQLite serialises the
//! writes, and the server reads a token's revocation and expiry on every call, so a token
//! revoked here is refused at its next call there.

use std::path::Path;

use arena_challenge_core::text::name_problem;
use arena_proto::log_chain::{self, Verified};
use arena_proto::v1 as pb;
use chrono::{TimeDelta, Utc};

use crate::convert::TokenList;
use crate::store::log::{MAX_LOG_PAGE, reason_problem};
use crate::store::{Actor, NewToken, Store};
use crate::{MAX_TEAM_NAME, ServerError, auth, clock};

/// The longest `--expires-in`, days (about ten years): anything longer is a mistake, and
/// "never" is the flag left out.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// Parses `--expires-in`: a whole number above 0 and one unit, `s`, `m`, `h` or `d` (`3600s`,
/// `90m`, `12h`, `30d`), at most [`MAX_EXPIRY_DAYS`] days.
///
/// # Errors
/// [`ServerError::BadArg`] naming the flag, the value and what is accepted.
pub fn parse_expiry(text: &str) -> Result<TimeDelta, ServerError> {
    let bad = |problem: String| ServerError::BadArg {
        flag: "--expires-in",
        problem: format!("{text:?}: {problem}; give a whole number and s, m, h or d, e.g. 30d"),
    };
    let split = text.len().saturating_sub(1);
    let (number, unit) = (
        text.get(..split).unwrap_or(""),
        text.get(split..).unwrap_or(""),
    );
    let seconds_per_unit: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad(format!("unknown unit {unit:?}"))),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("{number:?} is not a whole number above 0")));
    }
    let max_seconds = MAX_EXPIRY_DAYS * 86_400;
    let seconds = number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(seconds_per_unit))
        .filter(|s| *s <= max_seconds)
        .ok_or_else(|| bad(format!("more than {MAX_EXPIRY_DAYS} days")))?;
    if seconds == 0 {
        return Err(bad("0 would expire at once".into()));
    }
    Ok(TimeDelta::seconds(seconds))
}

/// A token to make.
#[derive(Clone, Copy, Debug)]
pub struct TokenSpec<'a> {
    /// What it may do.
    pub role: auth::Role,
    /// Team (contestants) or person.
    pub name: &'a str,
    /// A built-in baseline team.
    pub is_baseline: bool,
    /// How long it works; `None`: until revoked.
    pub expires_in: Option<TimeDelta>,
}

/// Creates a token and returns it (the only time it is shown); the `token_create` row of the
/// organizer log names [`Actor::OPERATOR`]. The name (a contestant's team) is trimmed and must
/// be 1 to [`MAX_TEAM_NAME`] characters without control characters: other teams' terminals
/// print it.
///
/// # Errors
/// A bad name, or if the database cannot be opened or written.
pub async fn issue_token(db: &Path, spec: TokenSpec<'_>) -> Result<String, ServerError> {
    let name = spec.name.trim();
    if let Some(problem) = name_problem(name, MAX_TEAM_NAME) {
        return Err(ServerError::BadArg {
            flag: "--name",
            problem,
        });
    }
    let now = Utc::now();
    let expires_at = spec.expires_in.map(|d| clock::format(now + d));
    let store = Store::open(db).await?;
    let token = auth::new_token();
    let created = store
        .create_token(
            &NewToken {
                name,
                role: spec.role,
                token_sha256: &auth::token_hash(&token),
                is_baseline: spec.is_baseline,
                created_at: &clock::format(now),
                expires_at: expires_at.as_deref(),
            },
            Actor::OPERATOR,
        )
        .await;
    store.close().await;
    created?;
    Ok(token)
}

/// [`issue_token`] without an expiry.
///
/// # Errors
/// As [`issue_token`].
pub async fn create_token(
    db: &Path,
    role: auth::Role,
    name: &str,
    is_baseline: bool,
) -> Result<String, ServerError> {
    issue_token(
        db,
        TokenSpec {
            role,
            name,
            is_baseline,
            expires_in: None,
        },
    )
    .await
}

/// Every token, as `ListTokens` answers (never a token nor its hash).
///
/// # Errors
/// If the database cannot be opened or read.
pub async fn list_tokens(db: &Path) -> Result<pb::ListTokensResponse, ServerError> {
    let store = Store::open(db).await?;
    let tokens = store.tokens().await;
    store.close().await;
    Ok(TokenList(tokens?).into())
}

/// Revokes every live token named `name` now, logged by [`Actor::OPERATOR`] with `reason`;
/// returns how many.
///
/// # Errors
/// A bad reason, no live token of that name, or a database error.
pub async fn revoke_tokens(db: &Path, name: &str, reason: &str) -> Result<u64, ServerError> {
    if let Some(problem) = reason_problem(reason) {
        return Err(ServerError::BadArg {
            flag: "--reason",
            problem,
        });
    }
    let store = Store::open(db).await?;
    let revoked = store
        .revoke_tokens(name.trim(), &clock::now(), Actor::OPERATOR, reason)
        .await;
    store.close().await;
    match revoked? {
        0 => Err(ServerError::NoLiveToken(name.trim().to_string())),
        n => Ok(n),
    }
}

/// Recomputes the organizer log's whole hash chain with the function `arena log --verify` uses.
///
/// # Errors
/// [`ServerError::LogBroken`] naming the first bad row, or a database error.
pub async fn verify_log(db: &Path) -> Result<Verified, ServerError> {
    let store = Store::open(db).await?;
    let rows = read_log(&store).await;
    store.close().await;
    let rows = rows?;
    Ok(log_chain::verify(rows.iter().map(pb::LogRow::chained))?)
}

/// Every row of the log, page by page.
async fn read_log(store: &Store) -> Result<Vec<pb::LogRow>, ServerError> {
    let mut rows: Vec<pb::LogRow> = Vec::new();
    loop {
        let after = rows.last().map_or(0, |r| r.id);
        let page = store.log_rows(None, after, MAX_LOG_PAGE).await?;
        let done = page.len() < MAX_LOG_PAGE as usize;
        rows.extend(page.into_iter().map(pb::LogRow::from));
        if done {
            return Ok(rows);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_take_whole_numbers_with_a_unit_and_refuse_zero_and_absurd_values() {
        for (text, seconds) in [
            ("3600s", 3600),
            ("90m", 5400),
            ("12h", 43_200),
            ("30d", 2_592_000),
            ("3650d", 315_360_000),
        ] {
            assert_eq!(
                parse_expiry(text).unwrap(),
                TimeDelta::seconds(seconds),
                "{text}"
            );
        }
        for (text, problem) in [
            ("0d", "0 would expire at once"),
            ("-5d", "is not a whole number"),
            ("5w", "unknown unit \"w\""),
            ("30", "unknown unit \"0\""),
            ("", "unknown unit \"\""),
            ("d", "\"\" is not a whole number"),
            ("1.5h", "is not a whole number"),
            ("3651d", "more than 3650 days"),
            ("99999999999999999999s", "more than 3650 days"),
        ] {
            let e = parse_expiry(text).unwrap_err().to_string();
            assert!(e.starts_with("--expires-in "), "{e}");
            assert!(e.contains(problem), "{text}: {e}");
            assert_eq!(e.lines().count(), 1);
        }
    }
}
