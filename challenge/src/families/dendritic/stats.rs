//! Paired two-sided tests for the effect check: the sign test and the Wilcoxon signed-rank
//! test (Wilcoxon 1945, Biometrics Bull 1:80), with the standard normal tail they need.
//!
//! Both tests drop zero differences (Wilcoxon's original convention, also SciPy's
//! `zero_method="wilcox"`). The signed-rank p-value is exact (the null distribution of W⁺
//! enumerated by dynamic programming over the 2ⁿ sign patterns) when there are at most
//! [`EXACT_MAX_N`] non-zero differences and no tied |differences|; otherwise it uses the normal
//! approximation with the tie correction of the variance and a continuity correction of ½
//! (Hollander, Wolfe & Chicken 2014, "Nonparametric Statistical Methods", §3.1).

use serde::{Deserialize, Serialize};

/// The signed-rank p-value is exact up to this many non-zero differences (without ties).
pub const EXACT_MAX_N: usize = 50;

/// erfc(x), the complementary error function, to about 1e-15 relative accuracy.
///
/// # Formula
/// For |x| < 2 the series erf(x) = (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) (Abramowitz &
/// Stegun 1964, 7.1.6; all terms positive, so no cancellation), erfc = 1 − erf. For x ≥ 2 the
/// continued fraction erfc(x) = (e^{−x²}/√π)·1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
/// (A&S 7.1.14), evaluated bottom-up from 80 terms. erfc(−x) = 2 − erfc(x).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let frac_1_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI / 2.0;
    if x < 2.0 {
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > 1e-17 * sum {
            n += 1.0;
            term *= 2.0 * x * x / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * frac_1_sqrt_pi * (-x * x).exp() * sum
    } else {
        let mut f = x;
        for k in (1..=80).rev() {
            f = x + (k as f64 / 2.0) / f;
        }
        frac_1_sqrt_pi * (-x * x).exp() / f
    }
}

/// P(Z ≥ z) for a standard normal Z: ½·erfc(z/√2).
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Two-sided exact sign test: with n non-zero differences of which k are positive,
/// p = min(1, 2·P(B ≤ min(k, n − k))), B ~ Binomial(n, ½). 1 when n = 0.
pub fn sign_test(differences: &[f64]) -> f64 {
    let n = differences.iter().filter(|d| **d != 0.0).count();
    let k = differences.iter().filter(|d| **d > 0.0).count();
    let tail = k.min(n - k);
    // Σ_{i ≤ tail} C(n, i) / 2ⁿ, with C(n, i) built incrementally in floating point.
    let mut c = 1.0;
    let mut sum = 1.0;
    for i in 1..=tail {
        c *= (n - i + 1) as f64 / i as f64;
        sum += c;
    }
    (2.0 * sum / 2f64.powi(n as i32)).min(1.0)
}

/// How a signed-rank p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PValueMethod {
    /// Exact null distribution.
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Normal,
}

/// The result of a Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignedRank {
    /// Number of non-zero differences.
    pub n: usize,
    /// W⁺: the sum of the ranks of the positive differences (ties get average ranks).
    pub w_plus: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Exact or normal approximation.
    pub method: PValueMethod,
}

