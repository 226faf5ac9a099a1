//! GIF simulator statistics and `fit_gif` recovery on data from a known GIF.

mod point_common;

use arena_neuron::point::gif_fit::FIT_KERNEL_EDGES_MS;
use arena_neuron::point::{GifParams, fit_gif, simulate_gif};
use point_common::demo_current;

fn truth() -> GifParams {
    GifParams {
        c_pf: 200.0,
        g_l_ns: 10.0,
        e_l_mv: -70.0,
        v_reset_mv: -56.0,
        t_ref_ms: 2.0,
        v_t_star_mv: -53.0,
        delta_v_mv: 1.0,
        kernel_edges_ms: FIT_KERNEL_EDGES_MS.to_vec(),
        eta_pa: vec![60.0, 40.0, 25.0, 15.0, 8.0, 4.0, 2.0, 1.0],
        gamma_mv: vec![12.0, 6.0, 4.0, 2.5, 1.5, 1.0, 0.5, 0.2],
    }
}

/// Data from a known GIF, 40 s (≈ 330 spikes).
/// - Subthreshold (C, g_L, E_L, η): the regression inverts the simulator's Euler step with the
///   same rectangular basis, so they are exact to rounding (1e-6 relative; measured 1e-12).
/// - V_reset exact; t_ref within dt/2.
/// - Threshold (V_T*, ΔV, γ) is a maximum-likelihood estimate. Its spread, measured over 8
///   independent stimuli and seeds of this length (release build, removed exploratory test):
///   ΔV 0.93–1.06 mV (truth 1.0), V_T* −53.8 to −52.6 mV (truth −53.0), γ₂…γ₈ within 1.4 mV
///   of the truth (γ₂, the worst), γ₃…γ₈ within 0.3 mV. γ₁ (ages 0–5 ms) came out 20–29 mV
///   for a truth of 12: at ages 2–5 ms V sits near reset, far below threshold, so spikes there
///   are impossible under any γ₁ ≳ 10 mV and the likelihood is flat in that direction — the
///   parameter is not identifiable from above, only bounded from below.
///   Tolerances: ΔV ±15 %, V_T* ±1.2 mV, γ₂…γ₈ ±2 mV, γ₁ ≥ 8 mV.
/// - The fitted model fires like the truth on a held-out stimulus: mean count over 8 seeds
///   within 10 % (≈ 650 spikes each, Poisson SE ≈ 4 %).
#[test]
fn gif_fit_recovers_a_known_gif() {
    let p = truth();
    let i = demo_current(40.0, 12);
    let r = simulate_gif(&p, &i, 1e-4, 5).unwrap();
    assert!(
        (200..600).contains(&r.spikes_s.len()),
        "{}",
        r.spikes_s.len()
    );
    let fit = fit_gif(&i, &r.voltage_mv, &r.spikes_s, 1e-4).unwrap();
    let relative = |got: f64, want: f64| (got / want - 1.0).abs();
    assert!(relative(fit.c_pf, p.c_pf) < 1e-6, "{fit:?}");
    assert!(relative(fit.g_l_ns, p.g_l_ns) < 1e-6, "{fit:?}");
    assert!((fit.e_l_mv - p.e_l_mv).abs() < 1e-6, "{fit:?}");
    for (got, want) in fit.eta_pa.iter().zip(&p.eta_pa) {
        assert!((got - want).abs() < 1e-6, "eta {:?}", fit.eta_pa);
    }
    assert_eq!(fit.v_reset_mv, p.v_reset_mv);
    assert!((fit.t_ref_ms - p.t_ref_ms).abs() <= 0.05, "{fit:?}");
    assert!(relative(fit.delta_v_mv, p.delta_v_mv) < 0.15, "{fit:?}");
    assert!((fit.v_t_star_mv - p.v_t_star_mv).abs() < 1.2, "{fit:?}");
    assert!(fit.gamma_mv[0] >= 8.0, "gamma {:?}", fit.gamma_mv);
    for (got, want) in fit.gamma_mv.iter().zip(&p.gamma_mv).skip(1) {
        assert!((got - want).abs() < 2.0, "gamma {:?}", fit.gamma_mv);
    }

    let held_out = demo_current(10.0, 13);
    let count = |q: &GifParams| -> usize {
        (0..8)
            .map(|seed| {
                simulate_gif(q, &held_out, 1e-4, 50 + seed)
                    .unwrap()
                    .spikes_s
                    .len()
            })
            .sum()
    };
    let (want, got) = (count(&p) as f64, count(&fit) as f64);
    assert!(relative(got, want) < 0.1, "{got} vs {want}");
}

