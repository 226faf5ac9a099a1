//! The properties of the primary score (metrics version core-2), one test each, on a simulated
//! noisy neuron (`common::NoisyNeuron`: frozen events at 8 Hz, each firing with probability
//! 0.75 with 1.5 ms jitter, plus 1.5 Hz background; 10 recorded repeats of 10 s). The proofs
//! are in the `primary` module docs; these tests check that the code keeps them, with the
//! spread over seeds measured and printed (`cargo test -p arena-scoring --test
//! primary_properties -- --nocapture`). Every seed is fixed, so every run computes the same
//! numbers; the margins were chosen from the measured spread (stated at each assertion).

use crate::common::{NoisyNeuron, poisson_repeats};
use arena_scoring::naud::{flat_cross_per_rate, gram, recorded_norm};
use arena_scoring::probabilistic::Intensity;
use arena_scoring::{
    Kernel, Prediction, ScoringParams, SpikeTrain, TrialStats, Window, pooled_scores, trial_scores,
    trial_stats,
};
use proptest::prelude::*;

const T: f64 = 10.0;
const N_RECORDED: usize = 10;
const SEEDS: u64 = 50;

fn window() -> Window {
    Window::new(0.0, T).unwrap()
}

/// The neuron and the recorded repeats of experiment `seed`.
fn experiment(seed: u64) -> (NoisyNeuron, Vec<SpikeTrain>) {
    let neuron = NoisyNeuron::new(10_000 + seed, T, 8.0);
    let data = neuron.repeats(20_000 + seed, N_RECORDED);
    (neuron, data)
}

fn stats(data: &[SpikeTrain], prediction: &Prediction, params: &ScoringParams) -> TrialStats {
    trial_stats(data, prediction, window(), params)
}

fn primary(data: &[SpikeTrain], prediction: &Prediction) -> f64 {
    trial_scores(&stats(data, prediction, &ScoringParams::default()))
        .primary
        .unwrap()
}

fn train(mut t: Vec<f64>) -> SpikeTrain {
    t.retain(|x| (0.0..T).contains(x));
    t.sort_by(f64::total_cmp);
    t.dedup();
    SpikeTrain::new(t).unwrap()
}

fn repeats(trains: Vec<Vec<f64>>) -> Prediction {
    Prediction::Repeats(trains.into_iter().map(train).collect())
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

/// Builds a prediction from (seed, the neuron with its frozen events, the recorded repeats).
type Make<'a> = &'a dyn Fn(u64, &NoisyNeuron, &[SpikeTrain]) -> Prediction;

/// Mean and s.d. of the primary over [`SEEDS`] experiments.
fn over_seeds(make: Make) -> (f64, f64) {
    let scores: Vec<f64> = (0..SEEDS)
        .map(|s| {
            let (neuron, data) = experiment(s);
            primary(&data, &make(s, &neuron, &data))
        })
        .collect();
    mean_sd(&scores)
}

fn data_rate(data: &[SpikeTrain]) -> f64 {
    data.iter().map(SpikeTrain::len).sum::<usize>() as f64 / (data.len() as f64 * T)
}

/// r* = √(norm_D / c), the rate of the best flat PSTH.
fn best_rate(data: &[SpikeTrain]) -> f64 {
    let k = Kernel::Triangle;
    let nd = recorded_norm(&gram(data, k, 0.004)).unwrap();
    (nd / k.flat_norm_s2(window(), 0.004)).sqrt()
}

fn grid(spacing: f64, phase: f64) -> Vec<f64> {
    (0..((T / spacing) as usize + 1))
        .map(|k| phase + k as f64 * spacing)
        .collect()
}

/// Property 1, dependence-proof: any reassignment of the predicted spikes between repeats
/// (keeping their union and the number of repeats) leaves the primary unchanged bit for bit.
mod dependence {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn reassigning_spikes_between_repeats_leaves_the_primary_unchanged(
            seed in 0u64..50,
            k in 2usize..6,
            assignment in prop::collection::vec(0usize..6, 400),
        ) {
            let (neuron, data) = experiment(seed);
            // The union: a few repeats of the neuron itself (an honest, informative prediction).
            let honest = neuron.repeats(seed + 77, k);
            let mut union: Vec<f64> = honest.iter().flat_map(|t| t.times().to_vec()).collect();
            union.sort_by(f64::total_cmp);
            // Deal the union's spikes to the k repeats by `assignment` (cycled), keeping each
            // repeat free of duplicates by sending a clash to the next repeat.
            let mut dealt: Vec<Vec<f64>> = vec![Vec::new(); k];
            for (i, &t) in union.iter().enumerate() {
                let mut r = assignment[i % assignment.len()] % k;
                while dealt[r].last() == Some(&t) {
                    r = (r + 1) % k;
                }
                dealt[r].push(t);
            }
            let original = trial_scores(&stats(&data, &Prediction::Repeats(honest), &ScoringParams::default()));
            let reassigned = trial_scores(&stats(
                &data,
                &Prediction::Repeats(dealt.into_iter().map(|v| SpikeTrain::new(v).unwrap()).collect()),
                &ScoringParams::default(),
            ));
            for key in ["primary", "md_star", "md_star_null", "md_star_ceiling"] {
                let get = |s: &arena_scoring::CoreScores| {
                    s.entries().into_iter().find(|(n, _)| *n == key).unwrap().1.clone().unwrap()
                };
                prop_assert_eq!(get(&original).to_bits(), get(&reassigned).to_bits(), "{}", key);
            }
        }
    }
}

