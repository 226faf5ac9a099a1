//! Generalized integrate-and-fire neuron with escape noise (GIF; Mensi et al. 2012,
//! J Neurophysiol 107:1756; Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275), and the
//! members of its family that the DRN baselines need.
//!
//! C dV/dt = −g_L (V − E_L) + I(t) − Σ_{t̂ < t} η(t − t̂) [− g_K n (V − E_K)] [− ḡ_A m_∞(V) h (V − E_K)]
//! λ(t) = λ₀ exp((V(t) − V_T(t))/ΔV),  V_T(t) = V_T* + Σ_{t̂ < t} γ(t − t̂) [+ θ(t)],  λ₀ = 1 Hz
//! after a spike V ← V_reset, held for t_ref.
//!
//! η (spike-triggered current, pA; positive = hyperpolarising) and γ (spike-triggered threshold
//! movement, mV) are step functions on a shared set of bins [e_k, e_{k+1}) of time since the
//! spike, the rectangular basis Pozzorini et al. fit them on.
//!
//! Why escape noise: spikes are emitted at random with probability 1 − exp(−λ·Δt) in each free
//! step of length Δt, so K runs with different seeds give K different repeats, and the fit is a
//! spike-train likelihood. V is integrated by forward Euler with the shared loop
//! ([`crate::point`]); λ uses V and V_T at the start of the free part of the step; a spike is
//! placed at the middle of that part. λ₀ is fixed (it only shifts V_T*).
//!
//! The bracketed terms are optional, each a field of [`GifParams`]:
//! - g_K n (V − E_K), the subthreshold voltage-dependent potassium current of the GIF-K
//!   ([`KCurrent`]). Dorsal-raphe serotonergic neurons delay and space their spikes through
//!   such a current, which a spike-triggered η cannot express: it acts before the first spike as
//!   much as after it. Its form is the one of the GIF-K code base of the laboratory that
//!   recorded the `drn-frozen-noise` cells (apayeur/GIF-K, `src/GIF_K.py`): one gate with an
//!   exponential steady state and a fixed time constant.
//! - ḡ_A m_∞(V) h (V − E_K), the A-type potassium current of the augmented GIF (aGIF) of that
//!   laboratory's published study of dorsal-raphe neurons (Harkin et al. 2023, eLife
//!   12:e72951; [`ACurrent`]): instantaneous Boltzmann activation, Boltzmann inactivation h
//!   with a time constant.
//! - θ, the voltage-dependent dynamic threshold of the inactivating GIF (iGIF; Mensi et al.
//!   2016, PLoS Comput Biol 12:e1004761; [`ThresholdCoupling`]): θ relaxes towards a nonlinear
//!   function θ_∞(V), so the threshold follows slow depolarisations (sodium inactivation) and
//!   the cell fires on fast rises of V rather than on its level.
//!
//! The gated currents share one step rule ([`GatedCurrent`]), which the fits also use to build
//! their regressors from the recorded voltage.

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::escape::{escape_rate_hz, escape_spike};
use super::integrate::{Dynamics, ResetRule, integrate};
use super::{ModelError, PointResponse, check_input, param};
use crate::rng::rng_from_seed;
use crate::stimulus::Requirement;

/// Escape rate at V = V_T, Hz.
pub const LAMBDA0_HZ: f64 = 1.0;

/// Parameters of a GIF neuron with escape noise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GifParams {
    /// Membrane capacitance C, pF (> 0).
    pub c_pf: f64,
    /// Leak conductance g_L, nS (> 0).
    pub g_l_ns: f64,
    /// Leak reversal potential E_L, mV.
    pub e_l_mv: f64,
    /// Reset potential, mV.
    pub v_reset_mv: f64,
    /// Absolute refractory period, ms (≥ 0).
    pub t_ref_ms: f64,
    /// Baseline threshold V_T*, mV (where λ = λ₀ = 1 Hz without threshold movement).
    pub v_t_star_mv: f64,
    /// Threshold sharpness ΔV, mV (> 0).
    pub delta_v_mv: f64,
    /// Bin edges e_0 < e_1 < … < e_K of time since a spike, ms (e_0 ≥ 0).
    pub kernel_edges_ms: Vec<f64>,
    /// η on each bin, pA (K values).
    pub eta_pa: Vec<f64>,
    /// γ on each bin, mV (K values).
    pub gamma_mv: Vec<f64>,
    /// The subthreshold potassium current of the GIF-K; `None` for the plain GIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_current: Option<KCurrent>,
    /// The A-type potassium current of the aGIF; `None` for the plain GIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_current: Option<ACurrent>,
    /// The voltage-dependent threshold θ of the iGIF; `None` for the plain GIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_coupling: Option<ThresholdCoupling>,
}

