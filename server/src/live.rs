//! Live evaluation sessions: the server side of the `Evaluate` stream.
//!
//! One task per session walks the chunk plan: it sends a chunk, waits (with the challenge's
//! deadline) for the answer to that chunk only, checks it, and only then sends the next, so a model
//! never sees stimulus ahead of its answers. The ground truth for the fresh trials is simulated on
//! a blocking thread while the stream runs. The outbound channel is bounded, so a slow client can
//! never make the server buffer without limit; every way a session can end without a score (missed
//! deadline, malformed answer, closed or broken stream) is stored with its reason.

use std::time::Duration;

use arena_challenge::board::named;
use arena_challenge::evaluate::evaluate;
use arena_challenge::families::Manifest;
use arena_challenge::live::{self, Answers, LiveTrial, MAX_REPEATS};
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::trial::Part;
use arena_proto::v1 as pb;
use arena_scoring::{Prediction, ScoringParams, Window, trial_scores, trial_stats};
use rand::RngCore;
use tokio::sync::mpsc;
use tonic::{Status, Streaming};

use crate::auth::Principal;
use crate::clock;
use crate::compute::Compute;
use crate::convert::{self, internal};
use crate::jobs::Record;
use crate::store::{ChallengeRow, NewLive, NewSubmission, Store};

/// Messages the session sends to the client.
pub type Outbound = mpsc::Sender<Result<pb::LiveServerMessage, Status>>;

/// A checked request to start a live evaluation.
pub struct Session {
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

/// Checks the opening message.
///
/// # Errors
/// INVALID_ARGUMENT naming the field.
pub fn check_start(start: &pb::LiveStart) -> Result<(), Status> {
    if start.challenge_id.is_empty() {
        return Err(Status::invalid_argument("start.challenge_id is empty"));
    }
    let name = start.model_name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(Status::invalid_argument(
            "start.model_name must be 1 to 100 characters",
        ));
    }
    if start.repeats == 0 || start.repeats as usize > MAX_REPEATS {
        return Err(Status::invalid_argument(format!(
            "start.repeats is {}; between 1 and {MAX_REPEATS} are accepted",
            start.repeats
        )));
    }
    Ok(())
}

/// Runs one session to its end, storing the outcome.
pub async fn run(
    store: Store,
    compute: Compute,
    session: Session,
    mut inbound: Streaming<pb::LiveClientMessage>,
    out: Outbound,
) {
    let seed = rand::rng().next_u64();
    let mut raw = [0u8; 8];
    rand::rng().fill_bytes(&mut raw);
    let id = format!("live-{}", hex::encode(raw));
    let started = clock::now();
    let record = NewLive {
        id: &id,
        challenge_id: &session.challenge.id,
        token_id: session.who.token_id,
        team: &session.who.name,
        model_name: &session.model_name,
        seed,
        started_at: &started,
    };
    if let Err(e) = store.start_live(&record).await {
        let _ = out.send(Err(internal(e))).await;
        return;
    }
    let outcome = stream_and_score(&store, &compute, &session, &id, seed, &mut inbound, &out).await;
    let result = match outcome {
        Ok(result) => result,
        Err(reason) => {
            tracing::info!(evaluation = %id, team = %session.who.name, %reason, "live evaluation failed");
            if let Err(e) = store.fail_live(&id, &reason, &clock::now()).await {
                tracing::error!(evaluation = %id, "could not record the failure: {e}");
            }
            pb::LiveResult {
                evaluation_id: id.clone(),
                status: "failed".into(),
                reason,
                ..Default::default()
            }
        }
    };
    let deadline = Duration::from_secs_f64(session.manifest.live.answer_deadline_s);
    let _ = send(&out, pb::live_server_message::Msg::Result(result), deadline).await;
}

/// Sends one message; a client that stops reading cannot hold the session (the channel is bounded
/// and the wait for room has the answer deadline).
async fn send(
    out: &Outbound,
    msg: pb::live_server_message::Msg,
    deadline: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(
        deadline,
        out.send(Ok(pb::LiveServerMessage { msg: Some(msg) })),
    )
    .await
    {
        Err(_) => Err(format!(
            "the client read nothing for {} s",
            deadline.as_secs_f64()
        )),
        Ok(Err(_)) => Err("the client disconnected".to_string()),
        Ok(Ok(())) => Ok(()),
    }
}

