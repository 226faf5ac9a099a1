//! The seeds the server draws for itself: a challenge's hidden seed when the organizer gives
//! none, each live evaluation's seed, the reference baseline's noise seed.
//!
//! In service they come from the operating system's generator, so nobody (organizer included)
//! can predict them. A test suite instead needs the same draws on every run, or a commit
//! passes or fails by chance (issue 20); [`Seeds::Fixed`] gives that through [`crate::ServerConfig`],
//! which only the process that starts the server can set: no request reaches it. Fixed draws
//! are still all different from each other (a counter mixed by SplitMix64), so a test that
//! checks "every evaluation drew its own seed" keeps its meaning.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;

/// Where the server's own seeds come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Seeds {
    /// Fresh from the operating system's generator (service).
    #[default]
    Drawn,
    /// The sequence SplitMix64 makes from this base: the same on every run (tests).
    Fixed(u64),
}

/// A shared source of seeds, as [`Seeds`] says.
#[derive(Clone, Debug)]
pub struct SeedSource {
    fixed: Option<Arc<(u64, AtomicU64)>>,
}

impl SeedSource {
    /// A source following `seeds`.
    pub fn new(seeds: Seeds) -> SeedSource {
        SeedSource {
            fixed: match seeds {
                Seeds::Drawn => None,
                Seeds::Fixed(base) => Some(Arc::new((base, AtomicU64::new(0)))),
            },
        }
    }

    /// The next seed.
    pub fn next(&self) -> u64 {
        match &self.fixed {
            None => rand::rng().next_u64(),
            Some(state) => {
                let (base, counter) = &**state;
                splitmix64(base.wrapping_add(counter.fetch_add(1, Ordering::Relaxed)))
            }
        }
    }
}

/// The SplitMix64 output function (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
/// number generators", OOPSLA): a bijection of u64 whose outputs for consecutive inputs look
/// independent.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_output() {
        // Vigna's splitmix64.c seeded with 1234567 first outputs 6457827717110365317; seeded
        // with 0, 16294208416658607535 (values checked with an independent Python version).
        assert_eq!(splitmix64(1_234_567), 6_457_827_717_110_365_317);
        assert_eq!(splitmix64(0), 16_294_208_416_658_607_535);
        // The k-th fixed draw is the output for base + k.
        let source = SeedSource::new(Seeds::Fixed(1_234_567));
        assert_eq!(source.next(), 6_457_827_717_110_365_317);
        assert_eq!(source.next(), 15_093_210_361_607_215_122);
    }

    #[test]
    fn fixed_sources_repeat_and_drawn_ones_do_not() {
        let a = SeedSource::new(Seeds::Fixed(42));
        let b = SeedSource::new(Seeds::Fixed(42));
        let sa: Vec<u64> = (0..100).map(|_| a.next()).collect();
        let sb: Vec<u64> = (0..100).map(|_| b.next()).collect();
        assert_eq!(sa, sb);
        let mut distinct = sa.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 100, "fixed draws differ from each other");
        // Clones share the counter: a server's handlers draw from one sequence.
        let c = a.clone();
        assert_ne!(a.next(), c.next());
        let drawn = SeedSource::new(Seeds::Drawn);
        assert_ne!(drawn.next(), drawn.next());
    }
}
