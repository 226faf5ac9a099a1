//! Active electrode compensation (AEC): removing the electrode's voltage drop from a
//! single-electrode current-clamp recording (Badel, Lefort, Brette, Petersen, Gerstner &
//! Richardson 2008, J Neurophysiol 99:656–666), as the GIF fitting procedure of Pozzorini,
//! Mensi, Hagens, Naud, Koch & Gerstner 2015 (PLoS Comput Biol 11:e1004275) applies it before
//! fitting.
//!
//! Why: with one electrode both injecting the current and recording the potential, the recorded
//! voltage is the membrane potential plus the drop across the electrode, V_rec = V_m + K_e ∗ I.
//! A model fitted to V_rec sees a membrane that responds instantly to the current (the
//! electrode's tens of MΩ), which biases the fitted resistance and, worse, makes the threshold
//! look like it tracks the current. The electrode is fast (its kernel dies within a few ms) and
//! the membrane slow (tens of ms), which is what lets the two be told apart.
//!
//! The method, in the papers' terms, from a dedicated subthreshold recording with a fluctuating
//! current (the "AEC recording"):
//! 1. the full linear filter K from I to V is the least-squares (Wiener–Hopf) solution of
//!    V(t) − ⟨V⟩ = Σ_k K(k·dt) (I(t − k·dt) − ⟨I⟩) dt over `kernel_ms`; here the normal equations
//!    use the sample auto- and cross-correlations (each lag averaged over the pairs it has), so
//!    the matrix is Toeplitz and is solved by the Levinson recursion in O(L²) for L lags;
//! 2. the membrane is one exponential b·e^{−t/τ} fitted to K over the tail window from
//!    `tail_start_ms` to `tail_end_ms`, where the electrode has died out;
//! 3. the electrode kernel is what is left of K over its first `electrode_ms`:
//!    K_e(t) = K(t) − b·e^{−t/τ};
//! 4. any recording made with the same electrode is corrected by
//!    V_corrected = V_rec − K_e ∗ I ([`compensate`]).
//!
//! Units: voltage mV, current nA, time steps in s at the API; kernels are in MΩ/ms (mV per nA
//! per ms), so Σ K_e·dt (dt in ms) is the electrode resistance R_e in MΩ and b·τ the membrane's
//! input resistance R_m in MΩ.
//!
//! Deviations from the toolbox of Pozzorini et al. 2015 (read to learn its conventions, not
//! copied): their K is expanded in rectangular basis functions whose width grows with the lag,
//! and it is estimated 15 times on random 80 % subsets of the samples and averaged; here every
//! lag has its own coefficient and the estimate uses all samples once, so it is deterministic.
//! The defaults are those of their DRN analysis script (K over 150 ms, the exponential fitted
//! over 3–150 ms, K_e kept over 7 ms).

use crate::stimulus::{InvalidValue, Requirement};

/// The parameters of the estimate, in ms. Defaults: the DRN analysis of the GIF-K repository
/// (Pozzorini et al. 2015 toolbox settings): `kernel_ms` 150, tail 3–150, `electrode_ms` 7.
#[derive(Clone, Debug, PartialEq)]
pub struct AecOptions {
    /// Length of the full filter K, ms (> 0); it must cover the membrane's decay.
    pub kernel_ms: f64,
    /// Start of the window where the exponential is fitted to K, ms (≥ 0); the electrode must
    /// have died out by then.
    pub tail_start_ms: f64,
    /// End of that window, ms (> `tail_start_ms`, ≤ `kernel_ms`).
    pub tail_end_ms: f64,
    /// Length of the electrode kernel K_e, ms (> 0, ≤ `kernel_ms`).
    pub electrode_ms: f64,
}

impl Default for AecOptions {
    fn default() -> Self {
        AecOptions {
            kernel_ms: 150.0,
            tail_start_ms: 3.0,
            tail_end_ms: 150.0,
            electrode_ms: 7.0,
        }
    }
}

/// An electrode kernel K_e sampled at `dt_s`: sample k is K_e(k·dt).
#[derive(Clone, Debug, PartialEq)]
pub struct ElectrodeKernel {
    /// Sampling step of the kernel, and of every trace it compensates, s.
    pub dt_s: f64,
    /// K_e(k·dt), MΩ/ms, k = 0, 1, ….
    pub mohm_per_ms: Vec<f64>,
}

