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
//! ([`PairedTrial::draw`]) and for the intrinsic noise of its repeats
//! ([`super::simulate::ReferenceCell::simulate_trial`]).

use arena_neuron::rng::derive_seed;

use arena_challenge_core::assembly::{Assembly, Responses, TrialPlan, split_seed};
use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::generated::{DataFiles, GenerateError, GeneratedChallenge, Visibility};
use arena_challenge_core::manifest::Manifest;
use arena_challenge_core::npy;
use arena_challenge_core::trial::{Condition, Split, role};

use super::DendriticError;
use super::cell::DendriticCell;
use super::effect::{EffectOptions, EffectReport, TrialSpikes, check_effect};
use super::recipe::DendriticRecipe;
use super::section::{CableSwc, EffectSection};
use super::trials::PairedTrial;

/// The name of the synapse table file given to contestants.
pub const SYNAPSES_FILE: &str = "synapses.json";

/// Generates a dendritic-input challenge from its `[cell]` (`cable`), recipe and `[effect]`: for
/// each split, `trials` paired trials of `duration_s`, each simulated `repeats` times per
/// condition; then checks over the test trials that clustered input differs from both controls
/// ([`check_effect`] with `effect`), and returns that report beside the challenge.
///
/// Public files: the SWC file, `synapses.json` (weights and kinetics only where the organizer
/// publishes the cell), every trial's `events.npy`, and the training trials' voltage and
/// spikes; the biophysics file only where the cell is published. Hidden: the test trials'
/// voltage and spikes. The biophysics file stays among the uploaded data files, from which
/// the server rebuilds the cell for the reference baseline.
///
/// # Errors
/// [`GenerateError::MissingFile`] for a cell file not supplied; [`GenerateError::Family`] with a
/// [`super::DendriticError`] when the cell, the recipe or the simulation fails, or when the
/// clusters make no difference (the message gives both comparisons).
pub fn paired_challenge<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    cable: &CableSwc,
    recipe: &DendriticRecipe,
    effect: Option<&EffectSection>,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<(GeneratedChallenge<F>, EffectReport), GenerateError> {
    for name in [&cable.swc, &cable.biophysics] {
        if !data.contains_key(name) {
            return Err(GenerateError::MissingFile(name.clone()));
        }
    }
    let cell = DendriticCell::read(cable, recipe, |name| data.get(name).cloned())?;
    let reference = cell.reference(recipe)?;
    let published = !manifest.hides_generator();
    let sampling = cable.sampling(manifest.sampling.dt_s);
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
    let mut test_spikes = Vec::new();
    for split in [Split::Train, Split::Test] {
        let label = split.as_str();
        let conditions = match split {
            Split::Train => manifest.train_conditions(),
            Split::Test => Condition::ALL.to_vec(),
        };
        let shape = manifest.split_shape(split);
        let (duration_s, repeats) = (shape.duration_s, shape.repeats);
        let seed = split_seed(manifest, split, hidden_seed)?;
        let samples = (duration_s / manifest.sampling.dt_s).round() as usize;
        for p in 0..shape.trials {
            let (trial_seed, trial) = draw_pair(&cell, recipe, seed, label, p, duration_s)?;
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
    }
    let effect = effect.cloned().unwrap_or_default();
    let report = check_effect(
        &test_spikes,
        &EffectOptions {
            alpha: effect.alpha,
            segment_s: effect.segment_s,
            coincidence_delta_s: manifest.scoring.delta_ms * 1e-3,
        },
    )?;
    Ok((assembly.finish(manifest, hidden_seed), report))
}

/// Paired trial `p` of the trials labelled `label` (`train`, `test`, or `live` for a live
/// evaluation) drawn from `seed` (the split's seed, or a live evaluation's fresh seed): the
/// trial seed `derive_seed(seed, "<label>-pair", p)`, which seeds both its events and the
/// intrinsic noise of every repeat of its three conditions (common random numbers across the
/// clustered trial and its controls), and the events ([`PairedTrial::draw`], `duration_s`
/// seconds). Offline generation and live evaluation both draw their pairs here.
///
/// # Errors
/// [`PairedTrial::draw`]'s errors.
pub fn draw_pair(
    cell: &DendriticCell,
    recipe: &DendriticRecipe,
    seed: u64,
    label: &str,
    p: u32,
    duration_s: f64,
) -> Result<(u64, PairedTrial), DendriticError> {
    let trial_seed = derive_seed(seed, &format!("{label}-pair"), u64::from(p));
    let trial = PairedTrial::draw(
        &cell.geometry,
        &cell.table,
        recipe,
        trial_seed,
        duration_s * 1e3,
    )?;
    Ok((trial_seed, trial))
}
