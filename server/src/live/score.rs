//! Scoring a live session: each trial once it is answered and its ground truth is simulated (the
//! running score, sent to the client as it comes), and the whole session once every trial is in.

use arena_challenge::board::named;
use arena_challenge::evaluate::{Evaluation, Intervals, evaluate};
use arena_challenge::predictions::Predictions;
use arena_challenge_core::hidden::HiddenTrial;
use arena_scoring::{Prediction, ScoringParams, SpikeTrain, Window, trial_scores, trial_stats};

use super::protocol::Sender;
use super::schedule::Truth;
use crate::compute::{Compute, ComputeError};
use crate::convert::TrialScore;
use crate::error::ApiError;

/// Scores on the compute pool with the challenge's parameters.
#[derive(Clone)]
pub struct Scorer {
    /// The pool.
    pub compute: Compute,
    /// Metric parameters.
    pub params: ScoringParams,
}

impl Scorer {
    /// Scores one answered trial once its ground truth is ready, sends the running score, and
    /// returns the ground truth for the session's evaluation.
    ///
    /// # Errors
    /// Internal errors only (the simulation or the scorer stopped).
    pub async fn trial(
        self,
        truth: Truth,
        predicted: Vec<SpikeTrain>,
        sender: Sender,
    ) -> Result<HiddenTrial, ApiError> {
        let hidden = truth
            .await
            .map_err(ComputeError::from)??
            .map_err(ApiError::server_data("simulating the live ground truth"))?;
        let params = self.params;
        let (hidden, scores) = self
            .compute
            .run(move || {
                let window = Window::new(0.0, hidden.duration_s).expect("positive duration");
                let predicted = Prediction::Repeats(predicted);
                let scores =
                    trial_scores(&trial_stats(&hidden.recorded, &predicted, window, &params));
                (hidden, scores)
            })
            .await?;
        // The running score is a courtesy: if the client stopped reading, the session's next
        // send says so.
        let _ = sender
            .send(TrialScore {
                trial_id: hidden.id.clone(),
                scores: named(&scores),
            })
            .await;
        Ok(hidden)
    }

    /// The session's evaluation over every trial.
    ///
    /// # Errors
    /// Internal errors only (the scorer stopped).
    pub async fn session(
        &self,
        hidden: Vec<HiddenTrial>,
        predictions: Predictions,
    ) -> Result<(Evaluation, Intervals), ApiError> {
        let params = self.params;
        Ok(self
            .compute
            .run(move || {
                let e = evaluate(&hidden, &predictions, &params);
                let intervals = e.intervals();
                (e, intervals)
            })
            .await?)
    }
}
