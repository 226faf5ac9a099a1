//! Trials and files as a family makes them, laid out the same way for every family: each trial's
//! files named `<id>_<role>.npy`, the responses public for training trials and hidden for test
//! trials, the test trials cut into segments and drawn into the public and private parts, and
//! everything hashed. Every seed below is derived from the hidden seed by [`derive_seed`] with a
//! fixed label, which the audit record can replay.

use std::collections::BTreeMap;

use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_scoring::coincidence::intrinsic_reliability;
use arena_scoring::{SpikeTrain, Window};
use rand::seq::SliceRandom;

use crate::dispatch::FamilyDispatch;
use crate::generated::{
    GenerateError, GeneratedChallenge, GeneratedFile, GeneratedTrial, Visibility,
};
use crate::hash::{sha256_hex, trials_hash};
use crate::manifest::Manifest;
use crate::npy;
use crate::trial::{Condition, Part, Segment, Split, role, segment_bounds};

/// Repeated responses to one frozen stimulus.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Responses {
    /// Somatic voltage per repeat, mV, one sample per `dt_s`.
    pub voltage_mv: Vec<Vec<f64>>,
    /// Spike times per repeat, seconds.
    pub spikes_s: Vec<Vec<f64>>,
}

/// What a trial is, before its files are made.
pub struct TrialPlan {
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

/// The seed of a simulated challenge's `split`: the public `train.seed`, or `hidden_seed` for
/// the test split.
///
/// # Errors
/// [`GenerateError::NotSimulated`] for a training split without `train.seed` (a recorded
/// challenge).
pub fn split_seed<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    split: Split,
    hidden_seed: u64,
) -> Result<u64, GenerateError> {
    match split {
        Split::Train => manifest
            .train
            .seed
            .ok_or(GenerateError::NotSimulated("seed training trials")),
        Split::Test => Ok(hidden_seed),
    }
}

/// Trials and files as they are made; [`Assembly::finish`] draws the public part and hashes.
#[derive(Default)]
pub struct Assembly {
    trials: Vec<GeneratedTrial>,
    files: Vec<GeneratedFile>,
    groups: Vec<usize>,
    /// Every trial's spike trains per repeat, for the reliabilities.
    spikes: Vec<Vec<Vec<f64>>>,
}

impl Assembly {
    /// Adds a challenge-level file.
    pub fn add_file(&mut self, name: String, visibility: Visibility, bytes: Vec<u8>) {
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
    pub fn add_trial(
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
        self.spikes.push(responses.spikes_s);
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

    /// Adds the trials of one split whose input is a sampled current (role
    /// [`role::STIMULUS`], nA per `dt_s`), in order: trial `i` is `<split>-<i:02>`, a group of
    /// its own.
    pub fn add_stimulus_trials<F: FamilyDispatch>(
        &mut self,
        manifest: &Manifest<F>,
        split: Split,
        made: Vec<(Vec<f64>, Responses)>,
    ) {
        let shape = manifest.split_shape(split);
        for (i, (stimulus, responses)) in made.into_iter().enumerate() {
            let input = npy::encode(npy::Dtype::F64, &[stimulus.len()], &stimulus);
            self.add_trial(
                TrialPlan {
                    id: format!("{}-{i:02}", split.as_str()),
                    split,
                    duration_s: shape.duration_s,
                    repeats: shape.repeats,
                    condition: None,
                    group: i,
                },
                (role::STIMULUS, input),
                responses,
                stimulus.len(),
            );
        }
    }

    /// The challenge, with the test trials cut into segments of `test.segment_s`
    /// ([`segment_bounds`]) and the public part drawn among them: the units are (test group,
    /// segment index), a group being the conditions of one paired trial (which share their
    /// segments' parts) or a single trial; after a shuffle of all units seeded by
    /// `derive_seed(hidden_seed, "segments", 0)`, the first [`Manifest::n_public`] are public.
    /// Each split's reliability is the mean intrinsic reliability of its trials' repeats, with
    /// Δ = `scoring.delta_ms`. The family's report is left to the family's dispatch.
    pub fn finish<F: FamilyDispatch>(
        mut self,
        manifest: &Manifest<F>,
        hidden_seed: u64,
    ) -> GeneratedChallenge<F> {
        let reliability = |split: Split| {
            mean_reliability(
                self.trials
                    .iter()
                    .zip(&self.spikes)
                    .filter(|(t, _)| t.split == split)
                    .map(|(_, s)| s.as_slice()),
                manifest.split_shape(split).duration_s,
                manifest.scoring.delta_ms * 1e-3,
            )
        };
        let (train_reliability, test_reliability) =
            (reliability(Split::Train), reliability(Split::Test));
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
            train_reliability,
            test_reliability,
            report: None,
        }
    }
}

/// Mean over trials of the intrinsic reliability R of each trial's repeats (Kistler et al. 1997;
/// INCF 2009 convention: mean Γ over pairs of recorded repeats), on `[0, duration_s)`; trials
/// where R is undefined (fewer than two repeats, no spikes) are left out; `None` if all are.
fn mean_reliability<'a>(
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
