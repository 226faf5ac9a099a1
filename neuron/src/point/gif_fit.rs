//! Fitting a GIF neuron as Pozzorini et al. 2015 (PLoS Comput Biol 11:e1004275) do
//! (issue 5 baseline).
//!
//! Two convex stages, each with a unique optimum:
//! 1. Subthreshold: linear regression of dV/dt on [1, V, I, X₁ … X_K], where X_k(t) counts the
//!    recorded spikes whose age t − t̂ falls in bin k of the rectangular basis of η.
//!    With coefficients (c₀, c_V, c_I, c_k): C = 1/c_I, g_L = −c_V·C, E_L = c₀·C/g_L,
//!    η_k = −c_k·C.
//! 2. Threshold: the fitted subthreshold model is run with the recorded spikes imposed (so its
//!    V follows the recorded spike history, as in the paper), and
//!    log λ_n = β₀ + β_V V_n + Σ_k β_k X_k(t_n) is fitted by maximising the spike-train
//!    likelihood of the escape process. Each free step n of length Δt_n (the part not in a
//!    refractory period) contributes log(1 − e^{−λ_n Δt_n}) if it holds a recorded spike and
//!    −λ_n Δt_n otherwise — the exact Bernoulli likelihood of the simulator, concave in β
//!    (complementary log-log link); Pozzorini et al. use its Poisson approximation
//!    log(λ_n Δt_n), which differs by O(λΔt). Maximised by Newton's method with a
//!    backtracking line search ([`super::escape`], shared with the dendritic baselines). Then ΔV = 1/β_V, V_T* = −β₀/β_V (λ₀ = 1 Hz), γ_k = −β_k/β_V.
//!
//! V_reset and t_ref are read off the spikes as for the LIF.

use super::FitError;
use super::escape::{EscapeObservations, fit_escape_rate, free_steps};
use super::gif::{GifParams, KernelBins, SpikeSource, run_gif};
use super::linalg::LeastSquares;
use super::training::{Exclusion, Recovery, TrainingData};

/// Bin edges of η and γ, ms: log-spaced rectangular bins up to 640 ms as in Pozzorini et al.
/// (whose kernels extend further on longer recordings; 20–60 s of training data constrain
/// little beyond this).
pub const FIT_KERNEL_EDGES_MS: [f64; 9] = [0.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0];

/// The fit's bins for a refractory period `t_ref_ms`: [`FIT_KERNEL_EDGES_MS`] without the
/// interior edges at or below t_ref + 1 ms, so that the first bin holds at least 1 ms of ages
/// after the refractory period (a bin inside it has no data and would make the regression
/// singular). E.g. t_ref = 2 ms keeps every edge; t_ref = 12.5 ms gives [0, 20, 40, …].
fn kernel_edges_for(t_ref_ms: f64) -> Vec<f64> {
    let last = FIT_KERNEL_EDGES_MS.len() - 1;
    FIT_KERNEL_EDGES_MS
        .iter()
        .enumerate()
        .filter(|&(i, &e)| i == 0 || i == last || e > t_ref_ms + 1.0)
        .map(|(_, &e)| e)
        .collect()
}

/// Steps excluded from the subthreshold regression around each spike: 3 ms before it (the
/// upswing of a real or exponential spike, which the GIF does not model) to the end of the
/// refractory period after it (η itself describes what follows).
const GIF_EXCLUSION: Exclusion = Exclusion {
    before_spike_s: 3e-3,
    after_refractory_s: 0.0,
};

