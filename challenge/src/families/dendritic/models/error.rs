//! The fit's error type. Why its own enum: the dendritic fits add failures the point fits do not
//! have (several trials, a synapse table, a regression column to name), while the failures they
//! share with the point fits (the escape-rate likelihood, unphysical values) come from
//! `arena_neuron::point` and are wrapped unchanged, so one message serves both.

use arena_neuron::point::FitError;
use arena_neuron::stimulus::InvalidValue;
use thiserror::Error;

/// Why a dendritic baseline could not be fitted or run; each message names the problem.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DendriticFitError {
    /// An input or option is out of range (the field is named).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A structural problem with the inputs (lengths, ids), naming the field.
    #[error("{field}: {problem}")]
    Mismatch {
        /// The field, e.g. `trials[2].voltage_mv[0]`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// No training trial carries a voltage recording.
    #[error("training data: no trial with a recorded voltage repeat; nothing to fit on")]
    NoTrainingData,
    /// The training repeats hold no spike, so no threshold can be fitted.
    #[error("training data: no recorded spike in any repeat; the spike threshold cannot be fitted")]
    NoSpikes,
    /// The voltage regression's normal equations are singular.
    #[error("{stage}: the regression is singular ({why})")]
    Singular {
        /// The fitting stage.
        stage: &'static str,
        /// Why, e.g. which columns are collinear.
        why: String,
    },
    /// A failure shared with the point fits (the escape-rate likelihood: too few spikes, a
    /// singular Hessian, no convergence; an unphysical fitted value), naming the stage or field.
    #[error(transparent)]
    Fit(#[from] FitError),
}
