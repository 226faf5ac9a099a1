//! The multi-timescale adaptive threshold (MAT) model (Kobayashi, Tsubo & Shinomoto 2009,
//! Front Comput Neurosci 3:9): a non-resetting leaky integrator and a threshold that jumps
//! after each spike and relaxes on two time scales.
//!
//! τ_m dV/dt = −(V − E_L) + R I(t)                         (V is never reset)
//! θ(t) = ω + Σ_{t_k < t} Σ_j α_j exp(−(t − t_k)/τ_j),  j = 1, 2
//! a spike is emitted when V(t) ≥ θ(t), except within t_ref of the previous spike.
//!
//! Why it is a baseline: it won the 2009 INCF spike-time prediction challenge with a handful of
//! parameters; not resetting V means spike generation is purely a threshold process, which
//! makes its fit nearly linear (see [`crate::point::mat_fit`]).
//!
//! Integration: V by forward Euler at dt (like every model here); the threshold components are
//! exact exponentials. Inside a step V − θ is interpolated linearly to place the spike; the
//! threshold jump is applied at the spike time and decayed exactly to the end of the step.

use super::{ModelError, PointResponse, check_input, param};
use crate::stimulus::Requirement;
use serde::{Deserialize, Serialize};

/// Parameters of a MAT neuron.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatParams {
    /// Membrane time constant τ_m, ms (> 0).
    pub tau_m_ms: f64,
    /// Input resistance R, MΩ (> 0); MΩ · nA = mV.
    pub r_mohm: f64,
    /// Resting potential E_L, mV.
    pub e_l_mv: f64,
    /// Resting threshold ω, mV (absolute, on the scale of V).
    pub omega_mv: f64,
    /// Fast threshold jump α₁, mV.
    pub alpha1_mv: f64,
    /// Slow threshold jump α₂, mV.
    pub alpha2_mv: f64,
    /// Fast threshold time constant τ₁, ms (> 0; 10 ms in Kobayashi et al. 2009).
    pub tau1_ms: f64,
    /// Slow threshold time constant τ₂, ms (> 0; 200 ms in Kobayashi et al. 2009).
    pub tau2_ms: f64,
    /// Absolute refractory period, ms (≥ 0; 2 ms in Kobayashi et al. 2009).
    pub t_ref_ms: f64,
}

impl MatParams {
    /// Checks every field; the error names the first one out of range.
    ///
    /// # Errors
    /// [`ModelError`] naming the field.
    pub fn validate(&self) -> Result<(), ModelError> {
        param("tau_m_ms", Requirement::Positive, self.tau_m_ms)?;
        param("r_mohm", Requirement::Positive, self.r_mohm)?;
        param("e_l_mv", Requirement::Finite, self.e_l_mv)?;
        param("omega_mv", Requirement::Finite, self.omega_mv)?;
        param("alpha1_mv", Requirement::Finite, self.alpha1_mv)?;
        param("alpha2_mv", Requirement::Finite, self.alpha2_mv)?;
        param("tau1_ms", Requirement::Positive, self.tau1_ms)?;
        param("tau2_ms", Requirement::Positive, self.tau2_ms)?;
        param("t_ref_ms", Requirement::NonNegative, self.t_ref_ms)?;
        Ok(())
    }
}

/// The non-resetting membrane potential: V_0 = E_L, V_{n+1} = V_n + (dt/τ_m)(−(V_n − E_L) + R I_n).
pub(super) fn mat_voltage(
    tau_m_ms: f64,
    r_mohm: f64,
    e_l_mv: f64,
    current_na: &[f64],
    dt_s: f64,
) -> Vec<f64> {
    let h = dt_s * 1e3 / tau_m_ms;
    let mut v = e_l_mv;
    current_na
        .iter()
        .map(|i| {
            let now = v;
            v += h * (-(v - e_l_mv) + r_mohm * i);
            now
        })
        .collect()
}

/// Simulates a MAT neuron (deterministic) driven by `current_na` (nA, one sample per `dt_s`
/// seconds). `voltage_mv` is the non-resetting V. Crossings are detected between consecutive
/// samples, so the last sample's step emits no spike.
///
/// # Errors
/// [`ModelError`] naming the parameter, `dt_s` or `current_na[i]` if out of range.
///
/// # Examples
/// ```
/// use arena_neuron::point::{MatParams, simulate_mat};
/// let p = MatParams { tau_m_ms: 10.0, r_mohm: 50.0, e_l_mv: -65.0, omega_mv: -55.0,
///     alpha1_mv: 15.0, alpha2_mv: 3.0, tau1_ms: 10.0, tau2_ms: 200.0, t_ref_ms: 2.0 };
/// let r = simulate_mat(&p, &vec![0.4; 10_000], 1e-4)?; // 20 mV of drive for 1 s
/// assert!(r.spikes_s.len() > 5);
/// # Ok::<(), arena_neuron::point::ModelError>(())
/// ```
pub fn simulate_mat(
    p: &MatParams,
    current_na: &[f64],
    dt_s: f64,
) -> Result<PointResponse, ModelError> {
    p.validate()?;
    check_input(current_na, dt_s)?;
    let voltage_mv = mat_voltage(p.tau_m_ms, p.r_mohm, p.e_l_mv, current_na, dt_s);
    let decay = [
        (-dt_s * 1e3 / p.tau1_ms).exp(),
        (-dt_s * 1e3 / p.tau2_ms).exp(),
    ];
    let tau_s = [p.tau1_ms * 1e-3, p.tau2_ms * 1e-3];
    let alpha = [p.alpha1_mv, p.alpha2_mv];
    let t_ref_s = p.t_ref_ms * 1e-3;
    let mut h = [0.0, 0.0];
    let mut spikes_s = Vec::new();
    let mut last_spike_s = f64::NEG_INFINITY;
    for n in 0..voltage_mv.len().saturating_sub(1) {
        let h_next = [h[0] * decay[0], h[1] * decay[1]];
        let gap = voltage_mv[n] - (p.omega_mv + h[0] + h[1]);
        let gap_next = voltage_mv[n + 1] - (p.omega_mv + h_next[0] + h_next[1]);
        h = h_next;
        let (t_start, t_end) = (n as f64 * dt_s, (n + 1) as f64 * dt_s);
        let free_from = t_start.max(last_spike_s + t_ref_s);
        if gap_next < 0.0 || free_from >= t_end {
            continue;
        }
        // Crossing time of the linearly interpolated gap, not before the refractory end.
        let crossing = if gap < 0.0 {
            t_start + dt_s * gap / (gap - gap_next)
        } else {
            t_start
        };
        let t_spike = crossing.max(free_from);
        spikes_s.push(t_spike);
        last_spike_s = t_spike;
        for ((h_j, alpha_j), tau_j) in h.iter_mut().zip(alpha).zip(tau_s) {
            *h_j += alpha_j * (-(t_end - t_spike) / tau_j).exp();
        }
    }
    Ok(PointResponse {
        voltage_mv,
        spikes_s,
    })
}
