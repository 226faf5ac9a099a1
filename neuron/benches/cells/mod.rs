//! The benchmark cells of `peer/bench_cells/` (written by `peer/make_bench_cells.py`), shared by
//! the criterion bench and the peer-comparison bench so both time exactly the same input.

use arena_neuron::cable::json::SimulationInput;
use arena_neuron::cable::{Cell, Drive, Numerics};

/// The three cell kinds of the issue: 58-compartment HH cell with somatic current, the same with
/// 780 synapse objects, 959 compartments with weakly active dendrites and 2000 synapses.
pub const CELLS: [&str; 3] = ["hh58_current", "hh58_syn780", "big959_syn2000"];

/// The compiled cell, its input and numerics.
pub fn load(name: &str) -> (Cell, Drive, Numerics) {
    let path = format!(
        "{}/peer/bench_cells/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let input: SimulationInput = serde_json::from_str(&text).unwrap();
    let cell = Cell::new(&input.cell).unwrap();
    let drive = input.drive(&cell).unwrap();
    (cell, drive, input.numerics.numerics().unwrap())
}
