//! Turns a manifest and a hidden seed into a challenge's trials and files.
//!
//! Training trials are a pure function of the manifest (their seed is public), so anyone can
//! regenerate them; test trials also depend on the hidden seed the server draws at creation, so
//! nothing in the repository determines the hidden responses. Every seed below is derived from
//! those two by [`derive_seed`] with a fixed label, which the audit record can replay.

use std::collections::BTreeMap;

use arena_neuron::point::simulate_adex;
use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_neuron::stimulus::ou_current;
use arena_scoring::coincidence::intrinsic_reliability;
use arena_scoring::{SpikeTrain, Window};
use rand::seq::SliceRandom;
use thiserror::Error;

use crate::baselines::{PublicChallenge, PublicDataError, TrialListing};
use crate::dendritic::{self, DendriticError, EffectReport};
use crate::evaluate::{HiddenDataError, HiddenTrial};
use crate::hash::{public_dataset_hash, sha256_hex, trials_hash};
use crate::manifest::{Cell, Manifest, RecordedFile, Simulated, Stimulus};
use crate::npy;
use crate::recorded::{self, AecRecording};
use crate::trial::{Condition, Part, Segment, Split, role, segment_bounds};

/// Who may read a generated file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
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

/// A challenge ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedChallenge {
    /// Training trials then test trials.
    pub trials: Vec<GeneratedTrial>,
    /// Every file, public and hidden.
    pub files: Vec<GeneratedFile>,
    /// [`trials_hash`] of `files`.
    pub trials_hash: String,
    /// Intrinsic reliability R of the training responses: the mean over training trials of the
    /// mean coincidence factor between pairs of repeats (Δ = `scoring.delta_ms`); `None` with
    /// fewer than two repeats. Public, like the training responses.
    pub train_reliability: Option<f64>,
    /// The same over the hidden test responses, for the organizer.
    pub test_reliability: Option<f64>,
    /// Dendritic-input challenges: clustered versus each control over the test trials, as
    /// [`crate::dendritic::check_effect`] found it (for the organizer).
    pub effect: Option<EffectReport>,
}

impl GeneratedChallenge {
    /// What a contestant fetches: the public view of `manifest` ([`Manifest::public_view`]) and
    /// the public files, decoded by the same [`PublicChallenge::from_files`] the client and
    /// server use (for measurements and tests that need no server). Where the generator is
    /// hidden, the reference baseline does not fit on it.
    ///
    /// # Errors
    /// [`PublicDataError`] if a public file does not decode.
    pub fn public_view(&self, manifest: &Manifest) -> Result<PublicChallenge, PublicDataError> {
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
        manifest: &Manifest,
        data: &DataFiles,
    ) -> Result<PublicChallenge, PublicDataError> {
        self.decode(manifest.clone(), data)
    }

