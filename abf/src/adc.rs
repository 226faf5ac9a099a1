//! The ADC section: one entry per recorded channel, with its name, units and gains.
//!
//! # Scaling int16 counts to user units
//!
//! A channel's sample in user units (mV, pA, ...) is `count × factor + shift`, with, in the
//! order and the single-precision arithmetic of Axon's own reader (`ABFH_GetADCtoUUFactors` in
//! ABFFIO's `ABFHEADR.CPP`):
//!
//! ```text
//! total  = fInstrumentScaleFactor × fADCProgrammableGain
//!          [× fSignalGain          if the protocol's nSignalType ≠ 0]
//!          [× fTelegraphAdditGain  if the channel's nTelegraphEnable ≠ 0]
//! factor = (fADCRange / total) / lADCResolution
//! shift  = fInstrumentOffset [− fSignalOffset if nSignalType ≠ 0]
//! ```
//!
//! `fADCRange` is in volts and `fInstrumentScaleFactor` in volts per user unit, so `factor` is
//! user units per count. pyabf (`abf.py`, `_dataGain`/`_dataOffset`) applies the signal gain
//! and offset whether or not a conditioner was used; the two agree whenever no conditioner was
//! used and its gain and offset are 1 and 0, which is the case in the shipped recordings.
//! pyabf also computes the factor in double precision and rounds it to single precision when
//! multiplying; for the shipped files both routes give the same single-precision factor
//! (e.g. 10 V / (0.01 V/mV) / 32768 = 0.030517578125 mV per count), so samples agree bit for
//! bit (checked by `tests/pyabf_reference.rs`).

use crate::AbfError;
use crate::header::SectionPointer;
use crate::protocol::Protocol;

const SECTION: &str = "ADC section";
/// `nTelegraphEnable`, i16.
const TELEGRAPH_ENABLE: usize = 2;
/// `fTelegraphAdditGain`, f32: gain telegraphed by the amplifier.
const TELEGRAPH_GAIN: usize = 6;
/// `fADCProgrammableGain`, f32.
const PROGRAMMABLE_GAIN: usize = 28;
/// `fInstrumentScaleFactor`, f32, volts per user unit.
const INSTRUMENT_SCALE: usize = 40;
/// `fInstrumentOffset`, f32, user units.
const INSTRUMENT_OFFSET: usize = 44;
/// `fSignalGain`, f32 (signal conditioner).
const SIGNAL_GAIN: usize = 48;
/// `fSignalOffset`, f32 (signal conditioner), user units.
const SIGNAL_OFFSET: usize = 52;
/// `lADCChannelNameIndex`, i32: index into the strings section.
const NAME_INDEX: usize = 74;
/// `lADCUnitsIndex`, i32: index into the strings section.
const UNITS_INDEX: usize = 78;
/// Bytes of each entry this reader needs.
const NEEDED: u32 = 82;
/// Axon digitizers have at most 16 analog inputs (`ABF_ADCCOUNT`).
pub(crate) const MAX_CHANNELS: u64 = 16;

/// Linear map from ADC counts to user units: `count × factor + shift`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scaling {
    /// User units per ADC count.
    pub(crate) factor: f32,
    /// User units added after multiplying.
    pub(crate) shift: f32,
}

impl Scaling {
    pub(crate) fn apply(&self, count: i16) -> f32 {
        f32::from(count) * self.factor + self.shift
    }
}

/// One ADC entry as this reader uses it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AdcChannel {
    pub(crate) name_index: i32,
    pub(crate) units_index: i32,
    /// Absolute byte offsets of the two index fields (for error messages).
    pub(crate) name_index_at: u64,
    pub(crate) units_index_at: u64,
    pub(crate) scaling: Scaling,
}

/// Reads every ADC entry, in sampling order (the order of the interleaved data).
pub(crate) fn parse(
    file: &[u8],
    pointer: &SectionPointer,
    protocol: &Protocol,
) -> Result<Vec<AdcChannel>, AbfError> {
    pointer.require(SECTION, NEEDED, 1)?;
    let count = pointer.count(SECTION)?;
    if count > MAX_CHANNELS {
        return Err(AbfError::InvalidField {
            section: "file header",
            field: "llNumEntries",
            offset: (pointer.at + 8) as u64,
            problem: format!("ADC section lists {count} channels, ABF2 allows at most 16"),
        });
    }
    let view = pointer.view(file, SECTION)?;
    let size = pointer.entry_size as usize;
    (0..count as usize)
        .map(|i| {
            let at = i * size;
            let f = |offset: usize| view.f32(at + offset);
            let mut total = f(INSTRUMENT_SCALE)? * f(PROGRAMMABLE_GAIN)?;
            let mut shift = f(INSTRUMENT_OFFSET)?;
            if protocol.signal_conditioner {
                total *= f(SIGNAL_GAIN)?;
                shift -= f(SIGNAL_OFFSET)?;
            }
            if view.i16(at + TELEGRAPH_ENABLE)? != 0 {
                total *= f(TELEGRAPH_GAIN)?;
            }
            // ABFFIO silently replaces a zero total gain by 1; a zero or non-finite gain means
            // a corrupt header, so this reader refuses it instead.
            let factor = (protocol.adc_range_v / total) / protocol.adc_resolution as f32;
            if !(factor.is_finite() && factor != 0.0 && shift.is_finite()) {
                return Err(AbfError::InvalidField {
                    section: SECTION,
                    field: "fInstrumentScaleFactor",
                    offset: view.absolute(at + INSTRUMENT_SCALE),
                    problem: format!(
                        "channel {i}: gains give a scale factor of {factor} user units per count \
                         and an offset of {shift}; both must be finite and the factor non-zero"
                    ),
                });
            }
            Ok(AdcChannel {
                name_index: view.i32(at + NAME_INDEX)?,
                units_index: view.i32(at + UNITS_INDEX)?,
                name_index_at: view.absolute(at + NAME_INDEX),
                units_index_at: view.absolute(at + UNITS_INDEX),
                scaling: Scaling { factor, shift },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_is_count_times_factor_plus_shift() {
        // 1000 counts × 0.5 + (−2) = 498.
        let s = Scaling {
            factor: 0.5,
            shift: -2.0,
        };
        assert_eq!(s.apply(1000), 498.0);
        assert_eq!(s.apply(i16::MIN), -16386.0);
    }
}
