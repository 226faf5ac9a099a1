//! All four injected-current baselines fitted to the demo neuron and scored on held-out data.

use crate::point_common::{coincidence_factor, demo_current, demo_neuron};
use arena_neuron::point::{
    fit_adex, fit_gif, fit_lif, fit_mat, simulate_adex, simulate_gif, simulate_lif, simulate_mat,
};

const K: u64 = 8;

/// Mean Γ (Δ = 4 ms) over all pairs (data repeat, model repeat).
fn mean_gamma(data: &[Vec<f64>], model: &[Vec<f64>], duration_s: f64) -> f64 {
    let mut sum = 0.0;
    for d in data {
        for m in model {
            sum += coincidence_factor(d, m, 0.004, duration_s);
        }
    }
    sum / (data.len() * model.len()) as f64
}

/// Each baseline is fitted on one 20 s training response of the demo neuron and predicts a
/// held-out 10 s stimulus; Γ is averaged over 8 recorded repeats (and 8 model repeats for the
/// stochastic AdEx fit and GIF). Measured: R = 0.832, Γ: AdEx 0.849, GIF 0.743, MAT 0.684,
/// LIF 0.642 — the correctly specified model reaches the noise ceiling (its Γ may exceed R by
/// sampling noise) and the simpler models lose ground in the order of their simplifications.
/// Thresholds: AdEx ≥ 0.9 R and best of all; GIF ≥ 0.65, MAT ≥ 0.6, LIF ≥ 0.55 (a model
/// without stimulus information scores ≈ 0).
#[test]
fn baselines_predict_the_demo_neuron() {
    let truth = demo_neuron(0.02);
    let train = demo_current(20.0, 31);
    let r = simulate_adex(&truth, &train, 1e-4, 77).unwrap();
    let (v, s) = (&r.voltage_mv, &r.spikes_s);
    let lif = fit_lif(&train, v, s, 1e-4).unwrap();
    let adex = fit_adex(&train, v, s, 1e-4).unwrap();
    let mat = fit_mat(&train, v, s, 1e-4).unwrap();
    let gif = fit_gif(&train, v, s, 1e-4).unwrap();

    let test = demo_current(10.0, 32);
    let data: Vec<Vec<f64>> = (0..K)
        .map(|k| {
            simulate_adex(&truth, &test, 1e-4, 1000 + k)
                .unwrap()
                .spikes_s
        })
        .collect();
    let reliability = {
        let mut sum = 0.0;
        for (a, x) in data.iter().enumerate() {
            for (b, y) in data.iter().enumerate() {
                if a != b {
                    sum += coincidence_factor(x, y, 0.004, 10.0);
                }
            }
        }
        sum / (K * (K - 1)) as f64
    };
    let repeats = |f: &dyn Fn(u64) -> Vec<f64>| -> Vec<Vec<f64>> { (0..K).map(f).collect() };
    let g_lif = mean_gamma(
        &data,
        &[simulate_lif(&lif, &test, 1e-4).unwrap().spikes_s],
        10.0,
    );
    let g_mat = mean_gamma(
        &data,
        &[simulate_mat(&mat, &test, 1e-4).unwrap().spikes_s],
        10.0,
    );
    let g_adex = mean_gamma(
        &data,
        &repeats(&|k| simulate_adex(&adex, &test, 1e-4, k).unwrap().spikes_s),
        10.0,
    );
    let g_gif = mean_gamma(
        &data,
        &repeats(&|k| simulate_gif(&gif, &test, 1e-4, k).unwrap().spikes_s),
        10.0,
    );
    let scores =
        format!("R {reliability:.3} LIF {g_lif:.3} MAT {g_mat:.3} AdEx {g_adex:.3} GIF {g_gif:.3}");
    assert!((0.7..0.95).contains(&reliability), "{scores}");
    assert!(g_adex >= 0.9 * reliability, "{scores}");
    assert!(g_adex > g_gif.max(g_mat).max(g_lif), "{scores}");
    assert!(g_gif >= 0.65, "{scores}");
    assert!(g_mat >= 0.6, "{scores}");
    assert!(g_lif >= 0.55, "{scores}");
}
