//! The primary ranking score and the per-trial statistics it is pooled from.
//!
//! ```text
//! primary = (Md* − Md*_null) / (Md*_ceiling − Md*_null)
//! ```
//!
//! * Md* (Naud et al. 2011, see [`crate::naud`]) compares the recorded PSTH, with an unbiased
//!   norm, with the PSTH the prediction describes ([`crate::prediction`]), through the
//!   positive-definite triangle kernel of [`crate::kernel`].
//! * Md*_null = a/√(norm_D·c) is the best Md* of a flat PSTH at *any* rate (closed form,
//!   [`crate::naud::md_star_null`]). With the null at the data's own rate a flat prediction at
//!   2–4× that rate would score clearly above 0.
//! * Md*_ceiling is the data scored against itself: for balanced bipartitions (A, B) of the
//!   N_D recorded repeats (sizes ⌊N_D/2⌋ and ⌈N_D/2⌉), Md*(A, B) with unbiased norms on both
//!   sides, averaged over splits: an estimate of Md* of the true PSTH against itself, 1 up to
//!   the noise of a ratio of estimates. All splits are used when there are at most 64 of them
//!   (N_D ≤ 8: 3, 10, 10, 35, 35 for N_D = 4..8); otherwise 64 distinct splits are drawn with
//!   ChaCha8 seeded by [`SPLIT_SEED`], by a partial Fisher–Yates shuffle written out here (so
//!   the choice cannot change with a `rand` upgrade).
//!
//! # Properties (metrics version core-2), with proofs
//! Notation: ν is the true PSTH of the neuron on a trial (the intensity of its spikes given the
//! stimulus), D_1..D_N the recorded repeats (independent draws), μ the predicted PSTH (merged
//! repeats with weight 1/K, or an intensity), ⟨·,·⟩ the triangle-kernel product, ‖μ‖² = ⟨μ, μ⟩.
//! "In expectation" below means for the ratio of the expected numerator and denominator, the
//! first-order behaviour of Md*; the tests state the measured spread around it.
//!
//! 1. **Dependence-proof.** cross = ⟨∪D, ∪M⟩/(NK) and norm_M = ⟨∪M, ∪M⟩/K² depend on the
//!    predicted repeats only through their merged multiset ∪M and K, and are computed from the
//!    sorted multiset, so any reassignment of spikes between repeats that keeps ∪M leaves them,
//!    and the primary, unchanged bit for bit (proptest in [`crate::prediction`] and in
//!    `tests/primary_properties.rs`). Γ and Γ/R, means over pairs of repeats as in the INCF
//!    competition, do move and are reported, not ranked.
//! 2. **Kernel.** K(s) = (1 − |s|/Δ)⁺ = (1/Δ)·(1_{[−Δ/2,Δ/2)} ⋆ 1_{[−Δ/2,Δ/2)})(s), so
//!    ⟨μ, μ⟩ = (1/Δ)∫ n_μ(u)² du ≥ 0 for every signed measure: the kernel is positive
//!    semi-definite, Cauchy–Schwarz holds and μ ↦ ‖μ‖² is convex. The INCF box has none of
//!    this (its Fourier transform changes sign) and grids spaced just over Δ exploited it
//!    ([`crate::kernel`]).
//! 3. **Chance-corrected.** Let μ be random (its own randomness: seeds, phases) but built
//!    without stimulus information, with expectation Eμ = r·1 (a constant rate r on the
//!    window; this is what "no stimulus information" means for a PSTH: its time course cannot
//!    follow the stimulus, so averaged over the contestant's choices it is flat). Then
//!    E[cross] = ⟨ν̂_D, Eμ⟩ = r·a, and E‖μ‖² = ‖Eμ‖² + E‖μ − Eμ‖² ≥ ‖Eμ‖² = r²c (positive
//!    semi-definiteness of the variance term). So the expected Md* is at most
//!    2ra / (norm_D + r²c) ≤ max_r = Md*_null, and the primary is ≤ 0. Equality needs μ
//!    exactly flat at r* = √(norm_D/c): a flat intensity reaches 0 exactly; K independent
//!    Poisson repeats at r have E‖μ‖² = r²c + rT/K and stay below. Periodic grids, bursts,
//!    anti-phase repeats and dense-plus-empty repeats all fall under this bound (under the
//!    box the variance term can be negative, which is what they exploited). Measured: no
//!    constant-rate prediction, at any rate and any K, above 0 + 0.02 on average over 50
//!    seeds (`tests/primary_properties.rs`).
//! 4. **Bounded.** For μ independent of the recorded repeats, E[cross] = ⟨ν, μ⟩ and
//!    E[norm_D] = ‖ν‖² (unbiased), so by Cauchy–Schwarz and AM–GM the expected Md* is
//!    2⟨ν, μ⟩ / (‖ν‖² + ‖μ‖²) ≤ 2‖ν‖‖μ‖ / (‖ν‖² + ‖μ‖²) ≤ 1, with equality only for μ = ν; the
//!    ceiling estimates the value 1 of μ = ν. So no prediction made without the hidden
//!    responses exceeds a primary of 1 in expectation. A prediction built from the hidden
//!    repeats themselves is not independent of them and can (the gauntlet's oracles).
//! 5. **Calibrated.** K repeats drawn from the generating process have
//!    E‖μ‖² = ‖ν‖² + (E⟨M_1, M_1⟩ − ‖ν‖²)/K, so their Md* is 1/(1 + ε/K) with
//!    ε = (E⟨M_1, M_1⟩/‖ν‖² − 1)/2 ≥ 0: below 1 by a term that falls as 1/K, rising with K.
//!    ε is large for unreliable neurons (a repeat's spikes are mostly its own) and small for
//!    reliable ones; `examples/repeat_curve.rs` prints the curve for K = 1…100 and
//!    the README says how many repeats to send. An intensity has no such term (K = ∞).
//!
//! # Pooling trials
//! A challenge has several test trials (or segments), each with its own window and repeats.
//! Every quantity above is a sum over time, so trials are pooled by summing their parts:
//! cross, norm_D, norm_M, a, c, and for split index s the split's cross, norm_A, norm_B. Pooled
//! Md*_null is then the best *single* constant rate over all trials. Trials with different N_D
//! have different numbers of splits; splits are pooled by index over the smallest number of
//! splits among the trials (split s of every trial is pooled with split s of every other). Γ
//! and R are not additive and are averaged over trials; the log-likelihood of an intensity is
//! additive and pooled with one mean-rate reference over all trials
//! ([`crate::probabilistic::LikelihoodStats`]).

