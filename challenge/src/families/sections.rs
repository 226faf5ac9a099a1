//! The family sections of a manifest as one document holds them: `kind`, and `[cell]` and
//! `[stimulus]`, whose variants belong to different families (`model = "adex"` and
//! `kind = "ou-current"` to the injected-current family, `model = "cable-swc"` and
//! `kind = "dendritic-clusters"` to the dendritic one). A new family adds its variants here.

use arena_neuron::point::AdExParams;
use arena_neuron::stimulus::OuCurrentRecipe;
use serde::{Deserialize, Serialize};

use super::dendritic::recipe::DendriticRecipe;
use super::dendritic::section::CableSwc;

/// The input a challenge family drives the cell with (`kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Current injected into the soma (INCF style).
    InjectedCurrent,
    /// Synaptic input on the dendrites of a multi-compartment cell, clustered trials paired
    /// with two controls.
    DendriticInput,
}

impl Kind {
    /// The name used in manifests and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InjectedCurrent => "injected-current",
            Kind::DendriticInput => "dendritic-input",
        }
    }
}

/// `[cell]`: the ground-truth neuron, chosen by `model`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum Cell {
    /// Adaptive exponential integrate-and-fire with intrinsic current noise
    /// (Brette & Gerstner 2005); parameters as [`AdExParams`].
    Adex(AdExParams),
    /// A multi-compartment cell from an SWC morphology, simulated with the reference cable
    /// simulator (`arena_neuron::cable`).
    CableSwc(CableSwc),
}

/// `[stimulus]`: the injected current, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Stimulus {
    /// Ornstein–Uhlenbeck current whose mean and standard deviation change by segment.
    OuCurrent(OuCurrentRecipe),
    /// Background and clustered synaptic events on the dendrites.
    DendriticClusters(Box<DendriticRecipe>),
}

impl Cell {
    /// The cable cell of a dendritic challenge.
    pub fn cable(&self) -> Option<&CableSwc> {
        match self {
            Cell::CableSwc(cable) => Some(cable),
            Cell::Adex(_) => None,
        }
    }
}
