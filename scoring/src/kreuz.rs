//! ISI-distance, SPIKE-distance and SPIKE-synchronisation (Kreuz et al.), with the window
//! edges handled exactly as PySpike 0.8/0.9 (Mulansky & Kreuz 2016, SoftwareX 5:70) does.
//!
//! * ISI-distance (Kreuz, Haas, Morelli, Abarbanel & Politi 2007, J Neurosci Methods
//!   165:151): D_I = (1/T) ∫ |ν_1(t) − ν_2(t)| / max(ν_1(t), ν_2(t)) dt, with ν_n(t) the
//!   inter-spike interval of train n that contains t. Dimensionless, in [0, 1].
//! * SPIKE-distance (Kreuz, Chicharro, Houghton, Andrzejak & Mormann 2013, J Neurophysiol
//!   109:1457): D_S = (1/T) ∫ S(t) dt with
//!   S(t) = (S_1 x_ISI^(2) + S_2 x_ISI^(1)) / (2⟨x_ISI⟩²), ⟨x_ISI⟩ = (x_ISI^(1) + x_ISI^(2))/2,
//!   S_n(t) = (Δt_P^(n) x_F^(n) + Δt_F^(n) x_P^(n)) / x_ISI^(n), where Δt_P (Δt_F) is the
//!   distance from the preceding (following) spike of train n to the nearest spike of the
//!   other train. Dimensionless, in [0, 1].
//! * SPIKE-synchronisation (Kreuz, Mulansky & Bozanic 2015, J Neurophysiol 113:3432): the
//!   fraction of spikes that have a coincident partner in the other train, a coincidence
//!   being |t_i − t_j| < τ_ij = ½ min of the four inter-spike intervals around t_i and t_j.
//!   1 when both trains are empty.
//!
//! # Edges (PySpike conventions, reproduced because peers and users compare with it)
//! * An empty train is replaced by two spikes at the window edges.
//! * ISI: before the first spike the interval is max(first − start, second − first); after
//!   the last, max(end − last, last ISI); a train with one spike uses the distances to the
//!   edges. A spike exactly at the start begins the first interval.
//! * SPIKE: auxiliary spikes at min(start, 2t_1 − t_2) and max(end, 2t_N − t_{N−1}) (the
//!   edges for single-spike trains) bound the edge intervals and count as spikes when
//!   measuring distances to the other train; on the edge intervals S_n is held constant at
//!   the Δt of the adjacent real spike ("Eero's correction" in PySpike). A lone spike at the
//!   window start makes PySpike treat the window end as its following spike; so do we.
//! * SPIKE-sync: missing neighbouring intervals at the train ends count as the window length
//!   (PySpike's default max_tau = None), and only the immediately preceding spike of the
//!   other train is tested, as in PySpike's `coincidence_value_cython`.
//!
//! Inputs are spike times inside [start, end] (use [`SpikeTrain::within`]).

use crate::train::{SpikeTrain, Window};

/// The spikes of a train, or the two window edges for an empty train (PySpike convention);
/// `edges` must hold [start, end] and outlive the result.
fn spikes_or_edges<'a>(train: &'a SpikeTrain, edges: &'a [f64; 2]) -> &'a [f64] {
    if train.is_empty() {
        edges
    } else {
        train.times()
    }
}

/// The auxiliary spikes of a train (see module docs): min(start, 2t_1 − t_2) and
/// max(end, 2t_N − t_{N−1}), or the window edges for a single spike.
fn aux_bounds(s: &[f64], w: Window) -> (f64, f64) {
    let n = s.len();
    if n > 1 {
        (
            w.start_s.min(2.0 * s[0] - s[1]),
            w.end_s.max(2.0 * s[n - 1] - s[n - 2]),
        )
    } else {
        (w.start_s, w.end_s)
    }
}

/// What a piece carries besides its ISI: nothing (ISI-distance, [`NoDistances`]) or the
/// distances to the other train that define S_n (SPIKE-distance, [`Nearest`]). A trait, so
/// that each use compiles to its own loop with no run-time test.
trait Distances {
    /// Whether S_n is tracked.
    const ACTIVE: bool;
    /// Distance from `t` (non-decreasing over calls) to the other train.
    fn dist(&mut self, t: f64) -> f64;
}

/// ISI-distance pieces carry no distances.
struct NoDistances;

impl Distances for NoDistances {
    const ACTIVE: bool = false;
    #[inline]
    fn dist(&mut self, _t: f64) -> f64 {
        0.0
    }
}

