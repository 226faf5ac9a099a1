//! The scoring policy of a challenge: which trials count for which board, and how one submission
//! becomes the numbers stored in its audit record.
//!
//! Metrics themselves live in `arena-scoring`; this module only decides what is compared with what.
//! Each test trial is scored on its own window [0, duration) against all of its hidden repeats, and
//! the board score of each part (public, private) pools the additive statistics of its trials, so
//! a long trial weighs more than a short one, as it should.

use arena_scoring::{
    CoreScores, ScoringParams, SpikeTrain, TrialStats, Window, pooled_scores, trial_scores,
    trial_stats,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::npy;
use crate::predictions::{self, Limits, PredictionError, Predictions, TrialShape};
use crate::trial::Part;

/// A test trial with its hidden recorded (or simulated) responses.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenTrial {
    /// Trial id.
    pub id: String,
    /// Leaderboard part.
    pub part: Part,
    /// Duration, seconds.
    pub duration_s: f64,
    /// The hidden repeats.
    pub recorded: Vec<SpikeTrain>,
}

/// Scores of one trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialEvaluation {
    /// Trial id.
    pub trial_id: String,
    /// Leaderboard part.
    pub part: Part,
    /// The trial's own scores.
    pub scores: CoreScores,
}

/// Everything one scoring of a submission produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Pooled over the public test trials.
    pub public: CoreScores,
    /// Pooled over the private test trials.
    pub private: CoreScores,
    /// Per trial, in challenge order.
    pub trials: Vec<TrialEvaluation>,
}

/// Why stored hidden data could not be used.
#[derive(Debug, Error)]
pub enum HiddenDataError {
    /// The stored `.npy` is unreadable.
    #[error("hidden responses of trial {trial}: {source}")]
    Npy {
        /// Trial id.
        trial: String,
        /// The decoding error.
        source: npy::NpyError,
    },
    /// A stored spike train is not a valid spike train.
    #[error("hidden responses of trial {trial}: {problem}")]
    Train {
        /// Trial id.
        trial: String,
        /// What is wrong.
        problem: String,
    },
}

impl HiddenTrial {
    /// Builds a hidden trial from its stored spikes file (NaN-padded `.npy`, see [`npy::encode_ragged`]).
    ///
    /// # Errors
    /// [`HiddenDataError`] if the stored bytes are not valid spike trains.
    pub fn from_npy(
        id: &str,
        part: Part,
        duration_s: f64,
        spikes_npy: &[u8],
    ) -> Result<HiddenTrial, HiddenDataError> {
        let rows = npy::decode_ragged(spikes_npy).map_err(|source| HiddenDataError::Npy {
            trial: id.to_string(),
            source,
        })?;
        let recorded = rows
            .into_iter()
            .map(SpikeTrain::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| HiddenDataError::Train {
                trial: id.to_string(),
                problem: e.to_string(),
            })?;
        Ok(HiddenTrial {
            id: id.to_string(),
            part,
            duration_s,
            recorded,
        })
    }
}

/// The whole path of a submission: the predictions file checked by [`predictions::parse`] against
/// the hidden trials' ids and durations, then scored by [`evaluate`]. The scoring queue, the
/// gauntlet and audits all call this one function.
///
/// # Errors
/// The [`PredictionError`] of a refused file.
pub fn score_file(
    bytes: &[u8],
    trials: &[HiddenTrial],
    params: &ScoringParams,
    limits: &Limits,
) -> Result<Evaluation, PredictionError> {
    let shapes: Vec<TrialShape> = trials
        .iter()
        .map(|t| TrialShape {
            id: t.id.clone(),
            duration_s: t.duration_s,
        })
        .collect();
    let predictions = predictions::parse(bytes, &shapes, limits)?;
    Ok(evaluate(trials, &predictions, params))
}

/// Scores validated predictions against the hidden trials.
///
/// `predictions` must come from [`crate::predictions::parse`] with the same trials, so every hidden
/// trial has at least one predicted repeat.
///
/// # Panics
/// If a hidden trial has no predictions (a caller bug: parsing guarantees it).
pub fn evaluate(
    trials: &[HiddenTrial],
    predictions: &Predictions,
    params: &ScoringParams,
) -> Evaluation {
    let mut per_trial = Vec::with_capacity(trials.len());
    let mut stats_by_part: [Vec<TrialStats>; 2] = [Vec::new(), Vec::new()];
    for trial in trials {
        let predicted = &predictions.trials[&trial.id];
        let window = Window::new(0.0, trial.duration_s).expect("stored durations are positive");
        let stats = trial_stats(&trial.recorded, predicted, window, params);
        per_trial.push(TrialEvaluation {
            trial_id: trial.id.clone(),
            part: trial.part,
            scores: trial_scores(&stats),
        });
        stats_by_part[part_index(trial.part)].push(stats);
    }
    let [public, private] = stats_by_part;
    Evaluation {
        public: pooled_scores(&public),
        private: pooled_scores(&private),
        trials: per_trial,
    }
}

fn part_index(part: Part) -> usize {
    match part {
        Part::Public => 0,
        Part::Private => 1,
    }
}
