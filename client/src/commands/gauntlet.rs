//! `arena gauntlet`: the gaming gauntlet of a challenge, run by the server on its hidden data,
//! with the clustering check a dendritic challenge passed at creation.

use anyhow::Result;
use arena_proto::v1 as pb;
use serde_json::json;

use crate::cli::GauntletArgs;
use crate::commands::challenges::{describe_effect, effect_json};
use crate::connect::Client;
use crate::output::{print_json, say};
use crate::retry::unary;

/// Prints the gauntlet table (or JSON rows), then a dendritic challenge's clustering check as
/// `arena challenge create` printed it; exits successfully whatever the verdicts, which the table
/// and `passed` report.
pub async fn gauntlet(client: &mut Client, args: &GauntletArgs, as_json: bool) -> Result<()> {
    let request = pb::GauntletRequest {
        challenge_id: args.challenge.clone(),
        seed: args.seed,
    };
    // Nothing is stored: safe to repeat.
    let r = unary("gauntlet", client, request, |mut c, r| async move {
        c.gauntlet(r).await
    })
    .await?;
    if as_json {
        let rows: Vec<_> = r
            .rows
            .iter()
            .map(|e| {
                json!({
                    "name": e.name, "class": e.class, "outcome": e.outcome, "primary": e.primary,
                    "md_star": e.md_star, "gamma_over_r": e.gamma_over_r, "note": e.note,
                    "passed": e.passed, "rule": e.rule,
                })
            })
            .collect();
        print_json(&json!({
            "challenge_id": r.challenge_id, "passed": r.passed, "rows": rows,
            "clustering_effect": r.clustering_effect.as_ref().map(effect_json),
        }));
        return Ok(());
    }
    for line in r.table.lines() {
        say!("{line}");
    }
    let failed: Vec<&str> = r
        .rows
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.name.as_str())
        .collect();
    if failed.is_empty() {
        say!("every entry met its bound");
    } else {
        say!(
            "{} of {} entries broke their bound: {}",
            failed.len(),
            r.rows.len(),
            failed.join("; ")
        );
    }
    if let Some(e) = &r.clustering_effect {
        say!("{}", describe_effect(e));
    }
    Ok(())
}
