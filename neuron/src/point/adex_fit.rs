//! Fitting an AdEx neuron to training data (issue 5 baseline "adaptive exponential IF").
//!
//! Why a regression: with the adaptation current written as a filter of the recorded voltage
//! and spike train, every AdEx parameter except the slope factor Δ_T and the adaptation time
//! constant τ_w enters the forward-Euler membrane equation linearly. For fixed (Δ_T, τ_w) one
//! least-squares regression of dV/dt gives C, g_L, E_L, V_T, a and b; the two non-linear
//! parameters are found by minimising the residual sum of squares over them. This is the
//! dynamic I–V idea of Badel et al. 2008 (J Neurophysiol 99:656; the exponential term seen in
//! the membrane current) combined with the regression of Pozzorini et al. 2015 (PLoS Comput
//! Biol 11:e1004275; adaptation as a linear filter of the spike train).
//!
//! # The regression
//! Euler's w update, w_{n+1} = (1 − h) w_n + h a (V_n − E_L) + b s_n with h = dt/τ_w and s_n = 1
//! if a spike occurred in step n, is solved exactly by w_n = a (F_n − E_L) + b S_n with the
//! filters F_{n+1} = (1 − h) F_n + h V_n (F_0 = V_0: the cell is assumed to have sat at its first
//! recorded potential, so w_0 = a (V_0 − E_L)) and S_{n+1} = (1 − h) S_n + s_n (S_0 = 0).
//! Then (V_{n+1} − V_n)/dt = c₀ + c_V V_n + c_I I_n + c_F F_n + c_S S_n + c_X X_n with
//! X_n = exp((V_n − V_ref)/Δ_T) (V_ref the highest fitted voltage, so X ≤ 1) and
//! c₀ = (g_L + a) E_L / C, c_V = −g_L/C, c_I = 1/C, c_F = −a/C, c_S = −b/C,
//! c_X = g_L Δ_T exp((V_ref − V_T)/Δ_T)/C.

use super::FitError;
use super::adex::AdExParams;
use super::linalg::LeastSquares;
use super::training::{Exclusion, Recovery, TrainingData};

/// Steps excluded around each spike: 1 ms before it (the last, steepest part of the upswing,
/// where a real spike departs from the exponential and an Euler step is least faithful) to
/// t_ref + 5 ms after it (repolarisation of real spikes). The rest of the upswing is kept: it
/// is what identifies V_T and Δ_T.
const ADEX_EXCLUSION: Exclusion = Exclusion {
    before_spike_s: 1e-3,
    after_refractory_s: 5e-3,
};

/// Coarse grid of the slope factor Δ_T, mV: 0.5 · 1.6^k, k = 0..6 (0.5 to 8.4 mV).
const DELTA_T_GRID: (f64, f64, usize) = (0.5, 1.6, 7);
/// Coarse grid of the adaptation time constant τ_w, ms: 20 · 1.8^k, k = 0..7 (20 ms to 1.2 s).
/// τ_w is kept ≥ 20 ms throughout the search: with τ_w of a few ms the filtered voltage F is a
/// lagged copy of V, and on recordings it "predicts" dV/dt from V − F instead of describing
/// adaptation (measured on the DRN recordings: the search then ran to τ_w ≈ 5 ms and returned
/// C < 0).
const TAU_W_GRID: (f64, f64, usize) = (20.0, 1.8, 8);
/// Smallest τ_w the search considers, ms.
const TAU_W_MIN_MS: f64 = 20.0;
/// The search over (Δ_T, τ_w) uses every k-th usable step so that at most this many enter each
/// trial regression (samples 0.1 ms apart are strongly correlated, so little information is
/// lost); the final regression at the chosen (Δ_T, τ_w) uses every step.
const SEARCH_ROWS: usize = 30_000;
/// The local search stops when its step is below this factor (0.05 % in Δ_T and τ_w).
const REFINE_TOLERANCE: f64 = 1.0005;

