//! Synapse placement: the synapse table that the challenge spec gives contestants.
//!
//! The table is a deterministic function of (cell geometry, recipe, seed). On every dendritic
//! section the excitatory sites, then the inhibitory sites, form a homogeneous Poisson process
//! along its length with the density of the section's region (exponential gaps of mean
//! 1/density µm, drawn from the seed's stream section by section in the spec's order); the
//! somatic inhibitory sites all sit at soma(0.5). Ids number excitatory sites first, then
//! dendritic inhibitory sites, then somatic ones.

use super::recipe::DendriticRecipe;
use super::regions::{DendriteGeometry, Region};
use arena_neuron::rng::{derive_seed, rng_from_seed};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The receptors of a site and their peak conductances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Receptors {
    /// An excitatory site: co-localised AMPA and NMDA receptors.
    #[serde(rename = "AMPA+NMDA")]
    AmpaNmda {
        /// Peak AMPA conductance of one isolated event, µS.
        ampa_weight_us: f64,
        /// Peak NMDA conductance (unblocked) of one isolated event, µS.
        nmda_weight_us: f64,
    },
    /// An inhibitory site.
    #[serde(rename = "GABA_A")]
    GabaA {
        /// Peak conductance of one isolated event, µS.
        weight_us: f64,
    },
}

/// Excitatory or inhibitory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SynapseClass {
    /// AMPA+NMDA.
    Excitatory,
    /// GABA_A.
    Inhibitory,
}

/// One row of the synapse table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Synapse {
    /// Row index.
    pub id: usize,
    /// Receptors and weights.
    #[serde(flatten)]
    pub receptors: Receptors,
    /// Section name.
    pub section: String,
    /// Position on the section, x ∈ [0, 1] (0 at the end nearer the soma).
    pub x: f64,
    /// Path distance from soma(0.5), µm.
    pub distance_um: f64,
    /// Branch id: the index of the section in the cell description.
    pub branch: usize,
    /// Region of the branch.
    pub region: Region,
}

impl Synapse {
    /// Excitatory or inhibitory.
    pub fn class(&self) -> SynapseClass {
        match self.receptors {
            Receptors::AmpaNmda { .. } => SynapseClass::Excitatory,
            Receptors::GabaA { .. } => SynapseClass::Inhibitory,
        }
    }

    /// Position along the branch from its x = 0 end, µm.
    pub fn position_um(&self, geometry: &DendriteGeometry) -> f64 {
        self.x * geometry.sections[self.branch].length_um
    }
}

/// The synapse table: every site of the cell, indexed by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynapseTable {
    /// The rows; `synapses[i].id == i`.
    pub synapses: Vec<Synapse>,
}

impl SynapseTable {
    /// Places the synapses of `recipe` on `geometry` with the seed's stream
    /// `derive_seed(seed, "synapse-placement", 0)`.
    ///
    /// Weights of excitatory sites scale with distance as documented on
    /// [`super::recipe::Excitatory::weight_gain_per_100um`].
    ///
    /// # Errors
    /// [`super::DendriticError::InvalidKey`] if a distance-scaled weight would be negative;
    /// [`super::DendriticError::Hidden`] if the recipe is a public view (no weights).
    pub fn place(
        geometry: &DendriteGeometry,
        recipe: &DendriticRecipe,
        seed: u64,
    ) -> Result<Self, super::DendriticError> {
        let mut rng = rng_from_seed(derive_seed(seed, "synapse-placement", 0));
        let ex = &recipe.excitatory;
        let inh = &recipe.inhibitory;
        let weights = recipe.synaptic()?;
        let mut synapses = Vec::new();
        for class in [SynapseClass::Excitatory, SynapseClass::Inhibitory] {
            for (branch, s) in geometry.sections.iter().enumerate() {
                let density = match class {
                    SynapseClass::Excitatory => ex.sites_per_um.of(s.region),
                    SynapseClass::Inhibitory => inh.sites_per_um.of(s.region),
                };
                for position in poisson_positions(&mut rng, density, s.length_um) {
                    let x = position / s.length_um;
                    let distance_um = s.distance_um(x);
                    let receptors = match class {
                        SynapseClass::Excitatory => {
                            let gain = weights.weight_gain_per_100um;
                            let scale = 1.0 + gain * distance_um / 100.0;
                            if scale < 0.0 {
                                return Err(super::DendriticError::InvalidKey {
                                    key: "stimulus.excitatory.weight_gain_per_100um".into(),
                                    value: gain.to_string(),
                                    problem: format!(
                                        "makes the weight negative at {distance_um:.1} µm \
                                         ({}({x:.3}))",
                                        s.name
                                    ),
                                });
                            }
                            Receptors::AmpaNmda {
                                ampa_weight_us: weights.ampa_weight_us * scale,
                                nmda_weight_us: weights.nmda_weight_us * scale,
                            }
                        }
                        SynapseClass::Inhibitory => Receptors::GabaA {
                            weight_us: weights.inhibitory_weight_us,
                        },
                    };
                    synapses.push(Synapse {
                        id: synapses.len(),
                        receptors,
                        section: s.name.clone(),
                        x,
                        distance_um,
                        branch,
                        region: s.region,
                    });
                }
            }
        }
        let soma = geometry.soma();
        for _ in 0..inh.soma_sites {
            synapses.push(Synapse {
                id: synapses.len(),
                receptors: Receptors::GabaA {
                    weight_us: weights.soma_weight_us,
                },
                section: geometry.sections[soma].name.clone(),
                x: 0.5,
                distance_um: 0.0,
                branch: soma,
                region: Region::Soma,
            });
        }
        Ok(SynapseTable { synapses })
    }

    /// Number of sites of `class`.
    pub fn count(&self, class: SynapseClass) -> usize {
        self.synapses.iter().filter(|s| s.class() == class).count()
    }
}

/// Points of a homogeneous Poisson process of `density` per µm on [0, `length_um`), µm,
/// increasing: cumulative sums of exponential gaps −ln(1 − U)/density.
pub(crate) fn poisson_positions(rng: &mut impl Rng, density: f64, length_um: f64) -> Vec<f64> {
    let mut out = Vec::new();
    if density <= 0.0 {
        return out;
    }
    let mut s = 0.0;
    loop {
        s += exponential(rng, density);
        if s >= length_um {
            return out;
        }
        out.push(s);
    }
}

/// An exponential variate of the given rate: −ln(1 − U)/rate with U uniform on [0, 1).
pub(crate) fn exponential(rng: &mut impl Rng, rate: f64) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).ln() / rate
}
