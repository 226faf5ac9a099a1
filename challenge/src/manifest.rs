//! Dataset manifests (`datasets/<name>/dataset.toml`): the one document that says how a dataset's
//! trials are made.
//!
//! A manifest never holds hidden seeds or hidden responses: the server draws the hidden seed when
//! an organizer creates a challenge from it. Parsing is strict (unknown keys are errors) because a
//! typo in a recipe would otherwise silently produce a different dataset. The schema is documented
//! field by field in `datasets/README.md`.
//!
//! Two views. The organizer's manifest ([`Manifest::parse`]) holds the generator of a simulated
//! challenge: the reference neuron (`[cell]`) and, for dendritic input, the receptor kinetics,
//! synaptic weights and intrinsic noise in `[stimulus]`. With those the public simulator
//! reproduces the ground truth, so a contestant fetches the public view instead
//! ([`Manifest::public_view`], served as [`Manifest::public_toml`] and read back by
//! [`Manifest::parse_public`]), in which [`Manifest::simulated`] is `None`. An organizer may
//! publish the generator on purpose (`publish = ["cell"]`); recorded challenges have no generator
//! and look the same in both views.

use arena_neuron::point::AdExParams;
use arena_neuron::stimulus::OuCurrentRecipe;

use crate::dendritic::DendriticRecipe;
use crate::trial::Condition;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The manifest schema version this code reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A parsed and checked dataset manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Must equal [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Short identifier, lower-case letters, digits and `-` (the default challenge id).
    pub name: String,
    /// One-line human title.
    pub title: String,
    /// The challenge family.
    pub kind: Kind,
    /// Where the ground truth comes from.
    pub source: Source,
    /// Longer description shown to contestants.
    #[serde(default)]
    pub description: String,
    /// Licence of the data (SPDX identifier or text).
    pub license: String,
    /// How to cite the data and the model.
    pub citation: String,
    /// True where the test responses are public elsewhere: a benchmark, not for prizes.
    #[serde(default)]
    pub public_benchmark: bool,
    /// Data files, relative to the manifest's folder, uploaded with it and covered by the content hash.
    #[serde(default)]
    pub files: Vec<String>,
    /// Recorded challenges: names of the files holding the hidden test responses. The organizer
    /// gives them at creation from wherever they are kept (`arena challenge create --hidden PATH`);
    /// they are uploaded once, stored, never served, and covered by the trials hash, not by the
    /// public dataset hash.
    #[serde(default)]
    pub hidden_files: Vec<String>,
    /// Simulated challenges: what the organizer publishes beyond the public view, e.g. for a
    /// surrogate-modelling benchmark. Default: nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<Publish>,
    /// Sampling of every trace.
    pub sampling: Sampling,
    /// Simulated challenges: the neuron that produces the ground truth.
    #[serde(default)]
    pub cell: Option<Cell>,
    /// Simulated challenges: the stimulus recipe.
    #[serde(default)]
    pub stimulus: Option<Stimulus>,
    /// Recorded challenges: where stimulus and responses are read from.
    #[serde(default)]
    pub recording: Option<Recording>,
    /// Training trials: stimulus and responses public.
    pub train: TrainSplit,
    /// Test trials: stimulus public, responses hidden.
    pub test: TestSplit,
    /// Competition rules.
    pub rules: Rules,
    /// Metric parameters.
    #[serde(default)]
    pub scoring: ScoringSection,
    /// Live evaluation settings.
    #[serde(default)]
    pub live: LiveSection,
    /// Dendritic-input challenges: how the generator checks that clusters matter.
    #[serde(default)]
    pub effect: Option<EffectSection>,
}

/// Challenge families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Current injected into the soma (INCF style).
    InjectedCurrent,
    /// Synaptic input on the dendrites of a multi-compartment cell, clustered trials paired
    /// with two controls.
    DendriticInput,
}

impl Kind {
    /// The name used in manifests and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InjectedCurrent => "injected-current",
            Kind::DendriticInput => "dendritic-input",
        }
    }
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

/// Which view of a manifest is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    /// The organizer's manifest: a simulated challenge carries its generator.
    Organizer,
    /// What contestants fetch: the generator is absent unless published.
    Public,
}

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

/// `[cell]`: the ground-truth neuron, chosen by `model`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum Cell {
    /// Adaptive exponential integrate-and-fire with intrinsic current noise
    /// (Brette & Gerstner 2005); parameters as [`AdExParams`].
    Adex(AdExParams),
    /// A multi-compartment cell from an SWC morphology, simulated with the reference cable
    /// simulator (`arena_neuron::cable`).
    CableSwc(CableSwc),
}

/// `[cell]` with `model = "cable-swc"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CableSwc {
    /// The morphology, an entry of `files` (SWC; NEURON's Import3d conventions).
    pub swc: String,
    /// The biophysics, an entry of `files` (JSON, [`crate::dendritic::Biophysics`]).
    pub biophysics: String,
    /// Seed of the synapse placement (public: the synapse table is given to contestants).
    pub synapse_seed: u64,
    /// Integration step, ms (NEURON's default 0.025); `sampling.dt_s` must be a whole
    /// multiple of it.
    #[serde(default = "default_cable_dt_ms")]
    pub dt_ms: f64,
    /// Spikes are upward crossings of this somatic potential, mV.
    #[serde(default)]
    pub spike_threshold_mv: f64,
}

