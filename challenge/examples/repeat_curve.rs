//! How many repeats to send: the primary score of K repeats drawn from the generating model of
//! the injected-current demo, for K = 1 … 100, mean ± s.d. over hidden seeds (all test trials
//! pooled), and of the model's intensity estimated from many repeats.
//!
//! ```text
//! cargo run --release -p arena-challenge --example repeat_curve [-- SEEDS]
//! ```
//!
//! The primary of K samples of a model falls short of the model's own PSTH by a term ∝ 1/K
//! (`arena_scoring::primary`, property 5): a repeat's spikes coincide with themselves, and the
//! score sees only the PSTH the repeats describe. This prints the curve the README's advice
//! rests on.

use arena_challenge::baselines::{Baseline, Fitted};
use arena_challenge::evaluate::evaluate;
use arena_challenge::families::injected::generation::adex_responses;
use arena_challenge::families::{Manifest, generate};
use arena_challenge::predictions::Predictions;
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::trial::{Part, Split};
use arena_neuron::rng::derive_seed;
use arena_scoring::probabilistic::Intensity;
use arena_scoring::{Prediction, ScoringParams, SpikeTrain};

const DEMO: &str = include_str!("../../datasets/injected-current-demo/dataset.toml");

/// Repeats of the reference whose PSTH stands for the model's intensity.
const INTENSITY_REPEATS: usize = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds: Vec<u64> = match std::env::args().nth(1) {
        Some(n) => (1..=n.parse::<u64>()?).collect(),
        None => (1..=10).collect(),
    };
    let manifest = Manifest::parse(DEMO)?;
    let ks = [1usize, 2, 3, 5, 10, 20, 30, 50, 100];
    let mut by_k: Vec<Vec<f64>> = vec![Vec::new(); ks.len()];
    let mut intensity = Vec::new();
    for &seed in &seeds {
        let g = generate(&manifest, seed, &DataFiles::new())?;
        let public = g.public_view(&manifest)?;
        let hidden: Vec<HiddenTrial> = g
            .hidden_trials()?
            .into_iter()
            .map(|h| h.whole(Part::Public))
            .collect();
        let Fitted::AdexReference { params, dt_s } = Baseline::Reference.fit(&public)? else {
            return Err("the demo's reference is its point neuron".into());
        };
        let tests: Vec<_> = public
            .trials
            .iter()
            .filter(|t| t.split == Split::Test)
            .collect();
        // INTENSITY_REPEATS responses per trial; the first K of them are the K-repeat sample.
        let samples: Vec<Vec<Vec<f64>>> = tests
            .iter()
            .map(|t| {
                adex_responses(
                    &params,
                    &t.stimulus_na,
                    dt_s,
                    derive_seed(seed, &t.id, 7),
                    INTENSITY_REPEATS as u32,
                )
                .map(|r| r.spikes_s)
            })
            .collect::<Result<_, _>>()?;
        let score = |p: Predictions| {
            evaluate(&hidden, &p, &ScoringParams::default())
                .public
                .primary
                .unwrap_or(f64::NAN)
        };
        for (i, &k) in ks.iter().enumerate() {
            let p = Predictions {
                trials: tests
                    .iter()
                    .zip(&samples)
                    .map(|(t, s)| {
                        let trains: Vec<SpikeTrain> = s[..k]
                            .iter()
                            .map(|r| SpikeTrain::new(r.clone()))
                            .collect::<Result<_, _>>()?;
                        Ok((t.id.clone(), Prediction::Repeats(trains)))
                    })
                    .collect::<Result<_, arena_scoring::TrainError>>()?,
            };
            by_k[i].push(score(p));
        }
        // The PSTH of all the responses in 1 ms bins, as an intensity.
        let p = Predictions {
            trials: tests
                .iter()
                .zip(&samples)
                .map(|(t, s)| {
                    let trains: Vec<SpikeTrain> = s
                        .iter()
                        .map(|r| SpikeTrain::new(r.clone()))
                        .collect::<Result<_, _>>()?;
                    let window = arena_scoring::Window::new(0.0, t.duration_s)?;
                    let h: Intensity = Prediction::Repeats(trains).histogram(window, 1e-3);
                    Ok((t.id.clone(), Prediction::Intensity(h)))
                })
                .collect::<Result<_, arena_scoring::TrainError>>()?,
        };
        intensity.push(score(p));
        eprintln!("hidden seed {seed} done");
    }
    let mean_sd = |v: &[f64]| {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        (m, sd)
    };
    println!(
        "injected-current demo, {} hidden seeds, all test trials pooled",
        seeds.len()
    );
    println!("{:>8}  primary", "repeats");
    for (k, v) in ks.iter().zip(&by_k) {
        let (m, sd) = mean_sd(v);
        println!("{k:>8}  {m:+.4} ± {sd:.4}");
    }
    let (m, sd) = mean_sd(&intensity);
    println!("intensity (PSTH of {INTENSITY_REPEATS} repeats in 1 ms bins)  {m:+.4} ± {sd:.4}");
    Ok(())
}
