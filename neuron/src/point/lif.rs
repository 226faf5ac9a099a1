//! Leaky integrate-and-fire (LIF) neuron: simulation and fitting to training data.
//!
//! C dV/dt = −g_L (V − E_L) + I(t); when V reaches θ (`v_th_mv`) a spike is emitted, V is set
//! to V_reset and held there for the absolute refractory period t_ref (Lapicque 1907; in this
//! form e.g. Gerstner, Kistler, Naud & Paninski 2014, "Neuronal Dynamics", ch. 1.3).
//!
//! Why the fit works the way it does: between spikes the forward-Euler membrane equation is
//! linear in its parameters, (V_{n+1} − V_n)/dt = g_L E_L / C − (g_L / C) V_n + I_n / C, so the
//! subthreshold parameters follow from one linear regression of dV/dt on V and I (the approach
//! of Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275, restricted to the LIF). The threshold
//! of a LIF is not visible in a real voltage trace (real spikes are smooth), so it is chosen by
//! its consequence: the spike count it produces on the training current.

use super::integrate::{Dynamics, ResetRule, integrate, threshold_crossing};
use super::linalg::LeastSquares;
use super::training::{Exclusion, Recovery, TrainingData};
use super::{FitError, ModelError, PointResponse, check_input, param};
use crate::stimulus::Requirement;
use serde::{Deserialize, Serialize};

/// Parameters of a leaky integrate-and-fire neuron.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LifParams {
    /// Membrane capacitance C, pF (> 0).
    pub c_pf: f64,
    /// Leak conductance g_L, nS (> 0); membrane time constant τ = C/g_L (pF/nS = ms).
    pub g_l_ns: f64,
    /// Leak reversal (resting) potential E_L, mV.
    pub e_l_mv: f64,
    /// Spike threshold θ, mV.
    pub v_th_mv: f64,
    /// Reset potential, mV (< θ).
    pub v_reset_mv: f64,
    /// Absolute refractory period, ms (≥ 0).
    pub t_ref_ms: f64,
}

impl LifParams {
    /// Checks every field; the error names the first one out of range.
    ///
    /// # Errors
    /// [`ModelError`] naming the field.
    pub fn validate(&self) -> Result<(), ModelError> {
        param("c_pf", Requirement::Positive, self.c_pf)?;
        param("g_l_ns", Requirement::Positive, self.g_l_ns)?;
        param("e_l_mv", Requirement::Finite, self.e_l_mv)?;
        param("v_th_mv", Requirement::Finite, self.v_th_mv)?;
        param("v_reset_mv", Requirement::Finite, self.v_reset_mv)?;
        param("t_ref_ms", Requirement::NonNegative, self.t_ref_ms)?;
        if self.v_reset_mv >= self.v_th_mv {
            return Err(ModelError::ResetNotBelowThreshold {
                v_reset_mv: self.v_reset_mv,
                threshold_field: "v_th_mv",
                threshold_mv: self.v_th_mv,
            });
        }
        Ok(())
    }
}

/// The LIF membrane equation with the current in pA.
struct LifDynamics<'a> {
    p: &'a LifParams,
    current_pa: Vec<f64>,
}

impl Dynamics for LifDynamics<'_> {
    fn derivative(&mut self, i: usize, v_mv: f64) -> f64 {
        (-self.p.g_l_ns * (v_mv - self.p.e_l_mv) + self.current_pa[i]) / self.p.c_pf
    }

    fn spike_time(
        &mut self,
        _: usize,
        v: f64,
        v_new: f64,
        from_s: f64,
        free_s: f64,
    ) -> Option<f64> {
        threshold_crossing(self.p.v_th_mv, v, v_new, from_s, free_s)
    }
}