/// x + (Δt/τ)(target − x): one forward-Euler step of τ dx/dt = target − x over `dt_s` seconds
/// with `tau_ms` in ms. Every slow variable of the family (gates, θ) takes it, in the simulator
/// and in the fits' regressors alike.
fn relax(x: f64, target: f64, dt_s: f64, tau_ms: f64) -> f64 {
    x + dt_s * 1e3 / tau_ms * (target - x)
}

/// A potassium current of the GIF family with one gate x relaxing to x_∞(V) with a fixed time
/// constant, and an instantaneous activation factor a_∞(V): I = g a_∞(V) x (V − E_K), pA
/// (positive = outward). The simulator starts x at x_∞(E_L) and advances it by
/// [`GatedCurrent::step`] from the V at the start of each step, after computing the current;
/// [`GatedCurrent::unit_current_trace`] runs the same recursion on a voltage trace for the fits.
pub trait GatedCurrent {
    /// The conductance scale g, nS.
    fn conductance_ns(&self) -> f64;
    /// The reversal potential E_K, mV.
    fn reversal_mv(&self) -> f64;
    /// The gate's time constant, ms.
    fn tau_ms(&self) -> f64;
    /// The gate's steady state x_∞(V) at `v_mv` (mV), dimensionless.
    fn gate_inf(&self, v_mv: f64) -> f64;
    /// The instantaneous activation a_∞(V) at `v_mv` (mV), dimensionless (1 without one).
    fn activation(&self, v_mv: f64) -> f64;

    /// I = g a_∞(V) x (V − E_K), pA (positive = outward), at gate value `x` and `v_mv`.
    fn current_pa(&self, x: f64, v_mv: f64) -> f64 {
        self.conductance_ns() * self.activation(v_mv) * x * (v_mv - self.reversal_mv())
    }

    /// One forward-Euler step of the gate over `dt_s` seconds from `x` at `v_mv`:
    /// x + (dt/τ)(x_∞(V) − x).
    fn step(&self, x: f64, v_mv: f64, dt_s: f64) -> f64 {
        relax(x, self.gate_inf(v_mv), dt_s, self.tau_ms())
    }

    /// The gate at every sample of `voltage_mv` (one per `dt_s` seconds): x₀ = x_∞(V₀),
    /// x_{i+1} = [`GatedCurrent::step`] from x_i at V_i, the recursion the simulator runs.
    fn gate_trace(&self, voltage_mv: &[f64], dt_s: f64) -> Vec<f64> {
        let Some(&v0) = voltage_mv.first() else {
            return Vec::new();
        };
        let mut x = self.gate_inf(v0);
        voltage_mv
            .iter()
            .map(|&v| {
                let now = x;
                x = self.step(x, v, dt_s);
                now
            })
            .collect()
    }

    /// The current per unit conductance, a_∞(V_i) x_i (V_i − E_K), mV (= pA/nS), at every
    /// sample of `voltage_mv` with x from [`GatedCurrent::gate_trace`]: the regressor of g in a
    /// fit's dV/dt regression.
    fn unit_current_trace(&self, voltage_mv: &[f64], dt_s: f64) -> Vec<f64> {
        let e_k = self.reversal_mv();
        self.gate_trace(voltage_mv, dt_s)
            .iter()
            .zip(voltage_mv)
            .map(|(&x, &v)| self.activation(v) * x * (v - e_k))
            .collect()
    }
}

/// A voltage-dependent potassium current I_K = g_K n (V − E_K) with one gate n obeying
/// τ_n dn/dt = n_∞(V) − n, n_∞(V) = exp(k_n V) (V in mV; apayeur/GIF-K `src/GIF_K.py`).
///
/// n_∞ is the foot of a Boltzmann activation, valid below threshold where the GIF's V lives;
/// its scale is absorbed by g_K. n starts at n_∞(V(0)) and is advanced by forward Euler with
/// the V at the start of each step, in the fit's regressors as in the simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KCurrent {
    /// Conductance scale g_K, nS (≥ 0): the conductance at n = 1, i.e. at V = 0 mV in steady
    /// state.
    pub g_k_ns: f64,
    /// Reversal potential E_K, mV.
    pub e_k_mv: f64,
    /// Activation steepness k_n, 1/mV (finite).
    pub n_slope_per_mv: f64,
    /// Gate time constant τ_n, ms (> 0).
    pub tau_n_ms: f64,
}

impl KCurrent {
    /// n_∞(V) = exp(k_n V), dimensionless.
    pub fn n_inf(&self, v_mv: f64) -> f64 {
        (self.n_slope_per_mv * v_mv).exp()
    }

