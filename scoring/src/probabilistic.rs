//! The probabilistic track: a prediction is a firing intensity per time bin (Hz) rather than
//! spike times.
//!
//! * Poisson log-likelihood in bits per spike relative to the mean-rate model (Pillow et al.
//!   2008, Nature 454:995, "single-spike information"; Paninski 2004): a proper scoring rule,
//!   its expectation is maximised only by the true intensity, so it cannot be gamed by
//!   sharpening or flattening a prediction.
//! * ROC analysis of spike / no-spike per bin (Beniaguev, Segev & London 2021, Neuron
//!   109:2727): the area under the ROC curve and the true-positive rate at 0.1 % and 1 %
//!   false positives, plus the same with a ±Δ tolerance.

use crate::kernel::Steps;
use crate::metric::{Metric, Undefined, finite, undefined};
use crate::prediction::{Prediction, Psth};
use crate::train::{SpikeTrain, Window};
use serde::{Deserialize, Serialize};

/// A predicted firing intensity: `rate_hz[k]` holds on [start_s + k·dt_s, start_s + (k+1)·dt_s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intensity {
    /// Start of bin 0, seconds.
    pub start_s: f64,
    /// Bin width, seconds.
    pub dt_s: f64,
    /// Intensity per bin, Hz (finite, ≥ 0).
    pub rate_hz: Vec<f64>,
}

impl Intensity {
    /// Checks that the grid and every value are usable, naming the first problem.
    ///
    /// # Errors
    /// Non-finite start, non-positive bin width, no bins, or a negative or non-finite rate.
    pub fn validate(&self) -> Result<(), Undefined> {
        if !(self.start_s.is_finite() && self.dt_s.is_finite() && self.dt_s > 0.0) {
            return undefined(format!(
                "intensity grid invalid: start {} s, bin width {} s",
                self.start_s, self.dt_s
            ));
        }
        if self.rate_hz.is_empty() {
            return undefined("intensity has no bins");
        }
        match self
            .rate_hz
            .iter()
            .position(|r| !(r.is_finite() && *r >= 0.0))
        {
            Some(k) => undefined(format!(
                "intensity bin {k} is {} Hz: rates must be finite and non-negative",
                self.rate_hz[k]
            )),
            None => Ok(()),
        }
    }
}

/// The additive parts of the Poisson log-likelihood of a predicted intensity on one window
/// (one trial or segment), so that a part of a challenge is scored with one mean-rate
/// reference over all its windows.
///
/// With n_j the recorded spikes (all N repeats) in piece j of the intensity, λ_j its rate and
/// ℓ_j its length: `model_nats` = Σ_j n_j ln λ_j − N Σ_j λ_j ℓ_j, the log-likelihood of the
/// recorded spikes under the inhomogeneous Poisson process λ up to terms that do not depend on
/// the prediction (ln n_j!, and ln of the bin widths, shared with the reference).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodStats {
    /// Recorded spikes in the window, all repeats.
    pub spikes: f64,
    /// Exposure N·T: recorded repeats × window duration, seconds.
    pub exposure_s: f64,
    /// The prediction's log-likelihood part, nats; undefined for a spike-train prediction or
    /// where a recorded spike meets λ = 0 (log-likelihood −∞).
    #[serde(with = "crate::metric::number_or_reason")]
    pub model_nats: Metric,
}

impl LikelihoodStats {
    /// The parts for a predicted PSTH and recorded repeats restricted to `window`.
    pub fn of(psth: &Psth, recorded: &[SpikeTrain], window: Window) -> LikelihoodStats {
        let spikes: usize = recorded.iter().map(SpikeTrain::len).sum();
        let model_nats = match psth {
            Psth::Density(steps) => density_nats(steps, recorded),
            Psth::Spikes { .. } => undefined(
                "bits per spike undefined: a spike-train prediction has no intensity (submit \
                 an intensity for the probabilistic track)",
            ),
        };
        LikelihoodStats {
            spikes: spikes as f64,
            exposure_s: recorded.len() as f64 * window.duration_s(),
            model_nats,
        }
    }