use crate::coincidence::{intrinsic_reliability, mean_gamma};
use crate::kernel::Kernel;
use crate::metric::{
    Metric, Undefined, finite, mean_of, number_or_null, number_or_reason, undefined,
};
use crate::naud::{cross_product, flat_cross_per_rate, gram, md_star, md_star_null, recorded_norm};
use crate::prediction::Prediction;
use crate::probabilistic::LikelihoodStats;
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
    /// Kernel of the PSTH products. Default (and always, on the server) the triangle;
    /// the box reproduces the INCF / GIF-toolbox Md* for comparison with published values.
    #[serde(default)]
    pub kernel: Kernel,
}

impl Default for ScoringParams {
    fn default() -> Self {
        ScoringParams::with_delta(0.004)
    }
}

impl ScoringParams {
    /// The default kernel with precision `delta_s` (seconds).
    pub fn with_delta(delta_s: f64) -> Self {
        ScoringParams {
            delta_s,
            kernel: Kernel::Triangle,
        }
    }

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
    /// Total recorded spikes in the window (all repeats).
    pub recorded_spikes: usize,
    /// Expected predicted spikes per repeat in the window (the predicted PSTH's mass).
    pub predicted_mean_count: f64,
    /// Mean Γ over recorded × predicted pairs (undefined for an intensity).
    #[serde(with = "number_or_reason")]
    pub coincidence_factor: Metric,
    /// Intrinsic reliability R.
    #[serde(with = "number_or_reason")]
    pub intrinsic_reliability: Metric,
    /// cross = ⟨ν̂_D, ν̂_M⟩ estimate.
    #[serde(with = "number_or_reason")]
    pub cross: Metric,
    /// Unbiased ‖ν_D‖² estimate.
    #[serde(with = "number_or_reason")]
    pub norm_recorded: Metric,
    /// ‖ν̂_M‖², the predicted PSTH's squared norm.
    #[serde(with = "number_or_reason")]
    pub norm_predicted: Metric,
    /// Flat-null a (seconds), see [`crate::naud::flat_cross_per_rate`].
    pub null_a: f64,
    /// Flat-null c (seconds²), see [`Kernel::flat_norm_s2`].
    pub null_c: f64,
    /// Per-split products for the ceiling (empty when N_D < 4).
    pub splits: Vec<SplitStats>,
    /// The additive parts of the Poisson log-likelihood of an intensity prediction.
    pub likelihood: LikelihoodStats,
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
    /// Md* (Naud et al. 2011; version core-2, see the module docs).
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
    /// Poisson log-likelihood gain over the mean-rate model, bits per spike (intensity
    /// predictions only; the proper scoring rule of the probabilistic track).
    #[serde(with = "number_or_null")]
    pub bits_per_spike: Metric,
}