    fn validate(&self) -> Result<(), ModelError> {
        param("k_current.g_k_ns", Requirement::NonNegative, self.g_k_ns)?;
        param("k_current.e_k_mv", Requirement::Finite, self.e_k_mv)?;
        param(
            "k_current.n_slope_per_mv",
            Requirement::Finite,
            self.n_slope_per_mv,
        )?;
        param("k_current.tau_n_ms", Requirement::Positive, self.tau_n_ms)?;
        Ok(())
    }
}

impl GatedCurrent for KCurrent {
    fn conductance_ns(&self) -> f64 {
        self.g_k_ns
    }
    fn reversal_mv(&self) -> f64 {
        self.e_k_mv
    }
    fn tau_ms(&self) -> f64 {
        self.tau_n_ms
    }
    fn gate_inf(&self, v_mv: f64) -> f64 {
        self.n_inf(v_mv)
    }
    /// No instantaneous activation: 1.
    fn activation(&self, _: f64) -> f64 {
        1.0
    }
}

/// A Boltzmann steady state A / (1 + exp(−k (V − V½))), dimensionless: activating for k > 0,
/// inactivating for k < 0 (the parametrisation of Harkin et al. 2023's code,
/// nauralcodinglab/raphegif `grr/AugmentedGIF.py`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Boltzmann {
    /// Amplitude A (finite).
    pub amplitude: f64,
    /// Slope k, 1/mV (finite).
    pub slope_per_mv: f64,
    /// Half-activation potential V½, mV (finite).
    pub v_half_mv: f64,
}

impl Boltzmann {
    /// A / (1 + exp(−k (V − V½))) at `v_mv` (mV).
    pub fn at(&self, v_mv: f64) -> f64 {
        self.amplitude / (1.0 + (-self.slope_per_mv * (v_mv - self.v_half_mv)).exp())
    }

    fn validate(&self, field: &str) -> Result<(), ModelError> {
        for (name, value) in [
            ("amplitude", self.amplitude),
            ("slope_per_mv", self.slope_per_mv),
            ("v_half_mv", self.v_half_mv),
        ] {
            param(&format!("{field}.{name}"), Requirement::Finite, value)?;
        }
        Ok(())
    }
}

/// The A-type (transient) potassium current of the aGIF (Harkin et al. 2023, eLife 12:e72951):
/// I_A = ḡ_A m_∞(V) h (V − E_K), activation m instantaneous, inactivation h with
/// τ_h dh/dt = h_∞(V) − h ([`GatedCurrent`]: gate h, activation m_∞). In 5-HT neurons of the
/// dorsal raphe it activates below threshold and inactivates over tens of ms, so it delays the
/// first spikes after a depolarisation from rest (Harkin et al. 2023).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ACurrent {
    /// Maximal conductance ḡ_A, nS (≥ 0).
    pub g_a_ns: f64,
    /// Reversal potential E_K, mV.
    pub e_k_mv: f64,
    /// Activation steady state m_∞(V).
    pub m_inf: Boltzmann,
    /// Inactivation steady state h_∞(V).
    pub h_inf: Boltzmann,
    /// Inactivation time constant τ_h, ms (> 0).
    pub tau_h_ms: f64,
}

impl ACurrent {
    fn validate(&self) -> Result<(), ModelError> {
        param("a_current.g_a_ns", Requirement::NonNegative, self.g_a_ns)?;
        param("a_current.e_k_mv", Requirement::Finite, self.e_k_mv)?;
        self.m_inf.validate("a_current.m_inf")?;
        self.h_inf.validate("a_current.h_inf")?;
        param("a_current.tau_h_ms", Requirement::Positive, self.tau_h_ms)?;
        Ok(())
    }
}

impl GatedCurrent for ACurrent {
    fn conductance_ns(&self) -> f64 {
        self.g_a_ns
    }
    fn reversal_mv(&self) -> f64 {
        self.e_k_mv
    }
    fn tau_ms(&self) -> f64 {
        self.tau_h_ms
    }
    /// h_∞(V).
    fn gate_inf(&self, v_mv: f64) -> f64 {
        self.h_inf.at(v_mv)
    }
    /// m_∞(V).
    fn activation(&self, v_mv: f64) -> f64 {
        self.m_inf.at(v_mv)
    }
}

/// The iGIF's voltage-dependent threshold (Mensi et al. 2016, PLoS Comput Biol 12:e1004761,
/// their nonparametric form): V_T gains θ with τ_θ dθ/dt = θ_∞(V) − θ, where θ_∞ is a step
/// function of V on voltage bins, and θ is set to 0 at each spike. The bins are
/// [e_r, e_{r+1}) for r < R − 1 and [e_{R−1}, ∞) for the last; below e_0, θ_∞ = 0.
///
/// θ is advanced every step like the gates ([`ThresholdCoupling::step`]), from θ = 0 at the
/// start; the escape rate of a step uses the θ of its start. During the refractory period V
/// sits at V_reset; the fit puts e_0 above V_reset, so θ stays at 0 there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCoupling {
    /// Time constant τ_θ, ms (> 0).
    pub tau_theta_ms: f64,
    /// Lower edges of the voltage bins e_0 < … < e_{R−1}, mV (R ≥ 1).
    pub v_edges_mv: Vec<f64>,
    /// θ_∞ on each bin, mV (R values).
    pub theta_inf_mv: Vec<f64>,
}

