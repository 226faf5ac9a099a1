//! Training data shared by every fit: validation of the traces and spike times, and what can be
//! read off the spikes directly (reset potential, refractory period, which samples are far
//! enough from spikes for a subthreshold regression).
//!
//! Why shared: every baseline must be fitted on the same footing (the same validation, the
//! same reading of reset and refractoriness) so that differences on the leaderboard come from
//! the models, not from their preprocessing.

use super::FitError;
use crate::stimulus::{InvalidValue, Requirement};

/// A window around each spike excluded from subthreshold regressions.
#[derive(Clone, Copy, Debug)]
pub(super) struct Exclusion {
    /// Excluded time before each spike, s.
    pub before_spike_s: f64,
    /// Excluded time after the end of each refractory period, s.
    pub after_refractory_s: f64,
}

/// Window after a spike in which the end of a recorded spike (the trough of the
/// after-hyperpolarisation) is looked for, s.
const TROUGH_WINDOW_S: f64 = 0.020;

/// Reset potential and refractory period read off the data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Recovery {
    /// Absolute refractory period, s.
    pub t_ref_s: f64,
    /// Reset potential, mV.
    pub v_reset_mv: f64,
}

/// The median of `values` (NaN-free; empty gives NaN).
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    }
}

/// Voltage tolerance for "V is still clamped at its post-spike value", mV.
const FLAT_TOLERANCE_MV: f64 = 1e-6;

/// Validated training data and what can be read off spikes directly.
pub(super) struct TrainingData<'a> {
    pub current_na: &'a [f64],
    pub voltage_mv: &'a [f64],
    pub spikes_s: &'a [f64],
    pub dt_s: f64,
    /// Index of the step containing each spike, floor(t/dt).
    pub spike_steps: Vec<usize>,
}

impl<'a> TrainingData<'a> {
    /// Validates the traces and spike times.
    pub fn new(
        current_na: &'a [f64],
        voltage_mv: &'a [f64],
        spikes_s: &'a [f64],
        dt_s: f64,
    ) -> Result<Self, FitError> {
        InvalidValue::check("dt_s", Requirement::Positive, dt_s)?;
        if current_na.len() != voltage_mv.len() {
            return Err(FitError::LengthMismatch {
                current: current_na.len(),
                voltage: voltage_mv.len(),
            });
        }
        InvalidValue::check_all_finite("current_na", current_na)?;
        InvalidValue::check_all_finite("voltage_mv", voltage_mv)?;
        InvalidValue::check_all_finite("spikes_s", spikes_s)?;
        let duration_s = current_na.len() as f64 * dt_s;
        let mut spike_steps = Vec::with_capacity(spikes_s.len());
        for (index, &time_s) in spikes_s.iter().enumerate() {
            let problem = if time_s < 0.0 || time_s >= duration_s {
                Some("outside the recording")
            } else if index > 0 && time_s <= spikes_s[index - 1] {
                Some("not after the previous spike")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(FitError::BadSpike {
                    index,
                    time_s,
                    problem,
                });
            }
            spike_steps.push(((time_s / dt_s).floor() as usize).min(current_na.len() - 1));
        }
        Ok(Self {
            current_na,
            voltage_mv,
            spikes_s,
            dt_s,
            spike_steps,
        })
    }

