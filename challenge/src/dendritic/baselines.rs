//! The two dendritic-input baselines of issue 5: a point neuron that integrates all synaptic
//! input linearly at the soma with fitted distance-dependent weights ("linear"), and the same
//! with a static NMDA-like sigmoid per branch before the somatic sum ("two-layer", Poirazi,
//! Brannon & Mel 2003, Neuron 37:989). Both are fitted on the training trials only: the events
//! of every synapse, the synapse table, the somatic voltage and the spike times.
//!
//! Why these two. The family asks what a model loses by ignoring dendritic integration. The
//! linear baseline is the "point neuron" hypothesis made as good as a regression can make it:
//! every synapse's events pass through a fixed PSP shape and are summed with one fitted weight
//! per (class, distance bin) — the distance dependence stands for dendritic attenuation. The
//! two-layer baseline adds exactly one thing, a saturating non-linearity per branch as NMDA
//! spikes produce (Schiller et al. 2000, Nature 404:285; Polsky, Mel & Schiller 2004, Nat
//! Neurosci 7:621), so the gap between the two on the board measures what branch-local
//! non-linear integration explains.
//!
//! # Model
//! Voltage, a Spike Response Model (Gerstner & Kistler 2002, *Spiking Neuron Models*, ch. 4;
//! fitted to recordings by Jolivet, Lewis & Gerstner 2004, J Neurophysiol 92:959):
//!
//! V̂(t) = E + Σ_b w_b·S_b(t) + Σ_b u_b·G_b(t) + Σ_k η_k·X_k(t)
//!
//! * PSP kernels ([`PspKernel`]): κ_r(t) = f·(e^{−t/τ_slow} − e^{−t/τ_fast}), peak 1, with
//!   {τ_slow, τ_fast} = {the receptor's `tau_decay_ms`, the membrane time constant τ_m}: the exact
//!   voltage response of a passive single compartment (time constant τ_m) to an exponentially
//!   decaying current of time constant τ_decay (the receptor's fast rise is neglected). An
//!   excitatory site with AMPA weight a and NMDA weight n (µS, from the synapse table) drives
//!   a·κ_AMPA + n·κ_NMDA per event; an inhibitory site of weight g drives g·κ_GABA.
//! * Linear: S_b(t) is the summed drive (µS) of the excitatory sites whose path distance lies
//!   in distance bin b ([`DistanceBins`]), w_b in mV/µS.
//! * Two-layer: the drive of the excitatory sites of each branch j (the synapse table's
//!   `branch`) is summed into x_j(t) (µS) and passed through
//!   N(x) = σ((x − θ)/s) − σ(−θ/s), σ(z) = 1/(1 + e^{−z}) (so N(0) = 0), with one threshold
//!   θ and width s (µS) shared by all branches; S_b(t) = Σ_{j in bin b} N(x_j(t)), where a
//!   branch's bin is that of the mean path distance of its excitatory sites; w_b in mV.
//! * Inhibition is linear in both: G_b(t) is the summed GABA_A drive of the inhibitory sites
//!   in distance bin b, u_b in mV/µS.
//! * X_k(t) counts the cell's own spikes whose age lies in bin k of `history_edges_ms`: η is
//!   the spike after-potential (reset and after-hyperpolarisation), fitted like the other
//!   weights. Without it, V̂ would stay above threshold after a spike and the model would burst.
//!
//! Spikes: escape noise with an exponential hazard λ(t) = λ₀·exp((V̂(t) − V_T)/ΔV), λ₀ = 1 Hz
//! (as the GIF of `arena_neuron::point::gif`), outside an absolute refractory period t_ref after
//! each spike. Escape noise rather than a deterministic threshold because the reference cell
//! has intrinsic noise (its repeats differ), and a hazard turns the prediction error of V̂ into
//! spike-timing jitter instead of missing or extra spikes, so K repeats describe the
//! variability; and because its two parameters have a concave likelihood with one optimum.
//!
//! # Fitting (training data only)
//! 1. Subthreshold regression: V at the samples on a `regression_dt_ms` grid, excluding
//!    `exclude_before_spike_ms` before to `refractory_ms` after every recorded spike (the spike
//!    shape), is regressed by least squares on [1, S, G, X] (X from the recorded spikes). A
//!    column without any training drive (a bin without synapses or events) gets weight 0.
//!    For the two-layer model, (θ, s) are chosen by grid search maximising the R² of this
//!    regression: a 7 × 7 log-spaced grid relative to the largest branch drive of the
//!    training data, then 4 rounds of 5 × 5 points around the best one, each halving the
//!    log-spacing (final spacing a factor 1.03 in θ and 1.04 in s). Cost: 149 regressions, each
//!    evaluating N for every (regression sample, branch).
//! 2. Threshold: V̂ is computed with the recorded spikes imposed, and (V_T, ΔV) maximise the
//!    exact Bernoulli likelihood of the escape process, Σ_spike log(1 − e^{−λΔt}) − Σ_other λΔt
//!    over the free part Δt of every step (concave in (log λ₀ − V_T/ΔV, 1/ΔV); Newton's method).
//!    t_ref = min(`refractory_ms`, shortest training inter-spike interval): the shortest
//!    interval is the maximum-likelihood estimate of an absolute refractory period, capped
//!    where the after-potential kernel begins. A recorded spike inside a refractory period
//!    (impossible then) is skipped.
//!
//! Prediction: repeat k draws its escape noise from `derive_seed(seed, "repeat", k)`.
//!
//! The least-squares solver and the two-parameter Newton iteration live here because
//! `arena_neuron::point` keeps its own (`linalg`, the GIF likelihood) private; exposing those
//! would let this module drop its copies of the idea.

use super::placement::{Receptors as SiteReceptors, SynapseClass, SynapseTable};
use super::recipe::Receptors;
use super::simulate::Response;
use super::trials::EventTable;
use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_neuron::stimulus::{InvalidValue, Requirement};
use rand::Rng;
use std::collections::BTreeMap;
use thiserror::Error;

/// The escape rate at V̂ = V_T, Hz (the GIF's convention).
const LAMBDA0_HZ: f64 = 1.0;
/// Newton's method stops when the log-likelihood improves by less than this, nats.
const NEWTON_TOLERANCE: f64 = 1e-10;
/// At most this many Newton steps.
const NEWTON_MAX_STEPS: usize = 200;
/// Pivots below this (after scaling the normal equations to unit diagonal) count as singular.
const PIVOT_TOLERANCE: f64 = 1e-12;
/// The two-layer shape grid: θ from 5 % to 100 %, s from 2 % to 100 % of the largest branch
/// drive, 7 log-spaced values each.
const THRESHOLD_GRID: (f64, f64) = (0.05, 1.0);
const WIDTH_GRID: (f64, f64) = (0.02, 1.0);
const GRID_POINTS: usize = 7;
/// Zoom rounds of the two-layer grid search, 5 × 5 points each.
const ZOOM_ROUNDS: usize = 4;

