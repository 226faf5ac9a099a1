//! The dendritic cell as a challenge publishes it: a morphology (SWC), its biophysics (JSON) and
//! the synapse table placed on it.
//!
//! Why rebuild from files. The server generates trials from these three things and contestants
//! receive the same files; the built-in baselines run on the contestant's side of that line, so
//! they must reach the same cell and the same synapse table from the public files alone. One
//! function, [`DendriticCell::build`], serves the generator, the reference baseline and the
//! fitted baselines, so the three cannot drift apart.

use std::collections::BTreeMap;

use arena_neuron::cable::CellSpec;
use arena_neuron::cable::spec::MechanismsSpec;
use arena_neuron::cable::swc::{self, SwcOptions};
use serde::{Deserialize, Serialize};

use super::DendriticError;
use super::placement::{Receptors as SiteReceptors, SynapseTable};
use super::recipe::{DendriticRecipe, Receptors};
use super::regions::{DendriteGeometry, classify_by_name};
use super::simulate::ReferenceCell;
use crate::manifest::{Cell, Manifest, Simulated, Stimulus};

/// The biophysics file (`cell_biophysics.json`): passive properties and mechanisms per SWC
/// section stem (`soma`, `axon`, `dend`, `apic`), in the units of the simulator's JSON cell
/// (Ra in Ω·cm, cm in µF/cm², conductances in S/cm², potentials in mV, °C).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Biophysics {
    /// Axial resistivity, Ω·cm.
    pub ra: f64,
    /// Specific membrane capacitance, µF/cm².
    pub cm: f64,
    /// Temperature, °C (scales the HH rates by q10 = 3).
    pub celsius: f64,
    /// Initial potential, mV.
    pub v_init: f64,
    /// Segments at most this fraction of the length constant at `freq_hz` (NEURON's d_lambda
    /// rule; default 0.1).
    #[serde(default = "default_d_lambda")]
    pub d_lambda: f64,
    /// Frequency of that length constant, Hz (default 100).
    #[serde(default = "default_freq_hz")]
    pub freq_hz: f64,
    /// Mechanisms per section stem; stems not listed are bare membrane (cm only).
    pub mechanisms: BTreeMap<String, MechanismsSpec>,
}

fn default_d_lambda() -> f64 {
    0.1
}

fn default_freq_hz() -> f64 {
    100.0
}

/// A cell ready for the dendritic family: the simulator's description, the regions and path
/// distances of its sections, and the synapse table.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticCell {
    /// The cell description imported from the SWC (without synapse types; see
    /// [`DendriticRecipe::cell_with_receptors`]).
    pub spec: CellSpec,
    /// Regions and path distances.
    pub geometry: DendriteGeometry,
    /// Every synapse site.
    pub table: SynapseTable,
}

impl DendriticCell {
    /// Imports `swc_text` with `biophysics_json` (NEURON's Import3d conventions and d_lambda
    /// rule, [`swc::to_cell_spec`]), classifies the sections by name and places the recipe's
    /// synapses with `synapse_seed` ([`SynapseTable::place`]).
    ///
    /// # Errors
    /// [`DendriticError::Cell`] naming the file and the problem, or a recipe error.
    pub fn build(
        swc_text: &str,
        biophysics_json: &str,
        recipe: &DendriticRecipe,
        synapse_seed: u64,
    ) -> Result<Self, DendriticError> {
        recipe.validate()?;
        let bio: Biophysics = serde_json::from_str(biophysics_json)
            .map_err(|e| DendriticError::Cell(format!("biophysics file: {e}")))?;
        let morphology =
            swc::parse(swc_text).map_err(|e| DendriticError::Cell(format!("SWC file: {e}")))?;
        let options = SwcOptions {
            ra: bio.ra,
            cm: bio.cm,
            d_lambda: bio.d_lambda,
            freq_hz: bio.freq_hz,
            celsius: bio.celsius,
            v_init: bio.v_init,
            mechanisms: bio.mechanisms,
            ..SwcOptions::default()
        };
        let spec = swc::to_cell_spec(&morphology, &options)
            .map_err(|e| DendriticError::Cell(format!("SWC file: {e}")))?;
        let geometry = DendriteGeometry::new(&spec, classify_by_name(&spec)?)?;
        let table = SynapseTable::place(&geometry, recipe, synapse_seed)?;
        Ok(DendriticCell {
            spec,
            geometry,
            table,
        })
    }

