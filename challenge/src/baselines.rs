//! Built-in baseline models. They see exactly what a contestant sees (the fetched public data) and
//! submit through the same gRPC path, so their scores are comparable to contestants' and the board
//! always shows where "no information" and "the truth itself" stand.
//!
//! The exception is the reference, the generating model itself: it needs the generator, which a
//! simulated challenge keeps on the server unless the organizer publishes it
//! ([`Manifest::public_view`]). It is fitted from a [`PublicChallenge`] built with the
//! organizer's manifest and data files (the server's store, tests), which is how the server
//! computes the reference row of the board.

use std::collections::BTreeMap;

use arena_neuron::point::{
    AdExParams, AecError, AecEstimate, ElectrodeKernel, FitError, GifParams, LifParams, MatParams,
    ModelError, PointResponse, compensate, fit_adex, fit_agif, fit_gif, fit_gif_k, fit_igif,
    fit_lif, fit_mat, poisson_train, simulate_adex, simulate_gif, simulate_lif, simulate_mat,
};
use arena_neuron::rng::derive_seed;
use thiserror::Error;

use crate::dendritic::dataset::SYNAPSES_FILE;
use crate::dendritic::{
    DendriticCell, DendriticFitError, DendriticFitOptions, DendriticModel, DendriticTrainingTrial,
    EventTable, PublicSynapses, ReferenceCell, Response, Sampling, SynapseTable, fit_linear,
    fit_two_layer,
};
use crate::generate::respond;
use crate::manifest::{Cell, Kind, Manifest, Simulated, Source, Stimulus};
use crate::npy;
use crate::recorded::AecRecording;
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
    /// The electrode-calibration recording the manifest announces could not be read.
    #[error("AEC recording: {0}")]
    Aec(String),
    /// The trial has neither a stimulus nor an events file.
    #[error("trial {0} has no input file (role \"stimulus\" or \"events\")")]
    NoStimulus(String),
    /// The dendritic cell could not be built from the public files.
    #[error("{0}")]
    Cell(String),
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

/// A challenge as fetched by a contestant; built with the organizer's manifest and data files
/// (the server, tests), it also holds the generator the reference baseline needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicChallenge {
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// The manifest: its public view as fetched ([`Manifest::parse_public`]), or the
    /// organizer's.
    pub manifest: Manifest,
    /// Every trial.
    pub trials: Vec<PublicTrial>,
    /// Dendritic challenges: the synapse table as served in `synapses.json` (weights and
    /// kinetics only where published), what the fitted dendritic baselines read.
    pub synapses: Option<PublicSynapses>,
    /// Dendritic challenges whose generator is at hand (the organizer's manifest with its data
    /// files, or a published cell): the reference cell ([`DendriticCell::of_manifest`]).
    pub cell: Option<DendriticCell>,
    /// Recorded challenges with `[recording.aec]`: the electrode-calibration recording
    /// ([`AecRecording::from_files`]).
    pub aec: Option<AecRecording>,
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

