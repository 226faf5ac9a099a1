//! Sums of Gaussian factors e^{−(x − y)²/4σ²} over close pairs of spikes: the inner loop of the
//! Schreiber correlation and of the explained variance's PSTH products.
//!
//! Those two metrics spend most of `arena score`'s time in `exp` (one call per close pair:
//! about two million on two 100 000-spike trains at 20 Hz). The exponential here is written so
//! that the compiler can run several at once (no branches, no table, the power of two built
//! from the bits of a rounded float), and the arguments of many rows are gathered in blocks
//! ([`ExpSum`]) whose exponentials are independent of each other. It agrees with the correctly
//! rounded e^{−u} to within 2 ulp (`tests::neg_exp_is_within_two_ulp_of_std`), so every metric
//! moves by a few parts in 10¹⁶ at most.

/// 1.5 · 2⁵²: adding it to |x| < 2⁵¹ rounds x to an integer n and leaves n in the low bits.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// ln 2 split so that n · LN2_HI is exact for |n| < 2¹¹ (Cody & Waite 1980).
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// Arguments are clamped here: e^{−700} ≈ 10⁻³⁰⁴ is still a normal number, and every caller's
/// cutoff keeps u far below it.
const MAX_U: f64 = 700.0;

/// e^{−u} for u ≥ 0 (u > 700 gives e^{−700}).
///
/// e^{−u} = 2ⁿ · e^r with n = round(−u/ln 2) and |r| ≤ ln 2 / 2, r computed in two parts
/// (Cody & Waite 1980); e^r by its Taylor polynomial of degree 13, whose truncation error
/// r¹⁴/14! < 5·10⁻¹⁸ is far below an ulp; 2ⁿ from n's bits.
#[inline(always)]
pub(crate) fn neg_exp(u: f64) -> f64 {
    let x = -u.min(MAX_U);
    let shifted = x * std::f64::consts::LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Horner, highest power first: Σ_{k=0}^{13} r^k / k!.
    let mut p = INV_FACTORIALS[13];
    for &c in INV_FACTORIALS[..13].iter().rev() {
        p = p * r + c;
    }
    // The low bits of `shifted` hold 2⁵¹ + n; (2⁵¹ + n + 1023) << 52 drops the 2⁵¹ and leaves
    // n + 1023, the biased exponent of 2ⁿ (n ≥ −1022 here).
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// 1/k! for k = 0…13.
const INV_FACTORIALS: [f64; 14] = {
    let mut out = [1.0; 14];
    let mut k = 1;
    while k < 14 {
        out[k] = out[k - 1] / k as f64;
        k += 1;
    }
    out
};

/// Arguments gathered before their exponentials are taken: enough for the lanes to stay full,
/// few enough to stay in the first-level cache (2 KiB).
const BLOCK: usize = 256;

/// Σ e^{−u} over a stream of arguments u ≥ 0, one block at a time.
///
/// The rows of close pairs are short (a few terms per spike at 20 Hz), so summing each row on
/// its own leaves the exponential's latency exposed. Gathered into blocks of [`BLOCK`], the
/// exponentials are independent and run back to back in eight partial sums; each block's sum
/// is then added with Neumaier's compensation, so the result does not depend on how the terms
/// fell into rows.
pub(crate) struct ExpSum {
    block: [f64; BLOCK],
    len: usize,
    total: Sum,
}

impl ExpSum {
    pub(crate) fn new() -> ExpSum {
        ExpSum {
            block: [0.0; BLOCK],
            len: 0,
            total: Sum::default(),
        }
    }

    /// Adds e^{−(y − x)² · k} for every y of `ys` (`k` = 1/(4σ²) for the Gaussian products).
    pub(crate) fn add_row(&mut self, x: f64, ys: &[f64], k: f64) {
        for &y in ys {
            let d = y - x;
            self.block[self.len] = d * d * k;
            self.len += 1;
            if self.len == BLOCK {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        let us = &self.block[..self.len];
        let mut acc = [0.0; 8];
        let chunks = us.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for (a, &u) in acc.iter_mut().zip(c) {
                *a += neg_exp(u);
            }
        }
        let mut block =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for &u in rest {
            block += neg_exp(u);
        }
        self.total.add(block);
        self.len = 0;
    }

    /// The sum of every term added.
    pub(crate) fn value(mut self) -> f64 {
        self.flush();
        self.total.value()
    }
}

/// A sum with Neumaier's compensation (the error of each addition is carried).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sum {
    sum: f64,
    carry: f64,
}

impl Sum {
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.carry += if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.sum = t;
    }

    pub(crate) fn value(&self) -> f64 {
        self.sum + self.carry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two positive normal numbers.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn neg_exp_is_within_two_ulp_of_std() {
        // 10⁶ points over the range the callers use (u ≤ 36 at a 12σ cutoff) and beyond, plus
        // the edges of the reduction (multiples of ln 2 / 2) and exact values.
        let mut worst = 0;
        let mut check = |u: f64| {
            let (ours, std) = (neg_exp(u), (-u).exp());
            let e = ulps(ours, std);
            assert!(e <= 2, "u = {u}: {ours:e} vs {std:e} ({e} ulp)");
            worst = worst.max(e);
        };
        for i in 0..1_000_000 {
            check(i as f64 * 80.0 / 1e6);
        }
        for m in 0..200 {
            let h = m as f64 * std::f64::consts::LN_2 / 2.0;
            for u in [h, h.next_up(), h.next_down().max(0.0)] {
                check(u);
            }
        }
        assert_eq!(neg_exp(0.0), 1.0);
        assert!((neg_exp(1.0) - (-1.0f64).exp()).abs() <= f64::EPSILON);
        eprintln!("worst error of neg_exp against std: {worst} ulp");
    }

    #[test]
    fn huge_arguments_are_clamped_not_wrapped() {
        assert_eq!(neg_exp(1e6), neg_exp(MAX_U));
        assert!(neg_exp(MAX_U) > 0.0 && neg_exp(MAX_U) < 1e-300);
    }

    #[test]
    fn exp_sums_match_the_plain_sum_however_the_rows_fall() {
        // Rows of every length up to 11 and more terms than a block (the eight-way split, its
        // remainder and the block boundary).
        let ys: Vec<f64> = (0..11).map(|i| 0.3 + i as f64 * 0.0017).collect();
        let k = 1.0 / (4.0 * 0.004 * 0.004);
        let mut all = ExpSum::new();
        let mut plain_all = 0.0;
        for round in 0..60 {
            let n = round % (ys.len() + 1);
            let x = 0.31 + round as f64 * 1e-4;
            let plain: f64 = ys[..n].iter().map(|y| (-(y - x) * (y - x) * k).exp()).sum();
            let mut one = ExpSum::new();
            one.add_row(x, &ys[..n], k);
            let ours = one.value();
            assert!(
                (ours - plain).abs() <= 1e-15 * plain.max(1.0),
                "{n}: {ours} {plain}"
            );
            all.add_row(x, &ys[..n], k);
            plain_all += plain;
        }
        let total = all.value();
        assert!(
            (total - plain_all).abs() <= 1e-14 * plain_all,
            "{total} {plain_all}"
        );
        assert!(
            total > 2.0 * BLOCK as f64 * 0.01,
            "more than two blocks of sizeable terms"
        );
    }
}
