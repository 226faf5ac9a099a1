//! The challenge families, one folder each, and the dispatch that reaches them.
//!
//! Why family first. A family is a kind of experiment: what drives the cell, where the ground
//! truth comes from, what a contestant is given and which models make sensible baselines. Each
//! family folder holds all of that — its manifest sections and their checks, the generation of
//! its trials, its reference and its own baselines — and depends on nothing but the family-free
//! core (`arena-challenge-core`), so a family can be read, changed or added on its own:
//! - [`injected`]: current injected into a simulated point neuron (INCF style);
//! - [`recorded`]: current-clamp recordings of a real neuron;
//! - [`dendritic`]: clustered synaptic input on a simulated multi-compartment cell.
//!
//! [`Family`] is the dispatch: [`Family::of`] tells a manifest's family, and the core reaches
//! every family through it (`arena_challenge_core::dispatch::FamilyDispatch`: [`FamilySections`],
//! [`FamilyPublicData`], [`FamilyReport`]): the checks of the family sections, the public
//! view of a manifest, the public files a contestant fetches; [`generate`] makes a challenge;
//! `crate::baselines` fits the family's reference and baselines. The manifest's family sections
//! as one document holds them are in [`sections`].

pub mod dendritic;
pub mod injected;
pub mod recorded;
pub mod sections;

#[cfg(test)]
mod generation_tests;
#[cfg(test)]
mod manifest_tests;

use arena_challenge_core::generated::{DataFiles, FamilyReport, GenerateError};
use arena_challenge_core::manifest::{FamilySections, ManifestError, Source, invalid};
use arena_challenge_core::public::{FamilyPublicData, PublicDataError};

use dendritic::EffectReport;
use dendritic::public_data::DendriticData;
use dendritic::recipe::DendriticRecipe;
use dendritic::section::{CableSwc, EffectSection};
use injected::generation::OuAdex;
use recorded::RecordedData;
use recorded::section::Recording;
use sections::{Cell, Kind, Stimulus};

/// A dataset manifest of any family ([`arena_challenge_core::manifest::Manifest`] with the
/// family sections of [`Family`]).
pub type Manifest = arena_challenge_core::manifest::Manifest<Family>;

/// A challenge as a contestant fetches it, or as the server holds it
/// ([`arena_challenge_core::public::PublicChallenge`] with the public data of [`Family`]).
pub type PublicChallenge = arena_challenge_core::public::PublicChallenge<Family>;

/// A challenge ready to store ([`arena_challenge_core::generated::GeneratedChallenge`] with the
/// report of [`Family`]).
pub type GeneratedChallenge = arena_challenge_core::generated::GeneratedChallenge<Family>;

/// The challenge families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Current injected into the soma of a simulated point neuron: `kind = "injected-current"`,
    /// `source = "simulated"` ([`injected`]).
    InjectedCurrent,
    /// Current-clamp recordings of a real neuron: `source = "recorded"` ([`recorded`]).
    Recorded,
    /// Clustered synaptic input on a simulated multi-compartment cell: `kind =
    /// "dendritic-input"` ([`dendritic`]).
    DendriticInput,
}

impl Family {
    /// The family of `manifest`: recorded by its source, else by its kind. A new family is one
    /// more line here.
    pub fn of(manifest: &Manifest) -> Family {
        match (manifest.source, manifest.kind) {
            (Source::Recorded, _) => Family::Recorded,
            (Source::Simulated, Kind::InjectedCurrent) => Family::InjectedCurrent,
            (Source::Simulated, Kind::DendriticInput) => Family::DendriticInput,
        }
    }
}

/// What a challenge's public files hold beyond its trials, by family.
#[derive(Clone, Debug, PartialEq)]
pub enum FamilyData {
    /// Injected current, simulated: nothing beyond the trials.
    InjectedCurrent,
    /// Recorded: the electrode-calibration recording, where there is one.
    Recorded(RecordedData),
    /// Dendritic input: the synapse table and, where the generator is at hand, the cell.
    DendriticInput(Box<DendriticData>),
}

/// The generator of an injected-current challenge: its AdEx neuron and OU recipe.
///
/// # Errors
/// [`GenerateError::NotSimulated`] for a recorded challenge or a public view without `[cell]`;
/// [`GenerateError::Stimulus`] for a dendritic challenge, whose input is not a current.
pub fn ou_adex(manifest: &Manifest) -> Result<OuAdex<'_>, GenerateError> {
    let sim = manifest
        .simulated()
        .ok_or(GenerateError::NotSimulated("draw stimuli"))?;
    match (sim.cell, sim.stimulus) {
        (Cell::Adex(params), Stimulus::OuCurrent(recipe)) => Ok(OuAdex { params, recipe }),
        _ => Err(GenerateError::Stimulus(
            "a dendritic challenge's input is synaptic events, not a current".into(),
        )),
    }
}

/// The generator of a dendritic challenge, its `[cell]` and recipe; `None` for other families and
/// for a public view without `[cell]`.
pub fn dendritic_generator(manifest: &Manifest) -> Option<(&CableSwc, &DendriticRecipe)> {
    match manifest.simulated()? {
        arena_challenge_core::manifest::Simulated {
            cell: Cell::CableSwc(cable),
            stimulus: Stimulus::DendriticClusters(recipe),
        } => Some((cable, recipe)),
        _ => None,
    }
}

