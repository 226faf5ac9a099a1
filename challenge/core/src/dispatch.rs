//! What the core asks of the challenge families, without naming any of them, as one bound.
//!
//! Why traits. The manifest, the assembled challenge and the decoded public data are shared by
//! every family, but each family adds sections to the manifest (`[cell]`, `[stimulus]`,
//! `[recording]`, `[effect]`), files to what a contestant fetches and, sometimes, a report to
//! what generation tells the organizer. Each core module that needs one of these parts declares
//! the trait it needs beside the type it makes generic ([`FamilySections`] beside the manifest,
//! [`FamilyPublicData`] beside the public challenge, [`FamilyReport`] beside the generated
//! challenge), so the modules of this crate import each other one way only. [`FamilyDispatch`]
//! is all three, the bound the families and the assembly write; it is implemented by the
//! families' dispatch (`arena_challenge::families::Family`). The dependency points one way: the
//! families know the core; the core knows only these traits.

use crate::generated::FamilyReport;
use crate::manifest::FamilySections;
use crate::public::FamilyPublicData;

/// The families a build knows, as the core sees them: their manifest sections, their public
/// files and their generation report.
pub trait FamilyDispatch: FamilySections + FamilyPublicData + FamilyReport {}

impl<F: FamilySections + FamilyPublicData + FamilyReport> FamilyDispatch for F {}
