//! A generated challenge as the server stores it: its trials, every file with who may read it,
//! the hashes, and the views of it that the decoders read back.
//!
//! Training trials are a pure function of the manifest (their seed is public), so anyone can
//! regenerate them; test trials also depend on the hidden seed the server draws at creation, so
//! nothing in the repository determines the hidden responses. How each family makes its trials
//! is the family's; how they are laid out in files, split into parts and hashed is here
//! ([`crate::assembly`]), the same for every family.

use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hash::public_dataset_hash;
use crate::hidden::{HiddenDataError, HiddenTrial};
use crate::manifest::Manifest;
use crate::public::{FamilyPublicData, PublicChallenge, PublicDataError, TrialListing};
use crate::trial::{Condition, Segment, Split};

/// Who may read a generated file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Visibility {
    /// Served to every caller by `FetchChallenge`.
    Public,
    /// Kept in the database for scoring; never served.
    Hidden,
}

impl Visibility {
    /// The name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Hidden => "hidden",
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedFile {
    /// File name, unique within the challenge.
    pub name: String,
    /// Who may read it.
    pub visibility: Visibility,
    /// The bytes (`.npy` or text).
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
}

/// One generated trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedTrial {
    /// Trial id, e.g. `train-00`, `test-03`.
    pub id: String,
    /// Position in the challenge (training first).
    pub ordinal: u32,
    /// Training or test.
    pub split: Split,
    /// For test trials, its segments and their parts (empty for training trials). Hidden:
    /// stored, never served.
    pub segments: Vec<Segment>,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Repeats of the response.
    pub n_repeats: u32,
    /// Role → file name.
    pub files: BTreeMap<String, String>,
    /// Test trials of a paired design: the trial's condition.
    pub condition: Option<Condition>,
}

/// What generating a challenge reports to the organizer beyond the reliabilities, by family.
///
/// Why a trait here. [`GeneratedChallenge`] is the same for every family but for this report;
/// the families' dispatch (`arena_challenge::families::Family`) names its type.
pub trait FamilyReport {
    /// The report (dendritic input: clustered versus each control over the test trials).
    type Report: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
}

/// A challenge ready to store. It serializes whole (serde), so that the test suites generate an
/// expensive one once per run and share it between test processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct GeneratedChallenge<F: FamilyReport> {
    /// Training trials then test trials.
    pub trials: Vec<GeneratedTrial>,
    /// Every file, public and hidden.
    pub files: Vec<GeneratedFile>,
    /// [`crate::hash::trials_hash`] of `files`.
    pub trials_hash: String,
    /// Intrinsic reliability R of the training responses: the mean over training trials of the
    /// mean coincidence factor between pairs of repeats (Δ = `scoring.delta_ms`); `None` with
    /// fewer than two repeats. Public, like the training responses.
    pub train_reliability: Option<f64>,
    /// The same over the hidden test responses, for the organizer.
    pub test_reliability: Option<f64>,
    /// What the family's generator found, for the organizer (dendritic input: clustered versus
    /// each control over the test trials); `None` where the family reports nothing.
    pub report: Option<F::Report>,
}

/// Data files by the name the manifest gives them (`files` and `hidden_files`): their bytes.
pub type DataFiles = BTreeMap<String, Vec<u8>>;

/// Why generation failed.
#[derive(Debug, Error)]
pub enum GenerateError {
    /// The stimulus recipe was refused by the generator.
    #[error("stimulus: {0}")]
    Stimulus(String),
    /// The cell model refused its parameters or input.
    #[error("cell: {0}")]
    Cell(String),
    /// The manifest holds no generating model (a recorded challenge, or the public view of a
    /// simulated one); what was asked needs it.
    #[error(
        "the manifest holds no generating model (a recorded challenge, or a public view that \
         leaves the generator to the server) to {0}"
    )]
    NotSimulated(&'static str),
    /// A data file the manifest names was not supplied.
    #[error("file {0:?} is named by the manifest but was not supplied")]
    MissingFile(String),
    /// A recording could not be used.
    #[error("{file}: {problem}")]
    Recording {
        /// The file as the manifest names it.
        file: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A family refused its cell, its recipe or its data in its own terms (the dendritic
    /// family: clusters that make no difference included); the family's error type is the
    /// source.
    #[error(transparent)]
    Family(Box<dyn std::error::Error + Send + Sync>),
}

impl<F: FamilyReport + FamilyPublicData> GeneratedChallenge<F> {
    /// What a contestant fetches: the public view of `manifest` ([`Manifest::public_view`]) and
    /// the public files, decoded by the same [`PublicChallenge::from_files`] the client and
    /// server use (for measurements and tests that need no server). Where the generator is
    /// hidden, the reference baseline does not fit on it.
    ///
    /// # Errors
    /// [`PublicDataError`] if a public file does not decode.
    pub fn public_view(
        &self,
        manifest: &Manifest<F>,
    ) -> Result<PublicChallenge<F>, PublicDataError> {
        self.decode(manifest.public_view(), &DataFiles::new())
    }

    /// What the server holds: the organizer's `manifest`, the public files and the uploaded
    /// `data` files, so that the reference baseline fits too (the other baselines read the
    /// public files only, as on a contestant's side).
    ///
    /// # Errors
    /// [`PublicDataError`] if a file does not decode.
    pub fn organizer_view(
        &self,
        manifest: &Manifest<F>,
        data: &DataFiles,
    ) -> Result<PublicChallenge<F>, PublicDataError> {
        self.decode(manifest.clone(), data)
    }

    /// [`PublicChallenge::from_files`] over the public files, then `data`.
    fn decode(
        &self,
        manifest: Manifest<F>,
        data: &DataFiles,
    ) -> Result<PublicChallenge<F>, PublicDataError> {
        let dt_s = manifest.sampling.dt_s;
        PublicChallenge::from_files(
            manifest,
            dt_s,
            self.trials.iter().map(|t| TrialListing {
                id: &t.id,
                split: t.split,
                duration_s: t.duration_s,
                condition: t.condition,
                files: &t.files,
            }),
            |name| {
                self.files
                    .iter()
                    .find(|f| f.name == name && f.visibility == Visibility::Public)
                    .map(|f| f.bytes.clone())
                    .or_else(|| data.get(name).cloned())
            },
        )
    }

    /// The public dataset hash of this challenge served with `public_manifest` (the text of
    /// [`Manifest::public_toml`]): over it and every public file ([`public_dataset_hash`]).
    pub fn public_dataset_hash(&self, public_manifest: &str) -> String {
        let served: Vec<(String, String)> = self
            .files
            .iter()
            .filter(|f| f.visibility == Visibility::Public)
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect();
        public_dataset_hash(public_manifest, &served)
    }

    /// The hidden test trials as the server scores them, from the hidden spikes files.
    ///
    /// # Errors
    /// [`HiddenDataError`] if a test trial has no hidden spikes file or it does not decode.
    pub fn hidden_trials(&self) -> Result<Vec<HiddenTrial>, HiddenDataError> {
        self.trials
            .iter()
            .filter(|t| t.split == Split::Test)
            .map(|t| {
                let name = format!("{}_spikes.npy", t.id);
                let missing = || HiddenDataError::Missing {
                    trial: t.id.clone(),
                    file: name.clone(),
                };
                let file = self
                    .files
                    .iter()
                    .find(|f| f.name == name && f.visibility == Visibility::Hidden)
                    .ok_or_else(missing)?;
                Ok(
                    HiddenTrial::from_npy(&t.id, t.duration_s, &file.bytes, t.segments.clone())?
                        .with_condition(t.condition),
                )
            })
            .collect()
    }
}
