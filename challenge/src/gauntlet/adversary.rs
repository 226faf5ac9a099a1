//! The adaptive adversary: a black-box optimiser that searches families of predictions built
//! without any stimulus information for the highest primary score against the hidden truth.
//!
//! # Why
//! A fixed list of tricks tests only the tricks someone thought of. The adversary is given the
//! hidden responses' score as an oracle — far more than a contestant ever gets (the public board
//! releases a rounded score through the Ladder, once per submission) — and a fixed budget of
//! evaluations, and searches every dimension a contestant controls without looking at the
//! stimulus: rate, regularity, bursts, the number of repeats and how they relate (independent,
//! identical, interleaved in anti-phase, copies shifted against each other), grids spaced near
//! Δ, a global lag, and flat intensities. Whatever it finds is what the score gives away to
//! someone with no model at all; the gauntlet's rule holds it to the null (0 + tolerance).
//!
//! # The search
//! [`BUDGET`] evaluations, deterministic in the seed: [`RANDOM`] candidates drawn from the
//! families' ranges, then a (1+1) evolution strategy (Rechenberg's one-fifth rule for the step)
//! around the best one for the rest. Each candidate is scored on every hidden trial pooled, by
//! [`evaluate`] on the parsed predictions (the JSON round trip is skipped inside the loop for
//! speed; the winner is then submitted through the bytes path like every other entry).

use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_scoring::probabilistic::Intensity;
use arena_scoring::{Prediction, ScoringParams, SpikeTrain};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use arena_challenge_core::hidden::HiddenTrial;

use crate::evaluate::evaluate;
use crate::predictions::Predictions;
use arena_challenge_core::trial::Part;

/// Evaluations the adversary may spend on one challenge.
pub const BUDGET: usize = 160;

/// Of which random draws before the local search starts.
pub const RANDOM: usize = 100;

/// Most predicted repeats a candidate uses (the search's bound on work per evaluation).
const MAX_REPEATS: usize = 100;

/// Repeat counts the search chooses from.
const REPEAT_CHOICES: [usize; 8] = [1, 2, 3, 5, 10, 20, 50, MAX_REPEATS];

/// Rates the search draws from, Hz (log-uniform).
const RATE_RANGE_HZ: (f64, f64) = (0.5, 300.0);

/// How the base train of a candidate is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    /// A renewal process with gamma-distributed intervals of shape κ: κ = 1 is Poisson, large
    /// κ nearly periodic, small κ bursty.
    Renewal {
        /// Shape κ of the gamma intervals.
        shape: f64,
    },
    /// Bursts of `size` spikes `isi_s` apart, burst onsets a Poisson process.
    Burst {
        /// Spikes per burst.
        size: usize,
        /// Interval within a burst, seconds.
        isi_s: f64,
    },
    /// A regular grid `spacing` × Δ apart (the candidate's rate is ignored).
    Grid {
        /// Spacing in units of Δ.
        spacing: f64,
    },
    /// A flat intensity at the candidate's rate (no repeats).
    FlatIntensity,
}

/// How the repeats of a candidate relate to each other.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dependence {
    /// Each repeat drawn afresh.
    Independent,
    /// Every repeat the same train.
    Copies,
    /// Repeat k is the base train shifted by k/(K·rate): repeats interleave and never coincide.
    AntiPhase,
    /// Repeat k is the base train shifted by (k − (K−1)/2) × `by_s`.
    Shifted {
        /// Shift between neighbouring repeats, seconds.
        by_s: f64,
    },
}

/// One point of the search space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attack {
    /// Base train.
    pub family: Family,
    /// Mean rate per repeat, Hz.
    pub rate_hz: f64,
    /// Predicted repeats.
    pub repeats: usize,
    /// Relation between repeats.
    pub dependence: Dependence,
    /// Global lag, as a fraction of the mean interval 1/rate.
    pub lag: f64,
}

