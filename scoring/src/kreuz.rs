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

/// The spikes of a train, or the two window edges for an empty train (PySpike convention).
fn non_empty(train: &SpikeTrain, w: Window) -> Vec<f64> {
    if train.is_empty() {
        vec![w.start_s, w.end_s]
    } else {
        train.times().to_vec()
    }
}

/// A piece of a train's profile: on [from, to] the train's inter-spike interval is `isi` and
/// (SPIKE only) S_n varies linearly from `s_from` to `s_to`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    from: f64,
    to: f64,
    isi: f64,
    s_from: f64,
    s_to: f64,
}

impl Piece {
    fn s_at(&self, t: f64) -> f64 {
        if self.to > self.from {
            self.s_from + (self.s_to - self.s_from) * (t - self.from) / (self.to - self.from)
        } else {
            self.s_from
        }
    }
}

/// Integrates f over [start, end] where f on each merged segment depends on the current piece
/// of each train; `segment(p1, p2, a, b)` returns the integral over [a, b].
fn integrate_pieces(
    p1: &[Piece],
    p2: &[Piece],
    w: Window,
    segment: impl Fn(&Piece, &Piece, f64, f64) -> f64,
) -> f64 {
    let (mut i, mut j, mut t, mut total) = (0, 0, w.start_s, 0.0);
    while i < p1.len() && j < p2.len() {
        let next = p1[i].to.min(p2[j].to);
        if next > t {
            total += segment(&p1[i], &p2[j], t, next);
            t = next;
        }
        if p1[i].to <= next {
            i += 1;
        }
        if p2[j].to <= next {
            j += 1;
        }
    }
    total
}

/// ISI pieces of one train over the window (PySpike's edge rules, see module docs).
fn isi_pieces(s: &[f64], w: Window) -> Vec<Piece> {
    let n = s.len();
    let piece = |from: f64, to: f64, isi: f64| Piece {
        from,
        to,
        isi,
        s_from: 0.0,
        s_to: 0.0,
    };
    let mut out = Vec::with_capacity(n + 1);
    if s[0] > w.start_s {
        let isi = if n > 1 {
            (s[0] - w.start_s).max(s[1] - s[0])
        } else {
            s[0] - w.start_s
        };
        out.push(piece(w.start_s, s[0], isi));
    }
    for k in 0..n - 1 {
        out.push(piece(s[k], s[k + 1], s[k + 1] - s[k]));
    }
    let last = s[n - 1];
    let isi = if n > 1 {
        (w.end_s - last).max(last - s[n - 2])
    } else {
        w.end_s - last
    };
    out.push(piece(last, w.end_s, isi));
    out
}

/// ISI-distance D_I of two trains over `window` (PySpike's `isi_distance`).
pub fn isi_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let p1 = isi_pieces(&non_empty(a, window), window);
    let p2 = isi_pieces(&non_empty(b, window), window);
    integrate_pieces(&p1, &p2, window, |x, y, from, to| {
        let m = x.isi.max(y.isi);
        let v = if m > 0.0 {
            (x.isi - y.isi).abs() / m
        } else {
            0.0
        };
        v * (to - from)
    }) / window.duration_s()
}

/// For each spike of `s`, the distance to the nearest element of sorted `other` (two pointers).
fn nearest_distances(s: &[f64], other: &[f64]) -> Vec<f64> {
    let mut j = 0;
    s.iter()
        .map(|&t| {
            while j + 1 < other.len() && other[j + 1] <= t {
                j += 1;
            }
            let mut d = (t - other[j]).abs();
            if j + 1 < other.len() {
                d = d.min((other[j + 1] - t).abs());
            }
            d
        })
        .collect()
}

/// The train with its two auxiliary spikes (see module docs), sorted.
fn with_aux(s: &[f64], w: Window) -> Vec<f64> {
    let n = s.len();
    let (first, last) = if n > 1 {
        (
            w.start_s.min(2.0 * s[0] - s[1]),
            w.end_s.max(2.0 * s[n - 1] - s[n - 2]),
        )
    } else {
        (w.start_s, w.end_s)
    };
    let mut v = Vec::with_capacity(n + 2);
    v.push(first);
    v.extend_from_slice(s);
    v.push(last);
    v
}