#[test]
fn chance_corrected_no_constant_rate_beats_the_null() {
    // Property 3. Constant-rate predictions at many rates (multiples of the data rate and of
    // r*, and fixed rates around Γ's singularity 1/(2Δ) = 125 Hz) with K = 1, 2, 10 and 100
    // Poisson repeats, and regular grids: mean primary over 50 seeds ≤ 0 + 0.02. Measured: the
    // largest mean is −0.0175 (Poisson at r*, K = 100, s.d. 0.0068 over seeds); the flat
    // intensity at r* scores 0 exactly; finite K stays below it by rT/K in the norm.
    let mut worst: (f64, String) = (f64::MIN, String::new());
    let mut check = |label: String, mean: f64, sd: f64| {
        eprintln!("{label:<52} {mean:+.4} ± {sd:.4}");
        assert!(
            mean <= 0.02,
            "{label}: mean primary {mean:.4} over {SEEDS} seeds"
        );
        if mean > worst.0 {
            worst = (mean, label);
        }
    };
    enum Rate {
        Data(f64),
        Best(f64),
        Hz(f64),
    }
    let rates = [
        Rate::Data(0.5),
        Rate::Data(1.0),
        Rate::Data(3.0),
        Rate::Best(0.5),
        Rate::Best(1.0),
        Rate::Best(2.0),
        Rate::Hz(124.9),
        Rate::Hz(125.1),
        Rate::Hz(500.0),
    ];
    for rate in &rates {
        for k in [1usize, 2, 10, 100] {
            let (mean, sd) = over_seeds(&|s, _, d| {
                let r = match rate {
                    Rate::Data(f) => f * data_rate(d),
                    Rate::Best(f) => f * best_rate(d),
                    Rate::Hz(r) => *r,
                };
                Prediction::Repeats(poisson_repeats(30_000 + s, r, T, k))
            });
            let name = match rate {
                Rate::Data(f) => format!("{f}× data rate"),
                Rate::Best(f) => format!("{f}× r*"),
                Rate::Hz(r) => format!("{r} Hz"),
            };
            check(format!("Poisson {name}, K = {k}"), mean, sd);
        }
    }
    for spacing_over_delta in [1.01, 2.0, 0.5] {
        let (mean, sd) = over_seeds(&|s, _, _| {
            let spacing = spacing_over_delta * 0.004;
            repeats(vec![grid(spacing, (s as f64 * 0.37) % 1.0 * spacing)])
        });
        check(
            format!("regular grid {spacing_over_delta}·Δ apart"),
            mean,
            sd,
        );
    }
    // A flat intensity at r* attains the null exactly.
    for s in 0..5 {
        let (_, data) = experiment(s);
        let flat = Prediction::Intensity(Intensity {
            start_s: 0.0,
            dt_s: 0.001,
            rate_hz: vec![best_rate(&data); 10_000],
        });
        let p = primary(&data, &flat);
        assert!(p.abs() < 1e-9, "flat intensity at r*: {p}");
    }
    eprintln!("largest mean: {:+.4} ({})", worst.0, worst.1);
}