impl PublicChallenge {
    /// Decodes a challenge from its files, read through `read` (by file name): the trials and,
    /// for a dendritic challenge, the synapse table (`synapses.json`) and, where the manifest
    /// holds the generator, the reference cell. The client reads a fetched folder, the server
    /// its store, the tests the generator's output: one decoder for all three.
    ///
    /// # Errors
    /// [`PublicDataError`] naming the trial or file at fault.
    pub fn from_files<'a>(
        manifest: Manifest,
        dt_s: f64,
        trials: impl IntoIterator<Item = TrialListing<'a>>,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<PublicChallenge, PublicDataError> {
        let synapses = match manifest.kind {
            Kind::DendriticInput => {
                let bytes = read(SYNAPSES_FILE).ok_or_else(|| {
                    PublicDataError::Cell(format!("file {SYNAPSES_FILE} is missing"))
                })?;
                Some(
                    PublicSynapses::parse(&bytes)
                        .map_err(|e| PublicDataError::Cell(e.to_string()))?,
                )
            }
            Kind::InjectedCurrent => None,
        };
        let cell = DendriticCell::of_manifest(&manifest, &mut read)
            .map_err(|e| PublicDataError::Cell(e.to_string()))?;
        let aec = match manifest.recording.as_ref().and_then(|r| r.aec.as_ref()) {
            Some(_) => Some(AecRecording::from_files(&mut read).map_err(PublicDataError::Aec)?),
            None => None,
        };
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
            synapses,
            cell,
            aec,
        })
    }

    /// What a contestant fetches of this challenge: itself where nothing is hidden
    /// ([`Manifest::hides_generator`]), else the manifest's public view, no reference cell and
    /// the synapse table without weights or kinetics — what the gauntlet's "generator
    /// re-simulated from the fetched files" entry is built from.
    pub fn as_fetched(&self) -> PublicChallenge {
        let mut out = self.clone();
        if self.manifest.hides_generator() {
            out.manifest = self.manifest.public_view();
            out.cell = None;
            out.synapses = self
                .synapses
                .as_ref()
                .map(PublicSynapses::without_generator);
        }
        out
    }

    /// The electrode kernel estimated from the challenge's AEC recording
    /// ([`AecRecording::estimate`]), or `None` when it has none.
    ///
    /// # Errors
    /// [`AecError`] when the recording does not give a kernel.
    pub fn electrode(&self) -> Result<Option<AecEstimate>, AecError> {
        self.aec
            .as_ref()
            .map(|aec| aec.estimate(self.dt_s))
            .transpose()
    }
}

/// The built-in models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// Generalized integrate-and-fire with escape noise fitted as Pozzorini et al. 2015 do
    /// ([`fit_gif`]; stochastic: several repeats).
    Gif,
    /// The GIF with a subthreshold voltage-dependent potassium current (GIF-K; [`fit_gif_k`];
    /// stochastic: several repeats).
    GifK,
    /// The GIF with an A-type potassium current, the augmented GIF of Harkin et al. 2023
    /// (aGIF; [`fit_agif`]; stochastic: several repeats).
    AGif,
    /// The GIF with a voltage-dependent dynamic threshold, the inactivating GIF of Mensi et al.
    /// 2016 (iGIF; [`fit_igif`]; stochastic: several repeats).
    IGif,
    /// Adaptive exponential integrate-and-fire fitted by regression on dV/dt ([`fit_adex`];
    /// deterministic: one repeat).
    Adex,
    /// Multi-timescale adaptive threshold model (Kobayashi, Tsubo & Shinomoto 2009) fitted
    /// ([`fit_mat`]; deterministic: one repeat).
    Mat,
    /// Leaky integrate-and-fire fitted to the training data (deterministic: one repeat).
    Lif,
    /// Dendritic input: a point neuron that sums every synaptic input at the soma through
    /// PSP kernels with fitted distance-dependent weights, the linear-integration assumption
    /// ([`fit_linear`]; escape noise: several repeats).
    Linear,
    /// Dendritic input: the same with a static NMDA-like sigmoid per branch, a two-layer model
    /// (Poirazi, Brannon & Mel 2003; [`fit_two_layer`]; escape noise: several repeats).
    TwoLayer,
    /// Homogeneous Poisson at the training data's mean rate: the null model (no stimulus information).
    Poisson,
    /// The manifest's own generating model run with fresh noise seeds: the simulated ceiling.
    Reference,
}

/// A baseline fitted to a challenge's training data.
#[derive(Clone, Debug)]
pub enum Fitted {
    /// Parameters of a member of the GIF family: [`fit_gif`], [`fit_gif_k`], [`fit_agif`] or
    /// [`fit_igif`].
    Gif(Box<GifParams>),
    /// AdEx parameters from [`fit_adex`].
    Adex(AdExParams),
    /// MAT parameters from [`fit_mat`].
    Mat(MatParams),
    /// LIF parameters from [`fit_lif`].
    Lif(LifParams),
    /// The training mean rate.
    Poisson {
        /// Hz.
        rate_hz: f64,
    },
    /// The generating model of the manifest.
    Reference(Box<Manifest>),
    /// A dendritic baseline ([`fit_linear`], [`fit_two_layer`]) with the synapse table it reads
    /// events against.
    Dendritic {
        /// The board name of the baseline.
        model: &'static str,
        /// The fitted model.
        fitted: Box<DendriticModel>,
        /// The challenge's synapse table.
        table: Box<SynapseTable>,
    },
    /// The generating cable model of a dendritic challenge, run with fresh noise seeds.
    CableReference(Box<CableReference>),
}

