//! The scoring queue's workers.
//!
//! Scoring never runs on the request path: `Submit` stores the file and a job in one transaction and
//! returns; a worker claims the job, scores it on a blocking thread (off the async runtime) and
//! stores the evaluation, the status change and the job's end in one transaction. A server stopped
//! mid-job leaves the job `running`; the next start puts it back in the queue, so nothing acknowledged
//! is ever lost.
//!
//! A job scores a submission under the current metric definitions ([`METRICS_VERSION`]). After
//! a change of definitions every stored submission gets one more job at start
//! ([`Store::enqueue_rescore`]); the new evaluation is stored beside the old ones. A live
//! evaluation is rescored on trials regenerated from its stored seed.

use std::sync::Arc;
use std::time::Duration;

use arena_challenge::audit::{Mode, StoredScores};
use arena_challenge::board::NamedMetric;
use arena_challenge::evaluate::{Evaluation, Intervals, score_file};
use arena_challenge::families::Manifest;
use arena_challenge::live::seed_of;
use arena_challenge::predictions::{Limits, PredictionError};
use arena_challenge_core::hidden::HiddenTrial;
use arena_scoring::{METRICS_VERSION, ScoringParams};
use thiserror::Error;
use tokio::sync::{Notify, watch};

use crate::clock;
use crate::compute::Compute;
use crate::data;
use crate::error::{ApiError, public_text};
use crate::store::{ChallengeRow, NewEvaluation, Store, StoreError, SubmissionRow};

/// Version of the scoring library that produced an evaluation.
pub const SCORING_LIBRARY_VERSION: &str = concat!("arena-scoring ", env!("CARGO_PKG_VERSION"));

