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
//!
//! Why generic. This crate reads and checks every key that means the same in every family; the
//! family sections (`kind`, `[cell]`, `[stimulus]`, `[recording]`, `[effect]`) are typed, checked
//! and hidden by the families' dispatch ([`FamilySections`]), so that the core never names a
//! family. The manifest is still one flat TOML document parsed in one pass, so a misspelt key
//! anywhere is named with its line.

pub mod budget;
mod checks;
mod family;
mod sections;

pub use checks::{
    MAX_TITLE_CHARS, ManifestError, SLUG_RULE, View, duration, invalid, is_slug, positive,
};
pub use family::FamilySections;
pub use sections::{
    DEFAULT_LADDER_STEP, LiveSection, Publish, Rules, Sampling, ScoringSection, Source, SplitShape,
    TestSplit, TrainSplit,
};

use serde::{Deserialize, Serialize};

use crate::trial::{Condition, Split};

/// The manifest schema version this code reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A parsed and checked dataset manifest, its family sections typed by `F`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(serialize = "", deserialize = ""))]
pub struct Manifest<F: FamilySections> {
    /// Must equal [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Short identifier, lower-case letters, digits and `-` (the default challenge id).
    pub name: String,
    /// One-line human title.
    pub title: String,
    /// The challenge family's kind of input.
    pub kind: F::Kind,
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
    pub cell: Option<F::Cell>,
    /// Simulated challenges: the stimulus recipe.
    #[serde(default)]
    pub stimulus: Option<F::Stimulus>,
    /// Recorded challenges: where stimulus and responses are read from.
    #[serde(default)]
    pub recording: Option<F::Recording>,
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
    pub effect: Option<F::Effect>,
}

/// The parts of a manifest that only simulated challenges have, borrowed together.
#[derive(Clone, Copy, Debug)]
pub struct Simulated<'a, F: FamilySections> {
    /// `[cell]`.
    pub cell: &'a F::Cell,
    /// `[stimulus]`.
    pub stimulus: &'a F::Stimulus,
}

impl<F: FamilySections> Manifest<F> {
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
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        Self::parse_as(text, View::Organizer)
    }

    /// Parses and checks the manifest a contestant fetched ([`Manifest::public_toml`]): a
    /// simulated challenge's generator is absent unless `publish` names it (an organizer's full
    /// manifest is accepted too).
    ///
    /// # Errors
    /// [`ManifestError`] naming the first key at fault.
    pub fn parse_public(text: &str) -> Result<Self, ManifestError> {
        Self::parse_as(text, View::Public)
    }

    fn parse_as(text: &str, view: View) -> Result<Self, ManifestError> {
        // Windows editors start UTF-8 files with a byte-order mark, which TOML does not allow.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let manifest: Self = toml::from_str(text)
            .map_err(|e| ManifestError::Syntax(checks::one_line(&e.to_string())))?;
        manifest.check(view)?;
        Ok(manifest)
    }

    /// Whether contestants are kept from the generator: a simulated challenge whose organizer
    /// does not publish the cell.
    pub fn hides_generator(&self) -> bool {
        self.source == Source::Simulated && !self.publish.contains(&Publish::Cell)
    }

    /// What a contestant fetches of this manifest: without `[cell]` and without what the family
    /// keeps of its generator elsewhere ([`FamilySections::hide_generator`]: for dendritic
    /// input, the biophysics file in `files` and the receptor kinetics, synaptic weights and
    /// intrinsic noise in `[stimulus]`); the stimulus statistics stay, since the stimuli
    /// themselves are public. Unchanged where nothing is hidden ([`Manifest::hides_generator`]).
    pub fn public_view(&self) -> Self {
        let mut out = self.clone();
        if !self.hides_generator() {
            return out;
        }
        F::hide_generator(&mut out);
        out.cell = None;
        out
    }

    /// Trials (pairs, in a paired family) of a live evaluation: `live.trials`, else
    /// `test.trials`.
    pub fn live_trials(&self) -> u32 {
        self.live.trials.unwrap_or(self.test.trials)
    }

    /// Duration of a live trial, seconds: `live.duration_s`, else `test.duration_s`.
    pub fn live_duration_s(&self) -> f64 {
        self.live.duration_s.unwrap_or(self.test.duration_s)
    }

    /// The data files the generator reads ([`FamilySections::generator_files`]: the SWC and
    /// biophysics of a cable cell; none for the point neuron, a recorded challenge or a public
    /// view without `[cell]`): what the server loads beside the public files to rebuild the
    /// generator.
    pub fn generator_files(&self) -> Vec<&str> {
        F::generator_files(self)
    }

    /// The text served to contestants as `dataset.toml`: `text` byte for byte where nothing is
    /// hidden, else [`Manifest::public_view`] written as TOML. The rewrite drops the
    /// organizer's comments (which might quote hidden values) and writes every default out.
    ///
    /// # Errors
    /// [`ManifestError`] if `text` is not a valid organizer's manifest.
    pub fn public_toml(text: &str) -> Result<String, ManifestError> {
        let manifest = Self::parse(text)?;
        if !manifest.hides_generator() {
            return Ok(text.to_string());
        }
        toml::to_string(&manifest.public_view())
            .map_err(|e| ManifestError::Syntax(format!("writing the public view: {e}")))
    }

    /// The generator of a simulated challenge, its cell and stimulus; `None` for a recorded
    /// challenge and for a public view that leaves the generator out ([`Manifest::parse`]
    /// guarantees the parts are complete when `[cell]` is present).
    pub fn simulated(&self) -> Option<Simulated<'_, F>> {
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

    /// The trials, duration and repeats of `split`.
    pub fn split_shape(&self, split: Split) -> SplitShape {
        match split {
            Split::Train => SplitShape {
                trials: self.train.trials,
                duration_s: self.train.duration_s,
                repeats: self.train.repeats,
            },
            Split::Test => SplitShape {
                trials: self.test.trials,
                duration_s: self.test.duration_s,
                repeats: self.test.repeats,
            },
        }
    }
}
