//! The effect check: do clusters make a difference?
//!
//! A clustered-input dataset is only worth publishing if its clustered trials drive the cell
//! differently from their paired controls; otherwise a point neuron that sums its inputs
//! linearly loses nothing and the challenge measures nothing new. The check compares the
//! clustered condition with each control separately (synchrony: time-dispersed; spatial
//! clustering: space-scattered).
//!
//! Counts. The unit of the paired test is a segment of `segment_s` of one trial; its value is
//! the number of output spikes in that segment summed over the K repeats. Repeats of one
//! trial share its input, so they are not independent samples of the input; segments of the
//! trial (and different trials) are, to the extent that the background's slow modulation
//! (τ of the log-rate) is shorter than a segment. The difference clustered − control per unit
//! is tested with the two-sided Wilcoxon signed-rank test ([`super::stats`]); the sign test is
//! reported beside it.
//!
//! Timing. The coincidence factor Γ (Kistler et al. 1997, Δ = `coincidence_delta_s`) between
//! the clustered repeats and the control repeats of a trial is compared with the intrinsic
//! reliability R of the clustered repeats (mean Γ between different clustered repeats): a
//! control whose spikes come at the clustered condition's times would reach Γ ≈ R.

use super::DendriticError;
use super::stats::{SignedRank, sign_test, wilcoxon_signed_rank};
use arena_challenge_core::trial::Condition;
use arena_scoring::coincidence::{intrinsic_reliability, mean_gamma};
use arena_scoring::train::{SpikeTrain, Window};
use serde::{Deserialize, Serialize};

/// Parameters of the check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectOptions {
    /// Significance level of each of the two count tests.
    pub alpha: f64,
    /// Length of the paired units, s.
    pub segment_s: f64,
    /// Precision Δ of the coincidence factor, s (0.004 in the INCF competition).
    pub coincidence_delta_s: f64,
}

/// The output spike trains of one paired trial: `spikes_s[c][i]` is repeat i of
/// [`Condition::ALL`]`[c]`, spike times in s.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialSpikes {
    /// Duration of the trial, s.
    pub duration_s: f64,
    /// Spike times per condition and repeat, s.
    pub spikes_s: [Vec<Vec<f64>>; 3],
}

/// Clustered versus one control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlEffect {
    /// The control.
    pub control: Condition,
    /// Output spikes of the control over all trials and repeats.
    pub spikes: usize,
    /// Its mean firing rate, Hz.
    pub rate_hz: f64,
    /// Mean over units of (clustered − control) spike count, summed over repeats.
    pub mean_count_difference: f64,
    /// Wilcoxon signed-rank test of the per-unit differences.
    pub wilcoxon: SignedRank,
    /// Two-sided sign test p-value of the same differences.
    pub sign_test_p: f64,
    /// Mean Γ between clustered and control repeats (clustered as data), averaged over
    /// trials where it is defined; `None` if it is undefined in every trial.
    pub gamma_vs_clustered: Option<f64>,
}

/// What the generator prints about a dataset's clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectReport {
    /// Significance level used.
    pub alpha: f64,
    /// Number of paired units (trial segments).
    pub units: usize,
    /// Output spikes of the clustered condition over all trials and repeats.
    pub clustered_spikes: usize,
    /// Its mean firing rate, Hz.
    pub clustered_rate_hz: f64,
    /// Intrinsic reliability R of the clustered repeats (mean Γ between distinct repeats),
    /// averaged over trials where it is defined.
    pub clustered_reliability: Option<f64>,
    /// Clustered versus time-dispersed (the effect of synchrony).
    pub time_dispersed: ControlEffect,
    /// Clustered versus space-scattered (the effect of spatial clustering).
    pub space_scattered: ControlEffect,
}

fn invalid(key: &str, value: impl ToString, problem: &str) -> DendriticError {
    DendriticError::InvalidKey {
        key: key.into(),
        value: value.to_string(),
        problem: problem.into(),
    }
}

