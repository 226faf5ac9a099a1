//! The evidence behind the primary score's design, by simulation: prints, for a noisy
//! rate-modulated neuron, the primary score of held-out recorded repeats (for several numbers
//! of repeats) and of homogeneous Poisson predictions over a sweep of rates — with the null
//! used here (best constant rate) and with a null at the data's rate, for contrast.
//!
//! `cargo run --release -p arena-scoring --example rate_sweep`

#[path = "../tests/common/mod.rs"]
mod common;

use arena_scoring::naud::flat_md_star;
use arena_scoring::{
    Prediction, ScoringParams, SpikeTrain, TrialStats, Window, pooled_scores, trial_stats,
};
use common::{NoisyNeuron, poisson_repeats};

const T: f64 = 20.0;
const TRIALS: u64 = 3;
const SEEDS: u64 = 20;

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

/// Primary score, and the primary score one would get with the null at the data's rate.
fn scores(stats: &[TrialStats]) -> (f64, f64) {
    let s = pooled_scores(stats);
    let (md, ceil) = (s.md_star.unwrap(), s.md_star_ceiling.unwrap());
    let norm_d: f64 = stats.iter().map(|t| t.norm_recorded.clone().unwrap()).sum();
    let a: f64 = stats.iter().map(|t| t.null_a).sum();
    let c: f64 = stats.iter().map(|t| t.null_c).sum();
    let spikes: usize = stats.iter().map(|t| t.recorded_spikes).sum();
    let rate = spikes as f64 / (stats[0].n_recorded as f64 * T * stats.len() as f64);
    let data_rate_null = flat_md_star(norm_d, a, c, rate);
    (
        s.primary.unwrap(),
        (md - data_rate_null) / (ceil - data_rate_null),
    )
}

fn main() {
    let w = Window::new(0.0, T).unwrap();
    let p = ScoringParams::default();
    let neurons: Vec<NoisyNeuron> = (0..TRIALS)
        .map(|k| NoisyNeuron::new(40 + k, T, 8.0))
        .collect();
    let data_rate = neurons.iter().map(NoisyNeuron::mean_rate_hz).sum::<f64>() / TRIALS as f64;
    println!(
        "noisy neuron: {TRIALS} trials × {T} s, mean rate {data_rate:.1} Hz, Δ = 4 ms, {SEEDS} seeds"
    );
    println!(
        "{:<38} {:>16} {:>22}",
        "prediction", "primary", "primary, data-rate null"
    );
    let run =
        |label: &str, n_rec: usize, make: &dyn Fn(u64, &NoisyNeuron, u64) -> Vec<SpikeTrain>| {
            let (mut ours, mut naive) = (Vec::new(), Vec::new());
            for seed in 0..SEEDS {
                let stats: Vec<TrialStats> = neurons
                    .iter()
                    .enumerate()
                    .map(|(k, n)| {
                        let rec = n.repeats(1000 * seed + k as u64, n_rec);
                        trial_stats(&rec, &Prediction::Repeats(make(seed, n, k as u64)), w, &p)
                    })
                    .collect();
                let (a, b) = scores(&stats);
                ours.push(a);
                naive.push(b);
            }
            let ((m, s), (mn, sn)) = (mean_sd(&ours), mean_sd(&naive));
            println!("{label:<38} {m:>+8.3} ± {s:<6.3} {mn:>+14.3} ± {sn:<6.3}");
        };
    for n_rec in [4, 6, 10, 20] {
        run(
            &format!("held-out repeats (N_D = N_M = {n_rec})"),
            n_rec,
            &|seed, n, k| n.repeats(500_000 + 1000 * seed + k, n_rec),
        );
    }
    for rate in [
        1.0,
        data_rate / 2.0,
        data_rate,
        2.0 * data_rate,
        3.0 * data_rate,
        30.0,
        50.0,
        124.9,
        125.1,
        130.0,
        500.0,
    ] {
        run(
            &format!("Poisson {rate:.1} Hz, 10 repeats"),
            10,
            &|seed, _, k| poisson_repeats(900_000 + 1000 * seed + k, rate, T, 10),
        );
    }
    run(
        &format!("Poisson {data_rate:.1} Hz, 1 repeat (deterministic)"),
        10,
        &|seed, _, k| poisson_repeats(700_000 + 1000 * seed + k, data_rate, T, 1),
    );
}
