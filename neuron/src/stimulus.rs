//! Stimulus generators: Ornstein–Uhlenbeck (OU) currents for injected-current challenges.
//!
//! The INCF single-neuron competitions (Jolivet et al. 2008, J Neurosci Methods 169:417) drove
//! neurons with filtered noise whose mean and variance changed between segments, so a model is
//! tested in several firing regimes within one trial. [`ou_current`] produces such a current from
//! a [`OuCurrentRecipe`]; [`OrnsteinUhlenbeck`] is the underlying stepper, reused for the intrinsic
//! noise of the point and cable neurons.
//!
//! Why the exact update: the OU process is Gaussian and Markov, so its transition over a step dt
//! is known in closed form (Gillespie 1996, Phys Rev E 54:2084, eq. 1.8):
//! x(t + dt) = μ + (x(t) − μ)·e^{−dt/τ} + σ·√(1 − e^{−2dt/τ})·ξ, ξ ~ N(0, 1),
//! where σ is the stationary standard deviation. Unlike Euler–Maruyama this has no bias in the
//! variance or the correlation time at any dt, so the statistics in a recipe are the statistics
//! of the samples.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::rng::rng_from_seed;

/// What a numeric field must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Finite and > 0.
    Positive,
    /// Finite and ≥ 0.
    NonNegative,
    /// Not NaN, not infinite.
    Finite,
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Positive => "positive and finite",
            Self::NonNegative => "finite and non-negative",
            Self::Finite => "finite",
        })
    }
}

/// A numeric field out of range. Shared by stimulus and model validation so every error message
/// has the same shape: `<field> must be <requirement>, got <value>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} must be {requirement}, got {value}")]
pub struct InvalidValue {
    /// The field, e.g. `tau_s`, `segments[2].duration_s` or `current_na[17]`.
    pub field: String,
    /// What the field must satisfy.
    pub requirement: Requirement,
    /// The rejected value.
    pub value: f64,
}

impl InvalidValue {
    /// Returns `value` if it satisfies `requirement`, else an error naming `field`.
    pub fn check(field: &str, requirement: Requirement, value: f64) -> Result<f64, Self> {
        let ok = value.is_finite()
            && match requirement {
                Requirement::Positive => value > 0.0,
                Requirement::NonNegative => value >= 0.0,
                Requirement::Finite => true,
            };
        if ok {
            Ok(value)
        } else {
            Err(Self {
                field: field.to_owned(),
                requirement,
                value,
            })
        }
    }

    /// Checks that every element of `values` is finite; the error names `field[index]`.
    pub fn check_all_finite(field: &str, values: &[f64]) -> Result<(), Self> {
        match values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(index) => Err(Self {
                field: format!("{field}[{index}]"),
                requirement: Requirement::Finite,
                value: values[index],
            }),
        }
    }
}

/// Errors from building a stimulus; each names the offending field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StimulusError {
    /// A numeric field is out of range.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The recipe has no segments.
    #[error("segments must not be empty")]
    NoSegments,
    /// A segment would cover no sample at the requested step.
    #[error(
        "segments[{index}].duration_s = {duration_s} s is shorter than one sample (dt_s = {dt_s} s)"
    )]
    SegmentShorterThanStep {
        /// Position of the segment in the recipe.
        index: usize,
        /// Its duration, s.
        duration_s: f64,
        /// The sampling step, s.
        dt_s: f64,
    },
}

fn require_positive(field: &str, value: f64) -> Result<f64, StimulusError> {
    Ok(InvalidValue::check(field, Requirement::Positive, value)?)
}

fn require_non_negative(field: &str, value: f64) -> Result<f64, StimulusError> {
    Ok(InvalidValue::check(field, Requirement::NonNegative, value)?)
}

fn require_finite(field: &str, value: f64) -> Result<f64, StimulusError> {
    Ok(InvalidValue::check(field, Requirement::Finite, value)?)
}

/// One segment of an OU current: its duration and the stationary mean and standard deviation
/// the process relaxes towards while the segment lasts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OuSegment {
    /// Duration of the segment, s (> 0).
    pub duration_s: f64,
    /// Stationary mean μ, nA.
    pub mean_na: f64,
    /// Stationary standard deviation σ, nA (≥ 0; 0 gives a constant current μ).
    pub std_na: f64,
}

