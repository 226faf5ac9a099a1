//! The primary ranking score and the per-trial statistics it is pooled from.
//!
//! ```text
//! primary = (Md* − Md*_null) / (Md*_ceiling − Md*_null)
//! ```
//!
//! * Md* (Naud et al. 2011, see [`crate::naud`]) is bias-corrected on both sides: unbiased
//!   within-set norms on the recorded and (for N_M ≥ 2) the predicted side.
//! * Md*_null = a/√(norm_D·c) is the best Md* a homogeneous Poisson prediction reaches at
//!   *any* rate (closed form, [`crate::naud::md_star_null`]). Using the data's own rate instead
//!   would leave room for gaming: a Poisson train at 2–4× the data rate then scores clearly
//!   above 0. With the maximum over rates, no constant-rate prediction beats 0 in expectation.
//! * Md*_ceiling is the data scored against itself: for balanced bipartitions (A, B) of the
//!   N_D recorded repeats (sizes ⌊N_D/2⌋ and ⌈N_D/2⌉), Md*(A, B) with unbiased norms on both
//!   sides, averaged over splits. Unbiasedness makes this an estimate of what a perfect
//!   stochastic model would reach with all N_D repeats, so held-out repeats score about 1.
//!   All splits are used when there are at most 64 of them (N_D ≤ 8: 3, 10, 10, 35, 35 for
//!   N_D = 4..8); otherwise 64 distinct splits are drawn with ChaCha8 seeded by
//!   [`SPLIT_SEED`], by a partial Fisher–Yates shuffle written out here (so the choice cannot
//!   change with a `rand` upgrade).
//!
//! # Evidence (simulation)
//! `cargo run --release -p arena-scoring --example rate_sweep`: a noisy rate-modulated neuron
//! (3 trials × 20 s, 8.2 Hz; events fire with probability 0.75, ±1.5 ms jitter, 1.5 Hz
//! background), Δ = 4 ms, mean ± s.d. over 20 seeds. The right column uses a null at the
//! data's rate instead of the best rate, for contrast.
//!
//! ```text
//! prediction                                      primary primary, data-rate null
//! held-out repeats (N_D = N_M = 4)         +0.996 ± 0.013          +0.996 ± 0.011
//! held-out repeats (N_D = N_M = 6)         +0.999 ± 0.007          +0.999 ± 0.006
//! held-out repeats (N_D = N_M = 10)        +1.001 ± 0.004          +1.001 ± 0.004
//! held-out repeats (N_D = N_M = 20)        +1.000 ± 0.002          +1.000 ± 0.002
//! Poisson 1.0 Hz, 10 repeats               -0.434 ± 0.006          -0.198 ± 0.005
//! Poisson 4.1 Hz, 10 repeats               -0.325 ± 0.012          -0.107 ± 0.010
//! Poisson 8.2 Hz, 10 repeats               -0.199 ± 0.009          -0.001 ± 0.007
//! Poisson 16.4 Hz, 10 repeats              -0.047 ± 0.014          +0.126 ± 0.012
//! Poisson 24.6 Hz, 10 repeats              -0.002 ± 0.011          +0.163 ± 0.009
//! Poisson 30.0 Hz, 10 repeats              -0.005 ± 0.012          +0.161 ± 0.010
//! Poisson 50.0 Hz, 10 repeats              -0.086 ± 0.007          +0.093 ± 0.005
//! Poisson 124.9 Hz, 10 repeats             -0.285 ± 0.003          -0.073 ± 0.002
//! Poisson 125.1 Hz, 10 repeats             -0.285 ± 0.004          -0.073 ± 0.003
//! Poisson 130.0 Hz, 10 repeats             -0.292 ± 0.004          -0.079 ± 0.003
//! Poisson 500.0 Hz, 10 repeats             -0.422 ± 0.005          -0.188 ± 0.003
//! Poisson 8.2 Hz, 1 repeat (deterministic)   -0.354 ± 0.020          -0.131 ± 0.017
//! ```
//!
//! (1) Bias correction: held-out repeats score 1.00 whether there are 4 or 20 of them.
//! (2) Chance correction: no constant rate scores above 0 (the best, near r* ≈ 3× the data
//! rate, reaches −0.002 ± 0.011), including rates at and above 1/(2Δ) = 125 Hz, where Γ
//! would be singular. With a data-rate null, 2–4× the data rate scores +0.13 to +0.16.
//! (3) Ceiling: held-out repeats score 1 ± 0.01. (4) No singularity (Md* has none; the
//! score is smooth across 124.9/125.1 Hz) and no reward for wrong rates: the score falls on
//! both sides of r*.
//!
//! # Pooling trials
//! A challenge has several test trials, each with its own window and repeats. Every quantity
//! above is a sum over time, so trials are pooled by summing their parts: cross, norm_D,
//! norm_M, a, c, and for split index s the split's cross, norm_A, norm_B. Pooled Md*_null is
//! then the best *single* constant rate over all trials. Trials with different N_D have
//! different numbers of splits; splits are pooled by index over the smallest number of splits
//! among the trials (split s of every trial is pooled with split s of every other). Γ and R are
//! not additive and are averaged over trials.