/// The bin r of `v_mv` among lower edges `edges_mv` (e_r ≤ V < e_{r+1}, the last open above),
/// or `None` below e_0.
fn voltage_bin(edges_mv: &[f64], v_mv: f64) -> Option<usize> {
    edges_mv.iter().rposition(|&e| v_mv >= e)
}

impl ThresholdCoupling {
    /// θ_∞(V) at `v_mv`, mV.
    pub fn theta_inf_at(&self, v_mv: f64) -> f64 {
        voltage_bin(&self.v_edges_mv, v_mv).map_or(0.0, |r| self.theta_inf_mv[r])
    }

    /// One forward-Euler step of θ over `dt_s` seconds from `theta_mv` at `v_mv`:
    /// θ + (dt/τ_θ)(θ_∞(V) − θ).
    pub fn step(&self, theta_mv: f64, v_mv: f64, dt_s: f64) -> f64 {
        relax(theta_mv, self.theta_inf_at(v_mv), dt_s, self.tau_theta_ms)
    }

    fn validate(&self) -> Result<(), ModelError> {
        param(
            "threshold_coupling.tau_theta_ms",
            Requirement::Positive,
            self.tau_theta_ms,
        )?;
        let edges = &self.v_edges_mv;
        let problem = if edges.is_empty() {
            Some("needs at least one edge".to_owned())
        } else if edges.iter().any(|e| !e.is_finite()) {
            Some("edges must be finite".to_owned())
        } else if edges.windows(2).any(|w| w[1] <= w[0]) {
            Some("edges must be strictly increasing".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ModelError::Kernel {
                field: "threshold_coupling.v_edges_mv",
                problem,
            });
        }
        let values = &self.theta_inf_mv;
        let problem = if values.len() != edges.len() {
            Some(format!(
                "has {} values for {} bins",
                values.len(),
                edges.len()
            ))
        } else {
            values
                .iter()
                .position(|v| !v.is_finite())
                .map(|index| format!("value {index} is not finite"))
        };
        match problem {
            Some(problem) => Err(ModelError::Kernel {
                field: "threshold_coupling.theta_inf_mv",
                problem,
            }),
            None => Ok(()),
        }
    }
}

/// The θ of each bin alone (θ_∞ = 1 on bin r, 0 elsewhere) at every sample of `voltage_mv`
/// (one per `dt_s` seconds), row-major n × R for lower edges `edges_mv`: θ_r starts at 0, takes
/// [`ThresholdCoupling::step`]'s recursion from V_i, and is set to 0 after each step listed in
/// `spike_steps` (the steps holding a spike, increasing). θ is linear in θ_∞, so the θ of a
/// coupling with values b_r is Σ_r b_r θ_r: these are the regressors of the b_r in the iGIF's
/// likelihood.
pub(super) fn threshold_bin_traces(
    edges_mv: &[f64],
    tau_theta_ms: f64,
    voltage_mv: &[f64],
    spike_steps: &[usize],
    dt_s: f64,
) -> Vec<f64> {
    let r = edges_mv.len();
    let mut traces = vec![0.0; voltage_mv.len() * r];
    let mut theta = vec![0.0; r];
    let mut spikes = spike_steps.iter().peekable();
    for (i, &v) in voltage_mv.iter().enumerate() {
        traces[i * r..(i + 1) * r].copy_from_slice(&theta);
        let bin = voltage_bin(edges_mv, v);
        for (b, t) in theta.iter_mut().enumerate() {
            *t = relax(*t, f64::from(u8::from(bin == Some(b))), dt_s, tau_theta_ms);
        }
        let mut spiked = false;
        while spikes.next_if(|&&s| s <= i).is_some() {
            spiked = true;
        }
        if spiked {
            theta.fill(0.0);
        }
    }
    traces
}