/// A piecewise-stationary OU current: one correlation time and a list of segments that repeat
/// cyclically until the requested duration is filled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OuCurrentRecipe {
    /// Correlation time τ, s (> 0).
    pub tau_s: f64,
    /// Segments, played in order and repeated cyclically.
    pub segments: Vec<OuSegment>,
}

/// An Ornstein–Uhlenbeck process advanced by its exact update at a fixed step
/// (Gillespie 1996, Phys Rev E 54:2084).
///
/// Units are the caller's: `mean` and `std` share the unit of the process value (nA for
/// currents); `tau_s` and `dt_s` are in seconds. A new process starts at its mean; call
/// [`OrnsteinUhlenbeck::draw_stationary`] to start from the stationary distribution instead.
#[derive(Clone, Debug, PartialEq)]
pub struct OrnsteinUhlenbeck {
    mean: f64,
    std: f64,
    /// e^{−dt/τ}.
    decay: f64,
    /// √(1 − e^{−2dt/τ}).
    kick: f64,
    value: f64,
}

impl OrnsteinUhlenbeck {
    /// A process with correlation time `tau_s` (s), stationary `mean` and standard deviation
    /// `std` (≥ 0), stepped every `dt_s` (s), starting at `mean`.
    ///
    /// # Errors
    /// [`InvalidValue`] naming `tau_s`, `dt_s`, `mean` or `std` if one is out of range.
    pub fn new(tau_s: f64, mean: f64, std: f64, dt_s: f64) -> Result<Self, InvalidValue> {
        let tau_s = InvalidValue::check("tau_s", Requirement::Positive, tau_s)?;
        let dt_s = InvalidValue::check("dt_s", Requirement::Positive, dt_s)?;
        let mean = InvalidValue::check("mean", Requirement::Finite, mean)?;
        let std = InvalidValue::check("std", Requirement::NonNegative, std)?;
        let decay = (-dt_s / tau_s).exp();
        // 1 − e^{−2x} computed as −expm1(−2x) keeps precision when dt ≪ τ.
        let kick = (-(-2.0 * dt_s / tau_s).exp_m1()).sqrt();
        Ok(Self {
            mean,
            std,
            decay,
            kick,
            value: mean,
        })
    }

    /// The current value of the process.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Changes the stationary mean and standard deviation (a new stimulus segment); the value
    /// itself is continuous and relaxes towards the new statistics with time constant τ.
    ///
    /// # Errors
    /// [`InvalidValue`] naming `mean` or `std` if one is out of range.
    pub fn set_statistics(&mut self, mean: f64, std: f64) -> Result<(), InvalidValue> {
        self.mean = InvalidValue::check("mean", Requirement::Finite, mean)?;
        self.std = InvalidValue::check("std", Requirement::NonNegative, std)?;
        Ok(())
    }

    /// Replaces the value by a draw from the stationary distribution N(mean, std²) and returns it.
    pub fn draw_stationary(&mut self, rng: &mut impl Rng) -> f64 {
        let xi: f64 = rng.sample(StandardNormal);
        self.value = self.mean + self.std * xi;
        self.value
    }

    /// Advances the process by one step dt and returns the new value:
    /// x ← μ + (x − μ)·e^{−dt/τ} + σ·√(1 − e^{−2dt/τ})·ξ.
    pub fn step(&mut self, rng: &mut impl Rng) -> f64 {
        let xi: f64 = rng.sample(StandardNormal);
        self.value = self.mean + (self.value - self.mean) * self.decay + self.std * self.kick * xi;
        self.value
    }
}

/// Number of samples covering `duration_s` at step `dt_s`, rounded to the nearest integer.
pub(crate) fn sample_count(duration_s: f64, dt_s: f64) -> usize {
    // The ratio of two checked finite positive numbers is finite and ≥ 0; `as` saturates.
    (duration_s / dt_s).round() as usize
}

