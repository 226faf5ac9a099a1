//! A minimal Spike Arena live model in Rust: a leaky integrate-and-fire neuron with fixed
//! parameters, speaking the line protocol of `arena run` (docs/live.md).
//!
//! Build and run: `cargo build -p arena-client --example live_lif` then
//! `arena run CHALLENGE --model target/debug/examples/live_lif`.
//!
//! It reads one JSON object per line on stdin and answers each `chunk` with one line on stdout:
//! `{"trial_id", "index", "spikes": [[t, ...]]}` (seconds from trial start). Membrane state is
//! kept per trial between chunks, so the model is causal by construction.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde_json::{Value, json};

/// Membrane time constant, s; resting potential, threshold and reset, mV; capacitance, nF.
const TAU_S: f64 = 0.0094;
const E_L_MV: f64 = -70.6;
const V_TH_MV: f64 = -50.4;
const V_RESET_MV: f64 = -70.6;
const C_NF: f64 = 0.281;
const REFRACTORY_S: f64 = 0.002;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    let (mut dt, mut repeats) = (1e-4, 1usize);
    // Per trial: membrane voltage (mV) and refractory time left (s).
    let mut state: HashMap<String, (f64, f64)> = HashMap::new();
    for line in stdin.lock().lines() {
        let msg: Value = serde_json::from_str(&line?)?;
        match msg["type"].as_str() {
            Some("context") => {
                dt = msg["dt_s"].as_f64().ok_or("context without dt_s")?;
                repeats = msg["repeats"].as_u64().ok_or("context without repeats")? as usize;
            }
            Some("chunk") => {
                let trial = msg["trial_id"]
                    .as_str()
                    .ok_or("chunk without trial_id")?
                    .to_string();
                let t0 = msg["t_start_s"].as_f64().ok_or("chunk without t_start_s")?;
                let (mut v, mut hold) = state.get(&trial).copied().unwrap_or((E_L_MV, 0.0));
                let mut spikes = Vec::new();
                let current = msg["current_na"]
                    .as_array()
                    .ok_or("chunk without current_na")?;
                for (i, x) in current.iter().enumerate() {
                    if hold > 0.0 {
                        hold -= dt;
                        continue;
                    }
                    // dV/dt = (E_L − V)/τ + I/C, with I in nA and C in nF giving mV/ms → ×1000 for mV/s.
                    v += dt * ((E_L_MV - v) / TAU_S + x.as_f64().unwrap_or(0.0) / C_NF * 1e3);
                    if v >= V_TH_MV {
                        spikes.push(t0 + i as f64 * dt);
                        v = V_RESET_MV;
                        hold = REFRACTORY_S;
                    }
                }
                state.insert(trial.clone(), (v, hold));
                let answer = json!({"trial_id": trial, "index": msg["index"], "spikes": vec![spikes; repeats]});
                writeln!(stdout, "{answer}")?;
                stdout.flush()?;
            }
            Some("end") => break,
            other => return Err(format!("unknown message type {other:?}").into()),
        }
    }
    Ok(())
}
