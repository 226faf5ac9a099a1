//! The models fitted on what a contestant fetches: the public training trials and the synapse
//! table as served, with its published weights and kinetics or, where they are hidden, the
//! assumed ones ([`crate::families::dendritic::PublicSynapses::for_baselines`]).

use arena_challenge_core::public::PublicTrial;

use super::{DendriticFitError, DendriticFitOptions, DendriticModel, DendriticTrainingTrial};
use crate::families::dendritic::cell::PublicSynapses;
use crate::families::dendritic::placement::SynapseTable;
use crate::families::dendritic::recipe::Receptors;
use crate::families::dendritic::simulate::Response;
use crate::families::dendritic::trials::EventTable;

/// A fit of the family ([`super::fit_linear`], [`super::fit_two_layer`]).
pub type Fit = fn(
    &SynapseTable,
    &Receptors,
    &[DendriticTrainingTrial],
    &DendriticFitOptions,
) -> Result<DendriticModel, DendriticFitError>;

/// Runs `fit` with the default options on every repeat of every trial of `train` (sampled every
/// `dt_s`), the events read against `synapses`: the fitted model and the synapse table it reads
/// events against.
///
/// # Errors
/// A message naming the trial whose events do not match the table, or the fit's error.
pub fn fit_on_fetched(
    fit: Fit,
    synapses: &PublicSynapses,
    train: &[&PublicTrial],
    dt_s: f64,
) -> Result<(DendriticModel, SynapseTable), String> {
    let (table, receptors) = synapses.for_baselines();
    let trials = train
        .iter()
        .map(|t| {
            let events = EventTable::from_rows(table.synapses.len(), &t.events)
                .map_err(|e| format!("trial {}: {e}", t.id))?;
            let responses: Vec<Response> = t
                .voltage_mv
                .iter()
                .zip(&t.spikes_s)
                .map(|(v, s)| Response {
                    spike_times_s: s.clone(),
                    soma_v_mv: v.clone(),
                    sample_dt_s: dt_s,
                })
                .collect();
            DendriticTrainingTrial::from_responses(events, &responses, t.duration_s)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fitted = fit(&table, &receptors, &trials, &DendriticFitOptions::default())
        .map_err(|e| e.to_string())?;
    Ok((fitted, table))
}
