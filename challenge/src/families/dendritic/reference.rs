//! The dendritic family's reference: its generating cable cell run on a trial's events with fresh
//! noise seeds, the simulated ceiling of the board.

use super::DendriticError;
use super::cell::DendriticCell;
use super::placement::SynapseTable;
use super::recipe::DendriticRecipe;
use super::section::CableSwc;
use super::simulate::{ReferenceCell, Sampling};
use super::trials::EventTable;

/// The reference cell of a dendritic challenge, ready to simulate trials.
#[derive(Clone, Debug)]
pub struct CableReference {
    /// The compiled cell with its synapses located.
    pub cell: ReferenceCell,
    /// The synapse table.
    pub table: SynapseTable,
    /// Time step, voltage sampling and spike threshold of the manifest.
    pub sampling: Sampling,
    /// Repeats per trial (the manifest's `test.repeats`).
    pub repeats: usize,
}

impl CableReference {
    /// The reference of `cell` as `[cell]` (`cable`) and the recipe describe it, its voltage
    /// sampled every `sample_dt_s`, `repeats` repeats per trial.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] if the simulator refuses the cell.
    pub fn new(
        cell: &DendriticCell,
        cable: &CableSwc,
        recipe: &DendriticRecipe,
        sample_dt_s: f64,
        repeats: usize,
    ) -> Result<CableReference, DendriticError> {
        Ok(CableReference {
            cell: cell.reference(recipe)?,
            table: cell.table.clone(),
            sampling: cable.sampling(sample_dt_s),
            repeats,
        })
    }

    /// The spike trains (seconds) of [`CableReference::repeats`] repeats on `events` over
    /// `duration_s` ([`ReferenceCell::simulate_events`]).
    ///
    /// # Errors
    /// [`DendriticError`] when the simulation fails.
    pub fn spikes(
        &self,
        events: &EventTable,
        duration_s: f64,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, DendriticError> {
        Ok(self
            .cell
            .simulate_events(
                &self.table,
                events,
                duration_s * 1e3,
                seed,
                self.repeats,
                &self.sampling,
            )?
            .into_iter()
            .map(|r| r.spike_times_s)
            .collect())
    }
}