#[test]
fn dependent_repeats_without_stimulus_information_stay_at_or_below_the_null() {
    // The attacks that version 1 scored far above the ceiling, with no stimulus information:
    // a dense train plus a near-empty repeat (+130 through the server), anti-phase grids
    // 1.01·Δ apart (+1.9 on DRN156). Mean over 50 seeds ≤ 0 + 0.02 (measured −0.38, −0.23
    // and −0.27).
    let attacks: [(&str, Make); 3] = [
        ("dense train + one-spike repeat", &|_, _, _| {
            repeats(vec![grid(1e-4, 5e-5), vec![T / 2.0]])
        }),
        ("anti-phase grids 1.01·Δ apart, 2 repeats", &|s, _, _| {
            let sp = 1.01 * 0.004;
            let phase = (s as f64 * 0.29) % 1.0 * sp;
            repeats(vec![grid(2.0 * sp, phase), grid(2.0 * sp, phase + sp)])
        }),
        ("anti-phase grids at r*, 2 repeats", &|s, _, d| {
            let sp = 1.0 / best_rate(d);
            let phase = (s as f64 * 0.31) % 1.0 * sp;
            repeats(vec![grid(2.0 * sp, phase), grid(2.0 * sp, phase + sp)])
        }),
    ];
    for (name, make) in attacks {
        let (mean, sd) = over_seeds(make);
        eprintln!("{name:<44} {mean:+.4} ± {sd:.4}");
        assert!(mean <= 0.02, "{name}: {mean:.4}");
    }
}

#[test]
fn bounded_no_prediction_without_hidden_data_beats_one() {
    // Property 4. Predictions made from the stimulus (here: the neuron's frozen events and its
    // parameters, everything but the recorded repeats), honest or tricked: mean primary over
    // 50 seeds ≤ 1 + 0.05 (measured: the true intensity 1.0016 ± 0.0086, the best entry;
    // 100 repeats 0.990; the event train 0.72). Copies of a deterministic prediction shifted by
    // ±Δ/2 (+2.3 under version 1) score 0.82: they smooth an over-precise prediction, which is
    // legitimate, and stay below 1.
    let event_train = |n: &NoisyNeuron| n.events.clone();
    let entries: [(&str, Make); 6] = [
        ("the true intensity", &|_, n, _| {
            Prediction::Intensity(n.intensity(1e-4))
        }),
        ("100 repeats of the neuron", &|s, n, _| {
            Prediction::Repeats(n.repeats(40_000 + s, 100))
        }),
        ("the event train (deterministic)", &|_, n, _| {
            repeats(vec![event_train(n)])
        }),
        ("event train ×2, shifted ∓Δ/2 + 0.05 ms", &|_, n, _| {
            let e = event_train(n);
            repeats(vec![
                e.iter().map(|t| t - 0.00205).collect(),
                e.iter().map(|t| t + 0.00205).collect(),
            ])
        }),
        (
            "half the events ×2 shifted ∓Δ/2, half once",
            &|_, n, _| {
                let e = event_train(n);
                let a: Vec<f64> = e.iter().copied().step_by(2).collect();
                let b: Vec<f64> = e.iter().copied().skip(1).step_by(2).collect();
                let mut r0: Vec<f64> = a.iter().map(|t| t - 0.00205).collect();
                let mut r1: Vec<f64> = a.iter().map(|t| t + 0.00205).collect();
                r0.extend(&b);
                r1.extend(&b);
                repeats(vec![r0, r1])
            },
        ),
        ("the intensity sharpened (λ²·scale)", &|_, n, _| {
            let i = n.intensity(1e-4);
            let mean = i.rate_hz.iter().sum::<f64>() / i.rate_hz.len() as f64;
            let mean_sq = i.rate_hz.iter().map(|r| r * r).sum::<f64>() / i.rate_hz.len() as f64;
            Prediction::Intensity(Intensity {
                rate_hz: i.rate_hz.iter().map(|r| r * r * mean / mean_sq).collect(),
                ..i
            })
        }),
    ];
    for (name, make) in entries {
        let (mean, sd) = over_seeds(make);
        eprintln!("{name:<44} {mean:+.4} ± {sd:.4}");
        assert!(mean <= 1.05, "{name}: {mean:.4}");
    }
}

