//! Built-in baseline models. They see exactly what a contestant sees (the fetched public data) and
//! submit through the same gRPC path, so their scores are comparable to contestants' and the board
//! always shows where "no information" and "the truth itself" stand.

use std::collections::BTreeMap;

use arena_neuron::point::{
    AdExParams, FitError, GifParams, LifParams, MatParams, ModelError, PointResponse, fit_adex,
    fit_gif, fit_lif, fit_mat, poisson_train, simulate_adex, simulate_gif, simulate_lif,
    simulate_mat,
};
use arena_neuron::rng::derive_seed;
use thiserror::Error;

use crate::generate::respond;
use crate::manifest::Manifest;
use crate::npy;
use crate::trial::{Split, role};

/// A trial as fetched by a contestant.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicTrial {
    /// Trial id.
    pub id: String,
    /// Training or test.
    pub split: Split,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Injected current, nA, one sample per `dt_s`.
    pub stimulus_na: Vec<f64>,
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
    /// The trial has no stimulus.
    #[error("trial {0} has no stimulus file")]
    NoStimulus(String),
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
        let stimulus =
            decode(role::STIMULUS)?.ok_or_else(|| PublicDataError::NoStimulus(id.to_string()))?;
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
            stimulus_na: stimulus.data,
            voltage_mv: rows(decode(role::VOLTAGE)?, false),
            spikes_s: rows(decode(role::SPIKES)?, true),
        })
    }
}

/// A challenge as fetched by a contestant.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicChallenge {
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// The public manifest.
    pub manifest: Manifest,
    /// Every trial.
    pub trials: Vec<PublicTrial>,
}

/// The built-in models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// Generalized integrate-and-fire with escape noise fitted as Pozzorini et al. 2015 do
    /// ([`fit_gif`]; stochastic: several repeats).
    Gif,
    /// Adaptive exponential integrate-and-fire fitted by regression on dV/dt ([`fit_adex`];
    /// deterministic: one repeat).
    Adex,
    /// Multi-timescale adaptive threshold model (Kobayashi, Tsubo & Shinomoto 2009) fitted
    /// ([`fit_mat`]; deterministic: one repeat).
    Mat,
    /// Leaky integrate-and-fire fitted to the training data (deterministic: one repeat).
    Lif,
    /// Homogeneous Poisson at the training data's mean rate: the null model (no stimulus information).
    Poisson,
    /// The manifest's own generating model run with fresh noise seeds: the simulated ceiling.
    Reference,
}

/// A baseline fitted to a challenge's training data.
#[derive(Clone, Debug, PartialEq)]
pub enum Fitted {
    /// GIF parameters from [`fit_gif`].
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
}

impl Fitted {
    /// Repeats this model predicts per trial.
    pub fn repeats(&self) -> usize {
        match self {
            Fitted::Lif(_) | Fitted::Adex(_) | Fitted::Mat(_) => 1,
            Fitted::Gif(_) => GIF_REPEATS,
            Fitted::Poisson { .. } => POISSON_REPEATS,
            Fitted::Reference(m) => m.test.repeats as usize,
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
                        .map_err(fail("gif"))
                })
                .collect(),
            Fitted::Poisson { rate_hz } => Ok((0..POISSON_REPEATS as u64)
                .map(|k| poisson_train(*rate_hz, duration_s, derive_seed(seed, "repeat", k)))
                .collect()),
            Fitted::Reference(manifest) => {
                Ok(respond(manifest, stimulus_na, seed, manifest.test.repeats)
                    .map_err(|e| BaselineError::Fit {
                        model: "reference",
                        problem: e.to_string(),
                    })?
                    .spikes_s)
            }
        }
    }
}

/// Repeats of the Poisson null model.
const POISSON_REPEATS: usize = 10;