/// Why a dendritic baseline could not be fitted or run; each message names the problem.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DendriticFitError {
    /// An input or option is out of range (the field is named).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A structural problem with the inputs (lengths, ids), naming the field.
    #[error("{field}: {problem}")]
    Mismatch {
        /// The field, e.g. `trials[2].voltage_mv[0]`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// No training trial carries a voltage recording.
    #[error("training data: no trial with a recorded voltage repeat; nothing to fit on")]
    NoTrainingData,
    /// The training repeats hold no spike, so no threshold can be fitted.
    #[error("training data: no recorded spike in any repeat; the spike threshold cannot be fitted")]
    NoSpikes,
    /// The normal equations are singular.
    #[error("{stage}: the regression is singular ({why})")]
    Singular {
        /// The fitting stage.
        stage: &'static str,
        /// Why, e.g. which columns are collinear.
        why: String,
    },
    /// A fitted parameter is not physical.
    #[error("fitted {field} = {value} is not physical: {why}")]
    Unphysical {
        /// The parameter.
        field: &'static str,
        /// Its fitted value.
        value: f64,
        /// Why it is rejected.
        why: &'static str,
    },
    /// Newton's method did not converge.
    #[error("{stage}: did not converge in {steps} steps")]
    NotConverged {
        /// The fitting stage.
        stage: &'static str,
        /// The iteration budget.
        steps: usize,
    },
}

/// One training trial as a contestant receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticTrainingTrial {
    /// Events per synapse id, ms.
    pub events: EventTable,
    /// Somatic voltage per repeat, mV, at t = 0, sample_dt, 2·sample_dt, ...
    pub voltage_mv: Vec<Vec<f64>>,
    /// Spike times per repeat, s, increasing (same number of repeats as `voltage_mv`).
    pub spikes_s: Vec<Vec<f64>>,
    /// Interval between voltage samples, s.
    pub sample_dt_s: f64,
    /// Duration of the trial, s.
    pub duration_s: f64,
}

impl DendriticTrainingTrial {
    /// The training trial made of the repeats `responses` of one condition driven by `events`
    /// (e.g. from [`super::simulate::ReferenceCell::simulate_trial`]).
    ///
    /// # Errors
    /// [`DendriticFitError::Mismatch`] if there is no response or their sampling intervals
    /// differ.
    pub fn from_responses(
        events: EventTable,
        responses: &[Response],
        duration_s: f64,
    ) -> Result<Self, DendriticFitError> {
        let Some(first) = responses.first() else {
            return Err(DendriticFitError::Mismatch {
                field: "responses".into(),
                problem: "empty: a training trial needs at least one repeat".into(),
            });
        };
        if let Some(k) = responses
            .iter()
            .position(|r| r.sample_dt_s != first.sample_dt_s)
        {
            return Err(DendriticFitError::Mismatch {
                field: format!("responses[{k}].sample_dt_s"),
                problem: format!(
                    "{} s differs from responses[0]'s {} s",
                    responses[k].sample_dt_s, first.sample_dt_s
                ),
            });
        }
        Ok(Self {
            events,
            voltage_mv: responses.iter().map(|r| r.soma_v_mv.clone()).collect(),
            spikes_s: responses.iter().map(|r| r.spike_times_s.clone()).collect(),
            sample_dt_s: first.sample_dt_s,
            duration_s,
        })
    }
}

/// A peak-normalised difference of exponentials, κ(t) = f·(e^{−t/τ_slow} − e^{−t/τ_fast}) for
/// t ≥ 0 (0 before), with f chosen so that max κ = 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PspKernel {
    /// The slower time constant, ms.
    pub tau_slow_ms: f64,
    /// The faster time constant, ms.
    pub tau_fast_ms: f64,
    /// f, the peak normalisation (dimensionless).
    pub scale: f64,
}

impl PspKernel {
    /// The kernel with time constants `tau_a_ms` and `tau_b_ms` (either order).
    ///
    /// # Formula
    /// Peak at t_p = τ_s·τ_f/(τ_s − τ_f)·ln(τ_s/τ_f); f = 1/(e^{−t_p/τ_s} − e^{−t_p/τ_f}).
    ///
    /// # Errors
    /// [`DendriticFitError::Invalid`] unless both are > 0, and
    /// [`DendriticFitError::Mismatch`] if they are equal (the difference vanishes; choose
    /// another membrane time constant).
    pub fn new(tau_a_ms: f64, tau_b_ms: f64) -> Result<Self, DendriticFitError> {
        InvalidValue::check("tau_a_ms", Requirement::Positive, tau_a_ms)?;
        InvalidValue::check("tau_b_ms", Requirement::Positive, tau_b_ms)?;
        let (slow, fast) = (tau_a_ms.max(tau_b_ms), tau_a_ms.min(tau_b_ms));
        if slow / fast - 1.0 < 1e-6 {
            return Err(DendriticFitError::Mismatch {
                field: "membrane_tau_ms".into(),
                problem: format!(
                    "equals a receptor's tau_decay_ms ({slow} ms); the PSP kernel needs two \
                     different time constants"
                ),
            });
        }
        let t_peak = slow * fast / (slow - fast) * (slow / fast).ln();
        let scale = 1.0 / ((-t_peak / slow).exp() - (-t_peak / fast).exp());
        Ok(Self {
            tau_slow_ms: slow,
            tau_fast_ms: fast,
            scale,
        })
    }

    /// κ(t) for t in ms (0 for t < 0).
    pub fn value(&self, t_ms: f64) -> f64 {
        if t_ms < 0.0 {
            return 0.0;
        }
        self.scale * ((-t_ms / self.tau_slow_ms).exp() - (-t_ms / self.tau_fast_ms).exp())
    }
}

/// The PSP kernel of each receptor type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PspKernels {
    /// AMPA: its `tau_decay_ms` and τ_m.
    pub ampa: PspKernel,
    /// NMDA: its `tau_decay_ms` and τ_m.
    pub nmda: PspKernel,
    /// GABA_A: its `tau_decay_ms` and τ_m.
    pub gaba_a: PspKernel,
}

impl PspKernels {
    /// The kernels of the recipe's receptors with membrane time constant `membrane_tau_ms`.
    ///
    /// # Errors
    /// As [`PspKernel::new`].
    pub fn from_receptors(
        receptors: &Receptors,
        membrane_tau_ms: f64,
    ) -> Result<Self, DendriticFitError> {
        InvalidValue::check("membrane_tau_ms", Requirement::Positive, membrane_tau_ms)?;
        Ok(Self {
            ampa: PspKernel::new(receptors.ampa.tau_decay_ms, membrane_tau_ms)?,
            nmda: PspKernel::new(receptors.nmda.tau_decay_ms, membrane_tau_ms)?,
            gaba_a: PspKernel::new(receptors.gaba_a.tau_decay_ms, membrane_tau_ms)?,
        })
    }

    fn all(&self) -> [PspKernel; 3] {
        [self.ampa, self.nmda, self.gaba_a]
    }
}

/// Path-distance bins: edges e_0 = 0 < e_1 < … < e_{m−1}, µm; bin i is [e_i, e_{i+1}) and the
/// last bin [e_{m−1}, ∞).
#[derive(Debug, Clone, PartialEq)]
pub struct DistanceBins {
    /// The lower edges, µm.
    pub edges_um: Vec<f64>,
}

