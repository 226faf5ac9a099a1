//! # arena-scoring
//!
//! Spike-train similarity metrics and the Spike Arena primary score. Pure, synchronous, no
//! I/O: auditors can depend on this crate alone and recompute any stored score bit for bit.
//!
//! Units everywhere: spike times in **seconds** from trial start, rates in Hz, Δ in seconds.
//!
//! * [`train`]: validated [`SpikeTrain`]s and observation [`Window`]s.
//! * [`metric`]: [`Metric`] = a value or the reason it is [`Undefined`].
//! * [`coincidence`]: Kistler's coincidence factor Γ and the intrinsic reliability R.
//! * [`kernel`]: the positive-definite triangle kernel of the PSTH products (and the INCF box,
//!   for comparison), with the closed forms of the constant-rate null.
//! * [`prediction`]: what a submission predicts for a trial (repeats or an intensity) and the
//!   PSTH that every ranked score sees of it.
//! * [`naud`]: Md* and relatives with unbiased recorded-side estimators (Naud et al. 2011).
//! * [`primary`]: the chance- and ceiling-normalised primary score, per trial and pooled, with
//!   its properties and their proofs.
//! * [`victor_purpura`], [`van_rossum`], [`kreuz`] (ISI, SPIKE, SPIKE-sync), [`psth`]
//!   (Schreiber, explained variance, rate errors): the rest of the suite.
//! * [`probabilistic`] (intensity predictions: bits per spike, ROC) and [`voltage`]
//!   (subthreshold RMSE and explained variance).
//! * [`bootstrap`]: seeded percentile intervals over trials and over repeats.
//! * [`report`]: every key of `arena score --json` in one call ([`full_report`]).
//!
//! # Example
//! ```
//! use arena_scoring::{Prediction, ScoringParams, SpikeTrain, Window, pooled_scores, trial_stats};
//!
//! let window = Window::new(0.0, 1.0)?;
//! // Four recorded repeats of one trial and one deterministic predicted train.
//! let recorded: Vec<SpikeTrain> = [0.000, 0.001, 0.002, 0.003]
//!     .iter()
//!     .map(|j| SpikeTrain::new(vec![0.1 + j, 0.4, 0.7 - j]))
//!     .collect::<Result<_, _>>()?;
//! let predicted = Prediction::Repeats(vec![SpikeTrain::new(vec![0.101, 0.4, 0.699])?]);
//! let stats = trial_stats(&recorded, &predicted, window, &ScoringParams::default());
//! let scores = pooled_scores(&[stats]);
//! let md = scores.md_star.expect("defined here");
//! assert!(md > 0.9 && md <= 1.0);
//! // Undefined scores carry their reason: two recorded repeats cannot give a ceiling.
//! let two = trial_stats(&recorded[..2], &predicted, window, &ScoringParams::default());
//! let reason = pooled_scores(&[two]).primary.unwrap_err().reason;
//! assert!(reason.contains("at least 4 recorded repeats"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod bootstrap;
pub mod coincidence;
mod gauss;
pub mod kernel;
pub mod kreuz;
pub mod metric;
pub mod naud;
pub mod prediction;
pub mod primary;
pub mod probabilistic;
pub mod psth;
pub mod report;
mod resample;
pub mod train;
pub mod van_rossum;
pub mod victor_purpura;
pub mod voltage;

pub use coincidence::{count_coincidences, gamma, intrinsic_reliability, mean_gamma};
pub use kernel::Kernel;
pub use metric::{Metric, Undefined};
pub use prediction::{Prediction, Psth};
pub use primary::{
    CoreScores, ScoringParams, SplitStats, TrialStats, pooled_scores, trial_scores, trial_stats,
};
pub use report::{FullReport, Selection, SuiteParams, full_report, report_of};
pub use train::{SpikeTrain, TrainError, Window};

/// Names the metric definitions; bumped on any change that can alter a reported value.
///
/// * `core-1`: Md* with the INCF box kernel and an unbiased model norm for K ≥ 2 predicted
///   repeats (gameable by dependent repeats).
/// * `core-2`: the triangle kernel and the norm of the predicted PSTH ([`primary`] lists the
///   properties and their proofs); `bits_per_spike` for intensity predictions.
pub const METRICS_VERSION: &str = "core-2";
