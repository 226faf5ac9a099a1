//! Seeded spike-train generators shared by the integration tests.
#![allow(dead_code)]

use arena_scoring::SpikeTrain;
use arena_scoring::probabilistic::Intensity;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A frozen "stimulus": event times at which a noisy neuron tends to fire.
#[derive(Clone)]
pub struct NoisyNeuron {
    /// Frozen event times, seconds.
    pub events: Vec<f64>,
    /// Probability that an event produces a spike in a given repeat.
    pub reliability: f64,
    /// Standard deviation of the spike-time jitter, seconds.
    pub jitter_s: f64,
    /// Rate of stimulus-independent background spikes, Hz.
    pub background_hz: f64,
    /// Trial duration, seconds.
    pub duration_s: f64,
}

impl NoisyNeuron {
    /// Events at `event_hz` (Poisson, frozen by `stimulus_seed`) on [0, duration_s).
    pub fn new(stimulus_seed: u64, duration_s: f64, event_hz: f64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(stimulus_seed);
        NoisyNeuron {
            events: poisson_times(&mut rng, event_hz, 0.05, duration_s - 0.05),
            reliability: 0.75,
            jitter_s: 0.0015,
            background_hz: 1.5,
            duration_s,
        }
    }

    /// One repeat: each event fires with `reliability`, jittered (Gaussian), plus background.
    pub fn repeat(&self, rng: &mut ChaCha8Rng) -> SpikeTrain {
        let mut t: Vec<f64> = Vec::new();
        for &e in &self.events {
            if rng.random::<f64>() < self.reliability {
                t.push(e + self.jitter_s * gaussian(rng));
            }
        }
        t.extend(poisson_times(rng, self.background_hz, 0.0, self.duration_s));
        finish(t, self.duration_s)
    }

    /// `n` repeats from a seed.
    pub fn repeats(&self, seed: u64, n: usize) -> Vec<SpikeTrain> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| self.repeat(&mut rng)).collect()
    }

    /// The process's true intensity (Hz) on bins of `dt_s`: the background plus, for each
    /// event, `reliability` × the Gaussian jitter density, integrated over each bin exactly
    /// (error function), so the PSTH of infinitely many repeats is this intensity.
    pub fn intensity(&self, dt_s: f64) -> Intensity {
        let n = (self.duration_s / dt_s).round() as usize;
        let cdf = |x: f64| 0.5 * (1.0 + erf(x / (self.jitter_s * std::f64::consts::SQRT_2)));
        let mut rate_hz = vec![self.background_hz; n];
        for &e in &self.events {
            let lo = (((e - 6.0 * self.jitter_s) / dt_s).floor().max(0.0)) as usize;
            let hi = (((e + 6.0 * self.jitter_s) / dt_s).ceil() as usize).min(n);
            for (k, r) in rate_hz.iter_mut().enumerate().take(hi).skip(lo) {
                let (a, b) = (k as f64 * dt_s - e, (k + 1) as f64 * dt_s - e);
                *r += self.reliability * (cdf(b) - cdf(a)) / dt_s;
            }
        }
        Intensity {
            start_s: 0.0,
            dt_s,
            rate_hz,
        }
    }

    /// Mean firing rate of the process, Hz.
    pub fn mean_rate_hz(&self) -> f64 {
        self.events.len() as f64 * self.reliability / self.duration_s + self.background_hz
    }
}

/// Homogeneous Poisson trains at `rate_hz` on [0, duration_s).
pub fn poisson_repeats(seed: u64, rate_hz: f64, duration_s: f64, n: usize) -> Vec<SpikeTrain> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            finish(
                poisson_times(&mut rng, rate_hz, 0.0, duration_s),
                duration_s,
            )
        })
        .collect()
}

fn poisson_times(rng: &mut ChaCha8Rng, rate_hz: f64, start: f64, end: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut t = start;
    loop {
        t += -(1.0 - rng.random::<f64>()).ln() / rate_hz;
        if t >= end {
            return out;
        }
        out.push(t);
    }
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn finish(mut t: Vec<f64>, duration_s: f64) -> SpikeTrain {
    t.retain(|&x| (0.0..duration_s).contains(&x));
    t.sort_by(f64::total_cmp);
    t.dedup();
    SpikeTrain::new(t).expect("generated train is valid")
}

/// The error function, to 1.2e-7 (Abramowitz & Stegun 7.1.26 improved: Numerical Recipes'
/// erfc Chebyshev fit).
pub fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let tau = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { 1.0 - tau } else { tau - 1.0 }
}
