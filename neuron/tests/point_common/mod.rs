//! Helpers shared by the point-model integration tests: the demo dataset's neuron and stimulus
//! (one TOML source, see `point_demo.rs`) and a small independent coincidence factor.
#![allow(dead_code)] // each test binary uses a subset

use arena_neuron::point::AdExParams;
use arena_neuron::stimulus::{OuCurrentRecipe, ou_current};
use serde::Deserialize;

/// The neuron and stimulus part of `datasets/injected-current-demo/dataset.toml`.
pub const DEMO_TOML: &str = r#"
dt_s = 0.0001
repeats = 8

[stimulus]   # Ornstein–Uhlenbeck current, segments repeat cyclically (10 s cycle)
tau_s = 0.003
segments = [
  { duration_s = 3.0, mean_na = 0.16, std_na = 0.16 },
  { duration_s = 2.0, mean_na = 0.08, std_na = 0.40 },
  { duration_s = 3.0, mean_na = 0.21, std_na = 0.24 },
  { duration_s = 2.0, mean_na = 0.12, std_na = 0.32 },
]

[neuron]     # AdEx (Brette & Gerstner 2005) with intrinsic OU current noise
c_pf = 200.0
g_l_ns = 10.0
e_l_mv = -70.0
v_t_mv = -50.0
delta_t_mv = 2.0
a_ns = 2.0
tau_w_ms = 100.0
b_pa = 40.0
v_reset_mv = -58.0
v_peak_mv = 0.0
t_ref_ms = 2.0
noise_std_na = 0.02
noise_tau_ms = 5.0
"#;

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

/// The demo parameters parsed from [`DEMO_TOML`].
pub fn demo() -> Demo {
    toml::from_str(DEMO_TOML).expect("DEMO_TOML parses")
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

/// Kistler coincidence factor (Kistler, Gerstner & van Hemmen 1997, Neural Comput 9:1015; as in
/// Jolivet et al. 2008, J Neurosci Methods 169:417):
/// Γ = (N_coinc − 2ν_m Δ N_d) / (½(N_d + N_m)) · 1/(1 − 2ν_m Δ), where N_coinc counts spikes of
/// `data` with a spike of `model` within ±Δ and ν_m = N_m / T is the model's rate.
/// A tiny local helper: the scoring crate owns the real implementation.
pub fn coincidence_factor(data: &[f64], model: &[f64], delta_s: f64, duration_s: f64) -> f64 {
    let mut j = 0;
    let mut coincidences = 0.0;
    for &t in data {
        while j < model.len() && model[j] < t - delta_s {
            j += 1;
        }
        if j < model.len() && model[j] <= t + delta_s {
            coincidences += 1.0;
        }
    }
    let (n_d, n_m) = (data.len() as f64, model.len() as f64);
    let nu = n_m / duration_s;
    (coincidences - 2.0 * nu * delta_s * n_d) / (0.5 * (n_d + n_m)) / (1.0 - 2.0 * nu * delta_s)
}