impl std::fmt::Display for Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.family {
            Family::Renewal { shape } => write!(f, "renewal (γ shape {shape:.2})")?,
            Family::Burst { size, isi_s } => {
                write!(f, "bursts of {size} spikes {:.2} ms apart", isi_s * 1e3)?
            }
            Family::Grid { spacing } => write!(f, "grid {spacing:.3}·Δ apart")?,
            Family::FlatIntensity => {
                return write!(f, "flat intensity at {:.2} Hz", self.rate_hz);
            }
        }
        write!(f, " at {:.2} Hz, {} repeats, ", self.rate_hz, self.repeats)?;
        match self.dependence {
            Dependence::Independent => write!(f, "independent")?,
            Dependence::Copies => write!(f, "identical copies")?,
            Dependence::AntiPhase => write!(f, "anti-phase")?,
            Dependence::Shifted { by_s } => write!(f, "copies shifted by {:.2} ms", by_s * 1e3)?,
        }
        write!(f, ", lag {:.2}", self.lag)
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The best candidate.
    pub attack: Attack,
    /// Its predictions (trial id → repeats, seconds; empty for an intensity).
    pub predictions: Predictions,
    /// Its pooled primary.
    pub primary: f64,
    /// Evaluations spent.
    pub evaluations: usize,
}

/// Inputs of the search: the hidden trials (pooled), their sampling step, Δ and the training
/// rate (the one number about the neuron a contestant knows without a model).
pub struct Search<'a> {
    /// Hidden trials, every one counted whole.
    pub hidden: &'a [HiddenTrial],
    /// Metric parameters.
    pub params: &'a ScoringParams,
    /// The training responses' mean rate, Hz (centres the rate range).
    pub train_rate_hz: f64,
}

impl Search<'_> {
    /// Runs the search with `seed`; `None` if no candidate has a defined primary.
    pub fn run(&self, seed: u64) -> Option<Found> {
        let pooled: Vec<HiddenTrial> = self
            .hidden
            .iter()
            .map(|h| h.clone().whole(Part::Public))
            .collect();
        let mut rng = rng_from_seed(derive_seed(seed, "adversary", 0));
        let mut best: Option<(Attack, f64)> = None;
        let mut step = 1.0;
        for i in 0..BUDGET {
            let candidate = match best {
                Some((around, _)) if i >= RANDOM => perturb(&around, step, &mut rng),
                _ => draw(&mut rng, self.train_rate_hz),
            };
            let Some(p) = self.score(
                &pooled,
                &candidate,
                derive_seed(seed, "candidate", i as u64),
            ) else {
                continue;
            };
            let improved = best.is_none_or(|(_, b)| p > b);
            if improved {
                best = Some((candidate, p));
            }
            if i >= RANDOM {
                // One-fifth rule: widen after a success, narrow after a failure.
                step = if improved { step * 1.5 } else { step * 0.9 }.clamp(0.02, 2.0);
            }
        }
        let (attack, primary) = best?;
        let predictions = predictions(&attack, &pooled, derive_seed(seed, "winner", 0));
        Some(Found {
            attack,
            predictions,
            primary,
            evaluations: BUDGET,
        })
    }

    fn score(&self, pooled: &[HiddenTrial], attack: &Attack, seed: u64) -> Option<f64> {
        let p = predictions(attack, pooled, seed);
        evaluate(pooled, &p, self.params).public.primary.ok()
    }
}