impl DistanceBins {
    /// Bins with lower edges `edges_um` (field named `field` in errors).
    ///
    /// # Errors
    /// [`DendriticFitError::Mismatch`] unless the edges start at 0, are finite and strictly
    /// increase.
    pub fn new(field: &str, edges_um: &[f64]) -> Result<Self, DendriticFitError> {
        let ok = edges_um.first() == Some(&0.0)
            && edges_um.iter().all(|e| e.is_finite())
            && edges_um.windows(2).all(|w| w[1] > w[0]);
        if !ok {
            return Err(DendriticFitError::Mismatch {
                field: field.into(),
                problem: format!(
                    "{edges_um:?}: edges must start at 0, be finite and strictly increase"
                ),
            });
        }
        Ok(Self {
            edges_um: edges_um.to_vec(),
        })
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.edges_um.len()
    }

    /// Always false (a valid set of bins has at least one).
    pub fn is_empty(&self) -> bool {
        self.edges_um.is_empty()
    }

    /// The bin of path distance `distance_um` (negative distances count as 0).
    pub fn bin(&self, distance_um: f64) -> usize {
        self.edges_um
            .iter()
            .rposition(|&e| distance_um >= e)
            .unwrap_or(0)
    }
}

/// Options of both fits; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticFitOptions {
    /// Membrane time constant of the PSP kernels, ms (default 20).
    pub membrane_tau_ms: f64,
    /// Lower edges of the excitatory distance bins, µm (default 0, 50, 150, 300).
    pub excitatory_edges_um: Vec<f64>,
    /// Lower edges of the inhibitory distance bins, µm (default 0, 50, 150, 300; somatic sites
    /// have distance 0).
    pub inhibitory_edges_um: Vec<f64>,
    /// Excluded from the voltage regression before each spike, ms (default 2).
    pub exclude_before_spike_ms: f64,
    /// Excluded after each spike and upper bound of the absolute refractory period, ms
    /// (default 3).
    pub refractory_ms: f64,
    /// Edges of the spike after-potential bins, ms; the first must be ≥ `refractory_ms`
    /// (default 3, 6, 12, 25, 50, 100).
    pub history_edges_ms: Vec<f64>,
    /// Spacing of the samples used by the voltage regression, ms (default 1; the sampling
    /// interval if larger).
    pub regression_dt_ms: f64,
}

impl Default for DendriticFitOptions {
    fn default() -> Self {
        Self {
            membrane_tau_ms: 20.0,
            excitatory_edges_um: vec![0.0, 50.0, 150.0, 300.0],
            inhibitory_edges_um: vec![0.0, 50.0, 150.0, 300.0],
            exclude_before_spike_ms: 2.0,
            refractory_ms: 3.0,
            history_edges_ms: vec![3.0, 6.0, 12.0, 25.0, 50.0, 100.0],
            regression_dt_ms: 1.0,
        }
    }
}

/// How excitatory input reaches the soma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Integration {
    /// Summed linearly per distance bin.
    Linear,
    /// Summed per branch, passed through N(x) = σ((x − θ)/s) − σ(−θ/s), then per distance bin.
    TwoLayer {
        /// θ, µS.
        threshold_us: f64,
        /// s, µS.
        width_us: f64,
    },
}

impl Integration {
    /// The branch non-linearity N(x) (the identity for [`Integration::Linear`]).
    pub fn branch_output(&self, x_us: f64) -> f64 {
        self.branch_function()(x_us)
    }

