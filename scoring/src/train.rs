//! Validated spike trains and observation windows.
//!
//! Every metric in this crate assumes sorted, finite, duplicate-free spike times in seconds.
//! Checking that once, at construction, lets the fast algorithms (merge sweeps, two-pointer
//! kernels, exponential recursions) rely on order without re-checking it, and gives the caller
//! one error that names the offending spike.

use serde::{Deserialize, Serialize};

/// Why a spike train or a window was rejected. Indices are 0-based positions in the input.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    /// A spike time is NaN or ±∞.
    #[error("spike {index} is {value}")]
    NotFinite {
        /// Position of the spike in the input.
        index: usize,
        /// The offending value (NaN or ±inf).
        value: f64,
    },
    /// A spike time is smaller than the one before it.
    #[error(
        "spike {index} ({value:?} s) comes before spike {} ({previous:?} s): times must be sorted",
        index - 1
    )]
    Unsorted {
        /// Position of the out-of-order spike.
        index: usize,
        /// Time of the spike before it, seconds.
        previous: f64,
        /// Its time, seconds.
        value: f64,
    },
    /// A spike time equals the one before it.
    #[error("spike {index} duplicates spike {} at {value:?} s", index - 1)]
    Duplicate {
        /// Position of the repeated spike.
        index: usize,
        /// The repeated time, seconds.
        value: f64,
    },
    /// A window whose bounds are not finite or whose start is not before its end.
    #[error(
        "window [{start_s}, {end_s}) s is invalid: start and end must be finite with start < end"
    )]
    BadWindow {
        /// Requested start, seconds.
        start_s: f64,
        /// Requested end, seconds.
        end_s: f64,
    },
}

/// Observation window [start_s, end_s) in seconds. Deserialisation validates like
/// [`Window::new`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WindowFields")]
pub struct Window {
    /// Inclusive start, seconds from trial start.
    pub start_s: f64,
    /// Exclusive end, seconds from trial start.
    pub end_s: f64,
}

/// The serialised form of a [`Window`], validated on the way in.
#[derive(Deserialize)]
struct WindowFields {
    start_s: f64,
    end_s: f64,
}

impl TryFrom<WindowFields> for Window {
    type Error = TrainError;
    fn try_from(w: WindowFields) -> Result<Window, TrainError> {
        Window::new(w.start_s, w.end_s)
    }
}

impl Window {
    /// A window [start_s, end_s); both finite and start_s < end_s.
    ///
    /// # Errors
    /// [`TrainError::BadWindow`] otherwise.
    pub fn new(start_s: f64, end_s: f64) -> Result<Window, TrainError> {
        if start_s.is_finite() && end_s.is_finite() && start_s < end_s {
            Ok(Window { start_s, end_s })
        } else {
            Err(TrainError::BadWindow { start_s, end_s })
        }
    }

    /// Duration T = end_s − start_s, seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }

    /// Length in seconds of the overlap of the interval [lo, hi] with this window.
    pub(crate) fn overlap_s(&self, lo: f64, hi: f64) -> f64 {
        (hi.min(self.end_s) - lo.max(self.start_s)).max(0.0)
    }
}

/// A validated spike train: every time finite, strictly increasing (no duplicates), in seconds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SpikeTrain {
    times_s: Vec<f64>,
}

impl SpikeTrain {
    /// Validates and wraps spike times (seconds).
    ///
    /// # Errors
    /// The first problem found scanning from the start: [`TrainError::NotFinite`],
    /// [`TrainError::Duplicate`] or [`TrainError::Unsorted`].
    pub fn new(times_s: Vec<f64>) -> Result<SpikeTrain, TrainError> {
        for (index, &value) in times_s.iter().enumerate() {
            if !value.is_finite() {
                return Err(TrainError::NotFinite { index, value });
            }
            if index > 0 {
                let previous = times_s[index - 1];
                if value == previous {
                    return Err(TrainError::Duplicate { index, value });
                }
                if value < previous {
                    return Err(TrainError::Unsorted {
                        index,
                        previous,
                        value,
                    });
                }
            }
        }
        Ok(SpikeTrain { times_s })
    }

    /// The spike times, seconds, strictly increasing.
    pub fn times(&self) -> &[f64] {
        &self.times_s
    }

