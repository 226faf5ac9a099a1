//! The kernel of the PSTH inner products behind Md* and the primary score, and the closed forms
//! of the constant-rate null that depend on it.
//!
//! # Why a triangle, not the INCF box
//! Md* compares peri-stimulus time histograms through an inner product of spike measures,
//! ⟨A, B⟩ = Σ_{a∈A} Σ_{b∈B} K(a − b). The INCF competition and Naud et al. (2011) count
//! coincidences with the box K(s) = 1[|s| ≤ Δ]. The box is not a positive-definite kernel: its
//! Fourier transform, 2Δ·sinc(2πfΔ) (sinc x = sin x / x), is negative for some frequencies, so a
//! "squared norm" ⟨μ, μ⟩ can be smaller than the cross product it is compared with and
//! Cauchy–Schwarz fails. That is an attack, not a technicality: a grid of spikes spaced just
//! over Δ has no pair within Δ, so its box norm is its spike count, while its cross product with
//! any smooth PSTH is that of a flat PSTH of the same rate, whose box norm is twice as large
//! (measured on DRN156: anti-phase grids 4.05 ms apart in two repeats scored +1.9 with no
//! stimulus information).
//!
//! [`Kernel::Triangle`] is K(s) = max(0, 1 − |s|/Δ): the same support [−Δ, Δ], K(0) = 1, and the
//! autocorrelation of a box of width Δ,
//! ```text
//! K(s) = (1/Δ) ∫ 1[|u| < Δ/2] · 1[|u − s| < Δ/2] du,
//! so   ⟨μ, ν⟩ = (1/Δ) ∫ n_μ(u) n_ν(u) du,   n_μ(u) = μ([u − Δ/2, u + Δ/2)),
//! ```
//! the L² product of the two measures' counts in a sliding window of width Δ. Hence
//! ⟨μ, μ⟩ ≥ 0 for every signed measure (positive semi-definite; its Fourier transform is
//! Δ·sinc²(πfΔ) ≥ 0), Cauchy–Schwarz |⟨μ, ν⟩| ≤ ‖μ‖‖ν‖ holds, and the norm is convex. The
//! properties of the primary score rest on exactly this (see [`crate::primary`]).
//!
//! [`Kernel::Box`] stays available for comparison with published Md* values (the GIF fitting
//! toolbox of the Gerstner lab and the INCF competition use it); it is defined for spike trains
//! only, and the primary computed with it is not gaming-proof.
//!
//! # How the triangle products are computed
//! Every measure is turned into its window count n(u), a piecewise-linear function of u
//! (piecewise constant for spikes, continuous piecewise linear for a binned intensity), given by
//! its knots; the product of two such functions is integrated exactly over the merged knots
//! (Simpson's rule, exact for the product of two linear pieces). The cost is O(n + m) for sorted
//! inputs whatever their density, so no input can make it quadratic, and a spike-train product
//! is the same number whichever way the spikes of a merged multiset are grouped: the function
//! of the merged multiset is what is integrated.

use serde::{Deserialize, Serialize};

use crate::train::Window;

/// The coincidence kernel of the PSTH inner products (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// K(s) = max(0, 1 − |s|/Δ): positive definite; the kernel of the primary score.
    #[default]
    Triangle,
    /// K(s) = 1[|s| ≤ Δ]: the INCF / GIF-toolbox convention, for spike trains only.
    Box,
}