/// The JSON keys of [`CoreScores`], in declaration order.
pub const CORE_KEYS: [&str; 8] = [
    "coincidence_factor",
    "intrinsic_reliability",
    "gamma_over_r",
    "md_star",
    "md_star_null",
    "md_star_ceiling",
    "primary",
    "bits_per_spike",
];

impl CoreScores {
    /// Every score with its JSON key ([`CORE_KEYS`]), in declaration order (for `notes` maps).
    pub fn entries(&self) -> [(&'static str, &Metric); 8] {
        let values = [
            &self.coincidence_factor,
            &self.intrinsic_reliability,
            &self.gamma_over_r,
            &self.md_star,
            &self.md_star_null,
            &self.md_star_ceiling,
            &self.primary,
            &self.bits_per_spike,
        ];
        std::array::from_fn(|k| (CORE_KEYS[k], values[k]))
    }
}

impl TrialStats {
    /// The three PSTH products of Md*, CF2* and D*_P, when all are defined.
    ///
    /// # Errors
    /// The first undefined product.
    pub fn products(&self) -> Result<crate::naud::PsthProducts, Undefined> {
        Ok(crate::naud::PsthProducts {
            cross: self.cross.clone()?,
            norm_data: self.norm_recorded.clone()?,
            norm_model: self.norm_predicted.clone()?,
        })
    }
}

/// Computes the additive statistics of one trial (or segment) on `window`. Recorded spikes
/// and predictions outside `window` are ignored. `params` must pass
/// [`ScoringParams::validate`] (checked in debug builds).
pub fn trial_stats(
    recorded: &[SpikeTrain],
    predicted: &Prediction,
    window: Window,
    params: &ScoringParams,
) -> TrialStats {
    debug_assert!(params.validate().is_ok(), "{:?}", params.validate());
    let (delta, kernel) = (params.delta_s, params.kernel);
    let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
    let psth = predicted.psth(window);
    let gram = gram(&rec, kernel, delta);
    let coincidence_factor = match predicted.trains(window) {
        Some(trains) => mean_gamma(&rec, &trains, window, delta),
        None => undefined(
            "coincidence factor undefined: an intensity prediction has no spike trains to match",
        ),
    };
    TrialStats {
        duration_s: window.duration_s(),
        n_recorded: rec.len(),
        recorded_spikes: rec.iter().map(SpikeTrain::len).sum(),
        predicted_mean_count: psth.mean_count(),
        coincidence_factor,
        intrinsic_reliability: intrinsic_reliability(&rec, window, delta),
        cross: cross_product(&rec, &psth, kernel, delta),
        norm_recorded: recorded_norm(&gram),
        norm_predicted: psth.norm(kernel, delta),
        null_a: flat_cross_per_rate(&rec, window, kernel, delta),
        null_c: kernel.flat_norm_s2(window, delta),
        splits: balanced_splits(rec.len())
            .iter()
            .map(|in_a| split_stats(&gram, in_a))
            .collect(),
        likelihood: LikelihoodStats::of(&psth, &rec, window),
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
            primary: none.clone(),
            bits_per_spike: none,
        };
    }
    let gamma = duration_weighted(
        stats,
        |s| &s.coincidence_factor,
        |s| s.recorded_spikes == 0 && s.predicted_mean_count == 0.0,
        "coincidence factor",
    );
    let r = duration_weighted(
        stats,
        |s| &s.intrinsic_reliability,
        |s| s.recorded_spikes == 0,
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
    let likelihood: Vec<&LikelihoodStats> = stats.iter().map(|s| &s.likelihood).collect();
    CoreScores {
        coincidence_factor: gamma,
        intrinsic_reliability: r,
        gamma_over_r,
        md_star: md,
        md_star_null: null,
        md_star_ceiling: ceiling,
        primary,
        bits_per_spike: LikelihoodStats::bits_per_spike(&likelihood),
    }
}

/// The mean of a per-trial metric over trials (or segments) weighted by their durations, leaving
/// out the ones `silent` says have no spikes to compare (their value is 0/0): Γ and R of a part
/// pooled from its segments, whatever their length. Any other undefined value makes the mean
/// undefined with its reason.
fn duration_weighted(
    stats: &[TrialStats],
    metric: impl Fn(&TrialStats) -> &Metric,
    silent: impl Fn(&TrialStats) -> bool,
    what: &str,
) -> Metric {
    let (mut sum, mut weight) = (0.0, 0.0);
    for s in stats.iter().filter(|s| !silent(s)) {
        sum += metric(s).clone()? * s.duration_s;
        weight += s.duration_s;
    }
    if weight == 0.0 {
        return undefined(format!("{what} undefined: no spikes in any trial"));
    }
    finite(sum / weight, what)
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
        let g = gram(&d, Kernel::Triangle, 0.004);
        let w = Window::new(0.0, 1.0).unwrap();
        for mask in balanced_splits(6) {
            let a: Vec<SpikeTrain> = (0..6).filter(|&i| mask[i]).map(|i| d[i].clone()).collect();
            let b: Vec<SpikeTrain> = (0..6).filter(|&i| !mask[i]).map(|i| d[i].clone()).collect();
            let s = split_stats(&g, &mask);
            let cross = cross_product(
                &a,
                &Prediction::Repeats(b.clone()).psth(w),
                Kernel::Triangle,
                0.004,
            );
            assert!((s.cross - cross.unwrap()).abs() < 1e-12);
            let norm = |x: &[SpikeTrain]| recorded_norm(&gram(x, Kernel::Triangle, 0.004)).unwrap();
            assert!((s.norm_a - norm(&a)).abs() < 1e-12);
            assert!((s.norm_b - norm(&b)).abs() < 1e-12);
        }
    }

