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
//! * [`naud`]: Md* and relatives with unbiased estimators (Naud et al. 2011).
//! * [`primary`]: the chance- and ceiling-normalised primary score, per trial and pooled.
//! * [`victor_purpura`], [`van_rossum`], [`kreuz`] (ISI, SPIKE, SPIKE-sync), [`psth`]
//!   (Schreiber, explained variance, rate errors): the rest of the suite.
//! * [`probabilistic`] (intensity predictions: bits per spike, ROC) and [`voltage`]
//!   (subthreshold RMSE and explained variance).
//! * [`bootstrap`]: seeded percentile intervals over trials and over repeats.
//! * [`report`]: every key of `arena score --json` in one call ([`full_report`]).
#![warn(missing_docs)]

pub mod bootstrap;
pub mod coincidence;
pub mod kreuz;
pub mod metric;
pub mod naud;
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
pub use metric::{Metric, Undefined};
pub use primary::{
    CoreScores, ScoringParams, SplitStats, TrialStats, pooled_scores, trial_scores, trial_stats,
};
pub use report::{FullReport, SuiteParams, full_report};
pub use train::{SpikeTrain, TrainError, Window};

/// Names the metric definitions; bumped on any change that can alter a reported value.
pub const METRICS_VERSION: &str = "core-1";