use crate::coincidence::{intrinsic_reliability, mean_gamma};
use crate::metric::{
    Metric, Undefined, finite, mean_of, number_or_null, number_or_reason, undefined,
};
use crate::naud::{
    cross_product, inner_product, md_star, md_star_null, poisson_cross_per_rate,
    poisson_norm_per_rate2, set_norm,
};
use crate::resample;
use crate::train::{SpikeTrain, Window};
use serde::{Deserialize, Serialize};

/// Seed of the ChaCha8 generator that draws ceiling splits when there are more than 64.
pub const SPLIT_SEED: u64 = 0x5A11_2011_3016_0004;

/// Maximum number of bipartitions used for the ceiling.
pub const MAX_SPLITS: usize = 64;

/// Parameters of the core scores.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoringParams {
    /// Coincidence precision Δ (seconds) for Γ and the Md* kernel. Default 0.004 (INCF 2009).
    pub delta_s: f64,
}

impl Default for ScoringParams {
    fn default() -> Self {
        ScoringParams { delta_s: 0.004 }
    }
}

impl ScoringParams {
    /// Checks the parameters (Δ finite and positive), naming the field.
    ///
    /// # Errors
    /// The reason, e.g. "delta_s must be finite and positive, got -0.004".
    pub fn validate(&self) -> Result<(), Undefined> {
        positive(self.delta_s, "delta_s")
    }
}

/// `Ok` when `value` is finite and positive, else an error naming `field`.
pub(crate) fn positive(value: f64, field: &str) -> Result<(), Undefined> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        undefined(format!("{field} must be finite and positive, got {value}"))
    }
}

/// The PSTH products of one bipartition of the recorded repeats.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitStats {
    /// cross between the halves A and B.
    pub cross: f64,
    /// Unbiased norm of half A.
    pub norm_a: f64,
    /// Unbiased norm of half B.
    pub norm_b: f64,
}

/// Additive per-trial statistics from which every pooled score is computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialStats {
    /// Window duration T, seconds.
    pub duration_s: f64,
    /// Number of recorded repeats N_D.
    pub n_recorded: usize,
    /// Number of predicted repeats N_M.
    pub n_predicted: usize,
    /// Total recorded spikes in the window (all repeats).
    pub recorded_spikes: usize,
    /// Total predicted spikes in the window (all repeats).
    pub predicted_spikes: usize,
    /// Mean Γ over recorded × predicted pairs.
    #[serde(with = "number_or_reason")]
    pub coincidence_factor: Metric,
    /// Intrinsic reliability R.
    #[serde(with = "number_or_reason")]
    pub intrinsic_reliability: Metric,
    /// cross = ⟨ν_D, ν_M⟩ estimate (pair count).
    #[serde(with = "number_or_reason")]
    pub cross: Metric,
    /// Unbiased ‖ν_D‖² estimate (pair count).
    #[serde(with = "number_or_reason")]
    pub norm_recorded: Metric,
    /// ‖ν_M‖² estimate (pair count; ⟨M,M⟩ for one predicted repeat).
    #[serde(with = "number_or_reason")]
    pub norm_predicted: Metric,
    /// Poisson-null a (seconds), see [`crate::naud::poisson_cross_per_rate`].
    pub null_a: f64,
    /// Poisson-null c (seconds²), see [`crate::naud::poisson_norm_per_rate2`].
    pub null_c: f64,
    /// Per-split products for the ceiling (empty when N_D < 4).
    pub splits: Vec<SplitStats>,
}

