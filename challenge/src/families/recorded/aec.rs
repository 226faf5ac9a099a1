//! The electrode-calibration recording (`[recording.aec]`): read from its ABF2 file, served to
//! contestants as two `.npy` files, read back from them, and the electrode kernel estimated
//! from it.

use arena_challenge_core::generated::GenerateError;
use arena_challenge_core::npy;
use arena_neuron::point::{AecError, AecEstimate, AecOptions, estimate_electrode};

use super::cut::{Opened, failure, open};
use super::section::RecordedFile;

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
