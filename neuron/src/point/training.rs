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

    /// The reset potential: the median of the first voltage sample after each spike, mV.
    pub fn reset_mv(&self) -> Result<f64, FitError> {
        let mut after: Vec<f64> = self
            .spike_steps
            .iter()
            .filter_map(|&k| self.voltage_mv.get(k + 1).copied())
            .collect();
        if after.is_empty() {
            return Err(FitError::TooLittleData {
                stage: "reset potential",
                unit: "spikes with a sample after them",
                needed: 1,
                got: 0,
            });
        }
        after.sort_by(f64::total_cmp);
        let m = after.len() / 2;
        Ok(if after.len() % 2 == 1 {
            after[m]
        } else {
            0.5 * (after[m - 1] + after[m])
        })
    }

    /// The absolute refractory period, s.
    ///
    /// Rule: after each spike at t_s, find the last sample t_L of the run of samples that stay
    /// at the first post-spike value (within 1e-6 mV). A model clamped for t_ref has t_L = the
    /// last sample time ≤ t_s + t_ref, so t_s + t_ref − t_L lies in [0, dt); when spike times
    /// fall uniformly within their steps (a LIF) it is uniform and t_ref = mean(t_L − t_s) + dt/2
    /// is unbiased; otherwise (AdEx spikes sit near the start of their step because V diverges)
    /// the error is at most dt/2 (for t_ref ≥ dt). Data without a clamp (real recordings) give
    /// about one step.
    pub fn refractory_s(&self) -> f64 {
        let mut sum = 0.0;
        let mut count = 0usize;
        for (&k, &t_s) in self.spike_steps.iter().zip(self.spikes_s) {
            let Some(&clamped) = self.voltage_mv.get(k + 1) else {
                continue;
            };
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