    /// Reset potential and refractory period, read off the voltage after the spikes.
    ///
    /// Two kinds of data are told apart by whether V is clamped after spikes (the sample after
    /// the first post-spike sample repeats it within 1e-6 mV for at least half of the spikes):
    ///
    /// - Clamped (simulated integrate-and-fire data): V_reset is the median first post-spike
    ///   sample. For t_ref, let t_L be the last sample of the flat run after a spike at t_s; a
    ///   model clamped for t_ref has t_L = the last sample time ≤ t_s + t_ref, so
    ///   t_s + t_ref − t_L lies in [0, dt). When spike times fall uniformly within their steps
    ///   (a LIF) it is uniform and t_ref = mean(t_L − t_s) + dt/2 is unbiased; otherwise (AdEx
    ///   spikes sit near the start of their step because V diverges) the error is ≤ dt/2.
    /// - Not clamped (recordings: the spike has a shape, a repolarisation and an
    ///   after-hyperpolarisation): the spike is taken to end at the trough of the median
    ///   post-spike voltage within 20 ms of the spike; t_ref is the mean time from the spike to
    ///   that trough sample and V_reset the median voltage there. This is where a reset model
    ///   can take over from a real spike (Pozzorini et al. 2015 likewise reset at a fixed time
    ///   after the spike, removing the spike shape before it).
    ///
    /// # Errors
    /// [`FitError::TooLittleData`] if no spike has a sample after it.
    pub fn recovery(&self) -> Result<Recovery, FitError> {
        let n = self.voltage_mv.len();
        let after: Vec<(usize, f64)> = self
            .spike_steps
            .iter()
            .zip(self.spikes_s)
            .filter(|&(&k, _)| k + 2 < n)
            .map(|(&k, &t)| (k, t))
            .collect();
        if after.is_empty() {
            return Err(FitError::TooLittleData {
                stage: "reset potential",
                unit: "spikes with samples after them",
                needed: 1,
                got: 0,
            });
        }
        let flat =
            |k: usize| (self.voltage_mv[k + 2] - self.voltage_mv[k + 1]).abs() <= FLAT_TOLERANCE_MV;
        let clamped = after.iter().filter(|&&(k, _)| flat(k)).count();
        if 2 * clamped >= after.len() {
            let v_reset_mv = median(after.iter().map(|&(k, _)| self.voltage_mv[k + 1]).collect());
            return Ok(Recovery {
                t_ref_s: self.clamp_duration_s(&after),
                v_reset_mv,
            });
        }
        let max_lag = ((TROUGH_WINDOW_S / self.dt_s).round() as usize).max(1);
        let profile: Vec<f64> = (1..=max_lag)
            .map(|lag| {
                median(
                    after
                        .iter()
                        .filter_map(|&(k, _)| self.voltage_mv.get(k + lag).copied())
                        .collect(),
                )
            })
            .collect();
        let trough = (0..profile.len())
            .min_by(|&a, &b| profile[a].total_cmp(&profile[b]))
            .unwrap_or(0);
        let lag = trough + 1;
        let t_ref_s = after
            .iter()
            .map(|&(k, t)| (k + lag) as f64 * self.dt_s - t)
            .sum::<f64>()
            / after.len() as f64;
        Ok(Recovery {
            t_ref_s,
            v_reset_mv: profile[trough],
        })
    }

    /// The clamp estimator of [`TrainingData::recovery`], s.
    fn clamp_duration_s(&self, after: &[(usize, f64)]) -> f64 {
        let mut sum = 0.0;
        let mut count = 0usize;
        for &(k, t_s) in after {
            let clamped = self.voltage_mv[k + 1];
            let run = self.voltage_mv[k + 1..]
                .iter()
                .take_while(|v| (*v - clamped).abs() <= FLAT_TOLERANCE_MV)
                .count();
            // A run reaching the end of the recording says nothing about its length.
            if k + 1 + run == self.voltage_mv.len() {
                continue;
            }
            let t_last_s = (k + run) as f64 * self.dt_s;
            sum += t_last_s - t_s;
            count += 1;
        }
        if count == 0 {
            return 0.0;
        }
        (sum / count as f64 + 0.5 * self.dt_s).max(0.0)
    }

    /// The recorded voltage as a reset model sees it: every sample after a spike up to the end
    /// of its refractory period (t̂ < i·dt ≤ t̂ + t_ref) set to V_reset, the value the
    /// simulator holds there. Slow voltage-driven state computed from it (a gate) then follows
    /// what the model's own V would do instead of the action potential, which the model
    /// replaces by its reset.
    pub fn reset_voltage(&self, recovery: Recovery) -> Vec<f64> {
        let mut v = self.voltage_mv.to_vec();
        for &t_hat in self.spikes_s {
            let first = (t_hat / self.dt_s).floor() as usize + 1;
            for (i, sample) in v.iter_mut().enumerate().skip(first) {
                if i as f64 * self.dt_s > t_hat + recovery.t_ref_s {
                    break;
                }
                *sample = recovery.v_reset_mv;
            }
        }
        v
    }

