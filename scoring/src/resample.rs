//! Reproducible random choices: ChaCha8 streams and an index draw written out here, so that
//! seeded results (ceiling splits, bootstrap resamples) cannot change with a `rand` upgrade.
//! (rand_chacha guarantees the ChaCha8 output stream for a given seed.)

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A ChaCha8 generator seeded from a 64-bit seed.
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// An index in 0..n by 64-bit multiply-shift (Lemire 2019 without rejection; bias below
/// n/2⁶⁴, negligible for n ≤ 10⁶).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// n indices drawn uniformly from 0..n with replacement (one bootstrap resample).
pub(crate) fn with_replacement(rng: &mut ChaCha8Rng, n: usize) -> Vec<usize> {
    (0..n).map(|_| below(rng, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_in_range_reproducible_and_roughly_uniform() {
        let mut a = rng(1);
        let mut b = rng(1);
        let xs: Vec<usize> = (0..60_000).map(|_| below(&mut a, 6)).collect();
        let ys: Vec<usize> = (0..60_000).map(|_| below(&mut b, 6)).collect();
        assert_eq!(xs, ys);
        for k in 0..6 {
            let count = xs.iter().filter(|&&x| x == k).count();
            // Expected 10 000 ± 3σ (σ ≈ 91).
            assert!((9_700..=10_300).contains(&count), "{k}: {count}");
        }
        assert!(with_replacement(&mut a, 5).iter().all(|&i| i < 5));
    }
}
