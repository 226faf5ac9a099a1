//! The `arena simulate` document: parsing, errors that name the fault, and behaviour of the
//! parts that have no NEURON fixture (noise sources, batched lanes).

use arena_neuron::cable::json::{SimulationInput, run};
use arena_neuron::cable::{Cell, Drive, NoiseKind, NoiseSource, Numerics, SynapseStream};
use serde_json::json;

/// The example of issue 4, shortened.
fn example() -> serde_json::Value {
    json!({
      "cell": {"Ra": 150, "cm": 1, "celsius": 6.3, "v_init": -65,
        "sections": [
          {"name": "soma", "parent": null, "parent_x": null, "L": 20, "diam": 20, "nseg": 1,
           "mechanisms": {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "el": -54.3}},
           "ions": {"ena": 50, "ek": -77}},
          {"name": "dend", "parent": "soma", "parent_x": 0.5, "L": 200, "diam": 2, "nseg": 10,
           "mechanisms": {"pas": {"g": 5e-5, "e": -65}}}],
        "synapse_types": {
          "AMPA": {"mechanism": "Exp2Syn", "tau1": 0.2, "tau2": 2, "e": 0},
          "NMDA": {"mechanism": "NMDAMg", "tau1": 2, "tau2": 75, "e": 0, "mg": 1},
          "GABA_A": {"mechanism": "Exp2Syn", "tau1": 0.5, "tau2": 8, "e": -75}}},
      "stimulus": {"kind": "synaptic_events",
        "synapses": [
          {"id": 0, "type": "AMPA+NMDA", "section": "dend", "x": 0.58,
           "weight_ampa": 0.01, "weight_nmda": 0.01, "times": [20.0, 21.0, 22.0]},
          {"id": 1, "type": "GABA_A", "section": "soma", "x": 0.5, "weight": 0.001,
           "times": [40.0]}]},
      "numerics": {"dt_ms": 0.025, "t_stop_ms": 60}
    })
}

fn parse(v: serde_json::Value) -> Result<SimulationInput, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn run_err(v: serde_json::Value) -> String {
    run(&parse(v).unwrap()).unwrap_err().to_string()
}

