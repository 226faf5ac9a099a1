//! `arena baselines run`: the built-in baselines on the board of any challenge.
//!
//! An organizer's client does what a contestant's would: it fetches the public data, fits each
//! baseline suited to the challenge on the training trials only, and submits the predictions
//! through the normal `Submit` path, so baselines are scored, stored and audited exactly like
//! contestants. The server files them under team `baseline-<name>`, marked as baselines.
//!
//! The reference, the generating model itself, needs the generator that a simulated challenge
//! keeps on the server: its `Submit` carries no predictions, and the server computes them
//! (`SubmitRequest.baseline`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use arena_challenge::baselines::Baseline;
use arena_challenge::predictions::to_json;
use arena_neuron::rng::derive_seed;
use arena_proto::v1 as pb;
use serde_json::json;

use crate::commands::{fetch, submit};
use crate::connect::Client;
use crate::output::{print_json, say, status_name};

/// Seconds to wait for each baseline's score.
const SCORE_TIMEOUT: Duration = Duration::from_secs(600);

/// What happened to one baseline.
pub enum Outcome {
    /// Submitted and scored.
    Scored(Box<pb::Submission>),
    /// Its fit refused the training data (e.g. a recording whose voltage a model cannot
    /// describe); nothing was submitted. The message names the model and the problem.
    NotFitted(String),
}

/// Fetches `challenge` into `work`, fits every suited baseline and submits it; returns each
/// baseline with its outcome. A baseline whose fit fails is reported and skipped: the others
/// still reach the board. Baseline `b` is seeded by `derive_seed(seed, b.name(), 0)`; the
/// reference is computed by the server with a fresh noise seed.
///
/// The baselines are independent, so every fit starts at once on a blocking thread of its own
/// while the server simulates the reference (asked first): the fits and the server's
/// simulation share the cores. Each submission is sent once its fit is done, in
/// [`Baseline::suited`] order, and `progress` hears of each outcome in that order.
///
/// # Errors
/// When fetching or submitting fails, or a submission is not scored.
pub async fn run(
    client: &mut Client,
    challenge: &str,
    seed: u64,
    work: &Path,
    mut progress: impl FnMut(Baseline, &Outcome),
) -> Result<Vec<(Baseline, Outcome)>> {
    fetch::fetch(client, challenge, work).await?;
    let public = Arc::new(fetch::load(work)?);
    // Every fit starts now; `None` for the reference, which the server computes from the
    // generator it keeps (it comes first in `Baseline::suited`, so the server simulates it
    // while the fits run here).
    let fits: Vec<_> = Baseline::suited(&public.manifest)
        .into_iter()
        .map(|baseline| {
            let fit = (baseline != Baseline::Reference).then(|| {
                let public = Arc::clone(&public);
                tokio::task::spawn_blocking(move || {
                    baseline.predict(&public, derive_seed(seed, baseline.name(), 0))
                })
            });
            (baseline, fit)
        })
        .collect();
    // Submission id, or why the baseline was not fitted.
    let mut sent: Vec<(Baseline, Result<String, String>)> = Vec::new();
    for (baseline, fit) in fits {
        let predictions = match fit {
            None => Vec::new(),
            Some(fit) => match fit.await? {
                Ok(p) => to_json(&p),
                Err(e) => {
                    sent.push((baseline, Err(e.to_string())));
                    continue;
                }
            },
        };
        let submitted = submit::send(
            client,
            challenge,
            baseline.name(),
            predictions,
            None,
            Some(baseline.name()),
        )
        .await?;
        sent.push((baseline, Ok(submitted.submission_id)));
    }
    let mut out = Vec::new();
    for (baseline, submitted) in sent {
        let outcome = match submitted {
            Err(reason) => Outcome::NotFitted(reason),
            Ok(id) => {
                let scored = submit::wait(client, &id, SCORE_TIMEOUT).await?;
                if scored.status != pb::SubmissionStatus::Scored as i32 {
                    bail!(
                        "baseline {}: submission {} {}: {}",
                        baseline.name(),
                        scored.id,
                        status_name(scored.status),
                        scored.error
                    );
                }
                Outcome::Scored(Box::new(scored))
            }
        };
        progress(baseline, &outcome);
        out.push((baseline, outcome));
    }
    Ok(out)
}

/// `arena baselines run CHALLENGE`.
pub async fn run_command(
    client: &mut Client,
    challenge: &str,
    seed: u64,
    as_json: bool,
) -> Result<()> {
    let work = tempfile::tempdir()?;
    let done = run(client, challenge, seed, work.path(), |b, o| {
        if !as_json {
            say!("{}", describe(b, o));
        }
    })
    .await?;
    if as_json {
        let rows: Vec<_> = done
            .iter()
            .map(|(b, o)| {
                let team = format!("baseline-{}", b.name());
                match o {
                    Outcome::Scored(s) => json!({"baseline": b.name(), "team": team,
                        "submission_id": s.id, "status": status_name(s.status)}),
                    Outcome::NotFitted(reason) => json!({"baseline": b.name(), "team": team,
                        "submission_id": null, "status": "not_fitted", "reason": reason}),
                }
            })
            .collect();
        print_json(&json!({ "challenge_id": challenge, "baselines": rows }));
    }
    Ok(())
}

/// One line on what happened to a baseline.
pub fn describe(b: Baseline, o: &Outcome) -> String {
    match o {
        Outcome::Scored(s) => format!(
            "baseline-{}: submission {} scored — {}",
            b.name(),
            s.id,
            b.description()
        ),
        Outcome::NotFitted(reason) => format!("baseline-{}: not submitted: {reason}", b.name()),
    }
}
