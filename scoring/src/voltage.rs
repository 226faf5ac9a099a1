//! Subthreshold voltage predictions: RMSE and explained variance with spikes masked.
//!
//! Action potentials are 60–100 mV excursions lasting about a millisecond; a prediction
//! that misses one by 0.5 ms would be dominated by that error. Both metrics are therefore
//! computed on the subthreshold samples only, by a declared rule ([`SpikeMask`]): every
//! sample within [t_s − before, t_s + after] of a spike of *either* trace is dropped (the
//! same samples for both traces). The prediction is compared as given: no offset, gain or
//! z-scoring is fitted on the test data.

use crate::metric::{Metric, Undefined, finite, undefined};
use serde::{Deserialize, Serialize};

/// The declared spike-masking rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeMask {
    /// Samples this long before a spike time are masked, seconds. Default 0.002.
    pub before_s: f64,
    /// Samples this long after a spike time are masked, seconds. Default 0.008 (the spike
    /// and its fast after-hyperpolarisation).
    pub after_s: f64,
}

impl Default for SpikeMask {
    fn default() -> Self {
        SpikeMask {
            before_s: 0.002,
            after_s: 0.008,
        }
    }
}

/// Two voltage traces on one sampling grid (sample k at start_s + k·dt_s), in mV.
#[derive(Clone, Copy, Debug)]
pub struct VoltagePair<'a> {
    /// Time of sample 0, seconds.
    pub start_s: f64,
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// Recorded membrane potential, mV.
    pub recorded_mv: &'a [f64],
    /// Predicted membrane potential, mV.
    pub predicted_mv: &'a [f64],
}

/// Subthreshold comparison of a voltage prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VoltageScores {
    /// √(mean (V_pred − V_rec)²) over unmasked samples, mV.
    pub rmse_mv: f64,
    /// 1 − Var(V_rec − V_pred) / Var(V_rec) over unmasked samples (≤ 1).
    pub explained_variance: f64,
    /// Unmasked samples used.
    pub samples: usize,
}

impl VoltagePair<'_> {
    fn validate(&self) -> Result<(), Undefined> {
        if !(self.dt_s.is_finite() && self.dt_s > 0.0 && self.start_s.is_finite()) {
            return undefined(format!(
                "voltage grid invalid: start {} s, step {} s",
                self.start_s, self.dt_s
            ));
        }
        if self.recorded_mv.len() != self.predicted_mv.len() {
            return undefined(format!(
                "voltage traces differ in length: recorded {} samples, predicted {}",
                self.recorded_mv.len(),
                self.predicted_mv.len()
            ));
        }
        for (name, trace) in [
            ("recorded", self.recorded_mv),
            ("predicted", self.predicted_mv),
        ] {
            if let Some(k) = trace.iter().position(|v| !v.is_finite()) {
                return undefined(format!("{name} voltage sample {k} is {}", trace[k]));
            }
        }
        Ok(())
    }
}

