//! The family-independent sections of a manifest: sampling, splits, rules, scoring and live
//! settings, and the two keys every family reads the same way (`source`, `publish`).

use serde::{Deserialize, Serialize};

use crate::trial::Condition;

/// Sources of ground truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A reference neuron simulated by the server with intrinsic noise.
    Simulated,
    /// Current-clamp recordings of a real neuron (`[recording]`).
    Recorded,
}

impl Source {
    /// The name used in manifests and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Simulated => "simulated",
            Source::Recorded => "recorded",
        }
    }
}

/// `[sampling]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// Sampling step of stimulus and voltage traces, seconds.
    pub dt_s: f64,
}

/// What an organizer may publish of a simulated challenge's generator (`publish`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Publish {
    /// `"cell"`: the whole generator — `[cell]`, the biophysics file, the synaptic weights and
    /// receptor kinetics (in `synapses.json` and `[stimulus]`) and the intrinsic noise.
    Cell,
}

impl Publish {
    /// The name used in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Publish::Cell => "cell",
        }
    }
}

impl TryFrom<String> for Publish {
    type Error = String;

    fn try_from(value: String) -> Result<Publish, String> {
        match value.as_str() {
            "cell" => Ok(Publish::Cell),
            _ => Err(format!(
                "`publish` lists {value:?}, which is not a publishable part (known: \"cell\", \
                 the whole generator)"
            )),
        }
    }
}

impl From<Publish> for String {
    fn from(p: Publish) -> String {
        p.as_str().to_string()
    }
}

/// `[train]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSplit {
    /// Number of training trials.
    pub trials: u32,
    /// Duration of each, seconds.
    pub duration_s: f64,
    /// Repeats of each frozen stimulus.
    pub repeats: u32,
    /// Simulated challenges: public seed of the training stimuli and responses.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Dendritic-input challenges: the conditions the training split holds, of `clustered`,
    /// `time-dispersed`, `space-scattered` (default all three; the test split always holds
    /// all three). Without `clustered` the challenge asks whether a model fitted on dispersed
    /// input predicts what clustered input does, the question the clustering gap measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}

/// `[test]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSplit {
    /// Number of test trials.
    pub trials: u32,
    /// Duration of each, seconds.
    pub duration_s: f64,
    /// Hidden repeats of each frozen test stimulus (≥ 4: the score's ceiling splits them in halves).
    pub repeats: u32,
    /// Share of the test segments in the public part (scores shown while the challenge is
    /// open).
    pub public_fraction: f64,
    /// Length of the segments the test trials are cut into, each drawn into the public or the
    /// private part (`trial::Segment`), seconds. Default 0.5.
    #[serde(default = "default_test_segment_s")]
    pub segment_s: f64,
}

fn default_test_segment_s() -> f64 {
    0.5
}

/// `[rules]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Scored submissions a team may make per UTC day.
    pub daily_limit: u32,
    /// Submissions a team may select for the final (private) ranking. Default 2.
    #[serde(default = "default_final_selections")]
    pub final_selections: u32,
    /// The Ladder's step on the public board (Blum & Hardt 2015), primary units: a team's
    /// displayed public score changes only when a submission beats it by more than this, and
    /// is shown rounded to it. 0 shows exact public scores. Default [`DEFAULT_LADDER_STEP`].
    #[serde(default = "default_ladder_step")]
    pub ladder_step: f64,
}

/// Default Ladder step, primary units. Measured: see `board::ladder` and `docs/scoring.md`.
pub const DEFAULT_LADDER_STEP: f64 = 0.01;

fn default_final_selections() -> u32 {
    2
}

fn default_ladder_step() -> f64 {
    DEFAULT_LADDER_STEP
}

/// `[scoring]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSection {
    /// Coincidence window Δ of Γ and of the Md* kernel, milliseconds (INCF 2009: 4 ms).
    #[serde(default = "default_delta_ms")]
    pub delta_ms: f64,
}

fn default_delta_ms() -> f64 {
    4.0
}

impl Default for ScoringSection {
    fn default() -> Self {
        ScoringSection {
            delta_ms: default_delta_ms(),
        }
    }
}

/// `[live]`: how live evaluations stream the stimulus. Each live evaluation draws a fresh seed and
/// generates `live.trials` new trials (pairs of three conditions in a paired family) of
/// `live.duration_s`, with `test.repeats` simulated repeats; both default to the test split's
/// and may only be smaller, so the test split's work budget bounds a live evaluation's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSection {
    /// Trials (pairs, in a paired family) of a live evaluation, 1 to `test.trials`; `None`:
    /// `test.trials` ([`super::Manifest::live_trials`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u32>,
    /// Duration of a live trial, seconds, at most `test.duration_s`; `None`: `test.duration_s`
    /// ([`super::Manifest::live_duration_s`]). A live evaluation's ground truth is simulated
    /// while it streams, so a shorter one answers sooner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Length of each stimulus chunk, seconds.
    #[serde(default = "default_chunk_s")]
    pub chunk_s: f64,
    /// Seconds a model has to answer one chunk (at most
    /// [`super::budget::MAX_ANSWER_DEADLINE_S`]).
    #[serde(default = "default_deadline_s")]
    pub answer_deadline_s: f64,
    /// Live evaluations one team may have running at once on the challenge, 1 to
    /// [`super::budget::MAX_CONCURRENT_LIVE`]. Default 2.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent: u32,
}

fn default_max_concurrent() -> u32 {
    2
}

fn default_chunk_s() -> f64 {
    0.5
}

fn default_deadline_s() -> f64 {
    10.0
}

impl Default for LiveSection {
    fn default() -> Self {
        LiveSection {
            trials: None,
            duration_s: None,
            chunk_s: default_chunk_s(),
            answer_deadline_s: default_deadline_s(),
            max_concurrent: default_max_concurrent(),
        }
    }
}

/// The trials, duration and repeats of one split ([`super::Manifest::split_shape`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitShape {
    /// Number of trials.
    pub trials: u32,
    /// Duration of each, seconds.
    pub duration_s: f64,
    /// Repeats of each frozen stimulus.
    pub repeats: u32,
}
