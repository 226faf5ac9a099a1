//! Trials, splits and parts: the vocabulary shared by generation, storage and scoring.

use serde::{Deserialize, Serialize};

/// Whether a trial's responses are public (training) or hidden (test).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Stimulus and responses public.
    Train,
    /// Stimulus public, responses hidden.
    Test,
}

/// Which leaderboard a test trial counts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Scores shown while the challenge is open.
    Public,
    /// Scores used for the final ranking, shown once the challenge is closed.
    Private,
}

impl Split {
    /// The name used in files, the database and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }

    /// Parses [`Split::as_str`].
    pub fn parse(s: &str) -> Option<Split> {
        match s {
            "train" => Some(Split::Train),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

impl Part {
    /// The name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Public => "public",
            Part::Private => "private",
        }
    }

    /// Parses [`Part::as_str`].
    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "public" => Some(Part::Public),
            "private" => Some(Part::Private),
            _ => None,
        }
    }
}

/// File roles inside a trial.
pub mod role {
    /// Injected current, nA, 1-D float64, one sample per `dt_s`.
    pub const STIMULUS: &str = "stimulus";
    /// Somatic voltage, mV, 2-D float32 (repeats × samples).
    pub const VOLTAGE: &str = "voltage";
    /// Spike times, s from trial start, 2-D float64 (repeats × max spikes), NaN-padded.
    pub const SPIKES: &str = "spikes";
}
