//! The bundle: its files, their JSON documents, and reading them back.

use std::fs;
use std::path::Path;

use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::npy;
use arena_challenge_core::trial::{Condition, Part, Segment};
use arena_scoring::{ScoringParams, SpikeTrain};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::AuditError;
use crate::board::{NamedMetric, named};
use crate::evaluate::{Evaluation, Intervals};

/// The format tag of `bundle.json`; a reader refuses any other.
pub const FORMAT: &str = "spike-arena-audit-bundle/1";

/// The README written into every bundle: its format, file by file.
pub const README: &str = include_str!("bundle_readme.md");

/// Largest file a bundle reader accepts, bytes (1 GiB): checked on the file's size before it
/// is read. A predictions file is at most 64 MiB (the transport's limit) and a test trial's
/// hidden responses a few MiB; the bound only keeps a wrong folder from filling the memory.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The files of a bundle, relative to its folder.
pub mod file {
    /// The format description.
    pub const README: &str = "README.md";
    /// [`super::BundleInfo`].
    pub const INFO: &str = "bundle.json";
    /// The predictions file, byte for byte as stored.
    pub const PREDICTIONS: &str = "predictions.json";
    /// The scored test trials ([`super::TrialEntry`]).
    pub const TRIALS: &str = "trials.json";
    /// Every stored score ([`super::StoredScores`]).
    pub const SCORES: &str = "scores.json";
    /// A live evaluation's generator: the organizer's manifest.
    pub const GENERATOR_MANIFEST: &str = "generator/dataset.toml";

    /// The hidden responses of test trial `trial_id`.
    pub fn responses(trial_id: &str) -> String {
        format!("hidden/{trial_id}_spikes.npy")
    }

    /// A data file the generator reads.
    pub fn generator(name: &str) -> String {
        format!("generator/{name}")
    }
}

/// How much of the evaluation a bundle discloses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Everything (organizers and auditors): every part, every trial, a live generator.
    Full,
    /// The public part only (a contestant, once the challenge is closed): the hidden spikes
    /// inside the public segments, the public segments, the public scores.
    Public,
}

impl Scope {
    /// The scope as `bundle.json` and the wire name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Full => "full",
            Scope::Public => "public",
        }
    }
}

/// How the submission was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A predictions file scored against the challenge's hidden test trials.
    Offline,
    /// A live evaluation on fresh trials (its scores count for both parts).
    Live,
}

/// `bundle.json`: what was scored, with what, and the audit record's hashes and versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// [`FORMAT`].
    pub format: String,
    /// What the bundle discloses.
    pub scope: Scope,
    /// Submission id.
    pub submission_id: String,
    /// Challenge id.
    pub challenge_id: String,
    /// The challenge's family (`injected-current`, `dendritic-input`, …).
    pub kind: String,
    /// Offline or live.
    pub mode: Mode,
    /// The team that submitted.
    pub team: String,
    /// The model's label.
    pub model: String,
    /// Lower-case hex SHA-256 of the predictions file as stored.
    pub submission_sha256: String,
    /// Sampling step of the challenge, seconds (an intensity's bins are checked against it).
    pub dt_s: f64,
    /// The metric parameters of the evaluation (Δ in seconds, the kernel).
    pub params: ScoringParams,
    /// Metric definitions version of the evaluation.
    pub metrics_version: String,
    /// Scoring library version of the evaluation.
    pub scoring_library_version: String,
    /// Full dataset hash at scoring time (the organizer's manifest and data files); full scope
    /// only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_hash: Option<String>,
    /// Public dataset hash at scoring time (what a contestant fetches).
    pub public_dataset_hash: String,
    /// Hash of every generated file of the challenge at scoring time.
    pub trials_hash: String,
    /// Challenge version at scoring time.
    pub challenge_version: i64,
    /// When the evaluation was stored, RFC 3339 UTC.
    pub evaluated_at: String,
    /// The seeds of the scored trials: a live evaluation's `live_seed` and how each trial's
    /// stimulus and response seeds derive from it; `{}` offline.
    pub seeds: serde_json::Value,
    /// A live evaluation's generator (full scope): the data files under `generator/` beside
    /// `generator/dataset.toml`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_files: Option<Vec<String>>,
}