fn default_cable_dt_ms() -> f64 {
    0.025
}

/// `[effect]`: the check that a dendritic dataset's clusters matter
/// ([`crate::dendritic::check_effect`] over the test trials).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectSection {
    /// Significance level of each of the two paired tests (clustered vs each control).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Length of the paired units the spike counts are compared over, seconds.
    #[serde(default = "default_segment_s")]
    pub segment_s: f64,
}

fn default_alpha() -> f64 {
    0.05
}

fn default_segment_s() -> f64 {
    0.5
}

impl Default for EffectSection {
    fn default() -> Self {
        EffectSection {
            alpha: default_alpha(),
            segment_s: default_segment_s(),
        }
    }
}

/// `[stimulus]`: the injected current, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Stimulus {
    /// Ornstein–Uhlenbeck current whose mean and standard deviation change by segment.
    OuCurrent(OuCurrentRecipe),
    /// Background and clustered synaptic events on the dendrites.
    DendriticClusters(Box<DendriticRecipe>),
}

/// `[recording]`: how a recorded challenge's trials are read from its ABF2 files.
///
/// Each file's sweeps are the repeats of one frozen stimulus; the split's `trials` consecutive
/// pieces of `duration_s` are cut from every sweep (what is left at the end is not used). The
/// membrane potential is the channel in mV, the injected current the channel in pA or nA: units
/// are set by the amplifier telegraph, channel names are typed by hand and can be wrong (they are
/// in the shipped DRN files). The stimulus of a piece is the mean injected current over sweeps
/// (the same frozen command, so the mean only removes measurement noise) plus the offset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Spikes are upward crossings of this potential, mV (Pozzorini et al. 2015 use 0 mV).
    #[serde(default)]
    pub spike_threshold_mv: f64,
    /// The training recording; its `file` is an entry of `files` (public).
    pub train: RecordedFile,
    /// The test recording; its `file` is an entry of `hidden_files`.
    pub test: RecordedFile,
    /// The electrode-calibration recording (`[recording.aec]`, optional): one subthreshold
    /// sweep under a fluctuating current, from which active electrode compensation (Badel et al.
    /// 2008, J Neurophysiol 99:656) estimates the electrode kernel; its `file` is an entry of
    /// `files` (public). With it, the point baselines fit on the compensated training voltage
    /// ([`crate::recorded::AecRecording`]).
    #[serde(default)]
    pub aec: Option<RecordedFile>,
}

/// `[recording.train]`, `[recording.test]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedFile {
    /// The ABF2 file.
    pub file: String,
    /// Added to the recorded current, pA (e.g. a holding offset the data's authors name).
    #[serde(default)]
    pub current_offset_pa: f64,
    /// Lower-case hex SHA-256 the file must have, checked when the challenge is created.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// The parts of a manifest that only simulated challenges have, borrowed together.
#[derive(Clone, Copy, Debug)]
pub struct Simulated<'a> {
    /// `[cell]`.
    pub cell: &'a Cell,
    /// `[stimulus]`.
    pub stimulus: &'a Stimulus,
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
/// generates `test.trials` new trials of `test.duration_s`, with `test.repeats` simulated repeats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSection {
    /// Length of each stimulus chunk, seconds.
    #[serde(default = "default_chunk_s")]
    pub chunk_s: f64,
    /// Seconds a model has to answer one chunk.
    #[serde(default = "default_deadline_s")]
    pub answer_deadline_s: f64,
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
            chunk_s: default_chunk_s(),
            answer_deadline_s: default_deadline_s(),
        }
    }
}

