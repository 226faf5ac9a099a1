//! The scoring policy of a challenge: which stretches of the test trials count for which board,
//! and how one submission becomes the numbers stored in its audit record.
//!
//! Metrics themselves live in `arena-scoring`; this module only decides what is compared with what.
//! Every test trial is cut into segments, each drawn at creation into the public or the private
//! part ([`arena_challenge_core::trial::Segment`]); each segment is scored on its own window against all of the trial's hidden
//! repeats, and the board score of each part pools the additive statistics of its segments, so a
//! long stretch weighs more than a short one, as it should. Each trial is also scored whole, for
//! the per-trial breakdown shown once a challenge is closed.
//!
//! Where test trials carry a [`Condition`] (the clustered-dendritic family), each part is also
//! scored on its clustered trials and on its control trials separately: a point neuron that sums
//! its inputs linearly can do well on the controls and still miss what clustering does, and one
//! pooled number would hide that. See [`ConditionScores`].

use arena_scoring::bootstrap::{BootstrapParams, IntervalMetric, bootstrap_over_trials};
use arena_scoring::probabilistic::{Intensity, roc_pooled};
use arena_scoring::{
    CoreScores, Metric, ScoringParams, SpikeTrain, TrialStats, Undefined, Window, pooled_scores,
    trial_scores, trial_stats,
};
use serde::{Deserialize, Serialize};

use crate::board::{NamedMetric, named, named_metric};
use crate::predictions::{self, Limits, PredictionError, Predictions, TrialShape};
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::trial::{Condition, Part};

/// Scores of one whole trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialEvaluation {
    /// Trial id.
    pub trial_id: String,
    /// The trial's own scores over its whole duration.
    pub scores: CoreScores,
}

/// Bin width of the per-bin scores, seconds: 1 ms, the bins in which Beniaguev, Segev & London
/// (2021, Neuron 109:2727) score spike prediction by ROC.
pub const AUC_BIN_S: f64 = 0.001;

/// Per-bin scores of a group of segments: the predicted PSTH in 1 ms bins ([`AUC_BIN_S`]; the
/// ROC depends on its order only) as a detector of the recorded spikes, every (recorded repeat,
/// bin) pair one sample, pooled over the group ([`arena_scoring::probabilistic::roc_pooled`]).
/// 0.5: no better than chance; 1: every recorded spike bin scored above every silent one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinScores {
    /// Area under the ROC curve, exact bins.
    #[serde(with = "arena_scoring::metric::number_or_null")]
    pub auc: Metric,
    /// The same with a ±Δ tolerance (the metric parameter `delta_s`): each bin is scored by the
    /// highest histogram value within ±Δ, so a spike predicted up to Δ early or late counts.
    #[serde(with = "arena_scoring::metric::number_or_null")]
    pub auc_tolerant: Metric,
}

/// Scores of one part split by condition (challenges whose test trials carry a [`Condition`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionScores {
    /// Pooled over the clustered trials.
    pub clustered: CoreScores,
    /// Pooled over both controls (time-dispersed and space-scattered trials).
    pub dispersed: CoreScores,
    /// Pooled over the time-dispersed controls alone (the cluster's events spread in time).
    pub time_dispersed: CoreScores,
    /// Pooled over the space-scattered controls alone (the same volleys spread over the tree).
    pub space_scattered: CoreScores,
    /// `primary_dispersed − primary_clustered`: how much worse the model does on clustered
    /// input than on the same events without clustering (0 for a model that captures it).
    #[serde(with = "arena_scoring::metric::number_or_null")]
    pub clustering_gap: Metric,
    /// The share of the recorded clustered-vs-control difference in firing rate that the
    /// prediction reproduces, (ν̂_c − ν̂_d) / (ν_c − ν_d), rates pooled over segments and repeats
    /// (ν recorded, ν̂ predicted; c clustered, d both controls). 1: the whole effect; 0: none;
    /// undefined when the recorded rates do not differ.
    #[serde(with = "arena_scoring::metric::number_or_null")]
    pub effect_reproduced: Metric,
    /// Per-bin scores over all the part's trials.
    pub bins: BinScores,
    /// Per-bin scores over the clustered trials.
    pub bins_clustered: BinScores,
    /// Per-bin scores over both controls.
    pub bins_dispersed: BinScores,
}

