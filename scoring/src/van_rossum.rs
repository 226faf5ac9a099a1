//! van Rossum distance (van Rossum 2001, Neural Comput 13:751), as Elephant reports it.
//!
//! Each train is filtered with a causal exponential, f(t) = Σ_i exp(−(t − t_i)/τ) for
//! t ≥ t_i. van Rossum defines D² = (1/τ) ∫ (f − g)² dt. Since ∫ f_i f_j = (τ/2)·e^{−|t_i −
//! t_j|/τ}, D² = ½ Σ_{i,j} k(a_i − a_j) + ½ Σ k(b_i − b_j) − Σ k(a_i − b_j) with
//! k(s) = e^{−|s|/τ}. Elephant (`elephant.spike_train_dissimilarity.van_rossum_distance`)
//! reports √2 times this D, so that an empty train against a single spike is exactly 1:
//!
//! ```text
//! D_vR = √( Σ_{i,j} k(a_i − a_j) + Σ_{i,j} k(b_i − b_j) − 2 Σ_{i,j} k(a_i − b_j) )
//! ```
//!
//! This crate reports D_vR (dimensionless). The integral runs over the whole real line (no
//! window clipping), as in both references.
//!
//! # Algorithm
//! The double sums are computed by the exponential recursion over sorted times (Houghton &
//! Kreuz 2012, Network 23:48): E(t) = Σ_{s ≤ t} e^{−(t − s)/τ} is carried forward as
//! E(t') = e^{−(t' − t)/τ}·E(t) between events, so all three sums cost one exponential per
//! spike in a single merged sweep, O(n + m).

use crate::train::SpikeTrain;

/// The three double sums Σ_{i,j} k(a_i − a_j), Σ k(b_i − b_j), Σ k(a_i − b_j) in one merged
/// sweep. Accumulators A and B hold Σ e^{−(t − s)/τ} over the spikes s ≤ t already passed
/// in each train; both decay by one shared exponential per event. At an `a` spike, A (before
/// adding it) is its sum over earlier `a` spikes and B its sum over earlier-or-equal `b`
/// spikes; symmetrically for `b`. Each unordered pair is met once, at its later spike
/// (equal times: `a` first), so Σ_aa = n_a + 2·Σ(A at a), Σ_ab = Σ(B at a) + Σ(A at b).
fn kernel_sums(a: &[f64], b: &[f64], tau_s: f64) -> (f64, f64, f64) {
    let (mut i, mut j) = (0, 0);
    let (mut acc_a, mut acc_b, mut t_prev) = (0.0f64, 0.0f64, f64::NEG_INFINITY);
    let (mut self_a, mut self_b, mut cross) = (0.0, 0.0, 0.0);
    while i < a.len() || j < b.len() {
        let take_a = j == b.len() || (i < a.len() && a[i] <= b[j]);
        let t = if take_a { a[i] } else { b[j] };
        let decay = if t_prev.is_finite() {
            (-(t - t_prev) / tau_s).exp()
        } else {
            0.0
        };
        acc_a *= decay;
        acc_b *= decay;
        t_prev = t;
        if take_a {
            self_a += acc_a;
            cross += acc_b;
            acc_a += 1.0;
            i += 1;
        } else {
            self_b += acc_b;
            cross += acc_a;
            acc_b += 1.0;
            j += 1;
        }
    }
    (
        a.len() as f64 + 2.0 * self_a,
        b.len() as f64 + 2.0 * self_b,
        cross,
    )
}

/// van Rossum distance D_vR (Elephant's convention, √2 × van Rossum 2001's D) with time
/// constant `tau_s` (seconds, > 0). Panics if `tau_s` is not positive and finite.
pub fn van_rossum(a: &SpikeTrain, b: &SpikeTrain, tau_s: f64) -> f64 {
    assert!(
        tau_s.is_finite() && tau_s > 0.0,
        "van Rossum τ must be positive, got {tau_s}"
    );
    let (aa, bb, ab) = kernel_sums(a.times(), b.times(), tau_s);
    (aa + bb - 2.0 * ab).max(0.0).sqrt()
}

/// The naive O(n·m) double sum, the reference for [`van_rossum`].
pub fn van_rossum_naive(a: &SpikeTrain, b: &SpikeTrain, tau_s: f64) -> f64 {
    let k = |u: &[f64], v: &[f64]| -> f64 {
        u.iter()
            .flat_map(|x| v.iter().map(move |y| (-(x - y).abs() / tau_s).exp()))
            .sum()
    };
    let (x, y) = (a.times(), b.times());
    (k(x, x) + k(y, y) - 2.0 * k(x, y)).max(0.0).sqrt()
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
        // Empty vs one spike: √1 = 1.
        assert!((van_rossum(&SpikeTrain::default(), &t(&[0.3]), 0.01) - 1.0).abs() < 1e-15);
        // {0} vs {s}: D² = 1 + 1 − 2e^{−s/τ}; s = τ → D = √(2 − 2/e).
        let d = van_rossum(&t(&[0.0]), &t(&[0.01]), 0.01);
        assert!((d - (2.0 - 2.0 / std::f64::consts::E).sqrt()).abs() < 1e-12);
        // {0, τ} vs {}: D² = 2 + 2e^{−1}.
        let d = van_rossum(&t(&[0.0, 0.01]), &SpikeTrain::default(), 0.01);
        assert!((d - (2.0 + 2.0 / std::f64::consts::E).sqrt()).abs() < 1e-12);
    }

    fn sorted(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::btree_set(0u32..1000, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn recursion_equals_naive(a in sorted(40), b in sorted(40), tau_ms in 1u32..200) {
            let (a, b) = (t(&a), t(&b));
            let tau = tau_ms as f64 * 1e-3;
            let fast = van_rossum(&a, &b, tau);
            let naive = van_rossum_naive(&a, &b, tau);
            prop_assert!((fast - naive).abs() <= 1e-9 * naive.max(1.0), "{} vs {}", fast, naive);
        }

        #[test]
        fn metric_axioms(a in sorted(15), b in sorted(15), c in sorted(15)) {
            let (a, b, c) = (t(&a), t(&b), t(&c));
            let ab = van_rossum(&a, &b, 0.01);
            prop_assert!((ab - van_rossum(&b, &a, 0.01)).abs() < 1e-9);
            prop_assert!(van_rossum(&a, &a, 0.01) < 1e-6);
            prop_assert!(ab <= van_rossum(&a, &c, 0.01) + van_rossum(&c, &b, 0.01) + 1e-7);
        }
    }
}