    /// For each step n (V_n → V_{n+1}), whether it is far enough from every spike to be used by
    /// a subthreshold regression: steps from `exclusion.before_spike_s` before each spike to
    /// t_ref + `exclusion.after_refractory_s` after it are excluded, and so is the last sample
    /// (it has no successor).
    pub fn subthreshold_mask(&self, t_ref_s: f64, exclusion: Exclusion) -> Vec<bool> {
        let n = self.voltage_mv.len();
        let mut usable = vec![true; n];
        if let Some(last) = usable.last_mut() {
            *last = false;
        }
        let before = (exclusion.before_spike_s / self.dt_s).ceil() as usize;
        let after = ((t_ref_s + exclusion.after_refractory_s) / self.dt_s).ceil() as usize;
        for &k in &self.spike_steps {
            let from = k.saturating_sub(before);
            let to = (k + 1 + after).min(n);
            usable[from..to].fill(false);
        }
        usable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recording-like trace (no clamp): rest at −60 mV; after each spike the voltage jumps to
    /// +20 mV, falls linearly to an after-hyperpolarisation trough of −70 mV at 30 samples
    /// (3 ms) after the spike's step, and recovers linearly to −60 by 80 samples.
    /// Spikes at t = 10.04 ms and 40.07 ms (steps 100 and 400; dt = 0.1 ms).
    /// Trough rule: lag 30 → t_ref = mean((100 + 30)·0.1 − 10.04, (400 + 30)·0.1 − 40.07) ms
    /// = mean(2.96, 2.93) = 2.945 ms; V_reset = −70 mV.
    #[test]
    fn recovery_of_a_recorded_spike_is_its_trough() {
        let dt = 1e-4;
        let mut v = vec![-60.0; 1000];
        for k in [100usize, 400] {
            for lag in 1..=30 {
                v[k + lag] = 20.0 - 90.0 * lag as f64 / 30.0;
            }
            for lag in 31..80 {
                v[k + lag] = -70.0 + 10.0 * (lag - 30) as f64 / 50.0;
            }
        }
        let current = vec![0.0; 1000];
        let spikes = [0.010_04, 0.040_07];
        let data = TrainingData::new(&current, &v, &spikes, dt).unwrap();
        assert_eq!(data.spike_steps, [100, 400]);
        let r = data.recovery().unwrap();
        assert!((r.t_ref_s - 0.002_945).abs() < 1e-12, "{r:?}");
        assert_eq!(r.v_reset_mv, -70.0);
    }

    /// A clamped trace: V held at −58 mV for samples k+1 … k+21 after spikes in steps k = 100
    /// and 500 at t = 10.03 and 50.06 ms, then rising. Last flat samples at 12.1 and 52.1 ms:
    /// t_ref = mean(12.1 − 10.03, 52.1 − 50.06) + dt/2 = mean(2.07, 2.04) + 0.05 = 2.105 ms.
    #[test]
    fn recovery_of_a_clamped_spike_is_its_flat_run() {
        let dt = 1e-4;
        let mut v: Vec<f64> = (0..1000).map(|i| -65.0 + 1e-3 * i as f64).collect();
        for k in [100usize, 500] {
            for s in &mut v[k + 1..=k + 21] {
                *s = -58.0;
            }
        }
        let current = vec![0.0; 1000];
        let data = TrainingData::new(&current, &v, &[0.010_03, 0.050_06], dt).unwrap();
        let r = data.recovery().unwrap();
        assert!((r.t_ref_s - 0.002_105).abs() < 1e-12, "{r:?}");
        assert_eq!(r.v_reset_mv, -58.0);
    }

    /// Spike at 1.23 ms (step 12), t_ref 0.5 ms, dt 0.1 ms: samples 13 … 17 (1.3 – 1.7 ms ≤
    /// 1.73 ms) are set to V_reset, sample 12 (before the spike) and 18 keep their values.
    #[test]
    fn reset_voltage_clamps_the_refractory_samples() {
        let v: Vec<f64> = (0..30).map(|i| -60.0 + i as f64).collect();
        let current = vec![0.0; 30];
        let data = TrainingData::new(&current, &v, &[0.001_23], 1e-4).unwrap();
        let out = data.reset_voltage(Recovery {
            t_ref_s: 5e-4,
            v_reset_mv: -80.0,
        });
        let clamped: Vec<usize> = (0..30).filter(|&i| out[i] == -80.0).collect();
        assert_eq!(clamped, [13, 14, 15, 16, 17]);
        assert_eq!(out[12], v[12]);
        assert_eq!(out[18], v[18]);
    }

    /// Exclusion: with t_ref = 1 ms, 0.5 ms before and 0.2 ms after the refractory period at
    /// dt = 0.1 ms, a spike in step 50 masks steps 45 … 50 + 1 + 12 − 1 = 62, and the last
    /// sample is always masked.
    #[test]
    fn subthreshold_mask_excludes_the_declared_window() {
        let v = vec![-60.0; 100];
        let current = vec![0.0; 100];
        let data = TrainingData::new(&current, &v, &[0.005_05], 1e-4).unwrap();
        let exclusion = Exclusion {
            before_spike_s: 5e-4,
            after_refractory_s: 2e-4,
        };
        let mask = data.subthreshold_mask(1e-3, exclusion);
        let masked: Vec<usize> = (0..100).filter(|&n| !mask[n]).collect();
        let expected: Vec<usize> = (45..=62).chain([99]).collect();
        assert_eq!(masked, expected);
    }
}
