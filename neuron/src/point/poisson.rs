//! Homogeneous Poisson spike trains, for null models and statistical tests.
//!
//! A homogeneous Poisson process of rate ν has independent exponential inter-spike intervals
//! with mean 1/ν (e.g. Dayan & Abbott 2001, "Theoretical Neuroscience", ch. 1.4); the train is
//! built by summing such intervals until the duration is passed.

use rand_distr::{Distribution, Exp1};

use crate::rng::rng_from_seed;

/// Spike times (s, sorted, strictly increasing, in [0, `duration_s`)) of a homogeneous Poisson
/// process of rate `rate_hz`, drawn from `seed`.
///
/// A rate or duration that is not a positive finite number gives an empty train (there is no
/// process to sample): callers that must reject such input validate it first.
///
/// # Examples
/// ```
/// use arena_neuron::point::poisson_train;
/// let train = poisson_train(10.0, 100.0, 3);
/// assert!(train.windows(2).all(|w| w[0] < w[1]));
/// assert!((800..1200).contains(&train.len())); // 1000 expected, sd ≈ 32
/// ```
pub fn poisson_train(rate_hz: f64, duration_s: f64, seed: u64) -> Vec<f64> {
    let valid = |x: f64| x.is_finite() && x > 0.0;
    if !valid(rate_hz) || !valid(duration_s) {
        return Vec::new();
    }
    let mut rng = rng_from_seed(seed);
    let mut spikes: Vec<f64> = Vec::with_capacity((rate_hz * duration_s * 1.1) as usize + 8);
    let mut t = 0.0;
    loop {
        let interval: f64 = Exp1.sample(&mut rng);
        t += interval / rate_hz;
        if t >= duration_s {
            return spikes;
        }
        // An interval so short that t does not move would duplicate a time: skip it.
        if spikes.last().is_none_or(|&last| t > last) {
            spikes.push(t);
        }
    }
}