    /// The cell of a `dendritic-input` manifest, its SWC and biophysics files read through
    /// `read` (by the names the manifest gives them): from the uploaded data on the server, from
    /// the fetched folder on a contestant's machine. `None` for other kinds of challenge.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] naming a missing or unreadable file, or [`DendriticCell::build`]'s
    /// errors.
    pub fn of_manifest(
        manifest: &Manifest,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Option<Self>, DendriticError> {
        let Some(Simulated {
            cell: Cell::CableSwc(cable),
            stimulus: Stimulus::DendriticClusters(recipe),
        }) = manifest.simulated()
        else {
            return Ok(None);
        };
        let mut text = |name: &str| {
            let bytes = read(name)
                .ok_or_else(|| DendriticError::Cell(format!("file {name:?} is missing")))?;
            String::from_utf8(bytes)
                .map_err(|_| DendriticError::Cell(format!("file {name:?} is not UTF-8 text")))
        };
        let swc = text(&cable.swc)?;
        let biophysics = text(&cable.biophysics)?;
        DendriticCell::build(&swc, &biophysics, recipe, cable.synapse_seed).map(Some)
    }

    /// The reference simulator's cell with the recipe's receptors and every site located.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] if the simulator refuses the cell.
    pub fn reference(&self, recipe: &DendriticRecipe) -> Result<ReferenceCell, DendriticError> {
        ReferenceCell::new(&self.spec, recipe, &self.table)
    }

    /// `synapses.json` for contestants: the receptor kinetics and one row per site.
    pub fn synapses_json(&self, recipe: &DendriticRecipe) -> Vec<u8> {
        let rows: Vec<SynapseRow> = self
            .table
            .synapses
            .iter()
            .map(|s| {
                let (kind, ampa, nmda, gaba) = match s.receptors {
                    SiteReceptors::AmpaNmda {
                        ampa_weight_us,
                        nmda_weight_us,
                    } => (
                        "AMPA+NMDA",
                        Some(ampa_weight_us),
                        Some(nmda_weight_us),
                        None,
                    ),
                    SiteReceptors::GabaA { weight_us } => ("GABA_A", None, None, Some(weight_us)),
                };
                SynapseRow {
                    id: s.id,
                    kind,
                    ampa_weight_us: ampa,
                    nmda_weight_us: nmda,
                    weight_us: gaba,
                    section: &s.section,
                    x: s.x,
                    distance_um: s.distance_um,
                    position_um: s.position_um(&self.geometry),
                    branch: s.branch,
                    region: s.region.name(),
                }
            })
            .collect();
        let doc = SynapsesJson {
            units: UNITS,
            receptors: &recipe.receptors,
            synapses: rows,
        };
        serde_json::to_vec_pretty(&doc).expect("the synapse table serialises")
    }
}

/// What every unit in `synapses.json` is.
const UNITS: &str = "weights in µS (peak conductance of one isolated event, NMDA unblocked); \
                     x in [0, 1] along the section from its end nearer the soma; distance_um is \
                     the path distance from soma(0.5); position_um = x · section length; times \
                     in the event files are ms from trial start";

#[derive(Serialize)]
struct SynapsesJson<'a> {
    units: &'static str,
    receptors: &'a Receptors,
    synapses: Vec<SynapseRow<'a>>,
}

/// One row of `synapses.json`; written field by field (no `#[serde(flatten)]`: LLVM 22's loop
/// vectoriser hangs on serde's flattening serializer in release builds).
#[derive(Serialize)]
struct SynapseRow<'a> {
    id: usize,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ampa_weight_us: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nmda_weight_us: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_us: Option<f64>,
    section: &'a str,
    x: f64,
    distance_um: f64,
    position_um: f64,
    branch: usize,
    region: &'static str,
}
