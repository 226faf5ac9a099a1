//! Helpers shared by the point-model integration tests: the demo dataset's neuron and stimulus
//! (read from the dataset manifest itself) and the scoring crate's coincidence factor.
#![allow(dead_code)] // each test binary uses a subset

use arena_neuron::point::AdExParams;
use arena_neuron::stimulus::{OuCurrentRecipe, ou_current};
use arena_scoring::{SpikeTrain, Window, gamma};
use serde::Deserialize;

/// The demo dataset manifest: the single source of the demo neuron and stimulus.
pub const DEMO_TOML: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// The parsed demo parameters.
#[derive(Deserialize)]
pub struct Demo {
    /// Sampling step, s.
    pub dt_s: f64,
    /// Repeats per frozen stimulus.
    pub repeats: u64,
    /// The OU current recipe.
    pub stimulus: OuCurrentRecipe,
    /// The ground-truth neuron.
    pub neuron: AdExParams,
}

/// The demo parameters read from the manifest's `[sampling]`, `[test]`, `[stimulus]` and `[cell]`.
pub fn demo() -> Demo {
    let mut m: toml::Table = DEMO_TOML.parse().expect("the demo manifest parses");
    let mut section = |name: &str, tag: &str| {
        let mut t = m
            .remove(name)
            .and_then(|v| v.as_table().cloned())
            .expect("section present");
        t.remove(tag);
        toml::Value::Table(t)
    };
    let (stimulus, cell) = (section("stimulus", "kind"), section("cell", "model"));
    Demo {
        dt_s: m["sampling"]["dt_s"].as_float().expect("sampling.dt_s"),
        repeats: m["test"]["repeats"].as_integer().expect("test.repeats") as u64,
        stimulus: stimulus.try_into().expect("the OU recipe"),
        neuron: cell.try_into().expect("the AdEx parameters"),
    }
}

/// The demo neuron with its intrinsic noise set to `noise_std_na`.
pub fn demo_neuron(noise_std_na: f64) -> AdExParams {
    AdExParams {
        noise_std_na,
        ..demo().neuron
    }
}

/// The demo stimulus for `duration_s` at the demo dt, from `seed`.
pub fn demo_current(duration_s: f64, seed: u64) -> Vec<f64> {
    let d = demo();
    ou_current(&d.stimulus, duration_s, d.dt_s, seed).expect("valid demo recipe")
}

/// The coincidence factor Γ of the scoring crate (Kistler et al. 1997; Jolivet et al. 2008) on
/// sorted spike times over [0, duration_s); an undefined Γ is a test failure.
pub fn coincidence_factor(data: &[f64], model: &[f64], delta_s: f64, duration_s: f64) -> f64 {
    let train = |t: &[f64]| SpikeTrain::new(t.to_vec()).expect("sorted spike times");
    let window = Window::new(0.0, duration_s).expect("a positive duration");
    gamma(&train(data), &train(model), window, delta_s).expect("Γ is defined")
}
