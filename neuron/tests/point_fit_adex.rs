//! `fit_adex` recovers a known AdEx neuron from its own simulated response.

use arena_neuron::point::{AdExParams, fit_adex, simulate_adex};
use arena_neuron::stimulus::{OuCurrentRecipe, OuSegment, ou_current};

/// The demo neuron (see `point_demo.rs`), with its noise switchable.
fn truth(noise_std_na: f64) -> AdExParams {
    AdExParams {
        c_pf: 200.0,
        g_l_ns: 10.0,
        e_l_mv: -70.0,
        v_t_mv: -50.0,
        delta_t_mv: 2.0,
        a_ns: 2.0,
        tau_w_ms: 100.0,
        b_pa: 40.0,
        v_reset_mv: -58.0,
        v_peak_mv: 0.0,
        t_ref_ms: 2.0,
        noise_std_na,
        noise_tau_ms: 5.0,
    }
}

/// The demo stimulus recipe (10 s cycle of four segments).
fn current(duration_s: f64, seed: u64) -> Vec<f64> {
    let segment = |duration_s, mean_na, std_na| OuSegment {
        duration_s,
        mean_na,
        std_na,
    };
    let recipe = OuCurrentRecipe {
        tau_s: 0.003,
        segments: vec![
            segment(3.0, 0.16, 0.16),
            segment(2.0, 0.08, 0.40),
            segment(3.0, 0.21, 0.24),
            segment(2.0, 0.12, 0.32),
        ],
    };
    ou_current(&recipe, duration_s, 1e-4, seed).unwrap()
}

#[test]
fn fit_adex_recovers_a_noise_free_adex() {
    let p = truth(0.0);
    let i = current(20.0, 4);
    let r = simulate_adex(&p, &i, 1e-4, 0).unwrap();
    let fit = fit_adex(&i, &r.voltage_mv, &r.spikes_s, 1e-4).unwrap();
    eprintln!("{} spikes\n{fit:#?}", r.spikes_s.len());
}

#[test]
fn fit_adex_on_noisy_adex() {
    let p = truth(0.02);
    let i = current(20.0, 4);
    let r = simulate_adex(&p, &i, 1e-4, 9).unwrap();
    let fit = fit_adex(&i, &r.voltage_mv, &r.spikes_s, 1e-4).unwrap();
    eprintln!("{} spikes\n{fit:#?}", r.spikes_s.len());
}
