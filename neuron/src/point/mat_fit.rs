//! Fitting a MAT neuron to training data (issue 5 baseline; Kobayashi, Tsubo & Shinomoto 2009,
//! Front Comput Neurosci 3:9).
//!
//! Kobayashi et al. fixed τ_m, τ₁ = 10 ms, τ₂ = 200 ms and t_ref = 2 ms and tuned the three
//! threshold parameters (ω, α₁, α₂) to maximise the coincidence factor Γ between the model's
//! and the neuron's spike trains. This implementation is a documented variant:
//! - τ_m, R and E_L are not fixed but fitted from the recorded subthreshold voltage, by the
//!   same regression as the LIF ([`super::fit_lif`]); a recording with voltage makes that
//!   possible and it removes an arbitrary choice.
//! - (ω, α₁, α₂) get a closed-form starting point before the Γ search: because V is not reset,
//!   the model V is known from the current alone, and with the recorded spike history the
//!   threshold at each recorded spike is linear in (ω, α₁, α₂). Requiring V(t_k) = θ(t_k) at
//!   every recorded spike is a linear least-squares problem; on data from a MAT neuron it
//!   returns the true values exactly.
//! - Γ (Δ = 4 ms) is then maximised by Nelder–Mead from that start (Γ is piecewise constant,
//!   so no gradient exists), accepting only strict improvements.

use super::FitError;
use super::lif::fit_leak;
use super::linalg::LeastSquares;
use super::mat::{MatParams, mat_voltage, simulate_mat};
use super::optimize::nelder_mead;
use super::training::TrainingData;
use arena_scoring::{SpikeTrain, Window, gamma};

/// τ₁, τ₂ and t_ref of Kobayashi et al. 2009, ms.
const TAU1_MS: f64 = 10.0;
const TAU2_MS: f64 = 200.0;
const T_REF_MS: f64 = 2.0;
/// Coincidence window of the Γ objective, s (as in the INCF competition).
const DELTA_S: f64 = 0.004;
/// Evaluation budget of the Γ search (each evaluation simulates the training current once).
const MAX_EVALS: usize = 80;

/// Fits a MAT neuron to training data: a current (nA), the recorded voltage at the same
/// samples (mV) and the recorded spike times (s), with sampling step `dt_s` (s).
///
/// # Procedure
/// 1. C, g_L, E_L by the LIF subthreshold regression; τ_m = C/g_L, R = 1/g_L.
/// 2. The model's non-resetting V from the training current.
/// 3. Start: least squares of V(t_k) on [1, A₁(t_k), A₂(t_k)] over recorded spikes t_k, with
///    A_j(t) = Σ_{t_i < t} exp(−(t − t_i)/τ_j) from the recorded spikes, V and A_j linearly
///    interpolated within the step as the simulator does. Spikes within t_ref + dt of their
///    predecessor are left out (they may fire at the end of the refractory period with V
///    already above θ, so V(t_k) = θ(t_k) need not hold).
/// 4. Nelder–Mead on −Γ(simulated, recorded) from that start (initial steps 1 mV for ω and
///    20 % of |α_j| (≥ 1 mV)), at most 80 simulations.
///
/// # Errors
/// [`FitError`] for invalid inputs, fewer than 4 spikes, too few subthreshold samples, a
/// singular regression or unphysical fitted values.
pub fn fit_mat(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<MatParams, FitError> {
    let data = TrainingData::new(current_na, voltage_mv, spikes_s, dt_s)?;
    let (c_pf, g_l_ns, e_l_mv) = fit_leak(&data, data.recovery()?.t_ref_s)?;
    let tau_m_ms = c_pf / g_l_ns;
    let r_mohm = 1e3 / g_l_ns;
    let v_model = mat_voltage(tau_m_ms, r_mohm, e_l_mv, current_na, dt_s);
    let [omega_mv, alpha1_mv, alpha2_mv] = threshold_at_spikes(&data, &v_model)?;
    let params = |x: &[f64]| MatParams {
        tau_m_ms,
        r_mohm,
        e_l_mv,
        omega_mv: x[0],
        alpha1_mv: x[1],
        alpha2_mv: x[2],
        tau1_ms: TAU1_MS,
        tau2_ms: TAU2_MS,
        t_ref_ms: T_REF_MS,
    };
    // `TrainingData` above has checked dt, the recording's length and that the spikes are sorted
    // and inside it, so neither can fail.
    let window = Window::new(0.0, current_na.len() as f64 * dt_s).expect("checked training data");
    let recorded = SpikeTrain::new(spikes_s.to_vec()).expect("checked training data");
    // The official Γ of the scoring crate (maximum one-to-one matching); an undefined Γ (no spikes,
    // or a rate that breaks its normalisation) is the worst value.
    let objective = |x: &[f64]| match simulate_mat(&params(x), current_na, dt_s) {
        Ok(response) => SpikeTrain::new(response.spikes_s)
            .ok()
            .and_then(|model| gamma(&recorded, &model, window, DELTA_S).ok())
            .map_or(f64::INFINITY, |g| -g),
        Err(_) => f64::INFINITY,
    };
    let start = [omega_mv, alpha1_mv, alpha2_mv];
    let steps = [
        1.0,
        (0.2 * alpha1_mv.abs()).max(1.0),
        (0.2 * alpha2_mv.abs()).max(1.0),
    ];
    let (best, _) = nelder_mead(objective, &start, &steps, MAX_EVALS);
    Ok(params(&best))
}

/// Step 3 of [`fit_mat`]: (ω, α₁, α₂) from V = θ at the recorded spikes.
fn threshold_at_spikes(data: &TrainingData<'_>, v_model: &[f64]) -> Result<[f64; 3], FitError> {
    const STAGE: &str = "MAT threshold at spikes";
    let dt_s = data.dt_s;
    let tau_s = [TAU1_MS * 1e-3, TAU2_MS * 1e-3];
    let min_gap_s = T_REF_MS * 1e-3 + dt_s;
    let mut ls = LeastSquares::new(3);
    for (k, (&t_k, &n)) in data.spikes_s.iter().zip(&data.spike_steps).enumerate() {
        if n + 1 >= v_model.len() || (k > 0 && t_k - data.spikes_s[k - 1] <= min_gap_s) {
            continue;
        }
        let fraction = t_k / dt_s - n as f64;
        let (t_n, t_next) = (n as f64 * dt_s, (n + 1) as f64 * dt_s);
        // A_j at the two grid points from the spikes before this one, interpolated.
        let a = tau_s.map(|tau| {
            let at = |t: f64| -> f64 {
                data.spikes_s[..k]
                    .iter()
                    .map(|t_i| (-(t - t_i) / tau).exp())
                    .sum()
            };
            at(t_n) + fraction * (at(t_next) - at(t_n))
        });
        let v = v_model[n] + fraction * (v_model[n + 1] - v_model[n]);
        ls.add(&[1.0, a[0], a[1]], v);
    }
    const MIN_SPIKES: usize = 4;
    if ls.rows() < MIN_SPIKES {
        return Err(FitError::TooLittleData {
            stage: STAGE,
            unit: "spikes",
            needed: MIN_SPIKES,
            got: ls.rows(),
        });
    }
    let beta = ls.solve().ok_or(FitError::Singular { stage: STAGE })?;
    Ok([beta[0], beta[1], beta[2]])
}