/// Distance from non-decreasing query times in [start, end] to the nearest spike of a train
/// augmented with its auxiliary spikes; a pointer that only moves forward, O(n + queries).
struct Nearest<'a> {
    first: f64,
    s: &'a [f64],
    last: f64,
    /// Number of spikes ≤ the latest query.
    j: usize,
}

impl<'a> Nearest<'a> {
    fn new(s: &'a [f64], w: Window) -> Self {
        let (first, last) = aux_bounds(s, w);
        Nearest {
            first,
            s,
            last,
            j: 0,
        }
    }
}

impl Distances for Nearest<'_> {
    const ACTIVE: bool = true;
    #[inline]
    fn dist(&mut self, t: f64) -> f64 {
        while self.j < self.s.len() && self.s[self.j] <= t {
            self.j += 1;
        }
        // The auxiliary spikes bound the train: first ≤ start ≤ t and last ≥ end ≥ t.
        let before = if self.j > 0 {
            self.s[self.j - 1]
        } else {
            self.first
        };
        let after = if self.j < self.s.len() {
            self.s[self.j]
        } else {
            self.last
        };
        (t - before).abs().min((after - t).abs())
    }
}

/// A piece of a train's profile: on [from, to] the train's inter-spike interval is `isi` and
/// (SPIKE only) S_n runs linearly from `s_from` at `from` to `s_from + ds` at `to`. For
/// inner pieces to − from = isi; edge pieces have ds = 0.
#[derive(Clone, Copy, Debug)]
struct Piece {
    from: f64,
    to: f64,
    isi: f64,
    s_from: f64,
    ds: f64,
}

impl Piece {
    fn new(from: f64, to: f64, isi: f64, s_from: f64, s_to: f64) -> Piece {
        Piece {
            from,
            to,
            isi,
            s_from,
            ds: s_to - s_from,
        }
    }

    /// isi · (S_n(a) + S_n(b)) for a ≤ b inside the piece, without a division:
    /// S_n(t) = s_from + ds·(t − from)/isi on inner pieces and s_from on edge pieces.
    #[inline]
    fn isi_times_s_sum(&self, a: f64, b: f64) -> f64 {
        2.0 * self.s_from * self.isi + self.ds * (a + b - 2.0 * self.from)
    }
}

/// The pieces of one train over the window, generated lazily (no allocation):
/// a leading piece [start, t_1] if t_1 > start, the inter-spike intervals, and a trailing
/// piece [t_N, end], with PySpike's edge ISIs. With `near` (SPIKE), S_n runs between the
/// distances of the piece's spikes to the other train; edge pieces hold the distance of their
/// real spike.
struct Pieces<'a, D> {
    s: &'a [f64],
    w: Window,
    near: D,
    /// Next piece: 0 = leading, 1..n = interval k − 1, n = trailing, beyond = done.
    stage: usize,
    /// Distance of s[stage − 1] (the last computed), to reuse at the next piece's start.
    d_prev: f64,
}

impl<'a, D: Distances> Pieces<'a, D> {
    fn new(s: &'a [f64], w: Window, near: D) -> Self {
        Pieces {
            s,
            w,
            near,
            stage: 0,
            d_prev: 0.0,
        }
    }

    #[inline]
    fn dist(&mut self, t: f64) -> f64 {
        self.near.dist(t)
    }
}

impl<D: Distances> Iterator for Pieces<'_, D> {
    type Item = Piece;

    #[inline]
    fn next(&mut self) -> Option<Piece> {
        let (s, w, n) = (self.s, self.w, self.s.len());
        // Edge ISIs as PySpike computes them (not via the auxiliary spikes, which would round
        // differently).
        let edge_isi = |lead: bool| -> f64 {
            match (lead, n > 1) {
                (true, true) => (s[0] - w.start_s).max(s[1] - s[0]),
                (true, false) => s[0] - w.start_s,
                (false, true) => (w.end_s - s[n - 1]).max(s[n - 1] - s[n - 2]),
                (false, false) => w.end_s - s[n - 1],
            }
        };
        loop {
            let stage = self.stage;
            self.stage = stage.saturating_add(1);
            match stage {
                0 => {
                    self.d_prev = self.dist(s[0]);
                    if D::ACTIVE && n == 1 && s[0] == w.start_s {
                        // PySpike treats the window end as the following spike of a lone
                        // spike at the window start.
                        self.stage = usize::MAX;
                        let d_end = self.dist(w.end_s);
                        let isi = w.end_s - s[0];
                        return Some(Piece::new(s[0], w.end_s, isi, self.d_prev, d_end));
                    }
                    if s[0] > w.start_s {
                        let d = self.d_prev;
                        return Some(Piece::new(w.start_s, s[0], edge_isi(true), d, d));
                    }
                }
                k if k < n => {
                    let (from, to) = (s[k - 1], s[k]);
                    let d_from = self.d_prev;
                    self.d_prev = self.dist(to);
                    return Some(Piece::new(from, to, to - from, d_from, self.d_prev));
                }
                k if k == n => {
                    let d = self.d_prev;
                    return Some(Piece::new(s[n - 1], w.end_s, edge_isi(false), d, d));
                }
                _ => {
                    self.stage = usize::MAX;
                    return None;
                }
            }
        }
    }
}

