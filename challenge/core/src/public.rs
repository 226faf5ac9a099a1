//! What a contestant fetches, decoded: the public trials and the family's public files.
//!
//! One decoder for three readers. The client reads a fetched folder, the server its store, the
//! tests the generator's output; each hands [`PublicChallenge::from_files`] a function that
//! returns a file's bytes by name, so all three read the same files the same way.

use std::collections::BTreeMap;
use std::fmt::Debug;

use thiserror::Error;

use crate::manifest::{FamilySections, Manifest};
use crate::npy;
use crate::trial::{Condition, Split, role};

/// A trial as fetched by a contestant.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicTrial {
    /// Trial id.
    pub id: String,
    /// Training or test.
    pub split: Split,
    /// Duration, seconds.
    pub duration_s: f64,
    /// The condition of a paired design (dendritic challenges).
    pub condition: Option<Condition>,
    /// Injected current, nA, one sample per `dt_s` (empty for a dendritic trial).
    pub stimulus_na: Vec<f64>,
    /// Synaptic events of a dendritic trial: rows `[synapse id, time ms]` ([`role::EVENTS`];
    /// empty for an injected-current trial).
    pub events: Vec<[f64; 2]>,
    /// Training only: voltage per repeat, mV.
    pub voltage_mv: Vec<Vec<f64>>,
    /// Training only: spike times per repeat, seconds.
    pub spikes_s: Vec<Vec<f64>>,
}

/// Why public trial files could not be read.
#[derive(Debug, Error)]
pub enum PublicDataError {
    /// A file the trial names is missing.
    #[error("trial {trial}: file {name} is missing")]
    Missing {
        /// Trial id.
        trial: String,
        /// File name.
        name: String,
    },
    /// The trial has neither a stimulus nor an events file.
    #[error("trial {0} has no input file (role \"stimulus\" or \"events\")")]
    NoStimulus(String),
    /// A family's own public files (a synapse table, an electrode recording) could not be
    /// read; the message names the file.
    #[error("{0}")]
    Family(String),
    /// The events file is not an `n × 2` array.
    #[error(
        "trial {trial}: events must be an n × 2 array (synapse id, time ms), got shape {shape:?}"
    )]
    EventsShape {
        /// Trial id.
        trial: String,
        /// The shape found.
        shape: Vec<usize>,
    },
    /// A file is not a readable `.npy`.
    #[error("trial {trial}: {name}: {source}")]
    Npy {
        /// Trial id.
        trial: String,
        /// File name.
        name: String,
        /// The decoding error.
        source: npy::NpyError,
    },
}

