//! SWC import against NEURON 9.0.2's Import3d on committed fixtures
//! (`neuron/tests/fixtures/neuron/swc_*.neuron.json`, written by
//! `neuron/peer/make_swc_fixtures.py`): section structure, nseg by d_lambda, every segment's
//! area and axial resistance, the somatic input resistance and the somatic voltage of a
//! current step, passive and with hh in the soma.

use arena_neuron::cable::morphology::{Morphology, segments_from_pt3d};
use arena_neuron::cable::spec::MechanismsSpec;
use arena_neuron::cable::swc::{self, SwcOptions};
use arena_neuron::cable::{Cell, CellSpec, CurrentClamp, Drive, Numerics};
use serde_json::Value;
use std::f64::consts::PI;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/neuron");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&read(&format!("{name}.neuron.json"))).unwrap()
}

fn mechanisms(json: &str) -> MechanismsSpec {
    serde_json::from_str(json).unwrap()
}

/// The fixture's cell: its SWC with its Ra, cm, d_lambda and frequency, and `pas` (the
/// fixture's g and e) everywhere, or hh (the fixture's parameters) in the soma.
fn spec(fix: &Value, swc_text: &str, hh_soma: bool) -> CellSpec {
    let pas = mechanisms(&format!(r#"{{"pas": {}}}"#, fix["pas"]));
    let mut options = SwcOptions {
        ra: fix["Ra"].as_f64().unwrap(),
        cm: fix["cm"].as_f64().unwrap(),
        d_lambda: fix["d_lambda"].as_f64().unwrap(),
        freq_hz: fix["freq_hz"].as_f64().unwrap(),
        ..SwcOptions::default()
    };
    for stem in ["soma", "axon", "dend", "apic"] {
        options.mechanisms.insert(stem.into(), pas.clone());
    }
    if hh_soma {
        let hh = mechanisms(&format!(r#"{{"hh": {}}}"#, fix["hh"]));
        options.mechanisms.insert("soma".into(), hh);
    }
    swc::to_cell_spec(&swc::parse(swc_text).unwrap(), &options).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Input resistance (MΩ) at `node` of a passive tree with leak conductance `g_leak` (µS per
/// node): solves G·v = e_node by Hines elimination (parents precede children), v in mV per nA.
fn input_resistance(m: &Morphology, g_leak: &[f64], node: usize) -> f64 {
    let n = m.n_nodes();
    let mut d: Vec<f64> = g_leak.to_vec();
    for i in 1..n {
        d[i] += m.g_axial_us[i];
        d[m.parent[i]] += m.g_axial_us[i];
    }
    let mut rhs = vec![0.0; n];
    rhs[node] = 1.0;
    for i in (1..n).rev() {
        let (p, g) = (m.parent[i], m.g_axial_us[i]);
        d[p] -= g * g / d[i];
        rhs[p] += g * rhs[i] / d[i];
    }
    let mut v = vec![0.0; n];
    v[0] = rhs[0] / d[0];
    for i in 1..n {
        v[i] = (rhs[i] + m.g_axial_us[i] * v[m.parent[i]]) / d[i];
    }
    v[node]
}

/// Sections, nseg, L, 3-D points, every segment's area and ri, total area and input
/// resistance of one fixture.
fn check_geometry(name: &str) {
    let fix = fixture(name);
    let text = read(fix["swc"].as_str().unwrap());
    let spec = spec(&fix, &text, false);
    let nrn = fix["sections"].as_array().unwrap();
    fn names(mut v: Vec<&str>) -> Vec<&str> {
        v.sort();
        v
    }
    assert_eq!(
        names(spec.sections.iter().map(|s| s.name.as_str()).collect()),
        names(nrn.iter().map(|s| s["name"].as_str().unwrap()).collect()),
        "{name}: section names"
    );
    let cell = Cell::new(&spec).unwrap();
    let m = cell.morphology();
    let mut total_area = 0.0;
    let mut worst = (0.0f64, 0.0f64);
    for ns in nrn {
        let sname = ns["name"].as_str().unwrap();
        let s = spec.sections.iter().find(|s| s.name == sname).unwrap();
        assert_eq!(
            s.parent.as_deref(),
            ns["parent"].as_str(),
            "{name} {sname} parent"
        );
        assert_eq!(
            s.parent_x,
            ns["parent_x"].as_f64(),
            "{name} {sname} parent_x"
        );
        assert_eq!(
            s.nseg as u64,
            ns["nseg"].as_u64().unwrap(),
            "{name} {sname} nseg"
        );
        assert!(
            rel(s.length, ns["L"].as_f64().unwrap()) < 1e-12,
            "{name} {sname} L"
        );
        // NEURON stores points in single precision; compare them there (the JSON round trip
        // of the f64 values may move the last bit).
        let pts: Vec<[f64; 4]> = serde_json::from_value(ns["pt3d"].clone()).unwrap();
        let single =
            |v: &[[f64; 4]]| -> Vec<[f32; 4]> { v.iter().map(|p| p.map(|c| c as f32)).collect() };
        assert_eq!(single(&s.pt3d), single(&pts), "{name} {sname} pt3d");
        let nodes = &m.sections[m.section(sname, String::new).unwrap()];
        let areas = ns["area_um2"].as_array().unwrap();
        let ri = ns["ri_MOhm"].as_array().unwrap();
        assert_eq!(areas.len(), nodes.centres.len());
        for (k, &c) in nodes.centres.iter().enumerate() {
            let (a, r) = (areas[k].as_f64().unwrap(), ri[k].as_f64().unwrap());
            worst.0 = worst.0.max(rel(m.area_um2[c], a));
            worst.1 = worst.1.max(rel(1.0 / m.g_axial_us[c], r));
            total_area += m.area_um2[c];
        }
        let r_end = ri[nodes.centres.len()].as_f64().unwrap();
        worst.1 = worst.1.max(rel(1.0 / m.g_axial_us[nodes.end_node], r_end));
    }
    eprintln!(
        "{name}: worst relative error area {:e}, ri {:e}",
        worst.0, worst.1
    );
    assert!(
        worst.0 < 1e-9,
        "{name}: worst area relative error {:e}",
        worst.0
    );
    assert!(
        worst.1 < 1e-9,
        "{name}: worst ri relative error {:e}",
        worst.1
    );
    assert!(rel(total_area, fix["total_area_um2"].as_f64().unwrap()) < 1e-9);
    // Input resistance with pas everywhere: g·area·1e-2 µS.
    let g_pas = fix["pas"]["g"].as_f64().unwrap();
    let g_leak: Vec<f64> = m.area_um2.iter().map(|a| g_pas * a * 1e-2).collect();
    let rin = input_resistance(m, &g_leak, cell.soma_node());
    let rin_nrn = fix["input_resistance_MOhm"].as_f64().unwrap();
    eprintln!("{name}: Rin {rin} MOhm, NEURON {rin_nrn} MOhm");
    assert!(
        rel(rin, rin_nrn) < 1e-7,
        "{name}: Rin {rin} vs NEURON {rin_nrn}"
    );
}

#[test]
fn three_point_soma_cell_matches_neuron_geometry() {
    check_geometry("swc_small");
}

#[test]
fn single_point_soma_and_wired_dendrites_match_neuron_geometry() {
    check_geometry("swc_onepoint");
}

#[test]
fn multi_point_soma_matches_neuron_geometry() {
    check_geometry("swc_multisoma");
}

/// 95th percentile of |a − b|.
fn p95(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    d.sort_by(f64::total_cmp);
    d[(0.95 * (d.len() - 1) as f64).round() as usize]
}

fn step_response(case: &str, hh_soma: bool) -> (Vec<f64>, Vec<f64>) {
    let fix = fixture("swc_small");
    let cell = Cell::new(&spec(&fix, &read("swc_small.swc"), hh_soma)).unwrap();
    let step = &fix["step"];
    let (delay, dur) = (
        step["delay_ms"].as_f64().unwrap(),
        step["dur_ms"].as_f64().unwrap(),
    );
    let amp = fix[case]["amp_nA"].as_f64().unwrap();
    // Piecewise constant in `delay` ms steps: 0 until delay, amp for dur (a whole multiple).
    let n_on = (dur / delay).round() as usize;
    let mut amps = vec![0.0];
    amps.extend(std::iter::repeat_n(amp, n_on));
    let drive = Drive {
        clamps: vec![CurrentClamp {
            node: cell.soma_node(),
            step_ms: delay,
            amp_na: amps,
        }],
        ..Drive::default()
    };
    let dt = step["dt_ms"].as_f64().unwrap();
    let numerics = Numerics {
        dt_ms: dt,
        t_stop_ms: step["t_stop_ms"].as_f64().unwrap(),
        threshold_mv: 0.0,
        record_every: (step["soma_v_dt_ms"].as_f64().unwrap() / dt).round() as usize,
    };
    let trace = cell.simulate(&drive, &numerics).unwrap();
    let nrn: Vec<f64> = serde_json::from_value(fix[case]["soma_v_mV"].clone()).unwrap();
    (trace.soma_v_mv, nrn)
}

#[test]
fn passive_step_response_matches_neuron() {
    let (ours, nrn) = step_response("passive", false);
    let err = p95(&ours, &nrn);
    eprintln!("passive: p95 |dv| = {err} mV");
    // The response is not trivial: the step depolarises the soma by several mV.
    assert!(nrn.iter().cloned().fold(f64::MIN, f64::max) > -60.0);
    assert!(err < 0.1, "p95 |Δv| = {err} mV");
}

#[test]
fn hh_soma_step_response_matches_neuron() {
    let (ours, nrn) = step_response("hh_soma", true);
    let err = p95(&ours, &nrn);
    eprintln!("hh soma: p95 |dv| = {err} mV");
    assert!(
        nrn.iter().cloned().fold(f64::MIN, f64::max) > 0.0,
        "NEURON spikes"
    );
    assert!(err < 0.1, "p95 |Δv| = {err} mV");
}

/// A two-point section of constant diameter is a cylinder: NEURON's frustum integration must
/// give π·d·L/nseg per segment and 4·Ra·(L/2nseg)/(π·d²) per half segment.
#[test]
fn constant_diameter_points_give_the_cylinder() {
    // L = 100 µm, d = 2 µm, Ra = 100 Ω·cm, nseg = 4 (all values exact in f32):
    // area = π·2·25 = 157.0796 µm², half = 1e-2·4·100·12.5/(π·4) = 3.97887 MΩ.
    let segs = segments_from_pt3d(&[[0.0, 0.0, 0.0, 2.0], [100.0, 0.0, 0.0, 2.0]], 4, 100.0);
    for s in &segs {
        assert!(rel(s.area_um2, 50.0 * PI) < 1e-14);
        assert!(rel(s.r_left_mohm, 12.5 / PI) < 1e-14);
        assert!(rel(s.r_right_mohm, 12.5 / PI) < 1e-14);
    }
}

/// One frustum, one segment: lateral area (π/2)(d₁ + d₂)·√(L² + ((d₂ − d₁)/2)²) and axial
/// resistance 4·Ra·ℓ/(π·dₐ·d_b) for each half (diameter 1.5 at the middle).
#[test]
fn frustum_area_and_resistance() {
    // d from 2 to 1 over L = 10 µm, Ra = 100: area = π/2 · 3 · √(100 + 0.25) = 47.1827 µm²
    // (sum of the two halves' frusta: π/2·3.5·√(25 + 0.0625) + π/2·2.5·√(25 + 0.0625)).
    // Left half: 1e-2·4·100·5/(π·2·1.5) = 2.12207 MΩ; right: 1e-2·4·100·5/(π·1.5·1) = 4.24413.
    let segs = segments_from_pt3d(&[[0.0, 0.0, 0.0, 2.0], [0.0, 10.0, 0.0, 1.0]], 1, 100.0);
    let half = (25.0f64 + 0.0625).sqrt();
    assert!(rel(segs[0].area_um2, PI / 2.0 * 6.0 * half) < 1e-14);
    assert!((segs[0].area_um2 - 47.1827).abs() < 1e-4);
    assert!(rel(segs[0].r_left_mohm, 20.0 / (3.0 * PI)) < 1e-14);
    assert!(rel(segs[0].r_right_mohm, 20.0 / (1.5 * PI)) < 1e-14);
}

#[test]
fn pt3d_length_must_match_its_points() {
    let mut spec = swc::to_cell_spec(
        &swc::parse(&read("swc_small.swc")).unwrap(),
        &SwcOptions::default(),
    )
    .unwrap();
    spec.sections[1].length += 1.0;
    let e = Cell::new(&spec).unwrap_err().to_string();
    assert_eq!(
        e,
        "sections[axon[0]].L: 73.0499750249688 µm differs from the arc length of its 3-D \
         points, 72.0499750249688 µm"
    );
}

#[test]
fn demo_morphology_matches_neuron_geometry() {
    check_geometry("swc_demo_cell");
}

/// The generator writes the committed `cell.swc` byte for byte, and its probe variants have the
/// compartment counts that `EFFECT.md` ("A cell with shorter dendrites") reports (NEURON gave
/// the same counts); `compact-basal` is also the committed `dendritic-compact-basal/cell.swc`.
#[test]
fn the_morphology_generator_reproduces_the_demo_and_its_probe_variants() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../datasets/dendritic-clustered-demo"
    );
    let generate = |variant: Option<&str>| -> String {
        let out = format!(
            "{}/cell-{}.swc",
            env!("CARGO_TARGET_TMPDIR"),
            variant.unwrap_or("demo")
        );
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(format!("{dir}/make_morphology.py"))
            .args(["--out", &out]);
        if let Some(v) = variant {
            cmd.args(["--variant", v]);
        }
        let status = cmd.status().expect("python3 runs");
        assert!(status.success(), "make_morphology.py {variant:?}");
        std::fs::read_to_string(&out).unwrap()
    };
    let committed = std::fs::read_to_string(format!("{dir}/cell.swc")).unwrap();
    assert!(
        generate(None) == committed,
        "cell.swc differs from its generator's output"
    );
    let options = SwcOptions {
        ra: 150.0,
        cm: 1.0,
        ..SwcOptions::default()
    };
    for (variant, compartments) in [
        ("short-thin", 637),
        ("short-thick", 557),
        ("compact-basal", 797),
        ("compact-basal-full", 978),
    ] {
        let text = generate(Some(variant));
        if variant == "compact-basal" {
            let shipped = format!("{dir}/../dendritic-compact-basal/cell.swc");
            assert!(
                std::fs::read_to_string(shipped).unwrap() == text,
                "datasets/dendritic-compact-basal/cell.swc differs from its generator's output"
            );
        }
        let spec = swc::to_cell_spec(&swc::parse(&text).unwrap(), &options).unwrap();
        let total: usize = spec.sections.iter().map(|s| s.nseg).sum();
        assert_eq!(total, compartments, "{variant}");
    }
}

/// The generated morphology of `datasets/dendritic-clustered-demo/` (make_morphology.py):
/// about 1000 compartments by the d_lambda rule (100 Hz, 0.1, Ra 150 Ω·cm, cm 1 µF/cm²),
/// soma, axon, basal and apical sections, and a valid cell: with hh in the soma and axon
/// (gnabar 0.2 S/cm², enough to drive the passive dendritic load) it is silent at rest, fires
/// repetitively under a somatic step and never produces a non-finite voltage.
#[test]
fn demo_morphology_is_a_valid_extended_cell() {
    let text = read("../../../../datasets/dendritic-clustered-demo/cell.swc");
    let mut options = SwcOptions {
        ra: 150.0,
        cm: 1.0,
        ..SwcOptions::default()
    };
    let pas = mechanisms(r#"{"pas": {"g": 5e-5, "e": -65}}"#);
    let hh = mechanisms(r#"{"hh": {"gnabar": 0.2}}"#);
    for stem in ["dend", "apic"] {
        options.mechanisms.insert(stem.into(), pas.clone());
    }
    for stem in ["soma", "axon"] {
        options.mechanisms.insert(stem.into(), hh.clone());
    }
    let spec = swc::to_cell_spec(&swc::parse(&text).unwrap(), &options).unwrap();
    let count = |stem: &str| -> (usize, usize) {
        let s: Vec<_> = spec
            .sections
            .iter()
            .filter(|s| s.name.starts_with(&format!("{stem}[")))
            .collect();
        (s.len(), s.iter().map(|s| s.nseg).sum())
    };
    let total: usize = spec.sections.iter().map(|s| s.nseg).sum();
    assert_eq!(total, 1011, "compartments (MORPHOLOGY.md)");
    assert_eq!(count("soma"), (1, 1));
    assert_eq!(count("axon"), (3, 27));
    assert_eq!(count("dend"), (33, 445));
    assert_eq!(count("apic"), (36, 538));
    assert_eq!(spec.sections.len(), 73);

    let cell = Cell::new(&spec).unwrap();
    // 0.3 nA from 20 to 180 ms (20 ms steps). NEURON fires 9 spikes, the first at 23.75 ms.
    let mut amps = vec![0.0];
    amps.extend([0.3; 8]);
    let drive = Drive {
        clamps: vec![CurrentClamp {
            node: cell.soma_node(),
            step_ms: 20.0,
            amp_na: amps,
        }],
        ..Drive::default()
    };
    let numerics = Numerics {
        dt_ms: 0.025,
        t_stop_ms: 200.0,
        threshold_mv: 0.0,
        record_every: 4,
    };
    let trace = cell.simulate(&drive, &numerics).unwrap();
    assert_eq!(trace.soma_v_mv.len(), 2001);
    assert!(trace.soma_v_mv.iter().all(|v| v.is_finite()));
    let spikes = &trace.spike_times_ms;
    assert!(spikes.len() >= 5, "spikes {spikes:?}");
    assert!(
        spikes.iter().all(|&t| (20.0..185.0).contains(&t)),
        "{spikes:?}"
    );
}
