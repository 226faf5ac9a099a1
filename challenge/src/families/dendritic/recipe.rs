//! The recipe of a clustered-dendritic-input dataset: the `[stimulus]` section of a manifest
//! with `kind = "dendritic-input"`.
//!
//! Every quantity carries its unit in its name (`_um`, `_per_um`, `_us`, `_hz`, `_ms`, `_s`,
//! `_na`, `_mv`, `_mm`); every struct denies unknown keys, so a misspelt key is an error that
//! names it instead of a silently ignored default. [`DendriticRecipe::validate`] checks the
//! values and names the offending key (`stimulus.clusters.span_um = -3: must be > 0`).
//!
//! The input model follows Beniaguev, Segev & London (2021, Neuron 109:2727): every synapse
//! receives Poisson background input whose rate fluctuates slowly and differently per branch,
//! on top of which clustered events drive k neighbouring excitatory synapses of one branch
//! within a few milliseconds.
//!
//! Public and hidden keys. The event statistics (site densities, background, clusters) describe
//! the input, which contestants see anyway in the event tables: they stay public. The receptor
//! kinetics, the synaptic weights and the intrinsic noise are the generator (with the cell,
//! they reproduce the ground truth), so the public view of a manifest leaves them out
//! ([`DendriticRecipe::public_view`]) unless the organizer publishes the cell. Those keys are
//! therefore optional in the type; [`DendriticRecipe::synaptic`] hands them out together, or
//! names the first one that is absent.

use super::DendriticError;
use super::regions::Region;
use serde::{Deserialize, Serialize};

/// Kinetics of the three receptor types, written into the cell's `synapse_types` as `"AMPA"`,
/// `"NMDA"` and `"GABA_A"` (see [`Synaptic::cell_with_receptors`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receptors {
    /// AMPA receptor (NEURON `Exp2Syn`).
    pub ampa: Receptor,
    /// NMDA receptor with Jahr & Stevens (1990) Mg²⁺ block (`NMDAMg`).
    pub nmda: NmdaReceptor,
    /// GABA_A receptor (`Exp2Syn`).
    pub gaba_a: Receptor,
}

/// A double-exponential conductance (NEURON `Exp2Syn`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receptor {
    /// Rise time constant τ1, ms.
    pub tau_rise_ms: f64,
    /// Decay time constant τ2, ms.
    pub tau_decay_ms: f64,
    /// Reversal potential, mV.
    pub reversal_mv: f64,
}

/// A double-exponential NMDA conductance with Mg²⁺ block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NmdaReceptor {
    /// Rise time constant τ1, ms.
    pub tau_rise_ms: f64,
    /// Decay time constant τ2, ms.
    pub tau_decay_ms: f64,
    /// Reversal potential, mV.
    pub reversal_mv: f64,
    /// Extracellular Mg²⁺ concentration, mM.
    pub mg_mm: f64,
}

/// A linear density per dendritic region, sites per µm of dendrite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDensities {
    /// Basal dendrites, sites/µm.
    pub basal: f64,
    /// Apical oblique branches, sites/µm.
    pub oblique: f64,
    /// Apical trunk, sites/µm.
    pub trunk: f64,
    /// Apical tuft, sites/µm.
    pub tuft: f64,
}

impl RegionDensities {
    /// The density of `region` (0 for the soma and the axon, which get no dendritic sites).
    pub fn of(&self, region: Region) -> f64 {
        match region {
            Region::Basal => self.basal,
            Region::Oblique => self.oblique,
            Region::Trunk => self.trunk,
            Region::Tuft => self.tuft,
            Region::Soma | Region::Axon => 0.0,
        }
    }
}

/// Excitatory sites: one AMPA and one NMDA receptor at the same location. The weights are part
/// of the generator: `None` in a public view (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excitatory {
    /// Density of sites per region, sites/µm (positions form a Poisson process along each
    /// section).
    pub sites_per_um: RegionDensities,
    /// Peak AMPA conductance of one isolated event at the soma's distance, µS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ampa_weight_us: Option<f64>,
    /// Peak NMDA conductance (unblocked) of one isolated event at the soma's distance, µS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nmda_weight_us: Option<f64>,
    /// Distance-dependent scaling: a site at path distance d µm from the soma gets weights
    /// w·(1 + gain·d/100 µm), as distal synapses are larger (Magee & Cook 2000, Nat Neurosci
    /// 3:895). Absent: 0, uniform weights. Relative gain per 100 µm (dimensionless).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_gain_per_100um: Option<f64>,
}

