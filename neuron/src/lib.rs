//! Neuron models for Spike Arena: stimulus generators, stochastic point neurons that produce
//! ground truth for injected-current challenges, point-model baselines fitted to training data,
//! and the multi-compartment reference simulator.
//!
//! Everything here is pure and synchronous: no I/O, no async, no server types. Randomness always
//! comes from an explicit seed, so every generated trial can be regenerated bit for bit.

pub mod cable;
pub mod point;
pub mod rng;
pub mod stimulus;
