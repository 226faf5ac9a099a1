//! Trials cut from current-clamp recordings (`source = "recorded"`).
//!
//! A recorded challenge has no generating model: its ground truth is what a real neuron did. The
//! recordings are ABF2 files in which each sweep is one injection of the same frozen stimulus
//! (Pozzorini et al. 2015 protocol), so a file's sweeps are the repeats of one stimulus and a
//! split's trials are consecutive pieces cut from every sweep. Spikes are found on the whole
//! sweep before it is cut, so a crossing that straddles two pieces is not lost; it belongs to
//! the piece in which its interpolated time falls.

use arena_abf::{AbfFile, upward_crossings};

use crate::generate::{GenerateError, Responses};
use crate::manifest::RecordedFile;

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
    let fail = |problem: String| GenerateError::Recording {
        file: spec.file.clone(),
        problem,
    };
    let abf = AbfFile::parse(bytes).map_err(|e| fail(e.to_string()))?;
    let rate = 1.0 / cut.dt_s;
    if ((abf.sample_rate_hz - rate) / rate).abs() > 1e-9 {
        return Err(fail(format!(
            "sampled at {} Hz but sampling.dt_s = {} s asks for {rate} Hz",
            abf.sample_rate_hz, cut.dt_s
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