/// Works through the queue until `shutdown` turns true.
pub async fn run_worker(
    store: Store,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
    limits: Limits,
    compute: Compute,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        match store.claim_job(&clock::now()).await {
            Ok(Some((job_id, submission_id))) => {
                let outcome = tokio::select! {
                    outcome = score(&store, job_id, &submission_id, limits, &compute) => outcome,
                    _ = shutdown.changed() => return,
                };
                if let Err(e) = outcome {
                    let reason = e.into_reason();
                    tracing::warn!(submission = %submission_id, %reason, "scoring failed");
                    if let Err(e) = store.fail_job(job_id, &submission_id, &reason).await {
                        tracing::error!(submission = %submission_id, "could not record the failure: {e}");
                    }
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = notify.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!("claiming a job failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Why a job stored no evaluation. Its text becomes the submission's `error`, which the team
/// reads: a predictions file that fails the checks at scoring time is the team's to fix and
/// keeps its message; anything else is the server's and names only a logged error id.
#[derive(Debug, Error)]
enum JobError {
    /// The stored file fails the checks against the hidden trials.
    #[error(transparent)]
    Predictions(#[from] PredictionError),
    /// The server's fault.
    #[error(transparent)]
    Server(#[from] ApiError),
}

impl JobError {
    /// The reason the team reads (an internal error is logged here, once).
    fn into_reason(self) -> String {
        match self {
            JobError::Predictions(e) => public_text(&e.to_string()),
            JobError::Server(e) => e.into_public().1,
        }
    }
}

/// Scores one submission and stores the evaluation.
async fn score(
    store: &Store,
    job_id: i64,
    submission_id: &str,
    limits: Limits,
    compute: &Compute,
) -> Result<(), JobError> {
    let (submission, challenge, bytes) = load(store, submission_id).await?;
    let manifest = challenge.manifest().map_err(ApiError::from)?;
    let params = ScoringParams::with_delta(manifest.scoring.delta_ms / 1000.0);
    let dt_s = manifest.sampling.dt_s;
    let mode = submission.mode.audit();
    let (hidden, seeds_json) = if mode == Mode::Live {
        live_trials(store, compute, submission_id, &challenge, manifest).await?
    } else {
        (
            data::hidden_trials(store, &challenge).await?,
            "{}".to_string(),
        )
    };
    let (evaluation, intervals) = compute
        .run(move || {
            score_file(&bytes, &hidden, dt_s, &params, &limits).map(|e| {
                let intervals = e.intervals();
                (e, intervals)
            })
        })
        .await
        .map_err(ApiError::from)??;
    let record = Record::new(&evaluation, &intervals, &params, mode);
    store
        .finish_job(
            job_id,
            &record.evaluation(submission_id, &challenge, &submission.sha256, &seeds_json),
        )
        .await
        .map_err(ApiError::from)?;
    tracing::info!(submission = %submission_id, "scored");
    Ok(())
}

/// A queued submission, its challenge and its predictions file.
async fn load(
    store: &Store,
    submission_id: &str,
) -> Result<(SubmissionRow, ChallengeRow, Vec<u8>), ApiError> {
    let vanished =
        |what: &str| StoreError::Vanished(format!("{what} of submission {submission_id:?}"));
    let submission = store
        .submission(submission_id)
        .await?
        .ok_or_else(|| vanished("the row"))?;
    let challenge = store
        .challenge(&submission.challenge_id)
        .await?
        .ok_or_else(|| vanished("the challenge"))?;
    let bytes = store
        .predictions(submission_id)
        .await?
        .ok_or_else(|| vanished("the predictions"))?;
    Ok((submission, challenge, bytes))
}

/// A live evaluation's hidden trials, regenerated from the seed in its first audit record, and
/// that record's seeds.
pub(crate) async fn live_trials(
    store: &Store,
    compute: &Compute,
    submission_id: &str,
    challenge: &ChallengeRow,
    manifest: Manifest,
) -> Result<(Vec<HiddenTrial>, String), ApiError> {
    let seeds_json = store
        .latest_evaluation(submission_id)
        .await?
        .ok_or_else(|| {
            StoreError::Vanished(format!(
                "the first evaluation of live submission {submission_id:?}"
            ))
        })?
        .seeds_json;
    let seed = live_seed(&seeds_json)?;
    let source = data::live_source(store, compute, challenge, manifest).await?;
    let hidden = compute
        .run(move || source.hidden_trials(seed))
        .await?
        .map_err(ApiError::server_data("regenerating the live trials"))?;
    Ok((hidden, seeds_json))
}

/// The fresh hidden seed of a live evaluation, from its audit record's seeds.
fn live_seed(seeds_json: &str) -> Result<u64, StoreError> {
    serde_json::from_str(seeds_json)
        .ok()
        .as_ref()
        .and_then(seed_of)
        .ok_or_else(|| {
            StoreError::unreadable(
                "live evaluation seeds",
                format!("{seeds_json:?} hold no live_seed"),
            )
        })
}

/// An evaluation in the form the store keeps it, shared by queued and live scoring.
pub(crate) struct Record {
    /// Named public scores, JSON.
    pub public_json: String,
    private_json: String,
    params_json: String,
    trials: Vec<(String, String)>,
    created_at: String,
}

impl Record {
    /// Serialises an evaluation, its primaries' intervals and its parameters as the store
    /// keeps them ([`StoredScores::of`], which an audit recomputes too).
    pub fn new(
        evaluation: &Evaluation,
        intervals: &Intervals,
        params: &ScoringParams,
        mode: Mode,
    ) -> Record {
        let scores = StoredScores::of(evaluation, intervals, mode);
        let json = |list: &[NamedMetric]| serde_json::to_string(list).expect("scores serialise");
        Record {
            public_json: json(&scores.public),
            private_json: json(scores.private.as_deref().unwrap_or_default()),
            params_json: serde_json::to_string(params).expect("parameters serialise"),
            trials: scores
                .trials
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.trial_id, json(&t.scores)))
                .collect(),
            created_at: clock::now(),
        }
    }

    /// The row to store for `submission_id`, with its audit fields.
    pub fn evaluation<'a>(
        &'a self,
        submission_id: &'a str,
        challenge: &'a ChallengeRow,
        submission_sha256: &'a str,
        seeds_json: &'a str,
    ) -> NewEvaluation<'a> {
        NewEvaluation {
            submission_id,
            metrics_version: METRICS_VERSION,
            scoring_library_version: SCORING_LIBRARY_VERSION,
            params_json: &self.params_json,
            dataset_hash: &challenge.dataset_hash,
            public_dataset_hash: &challenge.public_dataset_hash,
            trials_hash: &challenge.trials_hash,
            challenge_version: challenge.version,
            submission_sha256,
            public_scores_json: &self.public_json,
            private_scores_json: &self.private_json,
            created_at: &self.created_at,
            seeds_json,
            trials: self.trials.clone(),
        }
    }
}
