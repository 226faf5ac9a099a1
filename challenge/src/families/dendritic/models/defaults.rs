//! What the dendritic baselines assume about synapses when the challenge hides them.
//!
//! Why assumptions at all. A dendritic challenge publishes where the synapses are, not how strong
//! they are or how fast their receptors are: those belong to the generator, with which the
//! public simulator would reproduce the ground truth (`datasets/README.md`, "What is public").
//! The baselines run on a contestant's side of that line, so they integrate events through PSP
//! kernels of literature kinetics and give every site of a class the same nominal weight; the
//! fits then learn the weights that matter, one per (class, distance bin), from the training
//! data. Where the organizer publishes the cell (`publish = ["cell"]`), `synapses.json` carries
//! the true kinetics and weights and the baselines use those instead
//! ([`crate::families::dendritic::PublicSynapses::for_baselines`]).
//!
//! Source of every value: the clustered-input simulations this family follows, Beniaguev,
//! Segev & London (2021, Neuron 109:2727), as published with the paper
//! (github.com/SelfishGene/neuron_as_deep_net, `simulate_L5PC_and_create_dataset.py`,
//! `DefineSynapse_NMDA` and `DefineSynapse_GABA_A`; `mods/ProbAMPANMDA2.mod`, which gives AMPA
//! and NMDA the same peak conductance): AMPA τ_rise 0.3 ms, τ_decay 3 ms; NMDA τ_rise 2 ms,
//! τ_decay 70 ms with the Jahr & Stevens (1990) Mg²⁺ block at 1 mM; both 0 mV reversal and the
//! same peak conductance, 0.4 nS; GABA_A τ_rise 0.2 ms, τ_decay 8 ms, −80 mV, 1 nS. The
//! baselines' kernels read only the decay time constants ([`super::PspKernels`]); the other
//! values complete the description. The nominal weights set the drives' scale only: the fitted
//! per-bin weights absorb any common factor, and the two-layer shapes are searched relative to
//! the largest training drive. What they fix is the AMPA:NMDA mix of an excitatory event (1:1).

use crate::families::dendritic::placement::{Receptors as SiteReceptors, SynapseClass};
use crate::families::dendritic::recipe::{NmdaReceptor, Receptor, Receptors};

/// Receptor kinetics assumed when the challenge hides them (module docs).
pub const DEFAULT_RECEPTORS: Receptors = Receptors {
    ampa: Receptor {
        tau_rise_ms: 0.3,
        tau_decay_ms: 3.0,
        reversal_mv: 0.0,
    },
    nmda: NmdaReceptor {
        tau_rise_ms: 2.0,
        tau_decay_ms: 70.0,
        reversal_mv: 0.0,
        mg_mm: 1.0,
    },
    gaba_a: Receptor {
        tau_rise_ms: 0.2,
        tau_decay_ms: 8.0,
        reversal_mv: -80.0,
    },
};

/// The nominal weights of a site of `class` when the challenge hides them, µS (module docs):
/// AMPA 0.4 nS and NMDA 0.4 nS for an excitatory site, 1 nS for an inhibitory one.
pub fn default_site_weights(class: SynapseClass) -> SiteReceptors {
    match class {
        SynapseClass::Excitatory => SiteReceptors::AmpaNmda {
            ampa_weight_us: 0.0004,
            nmda_weight_us: 0.0004,
        },
        SynapseClass::Inhibitory => SiteReceptors::GabaA { weight_us: 0.001 },
    }
}