/// Generates every trial and file of a challenge, as its family does: [`OuAdex::challenge`],
/// [`recorded::generation::cut_challenge`] or [`dendritic::generation::paired_challenge`] (its
/// effect report kept as the challenge's report). Training trials depend on the manifest alone;
/// test trials, their segments and their parts on `hidden_seed` too. `data` holds the files
/// the manifest names (recordings, a cell's SWC and biophysics).
///
/// # Errors
/// [`GenerateError`] when the neuron crate refuses the recipe or the parameters, the manifest
/// holds no generator, a recording is missing, has the wrong checksum or cannot be cut as
/// declared, or the family refuses its data.
pub fn generate(
    manifest: &Manifest,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<GeneratedChallenge, GenerateError> {
    match Family::of(manifest) {
        Family::InjectedCurrent => ou_adex(manifest)?.challenge(manifest, hidden_seed),
        Family::Recorded => {
            let recording =
                manifest
                    .recording
                    .as_ref()
                    .ok_or_else(|| GenerateError::Recording {
                        file: "[recording]".into(),
                        problem: "the manifest has no [recording] section".into(),
                    })?;
            recorded::generation::cut_challenge(manifest, recording, hidden_seed, data)
        }
        Family::DendriticInput => {
            let (cable, recipe) =
                dendritic_generator(manifest).ok_or(GenerateError::NotSimulated("draw stimuli"))?;
            let (mut challenge, report) = dendritic::generation::paired_challenge(
                manifest,
                cable,
                recipe,
                manifest.effect.as_ref(),
                hidden_seed,
                data,
            )?;
            challenge.report = Some(report);
            Ok(challenge)
        }
    }
}

impl FamilySections for Family {
    type Kind = Kind;
    type Cell = Cell;
    type Stimulus = Stimulus;
    type Recording = Recording;
    type Effect = EffectSection;

    fn check_sections(manifest: &Manifest) -> Result<(), ManifestError> {
        let m = manifest;
        match Family::of(m) {
            Family::Recorded => {
                recorded::check(m, m.recording.as_ref(), m.kind == Kind::InjectedCurrent)
            }
            Family::InjectedCurrent => match (&m.cell, &m.stimulus) {
                (None | Some(Cell::Adex(_)), Some(Stimulus::OuCurrent(recipe))) => {
                    injected::check(m, recipe)
                }
                _ => Err(invalid(
                    "kind",
                    "\"injected-current\" takes [cell] model = \"adex\" and [stimulus] kind = \"ou-current\"",
                )),
            },
            Family::DendriticInput => match (&m.cell, &m.stimulus) {
                (None | Some(Cell::CableSwc(_)), Some(Stimulus::DendriticClusters(recipe))) => {
                    dendritic::section::check(
                        m,
                        m.cell.as_ref().and_then(Cell::cable),
                        recipe,
                        m.effect.as_ref(),
                    )
                }
                _ => Err(invalid(
                    "kind",
                    "\"dendritic-input\" takes [cell] model = \"cable-swc\" and [stimulus] kind = \"dendritic-clusters\"",
                )),
            },
        }
    }

    fn check_train_conditions(manifest: &Manifest) -> Result<(), ManifestError> {
        match Family::of(manifest) {
            Family::DendriticInput => Ok(()),
            Family::InjectedCurrent | Family::Recorded => Err(invalid(
                "train.conditions",
                "is only for kind = \"dendritic-input\"",
            )),
        }
    }

    fn paired(manifest: &Manifest) -> bool {
        Family::of(manifest) == Family::DendriticInput
    }

    fn hide_generator(manifest: &mut Manifest) {
        if Family::of(manifest) != Family::DendriticInput {
            return;
        }
        let cable = manifest.cell.as_ref().and_then(Cell::cable);
        if let Some(Stimulus::DendriticClusters(recipe)) = &mut manifest.stimulus {
            dendritic::section::hide_generator(&mut manifest.files, cable, recipe);
        }
    }

    fn generator_files(manifest: &Manifest) -> Vec<&str> {
        match (
            Family::of(manifest),
            manifest.cell.as_ref().and_then(Cell::cable),
        ) {
            (Family::DendriticInput, Some(cable)) => cable.files().to_vec(),
            _ => Vec::new(),
        }
    }
}

impl FamilyPublicData for Family {
    type PublicData = FamilyData;

    fn decode_public_data(
        manifest: &Manifest,
        read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<FamilyData, PublicDataError> {
        Ok(match Family::of(manifest) {
            Family::InjectedCurrent => FamilyData::InjectedCurrent,
            Family::Recorded => {
                FamilyData::Recorded(RecordedData::decode(manifest.recording.as_ref(), read)?)
            }
            Family::DendriticInput => FamilyData::DendriticInput(Box::new(DendriticData::decode(
                dendritic_generator(manifest),
                read,
            )?)),
        })
    }

    fn public_data_as_fetched(data: &FamilyData) -> FamilyData {
        match data {
            FamilyData::DendriticInput(d) => FamilyData::DendriticInput(Box::new(d.as_fetched())),
            FamilyData::InjectedCurrent | FamilyData::Recorded(_) => data.clone(),
        }
    }
}

impl FamilyReport for Family {
    type Report = EffectReport;
}

/// The demo manifest, for the crate's unit tests.
#[cfg(test)]
pub(crate) fn demo() -> Manifest {
    Manifest::parse(include_str!(
        "../../../datasets/injected-current-demo/dataset.toml"
    ))
    .expect("the demo manifest parses")
}