impl ElectrodeKernel {
    /// The electrode resistance R_e = Σ_k K_e(k·dt)·dt, MΩ: the steady drop per nA.
    pub fn resistance_mohm(&self) -> f64 {
        self.mohm_per_ms.iter().sum::<f64>() * self.dt_s * 1e3
    }
}

/// What [`estimate_electrode`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct AecEstimate {
    /// The electrode kernel K_e.
    pub electrode: ElectrodeKernel,
    /// The full filter K(k·dt) from current to voltage, MΩ/ms, over `kernel_ms`.
    pub full_mohm_per_ms: Vec<f64>,
    /// Amplitude b of the membrane exponential b·e^{−t/τ}, MΩ/ms.
    pub membrane_amplitude_mohm_per_ms: f64,
    /// Membrane time constant τ of the tail fit, ms.
    pub membrane_tau_ms: f64,
}

impl AecEstimate {
    /// Electrode resistance R_e, MΩ ([`ElectrodeKernel::resistance_mohm`]).
    pub fn electrode_resistance_mohm(&self) -> f64 {
        self.electrode.resistance_mohm()
    }

    /// Membrane input resistance of the tail fit, R_m = ∫₀^∞ b·e^{−t/τ} dt = b·τ, MΩ.
    pub fn membrane_resistance_mohm(&self) -> f64 {
        self.membrane_amplitude_mohm_per_ms * self.membrane_tau_ms
    }
}

/// Why an electrode kernel could not be estimated or applied; each names the input at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AecError {
    /// A numeric input or option is out of range.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// Two options are inconsistent.
    #[error("AEC option {field}: {problem}")]
    Option {
        /// The option, e.g. `tail_end_ms`.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Current and voltage traces differ in length.
    #[error("current_na has {current} samples but voltage_mv has {voltage}")]
    LengthMismatch {
        /// Samples in the current.
        current: usize,
        /// Samples in the voltage.
        voltage: usize,
    },
    /// The recording is too short for the kernel.
    #[error("the AEC recording has {got} samples; a kernel of {lags} lags needs at least {needed}")]
    TooLittleData {
        /// Lags of the full kernel.
        lags: usize,
        /// Samples needed (10 per lag).
        needed: usize,
        /// Samples given.
        got: usize,
    },
    /// The current's autocorrelation matrix is not positive definite (e.g. a constant current).
    #[error(
        "the current's autocorrelation is singular at lag {lag}: the AEC current does not fluctuate enough"
    )]
    Singular {
        /// The lag at which the Levinson recursion broke down.
        lag: usize,
    },
    /// The tail of K is not a decaying membrane exponential.
    #[error("the tail of the full kernel is not a decaying exponential: {why}")]
    Tail {
        /// What was found.
        why: String,
    },
}