    /// N as a function with its constant σ(−θ/s) computed once.
    fn branch_function(&self) -> impl Fn(f64) -> f64 {
        let (threshold_us, width_us, offset, linear) = match *self {
            Integration::Linear => (0.0, 1.0, 0.0, true),
            Integration::TwoLayer {
                threshold_us,
                width_us,
            } => (
                threshold_us,
                width_us,
                sigmoid(-threshold_us / width_us),
                false,
            ),
        };
        move |x_us| {
            if linear {
                x_us
            } else {
                sigmoid((x_us - threshold_us) / width_us) - offset
            }
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A fitted dendritic baseline (the model of the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticModel {
    /// Linear or two-layer.
    pub integration: Integration,
    /// The PSP kernels.
    pub kernels: PspKernels,
    /// Excitatory distance bins.
    pub excitatory_bins: DistanceBins,
    /// Inhibitory distance bins.
    pub inhibitory_bins: DistanceBins,
    /// E, mV.
    pub rest_mv: f64,
    /// w_b per excitatory bin: mV/µS (linear) or mV per unit branch output (two-layer).
    pub excitatory_weights: Vec<f64>,
    /// u_b per inhibitory bin, mV/µS.
    pub inhibitory_weights_mv_per_us: Vec<f64>,
    /// Edges of the after-potential bins, ms.
    pub history_edges_ms: Vec<f64>,
    /// η_k, mV.
    pub eta_mv: Vec<f64>,
    /// Absolute refractory period, ms.
    pub refractory_ms: f64,
    /// V_T, mV.
    pub threshold_mv: f64,
    /// ΔV, mV.
    pub delta_v_mv: f64,
    /// R² of the voltage regression on the training samples it used.
    pub r_squared: f64,
}

/// Where each synapse's drive goes: `target[id]` (None: ignored) among `n_targets` sums.
struct Routing {
    target: Vec<Option<usize>>,
    n_targets: usize,
    /// Two-layer: the excitatory bin of each branch target 0, 1, …; `None` for linear.
    branch_bin: Option<Vec<usize>>,
}

impl Routing {
    /// The routing an integration needs: per bin (linear) or per branch (two-layer).
    fn new(
        integration: &Integration,
        table: &SynapseTable,
        e: &DistanceBins,
        i: &DistanceBins,
    ) -> Self {
        match integration {
            Integration::Linear => Self::linear(table, e, i),
            Integration::TwoLayer { .. } => Self::per_branch(table, e, i),
        }
    }

    /// Targets that are branches (0 for linear).
    fn n_branches(&self) -> usize {
        self.branch_bin.as_ref().map_or(0, Vec::len)
    }
}

impl Routing {
    /// Linear: excitatory bins first, then inhibitory bins.
    fn linear(table: &SynapseTable, e: &DistanceBins, i: &DistanceBins) -> Self {
        let target = table
            .synapses
            .iter()
            .map(|s| {
                Some(match s.class() {
                    SynapseClass::Excitatory => e.bin(s.distance_um),
                    SynapseClass::Inhibitory => e.len() + i.bin(s.distance_um),
                })
            })
            .collect();
        Self {
            target,
            n_targets: e.len() + i.len(),
            branch_bin: None,
        }
    }

    /// Two-layer: one target per branch with excitatory sites (in branch order), then the
    /// inhibitory bins.
    fn per_branch(table: &SynapseTable, e: &DistanceBins, i: &DistanceBins) -> Self {
        let mut distances: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
        for s in &table.synapses {
            if s.class() == SynapseClass::Excitatory {
                let entry = distances.entry(s.branch).or_insert((0.0, 0));
                entry.0 += s.distance_um;
                entry.1 += 1;
            }
        }
        let slot: BTreeMap<usize, usize> = distances
            .keys()
            .enumerate()
            .map(|(k, &branch)| (branch, k))
            .collect();
        let branch_bin = distances
            .values()
            .map(|&(sum, n)| e.bin(sum / n as f64))
            .collect();
        let n_branches = slot.len();
        let target = table
            .synapses
            .iter()
            .map(|s| {
                Some(match s.class() {
                    SynapseClass::Excitatory => slot[&s.branch],
                    SynapseClass::Inhibitory => n_branches + i.bin(s.distance_um),
                })
            })
            .collect();
        Self {
            target,
            n_targets: n_branches + i.len(),
            branch_bin: Some(branch_bin),
        }
    }
}

/// One weighted event: time (ms), target, receptor (0 AMPA, 1 NMDA, 2 GABA_A) and weight (µS).
#[derive(Clone, Copy)]
struct Event {
    t_ms: f64,
    target: usize,
    receptor: usize,
    weight_us: f64,
}

/// Streams the summed PSP drive of every target, sample by sample, exactly: each kernel is two
/// exponentials, so each (target, receptor, component) keeps one state that decays by
/// e^{−Δt/τ} per sample and jumps by w·f·e^{−(t_n − t_e)/τ} at the first sample t_n ≥ t_e.
struct DriveSweep {
    events: Vec<Event>,
    next: usize,
    kernels: [PspKernel; 3],
    decay: [[f64; 2]; 3],
    /// Per target: [receptor][slow, fast].
    state: Vec<[[f64; 2]; 3]>,
    drive: Vec<f64>,
    dt_ms: f64,
    n: usize,
}

impl DriveSweep {
    fn new(events: Vec<Event>, n_targets: usize, kernels: [PspKernel; 3], dt_ms: f64) -> Self {
        let mut events = events;
        events.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms));
        let decay = kernels.map(|k| {
            [
                (-dt_ms / k.tau_slow_ms).exp(),
                (-dt_ms / k.tau_fast_ms).exp(),
            ]
        });
        Self {
            events,
            next: 0,
            kernels,
            decay,
            state: vec![[[0.0; 2]; 3]; n_targets],
            drive: vec![0.0; n_targets],
            dt_ms,
            n: 0,
        }
    }

    /// The events of `table` routed by `routing`.
    fn for_trial(
        table: &SynapseTable,
        events: &EventTable,
        routing: &Routing,
        kernels: &PspKernels,
        dt_ms: f64,
    ) -> Self {
        let mut list = Vec::new();
        for (s, times) in table.synapses.iter().zip(&events.times_ms) {
            let Some(target) = routing.target[s.id] else {
                continue;
            };
            let receptors: Vec<(usize, f64)> = match s.receptors {
                SiteReceptors::AmpaNmda {
                    ampa_weight_us,
                    nmda_weight_us,
                } => vec![(0, ampa_weight_us), (1, nmda_weight_us)],
                SiteReceptors::GabaA { weight_us } => vec![(2, weight_us)],
            };
            for &t_ms in times {
                for &(receptor, weight_us) in &receptors {
                    list.push(Event {
                        t_ms,
                        target,
                        receptor,
                        weight_us,
                    });
                }
            }
        }
        Self::new(list, routing.n_targets, kernels.all(), dt_ms)
    }

    /// The drive of every target at the next sample t_n = n·dt, µS.
    fn advance(&mut self) -> &[f64] {
        if self.n > 0 {
            for st in &mut self.state {
                for (r, d) in self.decay.iter().enumerate() {
                    st[r][0] *= d[0];
                    st[r][1] *= d[1];
                }
            }
        }
        let t_ms = self.n as f64 * self.dt_ms;
        while let Some(e) = self.events.get(self.next).filter(|e| e.t_ms <= t_ms) {
            let k = self.kernels[e.receptor];
            let age = t_ms - e.t_ms;
            let a = e.weight_us * k.scale;
            let st = &mut self.state[e.target][e.receptor];
            st[0] += a * (-age / k.tau_slow_ms).exp();
            st[1] += a * (-age / k.tau_fast_ms).exp();
            self.next += 1;
        }
        for (d, st) in self.drive.iter_mut().zip(&self.state) {
            *d = st.iter().map(|c| c[0] - c[1]).sum();
        }
        self.n += 1;
        &self.drive
    }
}

/// The sampled convolution Σ_e w_e·κ(t_n − t_e) at t_n = n·`sample_dt_ms`, n < `n_samples`, of
/// `events` = (time ms, weight) with `kernel` — computed by the same exact recursion as the
/// fits and predictions.
pub fn filter_events(
    events: &[(f64, f64)],
    kernel: PspKernel,
    n_samples: usize,
    sample_dt_ms: f64,
) -> Vec<f64> {
    let list = events
        .iter()
        .map(|&(t_ms, weight_us)| Event {
            t_ms,
            target: 0,
            receptor: 0,
            weight_us,
        })
        .collect();
    let mut sweep = DriveSweep::new(list, 1, [kernel; 3], sample_dt_ms);
    (0..n_samples).map(|_| sweep.advance()[0]).collect()
}

/// The soma's inputs [S_1 … S_m, G_1 … G_q] from the drives of the targets.
fn soma_inputs(
    integration: &Integration,
    routing: &Routing,
    n_e: usize,
    drive: &[f64],
    out: &mut [f64],
) {
    let Some(branch_bin) = &routing.branch_bin else {
        out.copy_from_slice(drive);
        return;
    };
    out[..n_e].fill(0.0);
    let n = integration.branch_function();
    for (x, &bin) in drive.iter().zip(branch_bin) {
        out[bin] += n(*x);
    }
    out[n_e..].copy_from_slice(&drive[branch_bin.len()..]);
}

/// Counts of own spikes per after-potential bin at a given time.
struct History {
    edges_ms: Vec<f64>,
    spikes_ms: Vec<f64>,
}

impl History {
    fn counts(&mut self, t_ms: f64, out: &mut [f64]) {
        let support = self.edges_ms[self.edges_ms.len() - 1];
        self.spikes_ms.retain(|&s| t_ms - s < support);
        out.fill(0.0);
        for &s in &self.spikes_ms {
            let age = t_ms - s;
            if let Some(k) = self
                .edges_ms
                .windows(2)
                .position(|w| age >= w[0] && age < w[1])
            {
                out[k] += 1.0;
            }
        }
    }
}

/// Normal equations XᵀXβ = Xᵀy accumulated row by row.
#[derive(Clone)]
struct NormalEquations {
    p: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    sum_y: f64,
    rows: usize,
}

impl NormalEquations {
    fn new(p: usize) -> Self {
        Self {
            p,
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            yty: 0.0,
            sum_y: 0.0,
            rows: 0,
        }
    }

    fn add(&mut self, x: &[f64], y: f64) {
        for r in 0..self.p {
            if x[r] == 0.0 {
                continue;
            }
            self.xty[r] += x[r] * y;
            for c in r..self.p {
                self.xtx[r * self.p + c] += x[r] * x[c];
            }
        }
        self.yty += y * y;
        self.sum_y += y;
        self.rows += 1;
    }

    /// β (0 for columns that are identically zero) and R², by Gauss–Jordan elimination with
    /// partial pivoting on the system scaled to unit diagonal.
    fn solve(&self, stage: &'static str) -> Result<(Vec<f64>, f64), DendriticFitError> {
        let p = self.p;
        let active: Vec<usize> = (0..p).filter(|&i| self.xtx[i * p + i] > 0.0).collect();
        let m = active.len();
        let scale: Vec<f64> = active
            .iter()
            .map(|&i| self.xtx[i * p + i].sqrt().recip())
            .collect();
        let at = |r: usize, c: usize| {
            let (i, j) = (active[r].min(active[c]), active[r].max(active[c]));
            self.xtx[i * p + j] * scale[r] * scale[c]
        };
        // Augmented m × (m + 1) matrix.
        let mut a: Vec<Vec<f64>> = (0..m)
            .map(|r| {
                let mut row: Vec<f64> = (0..m).map(|c| at(r, c)).collect();
                row.push(self.xty[active[r]] * scale[r]);
                row
            })
            .collect();
        for col in 0..m {
            let pivot = (col..m)
                .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
                .unwrap_or(col);
            if a[pivot][col].abs() < PIVOT_TOLERANCE {
                return Err(DendriticFitError::Singular {
                    stage,
                    why: format!(
                        "column {} is a combination of the others over {} samples",
                        active[col], self.rows
                    ),
                });
            }
            a.swap(col, pivot);
            let head = a[col].clone();
            for (r, row) in a.iter_mut().enumerate() {
                if r != col && row[col] != 0.0 {
                    let factor = row[col] / head[col];
                    for (v, h) in row.iter_mut().zip(&head).skip(col) {
                        *v -= factor * h;
                    }
                }
            }
        }
        let mut beta = vec![0.0; p];
        for (r, &i) in active.iter().enumerate() {
            beta[i] = a[r][m] / a[r][r] * scale[r];
        }
        let explained: f64 = beta.iter().zip(&self.xty).map(|(b, xy)| b * xy).sum();
        let rss = (self.yty - explained).max(0.0);
        let n = self.rows as f64;
        let tss = self.yty - self.sum_y * self.sum_y / n;
        Ok((beta, if tss > 0.0 { 1.0 - rss / tss } else { 0.0 }))
    }
}

/// Validated training data and options.
struct Prepared<'a> {
    table: &'a SynapseTable,
    trials: &'a [DendriticTrainingTrial],
    kernels: PspKernels,
    e_bins: DistanceBins,
    i_bins: DistanceBins,
    options: &'a DendriticFitOptions,
}

fn validate<'a>(
    table: &'a SynapseTable,
    receptors: &Receptors,
    trials: &'a [DendriticTrainingTrial],
    options: &'a DendriticFitOptions,
) -> Result<Prepared<'a>, DendriticFitError> {
    let mismatch = |field: String, problem: String| DendriticFitError::Mismatch { field, problem };
    for (i, s) in table.synapses.iter().enumerate() {
        if s.id != i {
            return Err(mismatch(
                format!("synapses[{i}].id"),
                format!("is {}, must equal its row {i}", s.id),
            ));
        }
    }
    InvalidValue::check(
        "exclude_before_spike_ms",
        Requirement::NonNegative,
        options.exclude_before_spike_ms,
    )?;
    InvalidValue::check(
        "refractory_ms",
        Requirement::Positive,
        options.refractory_ms,
    )?;
    InvalidValue::check(
        "regression_dt_ms",
        Requirement::Positive,
        options.regression_dt_ms,
    )?;
    let h = &options.history_edges_ms;
    if h.len() < 2
        || h.iter().any(|e| !e.is_finite())
        || h.windows(2).any(|w| w[1] <= w[0])
        || h[0] < options.refractory_ms
    {
        return Err(mismatch(
            "history_edges_ms".into(),
            format!(
                "{h:?}: needs ≥ 2 finite, strictly increasing edges, the first ≥ refractory_ms \
                 ({} ms)",
                options.refractory_ms
            ),
        ));
    }
    let mut any_voltage = false;
    let mut any_spike = false;
    for (k, t) in trials.iter().enumerate() {
        InvalidValue::check(
            &format!("trials[{k}].sample_dt_s"),
            Requirement::Positive,
            t.sample_dt_s,
        )?;
        InvalidValue::check(
            &format!("trials[{k}].duration_s"),
            Requirement::Positive,
            t.duration_s,
        )?;
        check_events(table, &t.events, &format!("trials[{k}].events"))?;
        if t.voltage_mv.len() != t.spikes_s.len() {
            return Err(mismatch(
                format!("trials[{k}].spikes_s"),
                format!(
                    "{} repeats, but voltage_mv has {}",
                    t.spikes_s.len(),
                    t.voltage_mv.len()
                ),
            ));
        }
        for (r, (v, s)) in t.voltage_mv.iter().zip(&t.spikes_s).enumerate() {
            InvalidValue::check_all_finite(&format!("trials[{k}].voltage_mv[{r}]"), v)?;
            let span = v.len() as f64 * t.sample_dt_s;
            for (j, &x) in s.iter().enumerate() {
                if !(x.is_finite() && x >= 0.0 && x < span) || (j > 0 && x <= s[j - 1]) {
                    return Err(mismatch(
                        format!("trials[{k}].spikes_s[{r}][{j}]"),
                        format!(
                            "{x} s: spike times must increase and lie in the recording [0, {span})"
                        ),
                    ));
                }
            }
            any_voltage |= v.len() > 1;
            any_spike |= !s.is_empty();
        }
    }
    if !any_voltage {
        return Err(DendriticFitError::NoTrainingData);
    }
    if !any_spike {
        return Err(DendriticFitError::NoSpikes);
    }
    Ok(Prepared {
        table,
        trials,
        kernels: PspKernels::from_receptors(receptors, options.membrane_tau_ms)?,
        e_bins: DistanceBins::new("excitatory_edges_um", &options.excitatory_edges_um)?,
        i_bins: DistanceBins::new("inhibitory_edges_um", &options.inhibitory_edges_um)?,
        options,
    })
}