impl GifParams {
    /// Checks every field; the error names the first one out of range.
    ///
    /// # Errors
    /// [`ModelError`] naming the field.
    pub fn validate(&self) -> Result<(), ModelError> {
        param("c_pf", Requirement::Positive, self.c_pf)?;
        param("g_l_ns", Requirement::Positive, self.g_l_ns)?;
        param("e_l_mv", Requirement::Finite, self.e_l_mv)?;
        param("v_reset_mv", Requirement::Finite, self.v_reset_mv)?;
        param("t_ref_ms", Requirement::NonNegative, self.t_ref_ms)?;
        param("v_t_star_mv", Requirement::Finite, self.v_t_star_mv)?;
        param("delta_v_mv", Requirement::Positive, self.delta_v_mv)?;
        KernelBins::new(&self.kernel_edges_ms)?;
        if let Some(k_current) = &self.k_current {
            k_current.validate()?;
        }
        if let Some(a_current) = &self.a_current {
            a_current.validate()?;
        }
        if let Some(coupling) = &self.threshold_coupling {
            coupling.validate()?;
        }
        let k = self.kernel_edges_ms.len() - 1;
        for (field, values) in [("eta_pa", &self.eta_pa), ("gamma_mv", &self.gamma_mv)] {
            if values.len() != k {
                return Err(ModelError::Kernel {
                    field,
                    problem: format!("has {} values for {k} bins", values.len()),
                });
            }
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::Kernel {
                    field,
                    problem: format!("value {index} is not finite"),
                });
            }
        }
        Ok(())
    }
}

/// Rectangular bins of time since a spike, s.
#[derive(Clone, Debug)]
pub(super) struct KernelBins {
    edges_s: Vec<f64>,
}

impl KernelBins {
    /// Bins from edges in ms: at least two, finite, e_0 ≥ 0, strictly increasing.
    pub fn new(edges_ms: &[f64]) -> Result<Self, ModelError> {
        let problem = if edges_ms.len() < 2 {
            Some("needs at least two edges".to_owned())
        } else if edges_ms.iter().any(|e| !e.is_finite()) || edges_ms[0] < 0.0 {
            Some("edges must be finite and the first ≥ 0".to_owned())
        } else if edges_ms.windows(2).any(|w| w[1] <= w[0]) {
            Some("edges must be strictly increasing".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ModelError::Kernel {
                field: "kernel_edges_ms",
                problem,
            });
        }
        Ok(Self {
            edges_s: edges_ms.iter().map(|e| e * 1e-3).collect(),
        })
    }

    /// Number of bins K.
    pub fn len(&self) -> usize {
        self.edges_s.len() - 1
    }

    /// The end of the last bin, s: older spikes have no effect.
    pub fn support_s(&self) -> f64 {
        self.edges_s[self.len()]
    }

    /// The bin k with e_k ≤ `lag_s` < e_{k+1}, if any.
    pub fn bin(&self, lag_s: f64) -> Option<usize> {
        if lag_s < self.edges_s[0] {
            return None;
        }
        self.edges_s.windows(2).position(|w| lag_s < w[1])
    }

    /// For each sample i (time i·dt) the number of `spikes_s` in each bin of lag i·dt − t̂,
    /// row-major n × K. Uses [`KernelBins::bin`] on exactly the lag the simulator computes.
    pub fn history_counts(&self, spikes_s: &[f64], n: usize, dt_s: f64) -> Vec<f64> {
        let k = self.len();
        let mut counts = vec![0.0; n * k];
        for &t_hat in spikes_s {
            let first = ((t_hat / dt_s).floor().max(0.0) as usize).min(n);
            let last = (((t_hat + self.support_s()) / dt_s).ceil() as usize + 1).min(n);
            for i in first..last {
                if let Some(bin) = self.bin(i as f64 * dt_s - t_hat) {
                    counts[i * k + bin] += 1.0;
                }
            }
        }
        counts
    }
}

/// How a GIF run decides its spikes.
pub(super) enum SpikeSource<'a> {
    /// Escape noise drawn from a seeded generator (simulation).
    Escape(Box<ChaCha8Rng>),
    /// The recorded spikes, imposed (fitting): a spike in each step listed in `steps` at the
    /// matching time.
    Imposed {
        /// The step of each spike, increasing.
        steps: &'a [usize],
        /// The spike times, s.
        times_s: &'a [f64],
    },
}

/// GIF state: the spike history and the current threshold.
struct GifDynamics<'a> {
    p: &'a GifParams,
    bins: KernelBins,
    current_na: &'a [f64],
    dt_s: f64,
    history: VecDeque<f64>,
    v_t_mv: f64,
    source: SpikeSource<'a>,
    next_imposed: usize,
    /// The K-current gate n (GIF-K only).
    n_gate: f64,
    /// The A-current inactivation h (aGIF only).
    h_gate: f64,
    /// The dynamic threshold θ, mV (iGIF only; 0 otherwise).
    theta_mv: f64,
}

/// The current of an optional gated current at `v_mv` with gate `x`, pA (0 without one); the
/// gate is then advanced one step of `dt_s` seconds.
fn gated_current_pa<G: GatedCurrent>(
    current: Option<&G>,
    x: &mut f64,
    v_mv: f64,
    dt_s: f64,
) -> f64 {
    current.map_or(0.0, |c| {
        let pa = c.current_pa(*x, v_mv);
        *x = c.step(*x, v_mv, dt_s);
        pa
    })
}

