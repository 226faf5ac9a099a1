//! Spike detection by upward threshold crossing.
//!
//! In current-clamp recordings of central neurons an action potential overshoots 0 mV while
//! subthreshold fluctuations stay well below it, so upward crossings of 0 mV count spikes
//! without fitting anything; this is the spike definition used by Pozzorini et al. (2015,
//! PLoS Comput Biol 11:e1004275) for the frozen-noise recordings shipped with this project.
//! Linear interpolation between the two samples around the crossing places the spike time
//! to a fraction of the sampling interval, as NEURON's `NetCon` threshold detection does.

/// Times, in seconds from the first sample, at which `samples` crosses `threshold` upward.
///
/// A crossing happens between samples `i − 1` and `i` when `samples[i − 1] < threshold` and
/// `samples[i] ≥ threshold`; its time is
///
/// ```text
/// t = (i − 1 + (threshold − y[i−1]) / (y[i] − y[i−1])) / sample_rate_hz
/// ```
///
/// so `t` lies in `((i − 1)/rate, i/rate]`. The arithmetic is in f64. A trace that starts at
/// or above the threshold has no crossing at sample 0; NaN samples never cross. The number of
/// spikes is the length of the result.
///
/// # Panics
/// If `sample_rate_hz` is not a positive finite number.
///
/// # Examples
/// ```
/// // At 1 kHz: −10 → 10 crosses 0 halfway between samples 0 and 1 (t = 0.5 ms);
/// // 5 → −5 is downward; −5 → 15 crosses a quarter of the way after sample 3 (t = 3.25 ms).
/// let times = arena_abf::upward_crossings(&[-10.0, 10.0, 5.0, -5.0, 15.0], 0.0, 1000.0);
/// assert_eq!(times, vec![0.0005, 0.00325]);
/// ```
pub fn upward_crossings(samples: &[f32], threshold: f32, sample_rate_hz: f64) -> Vec<f64> {
    assert!(
        sample_rate_hz.is_finite() && sample_rate_hz > 0.0,
        "sample_rate_hz must be positive and finite, got {sample_rate_hz}"
    );
    let threshold = f64::from(threshold);
    samples
        .windows(2)
        .enumerate()
        .filter_map(|(k, pair)| {
            let (before, after) = (f64::from(pair[0]), f64::from(pair[1]));
            (before < threshold && after >= threshold).then(|| {
                let fraction = (threshold - before) / (after - before);
                (k as f64 + fraction) / sample_rate_hz
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_crossings() {
        // Threshold 0, 10 kHz (0.1 ms per sample).
        // Pair (1, 2): −3 → 1, fraction 3/4, t = 1.75 × 0.1 ms = 0.175 ms.
        // Pair (2, 3): 1 → −1 downward. Pair (3, 4): −1 → 0 reaches the threshold exactly,
        // fraction 1, t = 4 × 0.1 ms = 0.4 ms. Pair (4, 5): 0 → 2 starts at the threshold,
        // not below it: no second crossing.
        let y = [-5.0, -3.0, 1.0, -1.0, 0.0, 2.0];
        let t = upward_crossings(&y, 0.0, 10_000.0);
        assert_eq!(t.len(), 2);
        assert!((t[0] - 0.000_175).abs() < 1e-15, "{t:?}");
        assert!((t[1] - 0.000_4).abs() < 1e-15, "{t:?}");
    }

    #[test]
    fn non_zero_threshold_and_edge_cases() {
        // Threshold −20: −30 → −10 crosses halfway after sample 0, at 1 Hz t = 0.5 s.
        assert_eq!(upward_crossings(&[-30.0, -10.0], -20.0, 1.0), vec![0.5]);
        // Starting above threshold is not a crossing; empty and single-sample traces have none.
        assert!(upward_crossings(&[5.0, 6.0, 7.0], 0.0, 1.0).is_empty());
        assert!(upward_crossings(&[], 0.0, 1.0).is_empty());
        assert!(upward_crossings(&[-1.0], 0.0, 1.0).is_empty());
        // NaN never crosses: −1 → NaN and NaN → 1 both compare false.
        assert!(upward_crossings(&[-1.0, f32::NAN, 1.0], 0.0, 1.0).is_empty());
    }

    proptest::proptest! {
        /// Each crossing lies in the interval it was detected in, the straight line through
        /// the two samples there reaches the threshold at that time, and the count equals a
        /// plain loop's count of below → at-or-above transitions.
        #[test]
        fn crossings_interpolate_within_their_interval(
            y in proptest::collection::vec(-100.0f32..100.0, 0..300),
            threshold in -50.0f32..50.0,
            rate in 1.0f64..1e5,
        ) {
            let times = upward_crossings(&y, threshold, rate);
            let mut expected = Vec::new();
            for i in 1..y.len() {
                if y[i - 1] < threshold && y[i] >= threshold {
                    expected.push(i);
                }
            }
            proptest::prop_assert_eq!(times.len(), expected.len());
            for (t, &i) in times.iter().zip(&expected) {
                let position = t * rate; // in samples
                let lo = (i - 1) as f64;
                proptest::prop_assert!(position > lo - 1e-9 && position <= i as f64 + 1e-9);
                let (a, b) = (f64::from(y[i - 1]), f64::from(y[i]));
                let at_t = a + (b - a) * (position - lo);
                proptest::prop_assert!(
                    (at_t - f64::from(threshold)).abs() <= 1e-6 * (1.0 + (b - a).abs())
                );
            }
            proptest::prop_assert!(times.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    #[should_panic(expected = "sample_rate_hz must be positive")]
    fn zero_rate_panics() {
        upward_crossings(&[-1.0, 1.0], 0.0, 0.0);
    }
}