/// Inhibitory GABA_A sites on the dendrites and the soma. The weights are part of the
/// generator: `None` in a public view (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inhibitory {
    /// Density of dendritic sites per region, sites/µm.
    pub sites_per_um: RegionDensities,
    /// Peak conductance of one event at a dendritic site, µS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_us: Option<f64>,
    /// Number of sites on the soma (perisomatic inhibition), all at soma(0.5).
    pub soma_sites: usize,
    /// Peak conductance of one event at a somatic site, µS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soma_weight_us: Option<f64>,
}

/// Background input: an inhomogeneous Poisson train on every site whose rate is
/// r(t) = mean · exp(σ·x_b(t) − σ²/2), with x_b a unit-variance Ornstein–Uhlenbeck process of
/// its own for each branch b and each class (excitatory, inhibitory); the −σ²/2 makes the mean
/// rate equal `mean` (E[exp(σx)] = exp(σ²/2)). The rate is held constant over steps of
/// `rate_step_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Background {
    /// Mean rate per excitatory site, Hz.
    pub excitatory_rate_hz: f64,
    /// Mean rate per inhibitory site (dendritic and somatic), Hz.
    pub inhibitory_rate_hz: f64,
    /// σ: standard deviation of the log-rate (natural log, dimensionless); 0 for constant rates.
    pub log_rate_sd: f64,
    /// Correlation time of the log-rate, s.
    pub log_rate_tau_s: f64,
    /// The rate is updated every this many ms.
    pub rate_step_ms: f64,
}

/// Clustered events: volleys of k excitatory sites within `span_um` on one branch, activated
/// within `window_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clusters {
    /// k: sites activated by one volley.
    pub synapses_per_cluster: usize,
    /// L: the k sites lie within this path length of one branch, µm.
    pub span_um: f64,
    /// T: every site of a volley is activated once within this window after its onset, ms.
    pub window_ms: f64,
    /// Volley onsets form a Poisson process at this rate (whole cell), Hz.
    pub rate_hz: f64,
    /// Regions whose branches may carry a cluster (and the scattered control's sites).
    pub regions: Vec<Region>,
    /// Cluster sites lie at most this path distance from soma(0.5), µm (default: anywhere).
    /// Thin distal branches filter a local NMDA spike so strongly that it hardly reaches the
    /// soma; proximal thin branches are where NMDA spikes drive firing (Major, Larkum &
    /// Schiller 2013, Annu Rev Neurosci 36:1).
    #[serde(default)]
    pub max_distance_um: Option<f64>,
    /// In the space-scattered control each cluster site is replaced by a site on another branch
    /// at a path distance from the soma within this tolerance of its own, µm, so that the
    /// control differs in spatial clustering only, not in electrotonic distance.
    pub scatter_distance_tolerance_um: f64,
}

/// Intrinsic noise of the cell: an Ornstein–Uhlenbeck current injected at the soma, drawn
/// afresh for every repeat so that repeats of one input differ as real ones do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicNoise {
    /// Mean current, nA (positive depolarises).
    #[serde(default)]
    pub soma_current_mean_na: f64,
    /// Standard deviation of the current, nA.
    pub soma_current_sd_na: f64,
    /// Correlation time, ms.
    pub tau_ms: f64,
}

/// The `[stimulus]` section of a `dendritic-input` dataset manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DendriticRecipe {
    /// Receptor kinetics (generator: `None` in a public view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receptors: Option<Receptors>,
    /// Excitatory (AMPA+NMDA) placement and weights.
    pub excitatory: Excitatory,
    /// Inhibitory (GABA_A) placement and weights.
    pub inhibitory: Inhibitory,
    /// Background Poisson input.
    pub background: Background,
    /// Clustered events.
    pub clusters: Clusters,
    /// Intrinsic noise (generator: `None` in a public view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrinsic_noise: Option<IntrinsicNoise>,
}

/// The generator's part of a dendritic recipe, all present: what the reference cell needs beyond
/// the event statistics ([`DendriticRecipe::synaptic`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synaptic {
    /// Receptor kinetics.
    pub receptors: Receptors,
    /// Peak AMPA conductance of an excitatory event at the soma's distance, µS.
    pub ampa_weight_us: f64,
    /// Peak NMDA conductance (unblocked) of an excitatory event at the soma's distance, µS.
    pub nmda_weight_us: f64,
    /// Relative change of the excitatory weights per 100 µm of path distance (0 if absent).
    pub weight_gain_per_100um: f64,
    /// Peak conductance of an event at a dendritic inhibitory site, µS.
    pub inhibitory_weight_us: f64,
    /// Peak conductance of an event at a somatic inhibitory site, µS.
    pub soma_weight_us: f64,
    /// The cell's intrinsic noise.
    pub intrinsic_noise: IntrinsicNoise,
}