/// Escape noise: different seeds give different repeats, the same seed the same one, and with
/// the threshold lowered by 2ΔV the count rises (the rate scales by e² at fixed V).
#[test]
fn gif_is_seeded_and_its_rate_follows_the_threshold() {
    let p = truth();
    let i = demo_current(10.0, 1);
    let a = simulate_gif(&p, &i, 1e-4, 1).unwrap();
    assert_eq!(a, simulate_gif(&p, &i, 1e-4, 1).unwrap());
    assert_ne!(a.spikes_s, simulate_gif(&p, &i, 1e-4, 2).unwrap().spikes_s);
    let lower = GifParams {
        v_t_star_mv: p.v_t_star_mv - 2.0,
        ..p.clone()
    };
    let b = simulate_gif(&lower, &i, 1e-4, 1).unwrap();
    assert!(
        b.spikes_s.len() > a.spikes_s.len(),
        "{} vs {}",
        b.spikes_s.len(),
        a.spikes_s.len()
    );
}

/// Without kernels, at rest and reset at rest, the process is Poisson at λ₀ e^{(V − V_T*)/ΔV}:
/// a GIF held at E_L = −70 mV (no input) with V_T* = −70 − ΔV ln 20 fires at λ₀·20 = 20 Hz.
/// 50 s: count ≈ 1000 ± 32 (Poisson; the Bernoulli per-step probability 1 − e^{−λdt} differs
/// from λdt by 0.1 %), tolerance ±130 (4 SE).
#[test]
fn gif_escape_rate_matches_the_formula() {
    let p = GifParams {
        v_t_star_mv: -70.0 - 20f64.ln(),
        v_reset_mv: -70.0,
        eta_pa: vec![0.0; 8],
        gamma_mv: vec![0.0; 8],
        t_ref_ms: 0.0,
        ..truth()
    };
    let r = simulate_gif(&p, &vec![0.0; 500_000], 1e-4, 3).unwrap();
    let n = r.spikes_s.len() as f64;
    assert!((n - 1000.0).abs() < 130.0, "{n}");
}

#[test]
fn gif_rejects_malformed_kernels() {
    let mut p = truth();
    p.eta_pa.pop();
    let err = simulate_gif(&p, &[0.0], 1e-4, 0).unwrap_err();
    assert!(err.to_string().starts_with("eta_pa"), "{err}");
    let mut p = truth();
    p.kernel_edges_ms[3] = 1.0;
    let err = simulate_gif(&p, &[0.0], 1e-4, 0).unwrap_err();
    assert!(err.to_string().starts_with("kernel_edges_ms"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    /// For any bounded input and seed: one voltage sample per current sample, spike times
    /// strictly increasing inside the window and at least t_ref apart.
    #[test]
    fn gif_invariants(
        current in proptest::collection::vec(-0.5f64..1.5, 1..3000),
        seed in proptest::prelude::any::<u64>(),
    ) {
        let p = truth();
        let r = simulate_gif(&p, &current, 1e-4, seed).unwrap();
        proptest::prop_assert_eq!(r.voltage_mv.len(), current.len());
        proptest::prop_assert!(r.spikes_s.iter().all(|&t| (0.0..=current.len() as f64 * 1e-4).contains(&t)));
        for w in r.spikes_s.windows(2) {
            proptest::prop_assert!(w[1] - w[0] >= p.t_ref_ms * 1e-3 - 1e-12);
        }
    }
}