/// RMSE and explained variance on the samples that `mask` keeps around `spike_times_s`
/// (the recorded and the predicted spikes together, seconds, any order).
///
/// # Errors
/// Invalid grid, traces of different length or with non-finite samples, fewer than 2
/// unmasked samples, or a recorded trace with zero variance on them.
pub fn subthreshold_scores(
    pair: &VoltagePair<'_>,
    spike_times_s: &[f64],
    mask: &SpikeMask,
) -> Result<VoltageScores, Undefined> {
    pair.validate()?;
    let n = pair.recorded_mv.len();
    let mut keep = vec![true; n];
    for &t in spike_times_s {
        let first = ((t - mask.before_s - pair.start_s) / pair.dt_s)
            .ceil()
            .max(0.0);
        let last = ((t + mask.after_s - pair.start_s) / pair.dt_s).floor();
        if last < 0.0 || first >= n as f64 {
            continue;
        }
        let (a, b) = (first as usize, (last as usize).min(n - 1));
        keep[a..=b].iter_mut().for_each(|k| *k = false);
    }
    let pairs: Vec<(f64, f64)> = (0..n)
        .filter(|&k| keep[k])
        .map(|k| (pair.recorded_mv[k], pair.predicted_mv[k]))
        .collect();
    if pairs.len() < 2 {
        return undefined(format!(
            "voltage scores undefined: only {} unmasked samples",
            pairs.len()
        ));
    }
    let m = pairs.len() as f64;
    let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / m;
    let var = |f: &dyn Fn(&(f64, f64)) -> f64| {
        let mu = mean(f);
        pairs.iter().map(|p| (f(p) - mu).powi(2)).sum::<f64>() / m
    };
    let var_rec = var(&|p| p.0);
    if var_rec <= 0.0 {
        return undefined("voltage explained variance undefined: the recorded trace is constant");
    }
    let rmse: Metric = finite(mean(&|p| (p.1 - p.0).powi(2)).sqrt(), "voltage RMSE");
    let ev: Metric = finite(
        1.0 - var(&|p| p.0 - p.1) / var_rec,
        "voltage explained variance",
    );
    Ok(VoltageScores {
        rmse_mv: rmse?,
        explained_variance: ev?,
        samples: pairs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_with_mask() {
        // 10 samples at 1 ms. Recorded: alternating −70/−60 with a spike (+30) at sample 5.
        // Predicted: recorded − 2 mV everywhere except sample 5 (−65).
        // Mask around the spike at 5 ms: [3 ms, 13 ms] with before 2 ms, after 8 ms → samples
        // 3..9 dropped, 0..2 kept: recorded (−70, −60, −70), errors all −2 mV.
        // RMSE = 2; Var(rec − pred) = 0 → EV = 1.
        let rec = [
            -70.0, -60.0, -70.0, -60.0, -70.0, 30.0, -70.0, -60.0, -70.0, -60.0,
        ];
        let mut pred: Vec<f64> = rec.iter().map(|v| v - 2.0).collect();
        pred[5] = -65.0;
        let pair = VoltagePair {
            start_s: 0.0,
            dt_s: 0.001,
            recorded_mv: &rec,
            predicted_mv: &pred,
        };
        let s = subthreshold_scores(&pair, &[0.005], &SpikeMask::default()).unwrap();
        assert_eq!(s.samples, 3);
        assert!((s.rmse_mv - 2.0).abs() < 1e-12);
        assert!((s.explained_variance - 1.0).abs() < 1e-12);
        // Without spikes in the list nothing is masked: the spike sample dominates.
        let s = subthreshold_scores(&pair, &[], &SpikeMask::default()).unwrap();
        assert_eq!(s.samples, 10);
        // errors: nine of −2, one of −95: RMSE = √((9·4 + 9025)/10).
        assert!((s.rmse_mv - ((36.0 + 9025.0) / 10.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn constant_offset_costs_rmse_not_explained_variance() {
        let rec: Vec<f64> = (0..100).map(|k| -65.0 + (k as f64 * 0.3).sin()).collect();
        let pred: Vec<f64> = rec.iter().map(|v| v + 3.0).collect();
        let pair = VoltagePair {
            start_s: 0.0,
            dt_s: 0.001,
            recorded_mv: &rec,
            predicted_mv: &pred,
        };
        let s = subthreshold_scores(&pair, &[], &SpikeMask::default()).unwrap();
        assert!((s.rmse_mv - 3.0).abs() < 1e-12);
        assert!((s.explained_variance - 1.0).abs() < 1e-12);
    }

    #[test]
    fn errors_name_the_problem() {
        let rec = [1.0, 2.0];
        let pred = [1.0, f64::NAN];
        let pair = VoltagePair {
            start_s: 0.0,
            dt_s: 0.001,
            recorded_mv: &rec,
            predicted_mv: &pred,
        };
        let e = subthreshold_scores(&pair, &[], &SpikeMask::default()).unwrap_err();
        assert_eq!(e.reason, "predicted voltage sample 1 is NaN");
        let short = [1.0];
        let pair = VoltagePair {
            start_s: 0.0,
            dt_s: 0.001,
            recorded_mv: &rec,
            predicted_mv: &short,
        };
        assert!(
            subthreshold_scores(&pair, &[], &SpikeMask::default())
                .unwrap_err()
                .reason
                .contains("length")
        );
    }
}
