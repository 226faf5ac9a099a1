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
//!
//! # Algorithm
//! ISI- and SPIKE-distance are integrals of profiles that are constant (ISI) or linear
//! (SPIKE) between consecutive spikes of the two trains, so both are computed exactly by one
//! merge sweep over the two trains' pieces (`sweep`), O(n_1 + n_2) time, no allocation and
//! no search: each piece's geometry and each spike's distance to the other train are read
//! from the spike times at the moment the sweep passes them. SPIKE-sync is one merge too.
//! The unit tests check both sweeps against a direct evaluation of the definitions on every
//! elementary segment (agreement to rounding) and `tests/peer_fixtures.rs` against PySpike.

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

/// One piece of a train's profile: on [from, to] its inter-spike interval is `isi` (for inner
/// pieces to − from; PySpike's edge ISIs on the first and last piece).
#[derive(Clone, Copy, Debug)]
struct Piece {
    from: f64,
    to: f64,
    isi: f64,
}

/// A train of N ≥ 1 spikes cut into the N + 1 pieces [B_k, B_{k+1}], k = 0..=N, with
/// B_0 = start, B_k = t_k, B_{N+1} = end: the leading edge piece, the N − 1 inter-spike
/// intervals and the trailing edge piece (edge pieces may have length 0). Nothing is
/// allocated: pieces and distances are read from the spike times on demand.
struct Profile<'a> {
    s: &'a [f64],
    w: Window,
    /// ISI of the leading piece: max(t_1 − start, t_2 − t_1), or t_1 − start for N = 1
    /// (computed from the spikes, as PySpike does, not via the auxiliary spikes, which would
    /// round differently).
    lead_isi: f64,
    /// ISI of the trailing piece: max(end − t_N, t_N − t_{N−1}), or end − t_N for N = 1.
    trail_isi: f64,
    /// Auxiliary spikes (see module docs).
    aux_first: f64,
    aux_last: f64,
}

impl<'a> Profile<'a> {
    fn new(s: &'a [f64], w: Window) -> Self {
        let n = s.len();
        let (lead_isi, trail_isi) = if n > 1 {
            (
                (s[0] - w.start_s).max(s[1] - s[0]),
                (w.end_s - s[n - 1]).max(s[n - 1] - s[n - 2]),
            )
        } else {
            (s[0] - w.start_s, w.end_s - s[0])
        };
        let (aux_first, aux_last) = aux_bounds(s, w);
        Profile {
            s,
            w,
            lead_isi,
            trail_isi,
            aux_first,
            aux_last,
        }
    }

    /// Index N of the trailing piece.
    #[inline]
    fn last(&self) -> usize {
        self.s.len()
    }

    /// Piece k ∈ 0..=N.
    #[inline]
    fn piece(&self, k: usize) -> Piece {
        let n = self.s.len();
        let from = if k == 0 {
            self.w.start_s
        } else {
            self.s[k - 1]
        };
        let to = if k == n { self.w.end_s } else { self.s[k] };
        let isi = if k == 0 {
            self.lead_isi
        } else if k == n {
            self.trail_isi
        } else {
            to - from
        };
        Piece { from, to, isi }
    }

    /// Distance from `t` ∈ [B_k, B_{k+1}] to the nearest spike of this train, auxiliary
    /// spikes included: the spikes bracketing piece k are t_k (or the leading auxiliary
    /// spike) and t_{k+1} (or the trailing one).
    #[inline]
    fn distance(&self, k: usize, t: f64) -> f64 {
        let before = if k == 0 {
            self.aux_first
        } else {
            self.s[k - 1]
        };
        let after = if k == self.s.len() {
            self.aux_last
        } else {
            self.s[k]
        };
        (t - before).min(after - t)
    }
}

/// One step of the merged sweep over two profiles: the current pieces `a` (index `ka` of the
/// first train) and `b` (index `kb` of the second) and the segment [from, to] on which neither
/// changes (empty when pieces end together or have length 0). A piece ends at this step when
/// its `to` equals the segment's.
struct Step {
    ka: usize,
    kb: usize,
    a: Piece,
    b: Piece,
    from: f64,
    to: f64,
}