/// The reference cell of a dendritic challenge, ready to simulate trials.
#[derive(Clone, Debug)]
pub struct CableReference {
    /// The compiled cell with its synapses located.
    pub cell: ReferenceCell,
    /// The synapse table.
    pub table: SynapseTable,
    /// Time step, voltage sampling and spike threshold of the manifest.
    pub sampling: Sampling,
    /// Repeats per trial (the manifest's `test.repeats`).
    pub repeats: usize,
}

impl Fitted {
    /// Repeats this model predicts per trial.
    pub fn repeats(&self) -> usize {
        match self {
            Fitted::Lif(_) | Fitted::Adex(_) | Fitted::Mat(_) => 1,
            Fitted::Gif(_) => GIF_REPEATS,
            Fitted::Poisson { .. } => POISSON_REPEATS,
            Fitted::Reference(_) => STOCHASTIC_REPEATS,
            Fitted::Dendritic { .. } => DENDRITIC_REPEATS,
            Fitted::CableReference(r) => r.repeats,
        }
    }

    /// Predicted spike trains (seconds) for one public trial, whatever drives it: the
    /// injected current ([`Fitted::predict_trial`]) or the synaptic events.
    ///
    /// # Errors
    /// [`BaselineError`] if the model does not apply to the trial or refuses its input.
    pub fn predict(
        &self,
        trial: &PublicTrial,
        dt_s: f64,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, BaselineError> {
        let events = |table: &SynapseTable, model: &'static str| {
            EventTable::from_rows(table.synapses.len(), &trial.events).map_err(|e| {
                BaselineError::Fit {
                    model,
                    problem: format!("trial {}: {e}", trial.id),
                }
            })
        };
        match self {
            Fitted::Dendritic {
                model,
                fitted,
                table,
            } => fitted
                .predict(
                    table,
                    &events(table, model)?,
                    trial.duration_s,
                    dt_s,
                    DENDRITIC_REPEATS,
                    seed,
                )
                .map_err(|e| BaselineError::Fit {
                    model,
                    problem: e.to_string(),
                }),
            Fitted::CableReference(r) => Ok(r
                .cell
                .simulate_events(
                    &r.table,
                    &events(&r.table, "reference")?,
                    trial.duration_s * 1e3,
                    seed,
                    r.repeats,
                    &r.sampling,
                )
                .map_err(|e| BaselineError::Fit {
                    model: "reference",
                    problem: e.to_string(),
                })?
                .into_iter()
                .map(|r| r.spike_times_s)
                .collect()),
            _ => self.predict_trial(&trial.stimulus_na, trial.duration_s, dt_s, seed),
        }
    }