/// The scores the foundation reports, per trial and pooled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoreScores {
    /// Mean Γ over data × prediction pairs (pooled: mean over trials).
    #[serde(with = "number_or_null")]
    pub coincidence_factor: Metric,
    /// Intrinsic reliability R (pooled: mean over trials).
    #[serde(with = "number_or_null")]
    pub intrinsic_reliability: Metric,
    /// Γ / R.
    #[serde(with = "number_or_null")]
    pub gamma_over_r: Metric,
    /// Md* (Naud et al. 2011).
    #[serde(with = "number_or_null")]
    pub md_star: Metric,
    /// Best Md* of any constant-rate prediction.
    #[serde(with = "number_or_null")]
    pub md_star_null: Metric,
    /// Md* of the recorded repeats against each other (leave-repeats-out).
    #[serde(with = "number_or_null")]
    pub md_star_ceiling: Metric,
    /// (Md* − null) / (ceiling − null).
    #[serde(with = "number_or_null")]
    pub primary: Metric,
}

/// The JSON keys of [`CoreScores`], in declaration order.
pub const CORE_KEYS: [&str; 7] = [
    "coincidence_factor",
    "intrinsic_reliability",
    "gamma_over_r",
    "md_star",
    "md_star_null",
    "md_star_ceiling",
    "primary",
];

impl CoreScores {
    /// Every score with its JSON key ([`CORE_KEYS`]), in declaration order (for `notes` maps).
    pub fn entries(&self) -> [(&'static str, &Metric); 7] {
        let values = [
            &self.coincidence_factor,
            &self.intrinsic_reliability,
            &self.gamma_over_r,
            &self.md_star,
            &self.md_star_null,
            &self.md_star_ceiling,
            &self.primary,
        ];
        std::array::from_fn(|k| (CORE_KEYS[k], values[k]))
    }
}

/// Computes the additive statistics of one trial. Spikes outside `window` are ignored.
/// `params` must pass [`ScoringParams::validate`] (checked in debug builds).
pub fn trial_stats(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    window: Window,
    params: &ScoringParams,
) -> TrialStats {
    debug_assert!(params.validate().is_ok(), "{:?}", params.validate());
    let delta = params.delta_s;
    let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
    let pred: Vec<SpikeTrain> = predicted.iter().map(|t| t.within(window)).collect();
    let gram = gram_matrix(&rec, delta);
    TrialStats {
        duration_s: window.duration_s(),
        n_recorded: rec.len(),
        n_predicted: pred.len(),
        recorded_spikes: rec.iter().map(SpikeTrain::len).sum(),
        predicted_spikes: pred.iter().map(SpikeTrain::len).sum(),
        coincidence_factor: mean_gamma(&rec, &pred, window, delta),
        intrinsic_reliability: intrinsic_reliability(&rec, window, delta),
        cross: cross_product(&rec, &pred, delta),
        norm_recorded: set_norm(&rec, delta, false),
        norm_predicted: set_norm(&pred, delta, true),
        null_a: poisson_cross_per_rate(&rec, window, delta),
        null_c: poisson_norm_per_rate2(window, delta),
        splits: balanced_splits(rec.len())
            .iter()
            .map(|in_a| split_stats(&gram, in_a))
            .collect(),
    }
}

/// Scores of one trial.
pub fn trial_scores(stats: &TrialStats) -> CoreScores {
    pooled_scores(std::slice::from_ref(stats))
}

/// Scores of all trials pooled (sums of additive parts; Γ and R as means over trials).
pub fn pooled_scores(stats: &[TrialStats]) -> CoreScores {
    if stats.is_empty() {
        let none: Metric = undefined("undefined: no trials to score");
        return CoreScores {
            coincidence_factor: none.clone(),
            intrinsic_reliability: none.clone(),
            gamma_over_r: none.clone(),
            md_star: none.clone(),
            md_star_null: none.clone(),
            md_star_ceiling: none.clone(),
            primary: none,
        };
    }
    let gamma = mean_of(
        stats.iter().map(|s| s.coincidence_factor.clone()),
        "coincidence factor",
    );
    let r = mean_of(
        stats.iter().map(|s| s.intrinsic_reliability.clone()),
        "intrinsic reliability",
    );
    let gamma_over_r = match (&gamma, &r) {
        (Ok(g), Ok(r)) if *r > 0.0 => finite(g / r, "Γ/R"),
        (Ok(_), Ok(r)) => undefined(format!(
            "Γ/R undefined: intrinsic reliability R = {r:.4} is not positive"
        )),
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    let md = pooled_md_star(stats);
    let null = pooled_null(stats);
    let ceiling = pooled_ceiling(stats);
    let primary = primary_score(&md, &null, &ceiling);
    CoreScores {
        coincidence_factor: gamma,
        intrinsic_reliability: r,
        gamma_over_r,
        md_star: md,
        md_star_null: null,
        md_star_ceiling: ceiling,
        primary,
    }
}

/// (Md* − null) / (ceiling − null), undefined when any piece is or when ceiling ≤ null.
pub fn primary_score(md: &Metric, null: &Metric, ceiling: &Metric) -> Metric {
    let (md, null, ceiling) = (md.clone()?, null.clone()?, ceiling.clone()?);
    if ceiling <= null {
        return undefined(format!(
            "primary undefined: the data's ceiling Md* = {ceiling:.4} does not exceed the \
             constant-rate null {null:.4} (the recorded repeats carry no timing information \
             beyond their rate)"
        ));
    }
    finite((md - null) / (ceiling - null), "primary")
}

fn sum_metric(stats: &[TrialStats], part: impl Fn(&TrialStats) -> &Metric) -> Metric {
    stats.iter().map(|s| part(s).clone()).sum()
}

fn pooled_md_star(stats: &[TrialStats]) -> Metric {
    md_star(
        sum_metric(stats, |s| &s.cross)?,
        sum_metric(stats, |s| &s.norm_recorded)?,
        sum_metric(stats, |s| &s.norm_predicted)?,
    )
}

fn pooled_null(stats: &[TrialStats]) -> Metric {
    md_star_null(
        sum_metric(stats, |s| &s.norm_recorded)?,
        stats.iter().map(|s| s.null_a).sum(),
        stats.iter().map(|s| s.null_c).sum(),
    )
}

fn pooled_ceiling(stats: &[TrialStats]) -> Metric {
    let n_splits = stats.iter().map(|s| s.splits.len()).min().unwrap_or(0);
    if n_splits == 0 {
        let fewest = stats.iter().map(|s| s.n_recorded).min().unwrap_or(0);
        return undefined(format!(
            "Md*_ceiling undefined: needs at least 4 recorded repeats per trial (2 per side), \
             got {fewest}"
        ));
    }
    mean_of(
        (0..n_splits).map(|s| {
            let part = |f: fn(&SplitStats) -> f64| stats.iter().map(|t| f(&t.splits[s])).sum();
            md_star(part(|x| x.cross), part(|x| x.norm_a), part(|x| x.norm_b))
        }),
        "Md*_ceiling",
    )
}

/// Symmetric matrix G_ij = ⟨D_i, D_j⟩ for i ≠ j (diagonal unused, left 0).
fn gram_matrix(trains: &[SpikeTrain], delta_s: f64) -> Vec<Vec<f64>> {
    let n = trains.len();
    let mut g = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let v = inner_product(trains[i].times(), trains[j].times(), delta_s) as f64;
            g[i][j] = v;
            g[j][i] = v;
        }
    }
    g
}

