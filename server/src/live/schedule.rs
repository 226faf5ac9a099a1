//! The chunk plan of one session: fresh trials from a fresh seed, their ground truth simulated
//! on the compute pool while the stream runs (one task per trial, started at once), and the walk
//! that sends each chunk only after the one before is answered. Every task is [`Scoped`]: when
//! the session ends early (the client left, broke a rule or missed a deadline), the plan is
//! dropped and the simulations and scorings still queued for it never run.

use std::sync::Arc;

use arena_challenge::live::{Answers, LiveSource, LiveTrial};
use arena_challenge_core::generated::GenerateError;
use arena_challenge_core::hidden::HiddenTrial;

use super::Failure;
use super::protocol::{Awaited, Link};
use super::score::Scorer;
use crate::compute::{Compute, ComputeError, Scoped};
use crate::convert::StimulusChunk;
use crate::error::ApiError;

/// A trial's ground truth being simulated.
pub type Truth = Scoped<Result<Result<HiddenTrial, GenerateError>, ComputeError>>;

/// The trials of a session and their ground truth in the making.
pub struct Plan {
    trials: Vec<LiveTrial>,
    truths: Vec<Truth>,
}

impl Plan {
    /// Generates the session's trials from `seed` and starts simulating their ground truth.
    ///
    /// # Errors
    /// Internal errors only, the challenge's and not the team's: the manifest generated trials
    /// when the challenge was created, and a fresh draw that breaks a live budget
    /// ([`arena_challenge::live::MAX_EVENTS_PER_CHUNK`]) is refused before anything is sent.
    pub async fn generate(
        compute: &Compute,
        source: Arc<LiveSource>,
        seed: u64,
    ) -> Result<Plan, ApiError> {
        let stimuli = source.clone();
        let trials = compute
            .run(move || stimuli.trials(seed))
            .await?
            .map_err(ApiError::server_data("generating the live stimuli"))?;
        let truths = trials
            .iter()
            .map(|t| {
                let (source, trial, compute) = (source.clone(), t.clone(), compute.clone());
                Scoped::spawn(async move {
                    compute.run(move || source.ground_truth(&trial, seed)).await
                })
            })
            .collect();
        Ok(Plan { trials, truths })
    }

    /// The session's trials.
    pub fn trials(&self) -> &[LiveTrial] {
        &self.trials
    }

    /// Sends every chunk and takes its answer into `answers`; each answered trial is handed to
    /// `scorer` without holding up the next chunk. Returns the hidden trials, in order, once
    /// every one is scored.
    ///
    /// # Errors
    /// The first [`Failure`] of the stream, the answers or the scoring.
    pub async fn walk(
        &mut self,
        link: &mut Link,
        answers: &mut Answers,
        dt_s: f64,
        scorer: &Scorer,
    ) -> Result<Vec<HiddenTrial>, Failure> {
        let mut scoring = Vec::with_capacity(self.trials.len());
        for (trial, truth) in self.trials.iter().zip(self.truths.drain(..)) {
            for &chunk in &trial.chunks {
                link.sender()
                    .send(StimulusChunk { trial, chunk, dt_s })
                    .await?;
                let a = link.answer(Awaited::of(trial, chunk)).await?;
                answers.accept(trial, chunk, dt_s, (&a.trial_id, a.index), a.repeats)?;
            }
            let task = scorer
                .clone()
                .trial(truth, answers.trains(trial), link.sender().clone());
            scoring.push(Scoped::spawn(task));
        }
        let mut hidden = Vec::with_capacity(scoring.len());
        for task in scoring {
            hidden.push(
                task.await
                    .map_err(|e| ApiError::from(ComputeError::from(e)))??,
            );
        }
        Ok(hidden)
    }
}