    /// Poisson log-likelihood gain over the mean-rate model, bits per spike, pooled over
    /// windows (Pillow et al. 2008, Nature 454:995, "single-spike information"):
    /// ```text
    /// I = [Σ model_nats − (S ln λ̄ − λ̄ E)] / (S ln 2),   S = Σ spikes, E = Σ exposure, λ̄ = S/E
    /// ```
    /// 0 for a flat prediction at the recorded mean rate; positive when the prediction
    /// explains spike timing. A proper scoring rule: its expectation is maximised only by the
    /// true intensity.
    ///
    /// # Errors (undefined)
    /// No window, a window without a defined `model_nats`, or no recorded spike.
    pub fn bits_per_spike(parts: &[&LikelihoodStats]) -> Metric {
        if parts.is_empty() {
            return undefined("bits per spike undefined: nothing to score");
        }
        let mut nats = 0.0;
        for p in parts {
            nats += p.model_nats.clone()?;
        }
        let s: f64 = parts.iter().map(|p| p.spikes).sum();
        let e: f64 = parts.iter().map(|p| p.exposure_s).sum();
        if s == 0.0 || e <= 0.0 {
            return undefined("bits per spike undefined: no recorded spikes");
        }
        let mean_rate = s / e;
        let reference = s * mean_rate.ln() - mean_rate * e;
        finite(
            (nats - reference) / (std::f64::consts::LN_2 * s),
            "bits per spike",
        )
    }
}

/// Σ_j n_j ln λ_j − N Σ_j λ_j ℓ_j over the pieces of a density (see [`LikelihoodStats`]).
fn density_nats(steps: &Steps, recorded: &[SpikeTrain]) -> Metric {
    let pieces = steps.rate_hz.len();
    let mut counts = vec![0u64; pieces];
    for train in recorded {
        let mut j = 0;
        for &t in train.times() {
            while j < pieces && t >= steps.edges[j + 1] {
                j += 1;
            }
            if j == pieces || t < steps.edges[j] {
                return undefined(format!(
                    "log-likelihood undefined: a recorded spike at {t} s lies outside the \
                     predicted intensity's bins"
                ));
            }
            counts[j] += 1;
        }
    }
    let mut nats = 0.0;
    for (j, (&n, &lam)) in counts.iter().zip(&steps.rate_hz).enumerate() {
        if n > 0 {
            if lam == 0.0 {
                return undefined(format!(
                    "log-likelihood undefined: the bin at {} s has {n} recorded spike(s) but a \
                     predicted intensity of 0 (log-likelihood −∞)",
                    steps.edges[j]
                ));
            }
            nats += n as f64 * lam.ln();
        }
        nats -= recorded.len() as f64 * lam * (steps.edges[j + 1] - steps.edges[j]);
    }
    finite(nats, "log-likelihood")
}

/// Poisson log-likelihood gain over the mean-rate model, bits per spike, of one intensity on
/// its own grid ([`LikelihoodStats::bits_per_spike`] of a single window).
///
/// # Errors (undefined)
/// Invalid intensity, no repeats, no recorded spikes on the grid, or λ = 0 in a bin with a
/// spike.
pub fn poisson_bits_per_spike(intensity: &Intensity, recorded: &[SpikeTrain]) -> crate::Metric {
    intensity.validate()?;
    if recorded.is_empty() {
        return undefined("log-likelihood undefined: no recorded repeats");
    }
    let end = intensity.start_s + intensity.rate_hz.len() as f64 * intensity.dt_s;
    let window = Window::new(intensity.start_s, end).map_err(|e| crate::Undefined {
        reason: e.to_string(),
    })?;
    let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
    let psth = Prediction::Intensity(intensity.clone()).psth(window);
    LikelihoodStats::bits_per_spike(&[&LikelihoodStats::of(&psth, &rec, window)])
}

