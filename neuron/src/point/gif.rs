//! Generalized integrate-and-fire neuron with escape noise (GIF; Mensi et al. 2012,
//! J Neurophysiol 107:1756; Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275).
//!
//! C dV/dt = −g_L (V − E_L) + I(t) − Σ_{t̂ < t} η(t − t̂) [− g_K n (V − E_K)]
//! λ(t) = λ₀ exp((V(t) − V_T(t))/ΔV),  V_T(t) = V_T* + Σ_{t̂ < t} γ(t − t̂),  λ₀ = 1 Hz
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
//! The bracketed term is the optional subthreshold voltage-dependent potassium current of the
//! GIF-K ([`KCurrent`]). Dorsal-raphe serotonergic neurons delay and space their spikes through
//! such a current, which a spike-triggered η cannot express: it acts before the first spike as
//! much as after it. Its form is the one of the GIF-K code base of the laboratory that recorded
//! the `drn-frozen-noise` cells (apayeur/GIF-K, `src/GIF_K.py`; the laboratory's published study
//! of dorsal-raphe neurons, Harkin et al. 2023, eLife 12:e72951, likewise augments the GIF with
//! voltage-gated potassium currents): one gate with an exponential steady state and a fixed
//! time constant.

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

    /// I_K = g_K n (V − E_K), pA (positive = outward), at gate value `n` and `v_mv`.
    pub fn current_pa(&self, n: f64, v_mv: f64) -> f64 {
        self.g_k_ns * n * (v_mv - self.e_k_mv)
    }

    /// One forward-Euler step of the gate over `dt_s` seconds from `n` at `v_mv`:
    /// n + (dt/τ_n)(n_∞(V) − n). The simulator and [`KCurrent::gate_trace`] both take it.
    pub fn step(&self, n: f64, v_mv: f64, dt_s: f64) -> f64 {
        n + dt_s * 1e3 / self.tau_n_ms * (self.n_inf(v_mv) - n)
    }

    /// The gate n at every sample of `voltage_mv` (one per `dt_s` seconds): n₀ = n_∞(V₀),
    /// n_{i+1} = [`KCurrent::step`] from n_i at V_i, the recursion the simulator runs.
    pub fn gate_trace(&self, voltage_mv: &[f64], dt_s: f64) -> Vec<f64> {
        let Some(&v0) = voltage_mv.first() else {
            return Vec::new();
        };
        let mut n = self.n_inf(v0);
        voltage_mv
            .iter()
            .map(|&v| {
                let now = n;
                n = self.step(n, v, dt_s);
                now
            })
            .collect()
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
        self.v_t_mv = self.p.v_t_star_mv + gamma_mv;
        let input_pa = self.current_na[i] * 1e3;
        let k_pa = self.p.k_current.as_ref().map_or(0.0, |k| {
            let current_pa = k.current_pa(self.n_gate, v_mv);
            self.n_gate = k.step(self.n_gate, v_mv, self.dt_s);
            current_pa
        });
        (-self.p.g_l_ns * (v_mv - self.p.e_l_mv) + input_pa - eta_pa - k_pa) / self.p.c_pf
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
        n_gate: p.k_current.as_ref().map_or(0.0, |k| k.n_inf(p.e_l_mv)),
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
///     gamma_mv: vec![8.0, 2.0], k_current: None };
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
