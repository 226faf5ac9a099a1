//! Criterion benches: every metric on 100 000-spike trains, and the full report of a
//! 13-repeat, 60 s trial.
//!
//! `CARGO_TARGET_DIR=... cargo bench -p arena-scoring --bench metrics`

#[path = "../tests/common/mod.rs"]
mod common;

use arena_scoring::coincidence::count_coincidences;
use arena_scoring::kreuz::{isi_distance, spike_distance, spike_sync};
use arena_scoring::psth::schreiber;
use arena_scoring::van_rossum::van_rossum;
use arena_scoring::victor_purpura::victor_purpura;
use arena_scoring::{Kernel, SuiteParams, Window, full_report, gamma};
use common::{NoisyNeuron, poisson_repeats};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn pairwise_100k(c: &mut Criterion) {
    // Two related 100 000-spike trains: a noisy neuron at ~20 Hz over 5 000 s.
    let t = 5_000.0;
    let neuron = NoisyNeuron::new(1, t, 25.0);
    let r = neuron.repeats(2, 2);
    let (a, b) = (&r[0], &r[1]);
    let w = Window::new(0.0, t).unwrap();
    let mut g = c.benchmark_group(format!("pair_{}_{}_spikes", a.len(), b.len()));
    g.sample_size(20);
    g.bench_function("coincidences", |x| {
        x.iter(|| count_coincidences(black_box(a.times()), b.times(), 0.004))
    });
    g.bench_function("gamma", |x| x.iter(|| gamma(black_box(a), b, w, 0.004)));
    g.bench_function("product_box", |x| {
        x.iter(|| Kernel::Box.spikes(black_box(a.times()), b.times(), 0.004))
    });
    g.bench_function("product_triangle", |x| {
        x.iter(|| Kernel::Triangle.spikes(black_box(a.times()), b.times(), 0.004))
    });
    g.bench_function("victor_purpura_q100", |x| {
        x.iter(|| victor_purpura(black_box(a), b, 100.0))
    });
    g.bench_function("van_rossum_tau10ms", |x| {
        x.iter(|| van_rossum(black_box(a), b, 0.01))
    });
    g.bench_function("isi_distance", |x| {
        x.iter(|| isi_distance(black_box(a), b, w))
    });
    g.bench_function("spike_distance", |x| {
        x.iter(|| spike_distance(black_box(a), b, w))
    });
    g.bench_function("spike_sync", |x| x.iter(|| spike_sync(black_box(a), b, w)));
    g.bench_function("schreiber_4ms", |x| {
        x.iter(|| schreiber(black_box(a), b, 0.004))
    });
    g.finish();
}

fn full_report_13x60s(c: &mut Criterion) {
    let t = 60.0;
    let neuron = NoisyNeuron::new(3, t, 8.0);
    let recorded = neuron.repeats(4, 13);
    let predicted = neuron.repeats(5, 13);
    let poisson = poisson_repeats(6, neuron.mean_rate_hz(), t, 13);
    let w = Window::new(0.0, t).unwrap();
    let p = SuiteParams::default();
    let mut g = c.benchmark_group("full_report_13_repeats_60s");
    g.sample_size(20);
    g.bench_function("held_out_repeats", |x| {
        x.iter(|| full_report(black_box(&recorded), &predicted, w, &p))
    });
    g.bench_function("poisson", |x| {
        x.iter(|| full_report(black_box(&recorded), &poisson, w, &p))
    });
    g.finish();
}

criterion_group!(benches, pairwise_100k, full_report_13x60s);
criterion_main!(benches);