/// One scored test trial in `trials.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialEntry {
    /// Trial id.
    pub id: String,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Hidden repeats (rows of the responses file).
    pub n_repeats: usize,
    /// Paired designs: the trial's condition.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// The segments and the part each counts for (in the public scope, the public ones only).
    pub segments: Vec<Segment>,
    /// The responses file ([`file::responses`]).
    pub responses: String,
}

/// One trial's stored scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialScores {
    /// Trial id.
    pub trial_id: String,
    /// Its scores over the whole trial.
    pub scores: Vec<NamedMetric>,
}

/// `scores.json`: an evaluation's scores as the server stores them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredScores {
    /// The public part's named scores.
    pub public: Vec<NamedMetric>,
    /// The private part's (full scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<Vec<NamedMetric>>,
    /// Per whole trial, in challenge order (full scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<Vec<TrialScores>>,
}

impl StoredScores {
    /// The scores the server stores for an evaluation and its primaries' intervals. A live
    /// evaluation's trials are fresh and never reused, so its scores count for both boards:
    /// its private scores are its public ones.
    pub fn of(evaluation: &Evaluation, intervals: &Intervals, mode: Mode) -> StoredScores {
        let public = evaluation.named(Part::Public, Some(&intervals.public));
        let private = match mode {
            Mode::Live => public.clone(),
            Mode::Offline => evaluation.named(Part::Private, Some(&intervals.private)),
        };
        StoredScores {
            public,
            private: Some(private),
            trials: Some(
                evaluation
                    .trials
                    .iter()
                    .map(|t| TrialScores {
                        trial_id: t.trial_id.clone(),
                        scores: named(&t.scores),
                    })
                    .collect(),
            ),
        }
    }

    /// The same scores as they read back after the store's JSON (a value JSON cannot hold,
    /// such as an infinity, reads back as it is stored: null).
    pub fn as_stored(&self) -> StoredScores {
        serde_json::from_str(&serde_json::to_string(self).expect("scores serialise"))
            .expect("serialised scores read back")
    }
}

/// A live evaluation's generator: the organizer's manifest and the data files it reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    /// The organizer's `dataset.toml`.
    pub manifest_toml: String,
    /// The data files the generator reads, by name.
    pub files: DataFiles,
}

/// A bundle in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// `bundle.json`.
    pub info: BundleInfo,
    /// The predictions file, byte for byte.
    pub predictions: Vec<u8>,
    /// The scored test trials with their hidden responses.
    pub trials: Vec<HiddenTrial>,
    /// Every stored score the bundle discloses.
    pub scores: StoredScores,
    /// A live evaluation's generator (full scope).
    pub generator: Option<Generator>,
}

impl Bundle {
    /// What a contestant may see once the challenge is closed: the public segments, the hidden
    /// spikes inside them (a spike in a private segment is dropped), the public scores; no
    /// private or per-trial scores (they are computed on the private part's spikes too), no
    /// full dataset hash, no generator. The public scores recompute unchanged from it: each
    /// public segment is scored on its own window, which ignores spikes outside it
    /// ([`arena_scoring::trial_stats`]).
    pub fn public_part(self) -> Bundle {
        let trials = self
            .trials
            .into_iter()
            .map(|t| {
                let segments: Vec<Segment> = t
                    .segments
                    .into_iter()
                    .filter(|s| s.part == Part::Public)
                    .collect();
                let public = |time: &f64| {
                    segments
                        .iter()
                        .any(|s| s.start_s <= *time && *time < s.end_s)
                };
                let recorded = t
                    .recorded
                    .iter()
                    .map(|r| {
                        SpikeTrain::new(r.times().iter().copied().filter(public).collect())
                            .expect("a subset of a spike train is one")
                    })
                    .collect();
                HiddenTrial {
                    recorded,
                    segments,
                    ..t
                }
            })
            .collect();
        Bundle {
            info: BundleInfo {
                scope: Scope::Public,
                dataset_hash: None,
                generator_files: None,
                ..self.info
            },
            predictions: self.predictions,
            trials,
            scores: StoredScores {
                public: self.scores.public,
                private: None,
                trials: None,
            },
            generator: None,
        }
    }