    /// [`PublicChallenge::from_files`] over the public files, then `data`.
    fn decode(
        &self,
        manifest: Manifest,
        data: &DataFiles,
    ) -> Result<PublicChallenge, PublicDataError> {
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
    /// The dendritic family refused the cell, the recipe, or the data (clusters that make no
    /// difference included).
    #[error(transparent)]
    Dendritic(#[from] DendriticError),
}

/// Data files by the name the manifest gives them (`files` and `hidden_files`): their bytes.
pub type DataFiles = BTreeMap<String, Vec<u8>>;

/// Generates every trial and file of a challenge.
///
/// Simulated injected-current challenges: training stimulus `i` uses
/// `derive_seed(train.seed, "train-stimulus", i)` and its repeat `k` uses
/// `derive_seed(derive_seed(train.seed, "train-response", i), "repeat", k)`; test trials the same
/// with the hidden seed and `test-` labels; `data` is not read. Dendritic-input challenges: see
/// [`dendritic::dataset::generate`] (their cell files come from `data`). Recorded
/// challenges: trials are cut from the `[recording]` files found in `data` ([`recorded::cut`]),
/// whose SHA-256 must match the manifest's where it gives one; a `[recording.aec]` recording
/// becomes two public challenge files ([`AecRecording::to_files`]). Either way the test trials
/// are cut into segments of `test.segment_s` and the public part drawn among them
/// ([`Assembly::finish`]).
///
/// # Errors
/// [`GenerateError`] when the neuron crate refuses the recipe or the parameters, or a recording
/// is missing, has the wrong checksum or cannot be cut as declared.
pub fn generate(
    manifest: &Manifest,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<GeneratedChallenge, GenerateError> {
    if let Some(Simulated {
        cell: Cell::CableSwc(cable),
        stimulus: Stimulus::DendriticClusters(recipe),
    }) = manifest.simulated()
    {
        return dendritic::dataset::generate(manifest, cable, recipe, hidden_seed, data);
    }
    let mut assembly = Assembly::default();
    let mut reliability = [None, None];
    for split in [Split::Train, Split::Test] {
        let label = split.as_str();
        let (duration_s, repeats) = match split {
            Split::Train => (manifest.train.duration_s, manifest.train.repeats),
            Split::Test => (manifest.test.duration_s, manifest.test.repeats),
        };
        let made = split_trials(manifest, split, hidden_seed, data)?;
        reliability[split as usize] = mean_reliability(
            made.iter().map(|(_, r)| r.spikes_s.as_slice()),
            duration_s,
            manifest.scoring.delta_ms * 1e-3,
        );
        for (i, (stimulus, responses)) in made.into_iter().enumerate() {
            let input = npy::encode(npy::Dtype::F64, &[stimulus.len()], &stimulus);
            assembly.add_trial(
                TrialPlan {
                    id: format!("{label}-{i:02}"),
                    split,
                    duration_s,
                    repeats,
                    condition: None,
                    group: i,
                },
                (role::STIMULUS, input),
                responses,
                stimulus.len(),
            );
        }
    }
    if let Some(spec) = manifest.recording.as_ref().and_then(|r| r.aec.as_ref()) {
        let aec =
            AecRecording::from_abf(spec, recording_bytes(spec, data)?, manifest.sampling.dt_s)?;
        for (name, bytes) in aec.to_files() {
            assembly.add_file(name.into(), Visibility::Public, bytes);
        }
    }
    Ok(assembly.finish(manifest, hidden_seed, reliability, None))
}

/// What a trial is, before its files are made.
pub(crate) struct TrialPlan {
    /// Trial id.
    pub id: String,
    /// Training or test.
    pub split: Split,
    /// Seconds.
    pub duration_s: f64,
    /// Repeats of the response.
    pub repeats: u32,
    /// The condition of a paired design.
    pub condition: Option<Condition>,
    /// Test trials of one group (the conditions of one paired trial) go to the same part.
    pub group: usize,
}

/// Trials and files as they are made; [`Assembly::finish`] draws the public part and hashes.
#[derive(Default)]
pub(crate) struct Assembly {
    trials: Vec<GeneratedTrial>,
    files: Vec<GeneratedFile>,
    groups: Vec<usize>,
}

impl Assembly {
    /// Adds a challenge-level file.
    pub(crate) fn add_file(&mut self, name: String, visibility: Visibility, bytes: Vec<u8>) {
        self.files.push(GeneratedFile {
            sha256: sha256_hex(&bytes),
            name,
            visibility,
            bytes,
        });
    }

    /// Adds a trial with its files `<id>_<role>.npy`: the public input (role and `.npy`
    /// bytes) and the responses (`samples` voltage samples per repeat), public for training
    /// trials and hidden for test trials.
    pub(crate) fn add_trial(
        &mut self,
        plan: TrialPlan,
        input: (&str, Vec<u8>),
        responses: Responses,
        samples: usize,
    ) {
        let responses_visibility = match plan.split {
            Split::Train => Visibility::Public,
            Split::Test => Visibility::Hidden,
        };
        let flat: Vec<f64> = responses
            .voltage_mv
            .into_iter()
            .flat_map(|v| v.into_iter().take(samples))
            .collect();
        let made = [
            (input.0, Visibility::Public, input.1),
            (
                role::VOLTAGE,
                responses_visibility,
                npy::encode(npy::Dtype::F32, &[plan.repeats as usize, samples], &flat),
            ),
            (
                role::SPIKES,
                responses_visibility,
                npy::encode_ragged(&responses.spikes_s),
            ),
        ];
        let mut roles = BTreeMap::new();
        for (role, visibility, bytes) in made {
            let name = format!("{}_{role}.npy", plan.id);
            if visibility == Visibility::Public {
                roles.insert(role.to_string(), name.clone());
            }
            self.add_file(name, visibility, bytes);
        }
        self.groups.push(plan.group);
        self.trials.push(GeneratedTrial {
            ordinal: self.trials.len() as u32,
            id: plan.id,
            split: plan.split,
            segments: Vec::new(),
            duration_s: plan.duration_s,
            n_repeats: plan.repeats,
            files: roles,
            condition: plan.condition,
        });
    }

    /// The challenge, with the test trials cut into segments of `test.segment_s`
    /// ([`segment_bounds`]) and the public part drawn among them: the units are (test group,
    /// segment index), a group being the conditions of one paired trial (which share their
    /// segments' parts) or a single trial; after a shuffle of all units seeded by
    /// `derive_seed(hidden_seed, "segments", 0)`, the first [`Manifest::n_public`] are public.
    pub(crate) fn finish(
        mut self,
        manifest: &Manifest,
        hidden_seed: u64,
        reliability: [Option<f64>; 2],
        effect: Option<EffectReport>,
    ) -> GeneratedChallenge {
        let mut groups: Vec<(usize, f64)> = self
            .trials
            .iter()
            .zip(&self.groups)
            .filter(|(t, _)| t.split == Split::Test)
            .map(|(t, &g)| (g, t.duration_s))
            .collect();
        groups.dedup_by_key(|(g, _)| *g);
        let segment_s = manifest.test.segment_s;
        let mut units: Vec<(usize, usize)> = groups
            .iter()
            .flat_map(|&(g, d)| (0..segment_bounds(d, segment_s).len()).map(move |k| (g, k)))
            .collect();
        units.shuffle(&mut rng_from_seed(derive_seed(hidden_seed, "segments", 0)));
        let public = &units[..manifest.n_public(units.len())];
        for (t, g) in self.trials.iter_mut().zip(&self.groups) {
            if t.split == Split::Test {
                t.segments = segment_bounds(t.duration_s, segment_s)
                    .into_iter()
                    .enumerate()
                    .map(|(k, (start_s, end_s))| Segment {
                        start_s,
                        end_s,
                        part: if public.contains(&(*g, k)) {
                            Part::Public
                        } else {
                            Part::Private
                        },
                    })
                    .collect();
            }
        }
        let listing: Vec<(String, String)> = self
            .files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect();
        GeneratedChallenge {
            trials: self.trials,
            trials_hash: trials_hash(&listing),
            files: self.files,
            train_reliability: reliability[Split::Train as usize],
            test_reliability: reliability[Split::Test as usize],
            effect,
        }
    }
}

/// Mean over trials of the intrinsic reliability R of each trial's repeats (Kistler et al. 1997;
/// INCF 2009 convention: mean Γ over pairs of recorded repeats), on `[0, duration_s)`; trials
/// where R is undefined (fewer than two repeats, no spikes) are left out; `None` if all are.
pub(crate) fn mean_reliability<'a>(
    trials: impl Iterator<Item = &'a [Vec<f64>]>,
    duration_s: f64,
    delta_s: f64,
) -> Option<f64> {
    let window = Window::new(0.0, duration_s).ok()?;
    let values: Vec<f64> = trials
        .filter_map(|repeats| {
            let trains: Vec<SpikeTrain> = repeats
                .iter()
                .map(|r| SpikeTrain::new(r.clone()).ok())
                .collect::<Option<_>>()?;
            intrinsic_reliability(&trains, window, delta_s).ok()
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The stimuli and responses of one split's trials, in order.
fn split_trials(
    manifest: &Manifest,
    split: Split,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<Vec<(Vec<f64>, Responses)>, GenerateError> {
    let (n, duration_s, repeats) = match split {
        Split::Train => (
            manifest.train.trials,
            manifest.train.duration_s,
            manifest.train.repeats,
        ),
        Split::Test => (
            manifest.test.trials,
            manifest.test.duration_s,
            manifest.test.repeats,
        ),
    };
    if let Some(rec) = &manifest.recording {
        let spec = match split {
            Split::Train => &rec.train,
            Split::Test => &rec.test,
        };
        let bytes = recording_bytes(spec, data)?;
        let cut = recorded::Cut {
            trials: n,
            duration_s,
            repeats,
            dt_s: manifest.sampling.dt_s,
            threshold_mv: rec.spike_threshold_mv,
        };
        return Ok(recorded::cut(spec, bytes, cut)?
            .into_iter()
            .map(|t| (t.stimulus_na, t.responses))
            .collect());
    }
    let label = split.as_str();
    let seed = match split {
        Split::Train => manifest
            .train
            .seed
            .ok_or(GenerateError::NotSimulated("seed training trials"))?,
        Split::Test => hidden_seed,
    };
    (0..n)
        .map(|i| {
            let stimulus = stimulus(
                manifest,
                duration_s,
                derive_seed(seed, &format!("{label}-stimulus"), i as u64),
            )?;
            let response_seed = derive_seed(seed, &format!("{label}-response"), i as u64);
            let responses = respond(manifest, &stimulus, response_seed, repeats)?;
            Ok((stimulus, responses))
        })
        .collect()
}

/// The bytes of the recording `spec` names, checked against its pinned SHA-256 if it has one.
fn recording_bytes<'a>(
    spec: &RecordedFile,
    data: &'a DataFiles,
) -> Result<&'a [u8], GenerateError> {
    let bytes = data
        .get(&spec.file)
        .ok_or_else(|| GenerateError::MissingFile(spec.file.clone()))?;
    if let Some(expected) = &spec.sha256 {
        let actual = sha256_hex(bytes);
        if &actual != expected {
            return Err(GenerateError::Recording {
                file: spec.file.clone(),
                problem: format!("SHA-256 is {actual}, the manifest pins {expected}"),
            });
        }
    }
    Ok(bytes)
}

/// The stimulus of one trial, nA per `dt_s`.
///
/// # Errors
/// [`GenerateError::NotSimulated`] for a recorded challenge; [`GenerateError::Stimulus`] when the
/// recipe is refused.
pub fn stimulus(
    manifest: &Manifest,
    duration_s: f64,
    seed: u64,
) -> Result<Vec<f64>, GenerateError> {
    let sim = manifest
        .simulated()
        .ok_or(GenerateError::NotSimulated("draw stimuli"))?;
    let Stimulus::OuCurrent(recipe) = sim.stimulus else {
        return Err(GenerateError::Stimulus(
            "a dendritic challenge's input is synaptic events, not a current".into(),
        ));
    };
    ou_current(recipe, duration_s, manifest.sampling.dt_s, seed)
        .map_err(|e| GenerateError::Stimulus(e.to_string()))
}

/// Repeated responses to one frozen stimulus.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Responses {
    /// Somatic voltage per repeat, mV, one sample per `dt_s`.
    pub voltage_mv: Vec<Vec<f64>>,
    /// Spike times per repeat, seconds.
    pub spikes_s: Vec<Vec<f64>>,
}

/// `repeats` responses of the manifest's cell to one frozen stimulus: voltage traces (mV) and spike
/// trains (s), repeat `k` seeded by `derive_seed(seed, "repeat", k)`.
pub fn respond(
    manifest: &Manifest,
    stimulus_na: &[f64],
    seed: u64,
    repeats: u32,
) -> Result<Responses, GenerateError> {
    let sim = manifest
        .simulated()
        .ok_or(GenerateError::NotSimulated("simulate responses"))?;
    let Cell::Adex(params) = sim.cell else {
        return Err(GenerateError::Cell(
            "a dendritic challenge's cell is driven by synaptic events, not a current".into(),
        ));
    };
    let mut out = Responses::default();
    for k in 0..repeats {
        let r = simulate_adex(
            params,
            stimulus_na,
            manifest.sampling.dt_s,
            derive_seed(seed, "repeat", k as u64),
        )
        .map_err(|e| GenerateError::Cell(e.to_string()))?;
        out.voltage_mv.push(r.voltage_mv);
        out.spikes_s.push(r.spikes_s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::demo;

    #[test]
    fn training_is_public_and_test_responses_are_hidden() {
        let m = demo();
        let g = generate(&m, 7, &DataFiles::new()).unwrap();
        assert_eq!(g.trials.len(), (m.train.trials + m.test.trials) as usize);
        for t in &g.trials {
            let public: Vec<&str> = t.files.keys().map(String::as_str).collect();
            match t.split {
                Split::Train => assert_eq!(public, vec!["spikes", "stimulus", "voltage"]),
                Split::Test => assert_eq!(public, vec!["stimulus"]),
            }
        }
        let hidden: Vec<&str> = g
            .files
            .iter()
            .filter(|f| f.visibility == Visibility::Hidden)
            .map(|f| f.name.as_str())
            .collect();
        assert!(hidden.iter().all(|n| n.starts_with("test-")), "{hidden:?}");
        assert_eq!(hidden.len(), 2 * m.test.trials as usize);
    }

    #[test]
    fn segments_tile_the_test_trials_and_follow_the_public_fraction() {
        let m = demo();
        let g = generate(&m, 11, &DataFiles::new()).unwrap();
        let test: Vec<&GeneratedTrial> =
            g.trials.iter().filter(|t| t.split == Split::Test).collect();
        let all: Vec<&Segment> = test.iter().flat_map(|t| &t.segments).collect();
        // 4 trials × 5 s in 0.5 s segments: 40 units, ⌈40 · 0.5⌉ = 20 public.
        assert_eq!(all.len(), 40);
        let public = all.iter().filter(|s| s.part == Part::Public).count();
        assert_eq!(public, m.n_public(40));
        for t in &test {
            assert_eq!(t.segments[0].start_s, 0.0);
            assert_eq!(t.segments.last().unwrap().end_s, t.duration_s);
            assert!(t.segments.windows(2).all(|w| w[0].end_s == w[1].start_s));
        }
        // Every trial holds both parts on this seed (the draw is over all units, so this is a
        // property of the seed, checked here so the test notices a change of the draw).
        assert!(
            test.iter()
                .all(|t| t.segments.iter().any(|s| s.part == Part::Public))
        );
        assert!(
            g.trials
                .iter()
                .filter(|t| t.split == Split::Train)
                .all(|t| t.segments.is_empty())
        );
        // Another hidden seed draws other segments.
        let other = generate(&m, 12, &DataFiles::new()).unwrap();
        let parts = |g: &GeneratedChallenge| -> Vec<Part> {
            g.trials
                .iter()
                .flat_map(|t| t.segments.iter().map(|s| s.part))
                .collect()
        };
        assert_ne!(parts(&g), parts(&other));
    }

    #[test]
    fn training_depends_on_the_manifest_only_and_test_on_the_hidden_seed() {
        let m = demo();
        let (a, b) = (
            generate(&m, 1, &DataFiles::new()).unwrap(),
            generate(&m, 2, &DataFiles::new()).unwrap(),
        );
        let file = |g: &GeneratedChallenge, name: &str| {
            g.files
                .iter()
                .find(|f| f.name == name)
                .unwrap()
                .sha256
                .clone()
        };
        assert_eq!(
            file(&a, "train-00_spikes.npy"),
            file(&b, "train-00_spikes.npy")
        );
        assert_ne!(
            file(&a, "test-00_stimulus.npy"),
            file(&b, "test-00_stimulus.npy")
        );
        assert_ne!(
            file(&a, "test-00_spikes.npy"),
            file(&b, "test-00_spikes.npy")
        );
        assert_eq!(
            a,
            generate(&m, 1, &DataFiles::new()).unwrap(),
            "generation must be reproducible"
        );
        assert_ne!(a.trials_hash, b.trials_hash);
    }

    #[test]
    fn the_demo_neuron_is_reliable_but_not_deterministic() {
        let g = generate(&demo(), 4, &DataFiles::new()).unwrap();
        for r in [g.train_reliability, g.test_reliability] {
            let r = r.unwrap();
            assert!((0.6..0.95).contains(&r), "R = {r}");
        }
    }

    #[test]
    fn repeats_of_a_frozen_stimulus_differ() {
        let m = demo();
        let g = generate(&m, 3, &DataFiles::new()).unwrap();
        let f = g
            .files
            .iter()
            .find(|f| f.name == "train-00_spikes.npy")
            .unwrap();
        let trains = npy::decode_ragged(&f.bytes).unwrap();
        assert_eq!(trains.len(), m.train.repeats as usize);
        assert!(trains.iter().all(|t| !t.is_empty()));
        assert_ne!(trains[0], trains[1]);
    }
}
