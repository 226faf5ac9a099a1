//! Live evaluation sessions: the server side of the `Evaluate` stream.
//!
//! One task per session walks the chunk plan: it sends a chunk, waits (with the challenge's
//! deadline) for the answer to that chunk only, checks it, and only then sends the next, so a model
//! never sees stimulus ahead of its answers. The ground truth for the fresh trials is simulated on
//! the compute pool while the stream runs. The outbound channel is bounded, so a slow client can
//! never make the server buffer without limit; every way a session can end without a score (missed
//! deadline, malformed answer, closed or broken stream, a failure of the server's) is stored with
//! its reason.
//!
//! The parts, each with one concern:
//! - [`protocol`]: the stream: messages out with a bounded wait for room, one answer in at a
//!   time with the deadline, and how the client can end a session;
//! - [`schedule`]: the chunk plan: the fresh trials, their ground truth simulated beside the
//!   stream, each chunk sent once the one before is answered;
//! - [`score`]: each trial's running score once it is answered, the session's evaluation once
//!   all are;
//! - this module: a session from its start record to its stored outcome.

mod protocol;
mod schedule;
mod score;

use std::time::Duration;

use arena_challenge::audit::Mode;
use arena_challenge::families::Manifest;
use arena_challenge::live::{AnswerError, Answers, seeds_record};
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::trial::Part;
use arena_proto::v1 as pb;
use arena_scoring::ScoringParams;
use rand::RngCore;
use thiserror::Error;
use tonic::Streaming;

use crate::auth::Principal;
use crate::clock;
use crate::compute::Compute;
use crate::convert::{LiveContext, LiveOutcome};
use crate::data;
use crate::error::{ApiError, public_text};
use crate::jobs::Record;
use crate::store::{ChallengeRow, NewSubmission, Store};

pub use protocol::Outbound;
use protocol::{Awaited, Link};
use schedule::Plan;
use score::Scorer;

/// A live evaluation recorded as started (it holds one of the team's daily submissions).
pub struct Session {
    /// Its id, `live-` and 16 hex digits.
    pub id: String,
    /// The fresh seed of its hidden inputs.
    pub seed: u64,
    /// The caller.
    pub who: Principal,
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Its manifest.
    pub manifest: Manifest,
    /// Model label.
    pub model_name: String,
    /// Predicted repeats per chunk.
    pub repeats: usize,
}

