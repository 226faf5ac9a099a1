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
//! Every double sum is computed by the exponential recursion over sorted times (Houghton &
//! Kreuz 2012, Network 23:48): with E_i = Σ_{j: t_j ≤ t_i} e^{−(t_i − t_j)/τ} carried forward
//! as E_{i+1} = e^{−(t_{i+1} − t_i)/τ}·E_i + (new terms), each sum costs O(n + m).

use crate::train::SpikeTrain;

/// Σ_{x∈targets} Σ_{y∈sources, y ≤ x (or < x if !inclusive)} e^{−(x − y)/τ}, both sorted.
fn causal_sum(targets: &[f64], sources: &[f64], tau_s: f64, inclusive: bool) -> f64 {
    let (mut acc, mut acc_time, mut j, mut total) = (0.0f64, f64::NEG_INFINITY, 0usize, 0.0);
    for &x in targets {
        while j < sources.len() && (sources[j] < x || (inclusive && sources[j] == x)) {
            // Move the accumulator to time sources[j] and add that source.
            acc = acc * decay(sources[j] - acc_time, tau_s) + 1.0;
            acc_time = sources[j];
            j += 1;
        }
        total += acc * decay(x - acc_time, tau_s);
    }
    total
}

fn decay(dt: f64, tau_s: f64) -> f64 {
    if dt.is_infinite() {
        0.0
    } else {
        (-dt / tau_s).exp()
    }
}

/// Σ_{i,j} e^{−|a_i − b_j|/τ} over all ordered pairs (including i = j when a = b).
fn kernel_sum(a: &[f64], b: &[f64], tau_s: f64) -> f64 {
    causal_sum(a, b, tau_s, true) + causal_sum(b, a, tau_s, false)
}

/// van Rossum distance D_vR (Elephant's convention, √2 × van Rossum 2001's D) with time
/// constant `tau_s` (seconds, > 0). Panics if `tau_s` is not positive and finite.
pub fn van_rossum(a: &SpikeTrain, b: &SpikeTrain, tau_s: f64) -> f64 {
    assert!(
        tau_s.is_finite() && tau_s > 0.0,
        "van Rossum τ must be positive, got {tau_s}"
    );
    let (x, y) = (a.times(), b.times());
    let d2 = kernel_sum(x, x, tau_s) + kernel_sum(y, y, tau_s) - 2.0 * kernel_sum(x, y, tau_s);
    d2.max(0.0).sqrt()
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