/// Everything one scoring of a submission produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Pooled over the public segments.
    pub public: CoreScores,
    /// Pooled over the private segments.
    pub private: CoreScores,
    /// The public part by condition, where trials carry one.
    #[serde(default)]
    pub public_conditions: Option<ConditionScores>,
    /// The private part by condition, where trials carry one.
    #[serde(default)]
    pub private_conditions: Option<ConditionScores>,
    /// Per whole trial, in challenge order.
    pub trials: Vec<TrialEvaluation>,
    /// The statistics of each public segment, which the public scores pool: what
    /// [`Evaluation::primary_interval`] resamples. Not serialised.
    #[serde(skip)]
    pub public_segments: Vec<TrialStats>,
    /// The same for the private segments.
    #[serde(skip)]
    pub private_segments: Vec<TrialStats>,
}

/// The bootstrap of the primary's interval ([`Evaluation::primary_interval`]): 1,000
/// resamples, 95 %, seed 0, so the same evaluation gives the same interval bit for bit and an
/// auditor recomputes it with `arena_scoring::bootstrap::bootstrap_over_trials`.
pub const PRIMARY_BOOTSTRAP: BootstrapParams = BootstrapParams {
    resamples: 1000,
    level: 0.95,
    seed: 0,
};

impl Evaluation {
    /// The named scores of a part as they are stored and shown: the core scores, then, where
    /// trials carry conditions, `primary_clustered`, `primary_dispersed` (both controls),
    /// `primary_time_dispersed`, `primary_space_scattered`, `clustering_gap`,
    /// `clustering_effect_reproduced` and the per-bin scores `auc`, `auc_tolerant`,
    /// `auc_clustered`, `auc_tolerant_clustered`, `auc_dispersed`, `auc_tolerant_dispersed`.
    ///
    /// With `interval` (from [`Evaluation::primary_interval`]), `primary_ci_low` and
    /// `primary_ci_high` follow the core scores.
    pub fn named(&self, part: Part, interval: Option<&IntervalMetric>) -> Vec<NamedMetric> {
        let (core, conditions) = match part {
            Part::Public => (&self.public, &self.public_conditions),
            Part::Private => (&self.private, &self.private_conditions),
        };
        let mut list = named(core);
        if let Some(interval) = interval {
            let (low, high) = match interval {
                Ok(i) => (Ok(i.low), Ok(i.high)),
                Err(e) => (Err(e.clone()), Err(e.clone())),
            };
            list.push(named_metric(PRIMARY_CI_LOW, &low));
            list.push(named_metric(PRIMARY_CI_HIGH, &high));
        }
        if let Some(c) = conditions {
            for (name, m) in [
                ("primary_clustered", &c.clustered.primary),
                ("primary_dispersed", &c.dispersed.primary),
                ("primary_time_dispersed", &c.time_dispersed.primary),
                ("primary_space_scattered", &c.space_scattered.primary),
                ("clustering_gap", &c.clustering_gap),
                ("clustering_effect_reproduced", &c.effect_reproduced),
                ("auc", &c.bins.auc),
                ("auc_tolerant", &c.bins.auc_tolerant),
                ("auc_clustered", &c.bins_clustered.auc),
                ("auc_tolerant_clustered", &c.bins_clustered.auc_tolerant),
                ("auc_dispersed", &c.bins_dispersed.auc),
                ("auc_tolerant_dispersed", &c.bins_dispersed.auc_tolerant),
            ] {
                list.push(named_metric(name, m));
            }
        }
        list
    }
}

impl Evaluation {
    /// The 95 % percentile bootstrap interval of a part's primary, resampling its segments
    /// with replacement ([`PRIMARY_BOOTSTRAP`]; Efron & Tibshirani 1993): how much the score
    /// depends on which stretches of stimulus were tested. 1,000 poolings of the part's
    /// segment statistics, no spike train is touched again.
    pub fn primary_interval(&self, part: Part) -> IntervalMetric {
        let segments = match part {
            Part::Public => &self.public_segments,
            Part::Private => &self.private_segments,
        };
        bootstrap_over_trials(segments, &PRIMARY_BOOTSTRAP).primary
    }

