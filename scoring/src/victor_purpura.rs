//! Victor–Purpura spike-time distance (Victor & Purpura 1996, J Neurophysiol 76:1310;
//! 1997, Network 8:127).
//!
//! D_VP(a, b; q) is the minimal total cost of turning train a into train b, with cost 1 per
//! inserted or deleted spike and q·|Δt| for shifting a spike by Δt (q in 1/s, Δt in s). The
//! value is the raw cost, as Elephant (`elephant.spike_train_dissimilarity.
//! victor_purpura_distance`) reports it: dimensionless, between |n_a − n_b| and n_a + n_b.
//!
//! # Why a band suffices
//! A shift costs q|Δt|; deleting and re-inserting costs 2. A shift of |Δt| ≥ 2/q is never
//! better, so only pairs with |x_i − y_j| < 2/q can be matched. Writing the cost as
//! n_a + n_b − W, where W is the largest total weight Σ (2 − q|x_i − y_j|) of a non-crossing
//! matching of such pairs, the dynamic programme over W needs only the cells inside that band:
//! with both trains sorted, a row's band [lo_i, hi_i] moves right monotonically, cells left of
//! it keep the previous row's value, and cells right of it equal the row's value at hi_i
//! (no spike of a up to x_i can match beyond). Cost O(n_a + n_b + band cells), i.e. linear
//! when 2/q is small compared with the inter-spike intervals.

use crate::train::SpikeTrain;

/// Victor–Purpura distance (raw minimal cost) with shift cost `q_per_s` (1/s, ≥ 0, finite).
///
/// q = 0 gives |n_a − n_b| (spike-count difference); q → ∞ gives the number of
/// non-coincident spikes. Panics if `q_per_s` is negative or not finite (a programming error:
/// parameters are validated where they are read).
pub fn victor_purpura(a: &SpikeTrain, b: &SpikeTrain, q_per_s: f64) -> f64 {
    assert!(
        q_per_s.is_finite() && q_per_s >= 0.0,
        "Victor–Purpura q must be finite and non-negative, got {q_per_s}"
    );
    let (x, y) = (a.times(), b.times());
    let total = (x.len() + y.len()) as f64;
    if q_per_s == 0.0 {
        return x.len().abs_diff(y.len()) as f64;
    }
    let reach = 2.0 / q_per_s;
    // h[j] = best matching weight using x[..=i] and y[..j] (1-based j: h[0] = 0).
    let mut h = vec![0.0f64; y.len() + 1];
    let mut lo = 0usize; // first 0-based j with y[j] > x_i − reach
    let mut hi = 0usize; // one past the last 0-based j with y[j] < x_i + reach
    for &xi in x {
        while lo < y.len() && xi - y[lo] >= reach {
            lo += 1;
        }
        let old_hi = hi;
        while hi < y.len() && y[hi] - xi < reach {
            hi += 1;
        }
        // Cells (old_hi, hi] of the previous row equal its tail value h[old_hi].
        let tail = h[old_hi];
        h[old_hi + 1..=hi].iter_mut().for_each(|v| *v = tail);
        // Band cells j = lo+1 ..= hi (1-based), updated left to right in place: `diag` keeps
        // the previous row's h[j − 1].
        let mut diag = h[lo];
        for j in lo + 1..=hi.max(lo) {
            let up = h[j];
            let w = 2.0 - q_per_s * (xi - y[j - 1]).abs();
            h[j] = up.max(h[j - 1]).max(diag + w);
            diag = up;
        }
    }
    total - h[hi]
}

/// The textbook O(n·m) dynamic programme on costs (Victor & Purpura 1996), the reference for
/// [`victor_purpura`]:
/// `G(i, j) = min(G(i−1, j) + 1, G(i, j−1) + 1, G(i−1, j−1) + q|x_i − y_j|)`.
pub fn victor_purpura_full(a: &SpikeTrain, b: &SpikeTrain, q_per_s: f64) -> f64 {
    let (x, y) = (a.times(), b.times());
    let mut prev: Vec<f64> = (0..=y.len()).map(|j| j as f64).collect();
    for (i, &xi) in x.iter().enumerate() {
        let mut row = vec![(i + 1) as f64; y.len() + 1];
        for j in 1..=y.len() {
            row[j] = (prev[j] + 1.0)
                .min(row[j - 1] + 1.0)
                .min(prev[j - 1] + q_per_s * (xi - y[j - 1]).abs());
        }
        prev = row;
    }
    prev[y.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    #[test]
    fn hand_computed() {
        // q = 10/s. {0.1} vs {0.15}: shift 0.05 s costs 0.5 < 2.
        assert!((victor_purpura(&t(&[0.1]), &t(&[0.15]), 10.0) - 0.5).abs() < 1e-12);
        // {0.1} vs {0.5}: shift would cost 4 > 2: delete + insert = 2.
        assert_eq!(victor_purpura(&t(&[0.1]), &t(&[0.5]), 10.0), 2.0);
        // {0.1, 0.2} vs {0.12}: match 0.1 (0.2) or 0.2 (0.8); best 0.2 + 1 deletion = 1.2.
        assert!((victor_purpura(&t(&[0.1, 0.2]), &t(&[0.12]), 10.0) - 1.2).abs() < 1e-12);
        // Empty vs 3 spikes: 3 insertions.
        assert_eq!(
            victor_purpura(&SpikeTrain::default(), &t(&[0.1, 0.2, 0.3]), 10.0),
            3.0
        );
        // q = 0: count difference.
        assert_eq!(victor_purpura(&t(&[0.1, 0.2]), &t(&[0.9]), 0.0), 1.0);
    }

    fn sorted(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::btree_set(0u32..1000, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn banded_equals_full_dp(a in sorted(25), b in sorted(25), q in 0.0f64..400.0) {
            let (a, b) = (t(&a), t(&b));
            let fast = victor_purpura(&a, &b, q);
            let full = victor_purpura_full(&a, &b, q);
            prop_assert!((fast - full).abs() <= 1e-9 * full.max(1.0), "{} vs {}", fast, full);
        }

        #[test]
        fn metric_axioms(a in sorted(12), b in sorted(12), c in sorted(12), q in 0.0f64..100.0) {
            let (a, b, c) = (t(&a), t(&b), t(&c));
            let ab = victor_purpura(&a, &b, q);
            prop_assert!(ab >= 0.0);
            prop_assert!((ab - victor_purpura(&b, &a, q)).abs() < 1e-9);
            prop_assert_eq!(victor_purpura(&a, &a, q), 0.0);
            let tri = victor_purpura(&a, &c, q) + victor_purpura(&c, &b, q);
            prop_assert!(ab <= tri + 1e-9);
        }
    }
}