/// Visits the merged pieces of two profiles in time order, from start to end: O(N_1 + N_2),
/// no allocation. The piece indices advance by comparisons turned into integers, not by a
/// data-dependent branch (spike trains interleave at random, so such a branch would be
/// mispredicted about every other step).
fn sweep(p1: &Profile<'_>, p2: &Profile<'_>, mut visit: impl FnMut(&Step)) {
    let (mut ka, mut kb, mut t) = (0usize, 0usize, p1.w.start_s);
    // Both profiles end at the window end, so they run out together.
    while ka <= p1.last() && kb <= p2.last() {
        let (a, b) = (p1.piece(ka), p2.piece(kb));
        let to = a.to.min(b.to);
        visit(&Step {
            ka,
            kb,
            a,
            b,
            from: t,
            to,
        });
        t = to;
        ka += usize::from(a.to <= to);
        kb += usize::from(b.to <= to);
    }
}

/// ISI-distance D_I of two trains over `window` (PySpike's `isi_distance`).
pub fn isi_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let edges = [window.start_s, window.end_s];
    let (s1, s2) = (spikes_or_edges(a, &edges), spikes_or_edges(b, &edges));
    let mut total = 0.0;
    sweep(&Profile::new(s1, window), &Profile::new(s2, window), |st| {
        let (x, y) = (st.a.isi, st.b.isi);
        let m = x.max(y);
        if st.to > st.from && m > 0.0 {
            total += (x - y).abs() / m * (st.to - st.from);
        }
    });
    total / window.duration_s()
}

/// The part of ∫ S(t) dt that belongs to one train's current piece [f, e] of length
/// L = e − f, kept as two sums because S_n's value at e (the distance of the piece's
/// right spike to the other train) is only known when the sweep reaches e.
///
/// On an inner piece S_n(t) = (S_l·(e − t) + S_r·(t − f))/L, so on a segment [x, y] inside it
/// S_n(x) + S_n(y) = (S_l·u + S_r·v)/L with u = (e − x) + (e − y), v = (x − f) + (y − f);
/// edge pieces hold S_n constant, S_l = S_r, where u + v = 2L gives the same form.
/// A segment's weight ω (see [`spike_distance`]) adds ω·u to `left` and ω·v to `right`; the
/// piece then contributes S_l·left + S_r·right.
#[derive(Clone, Copy, Default)]
struct PieceSums {
    left: f64,
    right: f64,
}

impl PieceSums {
    #[inline]
    fn add(&mut self, weight: f64, p: &Piece, x: f64, y: f64) {
        self.left += weight * ((p.to - x) + (p.to - y));
        self.right += weight * ((x - p.from) + (y - p.from));
    }
}

/// SPIKE-distance state of one train during the sweep.
#[derive(Clone, Copy, Default)]
struct SpikeSide {
    /// Sums of the current piece.
    sums: PieceSums,
    /// Distance of the current piece's left boundary B_k to the other train (S_n there).
    d_left: f64,
}

impl SpikeSide {
    /// Closes piece k of a train whose trailing piece has index `last`: `d_right` is the
    /// distance of B_{k+1} to the other train. S_n is held at the real spike's distance on
    /// the edge pieces (the leading piece takes its right value, the trailing its left),
    /// except the trailing piece of a lone spike at the window start, which runs to the
    /// window end's distance (`lone_at_start`, PySpike). Returns the piece's contribution and
    /// resets the sums.
    #[inline]
    fn close(&mut self, k: usize, last: usize, lone_at_start: bool, d_right: f64) -> f64 {
        let (l, r) = if k == 0 {
            (d_right, d_right)
        } else if k == last && !lone_at_start {
            (self.d_left, self.d_left)
        } else {
            (self.d_left, d_right)
        };
        let value = l * self.sums.left + r * self.sums.right;
        self.sums = PieceSums::default();
        self.d_left = d_right;
        value
    }
}

