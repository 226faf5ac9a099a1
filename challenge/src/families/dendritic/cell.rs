//! The dendritic cell of a challenge: a morphology (SWC), its biophysics (JSON) and the synapse
//! table placed on it; and the synapse table as contestants read it (`synapses.json`).
//!
//! Two sides of one line. The server generates trials from the whole cell, and the reference
//! baseline simulates the same cell: one function, [`DendriticCell::build`], serves both, so they
//! cannot drift apart. Contestants receive the morphology and the synapse table (positions,
//! types, branch, region) but not the biophysics, the weights or the receptor kinetics, which
//! would let the public simulator reproduce the ground truth; the fitted baselines run on their
//! side and read the table from the same `synapses.json` ([`PublicSynapses`]). One format,
//! [`DendriticCell::synapses_json`] to write it and [`PublicSynapses::parse`] to read it back,
//! carries the weights and kinetics only where the organizer publishes the cell.

use std::collections::BTreeMap;

use arena_neuron::cable::CellSpec;
use arena_neuron::cable::spec::MechanismsSpec;
use arena_neuron::cable::swc::{self, SwcOptions};
use serde::{Deserialize, Serialize};

use super::DendriticError;
use super::models::{DEFAULT_RECEPTORS, default_site_weights};
use super::placement::{Receptors as SiteReceptors, Synapse, SynapseClass, SynapseTable};
use super::recipe::{DendriticRecipe, Receptors};
use super::regions::{DendriteGeometry, Region, classify_by_name};
use super::section::CableSwc;
use super::simulate::ReferenceCell;

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
    /// [`super::recipe::Synaptic::cell_with_receptors`]).
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

    /// The cell of a `dendritic-input` manifest's `[cell]` (`cable`) and recipe, its SWC and
    /// biophysics files read through `read` (by the names the manifest gives them): from the
    /// uploaded data on the server, from a fetched folder whose organizer published the cell.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] naming a missing or unreadable file, or [`DendriticCell::build`]'s
    /// errors.
    pub fn read(
        cable: &CableSwc,
        recipe: &DendriticRecipe,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Self, DendriticError> {
        let mut text = |name: &str| {
            let bytes = read(name)
                .ok_or_else(|| DendriticError::Cell(format!("file {name:?} is missing")))?;
            String::from_utf8(bytes)
                .map_err(|_| DendriticError::Cell(format!("file {name:?} is not UTF-8 text")))
        };
        let swc = text(&cable.swc)?;
        let biophysics = text(&cable.biophysics)?;
        DendriticCell::build(&swc, &biophysics, recipe, cable.synapse_seed)
    }

    /// The reference simulator's cell with the recipe's receptors and every site located.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] if the simulator refuses the cell.
    pub fn reference(&self, recipe: &DendriticRecipe) -> Result<ReferenceCell, DendriticError> {
        ReferenceCell::new(&self.spec, recipe, &self.table)
    }

    /// `synapses.json` for contestants: one row per site (id, type, section, x, distance_um,
    /// position_um, branch, region) and, where the organizer publishes the cell, `published`:
    /// the receptor kinetics, written beside the rows, and every site's weights in its row.
    /// `None` leaves both out.
    pub fn synapses_json(&self, published: Option<&Receptors>) -> Vec<u8> {
        let rows: Vec<SynapseRow> = self
            .table
            .synapses
            .iter()
            .map(|s| {
                let weights = published.map(|_| s.receptors);
                let (ampa, nmda, gaba) = match weights {
                    Some(SiteReceptors::AmpaNmda {
                        ampa_weight_us,
                        nmda_weight_us,
                    }) => (Some(ampa_weight_us), Some(nmda_weight_us), None),
                    Some(SiteReceptors::GabaA { weight_us }) => (None, None, Some(weight_us)),
                    None => (None, None, None),
                };
                SynapseRow {
                    id: s.id,
                    kind: SiteType::of(s.class()),
                    ampa_weight_us: ampa,
                    nmda_weight_us: nmda,
                    weight_us: gaba,
                    section: s.section.clone(),
                    x: s.x,
                    distance_um: s.distance_um,
                    position_um: s.position_um(&self.geometry),
                    branch: s.branch,
                    region: s.region,
                }
            })
            .collect();
        let doc = SynapsesJson {
            units: UNITS.into(),
            receptors: published.copied(),
            synapses: rows,
        };
        serde_json::to_vec_pretty(&doc).expect("the synapse table serialises")
    }
}

/// What every unit in `synapses.json` is.
const UNITS: &str = "x in [0, 1] along the section from its end nearer the soma; distance_um is \
                     the path distance from soma(0.5); position_um = x · section length; times \
                     in the event files are ms from trial start; weights, where the organizer \
                     publishes the cell, in µS (peak conductance of one isolated event, NMDA \
                     unblocked)";

/// `synapses.json`, written by [`DendriticCell::synapses_json`] and read by
/// [`PublicSynapses::parse`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynapsesJson {
    units: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    receptors: Option<Receptors>,
    synapses: Vec<SynapseRow>,
}