/// Fits a GIF neuron to training data: a current (nA), the recorded voltage at the same samples
/// (mV) and the recorded spike times (s), with sampling step `dt_s` (s). The kernels use
/// [`FIT_KERNEL_EDGES_MS`] (minus the bins inside the refractory period); the procedure is in
/// the module docs.
///
/// # Errors
/// [`FitError`] for invalid inputs, no spikes, too few samples, a singular regression or
/// Hessian, unphysical fitted values (C ≤ 0, g_L ≤ 0, ΔV ≤ 0: spiking that does not increase
/// with V) or a likelihood that does not converge.
pub fn fit_gif(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<GifParams, FitError> {
    let data = TrainingData::new(current_na, voltage_mv, spikes_s, dt_s)?;
    let Recovery {
        t_ref_s,
        v_reset_mv,
    } = data.recovery()?;
    let edges_ms = kernel_edges_for(t_ref_s * 1e3);
    let bins = KernelBins::new(&edges_ms).expect("a subset of FIT_KERNEL_EDGES_MS (unit-tested)");
    let k = bins.len();
    let counts = bins.history_counts(spikes_s, current_na.len(), dt_s);

    // Stage 1: subthreshold regression.
    const STAGE: &str = "GIF subthreshold regression";
    let dt_ms = dt_s * 1e3;
    let mut ls = LeastSquares::new(3 + k);
    let mut row = vec![0.0; 3 + k];
    for (n, usable) in data
        .subthreshold_mask(t_ref_s, GIF_EXCLUSION)
        .into_iter()
        .enumerate()
    {
        if usable {
            row[0] = 1.0;
            row[1] = voltage_mv[n];
            row[2] = current_na[n] * 1e3;
            row[3..].copy_from_slice(&counts[n * k..(n + 1) * k]);
            ls.add(&row, (voltage_mv[n + 1] - voltage_mv[n]) / dt_ms);
        }
    }
    let min_rows = 10 * (3 + k);
    if ls.rows() < min_rows {
        return Err(FitError::TooLittleData {
            stage: STAGE,
            unit: "samples away from spikes",
            needed: min_rows,
            got: ls.rows(),
        });
    }
    let c = ls.solve().ok_or(FitError::Singular { stage: STAGE })?;
    if c[2] <= 0.0 {
        return Err(FitError::Unphysical {
            field: "c_pf",
            value: c[2].recip(),
            why: "dV/dt must increase with the injected current",
        });
    }
    let c_pf = c[2].recip();
    let g_l_ns = -c[1] * c_pf;
    if g_l_ns <= 0.0 {
        return Err(FitError::Unphysical {
            field: "g_l_ns",
            value: g_l_ns,
            why: "dV/dt must decrease with V (a positive leak)",
        });
    }
    let mut params = GifParams {
        c_pf,
        g_l_ns,
        e_l_mv: c[0] * c_pf / g_l_ns,
        v_reset_mv,
        t_ref_ms: t_ref_s * 1e3,
        v_t_star_mv: 0.0,
        delta_v_mv: 1.0,
        kernel_edges_ms: edges_ms,
        eta_pa: c[3..].iter().map(|c_k| -c_k * c_pf).collect(),
        gamma_mv: vec![0.0; k],
    };

    // Stage 2: the model V with the recorded spikes imposed, then the escape-rate likelihood.
    let imposed = run_gif(
        &params,
        current_na,
        dt_s,
        SpikeSource::Imposed {
            steps: &data.spike_steps,
            times_s: spikes_s,
        },
    )
    .map_err(|_| FitError::Unphysical {
        field: "e_l_mv",
        value: params.e_l_mv,
        why: "the fitted subthreshold model cannot be simulated",
    })?;
    let observations = escape_observations(&data, &imposed.voltage_mv, &counts, k, t_ref_s);
    let beta = fit_escape_rate(&observations, "GIF threshold likelihood")?;
    if beta[1] <= 0.0 {
        return Err(FitError::Unphysical {
            field: "delta_v_mv",
            value: beta[1].recip(),
            why: "the spike probability must increase with V",
        });
    }
    params.delta_v_mv = beta[1].recip();
    params.v_t_star_mv = -beta[0] / beta[1];
    params.gamma_mv = beta[2..].iter().map(|b| -b / beta[1]).collect();
    Ok(params)
}

/// The escape-rate observations of the imposed-spike model: regressors [1, V, X₁ … X_K] on
/// every free step of the recorded spike train.
fn escape_observations(
    data: &TrainingData<'_>,
    v_model: &[f64],
    counts: &[f64],
    k: usize,
    t_ref_s: f64,
) -> EscapeObservations {
    let mut observations = EscapeObservations::new(2 + k);
    let mut x = vec![0.0; 2 + k];
    x[0] = 1.0;
    for step in free_steps(data.spikes_s, v_model.len(), data.dt_s, t_ref_s) {
        let n = step.step;
        x[1] = v_model[n];
        x[2..].copy_from_slice(&counts[n * k..(n + 1) * k]);
        observations.push(&x, step.exposure_s, step.spike);
    }
    observations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_basis_is_valid_and_adapts_to_the_refractory_period() {
        assert_eq!(KernelBins::new(&FIT_KERNEL_EDGES_MS).unwrap().len(), 8);
        assert_eq!(kernel_edges_for(2.0), FIT_KERNEL_EDGES_MS.to_vec());
        assert_eq!(
            kernel_edges_for(4.0),
            [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0]
        );
        assert_eq!(
            kernel_edges_for(12.5),
            [0.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0]
        );
        assert_eq!(kernel_edges_for(1000.0), [0.0, 640.0]);
        assert!(KernelBins::new(&kernel_edges_for(1000.0)).is_ok());
    }
}
