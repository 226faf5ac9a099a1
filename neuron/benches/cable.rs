//! Wall time of the cable simulator on the three cells of issue 4 (documents in
//! `neuron/peer/bench_cells/`, dt = 0.025 ms; 1 s simulated, 250 ms for the 959-compartment
//! cell, so divide its times by 0.25 for wall time per simulated second).
//! `neuron/peer/bench_peers.py` runs NEURON and Arbor on the same documents, with this
//! simulator through the `cable_peers` bench target, and prints the ratios (results:
//! `neuron/peer/BENCH.md`).
//!
//! Groups: `single` (one trial, one thread), `batch4` (four trials advanced together in one
//! sweep on one core; time per iteration covers all four) and `cores4` (the same four trials
//! spread over all cores by `Cell::simulate_batch`).
//!
//!     CARGO_TARGET_DIR=/work/target-speed cargo bench -p arena-neuron --bench cable
//!
//! The simulator picks AVX2 + FMA code at run time where the processor has it (as the Arbor
//! 0.12.2 wheel, built for x86-64-v3, always does), so no `RUSTFLAGS` are needed.

mod cells;

use cells::{CELLS, load};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cable");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    for name in CELLS {
        let (cell, drive, numerics) = load(name);
        g.bench_function(format!("single/{name}"), |b| {
            b.iter(|| black_box(cell.simulate(&drive, &numerics).unwrap()))
        });
        let four = vec![drive.clone(); 4];
        g.bench_function(format!("batch4/{name}"), |b| {
            b.iter(|| {
                one_core.install(|| black_box(cell.simulate_batch(&four, &numerics).unwrap()))
            })
        });
        g.bench_function(format!("cores4/{name}"), |b| {
            b.iter(|| black_box(cell.simulate_batch(&four, &numerics).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
