//! The primary score on simulated data: held-out repeats score about 1, constant-rate
//! predictions at any rate score about 0 or below, and the closed-form null bounds them.

mod common;

use arena_scoring::naud::{
    PsthProducts, md_star_null, poisson_cross_per_rate, poisson_norm_per_rate2,
};
use arena_scoring::{ScoringParams, SpikeTrain, Window, pooled_scores, trial_scores, trial_stats};
use common::{NoisyNeuron, poisson_repeats};

const T: f64 = 20.0;

fn window() -> Window {
    Window::new(0.0, T).unwrap()
}

fn primary(neuron_data: &[SpikeTrain], pred: &[SpikeTrain]) -> f64 {
    let stats = trial_stats(neuron_data, pred, window(), &ScoringParams::default());
    trial_scores(&stats).primary.unwrap()
}

#[test]
fn held_out_repeats_score_about_one() {
    let mut scores = Vec::new();
    for seed in 0..4u64 {
        let neuron = NoisyNeuron::new(100 + seed, T, 8.0);
        let data = neuron.repeats(1000 + seed, 10);
        let held_out = neuron.repeats(2000 + seed, 10);
        let p = primary(&data, &held_out);
        assert!((p - 1.0).abs() <= 0.15, "seed {seed}: primary {p}");
        scores.push(p);
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert!(
        (mean - 1.0).abs() <= 0.08,
        "mean primary of held-out repeats {mean}"
    );
}

/// The rates of the constant-rate predictions in test (b).
enum Rate {
    /// A multiple of the recorded rate (measured per data set).
    TimesData(f64),
    /// A fixed rate, Hz.
    Hz(f64),
}

#[test]
fn constant_rate_predictions_score_at_most_null() {
    // (b): 10 homogeneous Poisson repeats at the data's rate, 3× it, 130 Hz and 500 Hz score
    // a primary ≤ 0.1 on average over 5 seeds.
    for rate in [
        Rate::TimesData(1.0),
        Rate::TimesData(3.0),
        Rate::Hz(130.0),
        Rate::Hz(500.0),
    ] {
        let mut sum = 0.0;
        let mut used = 0.0;
        for seed in 0..5u64 {
            let neuron = NoisyNeuron::new(300 + seed, T, 8.0);
            let data = neuron.repeats(3000 + seed, 10);
            let data_rate = data.iter().map(SpikeTrain::len).sum::<usize>() as f64 / (10.0 * T);
            used = match rate {
                Rate::TimesData(f) => f * data_rate,
                Rate::Hz(r) => r,
            };
            sum += primary(&data, &poisson_repeats(4000 + seed, used, T, 10));
        }
        let mean = sum / 5.0;
        assert!(mean <= 0.1, "Poisson at {used:.1} Hz: mean primary {mean}");
    }
}

#[test]
fn closed_form_null_bounds_simulated_constant_rates() {
    // (c): the null is ≥ the Md* of every constant-rate Poisson prediction, in expectation
    // (mean over 6 seeds), over a sweep of rates from 1 to 1000 Hz.
    let neuron = NoisyNeuron::new(5, T, 8.0);
    let data = neuron.repeats(6, 10);
    let delta = 0.004;
    let norm_d = PsthProducts::new(&data, &data, delta).unwrap().norm_data;
    let null = md_star_null(
        norm_d,
        poisson_cross_per_rate(&data, window(), delta),
        poisson_norm_per_rate2(window(), delta),
    )
    .unwrap();
    let mut best = f64::MIN;
    for rate in [1.0, 3.0, 7.0, 10.0, 20.0, 50.0, 124.9, 125.1, 300.0, 1000.0] {
        let mean = (0..6u64)
            .map(|s| {
                let m = poisson_repeats(70 + s, rate, T, 10);
                PsthProducts::new(&data, &m, delta)
                    .unwrap()
                    .md_star()
                    .unwrap()
            })
            .sum::<f64>()
            / 6.0;
        assert!(
            mean <= null * 1.05,
            "rate {rate}: mean Md* {mean} > null {null}"
        );
        best = best.max(mean);
    }
    // The best rate comes close to the null: the bound is tight, not vacuous.
    assert!(best >= 0.8 * null, "best {best} vs null {null}");
}

#[test]
fn pooled_trials_keep_held_out_near_one_and_poisson_near_zero() {
    let p = ScoringParams::default();
    let mut good = Vec::new();
    let mut poisson = Vec::new();
    for k in 0..3u64 {
        let neuron = NoisyNeuron::new(900 + k, T, 6.0 + 2.0 * k as f64);
        let data = neuron.repeats(910 + k, 6 + k as usize);
        good.push(trial_stats(
            &data,
            &neuron.repeats(920 + k, 10),
            window(),
            &p,
        ));
        let rate = neuron.mean_rate_hz();
        poisson.push(trial_stats(
            &data,
            &poisson_repeats(930 + k, rate, T, 10),
            window(),
            &p,
        ));
    }
    let g = pooled_scores(&good).primary.unwrap();
    let z = pooled_scores(&poisson).primary.unwrap();
    assert!((g - 1.0).abs() <= 0.15, "pooled held-out primary {g}");
    assert!(z <= 0.1, "pooled Poisson primary {z}");
}
