//! `arena submit`, `arena submission show` and `arena leaderboard`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use arena_challenge::predictions::Limits;
use arena_proto::board_json::leaderboard_json;
use arena_proto::v1 as pb;
use rand::RngCore;
use serde_json::{Value, json};

use crate::cli::SubmitArgs;
use crate::connect::Client;
use crate::output::{metrics_json, num, print_json, say, status_name, table};
use crate::retry::unary;

/// Sends a predictions file with an idempotency key (`idempotency_key`, else a fresh one), so a
/// retry after a dropped connection ([`unary`]) stores it once.
pub async fn send(
    client: &mut Client,
    challenge: &str,
    model: &str,
    predictions: Vec<u8>,
    idempotency_key: Option<String>,
    baseline: Option<&str>,
) -> Result<pb::SubmitResponse> {
    let limit = Limits::default().max_bytes;
    if predictions.len() > limit {
        bail!(
            "RESOURCE_EXHAUSTED: predictions_json: predictions file is {} bytes; the limit is {limit} bytes",
            predictions.len()
        );
    }
    let key = idempotency_key.unwrap_or_else(|| {
        let mut raw = [0u8; 16];
        rand::rng().fill_bytes(&mut raw);
        hex::encode(raw)
    });
    let request = pb::SubmitRequest {
        challenge_id: challenge.to_string(),
        model_name: model.to_string(),
        idempotency_key: key,
        predictions_json: predictions,
        baseline: baseline.unwrap_or_default().to_string(),
    };
    unary("submit", client, request, |mut c, r| async move {
        c.submit(r).await
    })
    .await
}

/// Polls until the submission is scored or failed.
pub async fn wait(client: &mut Client, id: &str, timeout: Duration) -> Result<pb::Submission> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let s = get(client, id).await?;
        let status =
            pb::SubmissionStatus::try_from(s.status).unwrap_or(pb::SubmissionStatus::Unspecified);
        if matches!(
            status,
            pb::SubmissionStatus::Scored | pb::SubmissionStatus::Failed
        ) {
            return Ok(s);
        }
        if start.elapsed() > timeout {
            bail!(
                "submission {id} is still {} after {} s; see `arena submission show {id}`",
                status_name(s.status),
                timeout.as_secs()
            );
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

async fn get(client: &mut Client, id: &str) -> Result<pb::Submission> {
    let request = pb::GetSubmissionRequest {
        submission_id: id.to_string(),
    };
    unary("submission show", client, request, |mut c, r| async move {
        c.get_submission(r).await
    })
    .await
}

/// The JSON of a submission (`arena submit --json`, `arena submission show --json`).
pub fn submission_json(s: &pb::Submission) -> Value {
    let (scores, notes) = metrics_json(&s.scores);
    let (private_scores, private_notes) = metrics_json(&s.private_scores);
    let trials: Vec<Value> = s
        .trials
        .iter()
        .map(|t| {
            let (scores, notes) = metrics_json(&t.metrics);
            json!({ "trial_id": t.trial_id, "scores": scores, "notes": notes })
        })
        .collect();
    let audit = s.audit.as_ref().map(|a| {
        json!({
            "dataset_hash": a.dataset_hash, "trials_hash": a.trials_hash,
            // Organizers and auditors only; contestants get null.
            "full_dataset_hash": (!a.full_dataset_hash.is_empty()).then_some(&a.full_dataset_hash),
            "challenge_version": a.challenge_version, "metrics_version": a.metrics_version,
            "scoring_library_version": a.scoring_library_version,
            "params": serde_json::from_str::<Value>(&a.params_json).unwrap_or(Value::Null),
            "scored_at": a.scored_at,
        })
    });
    let mut v = json!({
        "submission_id": s.id, "challenge_id": s.challenge_id, "team": s.team, "model": s.model_name,
        "is_baseline": s.is_baseline, "status": status_name(s.status), "sha256": s.sha256,
        "created_at": s.created_at, "scores": scores, "notes": notes, "trials": trials, "audit": audit,
        "selected": s.selected,
    });
    if !s.private_scores.is_empty() {
        v["private_scores"] = private_scores;
        v["private_notes"] = private_notes;
    }
    if !s.error.is_empty() {
        v["error"] = json!(s.error);
    }
    v
}

fn print_submission(s: &pb::Submission) {
    say!(
        "submission {} on {} by {} (model {})",
        s.id,
        s.challenge_id,
        s.team,
        s.model_name
    );
    say!(
        "status: {}{}",
        status_name(s.status),
        if s.error.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.error)
        }
    );
    if !s.scores.is_empty() {
        say!("public scores:");
        for m in &s.scores {
            say!(
                "  {:<22} {}{}",
                m.name,
                num(m.value),
                if m.note.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", m.note)
                }
            );
        }
    }
    if !s.private_scores.is_empty() {
        say!("private scores:");
        for m in &s.private_scores {
            say!("  {:<22} {}", m.name, num(m.value));
        }
    }
    if !s.trials.is_empty() {
        say!("per trial (primary):");
        for t in &s.trials {
            let primary = t.metrics.iter().find(|m| m.name == "primary");
            say!(
                "  {:<22} {}",
                t.trial_id,
                num(primary.and_then(|m| m.value))
            );
        }
    }
    if s.selected {
        say!("selected for the final ranking");
    }
    if let Some(a) = &s.audit {
        say!(
            "audit: sha256 {} dataset {} metrics {} ({}), params {}",
            s.sha256,
            a.dataset_hash,
            a.metrics_version,
            a.scoring_library_version,
            a.params_json
        );
    }
}

