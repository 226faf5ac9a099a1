//! Challenge rules for Spike Arena: the challenge families, the built-in baselines and the
//! scoring policy, on top of the family-free core (`arena-challenge-core`).
//!
//! This is the domain core between the pure libraries (`arena-scoring`, `arena-neuron`) and the
//! adapters (the tonic server with its SQLite store, the clap client). It holds no transport and no
//! storage types, so every rule here is tested without a server and means the same on both sides of
//! the wire.
//!
//! Layers, each depending only on those before it (`docs/architecture.md`; the test
//! `module_graph` enforces the order inside this crate, Cargo the rest):
//! 1. `arena-challenge-core`: trials, splits, manifests' family-independent keys, assembled
//!    challenges, public and hidden data, `.npy`, hashes; knows no family.
//! 2. [`families`]: one folder per family (manifest sections and checks, generation, reference,
//!    its own models) and the dispatch [`families::Family`].
//! 3. [`baselines`]: the built-in models by name, fitted through the dispatch.
//! 4. The scoring policy: [`predictions`], [`evaluate`], [`board`], [`live`], [`gauntlet`].
//! 5. [`audit`]: a submission's evaluation as plain files, and its offline recomputation.

#![warn(missing_docs)]

pub mod audit;
pub mod baselines;
pub mod board;
pub mod evaluate;
pub mod families;
pub mod gauntlet;
pub mod live;
pub mod predictions;