/// Integrates over [start, end] a function of the two trains' current pieces;
/// `segment(p1, p2, a, b)` returns the integral over [a, b], where neither piece changes.
fn integrate_pieces(
    mut p1: impl Iterator<Item = Piece>,
    mut p2: impl Iterator<Item = Piece>,
    w: Window,
    segment: impl Fn(&Piece, &Piece, f64, f64) -> f64,
) -> f64 {
    let (mut t, mut total) = (w.start_s, 0.0);
    let (Some(mut a), Some(mut b)) = (p1.next(), p2.next()) else {
        return 0.0;
    };
    // Both sequences of pieces end at the window end, so they run out together.
    loop {
        let next = a.to.min(b.to);
        if next > t {
            total += segment(&a, &b, t, next);
            t = next;
        }
        let (advance_a, advance_b) = (a.to <= next, b.to <= next);
        if advance_a {
            match p1.next() {
                Some(p) => a = p,
                None => break,
            }
        }
        if advance_b {
            match p2.next() {
                Some(p) => b = p,
                None => break,
            }
        }
    }
    total
}

/// ISI-distance D_I of two trains over `window` (PySpike's `isi_distance`).
pub fn isi_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let edges = [window.start_s, window.end_s];
    let (s1, s2) = (spikes_or_edges(a, &edges), spikes_or_edges(b, &edges));
    integrate_pieces(
        Pieces::new(s1, window, NoDistances),
        Pieces::new(s2, window, NoDistances),
        window,
        |x, y, from, to| {
            let m = x.isi.max(y.isi);
            let v = if m > 0.0 {
                (x.isi - y.isi).abs() / m
            } else {
                0.0
            };
            v * (to - from)
        },
    ) / window.duration_s()
}

/// ∫ S(t) dt over [from, to], where neither train's piece changes. There
/// S(t) = (S_1(t)·isi_2 + S_2(t)·isi_1) / (2⟨isi⟩²) is linear in t (ISIs constant, S_n
/// linear), so the trapezoid rule is exact:
/// (to − from)/(4⟨isi⟩²) · [(S_1(from) + S_1(to))·isi_2 + (S_2(from) + S_2(to))·isi_1],
/// written with N_n = isi_n·(S_n(from) + S_n(to)) to need one division per segment.
fn spike_segment(x: &Piece, y: &Piece, from: f64, to: f64) -> f64 {
    let mean = 0.5 * (x.isi + y.isi);
    let den = x.isi * y.isi * mean * mean;
    if den <= 0.0 {
        return 0.0;
    }
    let (n1, n2) = (x.isi_times_s_sum(from, to), y.isi_times_s_sum(from, to));
    0.25 * (to - from) * (n1 * y.isi * y.isi + n2 * x.isi * x.isi) / den
}

/// SPIKE-distance D_S of two trains over `window` (PySpike's `spike_distance`).
pub fn spike_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let edges = [window.start_s, window.end_s];
    let (s1, s2) = (spikes_or_edges(a, &edges), spikes_or_edges(b, &edges));
    let p1 = Pieces::new(s1, window, Nearest::new(s2, window));
    let p2 = Pieces::new(s2, window, Nearest::new(s1, window));
    integrate_pieces(p1, p2, window, spike_segment) / window.duration_s()
}

/// Half the smaller of the intervals before and after spike `i` of `s` (`edge` where absent).
fn half_min_isi(s: &[f64], i: usize, edge: f64) -> f64 {
    let before = if i > 0 { s[i] - s[i - 1] } else { edge };
    let after = if i + 1 < s.len() {
        s[i + 1] - s[i]
    } else {
        edge
    };
    0.5 * before.min(after)
}

