//! Bootstrap confidence intervals for the core scores, seeded and reproducible.
//!
//! Two sources of uncertainty are resampled separately (Efron & Tibshirani 1993, "An
//! Introduction to the Bootstrap", percentile intervals, ch. 13):
//! * **over trials**: the per-trial [`TrialStats`] are drawn with replacement and pooled
//!   ([`bootstrap_over_trials`]): how much the score depends on which stimuli (or segments)
//!   were tested;
//! * **over recorded repeats**: within every trial the recorded repeats are drawn with
//!   replacement ([`bootstrap_over_repeats`]): how much it depends on the neuron's
//!   trial-to-trial noise. The prediction is held fixed: it enters the ranked scores only as
//!   the PSTH it describes ([`crate::prediction`]), and its repeats are the contestant's to
//!   relate as they like, so they are not exchangeable draws to resample.
//!
//! Resampling with replacement creates copies of one recorded repeat. The unbiased
//! recorded-side estimators (norm_D, R, the ceiling's halves) must never pair a repeat with
//! itself, so every such sum skips pairs of copies of the same original repeat and divides by
//! the number of pairs kept. A resample in which some score is undefined (e.g. all copies of
//! one repeat) is left out of that score's interval; the number of resamples used is reported,
//! and an interval resting on fewer than half of them is reported as undefined.
//!
//! Coverage, measured by `tests/bootstrap_coverage.rs` (40 simulated experiments per row: a
//! 5 s trial of a noisy neuron at 8 Hz, 10 recorded repeats drawn afresh in each experiment,
//! the prediction fixed, 300 resamples, 95 % level):
//!
//! | prediction                                        | mean Md* | width / (2·1.96·s.d.) | covered |
//! |---------------------------------------------------|----------|-----------------------|---------|
//! | the neuron's true intensity                       | 1.001    | 2.02                  | 40/40 (the truth, 1) |
//! | intensity of a model with 5 ms jitter, reliability 0.5 | 0.604 | 1.00                | 38/40 (the mean estimate) |
//!
//! At Md* = 1 the first-order influence of a recorded repeat cancels between the cross product
//! and norm_D, so the estimate behaves like a degenerate U-statistic whose spread the plain
//! bootstrap overstates (Bretagnolle 1983, Ann Inst Henri Poincaré 19:281; Arcones & Giné
//! 1992, Ann Stat 20:655): near the ceiling the intervals err on the wide, safe side.

use crate::coincidence::{gamma, mean_gamma};
use crate::kreuz::{isi_distance, spike_distance, spike_sync};
use crate::metric::{Metric, Undefined, mean_of, number_or_null, undefined};
use crate::naud::{flat_cross_per_rate, gram};
use crate::prediction::Prediction;
use crate::primary::{
    CoreScores, ScoringParams, SplitStats, TrialStats, balanced_splits, pooled_scores, trial_scores,
};
use crate::probabilistic::LikelihoodStats;
use crate::psth::{PsthGram, relative_rate_error, schreiber};
use crate::report::{FullReport, SuiteParams};
use crate::resample;
use crate::train::{SpikeTrain, Window};
use crate::van_rossum::van_rossum;
use crate::victor_purpura::victor_purpura;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Settings of a bootstrap.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BootstrapParams {
    /// Number of resamples. Default 1000.
    pub resamples: usize,
    /// Two-sided coverage of the percentile interval. Default 0.95.
    pub level: f64,
    /// Seed of the ChaCha8 stream that draws the resamples. Default 0 (store it with the
    /// result; the same seed and inputs give the same interval bit for bit).
    pub seed: u64,
}

impl Default for BootstrapParams {
    fn default() -> Self {
        BootstrapParams {
            resamples: 1000,
            level: 0.95,
            seed: 0,
        }
    }
}

/// A percentile confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound, the (1 − level)/2 quantile of the resampled scores.
    pub low: f64,
    /// Upper bound, the (1 + level)/2 quantile.
    pub high: f64,
    /// Resamples in which the score was defined.
    pub defined_resamples: usize,
}

/// An interval, or why there is none.
pub type IntervalMetric = Result<Interval, Undefined>;

