//! What a recorded challenge's public files hold beyond its trials.

use arena_challenge_core::public::PublicDataError;
use arena_neuron::point::{AecError, AecEstimate};

use super::aec::AecRecording;
use super::section::Recording;

/// The public files of a recorded challenge beyond its trials.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedData {
    /// With `[recording.aec]`: the electrode-calibration recording
    /// ([`AecRecording::from_files`]).
    pub aec: Option<AecRecording>,
}

impl RecordedData {
    /// Decodes the public files of a challenge with `recording`, read by name through `read`.
    ///
    /// # Errors
    /// [`PublicDataError::Family`] naming the AEC file at fault.
    pub fn decode(
        recording: Option<&Recording>,
        read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<RecordedData, PublicDataError> {
        let aec = match recording.and_then(|r| r.aec.as_ref()) {
            Some(_) => Some(
                AecRecording::from_files(read)
                    .map_err(|e| PublicDataError::Family(format!("AEC recording: {e}")))?,
            ),
            None => None,
        };
        Ok(RecordedData { aec })
    }

    /// The electrode kernel estimated from the AEC recording ([`AecRecording::estimate`]), or
    /// `None` when there is none.
    ///
    /// # Errors
    /// [`AecError`] when the recording does not give a kernel.
    pub fn electrode(&self, dt_s: f64) -> Result<Option<AecEstimate>, AecError> {
        self.aec.as_ref().map(|aec| aec.estimate(dt_s)).transpose()
    }
}
