//! Built-in baseline models. They see exactly what a contestant sees (the fetched public data) and
//! submit through the same gRPC path, so their scores are comparable to contestants' and the board
//! always shows where "no information" and "the truth itself" stand.
//!
//! The exception is the reference, the generating model itself: it needs the generator, which a
//! simulated challenge keeps on the server unless the organizer publishes it
//! ([`Manifest::public_view`]). It is fitted from a [`PublicChallenge`] built with the
//! organizer's manifest and data files (the server's store, tests), which is how the server
//! computes the reference row of the board.
//!
//! Which models a challenge gets is its family's ([`Family`]): the reference is each simulated
//! family's generator ([`crate::families::injected::generation::adex_responses`],
//! [`crate::families::dendritic::reference::CableReference`]), the fitted models are the point
//! models of the two injected-current families (`point.rs`) or the dendritic family's own
//! ([`crate::families::dendritic::models`]), and the Poisson null suits every family. This
//! module names them, fits them through the dispatch and runs them.

mod point;

use std::collections::BTreeMap;

use arena_challenge_core::manifest::Source;
use arena_challenge_core::public::PublicTrial;
use arena_challenge_core::trial::Split;
use arena_neuron::point::{
    AdExParams, GifParams, LifParams, MatParams, ModelError, PointResponse, poisson_train,
    simulate_adex, simulate_gif, simulate_lif, simulate_mat,
};
use arena_neuron::rng::derive_seed;
use rayon::prelude::*;
use thiserror::Error;

use crate::families::dendritic::models::fit_on_fetched;
use crate::families::dendritic::reference::CableReference;
use crate::families::dendritic::{
    DendriticModel, EventTable, SynapseTable, fit_linear, fit_two_layer,
};
use crate::families::injected::generation::adex_responses;
use crate::families::{
    Family, FamilyData, Manifest, PublicChallenge, dendritic_generator, ou_adex,
};

/// The built-in models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// Generalized integrate-and-fire with escape noise fitted as Pozzorini et al. 2015 do
    /// ([`fit_gif`](arena_neuron::point::fit_gif); stochastic: several repeats).
    Gif,
    /// The GIF with a subthreshold voltage-dependent potassium current (GIF-K; [`fit_gif_k`](arena_neuron::point::fit_gif_k);
    /// stochastic: several repeats).
    GifK,
    /// The GIF with an A-type potassium current, the augmented GIF of Harkin et al. 2023
    /// (aGIF; [`fit_agif`](arena_neuron::point::fit_agif); stochastic: several repeats).
    AGif,
    /// The GIF with a voltage-dependent dynamic threshold, the inactivating GIF of Mensi et al.
    /// 2016 (iGIF; [`fit_igif`](arena_neuron::point::fit_igif); stochastic: several repeats).
    IGif,
    /// Adaptive exponential integrate-and-fire fitted by regression on dV/dt ([`fit_adex`](arena_neuron::point::fit_adex);
    /// deterministic: one repeat).
    Adex,
    /// Multi-timescale adaptive threshold model (Kobayashi, Tsubo & Shinomoto 2009) fitted
    /// ([`fit_mat`](arena_neuron::point::fit_mat); deterministic: one repeat).
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
    /// Parameters of a member of the GIF family: [`fit_gif`](arena_neuron::point::fit_gif), [`fit_gif_k`](arena_neuron::point::fit_gif_k), [`fit_agif`](arena_neuron::point::fit_agif) or
    /// [`fit_igif`](arena_neuron::point::fit_igif).
    Gif(Box<GifParams>),
    /// AdEx parameters from [`fit_adex`](arena_neuron::point::fit_adex).
    Adex(AdExParams),
    /// MAT parameters from [`fit_mat`](arena_neuron::point::fit_mat).
    Mat(MatParams),
    /// LIF parameters from [`fit_lif`](arena_neuron::point::fit_lif).
    Lif(LifParams),
    /// The training mean rate.
    Poisson {
        /// Hz.
        rate_hz: f64,
    },
    /// The generating point neuron of an injected-current challenge, run with fresh noise seeds
    /// ([`adex_responses`]).
    AdexReference {
        /// The manifest's `[cell]`.
        params: Box<AdExParams>,
        /// The manifest's sampling step, seconds.
        dt_s: f64,
    },
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

