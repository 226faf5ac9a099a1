//! `arena token list` and `arena token revoke`: the organizer's view of the tokens over gRPC.

use anyhow::Result;
use arena_proto::token_list;
use arena_proto::v1 as pb;
use serde_json::json;

use crate::connect::{Client, status_error};
use crate::output::{print_json, say, table};
use crate::retry::unary;

/// Lists every token (never a token nor its hash).
pub async fn list(client: &Client, as_json: bool) -> Result<()> {
    // A read: safe to repeat.
    let r = unary(
        "token list",
        client,
        pb::ListTokensRequest {},
        |mut c, r| async move { c.list_tokens(r).await },
    )
    .await?;
    if as_json {
        print_json(&token_list::json(&r));
        return Ok(());
    }
    table(&token_list::HEADER, &token_list::rows(&r));
    if let Some(note) = token_list::truncation_note(&r) {
        say!("{note}");
    }
    Ok(())
}

/// Revokes every live token of `name`, with `reason` for the log; not repeated on a lost
/// connection (a second attempt would find none left and fail).
pub async fn revoke(client: &mut Client, name: &str, reason: &str, as_json: bool) -> Result<()> {
    let r = client
        .revoke_tokens(pb::RevokeTokensRequest {
            name: name.to_string(),
            reason: reason.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if as_json {
        print_json(&json!({ "name": r.name, "revoked": r.revoked, "revoked_at": r.revoked_at }));
    } else {
        say!(
            "revoked {} token(s) named {:?} at {}: each is refused from its next call",
            r.revoked,
            r.name,
            r.revoked_at
        );
    }
    Ok(())
}
