//! The cell description: serde types of the `"cell"` object of the simulation document, with
//! NEURON's defaults and units. Every struct denies unknown fields, so a misspelt mechanism or
//! parameter is an error that names it instead of a silently ignored value.

use super::channels::{HhParams, IhParams, ImParams, PasParams};
use super::synapse::SynapseType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole cell: passive defaults, temperature, initial potential, sections and the receptor
/// types its synapses may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    /// Axial resistivity, Ω·cm (NEURON default 35.4), for sections that do not set their own.
    #[serde(rename = "Ra", default = "default_ra")]
    pub ra: f64,
    /// Specific membrane capacitance, µF/cm² (default 1), for sections that do not set their own.
    #[serde(default = "default_cm")]
    pub cm: f64,
    /// Temperature, °C (default 6.3; affects `hh` through q10 = 3^((celsius − 6.3)/10)).
    #[serde(default = "default_celsius")]
    pub celsius: f64,
    /// Initial membrane potential everywhere, mV (default −65); gates start at steady state.
    #[serde(default = "default_v_init")]
    pub v_init: f64,
    /// The sections; exactly one has `parent: null`.
    pub sections: Vec<SectionSpec>,
    /// Receptor types by name (e.g. `"AMPA"`, `"NMDA"`, `"GABA_A"`).
    #[serde(default)]
    pub synapse_types: BTreeMap<String, SynapseType>,
}

fn default_ra() -> f64 {
    35.4
}
fn default_cm() -> f64 {
    1.0
}
fn default_celsius() -> f64 {
    6.3
}
fn default_v_init() -> f64 {
    -65.0
}
fn default_nseg() -> usize {
    1
}

/// One unbranched cylinder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    /// Unique name.
    pub name: String,
    /// Name of the parent section; `null` for the root.
    pub parent: Option<String>,
    /// Attachment point on the parent, x ∈ [0, 1]; `null` means 1 (NEURON's `connect` default).
    #[serde(default)]
    pub parent_x: Option<f64>,
    /// Length, µm.
    #[serde(rename = "L")]
    pub length: f64,
    /// Diameter, µm.
    pub diam: f64,
    /// 3-D points `[x, y, z, diam]` in µm (NEURON's `pt3dadd`), from the 0 end to the 1 end;
    /// empty (the default) for a cylinder of length `L` and diameter `diam`. With points the
    /// geometry is NEURON's: segment areas and axial resistances are integrated over the
    /// frusta between the points ([`super::morphology::segments_from_pt3d`]), `L` must equal
    /// the points' arc length and `diam` is informational (e.g. their mean diameter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pt3d: Vec<[f64; 4]>,
    /// Number of segments (default 1).
    #[serde(default = "default_nseg")]
    pub nseg: usize,
    /// Axial resistivity override, Ω·cm.
    #[serde(rename = "Ra", default, skip_serializing_if = "Option::is_none")]
    pub ra: Option<f64>,
    /// Specific capacitance override, µF/cm².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cm: Option<f64>,
    /// Membrane mechanisms inserted in every segment of the section.
    #[serde(default)]
    pub mechanisms: MechanismsSpec,
    /// Reversal potentials used by the mechanisms of this section.
    #[serde(default)]
    pub ions: IonsSpec,
}

/// Density mechanisms of a section; absent means not inserted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MechanismsSpec {
    /// Passive leak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pas: Option<PasParams>,
    /// Hodgkin–Huxley Na, K and leak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hh: Option<HhParams>,
    /// Hyperpolarisation-activated cation current.
    #[serde(rename = "Ih", default, skip_serializing_if = "Option::is_none")]
    pub ih: Option<IhParams>,
    /// M-type potassium current.
    #[serde(rename = "Im", default, skip_serializing_if = "Option::is_none")]
    pub im: Option<ImParams>,
}

/// Reversal potentials, mV (NEURON's defaults: ena = 50, ek = −77).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IonsSpec {
    /// Sodium reversal, mV.
    pub ena: f64,
    /// Potassium reversal, mV.
    pub ek: f64,
}

impl Default for IonsSpec {
    fn default() -> Self {
        Self {
            ena: 50.0,
            ek: -77.0,
        }
    }
}