    /// Number of spikes.
    pub fn len(&self) -> usize {
        self.times_s.len()
    }

    /// True when the train has no spike.
    pub fn is_empty(&self) -> bool {
        self.times_s.is_empty()
    }

    /// The spikes inside `window` (start inclusive, end exclusive).
    pub fn within(&self, window: Window) -> SpikeTrain {
        let lo = self.times_s.partition_point(|&t| t < window.start_s);
        let hi = self.times_s.partition_point(|&t| t < window.end_s);
        SpikeTrain {
            times_s: self.times_s[lo..hi].to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sorted_finite_times() {
        let train = SpikeTrain::new(vec![0.1, 0.2, 0.5]).unwrap();
        assert_eq!(train.times(), &[0.1, 0.2, 0.5]);
        assert_eq!(train.len(), 3);
        assert!(!train.is_empty());
        assert!(SpikeTrain::default().is_empty());
    }

    #[test]
    fn error_messages_name_the_spike() {
        let nan = SpikeTrain::new(vec![0.0, 0.1, 0.2, f64::NAN]).unwrap_err();
        assert_eq!(nan.to_string(), "spike 3 is NaN");
        let inf = SpikeTrain::new(vec![f64::INFINITY]).unwrap_err();
        assert_eq!(inf.to_string(), "spike 0 is inf");
        let unsorted = SpikeTrain::new(vec![0.0, 0.01, 0.02, 0.03, 0.2, 0.1]).unwrap_err();
        assert_eq!(
            unsorted.to_string(),
            "spike 5 (0.1 s) comes before spike 4 (0.2 s): times must be sorted"
        );
        let dup = SpikeTrain::new(vec![0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.5]).unwrap_err();
        assert_eq!(dup.to_string(), "spike 7 duplicates spike 6 at 0.5 s");
        // Times are written in their shortest form: 1e-300 is 6 characters, not 302 (found by
        // `fuzz::odd_values_in_predictions_are_refused_with_a_place`, whose 400-byte message
        // bound it broke).
        let tiny = TrainError::Unsorted {
            index: 1,
            previous: 1e-12,
            value: 1e-300,
        };
        assert_eq!(
            tiny.to_string(),
            "spike 1 (1e-300 s) comes before spike 0 (1e-12 s): times must be sorted"
        );
        assert_eq!(
            dup,
            TrainError::Duplicate {
                index: 7,
                value: 0.5
            }
        );
    }

    #[test]
    fn window_validation_and_duration() {
        let w = Window::new(1.0, 3.5).unwrap();
        assert_eq!(w.duration_s(), 2.5);
        assert!(Window::new(1.0, 1.0).is_err());
        assert!(Window::new(2.0, 1.0).is_err());
        assert!(Window::new(f64::NAN, 1.0).is_err());
        assert!(Window::new(0.0, f64::INFINITY).is_err());
        assert!(
            Window::new(2.0, 1.0)
                .unwrap_err()
                .to_string()
                .contains("[2, 1)")
        );
    }

    #[test]
    fn window_json_is_validated() {
        let ok: Window = serde_json::from_str(r#"{"start_s":0.5,"end_s":2.0}"#).unwrap();
        assert_eq!(ok, Window::new(0.5, 2.0).unwrap());
        let bad = serde_json::from_str::<Window>(r#"{"start_s":2.0,"end_s":1.0}"#).unwrap_err();
        assert!(bad.to_string().contains("invalid"), "{bad}");
    }

    #[test]
    fn within_is_start_inclusive_end_exclusive() {
        let train = SpikeTrain::new(vec![0.5, 1.0, 1.5, 2.0, 2.5]).unwrap();
        let w = Window::new(1.0, 2.0).unwrap();
        assert_eq!(train.within(w).times(), &[1.0, 1.5]);
    }

    #[test]
    fn overlap_is_clipped_at_both_edges() {
        let w = Window::new(0.0, 1.0).unwrap();
        // [−0.004, 0.004] ∩ [0, 1) = 0.004 s; [0.5, 0.508] lies inside: 0.008 s.
        assert!((w.overlap_s(-0.004, 0.004) - 0.004).abs() < 1e-15);
        assert!((w.overlap_s(0.5, 0.508) - 0.008).abs() < 1e-15);
        assert_eq!(w.overlap_s(2.0, 3.0), 0.0);
    }
}