/// Streams every chunk, collects the answers, scores them; `Err` is the reason for no score.
async fn stream_and_score(
    store: &Store,
    compute: &Compute,
    s: &Session,
    id: &str,
    seed: u64,
    inbound: &mut Streaming<pb::LiveClientMessage>,
    out: &Outbound,
) -> Result<pb::LiveResult, String> {
    let manifest = s.manifest.clone();
    let trials: Vec<LiveTrial> = compute
        .run(move || live::trials(&manifest, seed))
        .await
        .map_err(|e| format!("stimulus generation stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    // The ground truth is simulated while the model answers, one task per trial.
    let mut truths: Vec<_> = trials
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (manifest, trial, compute) = (s.manifest.clone(), t.clone(), compute.clone());
            Some(tokio::spawn(async move {
                compute
                    .run(move || live::ground_truth(&manifest, i, &trial, seed))
                    .await
            }))
        })
        .collect();
    let mut scored_trials = Vec::with_capacity(trials.len());
    let params = ScoringParams::with_delta(s.manifest.scoring.delta_ms / 1000.0);
    let dt = s.manifest.sampling.dt_s;
    let deadline = Duration::from_secs_f64(s.manifest.live.answer_deadline_s);
    send(
        out,
        pb::live_server_message::Msg::Context(pb::LiveContext {
            evaluation_id: id.to_string(),
            challenge_id: s.challenge.id.clone(),
            kind: s.challenge.kind.clone(),
            dt_s: dt,
            chunk_s: s.manifest.live.chunk_s,
            answer_deadline_s: s.manifest.live.answer_deadline_s,
            trials: trials
                .iter()
                .map(|t| pb::LiveTrial {
                    id: t.id.clone(),
                    duration_s: t.duration_s,
                    n_chunks: t.chunks.len() as u32,
                })
                .collect(),
            repeats: s.repeats as u32,
        }),
        deadline,
    )
    .await?;
    let mut answers = Answers::new(s.repeats);
    for trial in &trials {
        for (k, chunk) in trial.chunks.iter().enumerate() {
            send(
                out,
                pb::live_server_message::Msg::Chunk(pb::StimulusChunk {
                    trial_id: trial.id.clone(),
                    index: chunk.index,
                    t_start_s: chunk.start as f64 * dt,
                    duration_s: (chunk.end - chunk.start) as f64 * dt,
                    current_na: trial.stimulus_na[chunk.start..chunk.end].to_vec(),
                    last_in_trial: k + 1 == trial.chunks.len(),
                }),
                deadline,
            )
            .await?;
            let awaited = format!("trial {:?} chunk {}", trial.id, chunk.index);
            let message = match tokio::time::timeout(deadline, inbound.message()).await {
                Err(_) => {
                    return Err(format!(
                        "no answer for {awaited} within the {} s deadline",
                        deadline.as_secs_f64()
                    ));
                }
                Ok(Err(status)) => {
                    return Err(format!(
                        "the stream broke while waiting for {awaited}: {}",
                        status.message()
                    ));
                }
                Ok(Ok(None)) => {
                    return Err(format!(
                        "the client closed the stream before answering {awaited}"
                    ));
                }
                Ok(Ok(Some(m))) => m,
            };
            let a = match message.msg {
                Some(pb::live_client_message::Msg::Answer(a)) => a,
                Some(pb::live_client_message::Msg::Abort(abort)) => {
                    return Err(format!("the client aborted at {awaited}: {}", abort.reason));
                }
                _ => {
                    return Err(format!(
                        "expected the answer for {awaited}, got another message"
                    ));
                }
            };
            let repeats = a.repeats.into_iter().map(|r| r.times_s).collect();
            answers
                .accept(trial, *chunk, dt, (&a.trial_id, a.index), repeats)
                .map_err(|e| format!("malformed answer: {e}"))?;
        }
        // The trial is answered: score it as soon as its ground truth is ready (the running
        // score), without holding up the next chunk.
        let truth = truths[scored_trials.len()]
            .take()
            .expect("one truth per trial");
        let (predicted, out, compute) = (answers.trains(trial), out.clone(), compute.clone());
        scored_trials.push(tokio::spawn(async move {
            let hidden = truth
                .await
                .map_err(|e| format!("the reference simulation stopped: {e}"))?
                .map_err(|e| format!("the reference simulation stopped: {e}"))?
                .map_err(|e| e.to_string())?;
            let (hidden, scores) = compute
                .run(move || {
                    let window = Window::new(0.0, hidden.duration_s).expect("positive duration");
                    let predicted = Prediction::Repeats(predicted);
                    let scores =
                        trial_scores(&trial_stats(&hidden.recorded, &predicted, window, &params));
                    (hidden, scores)
                })
                .await?;
            let update = pb::LiveTrialScore {
                trial_id: hidden.id.clone(),
                scores: convert::metrics(&named(&scores)),
            };
            let _ = send(
                &out,
                pb::live_server_message::Msg::TrialScore(update),
                deadline,
            )
            .await;
            Ok::<_, String>(hidden)
        }));
    }
    let mut hidden = Vec::with_capacity(scored_trials.len());
    for task in scored_trials {
        hidden.push(
            task.await
                .map_err(|e| format!("the running score stopped: {e}"))??,
        );
    }
    let (predictions, bytes) = answers.into_submission(&trials);
    let evaluation = compute
        .run(move || evaluate(&hidden, &predictions, &params))
        .await
        .map_err(|e| format!("the scorer stopped: {e}"))?;
    let record = Record::new(&evaluation, &params, true);
    let sha = sha256_hex(&bytes);
    let submission_id = format!("sub-{}", id.trim_start_matches("live-"));
    let now = clock::now();
    let seeds = serde_json::json!({ "live_seed": seed.to_string(), "stimulus": "derive_seed(live_seed, \"live-stimulus\", i)", "response": "derive_seed(live_seed, \"live-response\", i)" }).to_string();
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
                predictions: &bytes,
                created_at: &now,
            },
            &record.evaluation(&submission_id, &s.challenge, &sha, &seeds),
        )
        .await
        .map_err(|e| format!("storing the result failed: {e}"))?;
    tracing::info!(evaluation = %id, submission = %submission_id, "live evaluation scored");
    Ok(pb::LiveResult {
        evaluation_id: id.to_string(),
        status: "scored".into(),
        reason: String::new(),
        scores: convert::metrics(&evaluation.named(Part::Public)),
        submission_id,
    })
}
