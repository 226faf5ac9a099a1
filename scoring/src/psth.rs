//! Rate-based comparisons: Schreiber correlation, explained variance of smoothed PSTHs,
//! spike-count and rate errors.
//!
//! These complement the timing metrics: they ask whether the prediction gets the
//! *time-varying rate* right at a chosen resolution σ, and whether it gets the overall rate
//! right at all.

use crate::gauss::{ExpSum, Sum};
use crate::metric::{Metric, finite, undefined};
use crate::train::{SpikeTrain, Window};

/// Schreiber: pairs more than this many σ apart are skipped; their term e^{−d²/4σ²} <
/// e^{−36} ≈ 2.3·10⁻¹⁶ is below the resolution of the diagonal terms (each 1).
const SCHREIBER_CUTOFF_SIGMAS: f64 = 12.0;

/// PSTH: the Gaussian kernel is cut at this many σ, where e^{−8²/2} ≈ 1.3·10⁻¹⁴ of its peak.
const PSTH_CUTOFF_SIGMAS: f64 = 8.0;

/// PSTH products: two spikes further apart than this many σ are left out; their product term
/// e^{−d²/4σ²} < e^{−36} ≈ 2.3·10⁻¹⁶ is below the resolution of a diagonal term (σ√π/dt).
const PAIR_CUTOFF_SIGMAS: f64 = 12.0;

/// Σ_{i,j} exp(−(a_i − b_j)²/(4σ²)) over sorted trains; pairs more than 12σ apart skipped.
fn gaussian_overlap(a: &[f64], b: &[f64], sigma_s: f64) -> f64 {
    let reach = SCHREIBER_CUTOFF_SIGMAS * sigma_s;
    let k = 1.0 / (4.0 * sigma_s * sigma_s);
    let (mut lo, mut hi) = (0, 0);
    let mut total = ExpSum::new();
    for &x in a {
        while lo < b.len() && x - b[lo] > reach {
            lo += 1;
        }
        hi = reach_end(b, x, reach, lo.max(hi));
        total.add_row(x, &b[lo..hi], k);
    }
    total.value()
}

