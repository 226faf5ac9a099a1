//! Rate-based comparisons: Schreiber correlation, explained variance of smoothed PSTHs,
//! spike-count and rate errors.
//!
//! These complement the timing metrics: they ask whether the prediction gets the
//! *time-varying rate* right at a chosen resolution σ, and whether it gets the overall rate
//! right at all.

use crate::metric::{Metric, finite, undefined};
use crate::train::{SpikeTrain, Window};

/// Schreiber: pairs more than this many σ apart are skipped; their term e^{−d²/4σ²} <
/// e^{−36} ≈ 2.3·10⁻¹⁶ is below the resolution of the diagonal terms (each 1).
const SCHREIBER_CUTOFF_SIGMAS: f64 = 12.0;

/// PSTH: the Gaussian kernel is cut at this many σ, where e^{−8²/2} ≈ 1.3·10⁻¹⁴ of its peak.
const PSTH_CUTOFF_SIGMAS: f64 = 8.0;

/// Σ_{i,j} exp(−(a_i − b_j)²/(4σ²)) over sorted trains; pairs more than 12σ apart skipped.
fn gaussian_overlap(a: &[f64], b: &[f64], sigma_s: f64) -> f64 {
    let reach = SCHREIBER_CUTOFF_SIGMAS * sigma_s;
    let mut lo = 0;
    let mut total = 0.0;
    for &x in a {
        while lo < b.len() && x - b[lo] > reach {
            lo += 1;
        }
        for &y in b[lo..].iter().take_while(|&&y| y - x <= reach) {
            let d = x - y;
            total += (-d * d / (4.0 * sigma_s * sigma_s)).exp();
        }
    }
    total
}

/// Schreiber et al. 2003 (Neurocomputing 52:925) correlation of two trains:
/// each train is convolved with a Gaussian of standard deviation σ (s) and the result is the
/// cosine of the two filtered signals over the whole real line,
/// R = Σ_{ij} e^{−(a_i − b_j)²/4σ²} / √(Σ_{ij} e^{−(a_i − a_j)²/4σ²} · Σ_{ij} e^{−(b_i − b_j)²/4σ²}),
/// using ∫ g_σ(t − x) g_σ(t − y) dt ∝ e^{−(x − y)²/4σ²}. Dimensionless, in [0, 1].
///
/// # Errors (undefined)
/// Both trains empty. If exactly one is empty the value is 0 (no shared spikes), a
/// convention: the cosine with a zero signal is formally undefined.
pub fn schreiber(a: &SpikeTrain, b: &SpikeTrain, sigma_s: f64) -> Metric {
    let norm = |t: &SpikeTrain| gaussian_overlap(t.times(), t.times(), sigma_s);
    schreiber_with_norms(a, b, norm(a), norm(b), sigma_s)
}

/// [`schreiber`] given the trains' self-overlaps Σ_{ij} e^{−(t_i − t_j)²/4σ²}.
fn schreiber_with_norms(a: &SpikeTrain, b: &SpikeTrain, aa: f64, bb: f64, sigma_s: f64) -> Metric {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => undefined("Schreiber correlation undefined: both trains are empty"),
        (true, false) | (false, true) => Ok(0.0),
        _ => finite(
            gaussian_overlap(a.times(), b.times(), sigma_s) / (aa * bb).sqrt(),
            "Schreiber correlation",
        ),
    }
}

/// Mean [`schreiber`] correlation over all recorded × predicted pairs, with each train's
/// self-overlap computed once.
///
/// # Errors (undefined)
/// No repeats on either side, or any pair undefined.
pub fn mean_schreiber(recorded: &[SpikeTrain], predicted: &[SpikeTrain], sigma_s: f64) -> Metric {
    if recorded.is_empty() || predicted.is_empty() {
        return undefined("Schreiber correlation undefined: no recorded or no predicted repeats");
    }
    let norms = |v: &[SpikeTrain]| -> Vec<f64> {
        v.iter()
            .map(|t| gaussian_overlap(t.times(), t.times(), sigma_s))
            .collect()
    };
    let (nr, np) = (norms(recorded), norms(predicted));
    crate::metric::mean_of(
        recorded.iter().zip(&nr).flat_map(|(r, &rr)| {
            predicted
                .iter()
                .zip(&np)
                .map(move |(p, &pp)| schreiber_with_norms(r, p, rr, pp, sigma_s))
        }),
        "Schreiber correlation",
    )
}

