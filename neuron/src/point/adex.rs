//! Adaptive exponential integrate-and-fire neuron (AdEx; Brette & Gerstner 2005,
//! J Neurophysiol 94:3637) with intrinsic Ornstein–Uhlenbeck current noise.
//!
//! C dV/dt = −g_L (V − E_L) + g_L Δ_T exp((V − V_T)/Δ_T) − w + I(t) + η(t)
//! τ_w dw/dt = a (V − E_L) − w
//! at V ≥ V_peak: spike, V ← V_reset, w ← w + b, then V is held at V_reset for t_ref.
//!
//! Why the noise: the ground truth of an injected-current challenge needs repeats of one frozen
//! stimulus that differ the way recorded repeats do (channel noise, synaptic background). η is an
//! OU current (std σ_η, correlation time τ_η) drawn from its own seeded stream, so the frozen
//! stimulus and the neuron's noise are independent and each repeat has its own seed. The
//! deterministic part is integrated by forward Euler at dt (see [`crate::point`]); η by its exact
//! OU update (Gillespie 1996), starting from its stationary distribution. V starts at E_L, w at 0.

use super::integrate::{Dynamics, ResetRule, integrate, threshold_crossing};
use super::{ModelError, PointResponse, check_input, param};
use crate::rng::rng_from_seed;
use crate::stimulus::{OrnsteinUhlenbeck, Requirement};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Parameters of an AdEx neuron with intrinsic OU current noise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdExParams {
    /// Membrane capacitance C, pF (> 0).
    pub c_pf: f64,
    /// Leak conductance g_L, nS (> 0).
    pub g_l_ns: f64,
    /// Leak reversal potential E_L, mV.
    pub e_l_mv: f64,
    /// Threshold slope factor location V_T, mV.
    pub v_t_mv: f64,
    /// Slope factor Δ_T, mV (> 0).
    pub delta_t_mv: f64,
    /// Subthreshold adaptation conductance a, nS.
    pub a_ns: f64,
    /// Adaptation time constant τ_w, ms (> 0).
    pub tau_w_ms: f64,
    /// Spike-triggered adaptation increment b, pA.
    pub b_pa: f64,
    /// Reset potential, mV (< V_peak).
    pub v_reset_mv: f64,
    /// Spike detection (cut-off) potential V_peak, mV.
    pub v_peak_mv: f64,
    /// Absolute refractory period, ms (≥ 0).
    pub t_ref_ms: f64,
    /// Stationary standard deviation σ_η of the intrinsic OU noise current, nA (≥ 0).
    pub noise_std_na: f64,
    /// Correlation time τ_η of the intrinsic noise, ms (> 0).
    pub noise_tau_ms: f64,
}

impl AdExParams {
    /// Checks every field; the error names the first one out of range.
    ///
    /// # Errors
    /// [`ModelError`] naming the field.
    pub fn validate(&self) -> Result<(), ModelError> {
        param("c_pf", Requirement::Positive, self.c_pf)?;
        param("g_l_ns", Requirement::Positive, self.g_l_ns)?;
        param("e_l_mv", Requirement::Finite, self.e_l_mv)?;
        param("v_t_mv", Requirement::Finite, self.v_t_mv)?;
        param("delta_t_mv", Requirement::Positive, self.delta_t_mv)?;
        param("a_ns", Requirement::Finite, self.a_ns)?;
        param("tau_w_ms", Requirement::Positive, self.tau_w_ms)?;
        param("b_pa", Requirement::Finite, self.b_pa)?;
        param("v_reset_mv", Requirement::Finite, self.v_reset_mv)?;
        param("v_peak_mv", Requirement::Finite, self.v_peak_mv)?;
        param("t_ref_ms", Requirement::NonNegative, self.t_ref_ms)?;
        param("noise_std_na", Requirement::NonNegative, self.noise_std_na)?;
        param("noise_tau_ms", Requirement::Positive, self.noise_tau_ms)?;
        if self.v_reset_mv >= self.v_peak_mv {
            return Err(ModelError::ResetNotBelowThreshold {
                v_reset_mv: self.v_reset_mv,
                threshold_field: "v_peak_mv",
                threshold_mv: self.v_peak_mv,
            });
        }
        Ok(())
    }

