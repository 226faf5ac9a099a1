//! Cost of the point models and of fitting each baseline on the demo dataset's scale:
//! 20 s of training data at dt = 0.1 ms (200 000 samples), 10 s test trials.
//!
//! Run: `cargo bench -p arena-neuron --bench point`.

use std::hint::black_box;

use arena_neuron::point::{
    fit_adex, fit_gif, fit_gif_k, fit_lif, fit_mat, simulate_adex, simulate_gif, simulate_lif,
    simulate_mat,
};
use arena_neuron::stimulus::ou_current;
use criterion::{Criterion, criterion_group, criterion_main};

/// The demo neuron and stimulus (the TOML checked by `tests/point_demo.rs`).
#[path = "../tests/point_common/mod.rs"]
mod point_common;

const DT_S: f64 = 1e-4;

fn benches(c: &mut Criterion) {
    let demo = point_common::demo();
    let (neuron, recipe) = (demo.neuron, demo.stimulus);
    let train = ou_current(&recipe, 20.0, DT_S, 1).unwrap();
    let test = ou_current(&recipe, 10.0, DT_S, 2).unwrap();
    let r = simulate_adex(&neuron, &train, DT_S, 3).unwrap();
    let (v, s) = (&r.voltage_mv, &r.spikes_s);

    c.bench_function("ou_current 10 s", |b| {
        b.iter(|| ou_current(black_box(&recipe), 10.0, DT_S, 4).unwrap())
    });
    c.bench_function("simulate_adex 10 s", |b| {
        b.iter(|| simulate_adex(black_box(&neuron), &test, DT_S, 5).unwrap())
    });

    let mut fits = c.benchmark_group("fit on 20 s");
    fits.sample_size(10);
    fits.bench_function("fit_lif", |b| {
        b.iter(|| fit_lif(&train, v, s, DT_S).unwrap())
    });
    fits.bench_function("fit_adex", |b| {
        b.iter(|| fit_adex(&train, v, s, DT_S).unwrap())
    });
    fits.bench_function("fit_mat", |b| {
        b.iter(|| fit_mat(&train, v, s, DT_S).unwrap())
    });
    fits.bench_function("fit_gif", |b| {
        b.iter(|| fit_gif(&train, v, s, DT_S).unwrap())
    });
    fits.bench_function("fit_gif_k", |b| {
        b.iter(|| fit_gif_k(&train, v, s, DT_S).unwrap())
    });
    fits.finish();

    let lif = fit_lif(&train, v, s, DT_S).unwrap();
    let mat = fit_mat(&train, v, s, DT_S).unwrap();
    let gif = fit_gif(&train, v, s, DT_S).unwrap();
    let gif_k = fit_gif_k(&train, v, s, DT_S).unwrap();
    c.bench_function("simulate_lif 10 s", |b| {
        b.iter(|| simulate_lif(black_box(&lif), &test, DT_S).unwrap())
    });
    c.bench_function("simulate_mat 10 s", |b| {
        b.iter(|| simulate_mat(black_box(&mat), &test, DT_S).unwrap())
    });
    c.bench_function("simulate_gif 10 s", |b| {
        b.iter(|| simulate_gif(black_box(&gif), &test, DT_S, 6).unwrap())
    });
    c.bench_function("simulate_gif_k 10 s", |b| {
        b.iter(|| simulate_gif(black_box(&gif_k), &test, DT_S, 6).unwrap())
    });
}

criterion_group!(point, benches);
criterion_main!(point);