/// SPIKE-distance D_S of two trains over `window` (PySpike's `spike_distance`).
///
/// On a segment [x, y] where neither train's piece changes (ISIs I_1, I_2 and piece lengths
/// L_1, L_2 constant), S(t) = (S_1(t)·I_2 + S_2(t)·I_1)/(2⟨I⟩²) with ⟨I⟩ = (I_1 + I_2)/2 is
/// linear in t, so the trapezoid rule is exact:
/// ∫ S dt = (y − x)·[(S_1(x) + S_1(y))·I_2 + (S_2(x) + S_2(y))·I_1]/(I_1 + I_2)².
/// With S_n(x) + S_n(y) = (S_l·u + S_r·v)/L_n (see `PieceSums`), train 1's share is
/// ω_1·(S_l·u_1 + S_r·v_1) with ω_1 = c·I_2·L_2 and c = (y − x)/((I_1 + I_2)²·L_1·L_2) (one
/// division per segment; L_1, L_2 > 0 on a non-empty segment), and symmetrically for train 2.
/// One sweep, O(N_1 + N_2), no allocation; each piece's sums are weighted by its end values
/// when the sweep leaves it.
pub fn spike_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let edges = [window.start_s, window.end_s];
    let (s1, s2) = (spikes_or_edges(a, &edges), spikes_or_edges(b, &edges));
    let (p1, p2) = (Profile::new(s1, window), Profile::new(s2, window));
    let lone = |s: &[f64]| s.len() == 1 && s[0] == window.start_s;
    let (lone1, lone2) = (lone(s1), lone(s2));
    let (mut side1, mut side2) = (SpikeSide::default(), SpikeSide::default());
    let mut total = 0.0;
    sweep(&p1, &p2, |st| {
        let (a, b) = (&st.a, &st.b);
        if st.to > st.from {
            let (la, lb) = (a.to - a.from, b.to - b.from);
            let sum = a.isi + b.isi;
            let c = (st.to - st.from) / (sum * sum * la * lb);
            side1.sums.add(c * b.isi * lb, a, st.from, st.to);
            side2.sums.add(c * a.isi * la, b, st.from, st.to);
        }
        // Distances of the boundary st.to to the other train, from its current piece (which
        // contains st.to), taken before either index advances.
        if a.to <= st.to {
            total += side1.close(st.ka, p1.last(), lone1, p2.distance(st.kb, st.to));
        }
        if b.to <= st.to {
            total += side2.close(st.kb, p2.last(), lone2, p1.distance(st.ka, st.to));
        }
    });
    total / window.duration_s()
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
        prop::collection::btree_set(0u32..=1000, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn sweeps_match_direct_profile_integration(a in sorted(14), b in sorted(14)) {
            // Naive reference: cut [start, end] at every spike of both trains; on each
            // elementary segment both ISIs are constant and both S_n linear, so the integral
            // is exactly length × profile(midpoint), the profile evaluated from the
            // definitions in O(n) (profiles_at). Agreement to rounding, not to a quadrature
            // tolerance.
            let (ta, tb) = (t(&a), t(&b));
            let w = unit();
            let edges = [w.start_s, w.end_s];
            let (s1, s2) = (spikes_or_edges(&ta, &edges), spikes_or_edges(&tb, &edges));
            let mut cuts: Vec<f64> = s1.iter().chain(s2).copied().chain(edges).collect();
            cuts.sort_by(f64::total_cmp);
            cuts.dedup();
            let (mut isi, mut spike) = (0.0, 0.0);
            for c in cuts.windows(2) {
                let (i, s) = profiles_at(s1, s2, w, 0.5 * (c[0] + c[1]));
                isi += i * (c[1] - c[0]);
                spike += s * (c[1] - c[0]);
            }
            let fi = isi_distance(&ta, &tb, w);
            let fs = spike_distance(&ta, &tb, w);
            prop_assert!((fi - isi).abs() < 1e-13, "ISI {} vs {}", fi, isi);
            prop_assert!((fs - spike).abs() < 1e-13, "SPIKE {} vs {}", fs, spike);
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