/// Which check a value failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Positive,
    NonNegative,
    Finite,
}

fn check(key: &str, need: Need, value: f64) -> Result<(), DendriticError> {
    let problem = match need {
        Need::Positive if !(value.is_finite() && value > 0.0) => "must be a finite number > 0",
        Need::NonNegative if !(value.is_finite() && value >= 0.0) => "must be a finite number >= 0",
        Need::Finite if !value.is_finite() => "must be finite",
        _ => return Ok(()),
    };
    Err(DendriticError::InvalidKey {
        key: format!("stimulus.{key}"),
        value: value.to_string(),
        problem: problem.into(),
    })
}

impl DendriticRecipe {
    /// Checks every value; the error names the key, e.g. `stimulus.background.log_rate_tau_s`.
    ///
    /// The generator's keys (kinetics, weights, noise) are checked where present; whether they
    /// must be present is the manifest's business ([`arena_challenge_core::manifest::Manifest::parse`] and
    /// [`arena_challenge_core::manifest::Manifest::parse_public`]).
    ///
    /// # Errors
    /// [`DendriticError::InvalidKey`] for the first value out of its domain.
    pub fn validate(&self) -> Result<(), DendriticError> {
        use Need::*;
        if let Some(r) = &self.receptors {
            for (name, tr, td, e) in [
                (
                    "ampa",
                    r.ampa.tau_rise_ms,
                    r.ampa.tau_decay_ms,
                    r.ampa.reversal_mv,
                ),
                (
                    "nmda",
                    r.nmda.tau_rise_ms,
                    r.nmda.tau_decay_ms,
                    r.nmda.reversal_mv,
                ),
                (
                    "gaba_a",
                    r.gaba_a.tau_rise_ms,
                    r.gaba_a.tau_decay_ms,
                    r.gaba_a.reversal_mv,
                ),
            ] {
                check(&format!("receptors.{name}.tau_rise_ms"), Positive, tr)?;
                check(&format!("receptors.{name}.tau_decay_ms"), Positive, td)?;
                check(&format!("receptors.{name}.reversal_mv"), Finite, e)?;
            }
            check("receptors.nmda.mg_mm", NonNegative, r.nmda.mg_mm)?;
        }
        for (class, d) in [
            ("excitatory", &self.excitatory.sites_per_um),
            ("inhibitory", &self.inhibitory.sites_per_um),
        ] {
            for (region, v) in [
                ("basal", d.basal),
                ("oblique", d.oblique),
                ("trunk", d.trunk),
                ("tuft", d.tuft),
            ] {
                check(&format!("{class}.sites_per_um.{region}"), NonNegative, v)?;
            }
        }
        let ex = &self.excitatory;
        let inh = &self.inhibitory;
        for (key, need, value) in [
            ("excitatory.ampa_weight_us", NonNegative, ex.ampa_weight_us),
            ("excitatory.nmda_weight_us", NonNegative, ex.nmda_weight_us),
            (
                "excitatory.weight_gain_per_100um",
                Finite,
                ex.weight_gain_per_100um,
            ),
            ("inhibitory.weight_us", NonNegative, inh.weight_us),
            ("inhibitory.soma_weight_us", NonNegative, inh.soma_weight_us),
        ] {
            if let Some(v) = value {
                check(key, need, v)?;
            }
        }
        let b = &self.background;
        check(
            "background.excitatory_rate_hz",
            NonNegative,
            b.excitatory_rate_hz,
        )?;
        check(
            "background.inhibitory_rate_hz",
            NonNegative,
            b.inhibitory_rate_hz,
        )?;
        check("background.log_rate_sd", NonNegative, b.log_rate_sd)?;
        check("background.log_rate_tau_s", Positive, b.log_rate_tau_s)?;
        check("background.rate_step_ms", Positive, b.rate_step_ms)?;
        let c = &self.clusters;
        if c.synapses_per_cluster == 0 {
            return Err(DendriticError::InvalidKey {
                key: "stimulus.clusters.synapses_per_cluster".into(),
                value: "0".into(),
                problem: "must be >= 1".into(),
            });
        }
        check("clusters.span_um", Positive, c.span_um)?;
        check("clusters.window_ms", Positive, c.window_ms)?;
        check("clusters.rate_hz", NonNegative, c.rate_hz)?;
        if let Some(d) = c.max_distance_um {
            check("clusters.max_distance_um", Positive, d)?;
        }
        check(
            "clusters.scatter_distance_tolerance_um",
            Positive,
            c.scatter_distance_tolerance_um,
        )?;
        if let Some(bad) = c.regions.iter().find(|r| !r.is_dendritic()) {
            return Err(DendriticError::InvalidKey {
                key: "stimulus.clusters.regions".into(),
                value: format!("{bad:?}").to_lowercase(),
                problem: "clusters go on dendrites: basal, oblique, trunk or tuft".into(),
            });
        }
        if c.regions.is_empty() {
            return Err(DendriticError::InvalidKey {
                key: "stimulus.clusters.regions".into(),
                value: "[]".into(),
                problem: "name at least one region".into(),
            });
        }
        if let Some(n) = &self.intrinsic_noise {
            check(
                "intrinsic_noise.soma_current_mean_na",
                Finite,
                n.soma_current_mean_na,
            )?;
            check(
                "intrinsic_noise.soma_current_sd_na",
                NonNegative,
                n.soma_current_sd_na,
            )?;
            check("intrinsic_noise.tau_ms", Positive, n.tau_ms)?;
        }
        Ok(())
    }