    /// The bundle's files, relative paths and bytes, in the order they are written.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let entries: Vec<TrialEntry> = self
            .trials
            .iter()
            .map(|t| TrialEntry {
                id: t.id.clone(),
                duration_s: t.duration_s,
                n_repeats: t.recorded.len(),
                condition: t.condition,
                segments: t.segments.clone(),
                responses: file::responses(&t.id),
            })
            .collect();
        let mut files = vec![
            (file::README.to_string(), README.as_bytes().to_vec()),
            (file::INFO.to_string(), pretty(&self.info)),
            (file::PREDICTIONS.to_string(), self.predictions.clone()),
            (file::TRIALS.to_string(), pretty(&entries)),
            (file::SCORES.to_string(), pretty(&self.scores)),
        ];
        for t in &self.trials {
            let rows: Vec<Vec<f64>> = t.recorded.iter().map(|r| r.times().to_vec()).collect();
            files.push((file::responses(&t.id), npy::encode_ragged(&rows)));
        }
        if let Some(g) = &self.generator {
            files.push((
                file::GENERATOR_MANIFEST.to_string(),
                g.manifest_toml.as_bytes().to_vec(),
            ));
            for (name, bytes) in &g.files {
                files.push((file::generator(name), bytes.clone()));
            }
        }
        files
    }

    /// Reads the bundle in `dir`, every file bounded by [`MAX_FILE_BYTES`] before it is read.
    ///
    /// # Errors
    /// [`AuditError::File`] naming the first file that is missing, too large or unreadable.
    pub fn read(dir: &Path) -> Result<Bundle, AuditError> {
        let info: BundleInfo = read_json(dir, file::INFO)?;
        if info.format != FORMAT {
            return Err(AuditError::file(
                file::INFO,
                format!("format {:?} is not {FORMAT:?}", info.format),
            ));
        }
        info.params
            .validate()
            .map_err(|e| AuditError::file(file::INFO, format!("params: {}", e.reason)))?;
        let entries: Vec<TrialEntry> = read_json(dir, file::TRIALS)?;
        let mut trials = Vec::with_capacity(entries.len());
        for e in entries {
            let name = file::responses(&e.id);
            if !is_plain_name(&e.id) || e.responses != name {
                return Err(AuditError::file(
                    file::TRIALS,
                    format!("trial {:?}: responses must be {name:?}", e.id),
                ));
            }
            let trial = HiddenTrial::from_npy(&e.id, e.duration_s, &read(dir, &name)?, e.segments)
                .map_err(|err| AuditError::file(&name, err))?;
            if trial.recorded.len() != e.n_repeats {
                return Err(AuditError::file(
                    &name,
                    format!(
                        "{} repeats, trials.json says {}",
                        trial.recorded.len(),
                        e.n_repeats
                    ),
                ));
            }
            trials.push(trial.with_condition(e.condition));
        }
        let generator = match &info.generator_files {
            None => None,
            Some(names) => {
                let manifest = read(dir, file::GENERATOR_MANIFEST)?;
                let mut files = DataFiles::new();
                for name in names {
                    let path = file::generator(name);
                    if !name.split('/').all(is_plain_name) {
                        return Err(AuditError::file(
                            file::INFO,
                            format!("generator file {name:?} is not a plain relative path"),
                        ));
                    }
                    files.insert(name.clone(), read(dir, &path)?);
                }
                Some(Generator {
                    manifest_toml: String::from_utf8(manifest)
                        .map_err(|e| AuditError::file(file::GENERATOR_MANIFEST, e))?,
                    files,
                })
            }
        };
        Ok(Bundle {
            predictions: read(dir, file::PREDICTIONS)?,
            scores: read_json(dir, file::SCORES)?,
            info,
            trials,
            generator,
        })
    }
}