/// Fits an AdEx neuron to training data: a current (nA), the recorded voltage at the same
/// samples (mV) and the recorded spike times (s), with sampling step `dt_s` (s).
///
/// # Procedure
/// 1. V_reset and t_ref are read off the spikes as for the LIF ([`super::fit_lif`]).
/// 2. For each (Δ_T, τ_w) the regression in the module docs is solved on steps away from spikes
///    (1 ms before each spike to t_ref + 5 ms after). (Δ_T, τ_w) minimise the residual sum of
///    squares (on a regular subsample of at most 30 000 steps during the search): a coarse log-spaced grid (Δ_T 0.5–8.4 mV, τ_w 20–1200 ms, τ_w ≥ 20 ms throughout), among the
///    physically admissible solutions only (C > 0, g_L > 0, an exponential term > 0), then a pattern search in
///    log space halving its step down to a factor 1.0005.
/// 3. V_peak (only a numerical cut-off once V diverges) is the larger of the highest recorded
///    voltage and V_T + 5Δ_T (the value Brette & Gerstner 2005 used).
/// 4. Intrinsic noise: the regression residuals times C are the unexplained current. Its
///    standard deviation gives `noise_std_na`; its lag-one autocorrelation ρ gives
///    `noise_tau_ms` = −dt/ln ρ (an OU process sampled at dt has ρ = e^{−dt/τ}); for ρ ≤ 0 the
///    noise is white at the sampling step and τ is set to dt.
///
/// # Errors
/// [`FitError`] for invalid inputs, no spikes, too few samples, a singular regression or
/// unphysical fitted values (C ≤ 0, g_L ≤ 0, no exponential upswing).
pub fn fit_adex(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<AdExParams, FitError> {
    let data = TrainingData::new(current_na, voltage_mv, spikes_s, dt_s)?;
    let Recovery {
        t_ref_s,
        v_reset_mv,
    } = data.recovery()?;
    let regression = Regression::new(&data, t_ref_s)?;
    let stride = regression.steps.len().div_ceil(SEARCH_ROWS);

    // Coarse grid, then pattern search in (ln Δ_T, ln τ_w).
    let mut best = Best {
        rss: f64::INFINITY,
        delta_t_mv: DELTA_T_GRID.0,
        tau_w_ms: TAU_W_GRID.0,
    };
    for j in 0..TAU_W_GRID.2 {
        let tau_w_ms = TAU_W_GRID.0 * TAU_W_GRID.1.powi(j as i32);
        let filters = regression.filters(tau_w_ms);
        for k in 0..DELTA_T_GRID.2 {
            let delta_t_mv = DELTA_T_GRID.0 * DELTA_T_GRID.1.powi(k as i32);
            best.consider(&regression, delta_t_mv, tau_w_ms, &filters, stride);
        }
    }
    let (mut step_delta, mut step_tau) = (DELTA_T_GRID.1, TAU_W_GRID.1);
    while step_delta > REFINE_TOLERANCE || step_tau > REFINE_TOLERANCE {
        let Best {
            delta_t_mv: d,
            tau_w_ms: t,
            ..
        } = best;
        let mut improved = false;
        for tau_w_ms in [t, t * step_tau, t / step_tau] {
            let filters = regression.filters(tau_w_ms);
            let deltas: &[f64] = if tau_w_ms == t {
                &[d * step_delta, d / step_delta]
            } else {
                &[d]
            };
            for &delta_t_mv in deltas {
                improved |= best.consider(&regression, delta_t_mv, tau_w_ms, &filters, stride);
            }
        }
        if !improved {
            step_delta = step_delta.sqrt();
            step_tau = step_tau.sqrt();
        }
    }
    let filters = regression.filters(best.tau_w_ms);
    let solution = regression
        .solve(best.delta_t_mv, &filters, 1)
        .ok_or(FitError::Singular {
            stage: "AdEx regression",
        })?;
    let (delta_t_mv, tau_w_ms) = (best.delta_t_mv, best.tau_w_ms);
    solution.into_params(
        &regression,
        delta_t_mv,
        tau_w_ms,
        v_reset_mv,
        t_ref_s,
        voltage_mv,
    )
}

/// The best (Δ_T, τ_w) found so far and its residual sum of squares.
#[derive(Clone, Copy)]
struct Best {
    rss: f64,
    delta_t_mv: f64,
    tau_w_ms: f64,
}

impl Best {
    /// Solves the regression at (Δ_T, τ_w) and keeps it if its RSS is lower; true if kept.
    fn consider(
        &mut self,
        regression: &Regression<'_>,
        delta_t_mv: f64,
        tau_w_ms: f64,
        filters: &Filters,
        stride: usize,
    ) -> bool {
        if tau_w_ms < TAU_W_MIN_MS {
            return false;
        }
        match regression.solve(delta_t_mv, filters, stride) {
            Some(solution) if solution.rss < self.rss && solution.is_admissible() => {
                *self = Self {
                    rss: solution.rss,
                    delta_t_mv,
                    tau_w_ms,
                };
                true
            }
            _ => false,
        }
    }
}

/// The fixed part of the regression: the usable steps, gathered once.
struct Regression<'a> {
    data: &'a TrainingData<'a>,
    /// Indices n of the usable steps (V_n → V_{n+1}).
    steps: Vec<usize>,
    /// V_n, mV, at the usable steps.
    v_mv: Vec<f64>,
    /// I_n, pA, at the usable steps.
    i_pa: Vec<f64>,
    /// (V_{n+1} − V_n)/dt, mV/ms, at the usable steps.
    slope: Vec<f64>,
    /// V_ref: the highest voltage among usable steps, mV.
    v_ref_mv: f64,
}

