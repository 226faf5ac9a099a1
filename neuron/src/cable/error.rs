//! The one error type of the cable simulator. Every message names the section, mechanism,
//! synapse or field at fault, so that a user who wrote a 2000-synapse input document can find
//! the offending entry without a debugger.

use thiserror::Error;

/// Errors raised while building a cell or running a simulation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CableError {
    /// A section, synapse or stimulus names a section that does not exist.
    #[error("unknown section \"{name}\" (referenced by {referrer})")]
    UnknownSection {
        /// The name that was not found.
        name: String,
        /// Which field referenced it, e.g. `sections[dend1].parent`.
        referrer: String,
    },
    /// Two sections share a name.
    #[error("duplicate section name \"{0}\"")]
    DuplicateSection(String),
    /// The tree does not have exactly one root (a section whose parent is null).
    #[error("the cell must have exactly one root section (parent null), found {found}: {names:?}")]
    RootCount {
        /// How many roots were found.
        found: usize,
        /// Their names.
        names: Vec<String>,
    },
    /// Some sections cannot be reached from the root (their parents form a cycle).
    #[error("sections {0:?} are not connected to the root (their parents form a cycle)")]
    Unreachable(Vec<String>),
    /// A numeric field has a value outside its domain.
    #[error("{field} = {value}: {problem}")]
    InvalidValue {
        /// The field, e.g. `sections[dend].diam`.
        field: String,
        /// The offending value.
        value: f64,
        /// What is wrong with it, e.g. "must be > 0 (µm)".
        problem: &'static str,
    },
    /// A synapse names a type that `synapse_types` does not declare.
    #[error("synapse {synapse}: unknown synapse type \"{name}\" (declared: {declared:?})")]
    UnknownSynapseType {
        /// Identifier of the synapse entry.
        synapse: String,
        /// The type name that was not found.
        name: String,
        /// The declared type names.
        declared: Vec<String>,
    },
    /// A synapse entry lacks the weight of one of its receptors, or has a weight that no
    /// receptor of its type uses.
    #[error("synapse {synapse}: {problem}")]
    Weights {
        /// Identifier of the synapse entry.
        synapse: String,
        /// Which weight is missing or unexpected.
        problem: String,
    },
    /// Anything else that is inconsistent in the input, with a full sentence.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(field: impl Fn() -> String, value: f64) -> Result<f64, CableError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(CableError::InvalidValue {
            field: field(),
            value,
            problem: "must be finite and > 0",
        })
    }
}

/// Checks that `value` is finite and not negative.
pub(crate) fn non_negative(field: impl Fn() -> String, value: f64) -> Result<f64, CableError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(CableError::InvalidValue {
            field: field(),
            value,
            problem: "must be finite and >= 0",
        })
    }
}

/// Checks that `value` is finite.
pub(crate) fn finite(field: impl Fn() -> String, value: f64) -> Result<f64, CableError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CableError::InvalidValue {
            field: field(),
            value,
            problem: "must be finite",
        })
    }
}

/// Checks that a normalised position along a section lies in [0, 1].
pub(crate) fn unit_interval(field: impl Fn() -> String, value: f64) -> Result<f64, CableError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(CableError::InvalidValue {
            field: field(),
            value,
            problem: "must lie in [0, 1] (fraction of the section length)",
        })
    }
}