    /// Predicted spike trains (seconds) for one stimulus (nA per `dt_s`) of `duration_s`.
    ///
    /// Deterministic in `seed`; each repeat `k` of the stochastic models uses
    /// `derive_seed(seed, "repeat", k)`, so the prediction for a stimulus prefix is the prefix of
    /// the prediction for the whole stimulus (what live evaluation relies on).
    ///
    /// # Errors
    /// [`BaselineError`] if the model refuses the input.
    pub fn predict_trial(
        &self,
        stimulus_na: &[f64],
        duration_s: f64,
        dt_s: f64,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, BaselineError> {
        let fail = |model: &'static str| {
            move |e: ModelError| BaselineError::Fit {
                model,
                problem: e.to_string(),
            }
        };
        let once = |r: PointResponse| vec![r.spikes_s];
        match self {
            Fitted::Lif(p) => Ok(once(
                simulate_lif(p, stimulus_na, dt_s).map_err(fail("lif"))?,
            )),
            Fitted::Mat(p) => Ok(once(
                simulate_mat(p, stimulus_na, dt_s).map_err(fail("mat"))?,
            )),
            Fitted::Adex(p) => Ok(once(
                simulate_adex(p, stimulus_na, dt_s, seed).map_err(fail("adex"))?,
            )),
            Fitted::Gif(p) => (0..GIF_REPEATS as u64)
                .map(|k| {
                    simulate_gif(p, stimulus_na, dt_s, derive_seed(seed, "repeat", k))
                        .map(|r| r.spikes_s)
                        .map_err(fail(gif_family_name(p)))
                })
                .collect(),
            Fitted::Poisson { rate_hz } => Ok((0..POISSON_REPEATS as u64)
                .map(|k| poisson_train(*rate_hz, duration_s, derive_seed(seed, "repeat", k)))
                .collect()),
            Fitted::Reference(manifest) => {
                Ok(
                    respond(manifest, stimulus_na, seed, STOCHASTIC_REPEATS as u32)
                        .map_err(|e| BaselineError::Fit {
                            model: "reference",
                            problem: e.to_string(),
                        })?
                        .spikes_s,
                )
            }
            Fitted::Dendritic { model, .. } => Err(BaselineError::NotApplicable {
                model,
                reason: "it is driven by synaptic events, not by an injected current",
            }),
            Fitted::CableReference(_) => Err(BaselineError::NotApplicable {
                model: "reference",
                reason: "it is driven by synaptic events, not by an injected current",
            }),
        }
    }
}

/// The baseline name of a member of the GIF family, from what its parameters add to the GIF.
fn gif_family_name(p: &GifParams) -> &'static str {
    if p.threshold_coupling.is_some() {
        Baseline::IGif.name()
    } else if p.a_current.is_some() {
        Baseline::AGif.name()
    } else if p.k_current.is_some() {
        Baseline::GifK.name()
    } else {
        Baseline::Gif.name()
    }
}

/// Repeats of the stochastic baselines (the GIF family and the dendritic models, with escape noise;
/// the Poisson null; the point reference with its intrinsic noise). The primary score of K
/// samples of a model falls short of the model's own PSTH by a term ∝ 1/K
/// (`arena_scoring::primary`, property 5); 100 makes it small against the differences the board
/// shows, and stays within live evaluation's limit of repeats per chunk.
pub const STOCHASTIC_REPEATS: usize = 100;

const POISSON_REPEATS: usize = STOCHASTIC_REPEATS;
const GIF_REPEATS: usize = STOCHASTIC_REPEATS;
const DENDRITIC_REPEATS: usize = STOCHASTIC_REPEATS;

/// Predicted repeats per test trial (spike times in seconds).
pub type PredictedTrials = BTreeMap<String, Vec<Vec<f64>>>;

/// Why a baseline could not predict.
#[derive(Debug, Error)]
pub enum BaselineError {
    /// The challenge has no training data to fit on.
    #[error("the challenge has no training trial with voltage and spikes")]
    NoTrainingData,
    /// The baseline does not apply to this challenge.
    #[error("{model} does not apply: {reason}")]
    NotApplicable {
        /// Model name.
        model: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Fitting failed.
    #[error("fitting {model}: {problem}")]
    Fit {
        /// Model name.
        model: &'static str,
        /// The fitter's message.
        problem: String,
    },
}

impl Baseline {
    /// Every baseline, in board order of expected quality (best first).
    pub const ALL: [Baseline; 11] = [
        Baseline::Reference,
        Baseline::IGif,
        Baseline::AGif,
        Baseline::GifK,
        Baseline::Gif,
        Baseline::Adex,
        Baseline::Mat,
        Baseline::Lif,
        Baseline::TwoLayer,
        Baseline::Linear,
        Baseline::Poisson,
    ];