fn check_events(
    table: &SynapseTable,
    events: &EventTable,
    field: &str,
) -> Result<(), DendriticFitError> {
    if events.times_ms.len() != table.synapses.len() {
        return Err(DendriticFitError::Mismatch {
            field: field.into(),
            problem: format!(
                "lists {} synapses, the synapse table {}",
                events.times_ms.len(),
                table.synapses.len()
            ),
        });
    }
    for (id, times) in events.times_ms.iter().enumerate() {
        for &t in times {
            InvalidValue::check(
                &format!("{field}.times_ms[{id}]"),
                Requirement::NonNegative,
                t,
            )?;
        }
    }
    Ok(())
}

impl Prepared<'_> {
    fn routing(&self, integration: &Integration) -> Routing {
        Routing::new(integration, self.table, &self.e_bins, &self.i_bins)
    }

    /// Column count of the regression: 1 + excitatory bins + inhibitory bins + history bins.
    fn columns(&self) -> usize {
        1 + self.e_bins.len() + self.i_bins.len() + self.options.history_edges_ms.len() - 1
    }

    /// Runs every regression sample of the training data through `visit(drive, row_tail, v)`:
    /// the targets' drives, the history counts of the repeat, and the recorded voltage.
    fn for_each_regression_sample(
        &self,
        routing: &Routing,
        mut visit: impl FnMut(&[f64], &[f64], f64),
    ) {
        let o = self.options;
        let k = o.history_edges_ms.len() - 1;
        let mut counts = vec![0.0; k];
        for t in self.trials {
            let dt_ms = t.sample_dt_s * 1e3;
            let stride = ((o.regression_dt_ms / dt_ms).round() as usize).max(1);
            let n = t.voltage_mv.iter().map(Vec::len).max().unwrap_or(0);
            let usable: Vec<Vec<bool>> = t
                .voltage_mv
                .iter()
                .zip(&t.spikes_s)
                .map(|(v, s)| usable_samples(v.len(), s, dt_ms, stride, o))
                .collect();
            let mut histories: Vec<History> = t
                .spikes_s
                .iter()
                .map(|_| History {
                    edges_ms: o.history_edges_ms.clone(),
                    spikes_ms: Vec::new(),
                })
                .collect();
            let mut next_spike = vec![0usize; t.spikes_s.len()];
            let mut sweep =
                DriveSweep::for_trial(self.table, &t.events, routing, &self.kernels, dt_ms);
            for i in 0..n {
                let drive = sweep.advance();
                if i % stride != 0 {
                    continue;
                }
                let t_ms = i as f64 * dt_ms;
                for (r, v) in t.voltage_mv.iter().enumerate() {
                    let spikes = &t.spikes_s[r];
                    while spikes.get(next_spike[r]).is_some_and(|&s| s * 1e3 <= t_ms) {
                        histories[r].spikes_ms.push(spikes[next_spike[r]] * 1e3);
                        next_spike[r] += 1;
                    }
                    if usable[r].get(i) == Some(&true) {
                        histories[r].counts(t_ms, &mut counts);
                        visit(drive, &counts, v[i]);
                    }
                }
            }
        }
    }

    /// One normal-equation system per candidate integration, accumulated in one pass.
    fn regress(&self, candidates: &[Integration]) -> Vec<NormalEquations> {
        let routing = self.routing(&candidates[0]);
        let p = self.columns();
        let n_e = self.e_bins.len();
        let n_inputs = n_e + self.i_bins.len();
        let mut systems = vec![NormalEquations::new(p); candidates.len()];
        let mut row = vec![0.0; p];
        row[0] = 1.0;
        self.for_each_regression_sample(&routing, |drive, counts, v| {
            row[1 + n_inputs..].copy_from_slice(counts);
            for (c, ls) in candidates.iter().zip(systems.iter_mut()) {
                soma_inputs(c, &routing, n_e, drive, &mut row[1..1 + n_inputs]);
                ls.add(&row, v);
            }
        });
        systems
    }

    /// The model with integration `integration` and the voltage coefficients `beta`, threshold
    /// not yet fitted.
    fn model(&self, integration: Integration, beta: &[f64], r_squared: f64) -> DendriticModel {
        let n_e = self.e_bins.len();
        let n_i = self.i_bins.len();
        DendriticModel {
            integration,
            kernels: self.kernels,
            excitatory_bins: self.e_bins.clone(),
            inhibitory_bins: self.i_bins.clone(),
            rest_mv: beta[0],
            excitatory_weights: beta[1..1 + n_e].to_vec(),
            inhibitory_weights_mv_per_us: beta[1 + n_e..1 + n_e + n_i].to_vec(),
            history_edges_ms: self.options.history_edges_ms.clone(),
            eta_mv: beta[1 + n_e + n_i..].to_vec(),
            refractory_ms: self.options.refractory_ms,
            threshold_mv: 0.0,
            delta_v_mv: 1.0,
            r_squared,
        }
    }
}