    /// Both parts' [`Evaluation::primary_interval`]: about 2,000 poolings, work for the compute
    /// pool, not an async runtime.
    pub fn intervals(&self) -> Intervals {
        Intervals {
            public: self.primary_interval(Part::Public),
            private: self.primary_interval(Part::Private),
        }
    }
}

/// The intervals of both parts' primaries ([`Evaluation::intervals`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Intervals {
    /// Of the public part's primary.
    pub public: IntervalMetric,
    /// Of the private part's primary.
    pub private: IntervalMetric,
}

impl Intervals {
    /// The interval of `part`.
    pub fn of(&self, part: Part) -> &IntervalMetric {
        match part {
            Part::Public => &self.public,
            Part::Private => &self.private,
        }
    }
}

/// The name of the lower bound of the primary's interval in a score list.
pub const PRIMARY_CI_LOW: &str = "primary_ci_low";
/// The name of the upper bound.
pub const PRIMARY_CI_HIGH: &str = "primary_ci_high";

/// The shapes the predictions parser checks a file against.
pub fn shapes(trials: &[HiddenTrial], dt_s: f64) -> Vec<TrialShape> {
    trials
        .iter()
        .map(|t| TrialShape {
            id: t.id.clone(),
            duration_s: t.duration_s,
            dt_s,
        })
        .collect()
}

/// The whole path of a submission: the predictions file checked by [`predictions::parse`] against
/// the hidden trials' ids and durations, then scored by [`evaluate`]. The scoring queue, the
/// gauntlet and audits all call this one function.
///
/// # Errors
/// The [`PredictionError`] of a refused file.
pub fn score_file(
    bytes: &[u8],
    trials: &[HiddenTrial],
    dt_s: f64,
    params: &ScoringParams,
    limits: &Limits,
) -> Result<Evaluation, PredictionError> {
    let predictions = predictions::parse(bytes, &shapes(trials, dt_s), limits)?;
    Ok(evaluate(trials, &predictions, params))
}

/// One scored segment: its statistics and, in a paired design, its trial's condition with the
/// predicted histogram and the recorded repeats on the segment (the per-bin samples).
struct Scored {
    stats: TrialStats,
    condition: Option<Condition>,
    bins: Option<(Intensity, Vec<SpikeTrain>)>,
}

/// Scores validated predictions against the hidden trials.
///
/// `predictions` must come from [`crate::predictions::parse`] with the same trials, so every hidden
/// trial has a prediction.
///
/// # Panics
/// If a hidden trial has no prediction (a caller bug: parsing guarantees it).
pub fn evaluate(
    trials: &[HiddenTrial],
    predictions: &Predictions,
    params: &ScoringParams,
) -> Evaluation {
    let mut per_trial = Vec::with_capacity(trials.len());
    let mut by_part: [Vec<Scored>; 2] = [Vec::new(), Vec::new()];
    for trial in trials {
        let predicted = &predictions.trials[&trial.id];
        let whole = Window::new(0.0, trial.duration_s).expect("stored durations are positive");
        per_trial.push(TrialEvaluation {
            trial_id: trial.id.clone(),
            scores: trial_scores(&trial_stats(&trial.recorded, predicted, whole, params)),
        });
        for segment in &trial.segments {
            let window =
                Window::new(segment.start_s, segment.end_s).expect("stored segments are ordered");
            let bins = trial.condition.map(|_| {
                let recorded = trial.recorded.iter().map(|r| r.within(window)).collect();
                (predicted.histogram(window, AUC_BIN_S), recorded)
            });
            by_part[part_index(segment.part)].push(Scored {
                stats: trial_stats(&trial.recorded, predicted, window, params),
                condition: trial.condition,
                bins,
            });
        }
    }
    let [public, private] = by_part;
    let (public_segments, private_segments) = (stats_of(&public), stats_of(&private));
    Evaluation {
        public_conditions: condition_scores(&public, params),
        private_conditions: condition_scores(&private, params),
        public: pooled_scores(&public_segments),
        private: pooled_scores(&private_segments),
        trials: per_trial,
        public_segments,
        private_segments,
    }
}

fn stats_of(scored: &[Scored]) -> Vec<TrialStats> {
    scored.iter().map(|s| s.stats.clone()).collect()
}