    /// The name used on the board and in `--model builtin:<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Gif => "gif",
            Baseline::GifK => "gif-k",
            Baseline::AGif => "agif",
            Baseline::IGif => "igif",
            Baseline::Adex => "adex",
            Baseline::Mat => "mat",
            Baseline::Lif => "lif",
            Baseline::Linear => "linear",
            Baseline::TwoLayer => "two-layer",
            Baseline::Poisson => "poisson",
            Baseline::Reference => "reference",
        }
    }

    /// One line for listings.
    pub fn description(self) -> &'static str {
        match self {
            Baseline::Gif => {
                "generalized IF with escape noise fitted as Pozzorini et al. 2015 (regression, then likelihood)"
            }
            Baseline::GifK => {
                "the GIF plus a subthreshold voltage-dependent K current (GIF-K, the dorsal-raphe model of apayeur/GIF-K), fitted the same way"
            }
            Baseline::AGif => {
                "the GIF plus an A-type K current with the dorsal-raphe 5-HT kinetics (aGIF, Harkin et al. 2023), fitted the same way"
            }
            Baseline::IGif => {
                "the GIF with a voltage-dependent dynamic threshold (iGIF, Mensi et al. 2016), its threshold fitted by likelihood"
            }
            Baseline::Adex => {
                "adaptive exponential IF fitted to the training data (regression on dV/dt)"
            }
            Baseline::Mat => {
                "multi-timescale adaptive threshold model (Kobayashi et al. 2009) fitted to the training data"
            }
            Baseline::Lif => {
                "leaky integrate-and-fire fitted to the training data (regression on dV/dt)"
            }
            Baseline::Linear => {
                "dendritic input summed linearly at the soma with fitted distance-dependent weights"
            }
            Baseline::TwoLayer => {
                "dendritic input through a fitted NMDA-like sigmoid per branch (two-layer model, Poirazi et al. 2003)"
            }
            Baseline::Poisson => {
                "homogeneous Poisson at the training mean rate (null: no stimulus information)"
            }
            Baseline::Reference => {
                "the challenge's generating model with fresh noise seeds (simulated ceiling)"
            }
        }
    }

    /// Fits the baseline on the training trials of `challenge`.
    ///
    /// # Errors
    /// [`BaselineError`] if there is no training data or the fit fails.
    pub fn fit(self, challenge: &PublicChallenge) -> Result<Fitted, BaselineError> {
        let kind = challenge.manifest.kind;
        if !self.applies_to(kind) {
            return Err(BaselineError::NotApplicable {
                model: self.name(),
                reason: match kind {
                    Kind::InjectedCurrent => "it models synaptic input on dendrites",
                    Kind::DendriticInput => "it models a neuron driven by an injected current",
                },
            });
        }
        let train: Vec<&PublicTrial> = challenge
            .trials
            .iter()
            .filter(|t| t.split == Split::Train && !t.voltage_mv.is_empty())
            .collect();
        if train.is_empty() {
            return Err(BaselineError::NoTrainingData);
        }
        match self {
            Baseline::Poisson => {
                let spikes: usize = train
                    .iter()
                    .flat_map(|t| t.spikes_s.iter().map(Vec::len))
                    .sum();
                let time: f64 = train
                    .iter()
                    .map(|t| t.duration_s * t.spikes_s.len() as f64)
                    .sum();
                Ok(Fitted::Poisson {
                    rate_hz: spikes as f64 / time,
                })
            }
            Baseline::Reference => reference(challenge),
            Baseline::Linear | Baseline::TwoLayer => self.fit_dendritic(challenge, &train),
            Baseline::Gif
            | Baseline::GifK
            | Baseline::AGif
            | Baseline::IGif
            | Baseline::Adex
            | Baseline::Mat
            | Baseline::Lif => {
                let electrode = challenge.electrode().map_err(|e| BaselineError::Fit {
                    model: self.name(),
                    problem: format!("active electrode compensation: {e}"),
                })?;
                self.fit_point(
                    challenge.dt_s,
                    &train,
                    electrode.as_ref().map(|e| &e.electrode),
                )
            }
        }
    }

    /// The point models, fitted on the first repeat of every training trial laid end to end;
    /// with an electrode kernel, on the voltage of each trial compensated by it
    /// ([`compensate`], before the trials are joined, so no trial's current leaks into the
    /// next). Spike times are as recorded either way.
    fn fit_point(
        self,
        dt_s: f64,
        train: &[&PublicTrial],
        electrode: Option<&ElectrodeKernel>,
    ) -> Result<Fitted, BaselineError> {
        let current: Vec<f64> = train
            .iter()
            .flat_map(|t| t.stimulus_na.iter().copied())
            .collect();
        let mut voltage: Vec<f64> = Vec::with_capacity(current.len());
        for t in train {
            match electrode {
                Some(kernel) => voltage.extend(
                    compensate(&t.voltage_mv[0], &t.stimulus_na, kernel).map_err(|e| {
                        BaselineError::Fit {
                            model: self.name(),
                            problem: format!("trial {}: active electrode compensation: {e}", t.id),
                        }
                    })?,
                ),
                None => voltage.extend_from_slice(&t.voltage_mv[0]),
            }
        }
        let mut offset = 0.0;
        let mut spikes = Vec::new();
        for t in train {
            spikes.extend(t.spikes_s[0].iter().map(|s| s + offset));
            offset += t.duration_s;
        }
        let (c, v, s, dt) = (&current[..], &voltage[..], &spikes[..], dt_s);
        let fail = |e: FitError| BaselineError::Fit {
            model: self.name(),
            problem: e.to_string(),
        };
        Ok(match self {
            Baseline::Gif => Fitted::Gif(Box::new(fit_gif(c, v, s, dt).map_err(fail)?)),
            Baseline::GifK => Fitted::Gif(Box::new(fit_gif_k(c, v, s, dt).map_err(fail)?)),
            Baseline::AGif => Fitted::Gif(Box::new(fit_agif(c, v, s, dt).map_err(fail)?)),
            Baseline::IGif => Fitted::Gif(Box::new(fit_igif(c, v, s, dt).map_err(fail)?)),
            Baseline::Adex => Fitted::Adex(fit_adex(c, v, s, dt).map_err(fail)?),
            Baseline::Mat => Fitted::Mat(fit_mat(c, v, s, dt).map_err(fail)?),
            Baseline::Lif => Fitted::Lif(fit_lif(c, v, s, dt).map_err(fail)?),
            _ => unreachable!("fit_point is called for the point models only"),
        })
    }

    /// The dendritic baselines, fitted on every repeat of every training trial (all three
    /// conditions, so the clustered ones teach what clusters do), from the public synapse
    /// table with the published weights and kinetics or, where they are hidden, the assumed
    /// ones ([`PublicSynapses::for_baselines`]).
    fn fit_dendritic(
        self,
        challenge: &PublicChallenge,
        train: &[&PublicTrial],
    ) -> Result<Fitted, BaselineError> {
        let Some(synapses) = &challenge.synapses else {
            return Err(BaselineError::NotApplicable {
                model: self.name(),
                reason: "the challenge's synapse table was not loaded",
            });
        };
        let (table, receptors) = synapses.for_baselines();
        let fail = |e: DendriticFitError| BaselineError::Fit {
            model: self.name(),
            problem: e.to_string(),
        };
        let trials = train
            .iter()
            .map(|t| {
                let events =
                    EventTable::from_rows(table.synapses.len(), &t.events).map_err(|e| {
                        BaselineError::Fit {
                            model: self.name(),
                            problem: format!("trial {}: {e}", t.id),
                        }
                    })?;
                let responses: Vec<Response> = t
                    .voltage_mv
                    .iter()
                    .zip(&t.spikes_s)
                    .map(|(v, s)| Response {
                        spike_times_s: s.clone(),
                        soma_v_mv: v.clone(),
                        sample_dt_s: challenge.dt_s,
                    })
                    .collect();
                DendriticTrainingTrial::from_responses(events, &responses, t.duration_s)
                    .map_err(fail)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = DendriticFitOptions::default();
        let fitted = match self {
            Baseline::Linear => fit_linear(&table, &receptors, &trials, &options),
            _ => fit_two_layer(&table, &receptors, &trials, &options),
        }
        .map_err(fail)?;
        Ok(Fitted::Dendritic {
            model: self.name(),
            fitted: Box::new(fitted),
            table: Box::new(table),
        })
    }

    /// Whether the baseline models challenges of `kind`.
    pub fn applies_to(self, kind: Kind) -> bool {
        match self {
            Baseline::Reference | Baseline::Poisson => true,
            Baseline::Gif
            | Baseline::GifK
            | Baseline::AGif
            | Baseline::IGif
            | Baseline::Adex
            | Baseline::Mat
            | Baseline::Lif => kind == Kind::InjectedCurrent,
            Baseline::Linear | Baseline::TwoLayer => kind == Kind::DendriticInput,
        }
    }

    /// Fits on the training data and predicts every test trial. `seed` drives the stochastic
    /// baselines; trial `t` uses `derive_seed(seed, t.id, 0)`.
    ///
    /// # Errors
    /// [`BaselineError`] if there is no training data or a fit fails.
    pub fn predict(
        self,
        challenge: &PublicChallenge,
        seed: u64,
    ) -> Result<PredictedTrials, BaselineError> {
        let fitted = self.fit(challenge)?;
        challenge
            .trials
            .iter()
            .filter(|t| t.split == Split::Test)
            .map(|t| {
                let repeats = fitted.predict(t, challenge.dt_s, derive_seed(seed, &t.id, 0))?;
                Ok((t.id.clone(), repeats))
            })
            .collect()
    }

    /// Known quality order, best first: 0 the generating model (the simulated ceiling), 1 a model
    /// fitted to the training data, 2 the constant-rate null. The gauntlet checks that every
    /// honest entry scores above those of higher tiers.
    pub fn tier(self) -> u8 {
        match self {
            Baseline::Reference => 0,
            Baseline::Gif
            | Baseline::GifK
            | Baseline::AGif
            | Baseline::IGif
            | Baseline::Adex
            | Baseline::Mat
            | Baseline::Lif
            | Baseline::Linear
            | Baseline::TwoLayer => 1,
            Baseline::Poisson => 2,
        }
    }

    /// The baselines that apply to a challenge, best expected first: the reference only where
    /// there is a generating model (simulated challenges, whether or not this view of the
    /// manifest holds it: the server computes the reference where it is hidden).
    pub fn suited(manifest: &Manifest) -> Vec<Baseline> {
        Baseline::ALL
            .into_iter()
            .filter(|b| b.applies_to(manifest.kind))
            .filter(|b| *b != Baseline::Reference || manifest.source == Source::Simulated)
            .collect()
    }

    /// Looks a baseline up by [`Baseline::name`].
    pub fn from_name(name: &str) -> Option<Baseline> {
        Baseline::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// The generating model: the manifest's point neuron, or the cable cell of a dendritic
/// challenge.
fn reference(challenge: &PublicChallenge) -> Result<Fitted, BaselineError> {
    let manifest = &challenge.manifest;
    match manifest.simulated() {
        None if manifest.source == Source::Recorded => Err(BaselineError::NotApplicable {
            model: "reference",
            reason: "the challenge is recorded, so there is no generating model",
        }),
        None => Err(BaselineError::NotApplicable {
            model: "reference",
            reason: "the challenge keeps its generator on the server, which computes the \
                     reference (`arena baselines run` asks it to)",
        }),
        Some(Simulated {
            cell: Cell::CableSwc(cable),
            stimulus: Stimulus::DendriticClusters(recipe),
        }) => {
            let fail = |problem: String| BaselineError::Fit {
                model: "reference",
                problem,
            };
            let cell = challenge
                .cell
                .as_ref()
                .ok_or_else(|| fail("the challenge's cell was not loaded".into()))?;
            Ok(Fitted::CableReference(Box::new(CableReference {
                cell: cell.reference(recipe).map_err(|e| fail(e.to_string()))?,
                table: cell.table.clone(),
                sampling: Sampling {
                    dt_ms: cable.dt_ms,
                    sample_dt_ms: manifest.sampling.dt_s * 1e3,
                    threshold_mv: cable.spike_threshold_mv,
                },
                repeats: manifest.test.repeats as usize,
            })))
        }
        Some(_) => Ok(Fitted::Reference(Box::new(manifest.clone()))),
    }
}