    /// The generator's parameters, all together.
    ///
    /// # Errors
    /// [`DendriticError::Hidden`] naming the first absent key (a public view of the manifest
    /// leaves them out: the reference cell is the server's).
    pub fn synaptic(&self) -> Result<Synaptic, DendriticError> {
        let (ex, inh) = (&self.excitatory, &self.inhibitory);
        let hidden = DendriticError::Hidden;
        Ok(Synaptic {
            receptors: self.receptors.ok_or(hidden("stimulus.receptors"))?,
            ampa_weight_us: ex
                .ampa_weight_us
                .ok_or(hidden("stimulus.excitatory.ampa_weight_us"))?,
            nmda_weight_us: ex
                .nmda_weight_us
                .ok_or(hidden("stimulus.excitatory.nmda_weight_us"))?,
            weight_gain_per_100um: ex.weight_gain_per_100um.unwrap_or(0.0),
            inhibitory_weight_us: inh
                .weight_us
                .ok_or(hidden("stimulus.inhibitory.weight_us"))?,
            soma_weight_us: inh
                .soma_weight_us
                .ok_or(hidden("stimulus.inhibitory.soma_weight_us"))?,
            intrinsic_noise: self
                .intrinsic_noise
                .ok_or(hidden("stimulus.intrinsic_noise"))?,
        })
    }

    /// True when none of the generator's keys is present: the recipe is a public view.
    pub fn is_public_view(&self) -> bool {
        *self == self.public_view()
    }

    /// The recipe without the generator's keys: the event statistics only (module docs).
    pub fn public_view(&self) -> DendriticRecipe {
        let mut out = self.clone();
        out.receptors = None;
        out.intrinsic_noise = None;
        out.excitatory.ampa_weight_us = None;
        out.excitatory.nmda_weight_us = None;
        out.excitatory.weight_gain_per_100um = None;
        out.inhibitory.weight_us = None;
        out.inhibitory.soma_weight_us = None;
        out
    }
}

impl Synaptic {
    /// A copy of `cell` whose `synapse_types` declares `"AMPA"`, `"NMDA"` and `"GABA_A"` with
    /// these kinetics (replacing any types of those names).
    pub fn cell_with_receptors(
        &self,
        cell: &arena_neuron::cable::CellSpec,
    ) -> arena_neuron::cable::CellSpec {
        use arena_neuron::cable::synapse::SynapseType;
        let r = &self.receptors;
        let exp2 = |p: Receptor| SynapseType::Exp2Syn {
            tau1: p.tau_rise_ms,
            tau2: p.tau_decay_ms,
            e: p.reversal_mv,
        };
        let mut out = cell.clone();
        out.synapse_types.insert(AMPA.into(), exp2(r.ampa));
        out.synapse_types.insert(GABA_A.into(), exp2(r.gaba_a));
        out.synapse_types.insert(
            NMDA.into(),
            SynapseType::NmdaMg {
                tau1: r.nmda.tau_rise_ms,
                tau2: r.nmda.tau_decay_ms,
                e: r.nmda.reversal_mv,
                mg: r.nmda.mg_mm,
            },
        );
        out
    }
}

/// Name of the AMPA receptor type in the cell's `synapse_types`.
pub const AMPA: &str = "AMPA";
/// Name of the NMDA receptor type in the cell's `synapse_types`.
pub const NMDA: &str = "NMDA";
/// Name of the GABA_A receptor type in the cell's `synapse_types`.
pub const GABA_A: &str = "GABA_A";