impl Fitted {
    /// Repeats this model predicts per trial.
    pub fn repeats(&self) -> usize {
        match self {
            Fitted::Lif(_) | Fitted::Adex(_) | Fitted::Mat(_) => 1,
            Fitted::Gif(_) => GIF_REPEATS,
            Fitted::Poisson { .. } => POISSON_REPEATS,
            Fitted::AdexReference { .. } => STOCHASTIC_REPEATS,
            Fitted::Dendritic { .. } => DENDRITIC_REPEATS,
            Fitted::CableReference(r) => r.repeats,
        }
    }

    /// Predicted spike trains (seconds) for one public trial, whatever drives it: the
    /// injected current ([`Fitted::predict_trial`]) or the synaptic events
    /// ([`Fitted::predict_events`]).
    ///
    /// # Errors
    /// [`BaselineError`] if the model does not apply to the trial or refuses its input.
    pub fn predict(
        &self,
        trial: &PublicTrial,
        dt_s: f64,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, BaselineError> {
        if self.reads_events() {
            self.predict_events(&trial.events, trial.duration_s, dt_s, seed, &trial.id)
        } else {
            self.predict_trial(&trial.stimulus_na, trial.duration_s, dt_s, seed)
        }
    }

    /// Whether the model is driven by synaptic events ([`Fitted::predict_events`]) rather than
    /// by an injected current ([`Fitted::predict_trial`]).
    pub fn reads_events(&self) -> bool {
        matches!(self, Fitted::Dendritic { .. } | Fitted::CableReference(_))
    }

    /// Predicted spike trains (seconds) for the synaptic `events` of trial `trial_id` (rows
    /// `[synapse id, time ms]`, the layout of a trial's `events.npy`) over `duration_s`.
    ///
    /// Deterministic in `seed`, and causal: the prediction for the events before some time `T`
    /// over `duration_s = T` is the prefix of the prediction for the whole trial (the
    /// dendritic models' noise is drawn sample by sample, the reference cell's noise is seeded),
    /// which is what live evaluation relies on.
    ///
    /// # Errors
    /// [`BaselineError`] if the model is driven by a current or refuses the events.
    pub fn predict_events(
        &self,
        events: &[[f64; 2]],
        duration_s: f64,
        dt_s: f64,
        seed: u64,
        trial_id: &str,
    ) -> Result<Vec<Vec<f64>>, BaselineError> {
        let table_events = |table: &SynapseTable, model: &'static str| {
            EventTable::from_rows(table.synapses.len(), events).map_err(|e| BaselineError::Fit {
                model,
                problem: format!("trial {trial_id}: {e}"),
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
                    &table_events(table, model)?,
                    duration_s,
                    dt_s,
                    DENDRITIC_REPEATS,
                    seed,
                )
                .map_err(|e| BaselineError::Fit {
                    model,
                    problem: e.to_string(),
                }),
            Fitted::CableReference(r) => r
                .spikes(&table_events(&r.table, "reference")?, duration_s, seed)
                .map_err(|e| BaselineError::Fit {
                    model: "reference",
                    problem: e.to_string(),
                }),
            // The null reads nothing but the duration.
            Fitted::Poisson { .. } => self.predict_trial(&[], duration_s, dt_s, seed),
            _ => Err(BaselineError::NotApplicable {
                model: "the point model",
                reason: "it is driven by an injected current, not by synaptic events",
            }),
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
                        .map_err(fail(point::gif_family_name(p)))
                })
                .collect(),
            Fitted::Poisson { rate_hz } => Ok((0..POISSON_REPEATS as u64)
                .map(|k| poisson_train(*rate_hz, duration_s, derive_seed(seed, "repeat", k)))
                .collect()),
            Fitted::AdexReference { params, dt_s } => {
                Ok(
                    adex_responses(params, stimulus_na, *dt_s, seed, STOCHASTIC_REPEATS as u32)
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
        let family = Family::of(&challenge.manifest);
        if !self.applies_to(family) {
            return Err(BaselineError::NotApplicable {
                model: self.name(),
                reason: match family {
                    Family::InjectedCurrent | Family::Recorded => {
                        "it models synaptic input on dendrites"
                    }
                    Family::DendriticInput => "it models a neuron driven by an injected current",
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
                let electrode = match &challenge.family_data {
                    FamilyData::Recorded(recorded) => recorded.electrode(challenge.dt_s),
                    FamilyData::InjectedCurrent | FamilyData::DendriticInput(_) => Ok(None),
                }
                .map_err(|e| BaselineError::Fit {
                    model: self.name(),
                    problem: format!("active electrode compensation: {e}"),
                })?;
                point::fit(
                    self,
                    challenge.dt_s,
                    &train,
                    electrode.as_ref().map(|e| &e.electrode),
                )
            }
        }
    }

    /// The dendritic baselines, fitted on every repeat of every training trial (all three
    /// conditions, so the clustered ones teach what clusters do), from the public synapse
    /// table with the published weights and kinetics or, where they are hidden, the assumed
    /// ones ([`fit_on_fetched`]).
    fn fit_dendritic(
        self,
        challenge: &PublicChallenge,
        train: &[&PublicTrial],
    ) -> Result<Fitted, BaselineError> {
        let FamilyData::DendriticInput(data) = &challenge.family_data else {
            return Err(BaselineError::NotApplicable {
                model: self.name(),
                reason: "the challenge's synapse table was not loaded",
            });
        };
        let fit = match self {
            Baseline::Linear => fit_linear,
            _ => fit_two_layer,
        };
        let (fitted, table) =
            fit_on_fetched(fit, &data.synapses, train, challenge.dt_s).map_err(|problem| {
                BaselineError::Fit {
                    model: self.name(),
                    problem,
                }
            })?;
        Ok(Fitted::Dendritic {
            model: self.name(),
            fitted: Box::new(fitted),
            table: Box::new(table),
        })
    }

    /// Whether the baseline models challenges of `family`: the point models those driven by
    /// an injected current, the linear and two-layer models the dendritic ones.
    pub fn applies_to(self, family: Family) -> bool {
        match self {
            Baseline::Reference | Baseline::Poisson => true,
            Baseline::Gif
            | Baseline::GifK
            | Baseline::AGif
            | Baseline::IGif
            | Baseline::Adex
            | Baseline::Mat
            | Baseline::Lif => matches!(family, Family::InjectedCurrent | Family::Recorded),
            Baseline::Linear | Baseline::TwoLayer => family == Family::DendriticInput,
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
        // The trials are independent and each has its own seed: they are predicted on all
        // cores (rayon), with the values of a serial loop.
        challenge
            .trials
            .par_iter()
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
            .filter(|b| b.applies_to(Family::of(manifest)))
            .filter(|b| *b != Baseline::Reference || manifest.source == Source::Simulated)
            .collect()
    }

    /// Looks a baseline up by [`Baseline::name`].
    pub fn from_name(name: &str) -> Option<Baseline> {
        Baseline::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// The generating model: the point neuron of an injected-current challenge, or the cable cell
/// of a dendritic one.
fn reference(challenge: &PublicChallenge) -> Result<Fitted, BaselineError> {
    let manifest = &challenge.manifest;
    let fail = |problem: String| BaselineError::Fit {
        model: "reference",
        problem,
    };
    match Family::of(manifest) {
        Family::Recorded => Err(BaselineError::NotApplicable {
            model: "reference",
            reason: "the challenge is recorded, so there is no generating model",
        }),
        _ if manifest.simulated().is_none() => Err(BaselineError::NotApplicable {
            model: "reference",
            reason: "the challenge keeps its generator on the server, which computes the \
                     reference (`arena baselines run` asks it to)",
        }),
        Family::InjectedCurrent => {
            let generator = ou_adex(manifest).map_err(|e| fail(e.to_string()))?;
            Ok(Fitted::AdexReference {
                params: Box::new(generator.params.clone()),
                dt_s: manifest.sampling.dt_s,
            })
        }
        Family::DendriticInput => {
            let (cable, recipe) = dendritic_generator(manifest)
                .ok_or_else(|| fail("the challenge's cell was not loaded".into()))?;
            let cell = match &challenge.family_data {
                FamilyData::DendriticInput(data) => data.cell.as_ref(),
                FamilyData::InjectedCurrent | FamilyData::Recorded(_) => None,
            }
            .ok_or_else(|| fail("the challenge's cell was not loaded".into()))?;
            let reference = CableReference::new(
                cell,
                cable,
                recipe,
                manifest.sampling.dt_s,
                manifest.test.repeats as usize,
            )
            .map_err(|e| fail(e.to_string()))?;
            Ok(Fitted::CableReference(Box::new(reference)))
        }
    }
}
