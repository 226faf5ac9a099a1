//! The protocol section: acquisition mode, sampling interval and the A/D converter's range.
//!
//! One entry (`ABF_ProtocolInfo` in Axon's `ProtocolStructs.h`). Only five fields matter for
//! reading samples; their byte offsets within the entry are the ones pyabf also uses
//! (`abf2/protocolSection.py`).

use crate::AbfError;
use crate::header::SectionPointer;

const SECTION: &str = "protocol section";
/// `nOperationMode`, i16.
const OPERATION_MODE: usize = 0;
/// `fADCSequenceInterval`, f32, microseconds between two samples of one channel.
const SEQUENCE_INTERVAL: usize = 2;
/// `fADCRange`, f32, volts: the converter's input range is ±fADCRange.
const ADC_RANGE: usize = 110;
/// `lADCResolution`, i32: ADC counts for +fADCRange (32768 for a 16-bit converter).
const ADC_RESOLUTION: usize = 118;
/// `nSignalType`, i16: non-zero when a signal conditioner (CyberAmp) was in the path.
const SIGNAL_TYPE: usize = 138;
/// Bytes of the entry this reader needs.
const NEEDED: u32 = 140;

/// How sweeps were acquired (`nOperationMode`). Mode 1, variable-length events, is not
/// supported: its sweeps have individual lengths listed in the synch-array section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AcquisitionMode {
    /// Mode 2: event-triggered sweeps of fixed length ("oscilloscope, loss-free").
    FixedLengthEvents,
    /// Mode 3: one continuous recording; the file holds a single sweep.
    GapFree,
    /// Mode 4: high-speed oscilloscope; fixed-length sweeps.
    HighSpeedOscilloscope,
    /// Mode 5: episodic stimulation; fixed-length sweeps, one per stimulus episode.
    Episodic,
}

/// The protocol fields used to split and scale the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Protocol {
    pub(crate) mode: AcquisitionMode,
    /// Per-channel sampling rate, Hz: 1e6 / `fADCSequenceInterval` (µs).
    pub(crate) sample_rate_hz: f64,
    pub(crate) adc_range_v: f32,
    pub(crate) adc_resolution: i32,
    pub(crate) signal_conditioner: bool,
}

impl Protocol {
    pub(crate) fn parse(file: &[u8], pointer: &SectionPointer) -> Result<Self, AbfError> {
        pointer.require(SECTION, NEEDED, 1)?;
        let view = pointer.view(file, SECTION)?;
        let invalid = |field, offset: usize, problem: String| AbfError::InvalidField {
            section: SECTION,
            field,
            offset: view.absolute(offset),
            problem,
        };
        let mode = match view.i16(OPERATION_MODE)? {
            2 => AcquisitionMode::FixedLengthEvents,
            3 => AcquisitionMode::GapFree,
            4 => AcquisitionMode::HighSpeedOscilloscope,
            5 => AcquisitionMode::Episodic,
            code => {
                return Err(AbfError::UnsupportedOperationMode {
                    code,
                    offset: view.absolute(OPERATION_MODE),
                });
            }
        };
        let interval_us = view.f32(SEQUENCE_INTERVAL)?;
        if !(interval_us.is_finite() && interval_us > 0.0) {
            return Err(invalid(
                "fADCSequenceInterval",
                SEQUENCE_INTERVAL,
                format!("sampling interval {interval_us} µs is not a positive number"),
            ));
        }
        let adc_range_v = view.f32(ADC_RANGE)?;
        if !(adc_range_v.is_finite() && adc_range_v > 0.0) {
            return Err(invalid(
                "fADCRange",
                ADC_RANGE,
                format!("ADC range {adc_range_v} V is not a positive number"),
            ));
        }
        let adc_resolution = view.i32(ADC_RESOLUTION)?;
        if adc_resolution <= 0 {
            return Err(invalid(
                "lADCResolution",
                ADC_RESOLUTION,
                format!("ADC resolution {adc_resolution} counts is not positive"),
            ));
        }
        Ok(Protocol {
            mode,
            sample_rate_hz: 1e6 / f64::from(interval_us),
            adc_range_v,
            adc_resolution,
            signal_conditioner: view.i16(SIGNAL_TYPE)? != 0,
        })
    }
}