/// Estimates the electrode kernel K_e from an AEC recording (subthreshold, fluctuating current):
/// `voltage_mv` (mV) and `current_na` (nA) sampled every `dt_s` (s). The method and its
/// deviations from the published toolbox are in the module documentation.
///
/// # Errors
/// [`AecError`] for options out of range, traces of different lengths or with non-finite
/// samples, fewer than 10 samples per lag, a current that does not fluctuate, or a tail that
/// is not a decaying exponential with positive amplitude.
pub fn estimate_electrode(
    voltage_mv: &[f64],
    current_na: &[f64],
    dt_s: f64,
    options: &AecOptions,
) -> Result<AecEstimate, AecError> {
    InvalidValue::check("dt_s", Requirement::Positive, dt_s)?;
    let dt_ms = dt_s * 1e3;
    let lags = samples("kernel_ms", options.kernel_ms, dt_ms)?;
    let electrode_lags = samples("electrode_ms", options.electrode_ms, dt_ms)?;
    InvalidValue::check(
        "tail_start_ms",
        Requirement::NonNegative,
        options.tail_start_ms,
    )?;
    InvalidValue::check("tail_end_ms", Requirement::Positive, options.tail_end_ms)?;
    let tail_start = (options.tail_start_ms / dt_ms).round() as usize;
    let tail_end = ((options.tail_end_ms / dt_ms).round() as usize).min(lags);
    if options.tail_end_ms > options.kernel_ms || tail_end < tail_start + 3 {
        return Err(AecError::Option {
            field: "tail_end_ms",
            problem: format!(
                "the tail window [{}, {}] ms must hold at least 3 samples and end within kernel_ms = {} ms",
                options.tail_start_ms, options.tail_end_ms, options.kernel_ms
            ),
        });
    }
    if electrode_lags > lags {
        return Err(AecError::Option {
            field: "electrode_ms",
            problem: format!("must be at most kernel_ms = {} ms", options.kernel_ms),
        });
    }
    check_traces(voltage_mv, current_na)?;
    if current_na.len() < 10 * lags {
        return Err(AecError::TooLittleData {
            lags,
            needed: 10 * lags,
            got: current_na.len(),
        });
    }
    let centred = |x: &[f64]| {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| v - mean).collect::<Vec<f64>>()
    };
    let (v, i) = (centred(voltage_mv), centred(current_na));
    let autocorrelation = correlation(&i, &i, lags);
    let cross = correlation(&v, &i, lags);
    // h (mV/nA = MΩ per sample) solves R h = c; K = h / dt is per ms.
    let h = levinson(&autocorrelation, &cross)?;
    let full: Vec<f64> = h.iter().map(|x| x / dt_ms).collect();
    let times: Vec<f64> = (tail_start..tail_end).map(|k| k as f64 * dt_ms).collect();
    let (amplitude, tau_ms) = fit_exponential(&times, &full[tail_start..tail_end], dt_ms)?;
    let electrode = ElectrodeKernel {
        dt_s,
        mohm_per_ms: full[..electrode_lags]
            .iter()
            .enumerate()
            .map(|(k, kv)| kv - amplitude * (-(k as f64) * dt_ms / tau_ms).exp())
            .collect(),
    };
    Ok(AecEstimate {
        electrode,
        full_mohm_per_ms: full,
        membrane_amplitude_mohm_per_ms: amplitude,
        membrane_tau_ms: tau_ms,
    })
}

/// The recording without the electrode's drop: V_corrected(n) = V(n) − Σ_k K_e(k)·I(n−k)·dt,
/// with `voltage_mv` (mV) and `current_na` (nA) sampled at the kernel's `dt_s`. The current
/// before the first sample, which the recording does not have, is taken to be the first sample
/// (the cell sat at that current), so a constant current is compensated by exactly R_e·I from
/// the first sample on.
///
/// # Errors
/// [`AecError`] for traces of different lengths or with non-finite samples.
pub fn compensate(
    voltage_mv: &[f64],
    current_na: &[f64],
    kernel: &ElectrodeKernel,
) -> Result<Vec<f64>, AecError> {
    check_traces(voltage_mv, current_na)?;
    InvalidValue::check_all_finite("kernel.mohm_per_ms", &kernel.mohm_per_ms)?;
    let dt_ms = kernel.dt_s * 1e3;
    let first = current_na.first().copied().unwrap_or(0.0);
    Ok(voltage_mv
        .iter()
        .enumerate()
        .map(|(n, v)| {
            let drop: f64 = kernel
                .mohm_per_ms
                .iter()
                .enumerate()
                .map(|(k, kv)| kv * n.checked_sub(k).map_or(first, |j| current_na[j]))
                .sum();
            v - drop * dt_ms
        })
        .collect())
}

/// Samples in a positive duration `ms` at `dt_ms` (at least 1).
fn samples(field: &'static str, ms: f64, dt_ms: f64) -> Result<usize, AecError> {
    InvalidValue::check(field, Requirement::Positive, ms)?;
    Ok(((ms / dt_ms).round() as usize).max(1))
}

fn check_traces(voltage_mv: &[f64], current_na: &[f64]) -> Result<(), AecError> {
    if voltage_mv.len() != current_na.len() {
        return Err(AecError::LengthMismatch {
            current: current_na.len(),
            voltage: voltage_mv.len(),
        });
    }
    InvalidValue::check_all_finite("voltage_mv", voltage_mv)?;
    InvalidValue::check_all_finite("current_na", current_na)?;
    Ok(())
}

/// c(k) = mean over n of y(n)·x(n − k), for k = 0..lags, each lag averaged over the N − k
/// pairs it has.
fn correlation(y: &[f64], x: &[f64], lags: usize) -> Vec<f64> {
    (0..lags)
        .map(|k| {
            let sum: f64 = y[k..].iter().zip(x).map(|(a, b)| a * b).sum();
            sum / (y.len() - k) as f64
        })
        .collect()
}