/// `arena submission select` / `unselect`.
pub async fn select_command(
    client: &mut Client,
    id: &str,
    unselect: bool,
    as_json: bool,
) -> Result<()> {
    let request = pb::SelectSubmissionRequest {
        submission_id: id.to_string(),
        unselect,
    };
    // Setting a selection twice leaves it as once: safe to repeat.
    let r = unary(
        "submission select",
        client,
        request,
        |mut c, r| async move { c.select_submission(r).await },
    )
    .await?;
    if as_json {
        print_json(&json!({
            "submission_id": id, "challenge_id": r.challenge_id, "team": r.team,
            "selected": r.selected, "final_selections": r.final_selections,
        }));
    } else {
        say!(
            "team {} on {}: {} of {} final selections: {}",
            r.team,
            r.challenge_id,
            r.selected.len(),
            r.final_selections,
            if r.selected.is_empty() {
                "none (the latest submissions count)".to_string()
            } else {
                r.selected.join(", ")
            }
        );
    }
    Ok(())
}

/// `arena submit`.
pub async fn submit_command(client: &mut Client, args: &SubmitArgs, as_json: bool) -> Result<()> {
    let predictions = &args.predictions;
    let bytes = std::fs::read(predictions)
        .with_context(|| format!("cannot read {}", predictions.display()))?;
    let r = send(
        client,
        &args.challenge,
        &args.model,
        bytes,
        args.idempotency_key.clone(),
        None,
    )
    .await?;
    if args.no_wait {
        if as_json {
            print_json(&json!({
                "submission_id": r.submission_id, "status": status_name(r.status),
                "created": r.created, "sha256": r.sha256, "scores": {},
            }));
        } else {
            say!(
                "submission {} stored ({}); sha256 {}",
                r.submission_id,
                status_name(r.status),
                r.sha256
            );
        }
        return Ok(());
    }
    let s = wait(client, &r.submission_id, Duration::from_secs(args.timeout)).await?;
    if as_json {
        let mut v = submission_json(&s);
        v["created"] = json!(r.created);
        print_json(&v);
    } else {
        print_submission(&s);
    }
    if s.status == pb::SubmissionStatus::Failed as i32 {
        bail!("scoring failed: {}", s.error);
    }
    Ok(())
}

/// `arena submission show`.
pub async fn show_command(client: &mut Client, id: &str, as_json: bool) -> Result<()> {
    let s = get(client, id).await?;
    if as_json {
        print_json(&submission_json(&s));
    } else {
        print_submission(&s);
    }
    Ok(())
}

/// Fetches a leaderboard.
pub async fn leaderboard(client: &mut Client, challenge: &str) -> Result<pb::LeaderboardResponse> {
    let request = pb::LeaderboardRequest {
        challenge_id: challenge.to_string(),
    };
    unary("leaderboard", client, request, |mut c, r| async move {
        c.leaderboard(r).await
    })
    .await
}

/// Prints a leaderboard as text or JSON.
pub fn print_leaderboard(board: &pb::LeaderboardResponse, as_json: bool) {
    if as_json {
        print_json(&leaderboard_json(board));
        return;
    }
    let rule = if board.part == "public" {
        format!("Ladder step {}", board.ladder_step)
    } else {
        format!(
            "best of each team's {} final selections",
            board.final_selections
        )
    };
    say!(
        "leaderboard of {} ({} part; {rule}; metrics {})",
        board.challenge_id,
        board.part,
        board.metrics_version
    );
    if board.pending_rescore > 0 {
        say!(
            "  {} submissions are being scored again under {} and are not shown yet",
            board.pending_rescore,
            board.metrics_version
        );
    }
    // Paired (clustered-dendritic) challenges add the primary by condition and the gap; the
    // probabilistic track adds bits per spike when any row has it.
    let paired = board
        .rows
        .iter()
        .any(|r| r.primary_clustered.is_some() || r.notes.contains_key("primary_clustered"));
    let intensity = board.rows.iter().any(|r| r.bits_per_spike.is_some());
    let rows: Vec<Vec<String>> = board
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.rank.to_string(),
                if r.is_baseline {
                    format!("{} (baseline)", r.team)
                } else {
                    r.team.clone()
                },
                r.model.clone(),
                num(r.primary),
                num(r.md_star),
                num(r.gamma_over_r),
            ];
            if paired {
                row.extend([
                    num(r.primary_clustered),
                    num(r.primary_dispersed),
                    num(r.clustering_gap),
                ]);
            }
            if intensity {
                row.push(num(r.bits_per_spike));
            }
            row.extend([
                r.n_submissions.to_string(),
                r.submitted_at.chars().take(19).collect(),
            ]);
            row
        })
        .collect();
    let mut header = vec!["RANK", "TEAM", "MODEL", "PRIMARY", "MD*", "Γ/R"];
    if paired {
        header.extend(["CLUSTERED", "DISPERSED", "GAP"]);
    }
    if intensity {
        header.push("BITS/SPIKE");
    }
    header.extend(["N", "TIME (UTC)"]);
    table(&header, &rows);
    // Undefined values are printed as "-": say why for the columns shown, once per reason,
    // naming the teams it applies to.
    let shown = |key: &str| match key {
        "bits_per_spike" => intensity,
        _ => true,
    };
    let mut reasons: std::collections::BTreeMap<(&str, &str), Vec<&str>> = Default::default();
    for r in &board.rows {
        for (key, reason) in r.notes.iter().filter(|(k, _)| shown(k)) {
            reasons.entry((key, reason)).or_default().push(&r.team);
        }
    }
    for ((key, reason), teams) in reasons {
        let who = if teams.len() == board.rows.len() && teams.len() > 1 {
            "every row".to_string()
        } else {
            teams.join(", ")
        };
        say!("  - {key} ({who}): {reason}");
    }
}
