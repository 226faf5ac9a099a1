//! Cutting a recording's sweeps into a split's trials: the stimulus of a piece is the mean
//! injected current over sweeps plus the offset, its repeats the sweeps' voltages and spikes.

use arena_abf::{AbfFile, upward_crossings};
use arena_challenge_core::assembly::Responses;
use arena_challenge_core::generated::GenerateError;

use super::section::RecordedFile;

/// One trial cut from a recording: its stimulus (nA per sample) and its repeated responses.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTrial {
    /// Injected current, nA, one sample per `dt_s`: the mean over sweeps plus the offset.
    pub stimulus_na: Vec<f64>,
    /// One repeat per sweep.
    pub responses: Responses,
}

/// How to cut one recording into trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    /// Number of trials (consecutive pieces of every sweep).
    pub trials: u32,
    /// Length of each piece, seconds.
    pub duration_s: f64,
    /// Sweeps the file must hold (the split's `repeats`).
    pub repeats: u32,
    /// Sampling step the manifest declares, seconds.
    pub dt_s: f64,
    /// Spike threshold, mV.
    pub threshold_mv: f64,
}

/// Reads `bytes` (an ABF2 file, `spec.file`) and cuts it into `cut.trials` trials.
///
/// # Errors
/// [`GenerateError::Recording`] naming the file and the problem: not ABF2, a sampling rate other
/// than `1 / dt_s`, no channel in mV or in pA/nA, a sweep count other than `repeats`, sweeps
/// shorter than `trials × duration_s`, or non-finite samples.
pub fn cut(
    spec: &RecordedFile,
    bytes: &[u8],
    cut: Cut,
) -> Result<Vec<RecordedTrial>, GenerateError> {
    let fail = failure(spec);
    let Opened {
        abf,
        voltage,
        current,
        na_per_unit,
    } = open(spec, bytes, cut.dt_s)?;
    if abf.sweeps.len() != cut.repeats as usize {
        return Err(fail(format!(
            "has {} sweeps; the manifest declares {} repeats",
            abf.sweeps.len(),
            cut.repeats
        )));
    }
    let per_trial = (cut.duration_s / cut.dt_s).round() as usize;
    let needed = per_trial * cut.trials as usize;
    if abf.samples_per_sweep() < needed {
        return Err(fail(format!(
            "sweeps have {} samples; {} trials of {} s need {needed}",
            abf.samples_per_sweep(),
            cut.trials,
            cut.duration_s
        )));
    }
    for (k, sweep) in abf.sweeps.iter().enumerate() {
        if let Some(i) = sweep.data[voltage][..needed]
            .iter()
            .chain(&sweep.data[current][..needed])
            .position(|v| !v.is_finite())
        {
            return Err(fail(format!("sweep {k}: sample {i} is not finite")));
        }
    }
    let spikes: Vec<Vec<f64>> = abf
        .sweeps
        .iter()
        .map(|s| {
            upward_crossings(
                &s.data[voltage],
                cut.threshold_mv as f32,
                abf.sample_rate_hz,
            )
        })
        .collect();
    let n_sweeps = abf.sweeps.len() as f64;
    Ok((0..cut.trials as usize)
        .map(|i| {
            let range = i * per_trial..(i + 1) * per_trial;
            let (t0, t1) = (range.start as f64 * cut.dt_s, range.end as f64 * cut.dt_s);
            let stimulus_na = range
                .clone()
                .map(|j| {
                    let mean = abf
                        .sweeps
                        .iter()
                        .map(|s| f64::from(s.data[current][j]))
                        .sum::<f64>()
                        / n_sweeps;
                    (mean + spec.current_offset_pa * (1e-3 / na_per_unit)) * na_per_unit
                })
                .collect();
            let responses = Responses {
                voltage_mv: abf
                    .sweeps
                    .iter()
                    .map(|s| {
                        s.data[voltage][range.clone()]
                            .iter()
                            .map(|&v| f64::from(v))
                            .collect()
                    })
                    .collect(),
                spikes_s: spikes
                    .iter()
                    .map(|sweep| {
                        sweep
                            .iter()
                            .filter(|&&t| t >= t0 && t < t1)
                            .map(|t| t - t0)
                            .collect()
                    })
                    .collect(),
            };
            RecordedTrial {
                stimulus_na,
                responses,
            }
        })
        .collect())
}

/// A recording opened and checked: sampled at `1 / dt_s`, with a voltage and a current channel.
pub(super) struct Opened {
    pub(super) abf: AbfFile,
    /// Index of the channel in mV.
    pub(super) voltage: usize,
    /// Index of the channel in pA or nA.
    pub(super) current: usize,
    /// nA per unit of the current channel.
    pub(super) na_per_unit: f64,
}

/// Builds the error for a problem with `spec.file`.
pub(super) fn failure(spec: &RecordedFile) -> impl Fn(String) -> GenerateError + '_ {
    |problem| GenerateError::Recording {
        file: spec.file.clone(),
        problem,
    }
}

/// Parses `bytes` (`spec.file`) and finds its voltage and current channels.
pub(super) fn open(spec: &RecordedFile, bytes: &[u8], dt_s: f64) -> Result<Opened, GenerateError> {
    let fail = failure(spec);
    let abf = AbfFile::parse(bytes).map_err(|e| fail(e.to_string()))?;
    let rate = 1.0 / dt_s;
    if ((abf.sample_rate_hz - rate) / rate).abs() > 1e-9 {
        return Err(fail(format!(
            "sampled at {} Hz but sampling.dt_s = {dt_s} s asks for {rate} Hz",
            abf.sample_rate_hz
        )));
    }
    let voltage = abf
        .channel_with_units("mV")
        .ok_or_else(|| fail("no channel in mV (membrane potential)".into()))?;
    let (current, na_per_unit) = match (abf.channel_with_units("pA"), abf.channel_with_units("nA"))
    {
        (Some(c), _) => (c, 1e-3),
        (None, Some(c)) => (c, 1.0),
        (None, None) => return Err(fail("no channel in pA or nA (injected current)".into())),
    };
    Ok(Opened {
        abf,
        voltage,
        current,
        na_per_unit,
    })
}