/// A part's scores by condition, or `None` when none of its segments' trials carries one.
fn condition_scores(scored: &[Scored], params: &ScoringParams) -> Option<ConditionScores> {
    if scored.iter().all(|s| s.condition.is_none()) {
        return None;
    }
    let bin_scores = |keep: fn(Condition) -> bool| {
        let group: Vec<(&Intensity, &[SpikeTrain])> = scored
            .iter()
            .filter(|s| s.condition.is_some_and(keep))
            .filter_map(|s| s.bins.as_ref())
            .map(|(histogram, recorded)| (histogram, recorded.as_slice()))
            .collect();
        let auc = |tolerance_s: f64| roc_pooled(&group, tolerance_s).map(|r| r.auc);
        BinScores {
            auc: auc(0.0),
            auc_tolerant: auc(params.delta_s),
        }
    };
    let group = |control: bool| -> Vec<TrialStats> {
        scored
            .iter()
            .filter(|s| s.condition.is_some_and(|c| c.is_control() == control))
            .map(|s| s.stats.clone())
            .collect()
    };
    let (clustered, dispersed) = (group(false), group(true));
    let only = |want: Condition| -> Vec<TrialStats> {
        scored
            .iter()
            .filter(|s| s.condition == Some(want))
            .map(|s| s.stats.clone())
            .collect()
    };
    let (c, d) = (pooled_scores(&clustered), pooled_scores(&dispersed));
    let clustering_gap = match (&d.primary, &c.primary) {
        (Ok(d), Ok(c)) => Ok(d - c),
        (Err(e), _) | (_, Err(e)) => Err(Undefined {
            reason: format!("clustering gap undefined: {}", e.reason),
        }),
    };
    // Rates per unit time: recorded spikes per repeat and predicted spikes per repeat, over the
    // group's total duration.
    let rate = |s: &[TrialStats], per_repeat: fn(&TrialStats) -> f64| {
        let (n, time) = s.iter().fold((0.0, 0.0), |(n, t), x| {
            (n + per_repeat(x), t + x.duration_s)
        });
        (time > 0.0).then(|| n / time)
    };
    let recorded = |x: &TrialStats| x.recorded_spikes as f64 / x.n_recorded.max(1) as f64;
    let predicted = |x: &TrialStats| x.predicted_mean_count;
    let effect_reproduced = match (
        rate(&clustered, recorded),
        rate(&dispersed, recorded),
        rate(&clustered, predicted),
        rate(&dispersed, predicted),
    ) {
        (Some(rc), Some(rd), Some(pc), Some(pd)) if (rc - rd).abs() > 1e-12 => {
            Ok((pc - pd) / (rc - rd))
        }
        (Some(_), Some(_), Some(_), Some(_)) => Err(Undefined {
            reason:
                "effect reproduced undefined: the recorded clustered and control rates are equal"
                    .into(),
        }),
        _ => Err(Undefined {
            reason: "effect reproduced undefined: the part lacks clustered or control trials"
                .into(),
        }),
    };
    Some(ConditionScores {
        clustered: c,
        dispersed: d,
        time_dispersed: pooled_scores(&only(Condition::TimeDispersed)),
        space_scattered: pooled_scores(&only(Condition::SpaceScattered)),
        clustering_gap,
        effect_reproduced,
        bins: bin_scores(|_| true),
        bins_clustered: bin_scores(|c| !c.is_control()),
        bins_dispersed: bin_scores(Condition::is_control),
    })
}