impl Kernel {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kernel::Triangle => "triangle",
            Kernel::Box => "box",
        }
    }

    /// K(s) for a lag `s_s` (seconds) and precision `delta_s` (seconds); dimensionless.
    pub fn value(self, s_s: f64, delta_s: f64) -> f64 {
        match self {
            Kernel::Triangle => (1.0 - s_s.abs() / delta_s).max(0.0),
            Kernel::Box => f64::from(u8::from(s_s.abs() <= delta_s)),
        }
    }

    /// ⟨A, B⟩ = Σ_{a∈A, b∈B} K(a − b) for sorted (non-decreasing) spike times in seconds;
    /// repeated values (merged repeats) are allowed. Dimensionless.
    pub fn spikes(self, a: &[f64], b: &[f64], delta_s: f64) -> f64 {
        match self {
            Kernel::Triangle => triangle_over_pairs(a, b, delta_s, 4 * (a.len() + b.len()))
                .unwrap_or_else(|| window_count_product(a, b, delta_s / 2.0) / delta_s),
            Kernel::Box => box_count(a, b, delta_s) as f64,
        }
    }

    /// a(t) = ∫_window K(t − u) du (seconds): the cross product of a spike at t inside
    /// `window` with a flat PSTH of rate 1 Hz on it, exact at the window's edges.
    pub fn flat_cross_s(self, t_s: f64, window: Window, delta_s: f64) -> f64 {
        debug_assert!(
            (window.start_s..window.end_s).contains(&t_s),
            "spike outside the window"
        );
        match self {
            Kernel::Box => window.overlap_s(t_s - delta_s, t_s + delta_s),
            Kernel::Triangle => {
                // The triangle's area Δ minus the parts cut by each edge: a triangle of base
                // Δ − x, where x < Δ is the distance from t to that edge.
                let cut = |x: f64| {
                    let y = (delta_s - x).clamp(0.0, delta_s);
                    y * y / (2.0 * delta_s)
                };
                delta_s - cut(t_s - window.start_s) - cut(window.end_s - t_s)
            }
        }
    }

    /// c = ∫∫_{window²} K(t − t') dt dt' (seconds²): the squared norm of a flat PSTH of rate
    /// 1 Hz on `window` of duration T. Triangle: TΔ − Δ²/3 for T ≥ Δ, T² − T³/(3Δ) below;
    /// box: 2TΔ − Δ² for T ≥ Δ, T² below.
    pub fn flat_norm_s2(self, window: Window, delta_s: f64) -> f64 {
        let t = window.duration_s();
        let d = delta_s;
        match (self, t >= d) {
            (Kernel::Triangle, true) => t * d - d * d / 3.0,
            (Kernel::Triangle, false) => t * t - t * t * t / (3.0 * d),
            (Kernel::Box, true) => 2.0 * t * d - d * d,
            (Kernel::Box, false) => t * t,
        }
    }
}

/// Σ (1 − |x − y|/Δ) over the pairs within Δ of two sorted multisets, by a two-pointer sweep
/// that visits each such pair: O(len(a) + len(b) + pairs), the fast way for spike trains, whose
/// pairs within a few ms are few. `None` as soon as more than `budget` pairs are met (dense or
/// merged input, up to len(a)·len(b) pairs), for [`window_count_product`], which is O(n)
/// whatever the density.
fn triangle_over_pairs(a: &[f64], b: &[f64], delta_s: f64, budget: usize) -> Option<f64> {
    let (mut lo, mut pairs, mut total) = (0usize, 0usize, 0.0);
    for &x in a {
        while lo < b.len() && x - b[lo] >= delta_s {
            lo += 1;
        }
        for &y in b[lo..].iter().take_while(|&&y| y - x < delta_s) {
            pairs += 1;
            if pairs > budget {
                return None;
            }
            total += 1.0 - (x - y).abs() / delta_s;
        }
    }
    Some(total)
}