/// Samples on the stride grid outside [spike − before, spike + refractory).
fn usable_samples(
    n: usize,
    spikes_s: &[f64],
    dt_ms: f64,
    stride: usize,
    o: &DendriticFitOptions,
) -> Vec<bool> {
    let mut usable: Vec<bool> = (0..n).map(|i| i % stride == 0).collect();
    for &s in spikes_s {
        let s_ms = s * 1e3;
        let from = ((s_ms - o.exclude_before_spike_ms) / dt_ms).ceil().max(0.0) as usize;
        let to = (((s_ms + o.refractory_ms) / dt_ms).ceil().max(0.0) as usize).min(n);
        if from < to {
            usable[from..to].fill(false);
        }
    }
    usable
}

/// Fits the linear-integration baseline (module docs) to `trials` of the cell whose synapses
/// are `table`, with the receptor kinetics `receptors`.
///
/// # Errors
/// [`DendriticFitError`]: invalid inputs or options, no training data, no spikes, a singular
/// regression, a threshold that does not increase with V.
pub fn fit_linear(
    table: &SynapseTable,
    receptors: &Receptors,
    trials: &[DendriticTrainingTrial],
    options: &DendriticFitOptions,
) -> Result<DendriticModel, DendriticFitError> {
    let data = validate(table, receptors, trials, options)?;
    let ls = data.regress(&[Integration::Linear]);
    let (beta, r2) = ls[0].solve("linear voltage regression")?;
    let mut model = data.model(Integration::Linear, &beta, r2);
    fit_threshold(&data, &mut model)?;
    Ok(model)
}

/// Fits the two-layer baseline (module docs): the branch non-linearity's (θ, s) by grid search
/// on the R² of the voltage regression, then the threshold.
///
/// # Errors
/// As [`fit_linear`]; also if no synapse is excitatory.
pub fn fit_two_layer(
    table: &SynapseTable,
    receptors: &Receptors,
    trials: &[DendriticTrainingTrial],
    options: &DendriticFitOptions,
) -> Result<DendriticModel, DendriticFitError> {
    const STAGE: &str = "two-layer voltage regression";
    let data = validate(table, receptors, trials, options)?;
    let probe = Integration::TwoLayer {
        threshold_us: 1.0,
        width_us: 1.0,
    };
    let routing = data.routing(&probe);
    let mut x_max: f64 = 0.0;
    data.for_each_regression_sample(&routing, |drive, _, _| {
        for &x in &drive[..routing.n_branches()] {
            x_max = x_max.max(x);
        }
    });
    if x_max <= 0.0 {
        return Err(DendriticFitError::Singular {
            stage: STAGE,
            why: "no excitatory branch receives any training input".into(),
        });
    }
    let log_grid = |(lo, hi): (f64, f64)| -> Vec<f64> {
        (0..GRID_POINTS)
            .map(|i| x_max * lo * (hi / lo).powf(i as f64 / (GRID_POINTS - 1) as f64))
            .collect()
    };
    let mut thresholds = log_grid(THRESHOLD_GRID);
    let mut widths = log_grid(WIDTH_GRID);
    let mut ratios = [
        (THRESHOLD_GRID.1 / THRESHOLD_GRID.0).powf(1.0 / (GRID_POINTS - 1) as f64),
        (WIDTH_GRID.1 / WIDTH_GRID.0).powf(1.0 / (GRID_POINTS - 1) as f64),
    ];
    let mut best: Option<(Integration, Vec<f64>, f64)> = None;
    for round in 0..=ZOOM_ROUNDS {
        let candidates: Vec<Integration> = thresholds
            .iter()
            .flat_map(|&threshold_us| {
                widths.iter().map(move |&width_us| Integration::TwoLayer {
                    threshold_us,
                    width_us,
                })
            })
            .collect();
        let systems = data.regress(&candidates);
        for (c, ls) in candidates.iter().zip(&systems) {
            // A shape whose branch outputs are all ~0 on the training data makes its columns
            // vanish or collinear: skip it, another candidate will do.
            if let Ok((beta, r2)) = ls.solve(STAGE)
                && best.as_ref().is_none_or(|b| r2 > b.2)
            {
                best = Some((*c, beta, r2));
            }
        }
        let Some((
            Integration::TwoLayer {
                threshold_us,
                width_us,
            },
            ..,
        )) = best
        else {
            return Err(DendriticFitError::Singular {
                stage: STAGE,
                why: "every candidate branch non-linearity gives a singular regression".into(),
            });
        };
        if round == ZOOM_ROUNDS {
            break;
        }
        ratios = ratios.map(f64::sqrt);
        let zoom = |centre: f64, ratio: f64| -> Vec<f64> {
            (-2..=2).map(|i| centre * ratio.powi(i)).collect()
        };
        thresholds = zoom(threshold_us, ratios[0]);
        widths = zoom(width_us, ratios[1]);
    }
    let (integration, beta, r2) = best.expect("set in the first round");
    let mut model = data.model(integration, &beta, r2);
    fit_threshold(&data, &mut model)?;
    Ok(model)
}

