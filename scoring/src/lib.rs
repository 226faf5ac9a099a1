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
//!
//! # Example
//! ```
//! use arena_scoring::{ScoringParams, SpikeTrain, Window, pooled_scores, trial_stats};
//!
//! let window = Window::new(0.0, 1.0)?;
//! // Four recorded repeats of one trial and one deterministic predicted train.
//! let recorded: Vec<SpikeTrain> = [0.000, 0.001, 0.002, 0.003]
//!     .iter()
//!     .map(|j| SpikeTrain::new(vec![0.1 + j, 0.4, 0.7 - j]))
//!     .collect::<Result<_, _>>()?;
//! let predicted = [SpikeTrain::new(vec![0.101, 0.4, 0.699])?];
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