#[test]
fn calibrated_more_repeats_of_the_generating_model_approach_one() {
    // Property 5: K repeats of the generating process score about 1/(1 + ε/K) in Md*, rising
    // with K. This neuron is unreliable (each event fires with probability 0.75, plus 1.5 Hz
    // of background: most of a repeat's spike pairs are with itself), so it needs more repeats
    // than the demo neurons: measured over 50 seeds 0.365, 0.585, 0.799, 0.892, 0.946, 0.979,
    // 0.990 for K = 1, 2, 5, 10, 20, 50, 100 (s.d. 0.05 to 0.009), within 0.05 of 1 from
    // K = 50. The intensity itself scores 1.00.
    let curve: Vec<(usize, f64)> = [1usize, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .map(|k| {
            let (mean, sd) = over_seeds(&|s, n, _| Prediction::Repeats(n.repeats(50_000 + s, k)));
            eprintln!("K = {k:>3}: primary {mean:+.4} ± {sd:.4}");
            (k, mean)
        })
        .collect();
    for w in curve.windows(2) {
        assert!(w[1].1 > w[0].1, "not rising: {w:?}");
    }
    for &(k, mean) in &curve {
        if k >= 50 {
            assert!((mean - 1.0).abs() <= 0.05, "K = {k}: {mean:.4}");
        }
    }
    let (intensity, _) = over_seeds(&|_, n, _| Prediction::Intensity(n.intensity(1e-4)));
    assert!(
        (intensity - 1.0).abs() <= 0.02,
        "the intensity itself: {intensity:.4}"
    );
}

#[test]
fn the_box_kernel_would_reward_splitting_a_prediction_into_shifted_copies() {
    // Property 2, why the kernel changed. Under the INCF box, two copies of a deterministic
    // prediction shifted by ∓(Δ/2 + 0.05 ms) never coincide with each other (4.1 ms > Δ), so
    // the PSTH's norm halves while each recorded spike within 1.95 ms still meets both copies:
    // Md* rises past what the data allow, even with the model side's self-products kept.
    // Under the triangle, Cauchy–Schwarz bounds it.
    let mean_primary = |kernel: Kernel, split: bool| -> f64 {
        let params = ScoringParams {
            delta_s: 0.004,
            kernel,
        };
        let v: Vec<f64> = (0..SEEDS)
            .map(|s| {
                let (n, data) = experiment(s);
                let p = if split {
                    repeats(vec![
                        n.events.iter().map(|t| t - 0.00205).collect(),
                        n.events.iter().map(|t| t + 0.00205).collect(),
                    ])
                } else {
                    repeats(vec![n.events.clone()])
                };
                trial_scores(&stats(&data, &p, &params)).primary.unwrap()
            })
            .collect();
        mean_sd(&v).0
    };
    let [box_one, box_split, tri_one, tri_split] = [
        (Kernel::Box, false),
        (Kernel::Box, true),
        (Kernel::Triangle, false),
        (Kernel::Triangle, true),
    ]
    .map(|(k, split)| mean_primary(k, split));
    eprintln!(
        "event train: box {box_one:+.4}, split {box_split:+.4}; triangle {tri_one:+.4}, \
         split {tri_split:+.4}"
    );
    assert!(box_split > 1.05, "box, split copies: {box_split}");
    assert!(tri_split <= 1.05, "triangle, split copies: {tri_split}");
}

#[test]
fn pooled_trials_keep_the_flat_null_bound() {
    // Pooling: the pooled null is the best single rate over all trials, so a flat intensity
    // at the pooled r* scores exactly 0 on the pooled trials.
    let trials: Vec<(NoisyNeuron, Vec<SpikeTrain>)> = (0..3).map(experiment).collect();
    let k = Kernel::Triangle;
    let nd: f64 = trials
        .iter()
        .map(|(_, d)| recorded_norm(&gram(d, k, 0.004)).unwrap())
        .sum();
    let c = 3.0 * k.flat_norm_s2(window(), 0.004);
    let r = (nd / c).sqrt();
    let flat = Prediction::Intensity(Intensity {
        start_s: 0.0,
        dt_s: 0.001,
        rate_hz: vec![r; 10_000],
    });
    let pooled = pooled_scores(
        &trials
            .iter()
            .map(|(_, d)| stats(d, &flat, &ScoringParams::default()))
            .collect::<Vec<_>>(),
    );
    assert!(pooled.primary.clone().unwrap().abs() < 1e-9, "{pooled:?}");
    let a: f64 = trials
        .iter()
        .map(|(_, d)| flat_cross_per_rate(d, window(), k, 0.004))
        .sum();
    assert!((pooled.md_star_null.unwrap() - a / (nd * c).sqrt()).abs() < 1e-12);
}