    /// The deterministic membrane current balance C·dV/dt in pA at (V mV, w pA, input pA):
    /// −g_L(V − E_L) + g_L Δ_T exp((V − V_T)/Δ_T) − w + I.
    pub(super) fn membrane_current_pa(&self, v_mv: f64, w_pa: f64, input_pa: f64) -> f64 {
        let spike_current =
            self.g_l_ns * self.delta_t_mv * ((v_mv - self.v_t_mv) / self.delta_t_mv).exp();
        -self.g_l_ns * (v_mv - self.e_l_mv) + spike_current - w_pa + input_pa
    }
}

/// AdEx state beyond V: the adaptation current and the intrinsic noise.
struct AdExDynamics<'a> {
    p: &'a AdExParams,
    current_na: &'a [f64],
    dt_ms: f64,
    w_pa: f64,
    noise: OrnsteinUhlenbeck,
    rng: ChaCha8Rng,
}

impl Dynamics for AdExDynamics<'_> {
    fn derivative(&mut self, i: usize, v_mv: f64) -> f64 {
        // The noise value for step i: stationary draw at i = 0, one exact OU step after.
        let eta_na = if i == 0 {
            self.noise.draw_stationary(&mut self.rng)
        } else {
            self.noise.step(&mut self.rng)
        };
        let input_pa = (self.current_na[i] + eta_na) * 1e3;
        let slope = self.p.membrane_current_pa(v_mv, self.w_pa, input_pa) / self.p.c_pf;
        self.w_pa +=
            self.dt_ms / self.p.tau_w_ms * (self.p.a_ns * (v_mv - self.p.e_l_mv) - self.w_pa);
        slope
    }

    fn spike_time(
        &mut self,
        _: usize,
        v: f64,
        v_new: f64,
        from_s: f64,
        free_s: f64,
    ) -> Option<f64> {
        threshold_crossing(self.p.v_peak_mv, v, v_new, from_s, free_s)
    }

    fn on_spike(&mut self, _t_spike_s: f64) {
        self.w_pa += self.p.b_pa;
    }
}

/// Simulates an AdEx neuron driven by `current_na` (nA, one sample per `dt_s` seconds) plus its
/// intrinsic noise drawn from `seed`. With `noise_std_na = 0` the result does not depend on the
/// seed.
///
/// # Errors
/// [`ModelError`] naming the parameter, `dt_s` or `current_na[i]` if out of range.
///
/// # Examples
/// ```
/// use arena_neuron::point::{AdExParams, simulate_adex};
/// let p = AdExParams { c_pf: 200.0, g_l_ns: 10.0, e_l_mv: -70.0, v_t_mv: -50.0,
///     delta_t_mv: 2.0, a_ns: 2.0, tau_w_ms: 100.0, b_pa: 40.0, v_reset_mv: -58.0,
///     v_peak_mv: 0.0, t_ref_ms: 2.0, noise_std_na: 0.05, noise_tau_ms: 5.0 };
/// let a = simulate_adex(&p, &vec![0.35; 20_000], 1e-4, 1)?;
/// let b = simulate_adex(&p, &vec![0.35; 20_000], 1e-4, 2)?;
/// assert!(!a.spikes_s.is_empty());
/// assert_ne!(a, b); // different intrinsic noise
/// # Ok::<(), arena_neuron::point::ModelError>(())
/// ```
pub fn simulate_adex(
    p: &AdExParams,
    current_na: &[f64],
    dt_s: f64,
    seed: u64,
) -> Result<PointResponse, ModelError> {
    p.validate()?;
    check_input(current_na, dt_s)?;
    let noise = OrnsteinUhlenbeck::new(p.noise_tau_ms * 1e-3, 0.0, p.noise_std_na, dt_s)?;
    let mut dynamics = AdExDynamics {
        p,
        current_na,
        dt_ms: dt_s * 1e3,
        w_pa: 0.0,
        noise,
        rng: rng_from_seed(seed),
    };
    let rule = ResetRule {
        v_init_mv: p.e_l_mv,
        v_reset_mv: p.v_reset_mv,
        t_ref_s: p.t_ref_ms * 1e-3,
    };
    Ok(integrate(&mut dynamics, rule, current_na.len(), dt_s))
}