/// The adaptation filters for one τ_w at the usable steps: F (filtered voltage, mV) and S
/// (filtered spike train).
struct Filters {
    f_mv: Vec<f64>,
    s: Vec<f64>,
}

/// Coefficients (c₀, c_V, c_I, c_F, c_S, c_X) and the residual sum of squares.
struct Solution {
    coefficients: [f64; 6],
    rss: f64,
}

impl<'a> Regression<'a> {
    fn new(data: &'a TrainingData<'a>, t_ref_s: f64) -> Result<Self, FitError> {
        let usable = data.subthreshold_mask(t_ref_s, ADEX_EXCLUSION);
        let steps: Vec<usize> = (0..usable.len()).filter(|&n| usable[n]).collect();
        const MIN_SAMPLES: usize = 20;
        if steps.len() < MIN_SAMPLES {
            return Err(FitError::TooLittleData {
                stage: "AdEx regression",
                unit: "samples away from spikes",
                needed: MIN_SAMPLES,
                got: steps.len(),
            });
        }
        let dt_ms = data.dt_s * 1e3;
        let v_mv: Vec<f64> = steps.iter().map(|&n| data.voltage_mv[n]).collect();
        let i_pa = steps.iter().map(|&n| data.current_na[n] * 1e3).collect();
        let slope = steps
            .iter()
            .map(|&n| (data.voltage_mv[n + 1] - data.voltage_mv[n]) / dt_ms)
            .collect();
        let v_ref_mv = v_mv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Ok(Self {
            data,
            steps,
            v_mv,
            i_pa,
            slope,
            v_ref_mv,
        })
    }

    fn filters(&self, tau_w_ms: f64) -> Filters {
        let v = self.data.voltage_mv;
        let h = self.data.dt_s * 1e3 / tau_w_ms;
        let mut spike_in_step = vec![0.0; v.len()];
        for &k in &self.data.spike_steps {
            spike_in_step[k] += 1.0;
        }
        let mut f_all = Vec::with_capacity(v.len());
        let mut s_all = Vec::with_capacity(v.len());
        let (mut f, mut s) = (v[0], 0.0);
        for (v_n, spikes) in v.iter().zip(&spike_in_step) {
            f_all.push(f);
            s_all.push(s);
            f = (1.0 - h) * f + h * v_n;
            s = (1.0 - h) * s + spikes;
        }
        Filters {
            f_mv: self.steps.iter().map(|&n| f_all[n]).collect(),
            s: self.steps.iter().map(|&n| s_all[n]).collect(),
        }
    }

    /// The regressors of usable step j.
    fn row(&self, j: usize, delta_t_mv: f64, filters: &Filters) -> [f64; 6] {
        let v = self.v_mv[j];
        [
            1.0,
            v,
            self.i_pa[j],
            filters.f_mv[j],
            filters.s[j],
            ((v - self.v_ref_mv) / delta_t_mv).exp(),
        ]
    }

    /// Solves the regression on every `stride`-th usable step.
    fn solve(&self, delta_t_mv: f64, filters: &Filters, stride: usize) -> Option<Solution> {
        let mut ls = LeastSquares::new(6);
        for (j, &y) in self.slope.iter().enumerate().step_by(stride) {
            ls.add(&self.row(j, delta_t_mv, filters), y);
        }
        let (coefficients, rss) = ls.solve_with_rss()?;
        Some(Solution {
            coefficients: coefficients.try_into().ok()?,
            rss,
        })
    }

