//! The parsed file: channels and sweeps of scaled samples.
//!
//! The data section holds every sample of every sweep, channels interleaved:
//! `ch0[0], ch1[0], …, ch0[1], ch1[1], …`, sweep after sweep. In the fixed-length modes each
//! sweep has `entries / (sweeps × channels)` samples per channel; a gap-free file is one sweep.

use serde::{Deserialize, Serialize};

use crate::AbfError;
use crate::adc::{self, AdcChannel};
use crate::header::{FileHeader, SampleFormat};
use crate::protocol::{AcquisitionMode, Protocol};
use crate::strings::Strings;

/// One recorded channel (one ADC input).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Name from the file's strings section, e.g. "Vm RIGHT". Labels are typed by hand in
    /// Clampex and can be wrong; the units are set by the amplifier telegraph and are more
    /// reliable.
    pub name: String,
    /// Units of the scaled samples, e.g. "mV" or "pA".
    pub units: String,
}

/// One sweep (episode): the same time span sampled on every channel. Sample times are
/// relative to the sweep's start; the interval between sweep starts is not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// `data[channel][sample]`: samples in the channel's units ([`Channel::units`]), sample `i`
    /// taken `i / sample_rate_hz` seconds after the sweep started. Single precision, as
    /// stored by (float32 files) or as scaled by (int16 files) Axon's own software; the 16-bit
    /// converter's resolution (0.03 mV for the shipped files) is far coarser than f32's.
    pub data: Vec<Vec<f32>>,
}

impl Sweep {
    /// Samples per channel in this sweep.
    pub fn n_samples(&self) -> usize {
        self.data.first().map_or(0, Vec::len)
    }
}

/// An ABF2 recording read into memory.
#[derive(Debug, Clone, PartialEq)]
pub struct AbfFile {
    /// ABF format version, "major.minor.bugfix.build", e.g. "2.6.0.0".
    pub version: String,
    /// Samples per second per channel, Hz (1e6 / `fADCSequenceInterval` in µs).
    pub sample_rate_hz: f64,
    /// How sweeps were acquired.
    pub mode: AcquisitionMode,
    /// How samples were stored in the file.
    pub sample_format: SampleFormat,
    /// Recorded channels, in the order of `Sweep::data`.
    pub channels: Vec<Channel>,
    /// Sweeps in recording order; all have the same number of samples.
    pub sweeps: Vec<Sweep>,
}

impl AbfFile {
    /// Parses a whole ABF2 file held in memory.
    ///
    /// # Errors
    /// [`AbfError`] naming the section and byte offset when the input is not ABF2, is
    /// truncated, uses an unsupported data format or acquisition mode, or holds a value that
    /// cannot be used (zero gain, sample count not a multiple of sweeps × channels, ...).
    pub fn parse(bytes: &[u8]) -> Result<AbfFile, AbfError> {
        let header = FileHeader::parse(bytes)?;
        let protocol = Protocol::parse(bytes, &header.protocol)?;
        let adc = adc::parse(bytes, &header.adc, &protocol)?;
        let strings = Strings::parse(bytes, &header.strings)?;
        let channels = adc
            .iter()
            .map(|a| {
                Ok(Channel {
                    name: strings
                        .get(a.name_index, "lADCChannelNameIndex", a.name_index_at)?
                        .into(),
                    units: strings
                        .get(a.units_index, "lADCUnitsIndex", a.units_index_at)?
                        .into(),
                })
            })
            .collect::<Result<Vec<_>, AbfError>>()?;
        let sweep_count = match protocol.mode {
            AcquisitionMode::GapFree => 1,
            _ => u64::from(header.actual_episodes.max(1)),
        };
        let sweeps = read_sweeps(bytes, &header, &adc, sweep_count)?;
        Ok(AbfFile {
            version: header.version,
            sample_rate_hz: protocol.sample_rate_hz,
            mode: protocol.mode,
            sample_format: header.format,
            channels,
            sweeps,
        })
    }

    /// Index of the first channel whose units are exactly `units` (e.g. "mV" for the membrane
    /// potential in current clamp), if any.
    pub fn channel_with_units(&self, units: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.units == units)
    }

    /// Samples per channel in each sweep (0 if the file has no sweep).
    pub fn samples_per_sweep(&self) -> usize {
        self.sweeps.first().map_or(0, Sweep::n_samples)
    }
}

/// Splits and scales the data section into `sweep_count` sweeps.
fn read_sweeps(
    bytes: &[u8],
    header: &FileHeader,
    adc: &[AdcChannel],
    sweep_count: u64,
) -> Result<Vec<Sweep>, AbfError> {
    const SECTION: &str = "data section";
    let pointer = &header.data;
    let width = header.format.bytes_per_sample();
    if u64::from(pointer.entry_size) != width {
        return Err(AbfError::InvalidField {
            section: "file header",
            field: "uBytes",
            offset: (pointer.at + 4) as u64,
            problem: format!(
                "data entries are {} bytes but nDataFormat says {width}-byte samples",
                pointer.entry_size
            ),
        });
    }
    let entries = pointer.count(SECTION)?;
    let n_channels = adc.len() as u64;
    // sweep_count and n_channels are at least 1; a frame is one sample of every channel.
    let per_sweep = sweep_count * n_channels;
    if entries == 0 || entries % per_sweep != 0 {
        return Err(AbfError::InvalidField {
            section: "file header",
            field: "llNumEntries",
            offset: (pointer.at + 8) as u64,
            problem: format!(
                "data section holds {entries} samples, not a positive multiple of \
                 {sweep_count} sweeps × {n_channels} channels"
            ),
        });
    }
    // The view's bounds check caps every allocation below at the input's size.
    let view = pointer.view(bytes, SECTION)?;
    let n_samples = (entries / per_sweep) as usize;
    let frame_bytes = n_channels as usize * width as usize;
    let sweep_bytes = n_samples * frame_bytes;
    let sweeps = view
        .bytes()
        .chunks_exact(sweep_bytes)
        .map(|sweep| {
            let data = adc
                .iter()
                .enumerate()
                .map(|(c, channel)| {
                    sweep
                        .chunks_exact(frame_bytes)
                        .map(|frame| decode(header.format, &frame[c * width as usize..], channel))
                        .collect()
                })
                .collect();
            Sweep { data }
        })
        .collect();
    Ok(sweeps)
}

/// One sample from the start of `raw`, in user units.
fn decode(format: SampleFormat, raw: &[u8], channel: &AdcChannel) -> f32 {
    match format {
        SampleFormat::Int16 => channel.scaling.apply(i16::from_le_bytes([raw[0], raw[1]])),
        SampleFormat::Float32 => f32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]),
    }
}