/// The `type` of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum SiteType {
    #[serde(rename = "AMPA+NMDA")]
    AmpaNmda,
    #[serde(rename = "GABA_A")]
    GabaA,
}

impl SiteType {
    fn of(class: SynapseClass) -> SiteType {
        match class {
            SynapseClass::Excitatory => SiteType::AmpaNmda,
            SynapseClass::Inhibitory => SiteType::GabaA,
        }
    }

    /// The name written in the table.
    fn name(self) -> &'static str {
        match self {
            SiteType::AmpaNmda => "AMPA+NMDA",
            SiteType::GabaA => "GABA_A",
        }
    }

    fn class(self) -> SynapseClass {
        match self {
            SiteType::AmpaNmda => SynapseClass::Excitatory,
            SiteType::GabaA => SynapseClass::Inhibitory,
        }
    }
}

/// One row of `synapses.json`; written field by field (no `#[serde(flatten)]`: LLVM 22's loop
/// vectoriser hangs on serde's flattening serializer in release builds).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynapseRow {
    id: usize,
    #[serde(rename = "type")]
    kind: SiteType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ampa_weight_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nmda_weight_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight_us: Option<f64>,
    section: String,
    x: f64,
    distance_um: f64,
    position_um: f64,
    branch: usize,
    region: Region,
}

/// One site of `synapses.json` as a contestant reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicSite {
    /// Row index.
    pub id: usize,
    /// Excitatory (AMPA+NMDA) or inhibitory (GABA_A).
    pub class: SynapseClass,
    /// The receptors' peak conductances, where the organizer published the cell.
    pub weights: Option<SiteReceptors>,
    /// Section name.
    pub section: String,
    /// Position on the section, x ∈ [0, 1] (0 at the end nearer the soma).
    pub x: f64,
    /// Path distance from soma(0.5), µm.
    pub distance_um: f64,
    /// Position along the section from its x = 0 end, µm.
    pub position_um: f64,
    /// Branch id: the index of the section in the cell description.
    pub branch: usize,
    /// Region of the branch.
    pub region: Region,
}

/// `synapses.json` as a contestant reads it: every site's class and location, and the receptor
/// kinetics and weights where the organizer published the cell (all or none).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicSynapses {
    /// Receptor kinetics, where published.
    pub receptors: Option<Receptors>,
    /// The sites; `sites[i].id == i`.
    pub sites: Vec<PublicSite>,
}

impl PublicSynapses {
    /// The table as served when the generator is hidden: the same sites without weights or
    /// kinetics.
    pub fn without_generator(&self) -> PublicSynapses {
        PublicSynapses {
            receptors: None,
            sites: self
                .sites
                .iter()
                .map(|s| PublicSite {
                    weights: None,
                    ..s.clone()
                })
                .collect(),
        }
    }

