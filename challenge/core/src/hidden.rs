//! The hidden test trials: a test trial's hidden repeats and the segments that say which part
//! of the board each stretch counts for. Stored by the server, never served; what every score
//! is computed against.

use arena_scoring::SpikeTrain;
use thiserror::Error;

use crate::npy;
use crate::trial::{Condition, Part, Segment};

/// A test trial with its hidden recorded (or simulated) responses.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenTrial {
    /// Trial id.
    pub id: String,
    /// Duration, seconds.
    pub duration_s: f64,
    /// The hidden repeats.
    pub recorded: Vec<SpikeTrain>,
    /// The trial's condition in a paired design; `None` elsewhere.
    pub condition: Option<Condition>,
    /// The trial's segments and their parts (they tile [0, duration)).
    pub segments: Vec<Segment>,
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
    /// A test trial has no hidden spikes file (or no segments).
    #[error("hidden responses of trial {trial}: {file} is missing")]
    Missing {
        /// Trial id.
        trial: String,
        /// The expected file.
        file: String,
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
    /// Builds a hidden trial from its stored spikes file (NaN-padded `.npy`, see
    /// [`npy::encode_ragged`]) and its segments.
    ///
    /// # Errors
    /// [`HiddenDataError`] if the stored bytes are not valid spike trains.
    pub fn from_npy(
        id: &str,
        duration_s: f64,
        spikes_npy: &[u8],
        segments: Vec<Segment>,
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
            duration_s,
            recorded,
            condition: None,
            segments,
        })
    }

    /// The same trial with its condition in a paired design.
    pub fn with_condition(self, condition: Option<Condition>) -> HiddenTrial {
        HiddenTrial { condition, ..self }
    }

    /// The same trial counted whole in one part (one segment spanning it): how the gauntlet
    /// pools every hidden trial, and how trials stored before segments existed are read.
    pub fn whole(self, part: Part) -> HiddenTrial {
        HiddenTrial {
            segments: vec![Segment {
                start_s: 0.0,
                end_s: self.duration_s,
                part,
            }],
            ..self
        }
    }
}