/// An OU current sampled every `dt_s` for `duration_s`, in nA.
///
/// Sample i is the current at time i·dt. Sample 0 is drawn from the stationary distribution of
/// the first segment; each later sample is one exact OU step (see the module docs) using the
/// statistics of the segment that contains its time. Segment boundaries are placed at
/// round(cumulative duration / dt) samples, and the segment list repeats cyclically until
/// round(duration_s / dt_s) samples are produced. The current is continuous across boundaries:
/// it relaxes to the new statistics with the correlation time τ.
///
/// # Errors
/// [`StimulusError`] naming the field if `tau_s`, `dt_s` or a segment duration is not positive,
/// `duration_s` is negative, a mean is not finite, a std is negative, there are no segments or
/// a segment is shorter than one sample.
///
/// # Examples
/// ```
/// use arena_neuron::stimulus::{ou_current, OuCurrentRecipe, OuSegment};
/// let recipe = OuCurrentRecipe {
///     tau_s: 0.003,
///     segments: vec![
///         OuSegment { duration_s: 2.0, mean_na: 0.2, std_na: 0.1 },
///         OuSegment { duration_s: 3.0, mean_na: 0.4, std_na: 0.3 },
///     ],
/// };
/// let current = ou_current(&recipe, 10.0, 1e-4, 7)?;
/// assert_eq!(current.len(), 100_000);
/// assert_eq!(current, ou_current(&recipe, 10.0, 1e-4, 7)?);
/// # Ok::<(), arena_neuron::stimulus::StimulusError>(())
/// ```
pub fn ou_current(
    recipe: &OuCurrentRecipe,
    duration_s: f64,
    dt_s: f64,
    seed: u64,
) -> Result<Vec<f64>, StimulusError> {
    let dt_s = require_positive("dt_s", dt_s)?;
    let duration_s = require_non_negative("duration_s", duration_s)?;
    let first = recipe.segments.first().ok_or(StimulusError::NoSegments)?;
    // Segment lengths in samples, checked before any draw.
    let mut lengths = Vec::with_capacity(recipe.segments.len());
    let mut cumulative_s = 0.0;
    let mut previous_end = 0usize;
    for (index, segment) in recipe.segments.iter().enumerate() {
        require_positive(&format!("segments[{index}].duration_s"), segment.duration_s)?;
        require_finite(&format!("segments[{index}].mean_na"), segment.mean_na)?;
        require_non_negative(&format!("segments[{index}].std_na"), segment.std_na)?;
        cumulative_s += segment.duration_s;
        let end = sample_count(cumulative_s, dt_s);
        if end <= previous_end {
            return Err(StimulusError::SegmentShorterThanStep {
                index,
                duration_s: segment.duration_s,
                dt_s,
            });
        }
        lengths.push(end - previous_end);
        previous_end = end;
    }
    // dt and the first segment are checked above, so only `tau_s` can be rejected here.
    let mut process = OrnsteinUhlenbeck::new(recipe.tau_s, first.mean_na, first.std_na, dt_s)?;
    let n = sample_count(duration_s, dt_s);
    let mut rng = rng_from_seed(seed);
    let mut current = Vec::with_capacity(n);
    let cycle = recipe.segments.iter().zip(&lengths).cycle();
    'fill: for (segment, &length) in cycle {
        // Statistics are validated above, so this cannot fail.
        process.set_statistics(segment.mean_na, segment.std_na)?;
        for _ in 0..length {
            if current.len() == n {
                break 'fill;
            }
            let x = if current.is_empty() {
                process.draw_stationary(&mut rng)
            } else {
                process.step(&mut rng)
            };
            current.push(x);
        }
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(segments: Vec<(f64, f64, f64)>) -> OuCurrentRecipe {
        OuCurrentRecipe {
            tau_s: 0.003,
            segments: segments
                .into_iter()
                .map(|(duration_s, mean_na, std_na)| OuSegment {
                    duration_s,
                    mean_na,
                    std_na,
                })
                .collect(),
        }
    }

    /// With σ = 0 the update is deterministic: x₁ = μ + (x₀ − μ)e^{−dt/τ}. From x₀ = 0, μ = 1,
    /// dt = τ·ln 2: x₁ = 1 − 1·½ = 0.5, x₂ = 1 − ¼ = 0.75.
    #[test]
    fn deterministic_relaxation_by_hand() {
        let tau = 0.01;
        let mut ou = OrnsteinUhlenbeck::new(tau, 0.0, 0.0, tau * 2f64.ln()).unwrap();
        ou.set_statistics(1.0, 0.0).unwrap();
        let mut rng = rng_from_seed(1);
        assert!((ou.step(&mut rng) - 0.5).abs() < 1e-12);
        assert!((ou.step(&mut rng) - 0.75).abs() < 1e-12);
    }

    /// A step is μ + (x − μ)e + σ√(1 − e²)ξ with ξ the generator's next standard normal.
    #[test]
    fn step_uses_the_exact_update() {
        let (tau, dt, mean, std) = (0.003, 1e-4, 0.3, 0.2);
        let mut ou = OrnsteinUhlenbeck::new(tau, mean, std, dt).unwrap();
        let mut rng = rng_from_seed(9);
        let mut twin = rng_from_seed(9);
        let x1 = ou.step(&mut rng);
        let xi: f64 = twin.sample(StandardNormal);
        let e = (-dt / tau).exp();
        // Starting value is the mean, so the relaxation term vanishes.
        assert!((x1 - (mean + std * (1.0 - e * e).sqrt() * xi)).abs() < 1e-15);
        let x2 = ou.step(&mut rng);
        let xi2: f64 = twin.sample(StandardNormal);
        let expected = mean + (x1 - mean) * e + std * (1.0 - e * e).sqrt() * xi2;
        assert!((x2 - expected).abs() < 1e-15);
    }

    #[test]
    fn segments_cycle_and_lengths_round() {
        // Zero std makes values equal the means (after the first draw, also the mean): the
        // pattern of segment means can be read back. Segments of 0.3 ms and 0.2 ms at dt 0.1 ms
        // give 3 and 2 samples; with τ tiny the value jumps to each new mean within one step.
        let mut r = recipe(vec![(3e-4, 1.0, 0.0), (2e-4, 2.0, 0.0)]);
        r.tau_s = 1e-9;
        let x = ou_current(&r, 1.2e-3, 1e-4, 0).unwrap();
        let expected = [1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0];
        assert_eq!(x.len(), expected.len());
        for (a, b) in x.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{x:?}");
        }
    }

    #[test]
    fn invalid_inputs_name_the_field() {
        let good = recipe(vec![(1.0, 0.0, 0.1)]);
        let err = |r: &OuCurrentRecipe, d: f64, dt: f64| ou_current(r, d, dt, 0).unwrap_err();
        assert!(err(&good, 1.0, 0.0).to_string().contains("dt_s"));
        assert!(err(&good, -1.0, 1e-4).to_string().contains("duration_s"));
        let mut bad = good.clone();
        bad.tau_s = -1.0;
        assert!(err(&bad, 1.0, 1e-4).to_string().contains("tau_s"));
        let bad = recipe(vec![(1.0, 0.0, 0.1), (1.0, f64::NAN, 0.1)]);
        assert!(
            err(&bad, 1.0, 1e-4)
                .to_string()
                .contains("segments[1].mean_na")
        );
        let bad = recipe(vec![(1.0, 0.0, -0.1)]);
        assert!(
            err(&bad, 1.0, 1e-4)
                .to_string()
                .contains("segments[0].std_na")
        );
        let bad = recipe(vec![(1.0, 0.0, 0.1), (1e-6, 0.0, 0.1)]);
        assert_eq!(
            err(&bad, 1.0, 1e-4),
            StimulusError::SegmentShorterThanStep {
                index: 1,
                duration_s: 1e-6,
                dt_s: 1e-4
            }
        );
        assert_eq!(err(&recipe(vec![]), 1.0, 1e-4), StimulusError::NoSegments);
        assert!(
            OrnsteinUhlenbeck::new(1.0, 0.0, 1.0, f64::INFINITY)
                .unwrap_err()
                .to_string()
                .contains("dt_s")
        );
    }
}