fn part_index(part: Part) -> usize {
    match part {
        Part::Public => 0,
        Part::Private => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_challenge_core::trial::Segment;
    use arena_scoring::Prediction;
    use std::collections::BTreeMap;

    fn public_whole(duration_s: f64) -> Vec<Segment> {
        vec![Segment {
            start_s: 0.0,
            end_s: duration_s,
            part: Part::Public,
        }]
    }

    #[test]
    fn each_part_pools_its_segments_and_each_trial_is_also_scored_whole() {
        // One 1 s trial cut into [0, 0.5) public and [0.5, 1) private: each part's scores are
        // those of its window, the trial's its whole duration.
        let mut t = trial("x", None, &[0.1, 0.3, 0.6, 0.8]);
        t.segments = vec![
            Segment {
                start_s: 0.0,
                end_s: 0.5,
                part: Part::Public,
            },
            Segment {
                start_s: 0.5,
                end_s: 1.0,
                part: Part::Private,
            },
        ];
        let p = predict(&[("x", &[0.1, 0.6])]);
        let params = ScoringParams::default();
        let e = evaluate(std::slice::from_ref(&t), &p, &params);
        let on = |a: f64, b: f64| {
            trial_scores(&trial_stats(
                &t.recorded,
                &p.trials["x"],
                Window::new(a, b).unwrap(),
                &params,
            ))
        };
        assert_eq!(e.public, on(0.0, 0.5));
        assert_eq!(e.private, on(0.5, 1.0));
        assert_eq!(e.trials[0].scores, on(0.0, 1.0));
        // The public half is predicted on 1 of 2 spikes, as the private half: equal primaries
        // here, since both halves are shifted copies of each other.
        let (a, b) = (e.public.primary.unwrap(), e.private.primary.unwrap());
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    fn trial(id: &str, condition: Option<Condition>, spikes: &[f64]) -> HiddenTrial {
        HiddenTrial {
            id: id.into(),
            duration_s: 1.0,
            segments: public_whole(1.0),
            recorded: (0..4)
                .map(|k| {
                    // Four repeats, each spike jittered by k × 0.5 ms (inside Δ = 4 ms).
                    SpikeTrain::new(spikes.iter().map(|s| s + k as f64 * 5e-4).collect()).unwrap()
                })
                .collect(),
            condition,
        }
    }

    fn predict(by_trial: &[(&str, &[f64])]) -> Predictions {
        Predictions {
            trials: by_trial
                .iter()
                .map(|(id, s)| {
                    let train = SpikeTrain::new(s.to_vec()).unwrap();
                    (id.to_string(), Prediction::Repeats(vec![train]))
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// Two 10 ms trials, 2 recorded repeats each, one predicted repeat, Δ = 1.5 ms (±1 bin).
    /// Clustered: recorded spikes in bin 2 of both repeats, predicted in bin 2. Time-dispersed:
    /// recorded in bin 4 of both, predicted in bin 3.
    /// * Clustered AUC 1; tolerant: bins 1–3 score high, the positive ties 4 of 18 negatives
    ///   and beats 14: (14 + 2)/18 = 8/9.
    /// * Dispersed AUC: the positive (score 0) ties 16 negatives and loses to 2: 8/18 = 4/9;
    ///   tolerant: bins 2–4 high, it ties 4 and beats 14 of 18: (14 + 2)/18 = 8/9.
    /// * All: 4 positives × 36 negatives (34 at 0, 2 at the high score); the clustered
    ///   positives win 34 and tie 2 (35 each), the dispersed ones tie 34 (17 each):
    ///   (2·35 + 2·17)/144 = 13/18.
    #[test]
    fn per_bin_auc_by_hand() {
        let hidden = |id: &str, condition, at: f64| HiddenTrial {
            id: id.into(),
            segments: public_whole(0.01),
            duration_s: 0.01,
            recorded: vec![SpikeTrain::new(vec![at]).unwrap(); 2],
            condition: Some(condition),
        };
        let trials = [
            hidden("c", Condition::Clustered, 0.0025),
            hidden("t", Condition::TimeDispersed, 0.0045),
        ];
        let p = predict(&[("c", &[0.0025]), ("t", &[0.0035])]);
        let e = evaluate(&trials, &p, &ScoringParams::with_delta(0.0015));
        let c = e.public_conditions.clone().unwrap();
        let close = |m: &Metric, want: f64| {
            let got = *m.as_ref().unwrap();
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        };
        close(&c.bins_clustered.auc, 1.0);
        close(&c.bins_clustered.auc_tolerant, 8.0 / 9.0);
        close(&c.bins_dispersed.auc, 4.0 / 9.0);
        close(&c.bins_dispersed.auc_tolerant, 8.0 / 9.0);
        close(&c.bins.auc, 13.0 / 18.0);
        let names: Vec<String> = e
            .named(Part::Public, None)
            .into_iter()
            .map(|m| m.name)
            .collect();
        for key in ["auc", "auc_tolerant_clustered", "auc_dispersed"] {
            assert!(
                names.iter().any(|n| n == key),
                "{key} missing from {names:?}"
            );
        }
        // No conditions, no per-bin scores; a group without recorded spikes has no AUC.
        assert!(e.private_conditions.is_none());
        let silent = [HiddenTrial {
            recorded: vec![SpikeTrain::new(vec![]).unwrap(); 2],
            ..trials[0].clone()
        }];
        let e = evaluate(
            &silent,
            &predict(&[("c", &[0.0025])]),
            &ScoringParams::default(),
        );
        let reason = e.public_conditions.unwrap().bins.auc.unwrap_err().reason;
        assert!(
            reason.starts_with("ROC undefined: needs both spike and no-spike"),
            "{reason}"
        );
    }

    const FOUR: [f64; 4] = [0.1, 0.3, 0.5, 0.7];
    const TWO: [f64; 2] = [0.2, 0.6];

    fn paired() -> Vec<HiddenTrial> {
        vec![
            trial("c", Some(Condition::Clustered), &FOUR),
            trial("t", Some(Condition::TimeDispersed), &TWO),
            trial("s", Some(Condition::SpaceScattered), &TWO),
        ]
    }

    #[test]
    fn the_primary_interval_resamples_the_part_s_segments_and_is_stored_by_name() {
        let trials = paired();
        // Exact on the controls, nothing on the clustered trial: three public segments whose
        // primaries differ, so resampling them spreads the pooled primary.
        let p = predict(&[("c", &[]), ("t", &TWO), ("s", &TWO)]);
        let e = evaluate(&trials, &p, &ScoringParams::default());
        let iv = e.intervals();
        // The same bootstrap an auditor runs on the segments' statistics.
        let by_hand = bootstrap_over_trials(&e.public_segments, &PRIMARY_BOOTSTRAP).primary;
        assert_eq!(iv.public, by_hand);
        let i = iv.public.clone().unwrap();
        let primary = e.public.primary.clone().unwrap();
        assert!(i.low < i.high, "{i:?}");
        assert!(
            i.low <= primary && primary <= i.high,
            "{primary} outside {i:?}"
        );
        // Seeded: the same evaluation, the same interval bit for bit.
        assert_eq!(e.intervals(), iv);
        // No private segment: the interval says why there is none.
        assert!(iv.private.is_err(), "{:?}", iv.private);
        let named = e.named(Part::Public, Some(iv.of(Part::Public)));
        let value = |n: &str| named.iter().find(|m| m.name == n).and_then(|m| m.value);
        assert_eq!(value(PRIMARY_CI_LOW), Some(i.low));
        assert_eq!(value(PRIMARY_CI_HIGH), Some(i.high));
        let private = e.named(Part::Private, Some(iv.of(Part::Private)));
        let low = private.iter().find(|m| m.name == PRIMARY_CI_LOW).unwrap();
        assert!(low.value.is_none() && !low.note.is_empty(), "{low:?}");
    }

    #[test]
    fn conditions_are_scored_apart_and_the_gap_is_their_difference() {
        let trials = paired();
        // Exact on the controls, nothing on the clustered trial.
        let p = predict(&[("c", &[]), ("t", &TWO), ("s", &TWO)]);
        let e = evaluate(&trials, &p, &ScoringParams::default());
        let c = e.public_conditions.as_ref().unwrap();
        // The clustered side pools trial c only, the dispersed side trials t and s: the same
        // numbers as pooling those trials' statistics by hand.
        let stats = |t: &HiddenTrial| {
            trial_stats(
                &t.recorded,
                &p.trials[&t.id],
                Window::new(0.0, 1.0).unwrap(),
                &ScoringParams::default(),
            )
        };
        assert_eq!(c.clustered, pooled_scores(&[stats(&trials[0])]));
        assert_eq!(
            c.dispersed,
            pooled_scores(&[stats(&trials[1]), stats(&trials[2])])
        );
        assert_eq!(c.time_dispersed, pooled_scores(&[stats(&trials[1])]));
        assert_eq!(c.space_scattered, pooled_scores(&[stats(&trials[2])]));
        let (pc, pd) = (
            c.clustered.primary.clone().unwrap(),
            c.dispersed.primary.clone().unwrap(),
        );
        assert!(pd > 0.5 && pc <= 0.0, "dispersed {pd}, clustered {pc}");
        assert_eq!(c.clustering_gap, Ok(pd - pc));
        // Recorded rates: clustered 4 Hz, controls 2 Hz; predicted 0 Hz and 2 Hz:
        // (0 − 2) / (4 − 2) = −1.
        assert_eq!(c.effect_reproduced, Ok(-1.0));
        assert!(e.private_conditions.is_none(), "no private trials");
    }

    /// Issue 20: on one drawn hidden seed the board's clustered primary was undefined and a
    /// consumer that expected a number crashed. It is undefined whenever the recorded repeats
    /// have no coincidence with each other in the part's clustered segments (here: no recorded
    /// spike there at all), since the null and the ceiling then have nothing to measure; the
    /// scores carry the reason, the gap is undefined with it, and every other score stays.
    #[test]
    fn a_silent_clustered_part_leaves_the_clustered_primary_undefined_with_its_reason() {
        let mut trials = paired();
        trials[0].recorded = (0..4).map(|_| SpikeTrain::new(vec![]).unwrap()).collect();
        let p = predict(&[("c", &FOUR), ("t", &TWO), ("s", &TWO)]);
        let e = evaluate(&trials, &p, &ScoringParams::default());
        let c = e.public_conditions.as_ref().unwrap();
        let why = c.clustered.primary.clone().unwrap_err().reason;
        assert!(why.contains("no coincidences"), "{why}");
        assert!(c.dispersed.primary.is_ok());
        let gap = c.clustering_gap.clone().unwrap_err().reason;
        assert!(gap.contains("no coincidences"), "{gap}");
        assert!(
            e.public.primary.is_ok(),
            "the part's primary pools every trial"
        );
        let named = e.named(Part::Public, None);
        let find = |name: &str| named.iter().find(|m| m.name == name).unwrap().clone();
        for name in ["primary_clustered", "clustering_gap"] {
            let m = find(name);
            assert_eq!(m.value, None, "{name}");
            assert!(m.note.contains("no coincidences"), "{name}: {}", m.note);
        }
        assert!(find("primary_dispersed").value.is_some());
    }

    #[test]
    fn the_effect_share_is_one_for_the_truth_and_zero_for_equal_rates() {
        let trials = paired();
        let truth = predict(&[("c", &FOUR), ("t", &TWO), ("s", &TWO)]);
        let e = evaluate(&trials, &truth, &ScoringParams::default());
        assert_eq!(e.public_conditions.unwrap().effect_reproduced, Ok(1.0));
        let flat = predict(&[
            ("c", &[0.1, 0.5, 0.9]),
            ("t", &[0.1, 0.5, 0.9]),
            ("s", &[0.1, 0.5, 0.9]),
        ]);
        let e = evaluate(&trials, &flat, &ScoringParams::default());
        assert_eq!(e.public_conditions.unwrap().effect_reproduced, Ok(0.0));
        // Equal recorded rates leave the share undefined, with the reason.
        let same = vec![
            trial("c", Some(Condition::Clustered), &TWO),
            trial("t", Some(Condition::TimeDispersed), &TWO),
        ];
        let e = evaluate(
            &same,
            &predict(&[("c", &TWO), ("t", &TWO)]),
            &ScoringParams::default(),
        );
        let err = e.public_conditions.unwrap().effect_reproduced.unwrap_err();
        assert!(err.reason.contains("rates are equal"), "{}", err.reason);
    }

    #[test]
    fn named_scores_carry_the_condition_keys_only_for_paired_designs() {
        let keys = |e: &Evaluation| -> Vec<String> {
            e.named(Part::Public, None)
                .into_iter()
                .map(|m| m.name)
                .collect()
        };
        let paired = evaluate(
            &paired(),
            &predict(&[("c", &FOUR), ("t", &TWO), ("s", &TWO)]),
            &ScoringParams::default(),
        );
        let k = keys(&paired);
        assert_eq!(k[0], "primary");
        assert_eq!(
            &k[k.len() - 12..],
            [
                "primary_clustered",
                "primary_dispersed",
                "primary_time_dispersed",
                "primary_space_scattered",
                "clustering_gap",
                "clustering_effect_reproduced",
                "auc",
                "auc_tolerant",
                "auc_clustered",
                "auc_tolerant_clustered",
                "auc_dispersed",
                "auc_tolerant_dispersed",
            ]
        );
        let plain = evaluate(
            &[trial("x", None, &TWO)],
            &predict(&[("x", &TWO)]),
            &ScoringParams::default(),
        );
        assert!(plain.public_conditions.is_none());
        assert_eq!(keys(&plain).len(), 8);
    }
}
