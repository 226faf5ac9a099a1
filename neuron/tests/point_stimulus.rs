//! Statistical tests of the seeded stimulus generators: OU currents and Poisson trains.
//!
//! Tolerances are set from the standard errors of the estimators (stated at each test) at about
//! five standard errors, so a correct generator fails with probability < 1e-6 while a wrong
//! mean, variance, correlation time or rate by a few percent is caught. The seeds are fixed, so
//! the tests are deterministic.

use arena_neuron::point::poisson_train;
use arena_neuron::rng::rng_from_seed;
use arena_neuron::stimulus::{OrnsteinUhlenbeck, OuCurrentRecipe, OuSegment, ou_current};

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn std(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Sample autocorrelation at `lag`.
fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let m = mean(x);
    let var: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
    let cov: f64 = x
        .iter()
        .zip(&x[lag..])
        .map(|(a, b)| (a - m) * (b - m))
        .sum();
    cov / var
}

fn single_segment(tau_s: f64, mean_na: f64, std_na: f64) -> OuCurrentRecipe {
    OuCurrentRecipe {
        tau_s,
        segments: vec![OuSegment {
            duration_s: 1.0,
            mean_na,
            std_na,
        }],
    }
}

/// 200 s of OU with τ = 3 ms at dt = 0.1 ms. The number of effectively independent samples is
/// T/(2τ) ≈ 33 000, so SE(mean) = σ·√(2τ/T) ≈ 0.0055σ, SE(std)/σ ≈ √(τ/T) ≈ 0.0039 and the
/// autocorrelation at lag τ (expected e^{−1} ≈ 0.368) has SE ≲ 0.006.
/// Tolerances: mean ±0.03σ, std ±2 %, ρ(τ) ± 0.03 and the correlation time from ρ(τ) ± 8 %.
#[test]
fn ou_recovers_mean_std_and_correlation_time() {
    let (tau_s, mu, sigma, dt_s) = (0.003, 0.4, 0.25, 1e-4);
    let x = ou_current(&single_segment(tau_s, mu, sigma), 200.0, dt_s, 11).unwrap();
    assert_eq!(x.len(), 2_000_000);
    assert!((mean(&x) - mu).abs() < 0.03 * sigma, "mean {}", mean(&x));
    assert!((std(&x) / sigma - 1.0).abs() < 0.02, "std {}", std(&x));
    let lag = 30; // 3 ms
    let rho = autocorrelation(&x, lag);
    assert!((rho - (-1f64).exp()).abs() < 0.03, "rho(tau) {rho}");
    let tau_hat = -(lag as f64 * dt_s) / rho.ln();
    assert!((tau_hat / tau_s - 1.0).abs() < 0.08, "tau {tau_hat}");
    // At one step the correlation is e^{−dt/τ} = 0.9672 with a much smaller SE (≈ 0.0005).
    let rho1 = autocorrelation(&x, 1);
    assert!((rho1 - (-dt_s / tau_s).exp()).abs() < 0.003, "rho1 {rho1}");
}

/// Each segment reaches its own statistics. 20 s segments, τ = 3 ms: SE(mean) ≈ σ·√(2τ/T) ≈
/// 0.017σ, SE(std)/σ ≈ 0.012; tolerances 0.1σ and 6 %. The first 15 ms (5τ) of each visit are
/// skipped as transient (the relaxation e^{−5} < 1 %).
#[test]
fn ou_segments_have_their_own_statistics() {
    let recipe = OuCurrentRecipe {
        tau_s: 0.003,
        segments: vec![
            OuSegment {
                duration_s: 20.0,
                mean_na: 0.1,
                std_na: 0.05,
            },
            OuSegment {
                duration_s: 20.0,
                mean_na: 0.6,
                std_na: 0.3,
            },
        ],
    };
    let x = ou_current(&recipe, 80.0, 1e-4, 5).unwrap();
    let skip = 150;
    for (visit, (m, s)) in [(0.1, 0.05), (0.6, 0.3), (0.1, 0.05), (0.6, 0.3)]
        .into_iter()
        .enumerate()
    {
        let part = &x[visit * 200_000 + skip..(visit + 1) * 200_000];
        assert!(
            (mean(part) - m).abs() < 0.1 * s,
            "visit {visit} mean {}",
            mean(part)
        );
        assert!(
            (std(part) / s - 1.0).abs() < 0.06,
            "visit {visit} std {}",
            std(part)
        );
    }
}

