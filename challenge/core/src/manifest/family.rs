//! What a manifest asks of the challenge families, without naming any of them.
//!
//! Why a trait here. A manifest is one TOML document whose family-independent keys this crate
//! reads, but whose family sections (`kind`, `[cell]`, `[stimulus]`, `[recording]`, `[effect]`)
//! belong to the families. [`Manifest`] is generic over one implementation of
//! [`FamilySections`], written once by the families' dispatch (`arena_challenge::families::Family`),
//! which types those sections and runs the checks and the hiding that depend on them. The trait
//! sits beside the manifest because each names the other; the rest of the core reaches the
//! families through [`crate::dispatch::FamilyDispatch`], which extends it.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Manifest, ManifestError};

/// The family sections of a manifest: their types, their checks and what of them is hidden.
pub trait FamilySections: Copy + Debug + PartialEq + 'static {
    /// The manifest's `kind`: the input a family drives the cell with.
    type Kind: Copy + Debug + Eq + Serialize + DeserializeOwned;
    /// `[cell]`: the ground-truth neuron of a simulated challenge.
    type Cell: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// `[stimulus]`: the stimulus recipe of a simulated challenge.
    type Stimulus: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// `[recording]`: where a recorded challenge's trials are read from.
    type Recording: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// `[effect]`: a family's check of its generated data.
    type Effect: Clone + Debug + PartialEq + Serialize + DeserializeOwned;

    /// Checks the family sections of `manifest`, after the family-independent keys up to
    /// `[sampling]` and, for a simulated challenge, the presence of its generator as the view
    /// requires ([`super::View`]).
    ///
    /// # Errors
    /// [`ManifestError`] naming the first key at fault.
    fn check_sections(manifest: &Manifest<Self>) -> Result<(), ManifestError>;

    /// Refuses `train.conditions` where the family has no paired conditions.
    ///
    /// # Errors
    /// [`ManifestError`] naming `train.conditions`.
    fn check_train_conditions(manifest: &Manifest<Self>) -> Result<(), ManifestError>;

    /// Whether one unit of a split's `trials` is a paired trial that makes a trial per
    /// condition ([`Manifest::train_conditions`] for training, all of them for test) rather
    /// than one trial.
    fn paired(manifest: &Manifest<Self>) -> bool;

    /// Removes from a manifest that hides its generator what the family keeps of the generator
    /// outside `[cell]` (which [`Manifest::public_view`] removes itself).
    fn hide_generator(manifest: &mut Manifest<Self>);

    /// The data files the generator reads (named in `files`).
    fn generator_files(manifest: &Manifest<Self>) -> Vec<&str>;
}
