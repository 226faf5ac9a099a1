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
//!    backtracking line search. Then ΔV = 1/β_V, V_T* = −β₀/β_V (λ₀ = 1 Hz), γ_k = −β_k/β_V.
//!
//! V_reset and t_ref are read off the spikes as for the LIF.

use super::FitError;
use super::gif::{GifParams, KernelBins, SpikeSource, run_gif};
use super::linalg::{LeastSquares, solve_spd};
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

/// Newton's method stops when the log-likelihood improves by less than this, nats.
const NEWTON_TOLERANCE: f64 = 1e-9;
/// At most this many Newton steps.
const NEWTON_MAX_STEPS: usize = 100;

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
    let beta = maximise_likelihood(&observations, 2 + k, spikes_s.len())?;
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

/// One free step of the escape process: regressors [1, V, X₁ … X_K], exposure Δt (s) and
/// whether it holds a recorded spike.
struct Observation {
    x: Vec<f64>,
    exposure_s: f64,
    spike: bool,
}

/// The free steps of the recorded spike train, with the imposed-spike model voltage.
fn escape_observations(
    data: &TrainingData<'_>,
    v_model: &[f64],
    counts: &[f64],
    k: usize,
    t_ref_s: f64,
) -> Vec<Observation> {
    let dt_s = data.dt_s;
    let mut observations = Vec::with_capacity(v_model.len());
    let mut next_spike = 0;
    let mut refractory_until_s = f64::NEG_INFINITY;
    for (n, &v) in v_model.iter().enumerate() {
        let (t_start, t_end) = (n as f64 * dt_s, (n + 1) as f64 * dt_s);
        let spike = data.spike_steps.get(next_spike) == Some(&n);
        let free_from = t_start.max(refractory_until_s);
        if t_end > free_from {
            let mut x = Vec::with_capacity(2 + k);
            x.extend([1.0, v]);
            x.extend_from_slice(&counts[n * k..(n + 1) * k]);
            observations.push(Observation {
                x,
                exposure_s: t_end - free_from,
                spike,
            });
        }
        if spike {
            refractory_until_s = data.spikes_s[next_spike] + t_ref_s;
            next_spike += 1;
        }
    }
    observations
}

/// log L(β) = Σ_spike log(1 − e^{−z}) − Σ_other z with z = Δt·exp(βᵀx); −∞ if it overflows.
fn log_likelihood(observations: &[Observation], beta: &[f64]) -> f64 {
    let mut total = 0.0;
    for o in observations {
        let u: f64 = o.x.iter().zip(beta).map(|(x, b)| x * b).sum();
        let z = o.exposure_s * u.exp();
        if !z.is_finite() {
            return f64::NEG_INFINITY;
        }
        total += if o.spike { (-(-z).exp_m1()).ln() } else { -z };
    }
    total
}

/// Newton's method with backtracking on the concave log-likelihood, started from the
/// constant-rate solution (β₀ = ln(spikes / exposure), other coefficients 0).
fn maximise_likelihood(
    observations: &[Observation],
    p: usize,
    n_spikes: usize,
) -> Result<Vec<f64>, FitError> {
    const STAGE: &str = "GIF threshold likelihood";
    let exposure: f64 = observations.iter().map(|o| o.exposure_s).sum();
    let mut beta = vec![0.0; p];
    beta[0] = (n_spikes as f64 / exposure).ln();
    let mut current = log_likelihood(observations, &beta);
    for _ in 0..NEWTON_MAX_STEPS {
        // Gradient g and negated Hessian h of log L. For a spike step, with z = Δt·e^u:
        // d/du log(1 − e^{−z}) = z/(e^z − 1), d²/du² = z((e^z − 1) − z e^z)/(e^z − 1)²;
        // for a silent step, d/du (−z) = −z = d²/du².
        let mut g = vec![0.0; p];
        let mut h = vec![0.0; p * p];
        for o in observations {
            let u: f64 = o.x.iter().zip(&beta).map(|(x, b)| x * b).sum();
            let z = o.exposure_s * u.exp();
            let (d1, d2) = if o.spike && z < 1e-8 {
                // Series in z avoids 0/0: z/(e^z − 1) ≈ 1 − z/2, second derivative ≈ −z/2.
                (1.0 - 0.5 * z, -0.5 * z)
            } else if o.spike {
                let em1 = z.exp_m1();
                (z / em1, z * (em1 - z * (em1 + 1.0)) / (em1 * em1))
            } else {
                (-z, -z)
            };
            for r in 0..p {
                g[r] += d1 * o.x[r];
                for c in r..p {
                    h[r * p + c] -= d2 * o.x[r] * o.x[c];
                }
            }
        }
        for r in 0..p {
            for c in 0..r {
                h[r * p + c] = h[c * p + r];
            }
        }
        let step = solve_spd(&h, &g, p).ok_or(FitError::Singular { stage: STAGE })?;
        let mut scale = 1.0;
        let (next_beta, next) = loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let value = log_likelihood(observations, &trial);
            if value >= current {
                break (trial, value);
            }
            scale *= 0.5;
            if scale < 1e-10 {
                return Ok(beta); // no ascent direction left: at the optimum to rounding
            }
        };
        let gain = next - current;
        beta = next_beta;
        current = next;
        if gain < NEWTON_TOLERANCE {
            return Ok(beta);
        }
    }
    Err(FitError::NotConverged {
        stage: STAGE,
        steps: NEWTON_MAX_STEPS,
    })
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

    /// Constant-rate case: one regressor (the intercept), n silent steps and s spike steps of
    /// exposure Δt. The Bernoulli MLE solves s·z/(e^z − 1) = (n)·z, i.e. e^z − 1 = s/n, so
    /// λ = ln(1 + s/n)/Δt. With s = 10, n = 990, Δt = 1 ms: λ = ln(1.010101)/0.001 = 10.0503 Hz.
    #[test]
    fn constant_rate_likelihood_by_hand() {
        let obs: Vec<Observation> = (0..1000)
            .map(|i| Observation {
                x: vec![1.0],
                exposure_s: 1e-3,
                spike: i % 100 == 0,
            })
            .collect();
        let beta = maximise_likelihood(&obs, 1, 10).unwrap();
        let expected = (1.0f64 + 10.0 / 990.0).ln() / 1e-3;
        assert!((beta[0].exp() - expected).abs() < 1e-6, "{}", beta[0].exp());
    }
}