/// ∫ n_a(u) n_b(u) du for the window counts of two sorted spike multisets (windows of half-width
/// `h`): a merge of the four sorted event streams t ± h, adding count_a × count_b × length over
/// each stretch between events. The spike × spike case of [`integrate`] (where both functions
/// are steps), written out because every Md* of spike trains runs through it; the two agree
/// (`tests::the_step_sweep_is_the_general_integral`).
fn window_count_product(a: &[f64], b: &[f64], h: f64) -> f64 {
    let (mut i, mut j, mut k, mut l) = (0usize, 0usize, 0usize, 0usize);
    let (mut na, mut nb) = (0u64, 0u64);
    let mut at = 0.0;
    let mut total = 0.0;
    loop {
        // The next event: a start (t − h) or an end (t + h) of either multiset.
        let mut x = f64::INFINITY;
        if i < a.len() {
            x = x.min(a[i] - h);
        }
        if j < a.len() {
            x = x.min(a[j] + h);
        }
        if k < b.len() {
            x = x.min(b[k] - h);
        }
        if l < b.len() {
            x = x.min(b[l] + h);
        }
        if x == f64::INFINITY {
            return total;
        }
        if na > 0 && nb > 0 {
            total += (na * nb) as f64 * (x - at);
        }
        while i < a.len() && a[i] - h == x {
            na += 1;
            i += 1;
        }
        while j < a.len() && a[j] + h == x {
            na -= 1;
            j += 1;
        }
        while k < b.len() && b[k] - h == x {
            nb += 1;
            k += 1;
        }
        while l < b.len() && b[l] + h == x {
            nb -= 1;
            l += 1;
        }
        at = x;
    }
}

/// Number of pairs within Δ: the box product, a two-pointer sweep, O(len(a) + len(b)).
fn box_count(a: &[f64], b: &[f64], delta_s: f64) -> u64 {
    let (mut lo, mut hi, mut total) = (0usize, 0usize, 0u64);
    for &x in a {
        // b[lo..hi] are exactly the y with x − y ≤ Δ and y − x ≤ Δ; both bounds only move
        // right as x grows (rounded subtraction is monotone).
        while lo < b.len() && x - b[lo] > delta_s {
            lo += 1;
        }
        while hi < b.len() && b[hi] - x <= delta_s {
            hi += 1;
        }
        total += hi.saturating_sub(lo) as u64;
    }
    total
}

/// A knot of a piecewise-linear function that is 0 before its first knot and after its last:
/// between consecutive knots the function runs linearly from `right` of the first to `left` of
/// the second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Knot {
    /// Position, seconds.
    pub x: f64,
    /// Limit from the left.
    pub left: f64,
    /// Limit from the right.
    pub right: f64,
}

/// The window count n(u) = #{t : u − Δ/2 ≤ t < u + Δ/2} of sorted spike times, as knots:
/// +1 at each t − Δ/2, −1 at each t + Δ/2. Counts stay integers, so the knots are exact.
pub(crate) fn spike_knots(times: &[f64], delta_s: f64) -> impl Iterator<Item = Knot> + '_ {
    let h = delta_s / 2.0;
    let (mut i, mut j, mut count) = (0usize, 0usize, 0.0f64);
    std::iter::from_fn(move || {
        let start = times.get(i).map(|t| t - h);
        let end = times.get(j).map(|t| t + h);
        let x = match (start, end) {
            (Some(s), Some(e)) => s.min(e),
            (None, Some(e)) => e,
            (Some(s), None) => s,
            (None, None) => return None,
        };
        let left = count;
        while i < times.len() && times[i] - h == x {
            count += 1.0;
            i += 1;
        }
        while j < times.len() && times[j] + h == x {
            count -= 1.0;
            j += 1;
        }
        Some(Knot {
            x,
            left,
            right: count,
        })
    })
}

/// A piecewise-constant density (Hz) on consecutive intervals [edges[k], edges[k+1]): a
/// predicted intensity restricted to a window.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps {
    /// Interval edges, seconds, strictly increasing; one more than `rate_hz`.
    pub edges: Vec<f64>,
    /// Density on each interval, Hz.
    pub rate_hz: Vec<f64>,
}

