//! `fit_lif` recovers a known LIF from its own simulated response to an OU current.

use arena_neuron::point::{FitError, LifParams, fit_lif, simulate_lif};
use arena_neuron::stimulus::{OuCurrentRecipe, OuSegment, ou_current};

fn truth() -> LifParams {
    LifParams {
        c_pf: 180.0,
        g_l_ns: 12.0, // τ = 15 ms
        e_l_mv: -68.0,
        v_th_mv: -52.0,
        v_reset_mv: -60.0,
        t_ref_ms: 2.5,
    }
}

fn training_current(seed: u64) -> Vec<f64> {
    let recipe = OuCurrentRecipe {
        tau_s: 0.003,
        segments: vec![
            OuSegment {
                duration_s: 3.0,
                mean_na: 0.12,
                std_na: 0.15,
            },
            OuSegment {
                duration_s: 4.0,
                mean_na: 0.18,
                std_na: 0.10,
            },
        ],
    };
    ou_current(&recipe, 20.0, 1e-4, seed).unwrap()
}

/// Tolerances:
/// - C, g_L, E_L: the regression inverts the simulator's own Euler step on samples where the
///   model is exactly linear, so they are recovered to rounding (relative 1e-6).
/// - V_reset: read directly (exact).
/// - t_ref: estimator error is uniform per spike on ±dt/2 around 0, averaged over ~330 spikes
///   (SE ≈ dt/√(12·330) ≈ 1.6 µs); tolerance 0.02 ms.
/// - θ: the centre of the interval of thresholds reproducing the spike count; the interval's
///   width is set by how close subthreshold voltage excursions come to θ (0.005 mV error
///   measured with the 334 spikes of this 20 s trace); tolerance 0.2 mV, far below the 8 mV
///   between θ and reset.
///
/// And the fitted model reproduces the training spikes on a held-out current.
#[test]
fn fit_lif_recovers_a_known_lif() {
    let p = truth();
    let current = training_current(21);
    let r = simulate_lif(&p, &current, 1e-4).unwrap();
    assert!(
        (100..400).contains(&r.spikes_s.len()),
        "{} spikes",
        r.spikes_s.len()
    );
    let fit = fit_lif(&current, &r.voltage_mv, &r.spikes_s, 1e-4).unwrap();
    assert!((fit.c_pf / p.c_pf - 1.0).abs() < 1e-6, "{fit:?}");
    assert!((fit.g_l_ns / p.g_l_ns - 1.0).abs() < 1e-6, "{fit:?}");
    assert!((fit.e_l_mv - p.e_l_mv).abs() < 1e-6, "{fit:?}");
    assert_eq!(fit.v_reset_mv, p.v_reset_mv);
    assert!((fit.t_ref_ms - p.t_ref_ms).abs() < 0.02, "{fit:?}");
    assert!((fit.v_th_mv - p.v_th_mv).abs() < 0.2, "{fit:?}");

    let held_out = training_current(22);
    let want = simulate_lif(&p, &held_out, 1e-4).unwrap().spikes_s;
    let got = simulate_lif(&fit, &held_out, 1e-4).unwrap().spikes_s;
    let matched = want
        .iter()
        .filter(|&&t| got.iter().any(|&s| (s - t).abs() <= 0.002))
        .count();
    assert!(
        matched as f64 >= 0.9 * want.len() as f64,
        "{matched}/{}",
        want.len()
    );
}

#[test]
fn fit_lif_rejects_bad_training_data() {
    let current = training_current(3);
    let r = simulate_lif(&truth(), &current, 1e-4).unwrap();
    let err = fit_lif(&current[1..], &r.voltage_mv, &r.spikes_s, 1e-4).unwrap_err();
    assert!(matches!(err, FitError::LengthMismatch { .. }), "{err}");
    let mut spikes = r.spikes_s.clone();
    spikes.swap(0, 1);
    let err = fit_lif(&current, &r.voltage_mv, &spikes, 1e-4).unwrap_err();
    assert!(err.to_string().starts_with("spikes_s[1]"), "{err}");
    let err = fit_lif(&current, &r.voltage_mv, &[25.0], 1e-4).unwrap_err();
    assert!(err.to_string().contains("outside the recording"), "{err}");
    let mut v = r.voltage_mv.clone();
    v[10] = f64::NAN;
    let err = fit_lif(&current, &v, &r.spikes_s, 1e-4).unwrap_err();
    assert!(err.to_string().starts_with("voltage_mv[10]"), "{err}");
    let err = fit_lif(&current, &r.voltage_mv, &[], 1e-4).unwrap_err();
    assert!(matches!(err, FitError::TooLittleData { .. }), "{err}");
    // A constant current makes I collinear with the intercept.
    let flat = vec![0.1; 5000];
    let quiet = simulate_lif(&truth(), &flat, 1e-4).unwrap();
    let err = fit_lif(&flat, &quiet.voltage_mv, &[0.25], 1e-4).unwrap_err();
    assert!(matches!(err, FitError::Singular { .. }), "{err}");
}
