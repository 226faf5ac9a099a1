//! The Rust side of `neuron/peer/bench_peers.py`: runs the cable simulator on the issue-4
//! bench cells (`neuron/peer/bench_cells/`, dt = 0.025 ms) and prints, per cell, one line
//!
//! ```text
//! CELL <name> single <s/s> batch4 <s/s per trial> threads <s/s per trial> spikes <n> mean_v <mV>
//! ```
//!
//! where every time is wall seconds per simulated second, the best of `REPEATS` runs (the
//! machine is shared: the minimum is the least disturbed run):
//! - `single`: one trial, one thread ([`Cell::simulate`]);
//! - `batch4`: four trials on one core, advanced together in one sweep of the tree
//!   ([`Cell::simulate_batch`] inside a rayon pool of one thread), the time of the call
//!   divided by 4;
//! - `threads`: the same four trials through [`Cell::simulate_batch`] on all cores (rayon's
//!   global pool: two lanes per core on two cores), divided by 4; `batch4 / threads` is what
//!   the cores gain on four trials;
//!
//! and `spikes` / `mean_v` (somatic spike count and mean somatic voltage of the single run)
//! so that the script can check that every simulator did the same work.
//!
//!     CARGO_TARGET_DIR=/work/target-speed cargo bench -p arena-neuron --bench cable_peers \
//!         [-- [--repeats=N] [--single] CELL...]
//!
//! `--single` runs only the single-trial case (for a profiler or an instruction counter).

mod cells;

use arena_neuron::cable::Trace;
use cells::{CELLS, load};
use std::hint::black_box;
use std::time::Instant;

/// Default number of repeats of each measurement.
const REPEATS: usize = 5;

/// Best wall time of `repeats` calls of `f`, s, and the last result.
fn best_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let r = black_box(f());
        best = best.min(t0.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("repeats must be >= 1"))
}

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let repeats = all
        .iter()
        .find_map(|a| a.strip_prefix("--repeats="))
        .map_or(REPEATS, |n| n.parse().expect("--repeats=N"));
    let single_only = all.iter().any(|a| a == "--single");
    let args: Vec<&String> = all.iter().filter(|a| !a.starts_with("--")).collect();
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    for name in CELLS
        .iter()
        .filter(|c| args.is_empty() || args.iter().any(|a| a == *c))
    {
        let (cell, drive, numerics) = load(name);
        let sim_s = numerics.t_stop_ms * 1e-3;
        let (single, trace): (f64, Trace) =
            best_of(repeats, || cell.simulate(&drive, &numerics).unwrap());
        let mean_v = trace.soma_v_mv.iter().sum::<f64>() / trace.soma_v_mv.len() as f64;
        if single_only {
            println!(
                "CELL {name} single {:.5} spikes {} mean_v {mean_v:.3}",
                single / sim_s,
                trace.spike_times_ms.len()
            );
            continue;
        }
        let four = vec![drive.clone(); 4];
        let (batch4, batch) = best_of(repeats, || {
            one_core.install(|| cell.simulate_batch(&four, &numerics).unwrap())
        });
        assert!(batch.iter().all(|t| *t == trace), "batch lanes differ");
        let (parallel, spread) =
            best_of(repeats, || cell.simulate_batch(&four, &numerics).unwrap());
        assert_eq!(batch, spread, "the cores change no result");
        println!(
            "CELL {name} single {:.5} batch4 {:.5} threads {:.5} spikes {} mean_v {:.3}",
            single / sim_s,
            batch4 / 4.0 / sim_s,
            parallel / 4.0 / sim_s,
            trace.spike_times_ms.len(),
            mean_v
        );
    }
}
