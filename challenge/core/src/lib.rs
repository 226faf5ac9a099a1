//! The family-free core of Spike Arena's challenge rules: what every challenge family shares.
//!
//! Why a crate of its own. A challenge family (injected current, recorded, dendritic input) is
//! one self-contained unit in `arena-challenge`; everything the families have in common — the
//! trial vocabulary, the manifest's family-independent sections, the assembled challenge and who
//! may read its files, the decoder of public data, the hidden trials, `.npy` and the content
//! hashes — lives here, where Cargo guarantees it cannot depend on any family or on the scoring
//! policy above them.

#![warn(missing_docs)]

pub mod assembly;
pub mod dispatch;
pub mod generated;
pub mod hash;
pub mod hidden;
pub mod manifest;
pub mod npy;
pub mod public;
pub mod text;
pub mod trial;