/// (number of spikes with a coincident partner, total number of spikes) for two trains.
pub fn spike_sync_counts(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> (usize, usize) {
    let (s1, s2) = (a.times(), b.times());
    let edge = window.duration_s();
    let (mut i, mut j, mut coinc) = (0usize, 0usize, 0usize);
    // Walk the merged trains; each spike is tested against the latest earlier spike of the
    // other train (a coincidence can only be with the nearest neighbour on one side, and
    // τ ≤ half the intervals makes the partner unique).
    while i < s1.len() || j < s2.len() {
        let take1 = j == s2.len() || (i < s1.len() && s1[i] < s2[j]);
        let take2 = i == s1.len() || (j < s2.len() && s2[j] < s1[i]);
        if take1 {
            if j > 0 {
                let tau = half_min_isi(s1, i, edge).min(half_min_isi(s2, j - 1, edge));
                if s1[i] - s2[j - 1] < tau {
                    coinc += 2;
                }
            }
            i += 1;
        } else if take2 {
            if i > 0 {
                let tau = half_min_isi(s1, i - 1, edge).min(half_min_isi(s2, j, edge));
                if s2[j] - s1[i - 1] < tau {
                    coinc += 2;
                }
            }
            j += 1;
        } else {
            // Simultaneous spikes always coincide.
            coinc += 2;
            i += 1;
            j += 1;
        }
    }
    (coinc, s1.len() + s2.len())
}

/// SPIKE-synchronisation of two trains: coincident spikes / all spikes (1 if both empty).
pub fn spike_sync(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    match spike_sync_counts(a, b, window) {
        (_, 0) => 1.0,
        (c, n) => c as f64 / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    fn unit() -> Window {
        Window::new(0.0, 1.0).unwrap()
    }

    #[test]
    fn isi_hand_computed() {
        // a = {0.2, 0.6}: edge ISIs max(0.2, 0.4) and max(0.4, 0.4): ν_a = 0.4 throughout.
        // b = {0.4}: ν_b = 0.4 on [0, 0.4], 0.6 on [0.4, 1].
        // D_I = 0.6 · |0.4 − 0.6|/0.6 = 0.2.
        let d = isi_distance(&t(&[0.2, 0.6]), &t(&[0.4]), unit());
        assert!((d - 0.2).abs() < 1e-15, "{d}");
        assert_eq!(isi_distance(&t(&[0.2, 0.6]), &t(&[0.2, 0.6]), unit()), 0.0);
    }

    #[test]
    fn spike_hand_computed() {
        // a = {0.5}: pieces [0, 0.5] and [0.5, 1], ISI 0.5 each, S_a = distance from 0.5 to
        // the nearest of b's spikes {0, 1} and auxiliary spikes {−1, 2} = 0.5 (constant).
        // b empty → spikes {0, 1}: one piece, ISI 1, S_b = 0 (both ends on a's aux spikes).
        // S = (0.5 · 1 + 0 · 0.5)/(2 · 0.75²) = 4/9 everywhere.
        let d = spike_distance(&t(&[0.5]), &SpikeTrain::default(), unit());
        assert!((d - 4.0 / 9.0).abs() < 1e-15, "{d}");
        assert_eq!(
            spike_distance(&t(&[0.2, 0.7]), &t(&[0.2, 0.7]), unit()),
            0.0
        );
    }

    #[test]
    fn spike_sync_hand_computed() {
        // a = {0.1, 0.5}, b = {0.11, 0.9}. 0.11 vs 0.1: τ = ½ min(0.4, 0.79) = 0.2 > 0.01 →
        // coincidence. 0.5 vs 0.11: τ = 0.2 < 0.39 → no. 0.9 vs 0.5: no. SYNC = 2/4.
        assert_eq!(spike_sync(&t(&[0.1, 0.5]), &t(&[0.11, 0.9]), unit()), 0.5);
        assert_eq!(
            spike_sync(&SpikeTrain::default(), &SpikeTrain::default(), unit()),
            1.0
        );
        assert_eq!(spike_sync(&t(&[0.3]), &SpikeTrain::default(), unit()), 0.0);
        assert_eq!(spike_sync(&t(&[0.3]), &t(&[0.3]), unit()), 1.0);
    }

    /// Direct evaluation of the ISI and SPIKE profiles at time t from the definitions (with
    /// the edge rules of the module docs), for a midpoint-rule reference integral.
    fn profiles_at(s1: &[f64], s2: &[f64], w: Window, x: f64) -> (f64, f64) {
        let side = |s: &[f64], o: &[f64]| -> (f64, f64) {
            let n = s.len();
            let (first, last) = aux_bounds(o, w);
            let oa: Vec<f64> = std::iter::once(first)
                .chain(o.iter().copied())
                .chain([last])
                .collect();
            let dist = |u: f64| {
                oa.iter()
                    .map(|v| (u - v).abs())
                    .fold(f64::INFINITY, f64::min)
            };
            let k = s.iter().filter(|&&v| v <= x).count(); // spikes at or before x
            if n == 1 && s[0] == w.start_s {
                let isi = w.end_s - s[0];
                let sn = (dist(s[0]) * (w.end_s - x) + dist(w.end_s) * (x - s[0])) / isi;
                return (isi, sn);
            }
            if k == 0 {
                let isi = if n > 1 {
                    (s[0] - w.start_s).max(s[1] - s[0])
                } else {
                    s[0] - w.start_s
                };
                (isi, dist(s[0]))
            } else if k == n {
                let isi = if n > 1 {
                    (w.end_s - s[n - 1]).max(s[n - 1] - s[n - 2])
                } else {
                    w.end_s - s[n - 1]
                };
                (isi, dist(s[n - 1]))
            } else {
                let (p, f) = (s[k - 1], s[k]);
                (f - p, (dist(p) * (f - x) + dist(f) * (x - p)) / (f - p))
            }
        };
        let (i1, z1) = side(s1, s2);
        let (i2, z2) = side(s2, s1);
        let isi = (i1 - i2).abs() / i1.max(i2);
        let m = 0.5 * (i1 + i2);
        (isi, 0.5 * (z1 * i2 + z2 * i1) / (m * m))
    }

    fn sorted(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::btree_set(0u32..1000, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn sweeps_match_direct_profile_integration(a in sorted(12), b in sorted(12)) {
            let (ta, tb) = (t(&a), t(&b));
            let w = unit();
            let edges = [w.start_s, w.end_s];
            let (s1, s2) = (spikes_or_edges(&ta, &edges), spikes_or_edges(&tb, &edges));
            let steps = 20_000;
            let (mut isi, mut spike) = (0.0, 0.0);
            for k in 0..steps {
                // Midpoints never fall on a spike (spikes sit on the 1 ms grid).
                let x = (k as f64 + 0.5) / steps as f64;
                let (i, s) = profiles_at(s1, s2, w, x);
                isi += i / steps as f64;
                spike += s / steps as f64;
            }
            let fi = isi_distance(&ta, &tb, w);
            let fs = spike_distance(&ta, &tb, w);
            prop_assert!((fi - isi).abs() < 2e-3, "ISI {} vs {}", fi, isi);
            prop_assert!((fs - spike).abs() < 2e-3, "SPIKE {} vs {}", fs, spike);
        }

        #[test]
        fn spike_sync_equals_all_pairs_definition(a in sorted(25), b in sorted(25)) {
            // Kreuz et al. 2015 directly: a spike is coincident when some spike of the other
            // train lies within τ_ij = ½ min of the four neighbouring intervals (missing ones
            // count as the window length), O(n·m).
            let w = unit();
            let coincident = |x: &[f64], y: &[f64]| -> usize {
                (0..x.len())
                    .filter(|&i| {
                        (0..y.len()).any(|j| {
                            let tau = half_min_isi(x, i, 1.0).min(half_min_isi(y, j, 1.0));
                            (x[i] - y[j]).abs() < tau || x[i] == y[j]
                        })
                    })
                    .count()
            };
            let naive = coincident(&a, &b) + coincident(&b, &a);
            let (c, total) = spike_sync_counts(&t(&a), &t(&b), w);
            prop_assert_eq!(c, naive);
            prop_assert_eq!(total, a.len() + b.len());
        }

        #[test]
        fn symmetric_and_bounded(a in sorted(20), b in sorted(20)) {
            let (a, b) = (t(&a), t(&b));
            let w = unit();
            for f in [isi_distance, spike_distance, spike_sync] {
                let ab = f(&a, &b, w);
                prop_assert!((0.0..=1.0 + 1e-12).contains(&ab), "{}", ab);
                prop_assert!((ab - f(&b, &a, w)).abs() < 1e-12);
            }
            prop_assert!(isi_distance(&a, &a, w) == 0.0);
            prop_assert!(spike_distance(&a, &a, w) == 0.0);
            prop_assert!(spike_sync(&a, &a, w) == 1.0);
        }
    }
}