    /// Reads `synapses.json`.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] naming the row and field at fault: not the format above, ids
    /// out of order, a row whose weights do not match its type, or weights and kinetics not
    /// published together.
    pub fn parse(bytes: &[u8]) -> Result<PublicSynapses, DendriticError> {
        let fail = |problem: String| DendriticError::Cell(format!("synapses.json: {problem}"));
        let doc: SynapsesJson = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
        let published = doc.receptors.is_some();
        let sites = doc
            .synapses
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                if r.id != i {
                    return Err(fail(format!("synapses[{i}].id is {}, must be {i}", r.id)));
                }
                let weights = match (r.kind, r.ampa_weight_us, r.nmda_weight_us, r.weight_us) {
                    (SiteType::AmpaNmda, Some(ampa_weight_us), Some(nmda_weight_us), None) => {
                        Some(SiteReceptors::AmpaNmda {
                            ampa_weight_us,
                            nmda_weight_us,
                        })
                    }
                    (SiteType::GabaA, None, None, Some(weight_us)) => {
                        Some(SiteReceptors::GabaA { weight_us })
                    }
                    (_, None, None, None) => None,
                    _ => {
                        return Err(fail(format!(
                            "synapses[{i}]: the weights of a site are ampa_weight_us and \
                             nmda_weight_us (AMPA+NMDA) or weight_us (GABA_A); this {} site \
                             has others",
                            r.kind.name()
                        )));
                    }
                };
                if weights.is_some() != published {
                    return Err(fail(format!(
                        "synapses[{i}]: weights and receptors are published together or not at all"
                    )));
                }
                Ok(PublicSite {
                    id: r.id,
                    class: r.kind.class(),
                    weights,
                    section: r.section,
                    x: r.x,
                    distance_um: r.distance_um,
                    position_um: r.position_um,
                    branch: r.branch,
                    region: r.region,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PublicSynapses {
            receptors: doc.receptors,
            sites,
        })
    }

    /// The synapse table and receptor kinetics the dendritic baselines integrate events with:
    /// the published ones where the organizer published the cell; otherwise every site of a
    /// class gets the nominal weights of [`default_site_weights`] and the kinetics are
    /// [`DEFAULT_RECEPTORS`] (literature values, cited there).
    pub fn for_baselines(&self) -> (SynapseTable, Receptors) {
        let synapses = self
            .sites
            .iter()
            .map(|s| Synapse {
                id: s.id,
                receptors: s.weights.unwrap_or_else(|| default_site_weights(s.class)),
                section: s.section.clone(),
                x: s.x,
                distance_um: s.distance_um,
                branch: s.branch,
                region: s.region,
            })
            .collect();
        (
            SynapseTable { synapses },
            self.receptors.unwrap_or(DEFAULT_RECEPTORS),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEPTORS: &str = r#"{"ampa": {"tau_rise_ms": 0.2, "tau_decay_ms": 2.0, "reversal_mv": 0.0},
        "nmda": {"tau_rise_ms": 2.0, "tau_decay_ms": 75.0, "reversal_mv": 0.0, "mg_mm": 1.0},
        "gaba_a": {"tau_rise_ms": 0.5, "tau_decay_ms": 8.0, "reversal_mv": -75.0}}"#;

    /// `synapses.json` with one excitatory and one inhibitory row, `weights[i]` spliced into
    /// row i, and `receptors` if given.
    fn table(weights: [&str; 2], receptors: Option<&str>) -> Vec<u8> {
        let row = |id: usize, kind: &str, w: &str| {
            format!(
                r#"{{"id": {id}, "type": "{kind}"{w}, "section": "dend[0]", "x": 0.5,
                   "distance_um": 40.0, "position_um": 10.0, "branch": 1, "region": "basal"}}"#
            )
        };
        let receptors = receptors.map_or(String::new(), |r| format!(r#""receptors": {r}, "#));
        format!(
            r#"{{"units": "u", {receptors}"synapses": [{}, {}]}}"#,
            row(0, "AMPA+NMDA", weights[0]),
            row(1, "GABA_A", weights[1])
        )
        .into_bytes()
    }

    /// Hidden: the baselines get the assumed kinetics and nominal weights. Published: the true
    /// ones, row by row.
    #[test]
    fn the_baselines_read_published_weights_or_assume_them() {
        let hidden = PublicSynapses::parse(&table(["", ""], None)).unwrap();
        assert_eq!(hidden.receptors, None);
        assert_eq!(hidden.sites[1].class, SynapseClass::Inhibitory);
        assert_eq!(hidden.sites[0].position_um, 10.0);
        let (t, r) = hidden.for_baselines();
        assert_eq!(r, DEFAULT_RECEPTORS);
        assert_eq!(
            t.synapses[0].receptors,
            default_site_weights(SynapseClass::Excitatory)
        );
        assert_eq!(
            t.synapses[1].receptors,
            default_site_weights(SynapseClass::Inhibitory)
        );
        assert_eq!(
            (t.synapses[1].branch, t.synapses[1].region),
            (1, Region::Basal)
        );

        let weights = [
            r#", "ampa_weight_us": 0.0002, "nmda_weight_us": 0.0012"#,
            r#", "weight_us": 0.001"#,
        ];
        let published = PublicSynapses::parse(&table(weights, Some(RECEPTORS))).unwrap();
        let (t, r) = published.for_baselines();
        assert_eq!(r.nmda.tau_decay_ms, 75.0);
        assert_eq!(
            t.synapses[0].receptors,
            SiteReceptors::AmpaNmda {
                ampa_weight_us: 0.0002,
                nmda_weight_us: 0.0012
            }
        );
        assert_eq!(
            t.synapses[1].receptors,
            SiteReceptors::GabaA { weight_us: 0.001 }
        );
    }

    /// Weights without kinetics (or the reverse), weights that do not fit the row's type, and
    /// rows out of order are refused naming the row.
    #[test]
    fn an_inconsistent_table_is_refused_naming_the_row() {
        let weights = [
            r#", "ampa_weight_us": 0.0002, "nmda_weight_us": 0.0012"#,
            r#", "weight_us": 0.001"#,
        ];
        for (bytes, want) in [
            (
                table(weights, None),
                "synapses[0]: weights and receptors are published together",
            ),
            (
                table(["", ""], Some(RECEPTORS)),
                "synapses[0]: weights and receptors are published together",
            ),
            (
                table([weights[1], ""], None),
                "synapses[0]: the weights of a site are ampa_weight_us and nmda_weight_us \
                 (AMPA+NMDA) or weight_us (GABA_A); this AMPA+NMDA site has others",
            ),
            (
                String::from_utf8(table(["", ""], None))
                    .unwrap()
                    .replace(r#""id": 1"#, r#""id": 7"#)
                    .into_bytes(),
                "synapses[1].id is 7, must be 1",
            ),
        ] {
            let err = PublicSynapses::parse(&bytes).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("cell: synapses.json: {want}")),
                "{err}"
            );
        }
    }
}