/// Why a session ended without a score. Its text is the `reason` the team reads, in the result
/// and in the store: the client's faults say what happened; the server's name only the id of
/// the logged error.
#[derive(Debug, Error)]
pub enum Failure {
    /// No answer within the deadline.
    #[error("no answer for {awaited} within the {deadline_s} s deadline")]
    NoAnswer {
        /// The chunk awaited.
        awaited: Awaited,
        /// The deadline, seconds.
        deadline_s: f64,
    },
    /// The inbound stream failed.
    #[error("the stream broke while waiting for {awaited}: {message}")]
    StreamBroke {
        /// The chunk awaited.
        awaited: Awaited,
        /// The transport's message.
        message: String,
    },
    /// The client closed its stream.
    #[error("the client closed the stream before answering {awaited}")]
    ClosedEarly {
        /// The chunk awaited.
        awaited: Awaited,
    },
    /// The client gave up.
    #[error("the client aborted at {awaited}: {reason}")]
    Aborted {
        /// The chunk awaited.
        awaited: Awaited,
        /// The client's reason.
        reason: String,
    },
    /// A message other than an answer.
    #[error("expected the answer for {awaited}, got another message")]
    Unexpected {
        /// The chunk awaited.
        awaited: Awaited,
    },
    /// An answer the rules refuse.
    #[error("malformed answer: {0}")]
    Malformed(#[from] AnswerError),
    /// The client stopped reading.
    #[error("the client read nothing for {deadline_s} s")]
    NotReading {
        /// The deadline, seconds.
        deadline_s: f64,
    },
    /// The client went away.
    #[error("the client disconnected")]
    Disconnected,
    /// The server's fault.
    #[error(transparent)]
    Server(#[from] ApiError),
}

impl Failure {
    /// Whether the failure is the team's, so that the evaluation keeps its place in the daily
    /// limit; the server's own failures give it back.
    fn is_charged(&self) -> bool {
        !matches!(self, Failure::Server(_))
    }

    /// The reason the team reads (an internal error is logged here, once).
    fn into_reason(self) -> String {
        match self {
            Failure::Server(e) => e.into_public().1,
            client => public_text(&client.to_string()),
        }
    }
}

/// A fresh evaluation id.
pub fn new_id() -> String {
    let mut raw = [0u8; 8];
    rand::rng().fill_bytes(&mut raw);
    format!("live-{}", hex::encode(raw))
}

/// Runs one started session to its end, storing the outcome.
pub async fn run(
    store: Store,
    compute: Compute,
    session: Session,
    inbound: Streaming<pb::LiveClientMessage>,
    out: Outbound,
) {
    // The manifest check bounds the deadline (`live.answer_deadline_s` ≤ 600 s).
    let deadline = Duration::from_secs_f64(session.manifest.live.answer_deadline_s);
    let mut link = Link::new(inbound, out, deadline);
    let (id, seed) = (session.id.as_str(), session.seed);
    let outcome = match evaluate(&store, &compute, &session, id, seed, &mut link).await {
        Ok(outcome) => outcome,
        Err(failure) => {
            let charged = failure.is_charged();
            let reason = failure.into_reason();
            tracing::info!(evaluation = %id, team = %session.who.name, %reason, charged, "live evaluation failed");
            if let Err(e) = store.fail_live(id, &reason, charged, &clock::now()).await {
                tracing::error!(evaluation = %id, "could not record the failure: {e}");
            }
            LiveOutcome::Failed {
                evaluation_id: id.to_string(),
                reason,
            }
        }
    };
    let _ = link.sender().send(outcome).await;
}

/// Streams every chunk, collects the answers, scores them and stores the result.
async fn evaluate(
    store: &Store,
    compute: &Compute,
    s: &Session,
    id: &str,
    seed: u64,
    link: &mut Link,
) -> Result<LiveOutcome, Failure> {
    let source = data::live_source(store, compute, &s.challenge, s.manifest.clone()).await?;
    let synapses = source.synapses();
    let mut plan = Plan::generate(compute, source, seed).await?;
    let dt_s = s.manifest.sampling.dt_s;
    link.sender()
        .send(LiveContext {
            evaluation_id: id,
            challenge: &s.challenge,
            dt_s,
            chunk_s: s.manifest.live.chunk_s,
            answer_deadline_s: s.manifest.live.answer_deadline_s,
            trials: plan.trials(),
            repeats: s.repeats,
            synapses,
        })
        .await?;
    let scorer = Scorer {
        compute: compute.clone(),
        params: ScoringParams::with_delta(s.manifest.scoring.delta_ms / 1000.0),
    };
    let mut answers = Answers::new(s.repeats);
    let hidden = plan.walk(link, &mut answers, dt_s, &scorer).await?;
    let (predictions, bytes) = answers.into_submission(plan.trials());
    let (evaluation, intervals) = scorer.session(hidden, predictions).await?;
    let record = Record::new(&evaluation, &intervals, &scorer.params, Mode::Live);
    let submission_id = store_scored(store, s, id, seed, &record, &bytes).await?;
    tracing::info!(evaluation = %id, submission = %submission_id, "live evaluation scored");
    Ok(LiveOutcome::Scored {
        evaluation_id: id.to_string(),
        submission_id,
        scores: evaluation.named(Part::Public, Some(&intervals.public)),
    })
}

/// Stores a scored session as a live submission with its evaluation and the seeds that
/// regenerate its trials (a rescore needs them); returns the submission's id.
async fn store_scored(
    store: &Store,
    s: &Session,
    id: &str,
    seed: u64,
    record: &Record,
    bytes: &[u8],
) -> Result<String, ApiError> {
    let sha = sha256_hex(bytes);
    let submission_id = format!("sub-{}", id.trim_start_matches("live-"));
    let now = clock::now();
    let seeds = seeds_record(seed).to_string();
    store
        .finish_live(
            id,
            &NewSubmission {
                id: &submission_id,
                challenge_id: &s.challenge.id,
                token_id: s.who.token_id,
                team: &s.who.name,
                model_name: &s.model_name,
                is_baseline: s.who.is_baseline,
                idempotency_key: None,
                sha256: &sha,
                predictions: bytes,
                created_at: &now,
            },
            &record.evaluation(&submission_id, &s.challenge, &sha, &seeds),
        )
        .await?;
    Ok(submission_id)
}
