//! Conductance-based synapses with double-exponential kinetics.
//!
//! `Exp2Syn` is NEURON's built-in exp2syn.mod: two states A' = −A/τ1, B' = −B/τ2, conductance
//! g = B − A (µS), current i = g·(v − e) (nA, positive outward). An event of weight w (µS) adds
//! w·factor to A and to B, where factor normalises the peak of an isolated event to w:
//! tp = τ1τ2/(τ2 − τ1)·ln(τ2/τ1), factor = 1/(exp(−tp/τ2) − exp(−tp/τ1)). As in exp2syn.mod's
//! INITIAL block, τ1 is first clamped to 0.9999·τ2 if τ1/τ2 > 0.9999 and to 1e-9·τ2 if
//! τ1/τ2 < 1e-9.
//!
//! `NMDAMg` has the same kinetics and a voltage-dependent Mg²⁺ block (Jahr & Stevens 1990,
//! J Neurosci 10:3178): i = g·B(v)·(v − e), B(v) = 1/(1 + exp(−0.062·v)·[Mg]/3.57), [Mg] in mM.
//! The `.mod` file compiled for the NEURON fixtures is `neuron/peer/mod/nmdamg.mod`.
//!
//! Because both kinds are linear in their states and the block depends only on the local
//! voltage, every synapse of one type on one node can be merged into a single instance whose
//! states are the sums (exact up to rounding): the simulator does this.

use super::error::{CableError, finite, non_negative, positive};
use super::exp::exp;
use serde::{Deserialize, Serialize};

/// A synaptic receptor type as declared in `cell.synapse_types`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mechanism", deny_unknown_fields)]
pub enum SynapseType {
    /// NEURON's Exp2Syn (AMPA, GABA_A, ...).
    Exp2Syn {
        /// Rise time constant, ms.
        tau1: f64,
        /// Decay time constant, ms.
        tau2: f64,
        /// Reversal potential, mV.
        e: f64,
    },
    /// Double exponential with Jahr & Stevens (1990) Mg²⁺ block.
    #[serde(rename = "NMDAMg")]
    NmdaMg {
        /// Rise time constant, ms.
        tau1: f64,
        /// Decay time constant, ms.
        tau2: f64,
        /// Reversal potential, mV.
        e: f64,
        /// Extracellular magnesium concentration, mM.
        mg: f64,
    },
}

/// A synapse type validated and prepared for simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kinetics {
    /// Rise time constant after NEURON's clamping, ms.
    pub tau1: f64,
    /// Decay time constant, ms.
    pub tau2: f64,
    /// Reversal potential, mV.
    pub e: f64,
    /// Peak-normalisation factor applied to each event weight.
    pub factor: f64,
    /// `Some([Mg] in mM)` for a Mg²⁺-blocked (NMDA) receptor.
    pub mg: Option<f64>,
}

impl SynapseType {
    /// Validates the parameters (errors name `synapse_types[name].field`) and computes the
    /// peak-normalisation factor exactly as exp2syn.mod's INITIAL block.
    pub fn kinetics(&self, name: &str) -> Result<Kinetics, CableError> {
        let f = |field: &'static str| move || format!("synapse_types[{name}].{field}");
        let (tau1, tau2, e, mg) = match *self {
            SynapseType::Exp2Syn { tau1, tau2, e } => (tau1, tau2, e, None),
            SynapseType::NmdaMg { tau1, tau2, e, mg } => {
                (tau1, tau2, e, Some(non_negative(f("mg"), mg)?))
            }
        };
        let mut tau1 = positive(f("tau1"), tau1)?;
        let tau2 = positive(f("tau2"), tau2)?;
        finite(f("e"), e)?;
        if tau1 / tau2 > 0.9999 {
            tau1 = 0.9999 * tau2;
        }
        if tau1 / tau2 < 1e-9 {
            tau1 = tau2 * 1e-9;
        }
        let tp = (tau1 * tau2) / (tau2 - tau1) * (tau2 / tau1).ln();
        let factor = 1.0 / (-(-tp / tau1).exp() + (-tp / tau2).exp());
        Ok(Kinetics {
            tau1,
            tau2,
            e,
            factor,
            mg,
        })
    }
}

/// Jahr & Stevens (1990) fraction of unblocked NMDA channels at `v` mV and `mg` mM.
#[inline(always)]
pub fn mg_block(v: f64, mg: f64) -> f64 {
    1.0 / (1.0 + exp(0.062 * -v) * (mg / 3.57))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_event_peaks_at_its_weight() {
        let k = SynapseType::Exp2Syn {
            tau1: 0.2,
            tau2: 2.0,
            e: 0.0,
        }
        .kinetics("AMPA")
        .unwrap();
        // tp = 0.4/1.8·ln 10 = 0.5116856 ms; g(tp) = factor·(e^{−tp/τ2} − e^{−tp/τ1}) = 1.
        let tp = 0.4 / 1.8 * 10f64.ln();
        assert!((tp - 0.5116856).abs() < 1e-7);
        let g = |t: f64| k.factor * ((-t / 2.0).exp() - (-t / 0.2).exp());
        assert!((g(tp) - 1.0).abs() < 1e-12);
        assert!(g(tp - 0.01) < 1.0 && g(tp + 0.01) < 1.0);
    }

    #[test]
    fn equal_time_constants_are_clamped_like_neuron() {
        let k = SynapseType::Exp2Syn {
            tau1: 5.0,
            tau2: 5.0,
            e: 0.0,
        }
        .kinetics("x")
        .unwrap();
        assert_eq!(k.tau1, 0.9999 * 5.0);
        assert!(k.factor.is_finite() && k.factor > 0.0);
    }

    #[test]
    fn mg_block_values() {
        // B(0) = 1/(1 + 1/3.57) = 3.57/4.57 = 0.781182; B(−65) = 1/(1 + e^{4.03}/3.57) = 0.0599
        assert!((mg_block(0.0, 1.0) - 3.57 / 4.57).abs() < 1e-15);
        let b = 1.0 / (1.0 + (4.03f64).exp() / 3.57);
        assert!((mg_block(-65.0, 1.0) - b).abs() < 1e-15);
        assert!((b - 0.0599).abs() < 1e-3, "{b}");
        assert_eq!(mg_block(-65.0, 0.0), 1.0);
    }

    #[test]
    fn errors_name_the_type_and_field() {
        let e = SynapseType::NmdaMg {
            tau1: 2.0,
            tau2: 75.0,
            e: 0.0,
            mg: -1.0,
        }
        .kinetics("NMDA")
        .unwrap_err();
        assert!(
            e.to_string().starts_with("synapse_types[NMDA].mg = -1"),
            "{e}"
        );
    }
}