#[test]
fn ou_is_reproducible_for_a_seed_and_differs_across_seeds() {
    let r = single_segment(0.003, 0.0, 1.0);
    let a = ou_current(&r, 1.0, 1e-4, 1).unwrap();
    assert_eq!(a, ou_current(&r, 1.0, 1e-4, 1).unwrap());
    let b = ou_current(&r, 1.0, 1e-4, 2).unwrap();
    assert_eq!(a.len(), b.len());
    // Independent streams: no sample coincides and the correlation is near 0
    // (SE ≈ √(2τ/T) ≈ 0.08 for 1 s; bound at 0.4).
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));
    let (ma, mb) = (mean(&a), mean(&b));
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let corr = cov / ((a.len() - 1) as f64 * std(&a) * std(&b));
    assert!(corr.abs() < 0.4, "corr {corr}");
}

/// The sample count is duration/dt rounded: 0.25 s at 0.1 ms is 2500 samples, 1.00004 s is 10000.
#[test]
fn ou_length_is_rounded_duration_over_dt() {
    let r = single_segment(0.003, 0.0, 1.0);
    assert_eq!(ou_current(&r, 0.25, 1e-4, 0).unwrap().len(), 2500);
    assert_eq!(ou_current(&r, 1.00004, 1e-4, 0).unwrap().len(), 10_000);
    assert!(ou_current(&r, 0.0, 1e-4, 0).unwrap().is_empty());
}

/// The stepper started at its stationary distribution stays stationary: over many independent
/// copies, the variance after 1000 steps equals σ² (4000 copies: SE(var)/σ² = √(2/4000) ≈ 0.022;
/// tolerance 0.1).
#[test]
fn ou_stepper_preserves_the_stationary_variance() {
    let sigma = 2.0;
    let mut rng = rng_from_seed(3);
    let finals: Vec<f64> = (0..4000)
        .map(|_| {
            let mut ou = OrnsteinUhlenbeck::new(0.005, 1.0, sigma, 1e-3).unwrap();
            ou.draw_stationary(&mut rng);
            (0..1000).map(|_| ou.step(&mut rng)).last().unwrap()
        })
        .collect();
    assert!((std(&finals).powi(2) / (sigma * sigma) - 1.0).abs() < 0.1);
    assert!((mean(&finals) - 1.0).abs() < 0.1 * sigma);
}

/// 2000 trains of 10 Hz × 5 s: counts are Poisson(50), so the mean count over trains has SE
/// √(50/2000) ≈ 0.16 (tolerance ±1) and the Fano factor var/mean = 1 has SE ≈ √(2/2000) ≈ 0.032
/// (tolerance ±0.15). Pooled ISIs (≈ 98 000) are exponential: mean 0.1 s (SE 0.0003 s) and
/// coefficient of variation 1 (SE ≈ 0.005; tolerance ±0.03).
#[test]
fn poisson_counts_and_intervals_have_poisson_statistics() {
    let (rate, duration) = (10.0, 5.0);
    let mut counts = Vec::new();
    let mut isis = Vec::new();
    for seed in 0..2000 {
        let train = poisson_train(rate, duration, seed);
        assert!(train.windows(2).all(|w| w[0] < w[1]), "seed {seed}");
        assert!(train.iter().all(|&t| (0.0..duration).contains(&t)));
        counts.push(train.len() as f64);
        isis.extend(train.windows(2).map(|w| w[1] - w[0]));
    }
    let m = mean(&counts);
    assert!((m - 50.0).abs() < 1.0, "mean count {m}");
    let fano = std(&counts).powi(2) / m;
    assert!((fano - 1.0).abs() < 0.15, "Fano {fano}");
    let isi_mean = mean(&isis);
    assert!((isi_mean - 0.1).abs() < 0.002, "ISI mean {isi_mean}");
    assert!((std(&isis) / isi_mean - 1.0).abs() < 0.03);
}

#[test]
fn poisson_is_seeded_and_degenerate_inputs_give_empty_trains() {
    assert_eq!(poisson_train(20.0, 3.0, 9), poisson_train(20.0, 3.0, 9));
    assert_ne!(poisson_train(20.0, 3.0, 9), poisson_train(20.0, 3.0, 10));
    for (rate, duration) in [
        (0.0, 1.0),
        (-1.0, 1.0),
        (f64::NAN, 1.0),
        (5.0, 0.0),
        (5.0, f64::INFINITY),
    ] {
        assert!(
            poisson_train(rate, duration, 0).is_empty(),
            "{rate} {duration}"
        );
    }
}
