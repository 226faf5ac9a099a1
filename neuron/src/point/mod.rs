//! Point neuron models: the stochastic ground-truth neuron of the injected-current demo
//! ([`adex`], with intrinsic OU noise), the four injected-current baselines of issue 5, each as
//! `fit_*` (training data only) + `simulate_*` — leaky integrate-and-fire ([`lif`]), adaptive
//! exponential IF ([`adex_fit`]), the multi-timescale adaptive threshold model ([`mat`],
//! [`mat_fit`]) and the generalized IF with escape noise and its dorsal-raphe variants (GIF-K,
//! aGIF, iGIF; [`gif`], [`gif_fit`]) — and Poisson
//! trains for null models ([`poisson`]); and active electrode compensation of recordings
//! before a fit ([`aec`]).
//!
//! Every `fit_*` takes the same training data: the injected current (nA), the recorded voltage
//! at the same samples (mV), the recorded spike times (s) and dt (s); every `simulate_*` takes
//! parameters, a current and dt (and a seed for the stochastic AdEx and GIF) and returns a
//! [`PointResponse`].
//!
//! Why the resetting models share one integrator (`integrate`): LIF, AdEx and GIF are
//! "membrane equation + spike rule + reset + refractory clamp", and subtle differences in how a
//! spike time is placed inside a step or how refractoriness ends would make fitted baselines
//! disagree with the data for reasons that have nothing to do with the model. All models are
//! integrated by forward Euler at the sampling step dt, which is also the discretisation the
//! regression-based fits invert, so a model fitted to its own simulated response recovers its
//! parameters without discretisation bias. (MAT never resets V and has its own short loop.)
//!
//! The fits share their numerics with each other and with the dendritic baselines of
//! `arena-challenge`: least squares and Cholesky solves in [`linalg`], the escape-rate
//! likelihood and its free steps in [`escape`].
//!
//! Units: time in the public API in seconds (dt, spike times), internally in ms inside the
//! membrane equation (pF·mV/ms = pA, nS·mV = pA); currents in nA at the API, pA inside; voltage
//! in mV.

pub mod adex;
pub mod adex_fit;
pub mod aec;
pub mod escape;
pub mod gif;
pub mod gif_fit;
mod integrate;
pub mod lif;
pub mod linalg;
pub mod mat;
pub mod mat_fit;
mod optimize;
pub mod poisson;
mod training;

pub use adex::{AdExParams, simulate_adex};
pub use adex_fit::fit_adex;
pub use aec::{AecError, AecEstimate, AecOptions, ElectrodeKernel, compensate, estimate_electrode};
pub use gif::{
    ACurrent, Boltzmann, GatedCurrent, GifParams, KCurrent, ThresholdCoupling, simulate_gif,
};
pub use gif_fit::{fit_agif, fit_gif, fit_gif_k, fit_igif};
pub use lif::{LifParams, fit_lif, simulate_lif};
pub use mat::{MatParams, simulate_mat};
pub use mat_fit::fit_mat;
pub use poisson::poisson_train;

use crate::stimulus::{InvalidValue, Requirement};

/// The response of a point model to an injected current.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PointResponse {
    /// Membrane potential V(t_i) at t_i = i·dt, mV; same length as the current. A sample taken
    /// just after a spike shows the reset value: spikes are not drawn into the trace (the
    /// spike times are the authority).
    pub voltage_mv: Vec<f64>,
    /// Spike times, s from the start of the current, strictly increasing; each one linearly
    /// interpolated inside the step where V crossed the spike threshold (deterministic models)
    /// or at the middle of the free part of the step where an escape-noise spike occurred.
    pub spikes_s: Vec<f64>,
}

/// Errors from simulating a model; each names the offending field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A numeric parameter or input is out of range (for currents the field is
    /// `current_na[index]`).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A spike-triggered kernel, or the binned θ_∞ of an iGIF, is malformed.
    #[error("{field}: {problem}")]
    Kernel {
        /// The field, e.g. `kernel_edges_ms`, `eta_pa` or `threshold_coupling.v_edges_mv`.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The reset potential would immediately trigger another spike.
    #[error("v_reset_mv ({v_reset_mv} mV) must be below {threshold_field} ({threshold_mv} mV)")]
    ResetNotBelowThreshold {
        /// The reset potential, mV.
        v_reset_mv: f64,
        /// Name of the threshold field (`v_th_mv` or `v_peak_mv`).
        threshold_field: &'static str,
        /// The threshold, mV.
        threshold_mv: f64,
    },
}

/// Errors from fitting a model to training data; each names the input or quantity at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// A numeric input is out of range (`dt_s`, `current_na[i]`, `voltage_mv[i]`, `spikes_s[i]`).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// Current and voltage traces differ in length.
    #[error("current_na has {current} samples but voltage_mv has {voltage}")]
    LengthMismatch {
        /// Samples in the current.
        current: usize,
        /// Samples in the voltage.
        voltage: usize,
    },
    /// Spike times are not strictly increasing inside the recording.
    #[error("spikes_s[{index}] = {time_s} s is {problem}")]
    BadSpike {
        /// Position in `spikes_s`.
        index: usize,
        /// The offending time, s.
        time_s: f64,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Too little usable data for a fitting stage.
    #[error("{stage}: needs at least {needed} {unit}, the training data give {got}")]
    TooLittleData {
        /// The fitting stage, e.g. `subthreshold regression`.
        stage: &'static str,
        /// What is counted (`samples`, `spikes`).
        unit: &'static str,
        /// Minimum required.
        needed: usize,
        /// Available.
        got: usize,
    },
    /// A regression's normal equations were singular (e.g. a constant current).
    #[error("{stage}: the regression is singular (the training data do not vary enough)")]
    Singular {
        /// The fitting stage.
        stage: &'static str,
    },
    /// A fitted parameter came out physically impossible.
    #[error("fitted {field} = {value} is not physical: {why}")]
    Unphysical {
        /// The parameter, e.g. `c_pf`.
        field: &'static str,
        /// Its fitted value.
        value: f64,
        /// Why it is rejected.
        why: &'static str,
    },
    /// An iterative fitting stage did not converge.
    #[error("{stage}: did not converge in {steps} steps")]
    NotConverged {
        /// The fitting stage.
        stage: &'static str,
        /// The iteration budget.
        steps: usize,
    },
    /// The spike count of the training data cannot be reproduced by any threshold.
    #[error("no threshold reproduces the {target} training spikes ({why})")]
    NoThreshold {
        /// The training spike count.
        target: usize,
        /// Why the search failed.
        why: &'static str,
    },
}

/// Checks a model parameter against its requirement, naming the field.
fn param(field: &str, requirement: Requirement, value: f64) -> Result<f64, ModelError> {
    Ok(InvalidValue::check(field, requirement, value)?)
}

/// Checks the step and the current shared by every simulator: dt > 0 and all samples finite.
fn check_input(current_na: &[f64], dt_s: f64) -> Result<(), ModelError> {
    param("dt_s", Requirement::Positive, dt_s)?;
    InvalidValue::check_all_finite("current_na", current_na)?;
    Ok(())
}
