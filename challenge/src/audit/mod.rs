//! Audit bundles (issue 15): everything the stored scores of one submission were computed
//! from, as plain files an auditor reads without the server, and the offline check that
//! recomputes every stored score from them with the scoring library, bit for bit.
//!
//! The server writes a bundle from its store ([`Bundle::files`]); `arena audit verify` reads
//! it back ([`Bundle::read`]) and recomputes ([`verify()`]) with [`crate::evaluate::score_file`],
//! the function the scoring queue scores every submission with. The bundle's own README
//! ([`README`]) documents the format.

mod bundle;
mod verify;

pub use bundle::{
    Bundle, BundleInfo, FORMAT, Generator, MAX_FILE_BYTES, Mode, README, Scope, StoredScores,
    TrialEntry, TrialScores, file,
};
pub use verify::{Check, Comparison, Report, Value, verify};

use thiserror::Error;

/// Why a bundle could not be read or verified at all (as opposed to a score that differs,
/// which [`Report`] names).
#[derive(Debug, Error)]
pub enum AuditError {
    /// A file of the bundle is missing, too large or unreadable.
    #[error("{file}: {problem}")]
    File {
        /// The file, relative to the bundle folder.
        file: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The bundle was scored under metric definitions this library does not compute.
    #[error(
        "the bundle was scored under metrics {bundle}; this arena computes {library}: verify it with the arena release of that version"
    )]
    MetricsVersion {
        /// The bundle's `metrics_version`.
        bundle: String,
        /// [`arena_scoring::METRICS_VERSION`].
        library: String,
    },
    /// The stored predictions file fails the checks it passed when it was submitted.
    #[error("predictions.json: {0}")]
    Predictions(#[from] crate::predictions::PredictionError),
    /// A live evaluation's trials could not be regenerated from the bundled generator.
    #[error("regenerating the live trials from generator/: {0}")]
    Regenerate(String),
}

impl AuditError {
    /// A problem with `file`.
    pub fn file(file: impl Into<String>, problem: impl std::fmt::Display) -> AuditError {
        AuditError::File {
            file: file.into(),
            problem: problem.to_string(),
        }
    }
}
