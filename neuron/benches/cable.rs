//! Wall time of the cable simulator on the three cells of issue 4 (documents in
//! `neuron/peer/bench_cells/`, dt = 0.025 ms; 1 s simulated, 250 ms for the 959-compartment
//! cell, so divide its times by 0.25 for wall time per simulated second).
//! `neuron/peer/bench_peers.py` runs NEURON and Arbor on the same documents and prints the
//! ratios.
//!
//! Groups: `single` (one trial, one thread), `batch4` (four trials advanced together in one
//! sweep; time per iteration covers all four) and `threads2x4` (eight trials, two threads each
//! running two batches of four).
//!
//!     CARGO_TARGET_DIR=/work/target-cable cargo bench -p arena-neuron --bench cable
//!
//! The Arbor 0.12.2 wheel is built for x86-64-v3 (AVX2 + FMA); for the same instruction set
//! here, add `RUSTFLAGS="-C target-cpu=x86-64-v3"` (with its own CARGO_TARGET_DIR).

use arena_neuron::cable::json::SimulationInput;
use arena_neuron::cable::{Cell, Drive, Numerics};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const CELLS: [&str; 3] = ["hh58_current", "hh58_syn780", "big959_syn2000"];

fn load(name: &str) -> (Cell, Drive, Numerics) {
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

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cable");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for name in CELLS {
        let (cell, drive, numerics) = load(name);
        g.bench_function(format!("single/{name}"), |b| {
            b.iter(|| black_box(cell.simulate(&drive, &numerics).unwrap()))
        });
        let four = vec![drive.clone(); 4];
        g.bench_function(format!("batch4/{name}"), |b| {
            b.iter(|| black_box(cell.simulate_batch(&four, &numerics).unwrap()))
        });
        g.bench_function(format!("threads2x4/{name}"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    let handles: Vec<_> = (0..2)
                        .map(|_| s.spawn(|| cell.simulate_batch(&four, &numerics).unwrap()))
                        .collect();
                    handles.into_iter().for_each(|h| {
                        black_box(h.join().unwrap());
                    });
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
