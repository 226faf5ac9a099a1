//! `arena log`: the organizer log, and `--verify`, which recomputes its hash chain here with
//! `arena_proto::log_chain` (the function the server hashed the rows with), from the rows
//! the server sends: the verdict needs no trust in the server.

use anyhow::Result;
use arena_proto::log_chain;
use arena_proto::v1 as pb;
use serde_json::{Value, json};

use crate::cli::LogArgs;
use crate::connect::Client;
use crate::output::{print_json, table};
use crate::retry::unary;

/// Rows asked for per call: the server's largest page.
const PAGE: u32 = 1000;

/// Lists the log (every row, or one challenge's), or verifies the whole chain.
///
/// # Errors
/// A failed call, or with `--verify` a broken chain, naming its first bad row.
pub async fn log(client: &Client, args: &LogArgs, as_json: bool) -> Result<()> {
    let rows = rows(client, args.challenge.as_deref().unwrap_or("")).await?;
    if args.verify {
        let verified = log_chain::verify(rows.iter().map(pb::LogRow::chained))
            .map_err(|e| anyhow::anyhow!("the organizer log does not verify: {e}"))?;
        if as_json {
            print_json(&json!({
                "verified": true, "rows": verified.rows, "head": verified.head,
            }));
        } else {
            println!(
                "the organizer log verifies: {} rows, ids 1 to {0} without a gap, every hash \
                 recomputed; head hash {}",
                verified.rows, verified.head
            );
        }
        return Ok(());
    }
    if as_json {
        let rows: Vec<Value> = rows.iter().map(row_json).collect();
        print_json(&json!({ "rows": rows }));
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.at.clone(),
                format!("{} ({})", r.actor_name, r.actor_role),
                r.action.clone(),
                r.challenge_id.clone().unwrap_or_else(|| "-".into()),
                r.reason.clone(),
                r.details_json.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "AT",
            "ACTOR",
            "ACTION",
            "CHALLENGE",
            "REASON",
            "DETAILS",
        ],
        &cells,
    );
    Ok(())
}

/// Every row about `challenge` (every row when empty), page by page; each page is a read,
/// repeated on a lost connection.
async fn rows(client: &Client, challenge: &str) -> Result<Vec<pb::LogRow>> {
    let mut rows: Vec<pb::LogRow> = Vec::new();
    loop {
        let request = pb::ListLogRequest {
            challenge_id: challenge.to_string(),
            after_id: rows.last().map_or(0, |r| r.id),
            limit: PAGE,
        };
        let page = unary("log", client, request, |mut c, r| async move {
            c.list_log(r).await
        })
        .await?
        .rows;
        let done = page.len() < PAGE as usize;
        rows.extend(page);
        if done {
            return Ok(rows);
        }
    }
}

/// A row as `--json` prints it: the details as the JSON object they hold (as their text if a
/// row's details no longer parse).
fn row_json(r: &pb::LogRow) -> Value {
    let details = serde_json::from_str(&r.details_json)
        .unwrap_or_else(|_| Value::String(r.details_json.clone()));
    json!({
        "id": r.id, "at": r.at, "actor_name": r.actor_name, "actor_role": r.actor_role,
        "action": r.action, "challenge_id": r.challenge_id, "details": details,
        "reason": r.reason, "prev_hash": r.prev_hash, "hash": r.hash,
    })
}
