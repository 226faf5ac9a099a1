//! Trials cut from current-clamp recordings (`source = "recorded"`).
//!
//! A recorded challenge has no generating model: its ground truth is what a real neuron did. The
//! recordings are ABF2 files in which each sweep is one injection of the same frozen stimulus
//! (Pozzorini et al. 2015 protocol), so a file's sweeps are the repeats of one stimulus and a
//! split's trials are consecutive pieces cut from every sweep. Spikes are found on the whole
//! sweep before it is cut, so a crossing that straddles two pieces is not lost; it belongs to
//! the piece in which its interpolated time falls.
//!
//! A recorded challenge may also ship the recording its authors made to calibrate the electrode
//! ([`AecRecording`], `[recording.aec]`): with one electrode both injecting and recording, the
//! recorded voltage holds the electrode's drop, and point models fitted to it mistake that drop
//! for membrane dynamics. The baselines fit on the training voltage compensated with the kernel
//! estimated from it (`arena_neuron::point::aec`); contestants get the same recording.

use arena_abf::{AbfFile, upward_crossings};
use arena_neuron::point::{AecError, AecEstimate, AecOptions, estimate_electrode};

use crate::generate::{GenerateError, Responses};
use crate::manifest::RecordedFile;
use crate::npy;

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
struct Opened {
    abf: AbfFile,
    /// Index of the channel in mV.
    voltage: usize,
    /// Index of the channel in pA or nA.
    current: usize,
    /// nA per unit of the current channel.
    na_per_unit: f64,
}

/// Builds the error for a problem with `spec.file`.
fn failure(spec: &RecordedFile) -> impl Fn(String) -> GenerateError + '_ {
    |problem| GenerateError::Recording {
        file: spec.file.clone(),
        problem,
    }
}

fn open(spec: &RecordedFile, bytes: &[u8], dt_s: f64) -> Result<Opened, GenerateError> {
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

/// The public file holding the AEC recording's voltage (float32, mV, one sample per `dt_s`).
pub const AEC_VOLTAGE_FILE: &str = "aec_voltage.npy";
/// The public file holding the AEC recording's current (float64, nA, one sample per `dt_s`).
pub const AEC_CURRENT_FILE: &str = "aec_current.npy";

/// The recording made to calibrate the electrode (`[recording.aec]`): one subthreshold sweep
/// under a fluctuating current, from which [`estimate_electrode`] finds the electrode kernel
/// (active electrode compensation, Badel et al. 2008, J Neurophysiol 99:656; as in Pozzorini et
/// al. 2015, PLoS Comput Biol 11:e1004275). Contestants get it as [`AEC_VOLTAGE_FILE`] and
/// [`AEC_CURRENT_FILE`], in the format of the trials' files, not as the raw ABF2.
#[derive(Clone, Debug, PartialEq)]
pub struct AecRecording {
    /// Recorded potential, mV (electrode drop included).
    pub voltage_mv: Vec<f64>,
    /// Injected current, nA, plus the file's `current_offset_pa`.
    pub current_na: Vec<f64>,
}

impl AecRecording {
    /// Reads the AEC recording `spec.file` from its ABF2 `bytes`.
    ///
    /// # Errors
    /// [`GenerateError::Recording`] naming the file: not ABF2, a sampling rate other than
    /// `1 / dt_s`, no channel in mV or in pA/nA, other than one sweep, or non-finite samples.
    pub fn from_abf(
        spec: &RecordedFile,
        bytes: &[u8],
        dt_s: f64,
    ) -> Result<AecRecording, GenerateError> {
        let fail = failure(spec);
        let Opened {
            abf,
            voltage,
            current,
            na_per_unit,
        } = open(spec, bytes, dt_s)?;
        let [sweep] = abf.sweeps.as_slice() else {
            return Err(fail(format!(
                "has {} sweeps; an AEC recording is one sweep",
                abf.sweeps.len()
            )));
        };
        let offset = spec.current_offset_pa * (1e-3 / na_per_unit);
        let recording = AecRecording {
            voltage_mv: sweep.data[voltage].iter().map(|&v| f64::from(v)).collect(),
            current_na: sweep.data[current]
                .iter()
                .map(|&i| (f64::from(i) + offset) * na_per_unit)
                .collect(),
        };
        if let Some(i) = recording
            .voltage_mv
            .iter()
            .chain(&recording.current_na)
            .position(|v| !v.is_finite())
        {
            return Err(fail(format!("sample {i} is not finite")));
        }
        Ok(recording)
    }

    /// The public files: ([`AEC_VOLTAGE_FILE`], bytes) and ([`AEC_CURRENT_FILE`], bytes).
    pub fn to_files(&self) -> [(&'static str, Vec<u8>); 2] {
        let n = self.voltage_mv.len();
        [
            (
                AEC_VOLTAGE_FILE,
                npy::encode(npy::Dtype::F32, &[n], &self.voltage_mv),
            ),
            (
                AEC_CURRENT_FILE,
                npy::encode(npy::Dtype::F64, &[n], &self.current_na),
            ),
        ]
    }

    /// Decodes the public files written by [`AecRecording::to_files`], read by name through
    /// `read`.
    ///
    /// # Errors
    /// A message naming the file: missing, not `.npy`, or the two of different lengths.
    pub fn from_files(
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<AecRecording, String> {
        let mut trace = |name: &str| -> Result<Vec<f64>, String> {
            let bytes = read(name).ok_or_else(|| format!("file {name} is missing"))?;
            npy::decode(&bytes)
                .map(|a| a.data)
                .map_err(|e| format!("{name}: {e}"))
        };
        let recording = AecRecording {
            voltage_mv: trace(AEC_VOLTAGE_FILE)?,
            current_na: trace(AEC_CURRENT_FILE)?,
        };
        if recording.voltage_mv.len() != recording.current_na.len() {
            return Err(format!(
                "{AEC_VOLTAGE_FILE} has {} samples but {AEC_CURRENT_FILE} has {}",
                recording.voltage_mv.len(),
                recording.current_na.len()
            ));
        }
        Ok(recording)
    }

    /// The electrode kernel and the membrane's tail fit, with the default parameters
    /// ([`AecOptions::default`]: the full kernel over 150 ms, the exponential over 3–150 ms,
    /// K_e over 7 ms).
    ///
    /// # Errors
    /// [`AecError`] when the recording is too short or does not give a decaying tail.
    pub fn estimate(&self, dt_s: f64) -> Result<AecEstimate, AecError> {
        estimate_electrode(
            &self.voltage_mv,
            &self.current_na,
            dt_s,
            &AecOptions::default(),
        )
    }
}