/// Sampling grid of the smoothed PSTHs: K = round(T/dt) bins tiling the window exactly.
#[derive(Clone, Copy, Debug)]
struct Grid {
    start: f64,
    step: f64,
    bins: usize,
}

impl Grid {
    fn new(window: Window, dt_s: f64) -> Grid {
        let bins = ((window.duration_s() / dt_s).round() as usize).max(1);
        Grid {
            start: window.start_s,
            step: window.duration_s() / bins as f64,
            bins,
        }
    }
    fn centre(&self, k: usize) -> f64 {
        self.start + (k as f64 + 0.5) * self.step
    }
}

/// Trial-averaged PSTH (Hz) smoothed by a unit-area Gaussian of s.d. σ, at the bin centres:
/// p(t_k) = (1/N) Σ_n Σ_i g_σ(t_k − t_i^(n)). Spikes near the edges lose the kernel mass that
/// falls outside the window, equally for both sides of a comparison.
fn smoothed_psth(trains: &[SpikeTrain], grid: Grid, sigma_s: f64) -> Vec<f64> {
    let mut p = vec![0.0; grid.bins];
    let norm = 1.0 / (trains.len() as f64 * sigma_s * (2.0 * std::f64::consts::PI).sqrt());
    let h = grid.step / sigma_s;
    let ratio_step = (-h * h).exp();
    for &x in trains.iter().flat_map(|t| t.times()) {
        let first_t = x - PSTH_CUTOFF_SIGMAS * sigma_s;
        let k0 = (((first_t - grid.start) / grid.step) - 0.5).ceil().max(0.0) as usize;
        if k0 >= grid.bins {
            continue;
        }
        // g_k = exp(−u_k²/2), u_k = (t_k − x)/σ; g_{k+1} = g_k·r_k, r_k = exp(−u_k h − h²/2),
        // r_{k+1} = r_k·exp(−h²): two multiplications per bin.
        let u0 = (grid.centre(k0) - x) / sigma_s;
        let mut g = (-0.5 * u0 * u0).exp();
        let mut r = (-u0 * h - 0.5 * h * h).exp();
        let mut k = k0;
        while k < grid.bins && (grid.centre(k) - x) <= PSTH_CUTOFF_SIGMAS * sigma_s {
            p[k] += g * norm;
            g *= r;
            r *= ratio_step;
            k += 1;
        }
    }
    p
}

fn variance(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64
}

/// Explained variance of the recorded PSTH by the predicted PSTH (Allen Institute GLIF
/// convention, Teeter et al. 2018, Nat Commun 9:709): both trial-averaged PSTHs are smoothed
/// by a Gaussian of s.d. `sigma_s` (default 10 ms) and sampled on bins of `dt_s` (default 1 ms)
/// tiling the window; EV = 1 − Var(p_D − p_M) / Var(p_D), variances over time bins.
/// Dimensionless, ≤ 1 (1 = identical PSTHs; can be negative).
///
/// # Errors (undefined)
/// No repeats on either side, or a recorded PSTH with zero variance (e.g. no spikes).
pub fn explained_variance(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    window: Window,
    sigma_s: f64,
    dt_s: f64,
) -> Metric {
    if recorded.is_empty() || predicted.is_empty() {
        return undefined("explained variance undefined: no recorded or no predicted repeats");
    }
    let grid = Grid::new(window, dt_s);
    let pd = smoothed_psth(recorded, grid, sigma_s);
    let pm = smoothed_psth(predicted, grid, sigma_s);
    let var_d = variance(&pd);
    if var_d <= 0.0 {
        return undefined("explained variance undefined: the recorded PSTH has zero variance");
    }
    let diff: Vec<f64> = pd.iter().zip(&pm).map(|(d, m)| d - m).collect();
    finite(1.0 - variance(&diff) / var_d, "explained variance")
}