/// Two-sided Wilcoxon signed-rank test of the hypothesis that the differences are symmetric
/// about 0. p = 1 when all differences are zero.
pub fn wilcoxon_signed_rank(differences: &[f64]) -> SignedRank {
    let mut abs: Vec<(f64, bool)> = differences
        .iter()
        .filter(|d| **d != 0.0)
        .map(|d| (d.abs(), *d > 0.0))
        .collect();
    abs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = abs.len();
    // Average ranks over groups of equal |d|; Σ(t³ − t) for the variance correction.
    let mut w_plus = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && abs[j + 1].0 == abs[i].0 {
            j += 1;
        }
        let rank = (i + j + 2) as f64 / 2.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        w_plus += rank * abs[i..=j].iter().filter(|a| a.1).count() as f64;
        i = j + 1;
    }
    if n == 0 {
        return SignedRank {
            n,
            w_plus,
            p_value: 1.0,
            method: PValueMethod::Exact,
        };
    }
    if n <= EXACT_MAX_N && tie_term == 0.0 {
        // counts[s] = number of sign patterns with W⁺ = s (subsets of {1..n} summing to s).
        let max = n * (n + 1) / 2;
        let mut counts = vec![0.0f64; max + 1];
        counts[0] = 1.0;
        for r in 1..=n {
            for s in (r..=max).rev() {
                counts[s] += counts[s - r];
            }
        }
        let total = 2f64.powi(n as i32);
        let w = w_plus as usize;
        let lower: f64 = counts[..=w].iter().sum::<f64>() / total;
        let upper: f64 = counts[w..].iter().sum::<f64>() / total;
        return SignedRank {
            n,
            w_plus,
            p_value: (2.0 * lower.min(upper)).min(1.0),
            method: PValueMethod::Exact,
        };
    }
    SignedRank {
        n,
        w_plus,
        p_value: normal_p_value(n, w_plus, tie_term),
        method: PValueMethod::Normal,
    }
}

