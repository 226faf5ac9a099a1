//! `arena simulate`: run the reference multi-compartment simulator on one JSON document, offline.

use std::time::Instant;

use anyhow::{Context, Result};
use arena_neuron::cable::json::{SimulationInput, run};
use serde_json::json;

use crate::cli::SimulateArgs;
use crate::output::{print_json, say};

/// Reads the input document, simulates, writes the output document (schema in docs/simulator.md).
pub fn simulate(args: &SimulateArgs, as_json: bool) -> Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    // serde_json names the unknown or missing field and its line; the simulator names sections,
    // mechanisms and values at fault.
    let input: SimulationInput = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid simulation input", args.input.display()))?;
    let started = Instant::now();
    let mut output = run(&input).with_context(|| format!("{}", args.input.display()))?;
    output.wall_s = started.elapsed().as_secs_f64();
    std::fs::write(&args.out, serde_json::to_vec(&output)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if as_json {
        print_json(
            &json!({"out": args.out.display().to_string(), "n_spikes": output.n_spikes, "wall_s": output.wall_s}),
        );
    } else {
        say!(
            "{} spikes in {:.3} s of wall time; wrote {}",
            output.n_spikes,
            output.wall_s,
            args.out.display()
        );
    }
    Ok(())
}