/// Time-averaged products of the per-repeat smoothed PSTHs, each centred on its own time
/// mean: entry (i, j) = (1/K) Σ_k (p_i(t_k) − p̄_i)(p_j(t_k) − p̄_j), for the pairs
/// (a, a), (b, b) and (a, b). The variance of any average of repeats (copies allowed) is then
/// a mean of entries, which lets the bootstrap recompute the explained variance of a resample
/// without touching the PSTHs again.
pub(crate) struct PsthGram {
    pub(crate) aa: Vec<Vec<f64>>,
    pub(crate) bb: Vec<Vec<f64>>,
    pub(crate) ab: Vec<Vec<f64>>,
}

impl PsthGram {
    pub(crate) fn new(
        a: &[SpikeTrain],
        b: &[SpikeTrain],
        window: Window,
        sigma_s: f64,
        dt_s: f64,
    ) -> Self {
        let grid = Grid::new(window, dt_s);
        let centred = |trains: &[SpikeTrain]| -> Vec<Vec<f64>> {
            trains
                .iter()
                .map(|t| {
                    let mut p = smoothed_psth(std::slice::from_ref(t), grid, sigma_s);
                    let mean = p.iter().sum::<f64>() / p.len() as f64;
                    p.iter_mut().for_each(|x| *x -= mean);
                    p
                })
                .collect()
        };
        let (ca, cb) = (centred(a), centred(b));
        let k = grid.bins as f64;
        let gram = |x: &[Vec<f64>], y: &[Vec<f64>]| -> Vec<Vec<f64>> {
            x.iter()
                .map(|u| {
                    y.iter()
                        .map(|v| u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>() / k)
                        .collect()
                })
                .collect()
        };
        PsthGram {
            aa: gram(&ca, &ca),
            bb: gram(&cb, &cb),
            ab: gram(&ca, &cb),
        }
    }

    /// Explained variance of the average of repeats `ia` of a by the average of repeats `ib`
    /// of b (indices may repeat), as [`explained_variance`] computes it.
    pub(crate) fn explained_variance(&self, ia: &[usize], ib: &[usize]) -> Metric {
        if ia.is_empty() || ib.is_empty() {
            return undefined("explained variance undefined: no recorded or no predicted repeats");
        }
        let mean = |m: &[Vec<f64>], x: &[usize], y: &[usize]| -> f64 {
            x.iter()
                .flat_map(|&i| y.iter().map(move |&j| m[i][j]))
                .sum::<f64>()
                / (x.len() * y.len()) as f64
        };
        let var_a = mean(&self.aa, ia, ia);
        if var_a <= 0.0 {
            return undefined("explained variance undefined: the recorded PSTH has zero variance");
        }
        let var_diff = var_a + mean(&self.bb, ib, ib) - 2.0 * mean(&self.ab, ia, ib);
        finite(1.0 - var_diff / var_a, "explained variance")
    }
}

/// Mean firing rate over repeats, Hz.
fn mean_rate(trains: &[SpikeTrain], window: Window) -> f64 {
    let spikes: usize = trains.iter().map(SpikeTrain::len).sum();
    spikes as f64 / (trains.len() as f64 * window.duration_s())
}

/// Spike-count difference: mean predicted count − mean recorded count per repeat (spikes,
/// signed).
///
/// # Errors (undefined)
/// No repeats on either side.
pub fn spike_count_difference(recorded: &[SpikeTrain], predicted: &[SpikeTrain]) -> Metric {
    if recorded.is_empty() || predicted.is_empty() {
        return undefined("spike-count difference undefined: no recorded or no predicted repeats");
    }
    let mean =
        |t: &[SpikeTrain]| t.iter().map(SpikeTrain::len).sum::<usize>() as f64 / t.len() as f64;
    Ok(mean(predicted) - mean(recorded))
}