/// Two-sided normal-approximation p-value of W⁺ for n non-zero differences whose tie groups
/// of sizes t give `tie_term` = Σ(t³ − t): mean n(n+1)/4, variance n(n+1)(2n+1)/24 − Σ(t³−t)/48,
/// z = (|W⁺ − mean| − ½)⁺/sd.
fn normal_p_value(n: usize, w_plus: f64, tie_term: f64) -> f64 {
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
    let excess = ((w_plus - mean).abs() - 0.5).max(0.0);
    if var > 0.0 {
        (2.0 * normal_upper_tail(excess / var.sqrt())).min(1.0)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn erfc_matches_reference_values() {
        // Python 3 math.erfc values (shortest round-trip repr).
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.4795001221869535),
            (1.0, 0.15729920705028513),
            (1.9, 0.0072095707647425325),
            (2.0, 0.004677734981047265),
            (3.0, 2.2090496998585438e-05),
            (6.0, 2.1519736712498916e-17),
            (-1.0, 1.842700792949715),
        ] {
            assert!(
                close(erfc(x), want, 1e-13),
                "erfc({x}) = {} != {want}",
                erfc(x)
            );
        }
        // Φ̄(1.959963984540054) = 0.025: the two-sided 5 % point.
        assert!(close(normal_upper_tail(1.959963984540054), 0.025, 1e-12));
    }

    #[test]
    fn sign_test_by_hand() {
        // 5 positive of 5: p = 2·(1/32) = 0.0625.
        assert_eq!(sign_test(&[1.0, 2.0, 3.0, 4.0, 5.0]), 0.0625);
        // Zeros dropped: 4 of 5 positive → tail 1: 2·(1 + 5)/32 = 0.375.
        assert_eq!(sign_test(&[1.0, 0.0, 2.0, -3.0, 4.0, 5.0, 0.0]), 0.375);
        // Balanced: capped at 1.
        assert_eq!(sign_test(&[1.0, -1.0]), 1.0);
        assert_eq!(sign_test(&[0.0, 0.0]), 1.0);
        // 10 of 10: 2/1024.
        assert_eq!(sign_test(&[1.0; 10]), 2.0 / 1024.0);
    }

    #[test]
    fn signed_rank_exact_by_hand() {
        // All 5 positive: W⁺ = 15, only 1 of 32 patterns reaches it: p = 2/32.
        let r = wilcoxon_signed_rank(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((r.n, r.w_plus, r.method), (5, 15.0, PValueMethod::Exact));
        assert_eq!(r.p_value, 0.0625);
        // d = −1, 2, 3, 4, 5: W⁺ = 14; subsets of {1..5} with sum ≥ 14: {1,2,3,4,5}, {2,3,4,5}
        // → P(W⁺ ≥ 14) = 2/32, p = 4/32 = 0.125.
        let r = wilcoxon_signed_rank(&[-1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(r.w_plus, 14.0);
        assert_eq!(r.p_value, 0.125);
        // Sign flips mirror: W⁺ = 1 gives the same p.
        let r = wilcoxon_signed_rank(&[1.0, -2.0, -3.0, -4.0, -5.0]);
        assert_eq!((r.w_plus, r.p_value), (1.0, 0.125));
        // d = 3, −1, 2 (ranks 3, 1, 2): W⁺ = 5; P(W⁺ ≥ 5) = |{{2,3},{1,2,3}}|/8 = 2/8, p = 0.5.
        let r = wilcoxon_signed_rank(&[3.0, -1.0, 2.0, 0.0]);
        assert_eq!((r.n, r.w_plus, r.p_value), (3, 5.0, 0.5));
    }

    #[test]
    fn signed_rank_normal_with_ties_by_hand() {
        // d = 1, 1, 1, −2, 3, 3: |d| sorted 1,1,1,2,3,3 → ranks 2,2,2,4,5.5,5.5.
        // W⁺ = 2+2+2+5.5+5.5 = 17. Mean 6·7/4 = 10.5. Var = 6·7·13/24 − [(27−3)+(8−2)]/48
        // = 22.75 − 0.625 = 22.125. z = (6.5 − 0.5)/√22.125 = 1.275586...
        let r = wilcoxon_signed_rank(&[1.0, 1.0, 1.0, -2.0, 3.0, 3.0]);
        assert_eq!((r.n, r.w_plus, r.method), (6, 17.0, PValueMethod::Normal));
        let z = 6.0 / 22.125f64.sqrt();
        assert!((z - 1.275_586).abs() < 1e-6);
        // 2·Φ̄(1.275586) = 0.202102 (Python: math.erfc(z/sqrt(2))).
        assert!((r.p_value - 0.202_102).abs() < 1e-6, "{}", r.p_value);
        assert!((r.p_value - 2.0 * normal_upper_tail(z)).abs() < 1e-15);
    }

    #[test]
    fn signed_rank_normal_for_large_n_by_hand() {
        // 60 distinct positive differences: W⁺ = 60·61/2 = 1830, mean 915,
        // var = 60·61·121/24 = 18452.5, z = (915 − 0.5)/135.8400 = 6.7322; p = 2Φ̄(z) ≈ 1.67e-11.
        let d: Vec<f64> = (1..=60).map(f64::from).collect();
        let r = wilcoxon_signed_rank(&d);
        assert_eq!((r.w_plus, r.method), (1830.0, PValueMethod::Normal));
        let z = 914.5 / 18452.5f64.sqrt();
        assert!(close(r.p_value, 2.0 * normal_upper_tail(z), 1e-14));
        assert!(r.p_value > 1e-11 && r.p_value < 2e-11, "{}", r.p_value);
    }

    #[test]
    fn exact_and_normal_agree_at_moderate_p() {
        // n = 20, negatives at ranks 1..=8 and 17: W⁺ = 210 − 53 = 157; the normal
        // approximation z = (52 − 0.5)/√717.5 = 1.923 gives p ≈ 0.054; the exact p must be close.
        let d: Vec<f64> = (1..=20)
            .map(|i| {
                if i <= 8 || i == 17 {
                    -f64::from(i)
                } else {
                    f64::from(i)
                }
            })
            .collect();
        let exact = wilcoxon_signed_rank(&d);
        assert_eq!((exact.w_plus, exact.method), (157.0, PValueMethod::Exact));
        let normal = normal_p_value(20, 157.0, 0.0);
        assert!((normal - 0.0545).abs() < 1e-3, "{normal}");
        assert!(
            (exact.p_value - normal).abs() < 0.1 * normal,
            "{} vs {normal}",
            exact.p_value
        );
    }
}