/// Simulates a LIF neuron (deterministic) driven by `current_na` (nA, one sample per `dt_s`
/// seconds), starting at rest (V = E_L). Integration and spike timing: see
/// [`crate::point`] (forward Euler at dt, linear interpolation of the crossing).
///
/// # Errors
/// [`ModelError`] naming the parameter, `dt_s` or `current_na[i]` if out of range.
///
/// # Examples
/// ```
/// use arena_neuron::point::{LifParams, simulate_lif};
/// let p = LifParams { c_pf: 200.0, g_l_ns: 10.0, e_l_mv: -65.0, v_th_mv: -50.0,
///                     v_reset_mv: -60.0, t_ref_ms: 2.0 };
/// // 0.2 nA through R = 100 MΩ is 20 mV of drive: above the 15 mV to threshold.
/// let r = simulate_lif(&p, &vec![0.2; 10_000], 1e-4)?;
/// assert_eq!(r.voltage_mv.len(), 10_000);
/// assert!(!r.spikes_s.is_empty());
/// # Ok::<(), arena_neuron::point::ModelError>(())
/// ```
pub fn simulate_lif(
    p: &LifParams,
    current_na: &[f64],
    dt_s: f64,
) -> Result<PointResponse, ModelError> {
    p.validate()?;
    check_input(current_na, dt_s)?;
    let mut dynamics = LifDynamics {
        p,
        current_pa: current_na.iter().map(|i| i * 1e3).collect(),
    };
    let rule = ResetRule {
        v_init_mv: p.e_l_mv,
        v_reset_mv: p.v_reset_mv,
        t_ref_s: p.t_ref_ms * 1e-3,
    };
    Ok(integrate(&mut dynamics, rule, current_na.len(), dt_s))
}

/// Samples excluded from the LIF's subthreshold regression around each spike. Real and
/// AdEx-like spikes begin their upswing a few ms before the threshold crossing (5 ms covers the
/// exponential term of AdEx with Δ_T ≤ 3 mV), and real spikes are followed by a repolarisation
/// and after-hyperpolarisation (5 ms after the refractory period).
const LIF_EXCLUSION: Exclusion = Exclusion {
    before_spike_s: 5e-3,
    after_refractory_s: 5e-3,
};

