//! The injected-current family, simulated (INCF style): somatic current injected into a reference
//! point neuron with intrinsic noise (`kind = "injected-current"`, `source = "simulated"`).
//!
//! Why this family. The INCF single-neuron competitions (Jolivet et al. 2008, J Neurosci Methods
//! 169:417) drove neurons with Ornstein–Uhlenbeck noise whose mean and variance change between
//! segments, and asked for the spikes of K ≥ 4 repeats of each frozen stimulus, so that the data's
//! own reliability bounds every score. Without a real recording, the ground truth is an adaptive
//! exponential integrate-and-fire neuron (Brette & Gerstner 2005) with intrinsic current noise, so
//! that repeats differ as real ones do; its parameters are the generator and stay on the server
//! unless the organizer publishes them.
//!
//! Sections: `[cell] model = "adex"` ([`arena_neuron::point::AdExParams`]) and `[stimulus] kind =
//! "ou-current"` ([`arena_neuron::stimulus::OuCurrentRecipe`]), checked by [`check`]. Generation,
//! the reference (the same neuron run with fresh noise seeds) and live trials: [`generation`].
//! Baselines: the point models shared with the recorded family (`crate::baselines::point`).

mod check;
pub mod generation;

pub use check::check;