/// Products of one split from the Gram matrix: `in_a[i]` tells whether repeat i is in A.
fn split_stats(gram: &[Vec<f64>], in_a: &[bool]) -> SplitStats {
    let (mut cross, mut aa, mut bb) = (0.0, 0.0, 0.0);
    let n_a = in_a.iter().filter(|&&x| x).count() as f64;
    let n_b = in_a.len() as f64 - n_a;
    for (i, row) in gram.iter().enumerate() {
        for (j, &g) in row.iter().enumerate() {
            if i == j {
                continue;
            }
            match (in_a[i], in_a[j]) {
                (true, true) => aa += g,
                (false, false) => bb += g,
                (true, false) => cross += g,
                (false, true) => {}
            }
        }
    }
    SplitStats {
        cross: cross / (n_a * n_b),
        norm_a: aa / (n_a * (n_a - 1.0)),
        norm_b: bb / (n_b * (n_b - 1.0)),
    }
}

/// The balanced bipartitions used for the ceiling, as membership masks of A (|A| = ⌊n/2⌋).
/// For even n, A always contains repeat 0, so each unordered split appears once.
/// Empty when n < 4.
pub fn balanced_splits(n: usize) -> Vec<Vec<bool>> {
    if n < 4 {
        return Vec::new();
    }
    let k = n / 2;
    let all = enumerate_splits(n, k, MAX_SPLITS + 1);
    if all.len() <= MAX_SPLITS {
        return all;
    }
    draw_splits(n, k)
}

