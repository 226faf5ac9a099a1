//! A token listing as people and scripts read it: the cells and the JSON of `arena token list`
//! and `arena-server token list`, which print the same columns and the same JSON.

use serde_json::{Value, json};

use crate::v1::{ListTokensResponse, TokenInfo};

/// The columns of [`rows`].
pub const HEADER: [&str; 7] = [
    "NAME", "ROLE", "BASELINE", "CREATED", "EXPIRES", "REVOKED", "LAST USE",
];

/// One row of cells per token: name, role, baseline flag (`yes`/`no`), created, expiry (or
/// `never`), revoked (when, or `no`), last use (or `never`).
pub fn rows(r: &ListTokensResponse) -> Vec<Vec<String>> {
    r.tokens.iter().map(cells).collect()
}

fn cells(t: &TokenInfo) -> Vec<String> {
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    vec![
        t.name.clone(),
        t.role.clone(),
        if t.is_baseline { "yes" } else { "no" }.to_string(),
        t.created_at.clone(),
        or(&t.expires_at, "never"),
        or(&t.revoked_at, "no"),
        or(&t.last_used_at, "never"),
    ]
}

/// What to say after the rows when the list was cut; `None` when it was not.
pub fn truncation_note(r: &ListTokensResponse) -> Option<String> {
    r.truncated
        .then(|| format!("(only the {} oldest tokens are listed)", r.tokens.len()))
}

/// `{"tokens": [{"name", "role", "baseline", "created_at", "expires_at", "revoked_at",
/// "last_used_at"}], "truncated"}`; the three last times are null when never, not revoked,
/// never used.
pub fn json(r: &ListTokensResponse) -> Value {
    let tokens: Vec<Value> = r
        .tokens
        .iter()
        .map(|t| {
            json!({
                "name": t.name, "role": t.role, "baseline": t.is_baseline,
                "created_at": t.created_at, "expires_at": t.expires_at,
                "revoked_at": t.revoked_at, "last_used_at": t.last_used_at,
            })
        })
        .collect();
    json!({ "tokens": tokens, "truncated": r.truncated })
}