/// Spike counts per unit (trial segment), summed over repeats, for condition `c`.
fn unit_counts(trials: &[TrialSpikes], c: usize, segment_s: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for t in trials {
        let n_seg = (t.duration_s / segment_s).floor() as usize;
        let mut counts = vec![0.0; n_seg];
        for rep in &t.spikes_s[c] {
            for &s in rep {
                let k = (s / segment_s).floor();
                if k >= 0.0 && (k as usize) < n_seg {
                    counts[k as usize] += 1.0;
                }
            }
        }
        out.extend(counts);
    }
    out
}

/// Mean over trials of a per-trial metric, skipping trials where it is undefined.
fn mean_defined(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn trains(times: &[Vec<f64>]) -> Result<Vec<SpikeTrain>, DendriticError> {
    times
        .iter()
        .map(|t| {
            SpikeTrain::new(t.clone())
                .map_err(|e| invalid("spikes_s", "", &format!("not a spike train: {e}")))
        })
        .collect()
}

/// Compares the clustered condition with both controls over `trials`.
///
/// # Errors
/// [`DendriticError::InvalidKey`] for invalid options or trials (no trial, different numbers
/// of repeats per condition, trials shorter than one segment); [`DendriticError::NoEffect`]
/// when either count difference is not significant at `alpha`;
/// [`DendriticError::ClustersLose`] when both are significant but a control drives the cell
/// harder than the clusters (a cell that rewards synchrony or dispersion, not clustering:
/// the family would then not test what it claims to).
pub fn check_effect(
    trials: &[TrialSpikes],
    options: &EffectOptions,
) -> Result<EffectReport, DendriticError> {
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(invalid("alpha", options.alpha, "must lie in (0, 1)"));
    }
    if !(options.segment_s > 0.0 && options.segment_s.is_finite()) {
        return Err(invalid("segment_s", options.segment_s, "must be > 0"));
    }
    if !(options.coincidence_delta_s > 0.0 && options.coincidence_delta_s.is_finite()) {
        return Err(invalid(
            "coincidence_delta_s",
            options.coincidence_delta_s,
            "must be > 0",
        ));
    }
    if trials.is_empty() {
        return Err(invalid("trials", 0, "need at least one paired trial"));
    }
    for (j, t) in trials.iter().enumerate() {
        let k = t.spikes_s[0].len();
        if k == 0 || t.spikes_s.iter().any(|c| c.len() != k) {
            return Err(invalid(
                &format!("trials[{j}].spikes_s"),
                format!("{:?}", t.spikes_s.each_ref().map(Vec::len)),
                "every condition needs the same number (>= 1) of repeats",
            ));
        }
        if t.duration_s < options.segment_s {
            return Err(invalid(
                &format!("trials[{j}].duration_s"),
                t.duration_s,
                "shorter than one segment",
            ));
        }
    }
    let total_time_s: f64 = trials
        .iter()
        .map(|t| t.duration_s * t.spikes_s[0].len() as f64)
        .sum();
    let spikes = |c: usize| -> usize {
        trials
            .iter()
            .map(|t| t.spikes_s[c].iter().map(Vec::len).sum::<usize>())
            .sum()
    };
    let clustered_counts = unit_counts(trials, 0, options.segment_s);
    let window = |t: &TrialSpikes| {
        Window::new(0.0, t.duration_s)
            .map_err(|e| invalid("duration_s", t.duration_s, &e.to_string()))
    };
    let mut clustered_reliability = Vec::new();
    for t in trials {
        let r = intrinsic_reliability(
            &trains(&t.spikes_s[0])?,
            window(t)?,
            options.coincidence_delta_s,
        );
        clustered_reliability.push(r.ok());
    }
    let mut controls = Vec::new();
    for c in [1, 2] {
        let counts = unit_counts(trials, c, options.segment_s);
        let diffs: Vec<f64> = clustered_counts
            .iter()
            .zip(&counts)
            .map(|(a, b)| a - b)
            .collect();
        let mut gammas = Vec::new();
        for t in trials {
            let g = mean_gamma(
                &trains(&t.spikes_s[0])?,
                &trains(&t.spikes_s[c])?,
                window(t)?,
                options.coincidence_delta_s,
            );
            gammas.push(g.ok());
        }
        let n = spikes(c);
        controls.push(ControlEffect {
            control: Condition::ALL[c],
            spikes: n,
            rate_hz: n as f64 / total_time_s,
            mean_count_difference: diffs.iter().sum::<f64>() / diffs.len() as f64,
            wilcoxon: wilcoxon_signed_rank(&diffs),
            sign_test_p: sign_test(&diffs),
            gamma_vs_clustered: mean_defined(gammas.into_iter()),
        });
    }
    let [time_dispersed, space_scattered]: [ControlEffect; 2] =
        controls.try_into().expect("two controls");
    let report = EffectReport {
        alpha: options.alpha,
        units: clustered_counts.len(),
        clustered_spikes: spikes(0),
        clustered_rate_hz: spikes(0) as f64 / total_time_s,
        clustered_reliability: mean_defined(clustered_reliability.into_iter()),
        time_dispersed,
        space_scattered,
    };
    let controls = [&report.time_dispersed, &report.space_scattered];
    if controls.iter().any(|c| c.wilcoxon.p_value >= options.alpha) {
        return Err(DendriticError::NoEffect(Box::new(report)));
    }
    if controls.iter().any(|c| c.mean_count_difference <= 0.0) {
        return Err(DendriticError::ClustersLose(Box::new(report)));
    }
    Ok(report)
}