/// ROC summary of spike / no-spike classification per bin.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RocSummary {
    /// Area under the ROC curve (ties count ½: the Mann–Whitney statistic).
    pub auc: f64,
    /// True-positive rate at 0.1 % false positives (linear interpolation on the ROC curve).
    pub tpr_at_fpr_0_001: f64,
    /// True-positive rate at 1 % false positives.
    pub tpr_at_fpr_0_01: f64,
}

/// ROC analysis of the intensity as a detector of recorded spikes.
///
/// Every (repeat, bin) pair is one sample: positive when the repeat has a spike in the bin,
/// scored by the bin's intensity (the same for all repeats). With `tolerance_s` = Δ > 0 the
/// score of bin k becomes the maximum intensity over bins within ±⌊Δ/dt⌋ of k, so a peak
/// predicted up to Δ early or late still detects the spike (labels are unchanged). The ROC
/// curve joins the (FPR, TPR) points of all distinct thresholds by straight lines; the AUC is
/// its area and the TPR at a given FPR is read off it.
///
/// # Errors (undefined)
/// Invalid intensity, no repeats, or no positive or no negative sample.
pub fn roc(
    intensity: &Intensity,
    recorded: &[SpikeTrain],
    tolerance_s: f64,
) -> Result<RocSummary, Undefined> {
    roc_pooled(&[(intensity, recorded)], tolerance_s)
}

/// [`roc`] over several trials at once: the samples of every (intensity, recorded repeats)
/// pair enter one ROC curve, so a part of a challenge gets one AUC, each trial weighted by
/// its number of (repeat, bin) samples. Trials may differ in length, grid and repeat count.
///
/// # Errors (undefined)
/// As [`roc`]: an invalid intensity or a trial without repeats (naming the trial's index),
/// or no positive or no negative sample over all trials.
pub fn roc_pooled(
    trials: &[(&Intensity, &[SpikeTrain])],
    tolerance_s: f64,
) -> Result<RocSummary, Undefined> {
    let mut samples = Vec::new();
    for (j, (intensity, recorded)) in trials.iter().enumerate() {
        let name = |e: Undefined| Undefined {
            reason: format!("trial {j}: {}", e.reason),
        };
        intensity.validate().map_err(name)?;
        if recorded.is_empty() {
            return undefined(format!("ROC undefined: trial {j} has no recorded repeats"));
        }
        samples.extend(roc_samples(intensity, recorded, tolerance_s));
    }
    summarise(samples)
}

/// Per bin: (score, repeats with a spike in it, repeats without).
fn roc_samples(
    intensity: &Intensity,
    recorded: &[SpikeTrain],
    tolerance_s: f64,
) -> Vec<(f64, f64, f64)> {
    let half_width = if tolerance_s > 0.0 {
        (tolerance_s / intensity.dt_s).floor() as usize
    } else {
        0
    };
    let score = sliding_max(&intensity.rate_hz, half_width);
    let mut hit = vec![0u32; score.len()];
    for train in recorded {
        let mut seen = vec![false; score.len()];
        for &t in train.times() {
            let k = ((t - intensity.start_s) / intensity.dt_s).floor();
            if k >= 0.0 && (k as usize) < seen.len() {
                seen[k as usize] = true;
            }
        }
        hit.iter_mut()
            .zip(&seen)
            .for_each(|(h, &s)| *h += u32::from(s));
    }
    let repeats = recorded.len() as u32;
    score
        .iter()
        .zip(&hit)
        .map(|(&s, &h)| (s, f64::from(h), f64::from(repeats - h)))
        .collect()
}

/// The ROC curve and its summary from (score, positives, negatives) samples.
fn summarise(mut samples: Vec<(f64, f64, f64)>) -> Result<RocSummary, Undefined> {
    samples.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (pos, neg) = samples
        .iter()
        .fold((0.0, 0.0), |(p, n), s| (p + s.1, n + s.2));
    if pos == 0.0 || neg == 0.0 {
        return undefined(format!(
            "ROC undefined: needs both spike and no-spike bins (got {pos} and {neg})"
        ));
    }
    // Walk thresholds from high to low, one ROC vertex per distinct score.
    let mut curve = vec![(0.0f64, 0.0f64)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < samples.len() {
        let s = samples[i].0;
        while i < samples.len() && samples[i].0 == s {
            tp += samples[i].1;
            fp += samples[i].2;
            i += 1;
        }
        curve.push((fp / neg, tp / pos));
    }
    let auc = curve
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * 0.5 * (w[1].1 + w[0].1))
        .sum();
    Ok(RocSummary {
        auc,
        tpr_at_fpr_0_001: tpr_at(&curve, 0.001),
        tpr_at_fpr_0_01: tpr_at(&curve, 0.01),
    })
}

