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

/// A stretch [start_s, end_s) of a test trial (seconds from its start) and the part of the
/// board it counts for.
///
/// Why segments rather than whole trials: when whole trials form the parts, a contestant who
/// learns which trials are public (from a per-trial breakdown, or by probing) can predict only
/// those. Drawing hidden segments of every test trial into each part leaves nothing per trial
/// to target, and probing a single segment's membership costs submissions whose effect the
/// Ladder rounds away (`docs/scoring.md`, "What a contestant can learn").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, seconds from the trial start.
    pub start_s: f64,
    /// End (exclusive), seconds from the trial start.
    pub end_s: f64,
    /// The part it counts for.
    pub part: Part,
}

/// The segment bounds of a trial of `duration_s` cut every `segment_s`: [k·L, min((k+1)·L, D)),
/// the last one shorter when L does not divide D (a remainder below a microsecond is merged
/// into the previous segment).
pub fn segment_bounds(duration_s: f64, segment_s: f64) -> Vec<(f64, f64)> {
    let n = ((duration_s / segment_s) - 1e-6).ceil().max(1.0) as usize;
    (0..n)
        .map(|k| {
            let end = if k + 1 == n {
                duration_s
            } else {
                (k + 1) as f64 * segment_s
            };
            (k as f64 * segment_s, end)
        })
        .collect()
}

/// The condition of a test trial in a paired design (the clustered-dendritic family): the
/// clustered trial and its two controls carry the same events per synapse class, so the model's
/// score on each tells whether it captures what clustering itself does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// Synchronous volleys on k synapses within L µm of one branch.
    Clustered,
    /// Control: the same synapses, the cluster events moved out of their synchrony window.
    TimeDispersed,
    /// Control: the same synchronous volleys, delivered to synapses spread over the tree.
    SpaceScattered,
}

impl Condition {
    /// The three conditions, clustered first.
    pub const ALL: [Condition; 3] = [
        Condition::Clustered,
        Condition::TimeDispersed,
        Condition::SpaceScattered,
    ];

    /// The name used in manifests, files, the database and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Clustered => "clustered",
            Condition::TimeDispersed => "time-dispersed",
            Condition::SpaceScattered => "space-scattered",
        }
    }

    /// Parses [`Condition::as_str`].
    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Both controls count as "dispersed" on the board.
    pub fn is_control(self) -> bool {
        self != Condition::Clustered
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
    /// Synaptic events of a dendritic trial, 2-D float64 (events × 2): synapse id (a row of
    /// `synapses.json`), time in ms from trial start; ordered by time.
    pub const EVENTS: &str = "events";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_trial() {
        assert_eq!(
            segment_bounds(2.0, 0.5),
            vec![(0.0, 0.5), (0.5, 1.0), (1.0, 1.5), (1.5, 2.0)]
        );
        assert_eq!(
            segment_bounds(1.2, 0.5),
            vec![(0.0, 0.5), (0.5, 1.0), (1.0, 1.2)]
        );
        assert_eq!(segment_bounds(0.3, 0.5), vec![(0.0, 0.3)]);
        // 5 s in 1 s segments, with the rounding of 5/1: exactly 5.
        assert_eq!(segment_bounds(5.0, 1.0).len(), 5);
        assert_eq!(segment_bounds(0.9, 0.3).len(), 3);
    }
}