#[test]
fn example_document_runs_and_round_trips() {
    let input = parse(example()).unwrap();
    let again: SimulationInput =
        serde_json::from_str(&serde_json::to_string(&input).unwrap()).unwrap();
    assert_eq!(again, input);
    let out = run(&input).unwrap();
    // 60 ms at 0.1 ms: samples at 0, 0.1, ..., 60.0 → 601.
    assert_eq!(out.soma_v_mv.len(), 601);
    assert_eq!(out.soma_v_dt_ms, 0.1);
    assert_eq!(out.n_spikes, out.spike_times_ms.len());
    assert_eq!(out.soma_v_mv[0], -65.0);
    // Three strong AMPA+NMDA events at 20–22 ms fire the HH soma (the slow NMDA current keeps
    // it firing), nothing before them.
    assert!(out.n_spikes >= 1, "{:?}", out.spike_times_ms);
    assert!(out.spike_times_ms[0] > 20.0 && out.spike_times_ms[0] < 30.0);
    let json = serde_json::to_value(&out).unwrap();
    for key in [
        "spike_times_ms",
        "n_spikes",
        "soma_v_dt_ms",
        "soma_v_mV",
        "wall_s",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn unknown_fields_are_named() {
    let mut v = example();
    v["cell"]["sections"][1]["mechanisms"]["kdr"] = json!({});
    let e = parse(v).unwrap_err();
    assert!(e.contains("unknown field `kdr`"), "{e}");
    let mut v = example();
    v["cell"]["sections"][0]["mechanisms"]["hh"]["gnabarr"] = json!(0.1);
    assert!(parse(v).unwrap_err().contains("unknown field `gnabarr`"));
    let mut v = example();
    v["stimulus"]["synapses"][0]["wieght"] = json!(0.1);
    assert!(parse(v).unwrap_err().contains("unknown field `wieght`"));
    let mut v = example();
    v["numerics"]["dt"] = json!(0.1);
    assert!(parse(v).unwrap_err().contains("unknown field `dt`"));
    let mut v = example();
    v["cell"]["synapse_types"]["AMPA"]["mechanism"] = json!("AlphaSyn");
    assert!(parse(v).unwrap_err().contains("AlphaSyn"));
}

#[test]
fn errors_name_the_section_synapse_and_field() {
    let mut v = example();
    v["stimulus"]["synapses"][0]["section"] = json!("dend2");
    assert_eq!(
        run_err(v),
        "unknown section \"dend2\" (referenced by synapse id 0)"
    );
    let mut v = example();
    v["cell"]["sections"][1]["parent_x"] = json!(1.5);
    assert!(run_err(v).starts_with("sections[dend].parent_x = 1.5"));
    let mut v = example();
    v["stimulus"]["synapses"][0]["type"] = json!("AMPA+NMDA2");
    assert!(run_err(v).contains("synapse id 0: unknown synapse type \"NMDA2\""));
    let mut v = example();
    v["stimulus"]["synapses"][0]
        .as_object_mut()
        .unwrap()
        .remove("weight_nmda");
    assert!(run_err(v).contains("synapse id 0: missing field `weight_nmda`"));
    let mut v = example();
    v["stimulus"]["synapses"][1]["weight_ampa"] = json!(0.1);
    assert!(run_err(v).contains("synapse id 1: field `weight_ampa` matches no receptor"));
    let mut v = example();
    v["stimulus"]["synapses"][1]["x"] = json!(-0.1);
    assert!(run_err(v).contains("synapse id 1.x = -0.1"));
    let mut v = example();
    v["numerics"]["dt_ms"] = json!(0.03);
    assert!(run_err(v).starts_with("numerics.dt_ms = 0.03"));
    let mut v = example();
    v["cell"]["sections"][1]["mechanisms"]["pas"]["g"] = json!(-1);
    assert!(run_err(v).starts_with("sections[dend].mechanisms.pas.g = -1"));
    // A segment count past the bound is refused before anything is allocated for it (2^32
    // segments aborted on a 100 GB allocation).
    let mut v = example();
    v["cell"]["sections"][1]["nseg"] = json!(4_294_967_296u64);
    assert_eq!(
        run_err(v),
        "sections[dend].nseg = 4294967296: must be between 1 and 10000"
    );
}

fn small_cell() -> Cell {
    Cell::new(&parse(example()).unwrap().cell).unwrap()
}

fn numerics(t_stop_ms: f64) -> Numerics {
    Numerics {
        dt_ms: 0.025,
        t_stop_ms,
        threshold_mv: 0.0,
        record_every: 1,
    }
}

#[test]
fn noise_is_reproducible_per_seed_and_reduces_to_a_clamp_without_variance() {
    let cell = small_cell();
    let soma = cell.soma_node();
    let noisy = |seed| Drive {
        noise: vec![NoiseSource {
            node: soma,
            tau_ms: 5.0,
            kind: NoiseKind::Current {
                mean_na: 0.0,
                std_na: 0.05,
            },
            seed,
        }],
        ..Drive::default()
    };
    let a = cell.simulate(&noisy(1), &numerics(100.0)).unwrap();
    let b = cell.simulate(&noisy(1), &numerics(100.0)).unwrap();
    let c = cell.simulate(&noisy(2), &numerics(100.0)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.soma_v_mv, c.soma_v_mv);
    // With std = 0 the source is a constant current: identical to a clamp of the mean.
    let constant = Drive {
        noise: vec![NoiseSource {
            node: soma,
            tau_ms: 5.0,
            kind: NoiseKind::Current {
                mean_na: 0.01,
                std_na: 0.0,
            },
            seed: 3,
        }],
        ..Drive::default()
    };
    let clamp = Drive {
        clamps: vec![arena_neuron::cable::CurrentClamp {
            node: soma,
            step_ms: 1000.0,
            amp_na: vec![0.01],
        }],
        ..Drive::default()
    };
    assert_eq!(
        cell.simulate(&constant, &numerics(100.0)).unwrap(),
        cell.simulate(&clamp, &numerics(100.0)).unwrap()
    );
}

#[test]
fn batched_lanes_equal_single_trials_bit_for_bit() {
    let cell = small_cell();
    let dend = cell.locate("dend", 0.58, String::new).unwrap();
    let drives: Vec<Drive> = (0..6)
        .map(|k| Drive {
            synapses: vec![
                SynapseStream {
                    synapse_type: cell.synapse_type("AMPA", "t").unwrap(),
                    node: dend,
                    weight_us: 0.004 * k as f64,
                    times_ms: vec![5.0 + k as f64, 10.0, 11.0],
                },
                SynapseStream {
                    synapse_type: cell.synapse_type("NMDA", "t").unwrap(),
                    node: dend - (k % 2),
                    weight_us: 0.004,
                    times_ms: vec![10.0],
                },
            ],
            noise: vec![NoiseSource {
                node: cell.soma_node(),
                tau_ms: 2.0,
                kind: NoiseKind::Conductance {
                    mean_us: 0.001,
                    std_us: 0.001,
                    e_mv: 0.0,
                },
                seed: k as u64,
            }],
            ..Drive::default()
        })
        .collect();
    let batch = cell.simulate_batch(&drives, &numerics(40.0)).unwrap();
    assert_eq!(batch.len(), 6);
    for (d, t) in drives.iter().zip(&batch) {
        assert_eq!(&cell.simulate(d, &numerics(40.0)).unwrap(), t);
    }
    assert!(batch.iter().any(|t| !t.spike_times_ms.is_empty()));
}
