//! Challenge rules for Spike Arena: dataset manifests, trial generation, splits, prediction
//! checking, the scoring policy and the built-in baselines.
//!
//! This is the domain core between the pure libraries (`arena-scoring`, `arena-neuron`) and the
//! adapters (the tonic server with its SQLite store, the clap client). It holds no transport and no
//! storage types, so every rule here is tested without a server and means the same on both sides of
//! the wire.

#![warn(missing_docs)]

pub mod baselines;
pub mod board;
pub mod dendritic;
pub mod evaluate;
pub mod gauntlet;
pub mod generate;
pub mod hash;
pub mod live;
pub mod manifest;
pub mod npy;
pub mod predictions;
pub mod recorded;
pub mod trial;