/// Relative rate error |ν_M − ν_D| / ν_D of the mean predicted rate ν_M against the mean
/// recorded rate ν_D (dimensionless; 0 = right rate).
///
/// # Errors (undefined)
/// No repeats on either side, or no recorded spikes (ν_D = 0).
pub fn rate_error(recorded: &[SpikeTrain], predicted: &[SpikeTrain], window: Window) -> Metric {
    if recorded.is_empty() || predicted.is_empty() {
        return undefined("rate error undefined: no recorded or no predicted repeats");
    }
    relative_rate_error(mean_rate(recorded, window), mean_rate(predicted, window))
}

/// |ν_M − ν_D| / ν_D from the two mean rates (any common unit).
pub(crate) fn relative_rate_error(recorded_rate: f64, predicted_rate: f64) -> Metric {
    if recorded_rate <= 0.0 {
        return undefined("rate error undefined: the recorded repeats have no spikes");
    }
    finite(
        (predicted_rate - recorded_rate).abs() / recorded_rate,
        "rate error",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    #[test]
    fn schreiber_hand_computed() {
        // {0} vs {2σ}: numerator e^{−4σ²/4σ²} = e^{−1}; norms 1 and 1 → R = 1/e.
        let r = schreiber(&t(&[0.0]), &t(&[0.02]), 0.01).unwrap();
        assert!((r - (-1.0f64).exp()).abs() < 1e-15);
        // {0, 1} vs {0}: numerator 1 (+e^{−2500}); norms 2 and 1 → 1/√2.
        let r = schreiber(&t(&[0.0, 1.0]), &t(&[0.0]), 0.01).unwrap();
        assert!((r - 0.5f64.sqrt()).abs() < 1e-15);
        assert!(schreiber(&SpikeTrain::default(), &SpikeTrain::default(), 0.01).is_err());
        assert_eq!(schreiber(&SpikeTrain::default(), &t(&[0.1]), 0.01), Ok(0.0));
    }

    #[test]
    fn mean_schreiber_is_the_mean_of_pairs() {
        let r = [t(&[0.1, 0.2, 0.5]), t(&[0.102, 0.52])];
        let p = [t(&[0.1, 0.21]), t(&[0.3]), t(&[0.099, 0.5, 0.9])];
        let mut sum = 0.0;
        for a in &r {
            for b in &p {
                sum += schreiber(a, b, 0.004).unwrap();
            }
        }
        let m = mean_schreiber(&r, &p, 0.004).unwrap();
        assert!((m - sum / 6.0).abs() < 1e-15);
        assert!(mean_schreiber(&r, &[], 0.004).is_err());
    }

    #[test]
    fn explained_variance_hand_computed() {
        let w = Window::new(0.0, 2.0).unwrap();
        let d = [t(&[0.5, 1.0, 1.5])];
        // Identical → 1; empty prediction → 1 − Var(p_D)/Var(p_D) = 0.
        assert_eq!(explained_variance(&d, &d, w, 0.01, 0.001), Ok(1.0));
        let e = explained_variance(&d, &[SpikeTrain::default()], w, 0.01, 0.001).unwrap();
        assert!(e.abs() < 1e-12);
        // Two identical recorded repeats have the PSTH of one: EV = 1.
        let e = explained_variance(
            &[d[0].clone(), d[0].clone()],
            &[d[0].clone()],
            w,
            0.01,
            0.001,
        );
        assert_eq!(e, Ok(1.0));
        // A prediction at half the PSTH (one empty repeat of two) leaves
        // Var(p_D/2)/Var(p_D) = 1/4 unexplained: EV = 0.75.
        let half = explained_variance(&d, &[d[0].clone(), SpikeTrain::default()], w, 0.01, 0.001);
        assert!((half.unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn smoothed_psth_matches_direct_gaussian() {
        let w = Window::new(0.0, 1.0).unwrap();
        let trains = [t(&[0.0003, 0.2, 0.5004, 0.99]), t(&[0.21, 0.6])];
        let grid = Grid::new(w, 0.001);
        let p = smoothed_psth(&trains, grid, 0.01);
        let sigma: f64 = 0.01;
        for (k, &v) in p.iter().enumerate() {
            let x = grid.centre(k);
            let direct: f64 = trains
                .iter()
                .flat_map(|t| t.times())
                .map(|s| (-(x - s).powi(2) / (2.0 * sigma * sigma)).exp())
                .sum::<f64>()
                / (2.0 * sigma * (2.0 * std::f64::consts::PI).sqrt());
            assert!(
                (v - direct).abs() <= 1e-10 * direct.max(1.0),
                "bin {k}: {v} vs {direct}"
            );
        }
    }

    #[test]
    fn psth_gram_reproduces_explained_variance() {
        let w = Window::new(0.0, 2.0).unwrap();
        let d = [
            t(&[0.1, 0.5, 1.2]),
            t(&[0.11, 0.52, 1.5, 1.9]),
            t(&[0.3, 0.5]),
        ];
        let m = [t(&[0.1, 0.5]), t(&[0.12, 1.21, 1.6])];
        let g = PsthGram::new(&d, &m, w, 0.01, 0.001);
        let direct = explained_variance(&d, &m, w, 0.01, 0.001).unwrap();
        let via = g.explained_variance(&[0, 1, 2], &[0, 1]).unwrap();
        assert!((direct - via).abs() < 1e-9, "{direct} vs {via}");
        // Copies: repeats (0, 0, 2) against (1) equal the direct value on those trains.
        let copies = [d[0].clone(), d[0].clone(), d[2].clone()];
        let direct = explained_variance(&copies, &m[1..], w, 0.01, 0.001).unwrap();
        let via = g.explained_variance(&[0, 0, 2], &[1]).unwrap();
        assert!((direct - via).abs() < 1e-9, "{direct} vs {via}");
    }

    #[test]
    fn rate_errors() {
        let w = Window::new(0.0, 2.0).unwrap();
        let d = [t(&[0.1, 0.2]), t(&[0.3, 0.4, 0.5, 0.6])]; // mean 3 spikes → 1.5 Hz
        let m = [t(&[0.1, 0.2, 0.3])]; // 3 spikes → 1.5 Hz
        assert_eq!(rate_error(&d, &m, w), Ok(0.0));
        assert_eq!(spike_count_difference(&d, &m), Ok(0.0));
        let m2 = [t(&[0.1])]; // 0.5 Hz → |0.5 − 1.5|/1.5 = 2/3
        assert!((rate_error(&d, &m2, w).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(spike_count_difference(&d, &m2), Ok(-2.0));
        assert!(rate_error(&[SpikeTrain::default()], &m, w).is_err());
    }

    fn sorted(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::btree_set(0u32..1000, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn schreiber_symmetric_bounded_and_matches_naive(a in sorted(30), b in sorted(30)) {
            let (ta, tb) = (t(&a), t(&b));
            if let Ok(r) = schreiber(&ta, &tb, 0.005) {
                prop_assert!((-1e-12..=1.0 + 1e-12).contains(&r));
                prop_assert!((r - schreiber(&tb, &ta, 0.005).unwrap()).abs() < 1e-12);
                if !a.is_empty() && !b.is_empty() {
                    let k = |u: &[f64], v: &[f64]| -> f64 {
                        u.iter().flat_map(|x| v.iter().map(move |y| (-(x - y) * (x - y) / (4.0 * 0.005 * 0.005)).exp())).sum()
                    };
                    let naive = k(&a, &b) / (k(&a, &a) * k(&b, &b)).sqrt();
                    prop_assert!((r - naive).abs() < 1e-12);
                }
            }
        }
    }
}