/// The end of the spikes of sorted `ys` within `reach` after `x`, searched forward from `from`:
/// both sweeps move this end only forward as `x` grows, so each spike is passed once.
fn reach_end(ys: &[f64], x: f64, reach: f64, from: usize) -> usize {
    let mut end = from;
    while end < ys.len() && ys[end] - x <= reach {
        end += 1;
    }
    end
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

/// Sums over the bins of a grid of Gaussian terms centred on spikes, in closed form where the
/// grid covers a spike's whole reach, and bin by bin near the window's edges.
///
/// # Why closed forms
/// The smoothed PSTH p(t_k) = w Σ_s G(t_k − s), G(u) = e^{−u²/2σ²} cut at |u| ≤ R = 8σ, is
/// sampled on bins of dt (1 ms) tiling the window: 10⁸ bins for a 100 000 s window. The
/// variances the explained variance needs are sums over bins of p and p², that is sums over
/// spikes of A(s) = Σ_k G(t_k − s) and over pairs of spikes of
/// B(s, s') = Σ_k G(t_k − s) G(t_k − s') = e^{−(s−s')²/4σ²} Σ_k e^{−(t_k − m)²/σ²}, m = (s+s')/2.
/// Where the grid covers the spike's reach, Poisson summation gives the full-line sums
/// Σ_k e^{−(t_k − x)²/2σ²} = (σ√(2π)/dt)(1 + 2Σ_n e^{−2π²σ²n²/dt²} cos(…)), whose corrections
/// are below e^{−1900} for σ = 10 dt, and the cut at R removes at most e^{−32} ≈ 1.3·10⁻¹⁴ of a
/// diagonal term (the largest truncated share of B is at |s − s'| = R, e^{−u²/2 + 8u − 64}
/// with u = |s − s'|/σ, maximal e^{−32}): A = σ√(2π)/dt and B = e^{−(s−s')²/4σ²} σ√π/dt to
/// ~1e-14 relative. Pairs more than 2R apart share no bin (B = 0). Near an edge of the window,
/// where the grid cuts a spike's reach, A and B are summed bin by bin over the bins each
/// spike reaches. So the cost is O(spikes + close pairs) whatever the window's length, and
/// nothing grows with it; `tests::closed_forms_match_the_dense_grid` checks against the dense
/// evaluation.
struct GaussianGrid {
    grid: Grid,
    sigma_s: f64,
    reach: f64,
    /// Spikes in [interior.0, interior.1] have every bin of their reach inside the grid.
    interior: (f64, f64),
    /// A of an interior spike, σ√(2π)/dt.
    single: f64,
    /// B of two interior spikes at the same time, σ√π/dt; 1/(4σ²) scales the lag's factor.
    pair: f64,
    inv_4s2: f64,
    /// Pairs further apart are left out: [`PAIR_CUTOFF_SIGMAS`]·σ (at most 2R).
    pair_reach: f64,
}

impl GaussianGrid {
    fn new(grid: Grid, sigma_s: f64) -> GaussianGrid {
        let reach = PSTH_CUTOFF_SIGMAS * sigma_s;
        let pi = std::f64::consts::PI;
        GaussianGrid {
            grid,
            sigma_s,
            reach,
            interior: (
                grid.centre(0) + reach + grid.step,
                grid.centre(grid.bins - 1) - reach - grid.step,
            ),
            single: sigma_s * (2.0 * pi).sqrt() / grid.step,
            pair: sigma_s * pi.sqrt() / grid.step,
            inv_4s2: 1.0 / (4.0 * sigma_s * sigma_s),
            pair_reach: (PAIR_CUTOFF_SIGMAS * sigma_s).min(2.0 * reach),
        }
    }

    /// The bins a spike at `x` reaches: centres within R of it, inside the grid.
    fn bins(&self, x: f64) -> std::ops::Range<usize> {
        let g = &self.grid;
        let first = (((x - self.reach - g.start) / g.step) - 0.5)
            .ceil()
            .max(0.0) as usize;
        let mut last = first;
        while last < g.bins && g.centre(last) - x <= self.reach {
            last += 1;
        }
        first.min(g.bins)..last
    }

    /// Whether the grid covers every bin within R of `x`, with a bin to spare on each side.
    fn interior(&self, x: f64) -> bool {
        (self.interior.0..=self.interior.1).contains(&x)
    }

    fn gauss(&self, u: f64) -> f64 {
        (-u * u / (2.0 * self.sigma_s * self.sigma_s)).exp()
    }

    /// A(x) = Σ_k G(t_k − x).
    fn single(&self, x: f64) -> f64 {
        if self.interior(x) {
            self.single
        } else {
            self.bins(x)
                .map(|k| self.gauss(self.grid.centre(k) - x))
                .sum()
        }
    }

    /// B(x, y) = Σ_k G(t_k − x) G(t_k − y), 0 when the spikes share no bin.
    fn pair(&self, x: f64, y: f64) -> f64 {
        let d = y - x;
        if d.abs() > self.pair_reach {
            return 0.0;
        }
        if self.interior(x) && self.interior(y) {
            (-d * d * self.inv_4s2).exp() * self.pair
        } else {
            let (bx, by) = (self.bins(x), self.bins(y));
            (bx.start.max(by.start)..bx.end.min(by.end))
                .map(|k| {
                    let c = self.grid.centre(k);
                    self.gauss(c - x) * self.gauss(c - y)
                })
                .sum()
        }
    }

    /// Σ_{x∈a} A(x) for sorted spikes.
    fn singles(&self, a: &[f64]) -> f64 {
        let mut sum = Sum::default();
        a.iter().for_each(|&x| sum.add(self.single(x)));
        sum.value()
    }

    /// Σ_{y∈ys} B(x, y) for sorted `ys` within the pair reach of `x`, in two parts: the
    /// spikes whose reach the grid covers, in closed form, go into `closed` as their factors
    /// e^{−(x−y)²/4σ²} (B = that × `self.pair`); the others, bin by bin, make the value returned.
    fn row(&self, x: f64, ys: &[f64], closed: &mut ExpSum) -> f64 {
        if !self.interior(x) {
            return ys.iter().map(|&y| self.pair(x, y)).sum();
        }
        let from = ys.partition_point(|&y| y < self.interior.0);
        let to = ys.partition_point(|&y| y <= self.interior.1);
        closed.add_row(x, &ys[from..to], self.inv_4s2);
        ys[..from]
            .iter()
            .chain(&ys[to..])
            .map(|&y| self.pair(x, y))
            .sum()
    }

    /// Σ_{x,y∈a} B(x, y) = Σ_x B(x, x) + 2 Σ_{x<y} B(x, y) for sorted spikes (B is symmetric).
    fn self_pairs(&self, a: &[f64]) -> f64 {
        let (mut edges, mut closed) = (Sum::default(), ExpSum::new());
        let mut end = 0;
        for (n, &x) in a.iter().enumerate() {
            end = reach_end(a, x, self.pair_reach, end.max(n + 1));
            edges.add(self.pair(x, x) + 2.0 * self.row(x, &a[n + 1..end], &mut closed));
        }
        edges.value() + 2.0 * self.pair * closed.value()
    }

    /// Σ_{x∈a, y∈b} B(x, y) for sorted spikes: a two-pointer sweep over the close pairs.
    fn pairs(&self, a: &[f64], b: &[f64]) -> f64 {
        let (mut edges, mut closed) = (Sum::default(), ExpSum::new());
        let (mut lo, mut end) = (0, 0);
        for &x in a {
            while lo < b.len() && x - b[lo] > self.pair_reach {
                lo += 1;
            }
            end = reach_end(b, x, self.pair_reach, lo.max(end));
            edges.add(self.row(x, &b[lo..end], &mut closed));
        }
        edges.value() + self.pair * closed.value()
    }
}

/// The spikes of a set of repeats, merged and sorted, with the weight that makes their smoothed
/// sum the trial-averaged PSTH in Hz: 1/(N σ √(2π)).
fn trial_average(trains: &[SpikeTrain], sigma_s: f64) -> (Vec<f64>, f64) {
    let mut times: Vec<f64> = trains.iter().flat_map(|t| t.times().to_vec()).collect();
    times.sort_by(f64::total_cmp);
    let weight = 1.0 / (trains.len() as f64 * sigma_s * (2.0 * std::f64::consts::PI).sqrt());
    (times, weight)
}

/// The variance over K bins of values whose sum is `sum` and sum of squares `sum_sq`:
/// Σx²/K − (Σx/K)².
fn variance_of(sum: f64, sum_sq: f64, bins: usize) -> f64 {
    let k = bins as f64;
    let mean = sum / k;
    (sum_sq / k - mean * mean).max(0.0)
}

/// Explained variance of the recorded PSTH by the predicted PSTH (Allen Institute GLIF
/// convention, Teeter et al. 2018, Nat Commun 9:709): both trial-averaged PSTHs are smoothed
/// by a Gaussian of s.d. `sigma_s` (default 10 ms) and sampled on bins of `dt_s` (default 1 ms)
/// tiling the window; EV = 1 − Var(p_D − p_M) / Var(p_D), variances over time bins.
/// Dimensionless, ≤ 1 (1 = identical PSTHs; can be negative). The sums over bins are taken in
/// closed form over spikes and close pairs of spikes (`GaussianGrid`): time and memory grow
/// with the spikes, not with the window.
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
    let g = GaussianGrid::new(grid, sigma_s);
    let ((d, wd), (m, wm)) = (
        trial_average(recorded, sigma_s),
        trial_average(predicted, sigma_s),
    );
    // Σ_k p_D, Σ_k p_D², and the same for p_D − p_M, from the spike and pair sums.
    let (sd, sm) = (wd * g.singles(&d), wm * g.singles(&m));
    let (dd, mm, dm) = (
        wd * wd * g.self_pairs(&d),
        wm * wm * g.self_pairs(&m),
        wd * wm * g.pairs(&d, &m),
    );
    let var_d = variance_of(sd, dd, grid.bins);
    if var_d <= 0.0 {
        return undefined("explained variance undefined: the recorded PSTH has zero variance");
    }
    let var_diff = variance_of(sd - sm, dd + mm - 2.0 * dm, grid.bins);
    finite(1.0 - var_diff / var_d, "explained variance")
}