/// Lexicographic k-subsets of 0..n (containing 0 when n = 2k), stopping after `limit`.
fn enumerate_splits(n: usize, k: usize, limit: usize) -> Vec<Vec<bool>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        if n != 2 * k || idx[0] == 0 {
            let mut mask = vec![false; n];
            idx.iter().for_each(|&i| mask[i] = true);
            out.push(mask);
            if out.len() >= limit {
                return out;
            }
        }
        // Next combination: the rightmost index that can still move right.
        let Some(p) = (0..k).rev().find(|&p| idx[p] < n - k + p) else {
            return out;
        };
        idx[p] += 1;
        for q in p + 1..k {
            idx[q] = idx[q - 1] + 1;
        }
    }
}

/// `MAX_SPLITS` distinct random k-subsets of 0..n (n > 8), reproducible from [`SPLIT_SEED`]
/// (partial Fisher–Yates shuffle with [`crate::resample`]'s index draw).
fn draw_splits(n: usize, k: usize) -> Vec<Vec<bool>> {
    let mut rng = resample::rng(SPLIT_SEED);
    let mut out: Vec<Vec<bool>> = Vec::with_capacity(MAX_SPLITS);
    while out.len() < MAX_SPLITS {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + resample::below(&mut rng, n - i);
            perm.swap(i, j);
        }
        let mut mask = vec![false; n];
        perm[..k].iter().for_each(|&i| mask[i] = true);
        if n == 2 * k && !mask[0] {
            mask.iter_mut().for_each(|m| *m = !*m);
        }
        if !out.contains(&mask) {
            out.push(mask);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naud::PsthProducts;

    fn train(t: &[f64]) -> SpikeTrain {
        SpikeTrain::new(t.to_vec()).unwrap()
    }

    #[test]
    fn split_counts_and_shapes() {
        // Balanced bipartitions: C(4,2)/2 = 3, C(5,2) = 10, C(6,3)/2 = 10, C(7,3) = 35,
        // C(8,4)/2 = 35; from n = 9 (C(9,4) = 126) on, 64 drawn.
        for (n, count) in [
            (2, 0),
            (3, 0),
            (4, 3),
            (5, 10),
            (6, 10),
            (7, 35),
            (8, 35),
            (9, 64),
            (13, 64),
        ] {
            let splits = balanced_splits(n);
            assert_eq!(splits.len(), count, "n = {n}");
            for (i, s) in splits.iter().enumerate() {
                assert_eq!(s.iter().filter(|&&x| x).count(), n / 2);
                assert!(n % 2 == 1 || s[0], "even n: repeat 0 always in A");
                assert!(!splits[..i].contains(s), "duplicate split");
            }
        }
        // Reproducible.
        assert_eq!(balanced_splits(13), balanced_splits(13));
    }

    #[test]
    fn split_products_match_direct_computation() {
        let d: Vec<SpikeTrain> = (0..6)
            .map(|k| {
                train(&[
                    0.1 + 0.002 * k as f64,
                    0.3,
                    0.5 + 0.003 * k as f64,
                    0.9 - 0.01 * k as f64,
                ])
            })
            .collect();
        let gram = gram_matrix(&d, 0.004);
        for mask in balanced_splits(6) {
            let a: Vec<SpikeTrain> = (0..6).filter(|&i| mask[i]).map(|i| d[i].clone()).collect();
            let b: Vec<SpikeTrain> = (0..6).filter(|&i| !mask[i]).map(|i| d[i].clone()).collect();
            let direct = PsthProducts::new(&a, &b, 0.004).unwrap();
            let s = split_stats(&gram, &mask);
            assert!((s.cross - direct.cross).abs() < 1e-12);
            assert!((s.norm_a - direct.norm_data).abs() < 1e-12);
            assert!((s.norm_b - direct.norm_model).abs() < 1e-12);
        }
    }

    #[test]
    fn primary_hand_computed() {
        // Δ = 0.01, window [0, 1). D1 = D2 = D3 = {0.1}, D4 = {0.5}; M = {0.1, 0.5} (single).
        // Gram: G12 = G13 = G23 = 1, others 0 → norm_D = 2·3/(4·3) = 0.5.
        // Splits {1,2|3,4}, {1,3|2,4}, {1,4|2,3}: each cross 0.5, norms (1,0), (1,0), (0,1) → Md* 1.
        // cross = (1+1+1+1)/4 = 1, norm_M = ⟨M,M⟩ = 2 → Md* = 2/2.5 = 0.8.
        // a = 4·0.02/4 = 0.02 s, c = 0.02 − 0.0001 = 0.0199 s², null = 0.02/√(0.5·0.0199).
        // Γ(D_i, M): ν = 2 Hz, 2νΔ = 0.04; (1 − 0.04)/(1.5)/0.96 = 2/3 for each i.
        // R: 6 ordered pairs among D1..D3 score (1 − 0.02)/1/0.98 = 1; 6 pairs with D4 score
        // (0 − 0.02)/1/0.98 → R = 0.5 − 0.5·0.02/0.98.
        let d = [train(&[0.1]), train(&[0.1]), train(&[0.1]), train(&[0.5])];
        let m = [train(&[0.1, 0.5])];
        let w = Window::new(0.0, 1.0).unwrap();
        let stats = trial_stats(&d, &m, w, &ScoringParams { delta_s: 0.01 });
        let s = trial_scores(&stats);
        let null = 0.02 / (0.5f64 * 0.0199).sqrt();
        let r = 0.5 - 0.5 * 0.02 / 0.98;
        let close = |x: &Metric, y: f64| (x.clone().unwrap() - y).abs() < 1e-12;
        assert!(close(&s.md_star, 0.8));
        assert!(close(&s.md_star_null, null));
        assert!(close(&s.md_star_ceiling, 1.0));
        assert!(close(&s.primary, (0.8 - null) / (1.0 - null)));
        assert!(close(&s.coincidence_factor, 2.0 / 3.0));
        assert!(close(&s.intrinsic_reliability, r));
        assert!(close(&s.gamma_over_r, 2.0 / 3.0 / r));
    }

    #[test]
    fn pooling_two_trials_equals_one_concatenated_trial() {
        // Md* is additive: trial 2 shifted past trial 1 by more than Δ gives the same Md*
        // as the two scored separately and pooled.
        let d1: Vec<SpikeTrain> = (0..5)
            .map(|k| train(&[0.1, 0.2 + 0.001 * k as f64, 0.7]))
            .collect();
        let d2: Vec<SpikeTrain> = (0..5)
            .map(|k| train(&[0.05 * (k + 1) as f64, 0.6]))
            .collect();
        let m1 = [train(&[0.1, 0.69]), train(&[0.2])];
        let m2 = [train(&[0.6]), train(&[0.1, 0.6])];
        let p = ScoringParams::default();
        let w = Window::new(0.0, 1.0).unwrap();
        let pooled = pooled_scores(&[trial_stats(&d1, &m1, w, &p), trial_stats(&d2, &m2, w, &p)]);
        let cat = |a: &[SpikeTrain], b: &[SpikeTrain]| -> Vec<SpikeTrain> {
            a.iter()
                .zip(b)
                .map(|(x, y)| {
                    let mut t = x.times().to_vec();
                    t.extend(y.times().iter().map(|s| s + 2.0));
                    train(&t)
                })
                .collect()
        };
        let whole = trial_stats(
            &cat(&d1, &d2),
            &cat(&m1, &m2),
            Window::new(0.0, 3.0).unwrap(),
            &p,
        );
        let ws = trial_scores(&whole);
        assert!((pooled.md_star.clone().unwrap() - ws.md_star.unwrap()).abs() < 1e-12);
        assert!(
            (pooled.md_star_ceiling.clone().unwrap() - ws.md_star_ceiling.unwrap()).abs() < 1e-12
        );
    }

    #[test]
    fn undefined_reasons() {
        let w = Window::new(0.0, 1.0).unwrap();
        let p = ScoringParams::default();
        let three = [train(&[0.1]), train(&[0.1]), train(&[0.1])];
        let s = trial_scores(&trial_stats(&three, &three[..1], w, &p));
        assert!(s.md_star_ceiling.unwrap_err().reason.contains("at least 4"));
        assert!(s.primary.is_err());
        assert!(s.md_star.is_ok());
        let empty = pooled_scores(&[]);
        assert!(empty.primary.unwrap_err().reason.contains("no trials"));
        let json = serde_json::to_value(trial_scores(&trial_stats(&three, &[], w, &p))).unwrap();
        assert!(json["md_star"].is_null());
    }

    #[test]
    fn trial_stats_round_trip_through_json() {
        let d: Vec<SpikeTrain> = (0..4)
            .map(|k| train(&[0.1, 0.3 + 0.01 * k as f64]))
            .collect();
        let w = Window::new(0.0, 1.0).unwrap();
        let stats = trial_stats(&d, &d[..1], w, &ScoringParams::default());
        let json = serde_json::to_string(&stats).unwrap();
        let back: TrialStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats);
        assert_eq!(trial_scores(&back), trial_scores(&stats));
    }
}