/// Why a manifest was refused; the message names the key.
#[derive(Debug, Error, PartialEq)]
pub enum ManifestError {
    /// Not TOML, an unknown key, a missing key or a wrong type (the parser's message names the key
    /// and the line).
    #[error("dataset.toml: {0}")]
    Syntax(String),
    /// A key whose value is out of range.
    #[error("dataset.toml: `{key}` {problem}")]
    Invalid {
        /// The dotted key path.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

fn invalid(key: &'static str, problem: impl Into<String>) -> ManifestError {
    ManifestError::Invalid {
        key,
        problem: problem.into(),
    }
}

impl Manifest {
    /// The conditions of the training split of a dendritic-input challenge
    /// (`train.conditions`, or all three), in [`Condition::ALL`] order.
    pub fn train_conditions(&self) -> Vec<Condition> {
        Condition::ALL
            .into_iter()
            .filter(|c| self.train.conditions.as_ref().is_none_or(|l| l.contains(c)))
            .collect()
    }

    /// Parses and checks an organizer's manifest: a simulated challenge must carry its
    /// generator.
    ///
    /// # Errors
    /// [`ManifestError`] naming the first key at fault.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Self::parse_as(text, View::Organizer)
    }

    /// Parses and checks the manifest a contestant fetched ([`Manifest::public_toml`]): a
    /// simulated challenge's generator is absent unless `publish` names it (an organizer's full
    /// manifest is accepted too).
    ///
    /// # Errors
    /// [`ManifestError`] naming the first key at fault.
    pub fn parse_public(text: &str) -> Result<Manifest, ManifestError> {
        Self::parse_as(text, View::Public)
    }

    fn parse_as(text: &str, view: View) -> Result<Manifest, ManifestError> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| ManifestError::Syntax(one_line(&e.to_string())))?;
        manifest.check(view)?;
        Ok(manifest)
    }

    /// Whether contestants are kept from the generator: a simulated challenge whose organizer
    /// does not publish the cell.
    pub fn hides_generator(&self) -> bool {
        self.source == Source::Simulated && !self.publish.contains(&Publish::Cell)
    }

    /// What a contestant fetches of this manifest: without `[cell]`, without the biophysics
    /// file in `files`, and, for dendritic input, without the receptor kinetics, synaptic
    /// weights and intrinsic noise in `[stimulus]` ([`DendriticRecipe::public_view`]); the
    /// stimulus statistics stay, since the stimuli themselves are public. Unchanged where
    /// nothing is hidden ([`Manifest::hides_generator`]).
    pub fn public_view(&self) -> Manifest {
        let mut out = self.clone();
        if !self.hides_generator() {
            return out;
        }
        if let Some(Cell::CableSwc(cable)) = &self.cell {
            out.files.retain(|f| *f != cable.biophysics);
        }
        out.cell = None;
        if let Some(Stimulus::DendriticClusters(recipe)) = &mut out.stimulus {
            **recipe = recipe.public_view();
        }
        out
    }

    /// The data files the generator reads (the SWC and biophysics of a cable cell; none for
    /// the point neuron, a recorded challenge or a public view without `[cell]`): what the
    /// server loads beside the public files to rebuild the generator.
    pub fn generator_files(&self) -> Vec<&str> {
        match &self.cell {
            Some(Cell::CableSwc(cable)) => vec![cable.swc.as_str(), cable.biophysics.as_str()],
            Some(Cell::Adex(_)) | None => Vec::new(),
        }
    }

    /// The text served to contestants as `dataset.toml`: `text` byte for byte where nothing is
    /// hidden, else [`Manifest::public_view`] written as TOML. The rewrite drops the
    /// organizer's comments (which might quote hidden values) and writes every default out.
    ///
    /// # Errors
    /// [`ManifestError`] if `text` is not a valid organizer's manifest.
    pub fn public_toml(text: &str) -> Result<String, ManifestError> {
        let manifest = Manifest::parse(text)?;
        if !manifest.hides_generator() {
            return Ok(text.to_string());
        }
        toml::to_string(&manifest.public_view())
            .map_err(|e| ManifestError::Syntax(format!("writing the public view: {e}")))
    }

    fn check(&self, view: View) -> Result<(), ManifestError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(invalid(
                "schema_version",
                format!(
                    "is {}, this server reads {SCHEMA_VERSION}",
                    self.schema_version
                ),
            ));
        }
        if !is_slug(&self.name) {
            return Err(invalid("name", format!("must be {SLUG_RULE}")));
        }
        if self.title.trim().is_empty() {
            return Err(invalid("title", "must not be empty"));
        }
        for (i, file) in self.files.iter().enumerate() {
            if file.is_empty() || file.starts_with('/') || file.split('/').any(|p| p == "..") {
                return Err(invalid(
                    "files",
                    format!(
                        "entry {i} ({file:?}) must be a relative path inside the dataset folder"
                    ),
                ));
            }
        }
        for (i, file) in self.hidden_files.iter().enumerate() {
            if file.is_empty() || file.contains(['/', '\\']) || file == ".." {
                return Err(invalid(
                    "hidden_files",
                    format!("entry {i} ({file:?}) must be a plain file name"),
                ));
            }
            if self.files.contains(file) || self.hidden_files[..i].contains(file) {
                return Err(invalid(
                    "hidden_files",
                    format!("entry {i} ({file:?}) is listed twice"),
                ));
            }
        }
        if let Some(i) =
            (1..self.publish.len()).find(|&i| self.publish[..i].contains(&self.publish[i]))
        {
            return Err(invalid(
                "publish",
                format!("entry {i} ({:?}) is listed twice", self.publish[i].as_str()),
            ));
        }
        positive("sampling.dt_s", self.sampling.dt_s)?;
        if self.sampling.dt_s > 0.01 {
            return Err(invalid("sampling.dt_s", "must be at most 0.01 s"));
        }
        match self.source {
            Source::Simulated => self.check_simulated(view)?,
            Source::Recorded => self.check_recorded()?,
        }
        if self.train.trials == 0 {
            return Err(invalid("train.trials", "must be at least 1"));
        }
        if self.train.repeats == 0 {
            return Err(invalid("train.repeats", "must be at least 1"));
        }
        if let Some(conditions) = &self.train.conditions {
            if self.kind != Kind::DendriticInput {
                return Err(invalid(
                    "train.conditions",
                    "is only for kind = \"dendritic-input\"",
                ));
            }
            if conditions.is_empty() {
                return Err(invalid(
                    "train.conditions",
                    "must list at least one condition",
                ));
            }
            if let Some(i) =
                (1..conditions.len()).find(|&i| conditions[..i].contains(&conditions[i]))
            {
                return Err(invalid(
                    "train.conditions",
                    format!("entry {i} ({:?}) is listed twice", conditions[i].as_str()),
                ));
            }
        }
        duration(
            "train.duration_s",
            self.train.duration_s,
            self.sampling.dt_s,
        )?;
        if self.test.trials == 0 {
            return Err(invalid("test.trials", "must be at least 1"));
        }
        if self.test.repeats < 4 {
            return Err(invalid(
                "test.repeats",
                format!(
                    "is {}; at least 4 are needed to measure the data's own ceiling",
                    self.test.repeats
                ),
            ));
        }
        duration("test.duration_s", self.test.duration_s, self.sampling.dt_s)?;
        let f = self.test.public_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(invalid("test.public_fraction", "must be in (0, 1]"));
        }
        positive("test.segment_s", self.test.segment_s)?;
        if self.test.segment_s < 10.0 * self.scoring.delta_ms * 1e-3 {
            return Err(invalid(
                "test.segment_s",
                format!(
                    "is {} s; segments shorter than 10 Δ = {} s would lose too many \
                     coincidences at their edges",
                    self.test.segment_s,
                    10.0 * self.scoring.delta_ms * 1e-3
                ),
            ));
        }
        if self.rules.daily_limit == 0 {
            return Err(invalid("rules.daily_limit", "must be at least 1"));
        }
        if !(1..=20).contains(&self.rules.final_selections) {
            return Err(invalid(
                "rules.final_selections",
                "must be between 1 and 20",
            ));
        }
        let step = self.rules.ladder_step;
        if !(step.is_finite() && (0.0..=1.0).contains(&step)) {
            return Err(invalid(
                "rules.ladder_step",
                format!("must be a number in [0, 1] (primary units), got {step}"),
            ));
        }
        positive("scoring.delta_ms", self.scoring.delta_ms)?;
        duration("live.chunk_s", self.live.chunk_s, self.sampling.dt_s)?;
        positive("live.answer_deadline_s", self.live.answer_deadline_s)?;
        Ok(())
    }

    /// A simulated challenge: its stimulus always, its generator as `view` requires (the
    /// organizer's manifest carries it; a public view carries it only where `publish` says so).
    fn check_simulated(&self, view: View) -> Result<(), ManifestError> {
        let required = "is required when source = \"simulated\"";
        let Some(stimulus) = &self.stimulus else {
            return Err(invalid("stimulus", required));
        };
        if self.cell.is_none() {
            match view {
                View::Organizer => return Err(invalid("cell", required)),
                View::Public if !self.hides_generator() => {
                    return Err(invalid(
                        "cell",
                        "is required: publish = [\"cell\"] publishes the generator",
                    ));
                }
                View::Public => {}
            }
        }
        if self.train.seed.is_none() {
            return Err(invalid("train.seed", required));
        }
        if self.recording.is_some() {
            return Err(invalid("recording", "is only for source = \"recorded\""));
        }
        if !self.hidden_files.is_empty() {
            return Err(invalid(
                "hidden_files",
                "is only for source = \"recorded\" (simulated hidden responses come from the hidden seed)",
            ));
        }
        match (self.kind, &self.cell, stimulus) {
            (Kind::InjectedCurrent, None | Some(Cell::Adex(_)), Stimulus::OuCurrent(recipe)) => {
                if self.effect.is_some() {
                    return Err(invalid("effect", "is only for kind = \"dendritic-input\""));
                }
                Self::check_ou_recipe(recipe)
            }
            (
                Kind::DendriticInput,
                None | Some(Cell::CableSwc(_)),
                Stimulus::DendriticClusters(recipe),
            ) => self.check_dendritic(recipe),
            (Kind::InjectedCurrent, _, _) => Err(invalid(
                "kind",
                "\"injected-current\" takes [cell] model = \"adex\" and [stimulus] kind = \"ou-current\"",
            )),
            (Kind::DendriticInput, _, _) => Err(invalid(
                "kind",
                "\"dendritic-input\" takes [cell] model = \"cable-swc\" and [stimulus] kind = \"dendritic-clusters\"",
            )),
        }
    }

    /// A dendritic-input challenge: the cell's files and step where `[cell]` is present, the
    /// recipe's generator keys present with it and absent without it, the recipe's values and
    /// the effect check's settings.
    fn check_dendritic(&self, recipe: &DendriticRecipe) -> Result<(), ManifestError> {
        match &self.cell {
            Some(Cell::CableSwc(cable)) => {
                self.check_cable(cable)?;
                recipe
                    .synaptic()
                    .map_err(|e| invalid("stimulus", e.to_string()))?;
            }
            _ if !recipe.is_public_view() => {
                return Err(invalid(
                    "stimulus",
                    "holds receptor kinetics, synaptic weights or intrinsic noise without \
                     [cell]: the public view leaves the whole generator out",
                ));
            }
            _ => {}
        }
        recipe
            .validate()
            .map_err(|e| invalid("stimulus", e.to_string()))?;
        let effect = self.effect.clone().unwrap_or_default();
        if !(effect.alpha > 0.0 && effect.alpha < 1.0) {
            return Err(invalid("effect.alpha", "must lie in (0, 1)"));
        }
        positive("effect.segment_s", effect.segment_s)?;
        if effect.segment_s > self.test.duration_s {
            return Err(invalid(
                "effect.segment_s",
                format!(
                    "is longer than a test trial ({} s): no unit to compare",
                    self.test.duration_s
                ),
            ));
        }
        Ok(())
    }

    /// `[cell]` of a dendritic challenge: its files are data files, its step divides the
    /// sampling step.
    fn check_cable(&self, cable: &CableSwc) -> Result<(), ManifestError> {
        for (key, file) in [
            ("cell.swc", &cable.swc),
            ("cell.biophysics", &cable.biophysics),
        ] {
            if !self.files.contains(file) {
                return Err(invalid(
                    key,
                    format!("{file:?} must be an entry of `files`"),
                ));
            }
        }
        positive("cell.dt_ms", cable.dt_ms)?;
        if !cable.spike_threshold_mv.is_finite() {
            return Err(invalid("cell.spike_threshold_mv", "must be finite"));
        }
        let ratio = self.sampling.dt_s * 1e3 / cable.dt_ms;
        if ratio < 1.0 - 1e-9 || (ratio - ratio.round()).abs() > 1e-6 {
            return Err(invalid(
                "sampling.dt_s",
                format!(
                    "must be a whole multiple of cell.dt_ms = {} ms for a dendritic challenge",
                    cable.dt_ms
                ),
            ));
        }
        Ok(())
    }

    fn check_ou_recipe(recipe: &OuCurrentRecipe) -> Result<(), ManifestError> {
        positive("stimulus.tau_s", recipe.tau_s)?;
        if recipe.segments.is_empty() {
            return Err(invalid(
                "stimulus.segments",
                "must list at least one segment",
            ));
        }
        for seg in &recipe.segments {
            positive("stimulus.segments.duration_s", seg.duration_s)?;
            if !seg.mean_na.is_finite() {
                return Err(invalid("stimulus.segments.mean_na", "must be finite"));
            }
            if !(seg.std_na.is_finite() && seg.std_na >= 0.0) {
                return Err(invalid(
                    "stimulus.segments.std_na",
                    "must be finite and ≥ 0",
                ));
            }
        }
        Ok(())
    }

    fn check_recorded(&self) -> Result<(), ManifestError> {
        let only_simulated =
            "is only for source = \"simulated\" (a recording has no generating model)";
        if !self.publish.is_empty() {
            return Err(invalid("publish", only_simulated));
        }
        if self.cell.is_some() {
            return Err(invalid("cell", only_simulated));
        }
        if self.stimulus.is_some() {
            return Err(invalid("stimulus", only_simulated));
        }
        if self.kind != Kind::InjectedCurrent {
            return Err(invalid(
                "kind",
                "recorded challenges are \"injected-current\" (no recorded dendritic dataset is supported)",
            ));
        }
        if self.effect.is_some() {
            return Err(invalid("effect", "is only for kind = \"dendritic-input\""));
        }
        if self.train.seed.is_some() {
            return Err(invalid("train.seed", only_simulated));
        }
        let Some(rec) = &self.recording else {
            return Err(invalid(
                "recording",
                "is required when source = \"recorded\"",
            ));
        };
        if !rec.spike_threshold_mv.is_finite() {
            return Err(invalid("recording.spike_threshold_mv", "must be finite"));
        }
        if !self.files.contains(&rec.train.file) {
            return Err(invalid(
                "recording.train.file",
                format!("{:?} must be an entry of `files`", rec.train.file),
            ));
        }
        if !self.hidden_files.contains(&rec.test.file) {
            return Err(invalid(
                "recording.test.file",
                format!(
                    "{:?} must be an entry of `hidden_files` (test responses are never public files)",
                    rec.test.file
                ),
            ));
        }
        if let Some(aec) = &rec.aec
            && !self.files.contains(&aec.file)
        {
            return Err(invalid(
                "recording.aec.file",
                format!("{:?} must be an entry of `files`", aec.file),
            ));
        }
        let recordings = [
            ("recording.train", Some(&rec.train)),
            ("recording.test", Some(&rec.test)),
            ("recording.aec", rec.aec.as_ref()),
        ];
        for (key, f) in recordings
            .into_iter()
            .filter_map(|(key, f)| f.map(|f| (key, f)))
        {
            if !f.current_offset_pa.is_finite() {
                return Err(invalid(key, "current_offset_pa must be finite"));
            }
            if let Some(sha) = &f.sha256
                && !(sha.len() == 64
                    && sha
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            {
                return Err(invalid(key, "sha256 must be 64 lower-case hex digits"));
            }
        }
        Ok(())
    }

    /// The generator of a simulated challenge, its cell and stimulus; `None` for a recorded
    /// challenge and for a public view that leaves the generator out ([`Manifest::parse`]
    /// guarantees the parts are complete when `[cell]` is present).
    pub fn simulated(&self) -> Option<Simulated<'_>> {
        match (&self.cell, &self.stimulus) {
            (Some(cell), Some(stimulus)) => Some(Simulated { cell, stimulus }),
            _ => None,
        }
    }

    /// The number of public units among `units` test segments: ⌈units · public_fraction⌉, at
    /// least one.
    pub fn n_public(&self, units: usize) -> usize {
        ((units as f64 * self.test.public_fraction).ceil() as usize).clamp(1, units.max(1))
    }
}

