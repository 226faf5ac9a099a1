//! Generalized integrate-and-fire neuron with escape noise (GIF; Mensi et al. 2012,
//! J Neurophysiol 107:1756; Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275).
//!
//! C dV/dt = −g_L (V − E_L) + I(t) − Σ_{t̂ < t} η(t − t̂)
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
        (-self.p.g_l_ns * (v_mv - self.p.e_l_mv) + input_pa - eta_pa) / self.p.c_pf
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
///     gamma_mv: vec![8.0, 2.0] };
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