/// The gate's starting value x_∞(E_L) of an optional gated current (0 without one).
fn resting_gate<G: GatedCurrent>(current: Option<&G>, e_l_mv: f64) -> f64 {
    current.map_or(0.0, |c| c.gate_inf(e_l_mv))
}

impl Dynamics for GifDynamics<'_> {
    fn derivative(&mut self, i: usize, v_mv: f64) -> f64 {
        let t_s = i as f64 * self.dt_s;
        while self
            .history
            .front()
            .is_some_and(|&t_hat| t_s - t_hat >= self.bins.support_s())
        {
            self.history.pop_front();
        }
        let (mut eta_pa, mut gamma_mv) = (0.0, 0.0);
        for &t_hat in &self.history {
            if let Some(k) = self.bins.bin(t_s - t_hat) {
                eta_pa += self.p.eta_pa[k];
                gamma_mv += self.p.gamma_mv[k];
            }
        }
        self.v_t_mv = self.p.v_t_star_mv + gamma_mv + self.theta_mv;
        if let Some(coupling) = &self.p.threshold_coupling {
            self.theta_mv = coupling.step(self.theta_mv, v_mv, self.dt_s);
        }
        let input_pa = self.current_na[i] * 1e3;
        let (p, dt_s) = (self.p, self.dt_s);
        let k_pa = gated_current_pa(p.k_current.as_ref(), &mut self.n_gate, v_mv, dt_s);
        let a_pa = gated_current_pa(p.a_current.as_ref(), &mut self.h_gate, v_mv, dt_s);
        (-p.g_l_ns * (v_mv - p.e_l_mv) + input_pa - eta_pa - k_pa - a_pa) / p.c_pf
    }

    fn spike_time(&mut self, i: usize, v: f64, _: f64, from_s: f64, free_s: f64) -> Option<f64> {
        match &mut self.source {
            SpikeSource::Escape(rng) => {
                let rate_hz = escape_rate_hz(v, self.v_t_mv, self.p.delta_v_mv);
                escape_spike(rng, rate_hz, from_s, free_s)
            }
            SpikeSource::Imposed { steps, times_s } => {
                // Skip imposed spikes that fell into a clamped step (never with data whose
                // refractory period was estimated from the same spikes).
                while steps.get(self.next_imposed).is_some_and(|&s| s < i) {
                    self.next_imposed += 1;
                }
                let k = self.next_imposed;
                (steps.get(k) == Some(&i)).then(|| {
                    self.next_imposed += 1;
                    times_s[k]
                })
            }
        }
    }

    fn on_spike(&mut self, t_spike_s: f64) {
        self.history.push_back(t_spike_s);
        self.theta_mv = 0.0;
    }
}

/// Runs the GIF with the given spike source.
pub(super) fn run_gif(
    p: &GifParams,
    current_na: &[f64],
    dt_s: f64,
    source: SpikeSource<'_>,
) -> Result<PointResponse, ModelError> {
    p.validate()?;
    check_input(current_na, dt_s)?;
    let mut dynamics = GifDynamics {
        p,
        bins: KernelBins::new(&p.kernel_edges_ms)?,
        current_na,
        dt_s,
        history: VecDeque::new(),
        v_t_mv: p.v_t_star_mv,
        source,
        next_imposed: 0,
        n_gate: resting_gate(p.k_current.as_ref(), p.e_l_mv),
        h_gate: resting_gate(p.a_current.as_ref(), p.e_l_mv),
        theta_mv: 0.0,
    };
    let rule = ResetRule {
        v_init_mv: p.e_l_mv,
        v_reset_mv: p.v_reset_mv,
        t_ref_s: p.t_ref_ms * 1e-3,
    };
    Ok(integrate(&mut dynamics, rule, current_na.len(), dt_s))
}