/// A random candidate: every family and dependence equally likely, rates log-uniform.
fn draw(rng: &mut ChaCha8Rng, train_rate_hz: f64) -> Attack {
    let log_uniform = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| {
        (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
    };
    let family = match rng.random_range(0..4) {
        0 => Family::Renewal {
            shape: log_uniform(rng, 0.2, 50.0),
        },
        1 => Family::Burst {
            size: rng.random_range(2..=6),
            isi_s: log_uniform(rng, 5e-4, 4e-3),
        },
        2 => Family::Grid {
            spacing: rng.random_range(0.9..3.0),
        },
        _ => Family::FlatIntensity,
    };
    // Half the draws near the neuron's own rate (0.5–6×), half over the whole range.
    let rate_hz = if rng.random::<bool>() && train_rate_hz > 0.0 {
        log_uniform(rng, 0.5 * train_rate_hz, 6.0 * train_rate_hz)
    } else {
        log_uniform(rng, RATE_RANGE_HZ.0, RATE_RANGE_HZ.1)
    };
    let dependence = match rng.random_range(0..4) {
        0 => Dependence::Independent,
        1 => Dependence::Copies,
        2 => Dependence::AntiPhase,
        _ => Dependence::Shifted {
            by_s: rng.random_range(0.0..0.008),
        },
    };
    Attack {
        family,
        rate_hz,
        repeats: REPEAT_CHOICES[rng.random_range(0..REPEAT_CHOICES.len())],
        dependence,
        lag: rng.random::<f64>(),
    }
}

/// A neighbour of `a`: every continuous parameter moved by a log-normal factor of width `step`
/// (lag and shifts additively), the repeat count by at most one choice either way.
fn perturb(a: &Attack, step: f64, rng: &mut ChaCha8Rng) -> Attack {
    let factor = |rng: &mut ChaCha8Rng| (step * 0.3 * gaussian(rng)).exp();
    let family = match a.family {
        Family::Renewal { shape } => Family::Renewal {
            shape: (shape * factor(rng)).clamp(0.2, 50.0),
        },
        Family::Burst { size, isi_s } => Family::Burst {
            size,
            isi_s: (isi_s * factor(rng)).clamp(5e-4, 4e-3),
        },
        Family::Grid { spacing } => Family::Grid {
            spacing: (spacing * factor(rng)).clamp(0.9, 3.0),
        },
        Family::FlatIntensity => Family::FlatIntensity,
    };
    let at = REPEAT_CHOICES
        .iter()
        .position(|&k| k == a.repeats)
        .unwrap_or(0) as i64
        + rng.random_range(-1..=1);
    let dependence = match a.dependence {
        Dependence::Shifted { by_s } => Dependence::Shifted {
            by_s: (by_s + step * 0.001 * gaussian(rng)).clamp(0.0, 0.008),
        },
        d => d,
    };
    Attack {
        family,
        rate_hz: (a.rate_hz * factor(rng)).clamp(RATE_RANGE_HZ.0, RATE_RANGE_HZ.1),
        repeats: REPEAT_CHOICES[at.clamp(0, REPEAT_CHOICES.len() as i64 - 1) as usize],
        dependence,
        lag: (a.lag + step * 0.1 * gaussian(rng)).rem_euclid(1.0),
    }
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The candidate's predictions for every trial; trial `i` uses `derive_seed(seed, id, 0)`.
pub fn predictions(a: &Attack, trials: &[HiddenTrial], seed: u64) -> Predictions {
    Predictions {
        trials: trials
            .iter()
            .map(|t| {
                let s = derive_seed(seed, &t.id, 0);
                (t.id.clone(), prediction(a, t.duration_s, s))
            })
            .collect(),
    }
}

/// Δ of the grids: the INCF 4 ms, the scale the search is about.
const GRID_DELTA_S: f64 = 0.004;

fn prediction(a: &Attack, duration_s: f64, seed: u64) -> Prediction {
    if a.family == Family::FlatIntensity {
        return Prediction::Intensity(Intensity {
            start_s: 0.0,
            dt_s: duration_s,
            rate_hz: vec![a.rate_hz],
        });
    }
    let interval = match a.family {
        Family::Grid { spacing } => spacing * GRID_DELTA_S,
        _ => 1.0 / a.rate_hz,
    };
    let base = |k: u64| base_train(a, duration_s, derive_seed(seed, "repeat", k));
    let first = base(0);
    let k = a.repeats;
    let trains: Vec<Vec<f64>> = (0..k)
        .map(|r| match a.dependence {
            Dependence::Independent => base(r as u64),
            Dependence::Copies => first.clone(),
            Dependence::AntiPhase => shifted(&first, r as f64 * interval / k as f64, duration_s),
            Dependence::Shifted { by_s } => shifted(
                &first,
                (r as f64 - (k as f64 - 1.0) / 2.0) * by_s,
                duration_s,
            ),
        })
        .collect();
    Prediction::Repeats(
        trains
            .into_iter()
            .map(|t| SpikeTrain::new(t).expect("trains are sorted, finite, without duplicates"))
            .collect(),
    )
}

/// The base train of a family on [0, duration), lagged by `a.lag` mean intervals.
fn base_train(a: &Attack, duration_s: f64, seed: u64) -> Vec<f64> {
    let mut rng = rng_from_seed(seed);
    let mut times = Vec::new();
    match a.family {
        Family::Grid { spacing } => {
            let s = spacing * GRID_DELTA_S;
            let mut t = a.lag * s;
            while t < duration_s {
                times.push(t);
                t += s;
            }
        }
        Family::Renewal { shape } => {
            let gamma = Gamma::new(shape, 1.0 / (shape * a.rate_hz)).expect("positive shape");
            let mut t = a.lag / a.rate_hz;
            while t < duration_s {
                times.push(t);
                t += gamma.sample(&mut rng);
            }
        }
        Family::Burst { size, isi_s } => {
            let onset_rate = a.rate_hz / size as f64;
            let mut t = a.lag / onset_rate;
            while t < duration_s {
                times.extend((0..size).map(|j| t + j as f64 * isi_s));
                t += -(1.0 - rng.random::<f64>()).ln() / onset_rate;
            }
        }
        Family::FlatIntensity => {}
    }
    tidy(times, duration_s)
}

/// `times` shifted by `by` seconds and wrapped into [0, duration).
fn shifted(times: &[f64], by: f64, duration_s: f64) -> Vec<f64> {
    tidy(
        times
            .iter()
            .map(|t| (t + by).rem_euclid(duration_s))
            .collect(),
        duration_s,
    )
}

/// Sorted, inside [0, duration), without repeated values.
fn tidy(mut times: Vec<f64>, duration_s: f64) -> Vec<f64> {
    times.retain(|t| (0.0..duration_s).contains(t));
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attack(family: Family, dependence: Dependence, repeats: usize) -> Attack {
        Attack {
            family,
            rate_hz: 20.0,
            repeats,
            dependence,
            lag: 0.25,
        }
    }

    fn trains(p: &Prediction) -> Vec<Vec<f64>> {
        match p {
            Prediction::Repeats(t) => t.iter().map(|t| t.times().to_vec()).collect(),
            Prediction::Intensity(_) => panic!("spike trains expected"),
        }
    }

    #[test]
    fn anti_phase_repeats_interleave_and_never_coincide() {
        // A grid 2Δ = 8 ms apart, lag ¼ → 2, 10, 18, 26 ms on a 30 ms trial; two anti-phase
        // repeats: the second shifted by 4 ms and wrapped around the trial → 6, 14, 22, 30 ≡ 0.
        let a = attack(Family::Grid { spacing: 2.0 }, Dependence::AntiPhase, 2);
        let t = trains(&prediction(&a, 0.03, 1));
        let ms = |v: &[f64]| {
            v.iter()
                .map(|x| (x * 1e4).round() / 10.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(ms(&t[0]), vec![2.0, 10.0, 18.0, 26.0]);
        assert_eq!(ms(&t[1]), vec![0.0, 6.0, 14.0, 22.0]);
    }

    #[test]
    fn shifted_copies_are_centred_and_wrap_inside_the_trial() {
        let a = attack(
            Family::Grid { spacing: 2.5 },
            Dependence::Shifted { by_s: 0.002 },
            3,
        );
        let t = trains(&prediction(&a, 0.05, 1));
        // Repeat 1 (the middle one) is the base; 0 and 2 are 2 ms before and after.
        assert_eq!(t[0].len(), t[1].len());
        let d = t[2][1] - t[1][1];
        assert!((d - 0.002).abs() < 1e-12, "{d}");
        assert!(t.iter().flatten().all(|&x| (0.0..0.05).contains(&x)));
    }

    #[test]
    fn draws_are_reproducible_and_cover_every_family() {
        let mut a = rng_from_seed(3);
        let mut b = rng_from_seed(3);
        let draws: Vec<Attack> = (0..200).map(|_| draw(&mut a, 8.0)).collect();
        assert_eq!(
            draws,
            (0..200).map(|_| draw(&mut b, 8.0)).collect::<Vec<_>>()
        );
        for want in 0..4 {
            assert!(draws.iter().any(|d| match d.family {
                Family::Renewal { .. } => want == 0,
                Family::Burst { .. } => want == 1,
                Family::Grid { .. } => want == 2,
                Family::FlatIntensity => want == 3,
            }));
        }
        assert!(draws.iter().all(|d| REPEAT_CHOICES.contains(&d.repeats)));
        assert!(draws.iter().all(|d| (0.5..=300.0).contains(&d.rate_hz)));
    }

    #[test]
    fn renewal_trains_have_the_asked_rate() {
        let a = attack(Family::Renewal { shape: 4.0 }, Dependence::Independent, 1);
        let t = base_train(&a, 200.0, 9);
        let rate = t.len() as f64 / 200.0;
        assert!((rate - 20.0).abs() < 1.0, "{rate}");
    }
}