impl std::fmt::Display for EffectReport {
    /// One line per condition, as the dataset generator prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let opt = |v: Option<f64>| v.map_or("undefined".to_string(), |v| format!("{v:.3}"));
        writeln!(
            f,
            "clustered: {} spikes ({:.2} Hz), reliability R = {}",
            self.clustered_spikes,
            self.clustered_rate_hz,
            opt(self.clustered_reliability)
        )?;
        for c in [&self.time_dispersed, &self.space_scattered] {
            writeln!(
                f,
                "{}: {} spikes ({:.2} Hz), clustered − control = {:+.2} spikes per unit \
                 (n = {}, Wilcoxon p = {:.3e}, sign test p = {:.3e}), Γ vs clustered = {}",
                c.control.as_str(),
                c.spikes,
                c.rate_hz,
                c.mean_count_difference,
                c.wilcoxon.n,
                c.wilcoxon.p_value,
                c.sign_test_p,
                opt(c.gamma_vs_clustered)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: EffectOptions = EffectOptions {
        alpha: 0.05,
        segment_s: 0.5,
        coincidence_delta_s: 0.004,
    };

    /// Two repeats per condition over `duration_s`: clustered fires at 0.1 and 0.3 s into
    /// every half second, the time-dispersed control only at 0.1 s, the space-scattered
    /// control at 0.1 s plus one extra spike in the first half second.
    fn trial(duration_s: f64) -> TrialSpikes {
        let n = (duration_s / 0.5) as usize;
        let at = |offsets: &[f64]| -> Vec<f64> {
            (0..n)
                .flat_map(|k| offsets.iter().map(move |o| k as f64 * 0.5 + o))
                .collect()
        };
        let mut scattered = at(&[0.1]);
        scattered.insert(1, 0.2);
        TrialSpikes {
            duration_s,
            spikes_s: [
                vec![at(&[0.1, 0.3]); 2],
                vec![at(&[0.1]); 2],
                vec![scattered; 2],
            ],
        }
    }

    #[test]
    fn six_units_all_positive_pass_at_five_percent() {
        // 3 s → 6 units. Per unit (summed over 2 repeats): clustered 4, time-dispersed 2 →
        // six differences of +2: W⁺ = 21 (all ties → normal approximation):
        // var = 6·7·13/24 − (6³ − 6)/48 = 22.75 − 4.375 = 18.375, z = (10.5 − 0.5)/√18.375
        // = 2.3328, p = 0.01966. Sign test: 2/64 = 0.03125.
        let r = check_effect(&[trial(3.0)], &OPTIONS).unwrap();
        assert_eq!(r.units, 6);
        assert_eq!(r.clustered_spikes, 24);
        assert_eq!(r.time_dispersed.spikes, 12);
        assert_eq!(r.clustered_rate_hz, 24.0 / 6.0);
        assert_eq!(r.time_dispersed.mean_count_difference, 2.0);
        assert_eq!(r.time_dispersed.wilcoxon.w_plus, 21.0);
        assert!((r.time_dispersed.wilcoxon.p_value - 0.019_66).abs() < 1e-4);
        assert_eq!(r.time_dispersed.sign_test_p, 2.0 / 64.0);
        // Space-scattered: unit 0 has 4 − 4 = 0 (dropped), the other five +2:
        // W⁺ = 15, n = 5, var = 5·6·11/24 − (125 − 5)/48 = 13.75 − 2.5 = 11.25,
        // z = (7.5 − 0.5)/√11.25 = 2.0870, p = 0.03689.
        assert_eq!(r.space_scattered.spikes, 14);
        assert_eq!(r.space_scattered.wilcoxon.n, 5);
        assert!((r.space_scattered.wilcoxon.p_value - 0.036_89).abs() < 1e-4);
        // Timing: every time-dispersed spike coincides with a clustered one. Γ (clustered as
        // data, 12 spikes; control 6 spikes in 3 s, ν = 2 Hz): (6 − 2·2·0.004·12)/(½·18)
        // /(1 − 2·2·0.004) = (6 − 0.192)/9/0.984 = 0.655827.
        let g = r.time_dispersed.gamma_vs_clustered.unwrap();
        assert!((g - 0.655_827).abs() < 1e-6, "{g}");
        // Identical clustered repeats: R = (12 − 2·4·0.004·12)/12/(1 − 2·4·0.004) = 1.
        assert!((r.clustered_reliability.unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn four_units_are_not_enough_and_the_error_says_so() {
        // 2 s → 4 units of +2: var = 4·5·9/24 − 60/48 = 7.5 − 1.25 = 6.25, z = (5 − 0.5)/2.5
        // = 1.8, p = 0.0719 > 0.05.
        let e = check_effect(&[trial(2.0)], &OPTIONS).unwrap_err();
        let DendriticError::NoEffect(r) = &e else {
            panic!("{e}")
        };
        assert!((r.time_dispersed.wilcoxon.p_value - 0.071_86).abs() < 1e-4);
        assert!(
            e.to_string().starts_with(
                "clusters make no difference: clustered 16 spikes vs time-dispersed 8 (p = 7.186e-2)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_control_that_wins_is_refused() {
        // Swap roles: the "clustered" condition fires half as much as both controls.
        let mut t = trial(3.0);
        t.spikes_s.swap(0, 1);
        t.spikes_s[2] = t.spikes_s[1].clone();
        let e = check_effect(&[t], &OPTIONS).unwrap_err();
        assert!(matches!(e, DendriticError::ClustersLose(_)), "{e}");
        assert!(
            e.to_string().starts_with(
                "the cell rewards the controls, not clustering: clustered 12 spikes vs \
                 time-dispersed 24 (p = 1.966e-2), space-scattered 24 (p = 1.966e-2)"
            ),
            "{e}"
        );
    }

    #[test]
    fn malformed_input_is_named() {
        let mut t = trial(2.0);
        t.spikes_s[2].pop();
        let e = check_effect(&[t], &OPTIONS).unwrap_err();
        assert!(
            e.to_string().starts_with("trials[0].spikes_s = [2, 2, 1]"),
            "{e}"
        );
        let short = TrialSpikes {
            duration_s: 0.4,
            spikes_s: [vec![vec![0.1]], vec![vec![]], vec![vec![]]],
        };
        let e = check_effect(&[short], &OPTIONS).unwrap_err();
        assert!(e.to_string().contains("shorter than one segment"), "{e}");
        let bad = EffectOptions {
            alpha: 1.5,
            ..OPTIONS
        };
        assert!(
            check_effect(&[trial(2.0)], &bad)
                .unwrap_err()
                .to_string()
                .starts_with("alpha")
        );
    }
}