    /// (step n, residual of dV/dt in mV/ms) for every usable step.
    fn residuals<'s>(
        &'s self,
        delta_t_mv: f64,
        filters: &'s Filters,
        coefficients: &'s [f64],
    ) -> impl Iterator<Item = (usize, f64)> + 's {
        self.steps.iter().enumerate().map(move |(j, &n)| {
            let row = self.row(j, delta_t_mv, filters);
            let predicted: f64 = row.iter().zip(coefficients).map(|(x, c)| x * c).sum();
            (n, self.slope[j] - predicted)
        })
    }
}

impl Solution {
    /// C > 0 (c_I > 0), g_L > 0 (c_V < 0) and a positive exponential term (c_X > 0).
    fn is_admissible(&self) -> bool {
        let [_, c_v, c_i, _, _, c_x] = self.coefficients;
        c_i > 0.0 && c_v < 0.0 && c_x > 0.0
    }

    fn into_params(
        self,
        regression: &Regression<'_>,
        delta_t_mv: f64,
        tau_w_ms: f64,
        v_reset_mv: f64,
        t_ref_s: f64,
        voltage_mv: &[f64],
    ) -> Result<AdExParams, FitError> {
        let [c0, c_v, c_i, c_f, c_s, c_x] = self.coefficients;
        if c_i <= 0.0 {
            return Err(FitError::Unphysical {
                field: "c_pf",
                value: c_i.recip(),
                why: "dV/dt must increase with the injected current",
            });
        }
        let c_pf = c_i.recip();
        let g_l_ns = -c_v * c_pf;
        if g_l_ns <= 0.0 {
            return Err(FitError::Unphysical {
                field: "g_l_ns",
                value: g_l_ns,
                why: "dV/dt must decrease with V (a positive leak)",
            });
        }
        if c_x <= 0.0 {
            return Err(FitError::Unphysical {
                field: "v_t_mv",
                value: f64::NAN,
                why: "the data show no exponential upswing before spikes",
            });
        }
        let a_ns = -c_f * c_pf;
        let b_pa = -c_s * c_pf;
        let e_l_mv = c0 * c_pf / (g_l_ns + a_ns);
        let v_t_mv = regression.v_ref_mv - delta_t_mv * (c_x * c_pf / (g_l_ns * delta_t_mv)).ln();
        let v_max_mv = voltage_mv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let v_peak_mv = v_max_mv.max(v_t_mv + 5.0 * delta_t_mv);
        let filters = regression.filters(tau_w_ms);
        let (noise_std_na, noise_tau_ms) =
            residual_noise(regression, delta_t_mv, &filters, &self.coefficients, c_pf);
        Ok(AdExParams {
            c_pf,
            g_l_ns,
            e_l_mv,
            v_t_mv,
            delta_t_mv,
            a_ns,
            tau_w_ms,
            b_pa,
            v_reset_mv,
            v_peak_mv,
            t_ref_ms: t_ref_s * 1e3,
            noise_std_na,
            noise_tau_ms,
        })
    }
}

/// Standard deviation (nA) and correlation time (ms) of the unexplained current C·residual
/// (step 4 of [`fit_adex`]).
fn residual_noise(
    regression: &Regression<'_>,
    delta_t_mv: f64,
    filters: &Filters,
    coefficients: &[f64],
    c_pf: f64,
) -> (f64, f64) {
    let dt_ms = regression.data.dt_s * 1e3;
    let residuals: Vec<(usize, f64)> = regression
        .residuals(delta_t_mv, filters, coefficients)
        .map(|(n, r)| (n, r * c_pf * 1e-3))
        .collect();
    let count = residuals.len() as f64;
    let mean = residuals.iter().map(|(_, r)| r).sum::<f64>() / count;
    let variance = residuals
        .iter()
        .map(|(_, r)| (r - mean).powi(2))
        .sum::<f64>()
        / count;
    let (mut lagged, mut lagged_var) = (0.0, 0.0);
    for pair in residuals.windows(2) {
        if pair[1].0 == pair[0].0 + 1 {
            lagged += (pair[0].1 - mean) * (pair[1].1 - mean);
            lagged_var += (pair[0].1 - mean).powi(2);
        }
    }
    let rho = if lagged_var > 0.0 {
        lagged / lagged_var
    } else {
        0.0
    };
    let tau_ms = if rho > 0.0 && rho < 1.0 {
        (-dt_ms / rho.ln()).max(dt_ms)
    } else {
        dt_ms
    };
    (variance.sqrt(), tau_ms)
}