fn positive(key: &'static str, v: f64) -> Result<(), ManifestError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(key, format!("must be a positive number, got {v}")))
    }
}

fn duration(key: &'static str, v: f64, dt_s: f64) -> Result<(), ManifestError> {
    positive(key, v)?;
    if v > 600.0 {
        return Err(invalid(key, "must be at most 600 s"));
    }
    let steps = v / dt_s;
    if (steps - steps.round()).abs() > 1e-6 {
        return Err(invalid(
            key,
            format!("must be a whole number of sampling steps ({v} s / {dt_s} s)"),
        ));
    }
    Ok(())
}

/// The rule for a challenge id (the manifest's `name`, or the id an organizer chooses at
/// creation), as error messages state it: ids appear in URLs, file names and commands.
pub const SLUG_RULE: &str = "1 to 64 characters of a-z, 0-9 and '-'";

/// Whether `s` follows [`SLUG_RULE`].
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Folds a multi-line parser message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^'))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The demo manifest, for the crate's unit tests.
#[cfg(test)]
pub(crate) fn demo() -> Manifest {
    Manifest::parse(include_str!(
        "../../datasets/injected-current-demo/dataset.toml"
    ))
    .expect("the demo manifest parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../datasets/injected-current-demo/dataset.toml");

    #[test]
    fn the_demo_manifest_parses() {
        let m = Manifest::parse(DEMO).unwrap();
        assert_eq!(m.name, "injected-current-demo");
        assert_eq!(m.kind, Kind::InjectedCurrent);
        assert!(m.test.repeats >= 4);
        assert!(m.train.duration_s * m.train.trials as f64 >= 20.0);
        assert!(m.test.duration_s * m.test.trials as f64 >= 10.0);
    }

    #[test]
    fn an_unknown_key_is_named() {
        let text = DEMO.replace("[rules]", "[rules]\nmax_teams = 3");
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("max_teams"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn a_missing_key_is_named() {
        let text = DEMO.replace("daily_limit", "# daily_limit");
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("daily_limit"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let cases = [
            (
                "public_fraction = 0.5",
                "public_fraction = 1.5",
                "test.public_fraction",
            ),
            ("dt_s = 0.0001", "dt_s = -1.0", "sampling.dt_s"),
            (
                "name = \"injected-current-demo\"",
                "name = \"Bad Name\"",
                "name",
            ),
        ];
        for (from, to, key) in cases {
            assert!(DEMO.contains(from), "fixture lacks {from}");
            let err = Manifest::parse(&DEMO.replace(from, to)).unwrap_err();
            assert!(
                matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
                "{to}: {err}"
            );
        }
    }

    #[test]
    fn an_unsupported_kind_is_named() {
        let text = DEMO.replace("kind = \"injected-current\"", "kind = \"voltage-clamp\"");
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("voltage-clamp"), "{err}");
    }

    const DENDRITIC: &str = include_str!("../../datasets/dendritic-clustered-demo/dataset.toml");

    #[test]
    fn the_dendritic_demo_manifest_parses() {
        let m = Manifest::parse(DENDRITIC).unwrap();
        assert_eq!(m.kind, Kind::DendriticInput);
        let Some(Simulated {
            cell: Cell::CableSwc(cable),
            stimulus: Stimulus::DendriticClusters(recipe),
        }) = m.simulated()
        else {
            panic!("a cable cell and a dendritic recipe");
        };
        assert_eq!(cable.swc, "cell.swc");
        assert_eq!(recipe.clusters.max_distance_um, Some(150.0));
        assert!(m.effect.is_some());
    }

    #[test]
    fn dendritic_keys_are_checked() {
        let cases = [
            // A dendritic kind with the point neuron's stimulus.
            (
                "kind = \"dendritic-input\"",
                "kind = \"injected-current\"",
                "kind",
            ),
            ("files = [\"cell.swc\", ", "files = [", "cell.swc"),
            ("dt_ms = 0.025", "dt_ms = 0.03", "sampling.dt_s"),
            ("alpha = 0.05", "alpha = 1.5", "effect.alpha"),
            ("span_um = 30.0", "span_um = -1.0", "stimulus"),
        ];
        for (from, to, key) in cases {
            assert!(DENDRITIC.contains(from), "fixture lacks {from}");
            let err = Manifest::parse(&DENDRITIC.replacen(from, to, 1)).unwrap_err();
            assert!(
                matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
                "{to}: {err}"
            );
        }
        // The effect check belongs to the dendritic family only.
        let text = DEMO.replace("[rules]", "[effect]\nalpha = 0.05\n\n[rules]");
        let err = Manifest::parse(&text).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: "effect", .. }),
            "{err}"
        );
    }

    /// `train.conditions`: default all three in order; a subset is kept in `Condition::ALL`
    /// order whatever order it is written in; empty, repeated, unknown or on the injected-current
    /// family it is refused naming the key.
    #[test]
    fn the_training_conditions_are_a_checked_subset() {
        let all = Manifest::parse(DENDRITIC).unwrap();
        assert_eq!(all.train.conditions, None);
        assert_eq!(all.train_conditions(), Condition::ALL);
        let with = |list: &str| {
            DENDRITIC.replacen("[train]\n", &format!("[train]\nconditions = {list}\n"), 1)
        };
        let m = Manifest::parse(&with("[\"space-scattered\", \"time-dispersed\"]")).unwrap();
        assert_eq!(
            m.train_conditions(),
            [Condition::TimeDispersed, Condition::SpaceScattered]
        );
        for (list, problem) in [
            ("[]", "must list at least one condition"),
            (
                "[\"clustered\", \"clustered\"]",
                "entry 1 (\"clustered\") is listed twice",
            ),
        ] {
            let err = Manifest::parse(&with(list)).unwrap_err().to_string();
            assert_eq!(err, format!("dataset.toml: `train.conditions` {problem}"));
        }
        let err = Manifest::parse(&with("[\"scattered\"]"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("scattered") && err.contains("conditions"),
            "{err}"
        );
        let injected = DEMO.replacen("[train]\n", "[train]\nconditions = [\"clustered\"]\n", 1);
        let err = Manifest::parse(&injected).unwrap_err();
        assert!(
            matches!(
                &err,
                ManifestError::Invalid {
                    key: "train.conditions",
                    ..
                }
            ),
            "{err}"
        );
    }

    const DRN: &str = include_str!("../../datasets/drn-frozen-noise/dataset.toml");
    /// The public view leaves out `[cell]` and, for dendritic input, the biophysics file and
    /// the recipe's kinetics, weights and noise; it keeps the stimulus statistics; its text
    /// reads back as the same view, which the organizer's parser refuses for lacking `[cell]`.
    #[test]
    fn the_public_view_leaves_the_generator_out_and_reads_back() {
        for text in [DEMO, DENDRITIC] {
            let full = Manifest::parse(text).unwrap();
            assert!(full.hides_generator());
            let public = full.public_view();
            assert_eq!(public.cell, None);
            assert!(public.simulated().is_none());
            assert_eq!(public.stimulus.is_some(), full.stimulus.is_some());
            assert!(!public.files.contains(&"cell_biophysics.json".to_string()));
            let served = Manifest::public_toml(text).unwrap();
            assert_eq!(Manifest::parse_public(&served).unwrap(), public);
            let err = Manifest::parse(&served).unwrap_err();
            assert!(
                matches!(&err, ManifestError::Invalid { key: "cell", .. }),
                "{err}"
            );
            // Everything but the generator is as the organizer wrote it.
            let mut restored = public.clone();
            restored.cell = full.cell.clone();
            restored.files = full.files.clone();
            restored.stimulus = full.stimulus.clone();
            assert_eq!(restored, full);
        }
        let public = Manifest::parse(DENDRITIC).unwrap().public_view();
        let Some(Stimulus::DendriticClusters(recipe)) = &public.stimulus else {
            panic!("a dendritic recipe");
        };
        assert!(recipe.is_public_view());
        assert_eq!(recipe.clusters.synapses_per_cluster, 16);
        assert_eq!(recipe.excitatory.sites_per_um.basal, 0.5);
        assert_eq!(public.files, ["cell.swc"]);
        let err = recipe.synaptic().unwrap_err().to_string();
        assert!(err.starts_with("stimulus.receptors is absent"), "{err}");
    }

    /// `publish = ["cell"]` publishes the whole generator: the served text is the organizer's
    /// own. Unknown or repeated values, a recorded challenge's `publish`, a public view without
    /// the `[cell]` it publishes and one holding part of the generator are refused by name.
    #[test]
    fn publish_is_checked_and_publishes_the_whole_generator() {
        let published = DENDRITIC.replacen("files = [", "publish = [\"cell\"]\nfiles = [", 1);
        let m = Manifest::parse(&published).unwrap();
        assert_eq!(m.publish, [Publish::Cell]);
        assert!(!m.hides_generator());
        assert_eq!(m.public_view(), m);
        assert_eq!(Manifest::public_toml(&published).unwrap(), published);
        assert!(
            Manifest::parse_public(&published)
                .unwrap()
                .simulated()
                .is_some()
        );

        let err = Manifest::parse(&DEMO.replacen(
            "public_benchmark = false",
            "public_benchmark = false\npublish = [\"weights\"]",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`publish`") && err.contains("\"weights\""),
            "{err}"
        );
        let twice = DEMO.replacen(
            "public_benchmark = false",
            "public_benchmark = false\npublish = [\"cell\", \"cell\"]",
            1,
        );
        assert_eq!(
            Manifest::parse(&twice).unwrap_err().to_string(),
            "dataset.toml: `publish` entry 1 (\"cell\") is listed twice"
        );
        let recorded = DRN.replacen(
            "public_benchmark = true",
            "public_benchmark = true\npublish = [\"cell\"]",
            1,
        );
        assert_ne!(recorded, DRN, "fixture lacks public_benchmark = true");
        let err = Manifest::parse(&recorded).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: "publish", .. }),
            "{err}"
        );

        // A served view that says it publishes the cell but lacks it.
        let served = Manifest::public_toml(DENDRITIC).unwrap();
        let lying = served.replacen("kind = ", "publish = [\"cell\"]\nkind = ", 1);
        let err = Manifest::parse_public(&lying).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: "cell", .. }),
            "{err}"
        );
        // A view without [cell] that keeps some of the generator.
        let mut partial = Manifest::parse(DENDRITIC).unwrap().public_view();
        let Some(Stimulus::DendriticClusters(recipe)) = &mut partial.stimulus else {
            panic!("a dendritic recipe");
        };
        recipe.excitatory.nmda_weight_us = Some(0.001);
        let err = Manifest::parse_public(&toml::to_string(&partial).unwrap()).unwrap_err();
        assert!(
            matches!(
                &err,
                ManifestError::Invalid {
                    key: "stimulus",
                    ..
                }
            ),
            "{err}"
        );
        // The organizer's manifest must hold every key of the generator.
        let err = Manifest::parse(&DENDRITIC.replace("nmda_weight_us = 0.0012\n", ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("stimulus.excitatory.nmda_weight_us"), "{err}");
    }

    /// A recorded challenge has no generator: both views are the same and its text is served
    /// byte for byte.
    #[test]
    fn a_recorded_manifest_is_served_unchanged() {
        let m = Manifest::parse(DRN).unwrap();
        assert!(!m.hides_generator());
        assert_eq!(m.public_view(), m);
        assert_eq!(Manifest::public_toml(DRN).unwrap(), DRN);
    }

    #[test]
    fn the_aec_recording_is_optional_public_and_checked_by_name() {
        let m = Manifest::parse(DRN).unwrap();
        let aec = m.recording.as_ref().unwrap().aec.as_ref().unwrap();
        assert_eq!(aec.file, "DRN156_5HT/DRN156_5ht_aec.abf");
        assert!(m.files.contains(&aec.file));
        // Without the section the manifest still parses, with no AEC recording.
        let start = DRN.find("[recording.aec]").unwrap();
        let end = start + DRN[start..].find("\n\n").unwrap();
        let without = Manifest::parse(&format!("{}{}", &DRN[..start], &DRN[end + 2..])).unwrap();
        assert_eq!(without.recording.unwrap().aec, None);
        let cases = [
            // Not a public file.
            (
                "files = [\"DRN156_5HT/DRN156_5ht_training.abf\", \"DRN156_5HT/DRN156_5ht_aec.abf\"]",
                "files = [\"DRN156_5HT/DRN156_5ht_training.abf\"]",
                "recording.aec.file",
            ),
            ("sha256 = \"36c0", "sha256 = \"36C0", "recording.aec"),
            (
                "DRN156_5ht_aec.abf\"\n# The same 5 pA as the training recording's.\ncurrent_offset_pa = -5.0",
                "DRN156_5ht_aec.abf\"\ncurrent_offset_pa = inf",
                "recording.aec",
            ),
        ];
        for (from, to, key) in cases {
            assert!(DRN.contains(from), "fixture lacks {from}");
            let err = Manifest::parse(&DRN.replacen(from, to, 1)).unwrap_err();
            assert!(
                matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
                "{to}: {err}"
            );
        }
        // An unknown key in the section is named.
        let err =
            Manifest::parse(&DRN.replace("[recording.aec]\n", "[recording.aec]\nkernel = 3\n"))
                .unwrap_err()
                .to_string();
        assert!(err.contains("kernel"), "{err}");
    }

    #[test]
    fn files_must_stay_inside_the_dataset() {
        let text = DEMO.replace(
            "schema_version = 1",
            "schema_version = 1\nfiles = [\"../secret\"]",
        );
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("files"), "{err}");
    }
}