/// Confidence intervals of the [`CoreScores`], field by field (null in JSON when undefined).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // each field is the interval of the CoreScores field of the same name
pub struct CoreIntervals {
    #[serde(with = "number_or_null")]
    pub coincidence_factor: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub intrinsic_reliability: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub gamma_over_r: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub md_star: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub md_star_null: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub md_star_ceiling: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub primary: IntervalMetric,
    #[serde(with = "number_or_null")]
    pub bits_per_spike: IntervalMetric,
}

/// Quantile q of sorted values, linear interpolation between order statistics (Hyndman & Fan
/// 1996 type 7, numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn interval(mut values: Vec<f64>, p: &BootstrapParams, what: &str) -> IntervalMetric {
    if values.is_empty() || 2 * values.len() < p.resamples {
        return undefined(format!(
            "{what} interval undefined: the score was defined in only {} of {} resamples",
            values.len(),
            p.resamples
        ));
    }
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - p.level) / 2.0;
    Ok(Interval {
        low: quantile(&values, tail),
        high: quantile(&values, 1.0 - tail),
        defined_resamples: values.len(),
    })
}

/// Runs `p.resamples` draws; each returns N (key, value) pairs in a fixed order. Returns the
/// interval of each key, in that order.
fn run<const N: usize>(
    p: &BootstrapParams,
    mut draw: impl FnMut(&mut ChaCha8Rng) -> [(&'static str, Metric); N],
) -> [(&'static str, IntervalMetric); N] {
    let mut rng = resample::rng(p.seed);
    let mut values: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(p.resamples));
    let mut keys: [&'static str; N] = [""; N];
    for _ in 0..p.resamples {
        for (k, (key, m)) in draw(&mut rng).into_iter().enumerate() {
            keys[k] = key;
            if let Ok(v) = m {
                values[k].push(v);
            }
        }
    }
    let mut values = values.into_iter();
    std::array::from_fn(|k| {
        (
            keys[k],
            interval(values.next().expect("N values"), p, keys[k]),
        )
    })
}

/// The core scores of a resample as (key, value) pairs.
fn core_entries(scores: CoreScores) -> [(&'static str, Metric); 8] {
    scores.entries().map(|(k, m)| (k, m.clone()))
}

impl CoreIntervals {
    fn from_entries(e: [(&'static str, IntervalMetric); 8]) -> CoreIntervals {
        let [a, b, c, d, e2, f, g, h] = e.map(|(_, m)| m);
        CoreIntervals {
            coincidence_factor: a,
            intrinsic_reliability: b,
            gamma_over_r: c,
            md_star: d,
            md_star_null: e2,
            md_star_ceiling: f,
            primary: g,
            bits_per_spike: h,
        }
    }
}

/// Percentile intervals of the pooled scores, resampling whole trials with replacement.
pub fn bootstrap_over_trials(stats: &[TrialStats], p: &BootstrapParams) -> CoreIntervals {
    CoreIntervals::from_entries(run(p, |rng| {
        let pick: Vec<TrialStats> = resample::with_replacement(rng, stats.len())
            .into_iter()
            .map(|i| stats[i].clone())
            .collect();
        core_entries(pooled_scores(&pick))
    }))
}

/// Percentile intervals of the pooled scores, resampling the recorded repeats with
/// replacement within every trial (trials and predictions fixed).
pub fn bootstrap_over_repeats(trials: &[RepeatMatrices], p: &BootstrapParams) -> CoreIntervals {
    CoreIntervals::from_entries(run(p, |rng| {
        let stats: Vec<TrialStats> = trials
            .iter()
            .map(|t| t.stats(&resample::with_replacement(rng, t.gram_dd.len())))
            .collect();
        core_entries(pooled_scores(&stats))
    }))
}

/// Percentile intervals of every key of a [`FullReport`], in its key order.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportIntervals(pub Vec<(&'static str, IntervalMetric)>);

impl Serialize for ReportIntervals {
    /// A JSON object: key → `{"low", "high", "defined_resamples"}`, or null when undefined.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, &v.as_ref().ok())?;
        }
        map.end()
    }
}

/// Percentile intervals of every key of [`crate::report::full_report`] for one trial,
/// resampling its recorded repeats with replacement (pairs of copies of one repeat skipped in
/// within-set sums, as for [`bootstrap_over_repeats`]; the prediction fixed). Pairwise
/// distances are computed once per recorded × predicted pair and averaged over the resampled
/// recorded repeats and every predicted one; the explained variance of a resample follows from
/// the products of the per-repeat smoothed PSTHs ([`crate::psth`]), computed once.
pub fn bootstrap_report_over_repeats(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    window: Window,
    params: &SuiteParams,
    p: &BootstrapParams,
) -> ReportIntervals {
    let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
    let pred: Vec<SpikeTrain> = predicted.iter().map(|t| t.within(window)).collect();
    let prediction = Prediction::Repeats(pred.clone());
    let mats = RepeatMatrices::new(&rec, &prediction, window, &params.scoring());
    let psth = prediction.psth(window);
    // Per recorded repeat: the mean over predicted repeats of each pairwise distance.
    let per_recorded =
        |f: &dyn Fn(&SpikeTrain, &SpikeTrain) -> Metric, what: &str| -> Vec<Metric> {
            rec.iter()
                .map(|a| {
                    if pred.is_empty() {
                        return undefined(format!("{what} undefined: no predicted repeats"));
                    }
                    mean_of(pred.iter().map(|b| f(a, b)), what)
                })
                .collect()
        };
    let vp = per_recorded(
        &|a, b| Ok(victor_purpura(a, b, params.vp_q_per_s)),
        "Victor–Purpura distance",
    );
    let vr = per_recorded(
        &|a, b| Ok(van_rossum(a, b, params.vr_tau_s)),
        "van Rossum distance",
    );
    let isi = per_recorded(&|a, b| Ok(isi_distance(a, b, window)), "ISI-distance");
    let spike = per_recorded(&|a, b| Ok(spike_distance(a, b, window)), "SPIKE-distance");
    let sync = per_recorded(
        &|a, b| Ok(spike_sync(a, b, window)),
        "SPIKE-synchronisation",
    );
    let schr = per_recorded(
        &|a, b| schreiber(a, b, params.schreiber_sigma_s),
        "Schreiber correlation",
    );
    let psth_gram = PsthGram::new(&rec, &pred, window, params.psth_sigma_s, params.psth_dt_s);
    let all_pred: Vec<usize> = (0..pred.len()).collect();
    let pred_mean_count = psth.mean_count();
    ReportIntervals(
        run(p, |rng| {
            let d = resample::with_replacement(rng, rec.len());
            let stats = mats.stats(&d);
            let core = trial_scores(&stats);
            let products = stats.products();
            let mean_over = |v: &[Metric], what: &str| -> Metric {
                if d.is_empty() {
                    return undefined(format!("{what} undefined: no recorded repeats"));
                }
                mean_of(d.iter().map(|&i| v[i].clone()), what)
            };
            let rec_mean_count =
                d.iter().map(|&i| mats.rec_spikes[i] as f64).sum::<f64>() / d.len().max(1) as f64;
            let report = FullReport {
                coincidence_factor: core.coincidence_factor,
                intrinsic_reliability: core.intrinsic_reliability,
                gamma_over_r: core.gamma_over_r,
                md_star: core.md_star,
                cf2_star: products.clone().and_then(|x| x.cf2_star()),
                d_star_p: products.and_then(|x| x.d_star_p()),
                victor_purpura: mean_over(&vp, "Victor–Purpura distance"),
                van_rossum: mean_over(&vr, "van Rossum distance"),
                isi_distance: mean_over(&isi, "ISI-distance"),
                spike_distance: mean_over(&spike, "SPIKE-distance"),
                spike_sync: mean_over(&sync, "SPIKE-synchronisation"),
                schreiber: mean_over(&schr, "Schreiber correlation"),
                explained_variance: psth_gram.explained_variance(&d, &all_pred),
                rate_error: relative_rate_error(rec_mean_count, pred_mean_count),
                primary: core.primary,
            };
            report.entries().map(|(k, v)| (k, v.clone()))
        })
        .to_vec(),
    )
}

/// All quantities of one trial from which the [`TrialStats`] of any resample of its recorded
/// repeats follow without touching the spike trains again.
#[derive(Clone, Debug)]
pub struct RepeatMatrices {
    duration_s: f64,
    rec_spikes: Vec<usize>,
    predicted_mean_count: f64,
    /// ⟨D_i, D_j⟩ (diagonal included).
    gram_dd: Vec<Vec<f64>>,
    /// ⟨D_i, ν̂_M⟩ for each recorded repeat.
    cross_d: Vec<Metric>,
    /// ‖ν̂_M‖².
    norm_m: Metric,
    /// Mean Γ of recorded repeat i against the predicted repeats.
    gamma_d: Vec<Metric>,
    /// Γ(D_i as data, D_j as prediction).
    gamma_dd: Vec<Vec<Metric>>,
    /// Flat-null a of each recorded repeat alone (s).
    null_a: Vec<f64>,
    null_c: f64,
    /// The likelihood parts of each recorded repeat alone (additive over repeats).
    likelihood: Vec<LikelihoodStats>,
}

impl RepeatMatrices {
    /// Precomputes the quantities of one trial (spikes outside `window` ignored).
    pub fn new(
        recorded: &[SpikeTrain],
        predicted: &Prediction,
        window: Window,
        params: &ScoringParams,
    ) -> Self {
        let (delta, kernel) = (params.delta_s, params.kernel);
        let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
        let psth = predicted.psth(window);
        let trains = predicted.trains(window);
        RepeatMatrices {
            duration_s: window.duration_s(),
            rec_spikes: rec.iter().map(SpikeTrain::len).collect(),
            predicted_mean_count: psth.mean_count(),
            gram_dd: gram(&rec, kernel, delta),
            cross_d: rec
                .iter()
                .map(|d| psth.product_with_spikes(d.times(), kernel, delta))
                .collect(),
            norm_m: psth.norm(kernel, delta),
            gamma_d: rec
                .iter()
                .map(|d| match &trains {
                    Some(m) => mean_gamma(std::slice::from_ref(d), m, window, delta),
                    None => undefined(
                        "coincidence factor undefined: an intensity prediction has no spike \
                         trains to match",
                    ),
                })
                .collect(),
            gamma_dd: rec
                .iter()
                .map(|x| rec.iter().map(|y| gamma(x, y, window, delta)).collect())
                .collect(),
            null_a: rec
                .iter()
                .map(|d| flat_cross_per_rate(std::slice::from_ref(d), window, kernel, delta))
                .collect(),
            null_c: kernel.flat_norm_s2(window, delta),
            likelihood: rec
                .iter()
                .map(|d| LikelihoodStats::of(&psth, std::slice::from_ref(d), window))
                .collect(),
        }
    }

    /// The [`TrialStats`] of the recorded repeats `rec_idx` (indices, copies allowed). With
    /// each index once, this equals [`crate::primary::trial_stats`].
    pub fn stats(&self, rec_idx: &[usize]) -> TrialStats {
        let n = rec_idx.len();
        let mean = |v: &[Metric], what: &str| -> Metric {
            if n == 0 {
                return undefined(format!("{what} undefined: no recorded repeats"));
            }
            mean_of(rec_idx.iter().map(|&i| v[i].clone()), what)
        };
        let splits = balanced_splits(n)
            .iter()
            .map(|mask| {
                let side = |keep: bool| -> Vec<usize> {
                    rec_idx
                        .iter()
                        .zip(mask)
                        .filter(|(_, m)| **m == keep)
                        .map(|(i, _)| *i)
                        .collect()
                };
                let (a, b) = (side(true), side(false));
                let nan = |m: Metric| m.unwrap_or(f64::NAN);
                SplitStats {
                    cross: nan(distinct_mean(&a, &b, &self.gram_dd, "split cross")),
                    norm_a: nan(distinct_mean(&a, &a, &self.gram_dd, "split norm")),
                    norm_b: nan(distinct_mean(&b, &b, &self.gram_dd, "split norm")),
                }
            })
            .collect();
        let sum_likelihood = {
            let parts: Vec<&LikelihoodStats> =
                rec_idx.iter().map(|&i| &self.likelihood[i]).collect();
            LikelihoodStats {
                spikes: parts.iter().map(|p| p.spikes).sum(),
                exposure_s: parts.iter().map(|p| p.exposure_s).sum(),
                model_nats: parts.iter().map(|p| p.model_nats.clone()).sum(),
            }
        };
        TrialStats {
            duration_s: self.duration_s,
            n_recorded: n,
            recorded_spikes: rec_idx.iter().map(|&i| self.rec_spikes[i]).sum(),
            predicted_mean_count: self.predicted_mean_count,
            coincidence_factor: mean(&self.gamma_d, "coincidence factor"),
            intrinsic_reliability: self.reliability(rec_idx),
            cross: mean(&self.cross_d, "PSTH cross product"),
            norm_recorded: distinct_mean(rec_idx, rec_idx, &self.gram_dd, "recorded PSTH norm"),
            norm_predicted: self.norm_m.clone(),
            null_a: rec_idx.iter().map(|&i| self.null_a[i]).sum::<f64>() / n.max(1) as f64,
            null_c: self.null_c,
            splits,
            likelihood: sum_likelihood,
        }
    }
}

impl RepeatMatrices {
    /// R of a resample: mean Γ over ordered pairs of distinct original recorded repeats.
    fn reliability(&self, rec_idx: &[usize]) -> Metric {
        let values: Vec<Metric> = distinct_pairs(rec_idx, rec_idx)
            .map(|(i, j)| self.gamma_dd[i][j].clone())
            .collect();
        if values.is_empty() {
            return undefined(
                "intrinsic reliability undefined: needs at least 2 distinct recorded repeats",
            );
        }
        mean_of(values, "intrinsic reliability")
    }
}

/// Ordered pairs of positions (p in `a`, q in `b`) whose original repeats differ.
fn distinct_pairs<'a>(a: &'a [usize], b: &'a [usize]) -> impl Iterator<Item = (usize, usize)> + 'a {
    a.iter()
        .flat_map(move |&i| b.iter().filter(move |&&j| j != i).map(move |&j| (i, j)))
}

/// Mean of m[i][j] over ordered pairs of distinct original repeats.
fn distinct_mean(a: &[usize], b: &[usize], m: &[Vec<f64>], what: &str) -> Metric {
    let (mut sum, mut n) = (0.0, 0usize);
    for (i, j) in distinct_pairs(a, b) {
        sum += m[i][j];
        n += 1;
    }
    if n == 0 {
        return undefined(format!("{what} undefined: no pair of distinct repeats"));
    }
    Ok(sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prediction::Prediction;
    use crate::primary::{trial_scores, trial_stats};

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    fn example() -> (Vec<SpikeTrain>, Vec<SpikeTrain>, Window) {
        let d: Vec<SpikeTrain> = (0..6)
            .map(|k| {
                let j = 0.0007 * k as f64;
                t(&[0.1 + j, 0.25, 0.4 - j, 0.55 + 2.0 * j, 0.8, 0.9 + j])
            })
            .collect();
        let m: Vec<SpikeTrain> = (0..3)
            .map(|k| t(&[0.1, 0.4 + 0.001 * k as f64, 0.7]))
            .collect();
        (d, m, Window::new(0.0, 1.0).unwrap())
    }

    #[test]
    fn identity_resample_equals_trial_stats() {
        let (d, m, w) = example();
        let p = ScoringParams::default();
        let direct = trial_scores(&trial_stats(&d, &Prediction::Repeats(m.clone()), w, &p));
        let mats = RepeatMatrices::new(&d, &Prediction::Repeats(m.clone()), w, &p);
        let via = trial_scores(&mats.stats(&[0, 1, 2, 3, 4, 5]));
        for ((k, a), (_, b)) in direct.entries().into_iter().zip(via.entries()) {
            match (a, b) {
                (Ok(x), Ok(y)) => assert!((x - y).abs() < 1e-12, "{k}: {x} vs {y}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{k}: {a:?} vs {b:?}"),
            }
        }
        // The prediction is fixed: its norm is the trial's, whatever the resample.
        let one = Prediction::Repeats(m[..1].to_vec());
        let mats = RepeatMatrices::new(&d, &one, w, &p);
        assert_eq!(
            mats.stats(&[0, 0, 3]).norm_predicted,
            trial_stats(&d, &one, w, &p).norm_predicted
        );
    }

    #[test]
    fn copies_of_one_repeat_are_never_paired() {
        // Resample {0, 0, 1}: ordered position pairs of distinct origin are (0,1) twice each
        // way, so norm_D = ⟨D0, D1⟩ exactly, not inflated by ⟨D0, D0⟩.
        let (d, m, w) = example();
        let mats = RepeatMatrices::new(&d, &Prediction::Repeats(m), w, &ScoringParams::default());
        let s = mats.stats(&[0, 0, 1]);
        assert_eq!(s.norm_recorded, Ok(mats.gram_dd[0][1]));
        assert!(mats.stats(&[2, 2, 2]).norm_recorded.is_err());
    }

    #[test]
    fn report_intervals_cover_every_key_and_bracket_the_estimate() {
        let (d, m, w) = example();
        let params = SuiteParams::default();
        let bp = BootstrapParams {
            resamples: 200,
            ..Default::default()
        };
        let iv = bootstrap_report_over_repeats(&d, &m, w, &params, &bp);
        let full = crate::report::full_report(&d, &m, w, &params);
        let keys: Vec<&str> = iv.0.iter().map(|(k, _)| *k).collect();
        let expected: Vec<&str> = full.entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, expected);
        let get = |key: &str| iv.0.iter().find(|(k, _)| *k == key).unwrap().1.clone();
        for key in [
            "victor_purpura",
            "van_rossum",
            "spike_distance",
            "md_star",
            "rate_error",
        ] {
            let i = get(key).unwrap();
            assert!(i.low <= i.high, "{key}");
        }
        let vp = full.victor_purpura.unwrap();
        let i = get("victor_purpura").unwrap();
        assert!(i.low <= vp && vp <= i.high, "{i:?} vs {vp}");
        let ev = full.explained_variance.unwrap();
        let i = get("explained_variance").unwrap();
        assert!(i.low <= ev && ev <= i.high, "{i:?} vs {ev}");
        let json = serde_json::to_value(&iv).unwrap();
        assert!(json["explained_variance"]["high"].is_number());
        assert!(json["md_star"]["low"].is_number());
    }

    #[test]
    fn quantiles_type_7() {
        // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75.
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
    }

    #[test]
    fn intervals_are_reproducible_and_contain_the_estimate() {
        let (d, m, w) = example();
        let p = ScoringParams::default();
        let stats: Vec<TrialStats> = (0..5)
            .map(|k| {
                let shift = |v: &[SpikeTrain]| -> Vec<SpikeTrain> {
                    v.iter()
                        .map(|x| {
                            t(&x.times()
                                .iter()
                                .map(|s| s * 0.9 + 0.01 * k as f64)
                                .collect::<Vec<_>>())
                        })
                        .collect()
                };
                trial_stats(&shift(&d), &Prediction::Repeats(shift(&m)), w, &p)
            })
            .collect();
        let bp = BootstrapParams {
            resamples: 300,
            ..Default::default()
        };
        let a = bootstrap_over_trials(&stats, &bp);
        assert_eq!(a, bootstrap_over_trials(&stats, &bp));
        let md = pooled_scores(&stats).md_star.unwrap();
        let iv = a.md_star.unwrap();
        assert!(iv.low <= md && md <= iv.high, "{iv:?} vs {md}");
        let mats: Vec<RepeatMatrices> = (0..2)
            .map(|_| RepeatMatrices::new(&d, &Prediction::Repeats(m.clone()), w, &p))
            .collect();
        let r = bootstrap_over_repeats(&mats, &bp);
        assert_eq!(r, bootstrap_over_repeats(&mats, &bp));
        let iv = r.md_star.clone().unwrap();
        assert!(iv.low < iv.high);
        let other = bootstrap_over_repeats(&mats, &BootstrapParams { seed: 1, ..bp });
        assert_ne!(other.md_star, r.md_star);
    }
}