/// Fits a LIF neuron to training data: a current, the recorded voltage at the same samples and
/// the recorded spike times (s), with sampling step `dt_s` (s).
///
/// # Procedure
/// 1–2. Reset V_reset and refractory period t_ref: read off the voltage after the spikes
///    (`TrainingData::recovery`): from the clamp in simulated data, from the end of the spike
///    (the trough of the after-hyperpolarisation) in recordings.
/// 3. Subthreshold C, g_L, E_L: ordinary least squares of (V_{n+1} − V_n)/dt on [1, V_n, I_n]
///    over samples away from spikes (excluded: 5 ms before each spike to t_ref + 5 ms after).
///    With coefficients (α, β, γ): C = 1/γ, g_L = −β·C, E_L = −α/β.
/// 4. Threshold θ: simulate the fitted model on the training current; the spike count falls as θ
///    rises. θ is the centre of the interval of thresholds whose count equals the training count
///    (both edges located by bisection to 1e-4 mV); if no threshold gives the exact count, the
///    edge where the count crosses it.
///
/// # Errors
/// [`FitError`] for invalid inputs, too few spikes or samples, a singular regression,
/// unphysical fitted values (C ≤ 0, g_L ≤ 0) or a count no threshold reaches.
pub fn fit_lif(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<LifParams, FitError> {
    let data = TrainingData::new(current_na, voltage_mv, spikes_s, dt_s)?;
    let Recovery {
        t_ref_s,
        v_reset_mv,
    } = data.recovery()?;
    let (c_pf, g_l_ns, e_l_mv) = fit_leak(&data, t_ref_s)?;
    let mut p = LifParams {
        c_pf,
        g_l_ns,
        e_l_mv,
        v_th_mv: f64::NAN,
        v_reset_mv,
        t_ref_ms: t_ref_s * 1e3,
    };
    let v_max_mv = voltage_mv.iter().copied().fold(v_reset_mv, f64::max);
    p.v_th_mv = threshold_matching_count(spikes_s.len(), v_reset_mv, v_max_mv, |v_th_mv| {
        let trial = LifParams {
            v_th_mv,
            ..p.clone()
        };
        simulate_lif(&trial, current_na, dt_s).map(|r| r.spikes_s.len())
    })?;
    Ok(p)
}

/// Subthreshold regression (step 3 of [`fit_lif`]): returns (C pF, g_L nS, E_L mV).
pub(super) fn fit_leak(data: &TrainingData<'_>, t_ref_s: f64) -> Result<(f64, f64, f64), FitError> {
    const STAGE: &str = "subthreshold regression";
    let dt_ms = data.dt_s * 1e3;
    let mut ls = LeastSquares::new(3);
    for (n, usable) in data
        .subthreshold_mask(t_ref_s, LIF_EXCLUSION)
        .into_iter()
        .enumerate()
    {
        if usable {
            let slope = (data.voltage_mv[n + 1] - data.voltage_mv[n]) / dt_ms;
            ls.add(&[1.0, data.voltage_mv[n], data.current_na[n] * 1e3], slope);
        }
    }
    const MIN_SAMPLES: usize = 10;
    if ls.rows() < MIN_SAMPLES {
        return Err(FitError::TooLittleData {
            stage: STAGE,
            unit: "samples away from spikes",
            needed: MIN_SAMPLES,
            got: ls.rows(),
        });
    }
    let beta = ls.solve().ok_or(FitError::Singular { stage: STAGE })?;
    let (alpha, b_v, gamma) = (beta[0], beta[1], beta[2]);
    if gamma <= 0.0 {
        return Err(FitError::Unphysical {
            field: "c_pf",
            value: gamma.recip(),
            why: "dV/dt must increase with the injected current",
        });
    }
    let c_pf = gamma.recip();
    if b_v >= 0.0 {
        return Err(FitError::Unphysical {
            field: "g_l_ns",
            value: -b_v * c_pf,
            why: "dV/dt must decrease with V (a positive leak)",
        });
    }
    Ok((c_pf, -b_v * c_pf, -alpha / b_v))
}

/// Threshold search (step 4 of [`fit_lif`]), shared by every threshold model fitted by spike
/// count. `count(θ)` simulates the fitted model with threshold θ; it is non-increasing in θ for
/// a fixed input up to rare reset effects. The search runs over (v_reset, v_max + headroom].
pub(super) fn threshold_matching_count(
    target: usize,
    v_reset_mv: f64,
    v_max_mv: f64,
    mut count: impl FnMut(f64) -> Result<usize, ModelError>,
) -> Result<f64, FitError> {
    const TOLERANCE_MV: f64 = 1e-4;
    if target == 0 {
        return Err(FitError::TooLittleData {
            stage: "threshold",
            unit: "spikes",
            needed: 1,
            got: 0,
        });
    }
    let mut count = |v: f64| {
        count(v).map_err(|_| FitError::NoThreshold {
            target,
            why: "the fitted model cannot be simulated",
        })
    };
    let lowest = v_reset_mv + TOLERANCE_MV;
    if count(lowest)? < target {
        return Err(FitError::NoThreshold {
            target,
            why: "a threshold just above reset already gives fewer spikes",
        });
    }
    let mut highest = v_max_mv.max(lowest) + 10.0;
    let mut tries = 0;
    while count(highest)? > target {
        highest += 10.0 * 2f64.powi(tries);
        tries += 1;
        if tries > 20 {
            return Err(FitError::NoThreshold {
                target,
                why: "even a very high threshold gives more spikes",
            });
        }
    }
    // Smallest θ with count ≤ target, and largest θ with count ≥ target.
    let lower_edge = bisect(lowest, highest, TOLERANCE_MV, |v| {
        count(v).map(|c| c <= target)
    })?;
    let upper_edge = bisect(lowest, highest, TOLERANCE_MV, |v| {
        count(v).map(|c| c < target)
    })?;
    Ok(0.5 * (lower_edge + upper_edge))
}

/// The boundary where `above(v)` switches from false (at `lo`) to true (at `hi`), to `tol`.
fn bisect(
    mut lo: f64,
    mut hi: f64,
    tol: f64,
    mut above: impl FnMut(f64) -> Result<bool, FitError>,
) -> Result<f64, FitError> {
    while hi - lo > tol {
        let mid = 0.5 * (lo + hi);
        if above(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}