/// One free step of the escape process: model voltage (mV), free time (s), spike or not.
struct Observation {
    v_mv: f64,
    exposure_s: f64,
    spike: bool,
}

/// Stage 2 of the fit: t_ref, then (V_T, ΔV) by maximum likelihood with the recorded spikes
/// imposed.
fn fit_threshold(data: &Prepared<'_>, model: &mut DendriticModel) -> Result<(), DendriticFitError> {
    let min_isi_ms = data
        .trials
        .iter()
        .flat_map(|t| &t.spikes_s)
        .flat_map(|s| s.windows(2).map(|w| (w[1] - w[0]) * 1e3))
        .fold(f64::INFINITY, f64::min);
    model.refractory_ms = data.options.refractory_ms.min(min_isi_ms);
    let routing = data.routing(&model.integration);
    let mut observations = Vec::new();
    for t in data.trials {
        for (v, spikes) in t.voltage_mv.iter().zip(&t.spikes_s) {
            let v_hat = model.run(
                data.table,
                &routing,
                &t.events,
                v.len(),
                t.sample_dt_s,
                &mut ImposedSpikes {
                    times_s: spikes,
                    next: 0,
                },
            );
            let dt_s = t.sample_dt_s;
            let mut next = 0;
            let mut free_from_s = 0.0;
            for (n, &v_mv) in v_hat.iter().enumerate() {
                let (start, end) = (n as f64 * dt_s, (n + 1) as f64 * dt_s);
                let mut spike = false;
                while spikes.get(next).is_some_and(|&s| s < end) {
                    if spikes[next] >= free_from_s {
                        spike = true;
                    }
                    next += 1;
                }
                let from = start.max(free_from_s);
                if end > from {
                    observations.push(Observation {
                        v_mv,
                        exposure_s: end - from,
                        spike,
                    });
                }
                if spike {
                    free_from_s = spikes[next - 1] + model.refractory_ms * 1e-3;
                }
            }
        }
    }
    let n_spikes = observations.iter().filter(|o| o.spike).count();
    if n_spikes == 0 {
        return Err(DendriticFitError::NoSpikes);
    }
    let [b0, b1] = maximise_likelihood(&observations, n_spikes)?;
    if b1 <= 0.0 {
        return Err(DendriticFitError::Unphysical {
            field: "delta_v_mv",
            value: b1.recip(),
            why: "the spike probability must increase with the model voltage",
        });
    }
    model.delta_v_mv = b1.recip();
    model.threshold_mv = (LAMBDA0_HZ.ln() - b0) / b1;
    Ok(())
}

/// log L(β) = Σ_spike log(1 − e^{−z}) − Σ_other z, z = Δt·exp(β₀ + β₁V); −∞ on overflow.
fn log_likelihood(observations: &[Observation], beta: [f64; 2]) -> f64 {
    let mut total = 0.0;
    for o in observations {
        let z = o.exposure_s * (beta[0] + beta[1] * o.v_mv).exp();
        if !z.is_finite() {
            return f64::NEG_INFINITY;
        }
        total += if o.spike { (-(-z).exp_m1()).ln() } else { -z };
    }
    total
}

/// Newton's method with backtracking from the constant-rate solution.
fn maximise_likelihood(
    observations: &[Observation],
    n_spikes: usize,
) -> Result<[f64; 2], DendriticFitError> {
    const STAGE: &str = "escape-rate likelihood";
    let exposure: f64 = observations.iter().map(|o| o.exposure_s).sum();
    let mut beta = [(n_spikes as f64 / exposure).ln(), 0.0];
    let mut current = log_likelihood(observations, beta);
    for _ in 0..NEWTON_MAX_STEPS {
        // d/du of each term with u = β₀ + β₁V, z = Δt·e^u: spike: z/(e^z − 1) and
        // z((e^z − 1) − z e^z)/(e^z − 1)²; silent: −z, −z. Chain rule: ∂u/∂β = (1, V).
        let (mut g, mut h) = ([0.0; 2], [0.0; 3]);
        for o in observations {
            let z = o.exposure_s * (beta[0] + beta[1] * o.v_mv).exp();
            let (d1, d2) = if o.spike && z < 1e-8 {
                (1.0 - 0.5 * z, -0.5 * z)
            } else if o.spike {
                let em1 = z.exp_m1();
                (z / em1, z * (em1 - z * (em1 + 1.0)) / (em1 * em1))
            } else {
                (-z, -z)
            };
            g[0] += d1;
            g[1] += d1 * o.v_mv;
            h[0] -= d2;
            h[1] -= d2 * o.v_mv;
            h[2] -= d2 * o.v_mv * o.v_mv;
        }
        // Newton step: solve [[h0, h1], [h1, h2]] s = g (the negated Hessian is positive
        // definite for a concave likelihood).
        let det = h[0] * h[2] - h[1] * h[1];
        if !(det > 0.0 && h[0] > 0.0) {
            return Err(DendriticFitError::Singular {
                stage: STAGE,
                why: "the model voltage does not vary over the free steps".into(),
            });
        }
        let step = [
            (h[2] * g[0] - h[1] * g[1]) / det,
            (h[0] * g[1] - h[1] * g[0]) / det,
        ];
        let mut scale = 1.0;
        let (next_beta, next) = loop {
            let trial = [beta[0] + scale * step[0], beta[1] + scale * step[1]];
            let value = log_likelihood(observations, trial);
            if value >= current {
                break (trial, value);
            }
            scale *= 0.5;
            if scale < 1e-10 {
                return Ok(beta);
            }
        };
        let gain = next - current;
        beta = next_beta;
        current = next;
        if gain < NEWTON_TOLERANCE {
            return Ok(beta);
        }
    }
    Err(DendriticFitError::NotConverged {
        stage: STAGE,
        steps: NEWTON_MAX_STEPS,
    })
}

/// Decides the spikes of a model run.
trait SpikeRule {
    /// Called once per step `step_s` = [start, end) with the model voltage at its start; the cell
    /// is refractory until `free_from_s`. Appends the step's spike times to `out`.
    fn spikes(
        &mut self,
        v_mv: f64,
        step_s: (f64, f64),
        free_from_s: f64,
        model: &DendriticModel,
        out: &mut Vec<f64>,
    );
}

/// The recorded spikes, imposed (fitting): every recorded spike of the step, refractory or
/// not, as the voltage regression counted them.
struct ImposedSpikes<'a> {
    times_s: &'a [f64],
    next: usize,
}

impl SpikeRule for ImposedSpikes<'_> {
    fn spikes(
        &mut self,
        _: f64,
        (_, end_s): (f64, f64),
        _: f64,
        _: &DendriticModel,
        out: &mut Vec<f64>,
    ) {
        while let Some(&t) = self.times_s.get(self.next).filter(|&&t| t < end_s) {
            out.push(t);
            self.next += 1;
        }
    }
}