impl PublicTrial {
    /// Decodes a trial from its public files (role → file name), read through `read`, which
    /// returns a file's bytes by name: from disk on the client, from the database on the server.
    ///
    /// # Errors
    /// [`PublicDataError`] naming the trial and the file.
    pub fn from_files(
        id: &str,
        split: Split,
        duration_s: f64,
        condition: Option<Condition>,
        files: &BTreeMap<String, String>,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<PublicTrial, PublicDataError> {
        let mut decode = |role: &str| -> Result<Option<npy::Array>, PublicDataError> {
            let Some(name) = files.get(role) else {
                return Ok(None);
            };
            let bytes = read(name).ok_or_else(|| PublicDataError::Missing {
                trial: id.to_string(),
                name: name.clone(),
            })?;
            npy::decode(&bytes)
                .map(Some)
                .map_err(|source| PublicDataError::Npy {
                    trial: id.to_string(),
                    name: name.clone(),
                    source,
                })
        };
        let stimulus = decode(role::STIMULUS)?;
        let events = decode(role::EVENTS)?;
        if stimulus.is_none() && events.is_none() {
            return Err(PublicDataError::NoStimulus(id.to_string()));
        }
        let events = match events {
            None => Vec::new(),
            Some(a) if a.shape.len() == 2 && a.shape[1] == 2 => {
                a.data.chunks_exact(2).map(|r| [r[0], r[1]]).collect()
            }
            Some(a) => {
                return Err(PublicDataError::EventsShape {
                    trial: id.to_string(),
                    shape: a.shape,
                });
            }
        };
        let rows = |a: Option<npy::Array>, drop_nan: bool| -> Vec<Vec<f64>> {
            a.map(|a| {
                a.rows()
                    .into_iter()
                    .map(|r| {
                        r.iter()
                            .copied()
                            .filter(|v| !(drop_nan && v.is_nan()))
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        Ok(PublicTrial {
            id: id.to_string(),
            split,
            duration_s,
            condition,
            stimulus_na: stimulus.map(|a| a.data).unwrap_or_default(),
            events,
            voltage_mv: rows(decode(role::VOLTAGE)?, false),
            spikes_s: rows(decode(role::SPIKES)?, true),
        })
    }
}

/// What a challenge's public files hold beyond its trials, by family: its type and decoder.
///
/// Why a trait here. The decoder of the trials is the same for every family; the files beside
/// them (a synapse table, an electrode recording) are each family's. [`PublicChallenge`] is
/// generic over the families' dispatch (`arena_challenge::families::Family`), which decodes them.
pub trait FamilyPublicData: FamilySections {
    /// What a challenge's public files hold beyond its trials (a synapse table, an electrode
    /// recording), decoded by [`FamilyPublicData::decode_public_data`].
    type PublicData: Clone + Debug + PartialEq;

    /// Decodes the family's public files of a challenge, read by name through `read`.
    ///
    /// # Errors
    /// [`PublicDataError`] naming the file at fault.
    fn decode_public_data(
        manifest: &Manifest<Self>,
        read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Self::PublicData, PublicDataError>;

    /// `data` as a contestant fetches it where the generator is hidden.
    fn public_data_as_fetched(data: &Self::PublicData) -> Self::PublicData;
}

/// A challenge as fetched by a contestant; built with the organizer's manifest and data files
/// (the server, tests), it also holds the generator the reference baseline needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicChallenge<F: FamilyPublicData> {
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// The manifest: its public view as fetched ([`Manifest::parse_public`]), or the
    /// organizer's.
    pub manifest: Manifest<F>,
    /// Every trial.
    pub trials: Vec<PublicTrial>,
    /// The family's own public files, decoded ([`FamilyPublicData::decode_public_data`]): the
    /// synapse table of a dendritic challenge (and its reference cell where the generator is at
    /// hand), the electrode-calibration recording of a recorded one.
    pub family_data: F::PublicData,
}

/// A trial as the challenge lists it (`challenge.json`, the store): where its public files are.
#[derive(Clone, Copy, Debug)]
pub struct TrialListing<'a> {
    /// Trial id.
    pub id: &'a str,
    /// Training or test.
    pub split: Split,
    /// Seconds.
    pub duration_s: f64,
    /// The condition of a paired design.
    pub condition: Option<Condition>,
    /// Role → file name.
    pub files: &'a BTreeMap<String, String>,
}

impl<F: FamilyPublicData> PublicChallenge<F> {
    /// Decodes a challenge from its files, read through `read` (by file name): the family's own
    /// files ([`FamilyPublicData::decode_public_data`]), then the trials.
    ///
    /// # Errors
    /// [`PublicDataError`] naming the trial or file at fault.
    pub fn from_files<'a>(
        manifest: Manifest<F>,
        dt_s: f64,
        trials: impl IntoIterator<Item = TrialListing<'a>>,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Self, PublicDataError> {
        let family_data = F::decode_public_data(&manifest, &mut read)?;
        let trials = trials
            .into_iter()
            .map(|t| {
                PublicTrial::from_files(
                    t.id,
                    t.split,
                    t.duration_s,
                    t.condition,
                    t.files,
                    &mut read,
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(PublicChallenge {
            dt_s,
            manifest,
            trials,
            family_data,
        })
    }

    /// What a contestant fetches of this challenge: itself where nothing is hidden
    /// ([`Manifest::hides_generator`]), else the manifest's public view and the family's files
    /// as served without the generator ([`FamilyPublicData::public_data_as_fetched`]: no
    /// reference cell, the synapse table without weights or kinetics) — what the gauntlet's
    /// "generator re-simulated from the fetched files" entry is built from.
    pub fn as_fetched(&self) -> Self {
        let mut out = self.clone();
        if self.manifest.hides_generator() {
            out.manifest = self.manifest.public_view();
            out.family_data = F::public_data_as_fetched(&self.family_data);
        }
        out
    }
}