/// Solves T h = c for the symmetric Toeplitz matrix T(i, j) = r(|i − j|) by the Levinson
/// recursion (Levinson 1947, J Math Phys 25:261; e.g. Golub & Van Loan, "Matrix
/// Computations", §4.7): the forward vector f_n with T_n f_n = e_1 is extended by
/// f_{n+1} = ([f_n; 0] − ε [0; reverse(f_n)]) / (1 − ε²), ε = Σ_i r(n − i) f_n(i), and the
/// solution by h_{n+1} = [h_n; 0] + (c(n) − Σ_i r(n − i) h_n(i)) reverse(f_{n+1}).
///
/// # Errors
/// [`AecError::Singular`] when 1 − ε² ≤ 1e-12 (T not numerically positive definite).
fn levinson(r: &[f64], c: &[f64]) -> Result<Vec<f64>, AecError> {
    let l = r.len();
    if r[0].is_nan() || r[0] <= 0.0 {
        return Err(AecError::Singular { lag: 0 });
    }
    let mut f = vec![1.0 / r[0]];
    let mut h = vec![c[0] / r[0]];
    for n in 1..l {
        let eps: f64 = (0..n).map(|i| r[n - i] * f[i]).sum();
        let denominator = 1.0 - eps * eps;
        if denominator.is_nan() || denominator <= 1e-12 {
            return Err(AecError::Singular { lag: n });
        }
        let mut next = Vec::with_capacity(n + 1);
        for i in 0..=n {
            let forward = if i < n { f[i] } else { 0.0 };
            let backward = if i > 0 { f[n - i] } else { 0.0 };
            next.push((forward - eps * backward) / denominator);
        }
        f = next;
        let err: f64 = (0..n).map(|i| r[n - i] * h[i]).sum();
        h.push(0.0);
        for i in 0..=n {
            h[i] += (c[n] - err) * f[n - i];
        }
    }
    Ok(h)
}

