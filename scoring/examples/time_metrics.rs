//! Times each pairwise metric on the first two trains of a PySpike-format text file (one train
//! per line, times in seconds separated by spaces or commas, `#` comments) and prints JSON
//! `{"metric": seconds_per_call, ...}`. Used by `scoring/peer/bench_peers.py`.
//!
//! `cargo run --release -p arena-scoring --example time_metrics -- FILE START END`

use arena_scoring::kreuz::{isi_distance, spike_distance, spike_sync};
use arena_scoring::van_rossum::van_rossum;
use arena_scoring::victor_purpura::victor_purpura;
use arena_scoring::{SpikeTrain, Window};
use std::hint::black_box;
use std::time::Instant;

fn read_trains(path: &str) -> Vec<SpikeTrain> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let times: Vec<f64> = l
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap_or_else(|e| panic!("bad time {s:?}: {e}")))
                .collect();
            SpikeTrain::new(times).unwrap_or_else(|e| panic!("{path}: {e}"))
        })
        .collect()
}

/// Fastest call over at least 5 calls and 0.3 s, seconds (the minimum is the least
/// sensitive to other processes on a shared machine).
fn time(mut f: impl FnMut() -> f64) -> f64 {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || start.elapsed().as_secs_f64() < 0.3 {
        let t = Instant::now();
        black_box(f());
        samples.push(t.elapsed().as_secs_f64());
    }
    samples.into_iter().fold(f64::INFINITY, f64::min)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 4, "usage: time_metrics FILE START END");
    let trains = read_trains(&args[1]);
    let w = Window::new(args[2].parse().unwrap(), args[3].parse().unwrap()).unwrap();
    let (a, b) = (&trains[0], &trains[1]);
    let results = [
        ("isi_distance", time(|| isi_distance(a, b, w))),
        ("spike_distance", time(|| spike_distance(a, b, w))),
        ("spike_sync", time(|| spike_sync(a, b, w))),
        ("victor_purpura", time(|| victor_purpura(a, b, 100.0))),
        ("van_rossum", time(|| van_rossum(a, b, 0.01))),
    ];
    let body: Vec<String> = results
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v:e}"))
        .collect();
    println!("{{{}}}", body.join(", "));
}
