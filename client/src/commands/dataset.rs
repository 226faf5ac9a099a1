//! `arena dataset inspect`: what an ABF2 recording holds, before it becomes a dataset.

use std::path::Path;

use anyhow::{Context, Result};
use arena_abf::{AbfFile, upward_crossings};
use serde_json::json;

use crate::output::{print_json, say, table};

/// Threshold of the spike count, mV (upward crossings, as in `datasets/*/PROVENANCE.md`).
const SPIKE_THRESHOLD_MV: f32 = 0.0;

/// Prints sweeps, sampling rate, channels with units and per sweep the number of upward 0 mV
/// crossings of the voltage channel (the first channel in mV).
pub fn inspect(path: &Path, as_json: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let abf = AbfFile::parse(&bytes)
        .with_context(|| format!("{} is not a readable ABF2 file", path.display()))?;
    let vm = abf.channel_with_units("mV");
    let counts: Vec<Option<usize>> = abf
        .sweeps
        .iter()
        .map(|s| {
            vm.map(|c| upward_crossings(&s.data[c], SPIKE_THRESHOLD_MV, abf.sample_rate_hz).len())
        })
        .collect();
    if as_json {
        let sweeps: Vec<_> = abf
            .sweeps
            .iter()
            .zip(&counts)
            .enumerate()
            .map(|(i, (s, n))| json!({ "index": i, "n_samples": s.n_samples(), "spike_count": n }))
            .collect();
        let channels: Vec<_> = abf
            .channels
            .iter()
            .map(|c| json!({ "name": c.name, "units": c.units }))
            .collect();
        print_json(&json!({
            "file": path.display().to_string(),
            "abf_version": abf.version,
            "sample_rate_hz": abf.sample_rate_hz,
            "channels": channels,
            "sweeps": sweeps,
        }));
        return Ok(());
    }
    say!(
        "{}: ABF {}, {} sweeps at {} Hz",
        path.display(),
        abf.version,
        abf.sweeps.len(),
        abf.sample_rate_hz
    );
    for (i, c) in abf.channels.iter().enumerate() {
        say!("channel {i}: {} ({})", c.name, c.units);
    }
    match vm {
        Some(c) => say!("spikes: upward crossings of {SPIKE_THRESHOLD_MV} mV on channel {c}"),
        None => say!("spikes: no channel in mV, not counted"),
    }
    let rows: Vec<Vec<String>> = abf
        .sweeps
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(i, (s, n))| {
            vec![
                i.to_string(),
                s.n_samples().to_string(),
                format!("{:.3}", s.n_samples() as f64 / abf.sample_rate_hz),
                n.map_or("—".into(), |n| n.to_string()),
            ]
        })
        .collect();
    table(&["SWEEP", "SAMPLES", "SECONDS", "SPIKES"], &rows);
    Ok(())
}