/// Least-squares fit of y ≈ b·e^{−t/τ}: b is linear given τ, so the residual is profiled over τ
/// (b(τ) = Σ y e / Σ e², RSS(τ) = Σ y² − (Σ y e)² / Σ e²), first on 400 log-spaced τ from dt
/// to 100× the window's end, then refined by golden-section search between the neighbours of
/// the best grid point. Returns (b, τ) in the units of y and t.
fn fit_exponential(t: &[f64], y: &[f64], dt: f64) -> Result<(f64, f64), AecError> {
    let profile = |tau: f64| {
        let (mut ye, mut ee) = (0.0, 0.0);
        for (ti, yi) in t.iter().zip(y) {
            let e = (-ti / tau).exp();
            ye += yi * e;
            ee += e * e;
        }
        (ye / ee, -ye * ye / ee)
    };
    let (lo, hi) = (dt.ln(), (100.0 * t[t.len() - 1]).ln());
    const GRID: usize = 400;
    let at = |j: usize| (lo + (hi - lo) * j as f64 / (GRID - 1) as f64).exp();
    let best = (0..GRID)
        .min_by(|&a, &b| profile(at(a)).1.total_cmp(&profile(at(b)).1))
        .expect("the grid is not empty");
    if best == 0 || best == GRID - 1 {
        return Err(AecError::Tail {
            why: format!(
                "the best time constant is at the edge of the search range ({:.3} ms)",
                at(best)
            ),
        });
    }
    let (mut a, mut b) = (at(best - 1).ln(), at(best + 1).ln());
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let (x1, x2) = (b - golden * (b - a), a + golden * (b - a));
        if profile(x1.exp()).1 <= profile(x2.exp()).1 {
            b = x2;
        } else {
            a = x1;
        }
    }
    let tau = ((a + b) / 2.0).exp();
    let amplitude = profile(tau).0;
    if amplitude.is_nan() || amplitude <= 0.0 {
        return Err(AecError::Tail {
            why: format!("its amplitude is {amplitude} MΩ/ms, not positive"),
        });
    }
    Ok((amplitude, tau))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::linalg::solve_spd;
    use crate::rng::rng_from_seed;
    use rand::Rng;
    use rand_distr::StandardNormal;

    #[test]
    fn compensation_removes_a_known_electrode_drop_exactly() {
        // K_e = [2, 1, 0.5] MΩ/ms at dt = 0.1 ms, so R_e = 3.5 · 0.1 = 0.35 MΩ.
        let kernel = ElectrodeKernel {
            dt_s: 1e-4,
            mohm_per_ms: vec![2.0, 1.0, 0.5],
        };
        assert!((kernel.resistance_mohm() - 0.35).abs() < 1e-12);
        let current = [1.0, -2.0, 3.0, 0.0, 4.0];
        // Drops by hand (the current before sample 0 is taken as I(0) = 1):
        // n=0: (2·1 + 1·1 + 0.5·1)·0.1 = 0.35
        // n=1: (2·(−2) + 1·1 + 0.5·1)·0.1 = −0.25
        // n=2: (2·3 + 1·(−2) + 0.5·1)·0.1 = 0.45
        // n=3: (2·0 + 1·3 + 0.5·(−2))·0.1 = 0.2
        // n=4: (2·4 + 1·0 + 0.5·3)·0.1 = 0.95
        let drops = [0.35, -0.25, 0.45, 0.2, 0.95];
        let membrane = [-70.0, -69.5, -68.0, -68.5, -67.0];
        let recorded: Vec<f64> = membrane.iter().zip(drops).map(|(m, d)| m + d).collect();
        let corrected = compensate(&recorded, &current, &kernel).unwrap();
        for (c, m) in corrected.iter().zip(membrane) {
            assert!((c - m).abs() < 1e-12, "{c} vs {m}");
        }
    }

    #[test]
    fn compensation_checks_its_inputs() {
        let kernel = ElectrodeKernel {
            dt_s: 1e-4,
            mohm_per_ms: vec![1.0],
        };
        let err = compensate(&[0.0; 3], &[0.0; 2], &kernel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "current_na has 2 samples but voltage_mv has 3"
        );
        let err = compensate(&[0.0, f64::NAN], &[0.0; 2], &kernel).unwrap_err();
        assert!(
            err.to_string().starts_with("voltage_mv[1] must be finite"),
            "{err}"
        );
    }

    #[test]
    fn levinson_agrees_with_cholesky() {
        // A positive-definite Toeplitz matrix from the autocorrelation of an AR(1)-like
        // sequence r(k) = 0.7^k plus a white part, and an arbitrary right-hand side.
        let l = 12;
        let r: Vec<f64> = (0..l)
            .map(|k| 0.7f64.powi(k as i32) + if k == 0 { 0.3 } else { 0.0 })
            .collect();
        let c: Vec<f64> = (0..l).map(|k| (k as f64 * 0.9).sin() + 0.1).collect();
        let mut dense = vec![0.0; l * l];
        for i in 0..l {
            for j in 0..l {
                dense[i * l + j] = r[i.abs_diff(j)];
            }
        }
        let fast = levinson(&r, &c).unwrap();
        let naive = solve_spd(&dense, &c, l).unwrap();
        for (a, b) in fast.iter().zip(&naive) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // A constant current: r(k) = r(0) for every k is singular at lag 1.
        assert_eq!(
            levinson(&[1.0; 4], &[1.0; 4]).unwrap_err(),
            AecError::Singular { lag: 1 }
        );
    }

    #[test]
    fn the_exponential_fit_recovers_an_exact_exponential() {
        let t: Vec<f64> = (30..600).map(|k| k as f64 * 0.1).collect();
        let y: Vec<f64> = t.iter().map(|t| 12.0 * (-t / 17.0).exp()).collect();
        let (b, tau) = fit_exponential(&t, &y, 0.1).unwrap();
        assert!(
            (b - 12.0).abs() < 1e-6 && (tau - 17.0).abs() < 1e-6,
            "{b} {tau}"
        );
        let negative: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!(matches!(
            fit_exponential(&t, &negative, 0.1),
            Err(AecError::Tail { .. })
        ));
    }

    /// `Σ_k (r/τ)·e^{−k·dt/τ}·I(n−k)·dt` by its recursion s(n) = e^{−dt/τ}·s(n−1) + (r/τ)·dt·I(n):
    /// the response of a sampled exponential kernel of resistance r (MΩ) and time constant τ (ms).
    fn exponential_response(current: &[f64], r_mohm: f64, tau_ms: f64, dt_ms: f64) -> Vec<f64> {
        let decay = (-dt_ms / tau_ms).exp();
        let mut s = 0.0;
        current
            .iter()
            .map(|i| {
                s = decay * s + r_mohm / tau_ms * dt_ms * i;
                s
            })
            .collect()
    }

    #[test]
    fn a_known_electrode_and_membrane_are_recovered_from_white_noise() {
        // dt = 0.1 ms; 20 s of white current, SD 0.1 nA around −0.05 nA.
        // Electrode: R_e = 20 MΩ, τ_e = 0.2 ms; membrane: R_m = 300 MΩ, τ_m = 10 ms, E_L = −70 mV;
        // plus white recording noise of SD 0.2 mV.
        let dt_ms = 0.1;
        let mut rng = rng_from_seed(42);
        let current: Vec<f64> = (0..200_000)
            .map(|_| -0.05 + 0.1 * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let electrode = exponential_response(&current, 20.0, 0.2, dt_ms);
        let membrane = exponential_response(&current, 300.0, 10.0, dt_ms);
        let voltage: Vec<f64> = (0..current.len())
            .map(|n| {
                -70.0 + membrane[n] + electrode[n] + 0.2 * rng.sample::<f64, _>(StandardNormal)
            })
            .collect();
        let options = AecOptions {
            kernel_ms: 80.0,
            tail_start_ms: 3.0,
            tail_end_ms: 80.0,
            electrode_ms: 7.0,
        };
        let est = estimate_electrode(&voltage, &current, dt_ms * 1e-3, &options).unwrap();
        assert_eq!(est.full_mohm_per_ms.len(), 800);
        assert_eq!(est.electrode.mohm_per_ms.len(), 70);
        // The sampled electrode kernel sums to R_e·(dt/τ_e)/(1 − e^{−dt/τ_e})
        // = 20 · 0.5 / (1 − e^{−0.5}) = 20 · 0.5 / 0.393469 = 25.415 MΩ.
        let r_e = est.electrode_resistance_mohm();
        // Tolerance: each lag of K carries a regression error of SD about
        // σ_noise / (σ_I·√N) = 0.2 / (0.1·√200000) = 0.0045 MΩ per sample, so the 70 lags of R_e
        // about √70 · 0.0045 = 0.04 MΩ; 0.25 MΩ (1 %) is six of those.
        assert!((r_e - 25.415).abs() < 0.25, "R_e = {r_e} MΩ");
        // The membrane exponential: b = R_m/τ_m = 30 MΩ/ms, τ = 10 ms, b·τ = 300 MΩ.
        let tau = est.membrane_tau_ms;
        assert!((tau - 10.0).abs() < 0.1, "τ = {tau} ms");
        let r_m = est.membrane_resistance_mohm();
        assert!((r_m - 300.0).abs() < 3.0, "R_m = {r_m} MΩ");
        // Compensating the recording leaves the membrane potential plus the recording noise.
        let corrected = compensate(&voltage, &current, &est.electrode).unwrap();
        let residual: f64 = corrected
            .iter()
            .zip(&membrane)
            .map(|(c, m)| (c - (-70.0 + m)).powi(2))
            .sum::<f64>()
            / corrected.len() as f64;
        let electrode_power: f64 =
            electrode.iter().map(|e| e * e).sum::<f64>() / electrode.len() as f64;
        // The electrode drop has mean power (R_e·I_mean)² + variance = (25.4·0.05)² +
        // (10 MΩ/ms·0.1 ms)²·0.01 nA² / (1 − e^{−1}) = 1.61 + 1.58 = 3.2 mV²; what is left is the
        // 0.2² = 0.04 mV² of recording noise plus a misfit under 5 % of it.
        assert!((electrode_power - 3.2).abs() < 0.1, "{electrode_power}");
        assert!(residual < 0.042, "residual power {residual} mV²");
    }

    #[test]
    fn options_and_data_are_checked_by_name() {
        let v = vec![0.0; 1000];
        let i: Vec<f64> = (0..1000).map(|k| (k as f64).sin()).collect();
        let bad = AecOptions {
            tail_end_ms: 200.0,
            ..AecOptions::default()
        };
        let err = estimate_electrode(&v, &i, 1e-4, &bad).unwrap_err();
        assert!(
            matches!(
                err,
                AecError::Option {
                    field: "tail_end_ms",
                    ..
                }
            ),
            "{err}"
        );
        let err = estimate_electrode(&v, &i, 1e-4, &AecOptions::default()).unwrap_err();
        assert_eq!(
            err,
            AecError::TooLittleData {
                lags: 1500,
                needed: 15_000,
                got: 1000
            }
        );
        let err = estimate_electrode(&v, &i, -1.0, &AecOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("dt_s must be"), "{err}");
    }
}