/// Time-averaged products of the per-repeat smoothed PSTHs, each centred on its own time
/// mean: entry (i, j) = (1/K) Σ_k (p_i(t_k) − p̄_i)(p_j(t_k) − p̄_j), for the pairs
/// (a, a), (b, b) and (a, b). The variance of any average of repeats (copies allowed) is then
/// a mean of entries, which lets the bootstrap recompute the explained variance of a resample
/// without touching the PSTHs again. Computed from spike and pair sums (`GaussianGrid`) as
/// (1/K) Σ p_i p_j − p̄_i p̄_j.
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
        let g = GaussianGrid::new(Grid::new(window, dt_s), sigma_s);
        let k = g.grid.bins as f64;
        let repeats: Vec<(Vec<f64>, f64)> = a
            .iter()
            .chain(b)
            .map(|t| trial_average(std::slice::from_ref(t), sigma_s))
            .collect();
        let means: Vec<f64> = repeats.iter().map(|(x, w)| w * g.singles(x) / k).collect();
        let entry = |i: usize, j: usize| {
            let ((x, wx), (y, wy)) = (&repeats[i], &repeats[j]);
            wx * wy * g.pairs(x, y) / k - means[i] * means[j]
        };
        let block = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>| -> Vec<Vec<f64>> {
            rows.map(|i| cols.clone().map(|j| entry(i, j)).collect())
                .collect()
        };
        let (na, n) = (a.len(), repeats.len());
        PsthGram {
            aa: block(0..na, 0..na),
            bb: block(na..n, na..n),
            ab: block(0..na, na..n),
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

    /// The dense evaluation the closed forms replace: every bin of the grid, every spike's
    /// terms within the cut-off, stored (what `arena score` did before: 800 MB on a
    /// 100 000 s window).
    fn dense(trains: &[SpikeTrain], grid: Grid, sigma_s: f64) -> Vec<f64> {
        let (times, w) = trial_average(trains, sigma_s);
        (0..grid.bins)
            .map(|k| {
                let x = grid.centre(k);
                times
                    .iter()
                    .filter(|&&s| (x - s).abs() <= PSTH_CUTOFF_SIGMAS * sigma_s)
                    .map(|s| (-(x - s).powi(2) / (2.0 * sigma_s * sigma_s)).exp() * w)
                    .sum()
            })
            .collect()
    }

    fn two_pass_variance(v: &[f64]) -> f64 {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64
    }

    #[test]
    fn closed_forms_match_the_dense_grid() {
        // Spikes near the edges (0.0003, 0.05, 2.95, 2.999 s: bin by bin) and inside (closed
        // forms); pairs 3 ms, 150 ms and 159 ms apart (2R = 160 ms), near an edge, and one that
        // shares no bin (0.99, 2.0).
        let w = Window::new(0.0, 3.0).unwrap();
        let grid = Grid::new(w, 0.001);
        let g = GaussianGrid::new(grid, 0.01);
        let dense_sum =
            |f: &dyn Fn(f64) -> f64| -> f64 { (0..grid.bins).map(|k| f(grid.centre(k))).sum() };
        let cut = |u: f64| {
            if u.abs() <= 0.08 {
                (-u * u / 2e-4).exp()
            } else {
                0.0
            }
        };
        for x in [0.0003, 0.05, 0.2, 0.5004, 1.5, 2.95, 2.999] {
            let want = dense_sum(&|c| cut(c - x));
            assert!(
                (g.single(x) - want).abs() <= 1e-13 * want,
                "A({x}): {} vs {want}",
                g.single(x)
            );
        }
        for (x, y) in [
            (0.2, 0.203),
            (0.5, 0.65),
            (0.0003, 0.01),
            (2.9, 2.999),
            (0.99, 2.0),
            (1.0, 1.159),
        ] {
            let want = dense_sum(&|c| cut(c - x) * cut(c - y));
            let got = g.pair(x, y);
            assert!(
                (got - want).abs() <= 1e-13 * want.max(1.0),
                "B({x}, {y}): {got} vs {want}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The explained variance from spike and pair sums equals the dense two-pass one to
        /// 1e-12.
        #[test]
        fn explained_variance_matches_the_dense_one(
            a in prop::collection::vec(sorted(40), 1..4),
            b in prop::collection::vec(sorted(40), 1..4),
        ) {
            let (ta, tb): (Vec<SpikeTrain>, Vec<SpikeTrain>) =
                (a.iter().map(|x| t(x)).collect(), b.iter().map(|x| t(x)).collect());
            let w = Window::new(0.0, 1.2).unwrap();
            let grid = Grid::new(w, 0.001);
            let (pd, pm) = (dense(&ta, grid, 0.01), dense(&tb, grid, 0.01));
            let var_d = two_pass_variance(&pd);
            let got = explained_variance(&ta, &tb, w, 0.01, 0.001);
            if var_d > 1e-9 {
                let diff: Vec<f64> = pd.iter().zip(&pm).map(|(x, y)| x - y).collect();
                let want = 1.0 - two_pass_variance(&diff) / var_d;
                let got = got.unwrap();
                prop_assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{got} vs {want}");
            }
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