impl Steps {
    /// Λ(x) = ∫_{−∞}^x of the density, given the prefix integrals at the edges.
    fn cumulative(&self, prefix: &[f64], x: f64) -> f64 {
        let e = &self.edges;
        if x <= e[0] {
            return 0.0;
        }
        if x >= e[e.len() - 1] {
            return prefix[prefix.len() - 1];
        }
        let k = e.partition_point(|&y| y <= x) - 1;
        prefix[k] + self.rate_hz[k] * (x - e[k])
    }

    /// Total mass ∫ density (expected spikes).
    pub fn mass(&self) -> f64 {
        self.rate_hz
            .iter()
            .zip(self.edges.windows(2))
            .map(|(r, w)| r * (w[1] - w[0]))
            .sum()
    }

    /// The window count n(u) = Λ(u + Δ/2) − Λ(u − Δ/2) as knots (continuous, so left = right),
    /// at every edge ± Δ/2.
    pub(crate) fn knots(&self, delta_s: f64) -> Vec<Knot> {
        let h = delta_s / 2.0;
        let mut prefix = Vec::with_capacity(self.edges.len());
        prefix.push(0.0);
        for (k, w) in self.edges.windows(2).enumerate() {
            let last = prefix[k];
            prefix.push(last + self.rate_hz[k] * (w[1] - w[0]));
        }
        let lows = self.edges.iter().map(|e| e - h);
        let highs = self.edges.iter().map(|e| e + h);
        let mut xs: Vec<f64> = lows.chain(highs).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs.into_iter()
            .map(|u| {
                let n = self.cumulative(&prefix, u + h) - self.cumulative(&prefix, u - h);
                Knot {
                    x: u,
                    left: n,
                    right: n,
                }
            })
            .collect()
    }
}

/// A walk along one function's knots: `prev` is the last knot at or before the current
/// position, `next` the first one after it.
struct Cursor<I: Iterator<Item = Knot>> {
    knots: std::iter::Peekable<I>,
    prev: Option<Knot>,
}

impl<I: Iterator<Item = Knot>> Cursor<I> {
    fn new(knots: I) -> Self {
        Cursor {
            knots: knots.peekable(),
            prev: None,
        }
    }

    /// Position of the next knot, if any.
    fn next_x(&mut self) -> Option<f64> {
        self.knots.peek().map(|k| k.x)
    }

    /// Moves past every knot at or before `x`.
    fn advance_to(&mut self, x: f64) {
        while let Some(k) = self.knots.next_if(|k| k.x <= x) {
            self.prev = Some(k);
        }
    }

    /// The value on the segment around the current position, at `x`, from the side `right`:
    /// a knot's own limit where `x` is a knot, else the linear interpolation between the
    /// knots around it (exact for a constant piece: a + 0·w = a).
    fn value(&mut self, x: f64, right: bool) -> f64 {
        let prev = self.prev;
        let next = self.knots.peek().copied();
        match (prev, next) {
            (Some(p), _) if right && p.x == x => p.right,
            (_, Some(n)) if !right && n.x == x => n.left,
            (Some(p), Some(n)) => {
                let w = (x - p.x) / (n.x - p.x);
                p.right + (n.left - p.right) * w
            }
            // Before the first knot or after the last, the function is 0.
            _ => 0.0,
        }
    }
}

