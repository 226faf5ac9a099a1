//! The clustered-dendritic-input challenge family (Beniaguev, Segev & London 2021, Neuron
//! 109:2727 style): synapse placement, paired trials, reference responses and the check that
//! clusters matter.
//!
//! Why paired controls. The INCF single-neuron competitions drove cells with somatic current,
//! where point neurons that sum their input linearly do well. Real input arrives clustered in
//! time and in space on dendrites, where NMDA receptors make local integration strongly
//! non-linear (Schiller, Major, Koester & Schiller 2000, Nature 404:285; Polsky, Mel &
//! Schiller 2004, Nat Neurosci 7:621). To measure — not assume — what a model loses by
//! ignoring this, every clustered trial comes with two controls that have the same number of
//! events per synapse class: the same sites with the cluster events spread out in time
//! (isolating synchrony), and the same volleys scattered over the tree (isolating spatial
//! clustering). A dataset whose clusters make no difference is refused
//! ([`effect::check_effect`]).
//!
//! Pipeline:
//! 1. [`recipe::DendriticRecipe`]: the manifest's `[stimulus]` section; [`section`]: its
//!    `[cell]` and `[effect]`, and the checks of all three;
//! 2. [`regions`]: the region of every section and path distances
//!    ([`regions::classify_by_name`], [`regions::DendriteGeometry`]);
//! 3. [`placement::SynapseTable::place`]: the synapse table given to contestants;
//! 4. [`trials::PairedTrial::draw`]: the clustered trial and its two controls;
//! 5. [`simulate::ReferenceCell::simulate_trial`]: K noisy repeats per condition;
//! 6. [`effect::check_effect`]: paired statistics of clustered versus each control
//!    ([`stats`] holds the tests); [`generation::paired_challenge`] runs 3 to 6 for a whole
//!    challenge;
//! 7. [`public_data::DendriticData`]: what a contestant fetches beyond the trials (the synapse
//!    table, [`cell::PublicSynapses`]);
//! 8. [`reference::CableReference`]: the generating cell run with fresh noise seeds, the
//!    reference baseline; [`models::fit_linear`], [`models::fit_two_layer`]: the
//!    linear-integration and two-layer (per-branch NMDA-like sigmoid) models, the family's
//!    fitted baselines, trained on the training trials.

pub mod cell;
pub mod effect;
pub mod generation;
pub mod models;
pub mod placement;
pub mod public_data;
pub mod recipe;
pub mod reference;
pub mod regions;
pub mod section;
pub mod simulate;
pub mod stats;
pub mod trials;

pub use cell::{Biophysics, DendriticCell, PublicSite, PublicSynapses};
pub use effect::{EffectOptions, EffectReport, TrialSpikes, check_effect};
pub use models::{
    DendriticFitError, DendriticFitOptions, DendriticModel, DendriticTrainingTrial, fit_linear,
    fit_two_layer,
};
pub use placement::{Synapse, SynapseClass, SynapseTable};
pub use recipe::{DendriticRecipe, Synaptic};
pub use regions::{DendriteGeometry, Region, classify_by_name};
pub use simulate::{ReferenceCell, Response, Sampling};
pub use trials::{EventTable, PairedTrial, Volley};

use arena_challenge_core::generated::GenerateError;
use thiserror::Error;

/// Errors of the dendritic family; every message names the key, section or quantity at fault.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DendriticError {
    /// A recipe key (or an option) has a value outside its domain.
    #[error("{key} = {value}: {problem}")]
    InvalidKey {
        /// Full key, e.g. `stimulus.clusters.span_um`.
        key: String,
        /// The offending value as written.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A section name has none of the known stems (soma, axon, dend/basal, apic/apical).
    #[error(
        "section \"{0}\": cannot tell its region from its name (expected soma…, axon…, dend…, \
         basal…, apic… or apical…); supply the regions explicitly"
    )]
    UnclassifiedSection(String),
    /// The cell description is unusable (the simulator's message is included).
    #[error("cell: {0}")]
    Cell(String),
    /// A key of the generator is absent: the manifest is a public view, which leaves the
    /// generator (kinetics, weights, noise) on the server.
    #[error(
        "{0} is absent: this is the public view of the manifest, which leaves the generator \
         (receptor kinetics, synaptic weights, intrinsic noise) to the server"
    )]
    Hidden(&'static str),
    /// No stretch of `span_um` on an eligible branch holds k excitatory sites.
    #[error(
        "stimulus.clusters: no stretch of {span_um} µm on a branch of the eligible regions holds \
         {k} excitatory sites; raise excitatory.sites_per_um or span_um, or lower \
         synapses_per_cluster"
    )]
    NoClusterSite {
        /// k.
        k: usize,
        /// L, µm.
        span_um: f64,
    },
    /// The space-scattered control cannot find a site on an unused branch at a matching
    /// distance.
    #[error(
        "stimulus.clusters.scatter_distance_tolerance_um: no excitatory site on another unused \
         branch lies within {tolerance_um} µm of path distance {distance_um:.1} µm (scattering \
         a cluster of {k} needs {k} distinct branches at matching distances); raise the \
         tolerance or add eligible regions"
    )]
    NoScatterSite {
        /// Path distance of the cluster site to be matched, µm.
        distance_um: f64,
        /// The tolerance, µm.
        tolerance_um: f64,
        /// k.
        k: usize,
    },
    /// The clustered trials do not differ significantly from a control.
    #[error(
        "clusters make no difference: clustered {} spikes vs time-dispersed {} (p = {:.3e}), \
         space-scattered {} (p = {:.3e}); both must be significant at α = {}",
        .0.clustered_spikes,
        .0.time_dispersed.spikes,
        .0.time_dispersed.wilcoxon.p_value,
        .0.space_scattered.spikes,
        .0.space_scattered.wilcoxon.p_value,
        .0.alpha
    )]
    NoEffect(Box<EffectReport>),
    /// Both differences are significant, but a control drives the cell harder than the
    /// clusters.
    #[error(
        "the cell rewards the controls, not clustering: clustered {} spikes vs time-dispersed {} \
         (p = {:.3e}), space-scattered {} (p = {:.3e}); a clustered-input dataset needs \
         clustered > both controls",
        .0.clustered_spikes,
        .0.time_dispersed.spikes,
        .0.time_dispersed.wilcoxon.p_value,
        .0.space_scattered.spikes,
        .0.space_scattered.wilcoxon.p_value
    )]
    ClustersLose(Box<EffectReport>),
}

impl From<DendriticError> for GenerateError {
    fn from(e: DendriticError) -> GenerateError {
        GenerateError::Family(Box::new(e))
    }
}
