//! Passive cells against analytic cable theory (Rall 1959; Koch 1999, "Biophysics of
//! Computation", ch. 2–3) and against the closed-form backward-Euler solution.

use arena_neuron::cable::channels::PasParams;
use arena_neuron::cable::spec::{IonsSpec, MechanismsSpec, SectionSpec};
use arena_neuron::cable::{Cell, CellSpec, CurrentClamp, Drive, Numerics};

/// g_pas = 1e-4 S/cm² → Rm = 1e4 Ω·cm², τm = Rm·cm = 1e4 Ω·cm² · 1e-6 F/cm² = 10 ms.
const G_PAS: f64 = 1e-4;

fn section(name: &str, parent: Option<&str>, l: f64, diam: f64, nseg: usize) -> SectionSpec {
    SectionSpec {
        name: name.into(),
        parent: parent.map(Into::into),
        parent_x: parent.map(|_| 1.0),
        length: l,
        diam,
        pt3d: Vec::new(),
        nseg,
        ra: None,
        cm: None,
        mechanisms: MechanismsSpec {
            pas: Some(PasParams { g: G_PAS, e: -65.0 }),
            ..Default::default()
        },
        ions: IonsSpec::default(),
    }
}

fn cell(sections: Vec<SectionSpec>) -> Cell {
    Cell::new(&CellSpec {
        ra: 100.0,
        cm: 1.0,
        celsius: 6.3,
        v_init: -65.0,
        sections,
        synapse_types: Default::default(),
    })
    .unwrap()
}

/// Steady depolarisation (mV) at the current's node for a long step of `amp` nA.
fn steady_response(cell: &Cell, node: usize, amp: f64, record: impl Fn(&[f64]) -> f64) -> f64 {
    let drive = Drive {
        clamps: vec![CurrentClamp {
            node,
            step_ms: 400.0,
            amp_na: vec![amp],
        }],
        ..Drive::default()
    };
    let t = cell
        .simulate(
            &drive,
            &Numerics {
                dt_ms: 0.5,
                t_stop_ms: 400.0,
                threshold_mv: 0.0,
                record_every: 1,
            },
        )
        .unwrap();
    record(&t.soma_v_mv) + 65.0
}

#[test]
fn single_compartment_follows_the_backward_euler_solution() {
    // Soma 20 µm × 20 µm: area 400π µm² = 1.2566e-5 cm²; G = 1e-4 · 1.2566e-5 S = 1.2566 nS,
    // R_in = 795.775 MΩ; C = 12.566 pF; τ = RC = 10 ms. For I = 0.01 nA the steady state is
    // 7.95775 mV and backward Euler gives V_k = V∞·(1 − (1 + dt/τ)^−k) exactly.
    let c = cell(vec![section("soma", None, 20.0, 20.0, 1)]);
    let drive = Drive {
        clamps: vec![CurrentClamp {
            node: c.soma_node(),
            step_ms: 1000.0,
            amp_na: vec![0.01],
        }],
        ..Drive::default()
    };
    let dt = 0.1;
    let t = c
        .simulate(
            &drive,
            &Numerics {
                dt_ms: dt,
                t_stop_ms: 50.0,
                threshold_mv: 0.0,
                record_every: 1,
            },
        )
        .unwrap();
    let v_inf = 7.957747154594769;
    for (k, v) in t.soma_v_mv.iter().enumerate() {
        let expected = -65.0 + v_inf * (1.0 - (1.0 + dt / 10.0f64).powi(-(k as i32)));
        assert!((v - expected).abs() < 1e-9, "step {k}: {v} vs {expected}");
    }
}

#[test]
fn sealed_cable_input_resistance_matches_cable_theory() {
    // d = 2 µm, Ri = 100 Ω·cm, Rm = 1e4 Ω·cm²: λ = √(Rm·d/(4Ri)) = √(1e4·2e-4/400) cm
    // = 707.107 µm; R∞ = (2/π)·√(Rm·Ri)/d^{3/2} = 225.079 MΩ; L = 500 µm sealed:
    // R_in = R∞·coth(L/λ) = 369.673 MΩ. 0.01 nA → 3.69673 mV at the injection end.
    let c = cell(vec![section("cable", None, 500.0, 2.0, 201)]);
    let dv = steady_response(&c, 0, 0.01, |v| *v.last().unwrap());
    // The recorded node is the centre (x = 0.5); the theory at x = 0.5:
    // V(X) = V0·cosh(L/λ − X/λ)/cosh(L/λ), so V(0.5) = 3.69673·cosh(0.353553)/cosh(0.707107).
    let v0 = 3.69673346543882;
    // L/λ = 500/707.107 = 1/√2.
    let l_over_lambda = std::f64::consts::FRAC_1_SQRT_2;
    let expected_mid = v0 * (l_over_lambda / 2.0).cosh() / l_over_lambda.cosh();
    assert!(
        (dv - expected_mid).abs() < 1e-3 * expected_mid,
        "{dv} vs {expected_mid}"
    );
}

#[test]
fn ball_and_stick_input_resistance_matches_cable_theory() {
    // Soma conductance 1.25664 nS in parallel with the cable's 1/369.673 MΩ = 2.70509 nS:
    // R_in = 1/(3.96173 nS) = 252.415 MΩ. 0.02 nA → 5.04830 mV (the soma's own axial
    // resistance, 0.03 MΩ, is negligible).
    let c = cell(vec![
        section("soma", None, 20.0, 20.0, 1),
        section("dend", Some("soma"), 500.0, 2.0, 201),
    ]);
    let dv = steady_response(&c, c.soma_node(), 0.02, |v| *v.last().unwrap());
    let expected = 0.02 * 252.4151111918555;
    assert!(
        (dv - expected).abs() < 1e-3 * expected,
        "{dv} vs {expected}"
    );
}

#[test]
fn slowest_decay_is_the_membrane_time_constant() {
    // After the current stops, the slowest mode of a uniform passive tree with sealed ends is
    // the uniform one, which decays with τm = 10 ms; under backward Euler each step multiplies
    // it by exactly 1/(1 + dt/τm).
    let c = cell(vec![
        section("soma", None, 20.0, 20.0, 1),
        section("dend", Some("soma"), 500.0, 2.0, 51),
    ]);
    let dt = 0.1;
    let drive = Drive {
        clamps: vec![CurrentClamp {
            node: c.soma_node(),
            step_ms: 5.0,
            amp_na: vec![0.1],
        }],
        ..Drive::default()
    };
    let t = c
        .simulate(
            &drive,
            &Numerics {
                dt_ms: dt,
                t_stop_ms: 150.0,
                threshold_mv: 0.0,
                record_every: 1,
            },
        )
        .unwrap();
    let v = &t.soma_v_mv;
    let k = v.len() - 2;
    let ratio = (v[k + 1] + 65.0) / (v[k] + 65.0);
    let expected = 1.0 / (1.0 + dt / 10.0);
    assert!((ratio - expected).abs() < 1e-7, "{ratio} vs {expected}");
    // and the equivalent continuous time constant −dt/ln(ratio) is τm to O(dt):
    let tau = -dt / ratio.ln();
    assert!((tau - 10.0).abs() < 0.06, "{tau}");
}
