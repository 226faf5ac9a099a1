//! A dendritic-input challenge's trials and files, from its manifest and the hidden seed.
//!
//! Why paired trials in both splits. The test trials come in triples (clustered, time-dispersed,
//! space-scattered) so that the board can say how much of the clustering effect a model
//! reproduces; the training trials come in the same triples so that a contestant can learn
//! that effect from public data at all. The three conditions of a paired trial share their
//! leaderboard part, so the public board never shows a clustered trial without its controls.
//!
//! Seeds: paired trial `p` of a split uses `derive_seed(seed, "<split>-pair", p)` (the public
//! `train.seed`, or the hidden seed for test trials) both for its events
//! ([`PairedTrial::generate`]) and for the intrinsic noise of its repeats
//! ([`super::simulate::ReferenceCell::simulate_trial`]).

use arena_neuron::rng::derive_seed;

use super::cell::DendriticCell;
use super::effect::{EffectOptions, TrialSpikes, check_effect};
use super::recipe::DendriticRecipe;
use super::simulate::Sampling;
use super::trials::PairedTrial;
use crate::generate::{
    Assembly, DataFiles, GenerateError, GeneratedChallenge, Responses, TrialPlan, Visibility,
    mean_reliability,
};
use crate::manifest::{CableSwc, Manifest};
use crate::npy;
use crate::trial::{Condition, Split, role};

/// The name of the synapse table file given to contestants.
pub const SYNAPSES_FILE: &str = "synapses.json";

/// Generates a dendritic-input challenge: for each split, `trials` paired trials of
/// `duration_s`, each simulated `repeats` times per condition; then checks over the test
/// trials that clustered input differs from both controls ([`check_effect`] with the
/// manifest's `[effect]`).
///
/// Public files: the SWC file, `synapses.json` (weights and kinetics only where the organizer
/// publishes the cell), every trial's `events.npy`, and the training trials' voltage and
/// spikes; the biophysics file only where the cell is published. Hidden: the test trials'
/// voltage and spikes. The biophysics file stays among the uploaded data files, from which
/// the server rebuilds the cell for the reference baseline.
///
/// # Errors
/// [`GenerateError::MissingFile`] for a cell file not supplied; [`GenerateError::Dendritic`]
/// when the cell, the recipe or the simulation fails, or when the clusters make no
/// difference (the message gives both comparisons).
pub fn generate(
    manifest: &Manifest,
    cable: &CableSwc,
    recipe: &DendriticRecipe,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<GeneratedChallenge, GenerateError> {
    for name in [&cable.swc, &cable.biophysics] {
        if !data.contains_key(name) {
            return Err(GenerateError::MissingFile(name.clone()));
        }
    }
    let cell = DendriticCell::of_manifest(manifest, |name| data.get(name).cloned())?
        .expect("the manifest is a dendritic one");
    let reference = cell.reference(recipe)?;
    let published = !manifest.hides_generator();
    let sampling = Sampling {
        dt_ms: cable.dt_ms,
        sample_dt_ms: manifest.sampling.dt_s * 1e3,
        threshold_mv: cable.spike_threshold_mv,
    };
    let mut assembly = Assembly::default();
    assembly.add_file(
        cable.swc.clone(),
        Visibility::Public,
        data[&cable.swc].clone(),
    );
    if published {
        assembly.add_file(
            cable.biophysics.clone(),
            Visibility::Public,
            data[&cable.biophysics].clone(),
        );
    }
    let receptors = recipe.synaptic()?.receptors;
    assembly.add_file(
        SYNAPSES_FILE.into(),
        Visibility::Public,
        cell.synapses_json(published.then_some(&receptors)),
    );
    let mut reliability = [None, None];
    let mut test_spikes = Vec::new();
    for split in [Split::Train, Split::Test] {
        let label = split.as_str();
        let (conditions, pairs, duration_s, repeats, seed) = match split {
            Split::Train => (
                manifest.train_conditions(),
                manifest.train.trials,
                manifest.train.duration_s,
                manifest.train.repeats,
                manifest
                    .train
                    .seed
                    .ok_or(GenerateError::NotSimulated("seed training trials"))?,
            ),
            Split::Test => (
                Condition::ALL.to_vec(),
                manifest.test.trials,
                manifest.test.duration_s,
                manifest.test.repeats,
                hidden_seed,
            ),
        };
        let samples = (duration_s / manifest.sampling.dt_s).round() as usize;
        let mut spikes_by_trial = Vec::new();
        for p in 0..pairs {
            let trial_seed = derive_seed(seed, &format!("{label}-pair"), p as u64);
            let trial = PairedTrial::generate(
                &cell.geometry,
                &cell.table,
                recipe,
                trial_seed,
                duration_s * 1e3,
            )?;
            let responses = reference.simulate_trial(
                &cell.table,
                &trial,
                &conditions,
                trial_seed,
                repeats as usize,
                &sampling,
            )?;
            let mut by_condition: [Vec<Vec<f64>>; 3] = Default::default();
            for (&condition, runs) in conditions.iter().zip(responses) {
                let rows = trial.events(condition).to_rows();
                let events = npy::encode(npy::Dtype::F64, &[rows.len(), 2], rows.as_flattened());
                let (voltage_mv, spikes_s): (Vec<_>, Vec<_>) = runs
                    .into_iter()
                    .map(|r| (r.soma_v_mv, r.spike_times_s))
                    .unzip();
                // Condition's discriminants follow `Condition::ALL`.
                by_condition[condition as usize] = spikes_s.clone();
                spikes_by_trial.push(spikes_s.clone());
                let responses = Responses {
                    voltage_mv,
                    spikes_s,
                };
                assembly.add_trial(
                    TrialPlan {
                        id: format!("{label}-{p:02}-{}", condition.as_str()),
                        split,
                        duration_s,
                        repeats,
                        condition: Some(condition),
                        group: p as usize,
                    },
                    (role::EVENTS, events),
                    responses,
                    samples,
                );
            }
            if split == Split::Test {
                test_spikes.push(TrialSpikes {
                    duration_s,
                    spikes_s: by_condition,
                });
            }
        }
        reliability[split as usize] = mean_reliability(
            spikes_by_trial.iter().map(Vec::as_slice),
            duration_s,
            manifest.scoring.delta_ms * 1e-3,
        );
    }
    let effect = manifest.effect.clone().unwrap_or_default();
    let report = check_effect(
        &test_spikes,
        &EffectOptions {
            alpha: effect.alpha,
            segment_s: effect.segment_s,
            coincidence_delta_s: manifest.scoring.delta_ms * 1e-3,
        },
    )?;
    Ok(assembly.finish(manifest, hidden_seed, reliability, Some(report)))
}