/// Repeats of the GIF model (its escape noise makes each repeat differ).
const GIF_REPEATS: usize = 10;

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
    pub const ALL: [Baseline; 6] = [
        Baseline::Reference,
        Baseline::Gif,
        Baseline::Adex,
        Baseline::Mat,
        Baseline::Lif,
        Baseline::Poisson,
    ];

    /// The name used on the board and in `--model builtin:<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Gif => "gif",
            Baseline::Adex => "adex",
            Baseline::Mat => "mat",
            Baseline::Lif => "lif",
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
            Baseline::Adex => {
                "adaptive exponential IF fitted to the training data (regression on dV/dt)"
            }
            Baseline::Mat => {
                "multi-timescale adaptive threshold model (Kobayashi et al. 2009) fitted to the training data"
            }
            Baseline::Lif => {
                "leaky integrate-and-fire fitted to the training data (regression on dV/dt)"
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
        let train: Vec<&PublicTrial> = challenge
            .trials
            .iter()
            .filter(|t| t.split == Split::Train && !t.voltage_mv.is_empty())
            .collect();
        if train.is_empty() {
            return Err(BaselineError::NoTrainingData);
        }
        // The point models are fitted on the first repeat of every training trial, laid end to end.
        let current: Vec<f64> = train
            .iter()
            .flat_map(|t| t.stimulus_na.iter().copied())
            .collect();
        let voltage: Vec<f64> = train
            .iter()
            .flat_map(|t| t.voltage_mv[0].iter().copied())
            .collect();
        let mut offset = 0.0;
        let mut spikes = Vec::new();
        for t in &train {
            spikes.extend(t.spikes_s[0].iter().map(|s| s + offset));
            offset += t.duration_s;
        }
        let (c, v, s, dt) = (&current[..], &voltage[..], &spikes[..], challenge.dt_s);
        let fail = |e: FitError| BaselineError::Fit {
            model: self.name(),
            problem: e.to_string(),
        };
        Ok(match self {
            Baseline::Gif => Fitted::Gif(Box::new(fit_gif(c, v, s, dt).map_err(fail)?)),
            Baseline::Adex => Fitted::Adex(fit_adex(c, v, s, dt).map_err(fail)?),
            Baseline::Mat => Fitted::Mat(fit_mat(c, v, s, dt).map_err(fail)?),
            Baseline::Lif => Fitted::Lif(fit_lif(c, v, s, dt).map_err(fail)?),
            Baseline::Poisson => {
                let spikes: usize = train
                    .iter()
                    .flat_map(|t| t.spikes_s.iter().map(Vec::len))
                    .sum();
                let time: f64 = train
                    .iter()
                    .map(|t| t.duration_s * t.spikes_s.len() as f64)
                    .sum();
                Fitted::Poisson {
                    rate_hz: spikes as f64 / time,
                }
            }
            Baseline::Reference => {
                if challenge.manifest.simulated().is_none() {
                    return Err(BaselineError::NotApplicable {
                        model: "reference",
                        reason: "the challenge is recorded, so there is no generating model",
                    });
                }
                Fitted::Reference(Box::new(challenge.manifest.clone()))
            }
        })
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
                let repeats = fitted.predict_trial(
                    &t.stimulus_na,
                    t.duration_s,
                    challenge.dt_s,
                    derive_seed(seed, &t.id, 0),
                )?;
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
            Baseline::Gif | Baseline::Adex | Baseline::Mat | Baseline::Lif => 1,
            Baseline::Poisson => 2,
        }
    }

    /// The baselines that apply to a challenge, best expected first: the reference only where
    /// there is a generating model (simulated challenges).
    pub fn suited(manifest: &Manifest) -> Vec<Baseline> {
        Baseline::ALL
            .into_iter()
            .filter(|b| *b != Baseline::Reference || manifest.simulated().is_some())
            .collect()
    }

    /// Looks a baseline up by [`Baseline::name`].
    pub fn from_name(name: &str) -> Option<Baseline> {
        Baseline::ALL.into_iter().find(|b| b.name() == name)
    }
}