/// Escape noise from a seeded generator (prediction): a spike in the free part of the step
/// with probability 1 − exp(−λΔt), placed at its middle.
struct EscapeNoise(rand_chacha::ChaCha8Rng);

impl SpikeRule for EscapeNoise {
    fn spikes(
        &mut self,
        v_mv: f64,
        (start_s, end_s): (f64, f64),
        free_from_s: f64,
        model: &DendriticModel,
        out: &mut Vec<f64>,
    ) {
        let from_s = start_s.max(free_from_s);
        let free_s = end_s - from_s;
        if free_s <= 0.0 {
            return;
        }
        let rate_hz = LAMBDA0_HZ * ((v_mv - model.threshold_mv) / model.delta_v_mv).exp();
        let probability = -(-rate_hz * free_s).exp_m1();
        if self.0.random::<f64>() < probability {
            out.push(from_s + 0.5 * free_s);
        }
    }
}

impl DendriticModel {
    /// The model voltage V̂ at `n_samples` samples, spikes decided by `rule`; the spikes are
    /// recorded into the after-potential history as they occur.
    fn run(
        &self,
        table: &SynapseTable,
        routing: &Routing,
        events: &EventTable,
        n_samples: usize,
        sample_dt_s: f64,
        rule: &mut dyn SpikeRule,
    ) -> Vec<f64> {
        self.run_with_spikes(table, routing, events, n_samples, sample_dt_s, rule)
            .0
    }

    fn run_with_spikes(
        &self,
        table: &SynapseTable,
        routing: &Routing,
        events: &EventTable,
        n_samples: usize,
        sample_dt_s: f64,
        rule: &mut dyn SpikeRule,
    ) -> (Vec<f64>, Vec<f64>) {
        let dt_ms = sample_dt_s * 1e3;
        let n_e = self.excitatory_bins.len();
        let n_inputs = n_e + self.inhibitory_bins.len();
        let mut inputs = vec![0.0; n_inputs];
        let mut counts = vec![0.0; self.eta_mv.len()];
        let mut history = History {
            edges_ms: self.history_edges_ms.clone(),
            spikes_ms: Vec::new(),
        };
        let mut sweep = DriveSweep::for_trial(table, events, routing, &self.kernels, dt_ms);
        let mut v_hat = Vec::with_capacity(n_samples);
        let mut spikes = Vec::new();
        let mut free_from_s = 0.0;
        for n in 0..n_samples {
            let drive = sweep.advance();
            soma_inputs(&self.integration, routing, n_e, drive, &mut inputs);
            history.counts(n as f64 * dt_ms, &mut counts);
            let v = self.rest_mv
                + dot(&self.excitatory_weights, &inputs[..n_e])
                + dot(&self.inhibitory_weights_mv_per_us, &inputs[n_e..])
                + dot(&self.eta_mv, &counts);
            v_hat.push(v);
            let start = n as f64 * sample_dt_s;
            let before = spikes.len();
            rule.spikes(
                v,
                (start, start + sample_dt_s),
                free_from_s,
                self,
                &mut spikes,
            );
            for &t in &spikes[before..] {
                history.spikes_ms.push(t * 1e3);
                free_from_s = t + self.refractory_ms * 1e-3;
            }
        }
        (v_hat, spikes)
    }

    /// The model voltage V̂ (mV) at `n_samples` samples of `sample_dt_s` for `events`, with
    /// `spikes_s` imposed as the cell's own spikes (what the threshold fit uses; for
    /// diagnostics and tests).
    ///
    /// # Errors
    /// [`DendriticFitError`] if the events do not match the table or the step is invalid.
    pub fn voltage(
        &self,
        table: &SynapseTable,
        events: &EventTable,
        spikes_s: &[f64],
        n_samples: usize,
        sample_dt_s: f64,
    ) -> Result<Vec<f64>, DendriticFitError> {
        InvalidValue::check("sample_dt_s", Requirement::Positive, sample_dt_s)?;
        check_events(table, events, "events")?;
        Ok(self.run(
            table,
            &self.routing(table),
            events,
            n_samples,
            sample_dt_s,
            &mut ImposedSpikes {
                times_s: spikes_s,
                next: 0,
            },
        ))
    }

    /// `repeats` predicted spike trains (s) for `events` over `duration_s`, simulated at
    /// `sample_dt_s`; repeat k uses the escape noise of `derive_seed(seed, "repeat", k)`.
    ///
    /// # Errors
    /// [`DendriticFitError`] if the events do not match the table or a value is invalid.
    pub fn predict(
        &self,
        table: &SynapseTable,
        events: &EventTable,
        duration_s: f64,
        sample_dt_s: f64,
        repeats: usize,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, DendriticFitError> {
        InvalidValue::check("duration_s", Requirement::Positive, duration_s)?;
        InvalidValue::check("sample_dt_s", Requirement::Positive, sample_dt_s)?;
        check_events(table, events, "events")?;
        let routing = self.routing(table);
        let n = (duration_s / sample_dt_s).round() as usize;
        Ok((0..repeats as u64)
            .map(|k| {
                let mut rule = EscapeNoise(rng_from_seed(derive_seed(seed, "repeat", k)));
                self.run_with_spikes(table, &routing, events, n, sample_dt_s, &mut rule)
                    .1
            })
            .collect())
    }

    fn routing(&self, table: &SynapseTable) -> Routing {
        Routing::new(
            &self.integration,
            table,
            &self.excitatory_bins,
            &self.inhibitory_bins,
        )
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact data y = 2 + 3x₁ − x₂ with a zero column: β = (2, 3, −1, 0), R² = 1.
    #[test]
    fn normal_equations_recover_exact_data_and_skip_empty_columns() {
        let mut ls = NormalEquations::new(4);
        for i in 0..5 {
            for j in 0..4 {
                let (x1, x2) = (f64::from(i), f64::from(j * j));
                ls.add(&[1.0, x1, x2, 0.0], 2.0 + 3.0 * x1 - x2);
            }
        }
        let (beta, r2) = ls.solve("test").unwrap();
        for (b, e) in beta.iter().zip([2.0, 3.0, -1.0, 0.0]) {
            assert!((b - e).abs() < 1e-10, "{beta:?}");
        }
        assert!((r2 - 1.0).abs() < 1e-12, "{r2}");
    }

    #[test]
    fn collinear_columns_are_singular_and_named() {
        let mut ls = NormalEquations::new(3);
        for i in 0..10 {
            let x = f64::from(i);
            ls.add(&[1.0, x, 2.0 * x], x);
        }
        let err = ls.solve("stage x").unwrap_err().to_string();
        assert!(
            err.starts_with("stage x: the regression is singular"),
            "{err}"
        );
    }

    /// Constant rate: 10 spike steps and 990 silent ones of 1 ms: the Bernoulli MLE has
    /// e^z − 1 = 10/990, λ = ln(1 + 10/990)/1 ms = 10.0503 Hz, whatever V (constant here, so
    /// β₁ is not identifiable and the Hessian is singular: the error says so).
    #[test]
    fn constant_voltage_cannot_identify_the_threshold() {
        let obs: Vec<Observation> = (0..1000)
            .map(|i| Observation {
                v_mv: -60.0,
                exposure_s: 1e-3,
                spike: i % 100 == 0,
            })
            .collect();
        let err = maximise_likelihood(&obs, 10).unwrap_err().to_string();
        assert!(err.contains("does not vary"), "{err}");
    }
}