/// A single path component: not empty, no separator, not `.` or `..`.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// The bytes of `name` in `dir`, at most [`MAX_FILE_BYTES`].
fn read(dir: &Path, name: &str) -> Result<Vec<u8>, AuditError> {
    let path = dir.join(name);
    let size = fs::metadata(&path)
        .map_err(|e| AuditError::file(name, format!("cannot read it: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(AuditError::file(
            name,
            format!("{size} bytes, more than the {MAX_FILE_BYTES} a bundle file may hold"),
        ));
    }
    fs::read(&path).map_err(|e| AuditError::file(name, format!("cannot read it: {e}")))
}

/// `name` in `dir` read as JSON.
fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<T, AuditError> {
    serde_json::from_slice(&read(dir, name)?).map_err(|e| AuditError::file(name, e))
}

/// A bundle document as pretty JSON with a final newline.
fn pretty<T: Serialize>(document: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(document).expect("bundle documents serialise");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial() -> HiddenTrial {
        HiddenTrial {
            id: "test-00".into(),
            duration_s: 2.0,
            recorded: vec![
                SpikeTrain::new(vec![0.1, 0.9, 1.2, 1.9]).unwrap(),
                SpikeTrain::new(vec![1.5]).unwrap(),
            ],
            condition: None,
            segments: vec![
                Segment {
                    start_s: 0.0,
                    end_s: 1.0,
                    part: Part::Private,
                },
                Segment {
                    start_s: 1.0,
                    end_s: 2.0,
                    part: Part::Public,
                },
            ],
        }
    }

    fn bundle() -> Bundle {
        let metric = |name: &str| NamedMetric {
            name: name.into(),
            value: Some(0.25),
            note: String::new(),
        };
        Bundle {
            info: BundleInfo {
                format: FORMAT.into(),
                scope: Scope::Full,
                submission_id: "sub-1".into(),
                challenge_id: "c".into(),
                kind: "injected-current".into(),
                mode: Mode::Offline,
                team: "t".into(),
                model: "m".into(),
                submission_sha256: "00".into(),
                dt_s: 1e-4,
                params: ScoringParams::default(),
                metrics_version: "v".into(),
                scoring_library_version: "l".into(),
                dataset_hash: Some("d".into()),
                public_dataset_hash: "p".into(),
                trials_hash: "h".into(),
                challenge_version: 1,
                evaluated_at: "2026-12-08T00:00:00Z".into(),
                seeds: serde_json::json!({}),
                generator_files: None,
            },
            predictions: br#"{"trials": {"test-00": [[0.5]]}}"#.to_vec(),
            trials: vec![trial()],
            scores: StoredScores {
                public: vec![metric("primary")],
                private: Some(vec![metric("primary")]),
                trials: Some(vec![TrialScores {
                    trial_id: "test-00".into(),
                    scores: vec![metric("md_star")],
                }]),
            },
            generator: None,
        }
    }

    #[test]
    fn a_bundle_reads_back_from_its_files_as_written() {
        let dir = std::env::temp_dir().join(format!("arena-bundle-{}", std::process::id()));
        for (name, bytes) in bundle().files() {
            let path = dir.join(&name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        let read = Bundle::read(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read.unwrap(), bundle());
    }

    #[test]
    fn the_public_part_keeps_the_public_segments_their_spikes_and_scores_only() {
        let public = bundle().public_part();
        let t = &public.trials[0];
        assert_eq!(t.segments, vec![trial().segments[1]]);
        let times: Vec<&[f64]> = t.recorded.iter().map(SpikeTrain::times).collect();
        assert_eq!(times, [&[1.2, 1.9][..], &[1.5][..]]);
        assert_eq!(public.info.scope, Scope::Public);
        assert_eq!(public.info.dataset_hash, None);
        assert_eq!(public.scores.private, None);
        assert_eq!(public.scores.trials, None);
        assert_eq!(public.predictions, bundle().predictions);
    }

    #[test]
    fn a_responses_path_outside_the_bundle_is_refused() {
        assert!(is_plain_name("test-00"));
        for bad in ["", ".", "..", "a/b", "a\\b"] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }
}