    #[test]
    fn primary_hand_computed() {
        // Δ = 0.01, window [0, 1). D1 = D2 = D3 = {0.1}, D4 = {0.5}; M = {0.1, 0.5} (single).
        // Spikes coincide exactly or are 0.4 s apart, so the triangle and the box agree on
        // every product: G12 = G13 = G23 = 1, others 0 → norm_D = 2·3/(4·3) = 0.5.
        // Splits {1,2|3,4}, {1,3|2,4}, {1,4|2,3}: each cross 0.5, norms (1,0), (1,0), (0,1) → Md* 1.
        // cross = (1+1+1+1)/4 = 1, norm_M = ⟨M,M⟩ = 2 → Md* = 2/2.5 = 0.8.
        // Triangle null: every spike sees the whole triangle, a = 4·Δ/4 = 0.01 s;
        // c = TΔ − Δ²/3 = 0.01 − 0.0001/3 s². Box null: a = 0.02 s, c = 2TΔ − Δ² = 0.0199 s².
        // Γ(D_i, M): ν = 2 Hz, 2νΔ = 0.04; (1 − 0.04)/(1.5)/0.96 = 2/3 for each i.
        // R: 6 ordered pairs among D1..D3 score (1 − 0.02)/1/0.98 = 1; 6 pairs with D4 score
        // (0 − 0.02)/1/0.98 → R = 0.5 − 0.5·0.02/0.98.
        let d = [train(&[0.1]), train(&[0.1]), train(&[0.1]), train(&[0.5])];
        let m = Prediction::Repeats(vec![train(&[0.1, 0.5])]);
        let w = Window::new(0.0, 1.0).unwrap();
        let r = 0.5 - 0.5 * 0.02 / 0.98;
        let close = |x: &Metric, y: f64| (x.clone().unwrap() - y).abs() < 1e-12;
        for (kernel, a, c) in [
            (Kernel::Triangle, 0.01, 0.01 - 0.0001 / 3.0),
            (Kernel::Box, 0.02, 0.0199),
        ] {
            let params = ScoringParams {
                delta_s: 0.01,
                kernel,
            };
            let s = trial_scores(&trial_stats(&d, &m, w, &params));
            let null = a / (0.5f64 * c).sqrt();
            assert!(close(&s.md_star, 0.8), "{kernel:?}");
            assert!(close(&s.md_star_null, null), "{kernel:?}");
            assert!(close(&s.md_star_ceiling, 1.0), "{kernel:?}");
            assert!(close(&s.primary, (0.8 - null) / (1.0 - null)), "{kernel:?}");
            assert!(close(&s.coincidence_factor, 2.0 / 3.0));
            assert!(close(&s.intrinsic_reliability, r));
            assert!(close(&s.gamma_over_r, 2.0 / 3.0 / r));
            assert!(
                s.bits_per_spike
                    .unwrap_err()
                    .reason
                    .contains("no intensity")
            );
        }
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
        let m1 = vec![train(&[0.1, 0.69]), train(&[0.2])];
        let m2 = vec![train(&[0.6]), train(&[0.1, 0.6])];
        let p = ScoringParams::default();
        let w = Window::new(0.0, 1.0).unwrap();
        let stats = |d: &[SpikeTrain], m: &[SpikeTrain]| {
            trial_stats(d, &Prediction::Repeats(m.to_vec()), w, &p)
        };
        let pooled = pooled_scores(&[stats(&d1, &m1), stats(&d2, &m2)]);
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
            &Prediction::Repeats(cat(&m1, &m2)),
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
        let one = Prediction::Repeats(three[..1].to_vec());
        let s = trial_scores(&trial_stats(&three, &one, w, &p));
        assert!(s.md_star_ceiling.unwrap_err().reason.contains("at least 4"));
        assert!(s.primary.is_err());
        assert!(s.md_star.is_ok());
        let empty = pooled_scores(&[]);
        assert!(empty.primary.unwrap_err().reason.contains("no trials"));
        let none = trial_scores(&trial_stats(&three, &Prediction::Repeats(vec![]), w, &p));
        assert!(
            none.md_star
                .unwrap_err()
                .reason
                .contains("no predicted repeats")
        );
    }

    #[test]
    fn trial_stats_round_trip_through_json() {
        let d: Vec<SpikeTrain> = (0..4)
            .map(|k| train(&[0.1, 0.3 + 0.01 * k as f64]))
            .collect();
        let w = Window::new(0.0, 1.0).unwrap();
        let stats = trial_stats(
            &d,
            &Prediction::Repeats(d[..1].to_vec()),
            w,
            &ScoringParams::default(),
        );
        let json = serde_json::to_string(&stats).unwrap();
        let back: TrialStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats);
        assert_eq!(trial_scores(&back), trial_scores(&stats));
    }
}