/// ∫ f(u) g(u) du for two piecewise-linear functions given by their knots (each 0 outside its
/// knots), exactly: on every segment between merged knots both are linear, and Simpson's rule
/// (y − x)/6 · (2f₀g₀ + f₀g₁ + f₁g₀ + 2f₁g₁) is exact for the product of two linear pieces.
pub(crate) fn integrate(f: impl Iterator<Item = Knot>, g: impl Iterator<Item = Knot>) -> f64 {
    let (mut f, mut g) = (Cursor::new(f), Cursor::new(g));
    let mut at = match (f.next_x(), g.next_x()) {
        (Some(a), Some(b)) => a.min(b),
        // One function is identically 0.
        _ => return 0.0,
    };
    f.advance_to(at);
    g.advance_to(at);
    let mut total = 0.0;
    loop {
        let to = match (f.next_x(), g.next_x()) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return total,
        };
        let (f0, g0) = (f.value(at, true), g.value(at, true));
        let (f1, g1) = (f.value(to, false), g.value(to, false));
        let products = 2.0 * f0 * g0 + f0 * g1 + f1 * g0 + 2.0 * f1 * g1;
        if products != 0.0 {
            total += (to - at) * products / 6.0;
        }
        f.advance_to(to);
        g.advance_to(to);
        at = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: f64 = 0.004;

    /// Σ K(a − b) over all pairs, the definition, O(n·m).
    fn naive(kernel: Kernel, a: &[f64], b: &[f64], delta: f64) -> f64 {
        a.iter()
            .flat_map(|x| b.iter().map(move |y| kernel.value(x - y, delta)))
            .sum()
    }

    #[test]
    fn triangle_products_by_hand() {
        // Δ = 4 ms. a = {0.100}, b = {0.101, 0.103, 0.2}: K = 1 − 1/4 = 0.75, 1 − 3/4 = 0.25, 0.
        let a = [0.100];
        let b = [0.101, 0.103, 0.2];
        let got = Kernel::Triangle.spikes(&a, &b, D);
        assert!((got - 1.0).abs() < 1e-12, "{got}");
        // ⟨b, b⟩ = 3 self terms + 2·K(2 ms) = 3 + 2·0.5 = 4.
        let got = Kernel::Triangle.spikes(&b, &b, D);
        assert!((got - 4.0).abs() < 1e-12, "{got}");
        // A repeated value (two repeats with a spike at the same time) counts as two spikes:
        // ⟨{0.1, 0.1}, {0.1}⟩ = 2.
        let got = Kernel::Triangle.spikes(&[0.1, 0.1], &[0.1], D);
        assert!((got - 2.0).abs() < 1e-12, "{got}");
        // Box: pairs within Δ, edges included: 0.1 ↔ 0.101, 0.103 (and not 0.2).
        assert_eq!(Kernel::Box.spikes(&a, &b, D), 2.0);
        assert_eq!(Kernel::Box.spikes(&[], &b, D), 0.0);
        assert_eq!(Kernel::Triangle.spikes(&[], &b, D), 0.0);
    }

    #[test]
    fn the_grid_just_over_delta_is_why_the_box_is_gone() {
        // A grid 1.01·Δ apart: no pair within Δ, so the box norm is the spike count; the
        // triangle sees the neighbours 1.01·Δ away as 0 too, but a flat PSTH of the same rate
        // has triangle norm rate²·c ≈ N·(Δ/spacing) ≈ N, against 2N for the box: only under
        // the box is the grid's norm half a flat PSTH's.
        let spacing = 1.01 * D;
        let grid: Vec<f64> = (0..1000).map(|k| k as f64 * spacing).collect();
        let t = 1000.0 * spacing;
        let w = Window::new(0.0, t).unwrap();
        let rate = 1.0 / spacing;
        for (kernel, ratio_min, ratio_max) in
            [(Kernel::Box, 0.45, 0.55), (Kernel::Triangle, 0.95, 1.05)]
        {
            let grid_norm = kernel.spikes(&grid, &grid, D);
            let flat_norm = rate * rate * kernel.flat_norm_s2(w, D);
            let ratio = grid_norm / flat_norm;
            assert!(
                (ratio_min..ratio_max).contains(&ratio),
                "{kernel:?}: grid/flat norm {ratio}"
            );
        }
    }

    #[test]
    fn flat_cross_and_norm_by_hand() {
        // Window [0, 1), Δ = 4 ms. A spike in the middle sees the whole triangle, area Δ.
        let w = Window::new(0.0, 1.0).unwrap();
        let k = Kernel::Triangle;
        assert!((k.flat_cross_s(0.5, w, D) - D).abs() < 1e-18);
        // 1 ms from the start: the part left of 0 is a triangle of base 3 ms and height 3/4:
        // 0.003·0.75/2 = 1.125e-3; area 4e-3 − 1.125e-3 = 2.875e-3.
        assert!((k.flat_cross_s(0.001, w, D) - 2.875e-3).abs() < 1e-15);
        // At the start itself half the area is cut.
        assert!((k.flat_cross_s(0.0, w, D) - D / 2.0).abs() < 1e-18);
        // Box: the overlap of [t − Δ, t + Δ] with the window.
        assert!((Kernel::Box.flat_cross_s(0.001, w, D) - 0.005).abs() < 1e-15);
        // c: triangle TΔ − Δ²/3; box 2TΔ − Δ²; below Δ, T² − T³/(3Δ) and T².
        assert!((k.flat_norm_s2(w, D) - (D - D * D / 3.0)).abs() < 1e-18);
        assert!((Kernel::Box.flat_norm_s2(w, D) - (2.0 * D - D * D)).abs() < 1e-18);
        let short = Window::new(0.0, 0.002).unwrap();
        let want = 0.002f64.powi(2) - 0.002f64.powi(3) / (3.0 * D);
        assert!((k.flat_norm_s2(short, D) - want).abs() < 1e-18);
    }

    #[test]
    fn flat_pieces_match_numerical_integration() {
        // Midpoint rule on a 1 µs grid over the window [0.3, 0.309) (T = 9 ms > 2Δ) and
        // [0.3, 0.303) (T < Δ).
        for end in [0.309, 0.303] {
            let w = Window::new(0.3, end).unwrap();
            let h = 1e-7;
            let n = ((end - 0.3) / h).round() as usize;
            let grid: Vec<f64> = (0..n).map(|i| 0.3 + (i as f64 + 0.5) * h).collect();
            for t in [0.3, 0.301, 0.3025, end - 0.0005] {
                let num: f64 = grid
                    .iter()
                    .map(|u| Kernel::Triangle.value(t - u, D) * h)
                    .sum();
                let exact = Kernel::Triangle.flat_cross_s(t, w, D);
                assert!((num - exact).abs() < 1e-9, "t {t}: {num} vs {exact}");
            }
            let h2 = 2e-6;
            let n2 = ((end - 0.3) / h2).round() as usize;
            let coarse: Vec<f64> = (0..n2).map(|i| 0.3 + (i as f64 + 0.5) * h2).collect();
            let double: f64 = coarse
                .iter()
                .map(|u| {
                    coarse
                        .iter()
                        .map(|v| Kernel::Triangle.value(u - v, D))
                        .sum::<f64>()
                })
                .sum::<f64>()
                * h2
                * h2;
            let exact = Kernel::Triangle.flat_norm_s2(w, D);
            assert!((double - exact).abs() < 1e-4 * exact, "{double} vs {exact}");
        }
    }

    #[test]
    fn intensity_products_match_spike_limits_and_quadrature() {
        // A density of 50 Hz on [0.1, 0.102) and 20 Hz on [0.102, 0.110): its product with a
        // spike at t is ∫ K(t − u) λ(u) du; check against a fine midpoint rule.
        let steps = Steps {
            edges: vec![0.1, 0.102, 0.110],
            rate_hz: vec![50.0, 20.0],
        };
        let density = |u: f64| {
            if (0.1..0.102).contains(&u) {
                50.0
            } else if (0.102..0.110).contains(&u) {
                20.0
            } else {
                0.0
            }
        };
        let h = 1e-7;
        let grid: Vec<f64> = (0..200_000).map(|i| 0.09 + (i as f64 + 0.5) * h).collect();
        for spikes in [vec![0.1005], vec![0.099, 0.104, 0.1095, 0.113]] {
            let exact = integrate(spike_knots(&spikes, D), steps.knots(D).into_iter()) / D;
            let num: f64 = spikes
                .iter()
                .map(|t| {
                    grid.iter()
                        .map(|u| Kernel::Triangle.value(t - u, D) * density(*u) * h)
                        .sum::<f64>()
                })
                .sum();
            assert!((exact - num).abs() < 1e-7, "{spikes:?}: {exact} vs {num}");
        }
        // ⟨λ, λ⟩ = ∫∫ λ(u) λ(v) K(u − v): coarse double midpoint rule on a 2 µs grid.
        let coarse: Vec<f64> = (0..10_000)
            .map(|i| 0.095 + (i as f64 + 0.5) * 2e-6)
            .collect();
        let num: f64 = coarse
            .iter()
            .map(|u| {
                density(*u)
                    * coarse
                        .iter()
                        .map(|v| density(*v) * Kernel::Triangle.value(u - v, D))
                        .sum::<f64>()
            })
            .sum::<f64>()
            * 4e-12;
        let exact = integrate(steps.knots(D).into_iter(), steps.knots(D).into_iter()) / D;
        assert!((exact - num).abs() < 1e-4 * exact, "{exact} vs {num}");
        assert!((steps.mass() - (0.1 + 0.16)).abs() < 1e-12);
    }

    fn sorted(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(0u32..400, 0..max_len).prop_map(|mut v| {
            v.sort_unstable();
            v.into_iter().map(|k| k as f64 * 2.5e-4).collect()
        })
    }

    proptest! {
        #[test]
        fn the_three_triangle_algorithms_agree(a in sorted(40), b in sorted(40)) {
            let sweep = window_count_product(&a, &b, D / 2.0) / D;
            let general = integrate(spike_knots(&a, D), spike_knots(&b, D)) / D;
            let pairs = triangle_over_pairs(&a, &b, D, usize::MAX).unwrap();
            for other in [general, pairs] {
                prop_assert!((sweep - other).abs() <= 1e-9 * (1.0 + sweep.abs()), "{sweep} vs {other}");
            }
            // A budget below the number of pairs strictly within Δ hands over to the sweep.
            let n = a.iter().flat_map(|x| b.iter().filter(move |y| (*x - **y).abs() < D)).count();
            prop_assert!(triangle_over_pairs(&a, &b, D, n).is_some());
            if n > 0 {
                prop_assert!(triangle_over_pairs(&a, &b, D, n - 1).is_none());
            }
        }

        #[test]
        fn sweeps_match_the_definition(a in sorted(40), b in sorted(40), delta_q in 1u32..40) {
            let delta = delta_q as f64 * 2.5e-4;
            for kernel in [Kernel::Triangle, Kernel::Box] {
                let got = kernel.spikes(&a, &b, delta);
                let want = naive(kernel, &a, &b, delta);
                prop_assert!((got - want).abs() < 1e-9 * (1.0 + want), "{kernel:?}: {got} vs {want}");
                let back = kernel.spikes(&b, &a, delta);
                prop_assert!((got - back).abs() < 1e-9 * (1.0 + want));
            }
        }

        #[test]
        fn the_triangle_norm_is_positive_semidefinite(a in sorted(30), b in sorted(30),
                                                      wa in -3.0f64..3.0, wb in -3.0f64..3.0) {
            // ‖wa·A + wb·B‖² = wa²⟨A,A⟩ + 2 wa wb ⟨A,B⟩ + wb²⟨B,B⟩ ≥ 0 for every weight.
            let k = Kernel::Triangle;
            let (aa, ab, bb) = (k.spikes(&a, &a, D), k.spikes(&a, &b, D), k.spikes(&b, &b, D));
            let q = wa * wa * aa + 2.0 * wa * wb * ab + wb * wb * bb;
            prop_assert!(q >= -1e-9 * (aa + bb + 1.0), "{q}");
            prop_assert!(ab * ab <= aa * bb * (1.0 + 1e-12) + 1e-12);
        }
    }
}