/// SPIKE pieces of train `s` against the other train augmented with its auxiliary spikes.
fn spike_pieces(s: &[f64], other_aux: &[f64], w: Window) -> Vec<Piece> {
    let n = s.len();
    let d = nearest_distances(s, other_aux);
    let mut out = Vec::with_capacity(n + 1);
    if n == 1 && s[0] == w.start_s {
        // PySpike treats the window end as the following spike of a lone spike at the start.
        let d_end = nearest_distances(&[w.end_s], other_aux)[0];
        out.push(Piece {
            from: s[0],
            to: w.end_s,
            isi: w.end_s - s[0],
            s_from: d[0],
            s_to: d_end,
        });
        return out;
    }
    // Edge ISIs written as PySpike computes them (not via the auxiliary spikes, which would
    // round differently).
    let (first_isi, last_isi) = if n > 1 {
        (
            (s[0] - w.start_s).max(s[1] - s[0]),
            (w.end_s - s[n - 1]).max(s[n - 1] - s[n - 2]),
        )
    } else {
        (s[0] - w.start_s, w.end_s - s[0])
    };
    if s[0] > w.start_s {
        out.push(Piece {
            from: w.start_s,
            to: s[0],
            isi: first_isi,
            s_from: d[0],
            s_to: d[0],
        });
    }
    for k in 0..n - 1 {
        out.push(Piece {
            from: s[k],
            to: s[k + 1],
            isi: s[k + 1] - s[k],
            s_from: d[k],
            s_to: d[k + 1],
        });
    }
    out.push(Piece {
        from: s[n - 1],
        to: w.end_s,
        isi: last_isi,
        s_from: d[n - 1],
        s_to: d[n - 1],
    });
    out
}

/// The SPIKE-distance profile value S(t) from the two trains' pieces at time t.
fn spike_profile(x: &Piece, y: &Piece, t: f64) -> f64 {
    let mean = 0.5 * (x.isi + y.isi);
    if mean <= 0.0 {
        return 0.0;
    }
    0.5 * (x.s_at(t) * y.isi + y.s_at(t) * x.isi) / (mean * mean)
}

/// SPIKE-distance D_S of two trains over `window` (PySpike's `spike_distance`).
pub fn spike_distance(a: &SpikeTrain, b: &SpikeTrain, window: Window) -> f64 {
    let (s1, s2) = (non_empty(a, window), non_empty(b, window));
    let p1 = spike_pieces(&s1, &with_aux(&s2, window), window);
    let p2 = spike_pieces(&s2, &with_aux(&s1, window), window);
    // S is linear on each merged segment (ISIs constant, S_n linear): the trapezoid is exact.
    integrate_pieces(&p1, &p2, window, |x, y, from, to| {
        0.5 * (spike_profile(x, y, from) + spike_profile(x, y, to)) * (to - from)
    }) / window.duration_s()
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
            let oa = with_aux(o, w);
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
            let (s1, s2) = (non_empty(&ta, w), non_empty(&tb, w));
            let steps = 20_000;
            let (mut isi, mut spike) = (0.0, 0.0);
            for k in 0..steps {
                // Midpoints never fall on a spike (spikes sit on the 1 ms grid).
                let x = (k as f64 + 0.5) / steps as f64;
                let (i, s) = profiles_at(&s1, &s2, w, x);
                isi += i / steps as f64;
                spike += s / steps as f64;
            }
            let fi = isi_distance(&ta, &tb, w);
            let fs = spike_distance(&ta, &tb, w);
            prop_assert!((fi - isi).abs() < 2e-3, "ISI {} vs {}", fi, isi);
            prop_assert!((fs - spike).abs() < 2e-3, "SPIKE {} vs {}", fs, spike);
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
