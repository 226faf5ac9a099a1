//! What a dendritic challenge's public files hold beyond its trials: the synapse table, and the
//! reference cell where the generator is at hand.

use arena_challenge_core::public::PublicDataError;

use super::cell::{DendriticCell, PublicSynapses};
use super::generation::SYNAPSES_FILE;
use super::recipe::DendriticRecipe;
use super::section::CableSwc;

/// The public files of a dendritic challenge beyond its trials.
#[derive(Clone, Debug, PartialEq)]
pub struct DendriticData {
    /// The synapse table as served in `synapses.json` (weights and kinetics only where
    /// published), what the fitted dendritic models read.
    pub synapses: PublicSynapses,
    /// Where the generator is at hand (the organizer's manifest with its data files, or a
    /// published cell): the reference cell ([`DendriticCell::read`]).
    pub cell: Option<DendriticCell>,
}

impl DendriticData {
    /// Decodes `synapses.json` and, where the manifest holds the generator (its `[cell]` and
    /// recipe), the reference cell, read by name through `read`.
    ///
    /// # Errors
    /// [`PublicDataError::Family`] naming the file at fault.
    pub fn decode(
        generator: Option<(&CableSwc, &DendriticRecipe)>,
        read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<DendriticData, PublicDataError> {
        let fail = |e: super::DendriticError| PublicDataError::Family(e.to_string());
        let bytes = read(SYNAPSES_FILE)
            .ok_or_else(|| PublicDataError::Family(format!("file {SYNAPSES_FILE} is missing")))?;
        let synapses = PublicSynapses::parse(&bytes).map_err(fail)?;
        let cell = generator
            .map(|(cable, recipe)| DendriticCell::read(cable, recipe, read))
            .transpose()
            .map_err(fail)?;
        Ok(DendriticData { synapses, cell })
    }

    /// The data as a contestant fetches it where the generator is hidden: no reference cell and
    /// the synapse table without weights or kinetics.
    pub fn as_fetched(&self) -> DendriticData {
        DendriticData {
            synapses: self.synapses.without_generator(),
            cell: None,
        }
    }
}