/// TPR of the piecewise-linear ROC curve at false-positive rate `fpr` (the highest TPR if
/// the curve has a vertical segment there).
fn tpr_at(curve: &[(f64, f64)], fpr: f64) -> f64 {
    let mut best: f64 = 0.0;
    for w in curve.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x1 <= fpr {
            best = best.max(y1);
        } else if x0 <= fpr {
            best = best.max(y0 + (y1 - y0) * (fpr - x0) / (x1 - x0));
        }
    }
    best
}

/// out[k] = max(v[k − w ..= k + w]) (clipped at the ends), by a monotone deque in O(n).
fn sliding_max(v: &[f64], w: usize) -> Vec<f64> {
    if w == 0 {
        return v.to_vec();
    }
    let mut out = Vec::with_capacity(v.len());
    let mut deque: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut next = 0; // next index to push
    for k in 0..v.len() {
        while next < v.len() && next <= k + w {
            while deque.back().is_some_and(|&b| v[b] <= v[next]) {
                deque.pop_back();
            }
            deque.push_back(next);
            next += 1;
        }
        while deque.front().is_some_and(|&f| f + w < k) {
            deque.pop_front();
        }
        out.push(v[*deque.front().expect("window is never empty")]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    fn grid(rates: &[f64]) -> Intensity {
        Intensity {
            start_s: 0.0,
            dt_s: 0.1,
            rate_hz: rates.to_vec(),
        }
    }

    #[test]
    fn bits_per_spike_hand_computed() {
        // 4 bins of 0.1 s, one repeat with spikes in bins 0 and 2: λ̄ = 2/(0.4 s) = 5 Hz.
        // Prediction λ = (10, 0, 10, 0) Hz: gain = 2·ln(10/5) − 0.1·(20 − 20) = 2 ln 2 →
        // 2 ln2 / (ln2 · 2) = 1 bit per spike.
        let rec = [t(&[0.05, 0.25])];
        let i = poisson_bits_per_spike(&grid(&[10.0, 0.0, 10.0, 0.0]), &rec).unwrap();
        assert!((i - 1.0).abs() < 1e-12, "{i}");
        // The mean-rate prediction scores exactly 0.
        assert_eq!(poisson_bits_per_spike(&grid(&[5.0; 4]), &rec), Ok(0.0));
        // Zero intensity where a spike occurred: −∞, undefined.
        let e = poisson_bits_per_spike(&grid(&[0.0, 10.0, 10.0, 0.0]), &rec).unwrap_err();
        assert!(e.reason.contains("the bin at 0 s"), "{}", e.reason);
        assert!(
            grid(&[1.0, -1.0])
                .validate()
                .unwrap_err()
                .reason
                .contains("bin 1")
        );
    }

    #[test]
    fn true_intensity_scores_best_on_simulated_data() {
        // Properness in practice: 400 repeats of an inhomogeneous Poisson process with the
        // intensity `truth` on 5 bins of 0.1 s; scaled, sharpened and flattened versions of
        // the truth all score fewer bits per spike than the truth itself.
        use rand::{Rng, SeedableRng};
        let truth = [2.0, 30.0, 5.0, 80.0, 1.0];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let repeats: Vec<SpikeTrain> = (0..400)
            .map(|_| {
                let mut v = Vec::new();
                for (k, &lam) in truth.iter().enumerate() {
                    let mut x = 0.0;
                    loop {
                        x += -(1.0 - rng.random::<f64>()).ln() / lam;
                        if x >= 0.1 {
                            break;
                        }
                        v.push(k as f64 * 0.1 + x);
                    }
                }
                SpikeTrain::new(v).unwrap()
            })
            .collect();
        let score = |r: &[f64]| poisson_bits_per_spike(&grid(r), &repeats).unwrap();
        let best = score(&truth);
        assert!(best > 0.5, "{best}");
        for distort in [0.5, 0.8, 1.25, 2.0] {
            let scaled: Vec<f64> = truth.iter().map(|x| x * distort).collect();
            assert!(score(&scaled) < best, "scaled by {distort}");
            let reshaped: Vec<f64> = truth.iter().map(|x: &f64| x.powf(distort)).collect();
            assert!(score(&reshaped) < best, "power {distort}");
        }
    }

    #[test]
    fn roc_hand_computed() {
        // 4 bins, scores (0.9, 0.1, 0.8, 0.3) Hz; spikes in bins 0 and 2 → perfect separation.
        let rec = [t(&[0.05, 0.25])];
        let r = roc(&grid(&[0.9, 0.1, 0.8, 0.3]), &rec, 0.0).unwrap();
        assert_eq!(r.auc, 1.0);
        assert_eq!(r.tpr_at_fpr_0_001, 1.0);
        // Scores (0.9, 0.8, 0.1, 0.3): positives 0.9 and 0.1, negatives 0.8 and 0.3:
        // pairs won: (0.9>0.8, 0.9>0.3, 0.1<0.8, 0.1<0.3) → AUC 2/4.
        let r = roc(&grid(&[0.9, 0.8, 0.1, 0.3]), &rec, 0.0).unwrap();
        assert!((r.auc - 0.5).abs() < 1e-15);
        // TPR at FPR 0.001: the curve goes (0,0) → (0, 0.5) → (0.5, 0.5) ...: 0.5.
        assert!((r.tpr_at_fpr_0_001 - 0.5).abs() < 1e-15);
        // All scores tied: the diagonal, AUC ½ and TPR(FPR) = FPR.
        let r = roc(&grid(&[1.0; 4]), &rec, 0.0).unwrap();
        assert_eq!(r.auc, 0.5);
        assert!((r.tpr_at_fpr_0_01 - 0.01).abs() < 1e-15);
    }

    #[test]
    fn tolerance_credits_a_peak_one_bin_early() {
        // Spike in bin 3; the prediction peaks in bin 2. Without tolerance the spike bin is
        // scored lowest (AUC 0); with Δ = 1 bin its score becomes the peak (max over 2..4) and
        // ties with bins 1 and 2 (also within a bin of the peak).
        let rec = [t(&[0.35])];
        let i = grid(&[0.0, 0.0, 5.0, 0.0, 0.0, 0.0]);
        // Positive score 0 against negatives (0, 0, 5, 0, 0): 4 ties, 1 loss → 2/5.
        assert_eq!(roc(&i, &rec, 0.0).unwrap().auc, 0.4);
        let r = roc(&i, &rec, 0.1).unwrap();
        // Scores after dilation: (0, 5, 5, 5, 0, 0); positive 5 vs negatives (0, 5, 5, 0, 0):
        // wins 3, ties 2 → (3 + 1)/5 = 0.8.
        assert!((r.auc - 0.8).abs() < 1e-15, "{}", r.auc);
    }

    #[test]
    fn pooled_roc_by_hand() {
        // Trial A: scores (2, 0), one repeat, spike in bin 0. Trial B: scores (1, 3), two
        // repeats, spikes in bin 0 of both. Pooled positives: 2 (A0), 1, 1 (B0 twice);
        // negatives: 0 (A1), 3, 3 (B1 twice). Pairs won: 2 > 0 only for A0 (1 win, 2 losses);
        // each B0 positive beats 0 (1 win, 2 losses): 3 of 9 → AUC 1/3.
        let a = grid(&[2.0, 0.0]);
        let b = grid(&[1.0, 3.0]);
        let rec_a = [t(&[0.05])];
        let rec_b = [t(&[0.05]), t(&[0.01])];
        let r = roc_pooled(&[(&a, &rec_a[..]), (&b, &rec_b[..])], 0.0).unwrap();
        assert!((r.auc - 1.0 / 3.0).abs() < 1e-15, "{}", r.auc);
        // Each alone: A separates perfectly, B inverts perfectly.
        assert_eq!(roc(&a, &rec_a, 0.0).unwrap().auc, 1.0);
        assert_eq!(roc(&b, &rec_b, 0.0).unwrap().auc, 0.0);
        let err = roc_pooled(&[(&a, &rec_a[..]), (&b, &[][..])], 0.0).unwrap_err();
        assert_eq!(err.reason, "ROC undefined: trial 1 has no recorded repeats");
    }

    proptest! {
        /// Pooling trials equals one ROC over their concatenation (same repeats and grid).
        #[test]
        fn pooling_equals_concatenation(a in prop::collection::vec(0u8..4, 2..20),
                                        b in prop::collection::vec(0u8..4, 2..20),
                                        spikes in prop::collection::vec(any::<bool>(), 40)) {
            let rates = |v: &[u8]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
            let at = |from: usize, n: usize| -> Vec<f64> {
                (0..n).filter(|&k| spikes[from + k]).map(|k| k as f64 * 0.1 + 0.05).collect()
            };
            let (ga, gb) = (grid(&rates(&a)), grid(&rates(&b)));
            let (ra, rb) = ([t(&at(0, a.len()))], [t(&at(a.len(), b.len()))]);
            let whole = grid(&[rates(&a), rates(&b)].concat());
            let shifted: Vec<f64> = at(0, a.len()).into_iter()
                .chain(at(a.len(), b.len()).into_iter().map(|x| x + a.len() as f64 * 0.1))
                .collect();
            let pooled = roc_pooled(&[(&ga, &ra[..]), (&gb, &rb[..])], 0.0);
            let single = roc(&whole, &[t(&shifted)], 0.0);
            match (pooled, single) {
                (Ok(p), Ok(s)) => prop_assert!((p.auc - s.auc).abs() < 1e-12),
                (Err(_), Err(_)) => {}
                (p, s) => prop_assert!(false, "{p:?} vs {s:?}"),
            }
        }

        #[test]
        fn sliding_max_matches_naive(v in prop::collection::vec(0.0f64..10.0, 1..60), w in 0usize..6) {
            let fast = sliding_max(&v, w);
            for (k, &got) in fast.iter().enumerate() {
                let lo = k.saturating_sub(w);
                let hi = (k + w).min(v.len() - 1);
                let naive = v[lo..=hi].iter().copied().fold(f64::MIN, f64::max);
                prop_assert_eq!(got, naive);
            }
        }

        #[test]
        fn auc_equals_mann_whitney(scores in prop::collection::vec(0u8..5, 4..40),
                                   spikes in prop::collection::vec(any::<bool>(), 4..40)) {
            let n = scores.len().min(spikes.len());
            let rates: Vec<f64> = scores[..n].iter().map(|&s| f64::from(s)).collect();
            let times: Vec<f64> = (0..n).filter(|&k| spikes[k]).map(|k| k as f64 * 0.1 + 0.05).collect();
            let rec = [SpikeTrain::new(times.clone()).unwrap()];
            let (pos, neg): (Vec<f64>, Vec<f64>) = {
                let p = (0..n).filter(|&k| spikes[k]).map(|k| rates[k]).collect();
                let q = (0..n).filter(|&k| !spikes[k]).map(|k| rates[k]).collect();
                (p, q)
            };
            match roc(&grid(&rates), &rec, 0.0) {
                Ok(r) => {
                    let mut u = 0.0;
                    for p in &pos { for q in &neg { u += if p > q { 1.0 } else if p == q { 0.5 } else { 0.0 }; } }
                    prop_assert!((r.auc - u / (pos.len() * neg.len()) as f64).abs() < 1e-12);
                }
                Err(_) => prop_assert!(pos.is_empty() || neg.is_empty()),
            }
        }
    }
}