/// Simulates a GIF neuron driven by `current_na` (nA, one sample per `dt_s` seconds), with
/// escape noise drawn from `seed`: each seed gives one repeat.
///
/// # Errors
/// [`ModelError`] naming the parameter, `dt_s` or `current_na[i]` if out of range.
///
/// # Examples
/// ```
/// use arena_neuron::point::{GifParams, simulate_gif};
/// let p = GifParams { c_pf: 200.0, g_l_ns: 10.0, e_l_mv: -70.0, v_reset_mv: -55.0,
///     t_ref_ms: 2.0, v_t_star_mv: -52.0, delta_v_mv: 1.0,
///     kernel_edges_ms: vec![0.0, 10.0, 100.0], eta_pa: vec![50.0, 10.0],
///     gamma_mv: vec![8.0, 2.0], k_current: None, a_current: None,
///     threshold_coupling: None };
/// let a = simulate_gif(&p, &vec![0.3; 20_000], 1e-4, 1)?;
/// let b = simulate_gif(&p, &vec![0.3; 20_000], 1e-4, 2)?;
/// assert!(!a.spikes_s.is_empty());
/// assert_ne!(a.spikes_s, b.spikes_s);
/// # Ok::<(), arena_neuron::point::ModelError>(())
/// ```
pub fn simulate_gif(
    p: &GifParams,
    current_na: &[f64],
    dt_s: f64,
    seed: u64,
) -> Result<PointResponse, ModelError> {
    run_gif(
        p,
        current_na,
        dt_s,
        SpikeSource::Escape(Box::new(rng_from_seed(seed))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_half_open_intervals() {
        let bins = KernelBins::new(&[0.0, 5.0, 10.0]).unwrap();
        assert_eq!(bins.len(), 2);
        assert_eq!(bins.bin(-1e-9), None);
        assert_eq!(bins.bin(0.0), Some(0));
        assert_eq!(bins.bin(0.004_999), Some(0));
        assert_eq!(bins.bin(0.005), Some(1));
        assert_eq!(bins.bin(0.010), None);
        assert!(KernelBins::new(&[0.0, 5.0, 5.0]).is_err());
        assert!(KernelBins::new(&[-1.0, 5.0]).is_err());
    }

    /// V = 0, 10, 10 mV, k_n = 0.1/mV, τ_n = 1 ms, dt = 0.1 ms: n₀ = e⁰ = 1, n₁ = n₀ + 0.1·(e⁰ − 1)
    /// = 1 (the step uses V₀), n₂ = 1 + 0.1·(e¹ − 1) = 1.171 828 18.
    #[test]
    fn the_k_gate_follows_the_euler_recursion() {
        let k = KCurrent {
            g_k_ns: 1.0,
            e_k_mv: -100.0,
            n_slope_per_mv: 0.1,
            tau_n_ms: 1.0,
        };
        let n = k.gate_trace(&[0.0, 10.0, 10.0], 1e-4);
        assert_eq!(n[..2], [1.0, 1.0]);
        assert!((n[2] - 1.171_828_182_845_904_5).abs() < 1e-12, "{n:?}");
        assert!(k.gate_trace(&[], 1e-4).is_empty());
    }

    /// The aGIF kinetics of Harkin et al. 2023, τ_h = 10 ms, dt = 0.1 ms (Δt/τ_h = 0.01),
    /// V = −60, −50, −50 mV. h₀ = h_∞(−60) = 1.03/(1 + e^{0.165·(−0.8)}) = 0.548 940 73;
    /// h₁ = h₀ (the step from V₀ starts in steady state); h₂ = h₁ + 0.01·(h_∞(−50) − h₁) with
    /// h_∞(−50) = 1.03/(1 + e^{0.165·9.2}) = 0.185 148 90, so h₂ = 0.545 302 81. The current per
    /// unit conductance m_∞(V) h (V + 101) with m_∞(−60) = 1.61/(1 + e^{0.0985·36.3}) =
    /// 0.043 852 17 and m_∞(−50) = 0.112 296 03: 0.986 962 00, 3.143 837 17, 3.123 002 45 mV.
    #[test]
    fn the_a_gate_follows_the_euler_recursion() {
        let boltzmann = |amplitude, slope_per_mv, v_half_mv| Boltzmann {
            amplitude,
            slope_per_mv,
            v_half_mv,
        };
        let a = ACurrent {
            g_a_ns: 2.0,
            e_k_mv: -101.0,
            m_inf: boltzmann(1.61, 0.0985, -23.7),
            h_inf: boltzmann(1.03, -0.165, -59.2),
            tau_h_ms: 10.0,
        };
        let v = [-60.0, -50.0, -50.0];
        let h = a.gate_trace(&v, 1e-4);
        for (got, want) in h.iter().zip([0.548_940_73, 0.548_940_73, 0.545_302_81]) {
            assert!((got - want).abs() < 1e-8, "{h:?}");
        }
        let unit = a.unit_current_trace(&v, 1e-4);
        for (got, want) in unit.iter().zip([0.986_962_00, 3.143_837_17, 3.123_002_45]) {
            assert!((got - want).abs() < 1e-8, "{unit:?}");
        }
        assert!((a.current_pa(h[2], -50.0) - 2.0 * 3.123_002_45).abs() < 1e-7);
    }

    /// Bins from −60 and −50 mV, τ_θ = 1 ms, dt = 0.1 ms (Δt/τ_θ = 0.1), V = −55, −55, −45,
    /// −70, −45 mV, a spike in step 2. θ(0) = (0, 0); step 0 (bin 0): θ(1) = (0.1, 0); step 1:
    /// θ(2) = (0.1 + 0.1·0.9, 0) = (0.19, 0); step 2 holds the spike: θ(3) = (0, 0); step 3
    /// (below the bins): θ(4) = (0, 0). With θ_∞ = (2, 5) the scalar recursion the simulator
    /// runs gives 0, 0.2, 0.38 = 2·0.19: θ is the sum of the bins' traces.
    #[test]
    fn threshold_bin_traces_by_hand() {
        let traces = threshold_bin_traces(
            &[-60.0, -50.0],
            1.0,
            &[-55.0, -55.0, -45.0, -70.0, -45.0],
            &[2],
            1e-4,
        );
        let want = [0.0, 0.0, 0.1, 0.0, 0.19, 0.0, 0.0, 0.0, 0.0, 0.0];
        for (got, want) in traces.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{traces:?}");
        }
        let coupling = ThresholdCoupling {
            tau_theta_ms: 1.0,
            v_edges_mv: vec![-60.0, -50.0],
            theta_inf_mv: vec![2.0, 5.0],
        };
        let mut theta = 0.0;
        for (i, v) in [-55.0, -55.0].into_iter().enumerate() {
            theta = coupling.step(theta, v, 1e-4);
            let sum = 2.0 * traces[2 * (i + 1)] + 5.0 * traces[2 * (i + 1) + 1];
            assert!((theta - sum).abs() < 1e-12, "{theta} vs {sum}");
        }
        assert_eq!(voltage_bin(&[-60.0, -50.0], -60.0), Some(0));
        assert_eq!(voltage_bin(&[-60.0, -50.0], -60.000_1), None);
        assert_eq!(voltage_bin(&[-60.0, -50.0], 30.0), Some(1));
    }

    /// In the simulator the escape rate of step i sees θ_i, the value before the step's own
    /// update, and a spike sets θ to 0: with θ_∞ = 4 mV at −60 mV and Δt/τ_θ = 0.1, V_T is
    /// V_T*, V_T* + 0.4, then V_T* again after a spike.
    #[test]
    fn theta_enters_the_threshold_and_resets_at_a_spike() {
        let p = GifParams {
            c_pf: 100.0,
            g_l_ns: 5.0,
            e_l_mv: -60.0,
            v_reset_mv: -60.0,
            t_ref_ms: 0.0,
            v_t_star_mv: -50.0,
            delta_v_mv: 1.0,
            kernel_edges_ms: vec![0.0, 1.0],
            eta_pa: vec![0.0],
            gamma_mv: vec![0.0],
            k_current: None,
            a_current: None,
            threshold_coupling: Some(ThresholdCoupling {
                tau_theta_ms: 1.0,
                v_edges_mv: vec![-65.0],
                theta_inf_mv: vec![4.0],
            }),
        };
        let current = [0.0; 4];
        let mut dynamics = GifDynamics {
            p: &p,
            bins: KernelBins::new(&p.kernel_edges_ms).unwrap(),
            current_na: &current,
            dt_s: 1e-4,
            history: VecDeque::new(),
            v_t_mv: p.v_t_star_mv,
            source: SpikeSource::Imposed {
                steps: &[],
                times_s: &[],
            },
            next_imposed: 0,
            n_gate: 0.0,
            h_gate: 0.0,
            theta_mv: 0.0,
        };
        let mut thresholds = Vec::new();
        for i in 0..3 {
            dynamics.derivative(i, -60.0);
            thresholds.push(dynamics.v_t_mv);
            if i == 1 {
                dynamics.on_spike(1.5e-4);
            }
        }
        assert!((thresholds[0] + 50.0).abs() < 1e-12, "{thresholds:?}");
        assert!((thresholds[1] + 49.6).abs() < 1e-12, "{thresholds:?}");
        assert!((thresholds[2] + 50.0).abs() < 1e-12, "{thresholds:?}");
    }

    /// One spike at 0.25 ms, dt = 0.1 ms, bins [0, 0.2) and [0.2, 0.5) ms: samples at 0.3 and
    /// 0.4 ms (lags 0.05, 0.15 ms) are in bin 0; 0.5, 0.6, 0.7 ms (lags 0.25–0.45) in bin 1.
    #[test]
    fn history_counts_by_hand() {
        let bins = KernelBins::new(&[0.0, 0.2, 0.5]).unwrap();
        let c = bins.history_counts(&[0.000_25], 10, 1e-4);
        let expected = [
            [0.0, 0.0],
            [0.0, 0.0],
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [0.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
            [0.0, 0.0],
        ];
        for (i, row) in expected.iter().enumerate() {
            assert_eq!(&c[2 * i..2 * i + 2], row, "sample {i}");
        }
    }
}
