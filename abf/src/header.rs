//! The fixed 512-byte ABF2 file header and its section map.
//!
//! An ABF2 file is a sequence of 512-byte blocks. Block 0 holds a fixed header (signature,
//! version, number of sweeps, sample format) followed by a map of 16-byte section pointers, each
//! `{ u32 block index, u32 bytes per entry, i64 number of entries }`, saying where each section
//! (protocol, ADC, strings, data, ...) starts and how large it is. Byte offsets of the fields
//! follow the `ABF_FileInfo` structure of Axon's ABFFIO (Molecular Devices, "Axon Binary File
//! (ABF) Format", ABF2 header `ProtocolStructs.h`) as also read by pyabf (S. W. Harden,
//! pyABF 2.3, `abf2/headerV2.py`, `abf2/section.py`).

use crate::AbfError;
use crate::view::View;

/// Size of an ABF block, in bytes: section positions are given in blocks.
pub(crate) const BLOCK_SIZE: u64 = 512;

/// Byte offsets of the section pointers this reader uses, within the file header.
pub(crate) const PROTOCOL_POINTER: usize = 76;
pub(crate) const ADC_POINTER: usize = 92;
pub(crate) const STRINGS_POINTER: usize = 220;
pub(crate) const DATA_POINTER: usize = 236;

/// How a sample is stored in the data section (header field `nDataFormat`, byte 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SampleFormat {
    /// `nDataFormat = 0`: signed 16-bit ADC counts, scaled to user units by the per-channel
    /// factors of the ADC and protocol sections.
    Int16,
    /// `nDataFormat = 1`: 32-bit floats already in user units.
    Float32,
}

impl SampleFormat {
    /// Bytes per stored sample.
    pub fn bytes_per_sample(self) -> u64 {
        match self {
            SampleFormat::Int16 => 2,
            SampleFormat::Float32 => 4,
        }
    }
}

/// Where one section lies: `entry_count` entries of `entry_size` bytes from block `block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SectionPointer {
    /// Byte offset of the pointer itself within the file header (for error messages).
    pub(crate) at: usize,
    pub(crate) block: u32,
    pub(crate) entry_size: u32,
    pub(crate) entry_count: i64,
}

impl SectionPointer {
    fn read(header: &View<'_>, at: usize) -> Result<Self, AbfError> {
        Ok(SectionPointer {
            at,
            block: header.u32(at)?,
            entry_size: header.u32(at + 4)?,
            entry_count: header.i64(at + 8)?,
        })
    }

    /// Absolute byte offset of the section's first entry.
    pub(crate) fn byte_start(&self) -> u64 {
        u64::from(self.block) * BLOCK_SIZE
    }

    /// Number of entries, rejecting negative counts.
    pub(crate) fn count(&self, section: &'static str) -> Result<u64, AbfError> {
        u64::try_from(self.entry_count).map_err(|_| AbfError::InvalidField {
            section: "file header",
            field: "llNumEntries",
            offset: (self.at + 8) as u64,
            problem: format!("{section} has a negative entry count {}", self.entry_count),
        })
    }

    /// The view covering entries `0..count` of this section.
    pub(crate) fn view<'a>(
        &self,
        file: &'a [u8],
        section: &'static str,
    ) -> Result<View<'a>, AbfError> {
        let len = self
            .count(section)?
            .checked_mul(u64::from(self.entry_size))
            .ok_or(AbfError::InvalidField {
                section: "file header",
                field: "llNumEntries",
                offset: (self.at + 8) as u64,
                problem: format!("{section} size overflows"),
            })?;
        View::new(file, section, self.byte_start(), len)
    }

    /// Rejects a section whose entries are smaller than the `needed` bytes this reader reads
    /// from each, or that has no entry at all.
    pub(crate) fn require(
        &self,
        section: &'static str,
        needed: u32,
        min_count: u64,
    ) -> Result<(), AbfError> {
        if self.entry_size < needed {
            return Err(AbfError::InvalidField {
                section: "file header",
                field: "uBytes",
                offset: (self.at + 4) as u64,
                problem: format!(
                    "{section} entries are {} bytes, at least {needed} are needed",
                    self.entry_size
                ),
            });
        }
        if self.count(section)? < min_count {
            return Err(AbfError::InvalidField {
                section: "file header",
                field: "llNumEntries",
                offset: (self.at + 8) as u64,
                problem: format!(
                    "{section} has {} entries, at least {min_count} needed",
                    self.entry_count
                ),
            });
        }
        Ok(())
    }
}

/// The fields of the fixed header that this reader uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileHeader {
    /// `fFileVersionNumber` (bytes 4..8) as "major.minor.bugfix.build", e.g. "2.6.0.0".
    pub(crate) version: String,
    /// `lActualEpisodes` (byte 12): number of sweeps recorded.
    pub(crate) actual_episodes: u32,
    /// `nDataFormat` (byte 30).
    pub(crate) format: SampleFormat,
    pub(crate) protocol: SectionPointer,
    pub(crate) adc: SectionPointer,
    pub(crate) strings: SectionPointer,
    pub(crate) data: SectionPointer,
}

impl FileHeader {
    /// Reads block 0: checks the signature, then the fields and section pointers.
    pub(crate) fn parse(file: &[u8]) -> Result<Self, AbfError> {
        let signature = View::new(file, "file signature", 0, 4)?.bytes4(0)?;
        match &signature {
            b"ABF2" => {}
            b"ABF " => return Err(AbfError::Abf1NotSupported),
            other => {
                return Err(AbfError::BadSignature {
                    found: other.escape_ascii().to_string(),
                });
            }
        }
        let header = View::new(file, "file header", 0, BLOCK_SIZE)?;
        // The four version bytes are stored build, bugfix, minor, major.
        let [build, bugfix, minor, major] = header.bytes4(4)?;
        let version = format!("{major}.{minor}.{bugfix}.{build}");
        let format = match header.u16(30)? {
            0 => SampleFormat::Int16,
            1 => SampleFormat::Float32,
            code => return Err(AbfError::UnsupportedDataFormat { code }),
        };
        Ok(FileHeader {
            version,
            actual_episodes: header.u32(12)?,
            format,
            protocol: SectionPointer::read(&header, PROTOCOL_POINTER)?,
            adc: SectionPointer::read(&header, ADC_POINTER)?,
            strings: SectionPointer::read(&header, STRINGS_POINTER)?,
            data: SectionPointer::read(&header, DATA_POINTER)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block0() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[..4].copy_from_slice(b"ABF2");
        b[4..8].copy_from_slice(&[0, 0, 6, 2]); // version 2.6.0.0
        b[12..16].copy_from_slice(&10u32.to_le_bytes());
        // data section pointer: block 11, 2 bytes per entry, 2_000_000 entries.
        b[236..240].copy_from_slice(&11u32.to_le_bytes());
        b[240..244].copy_from_slice(&2u32.to_le_bytes());
        b[244..252].copy_from_slice(&2_000_000i64.to_le_bytes());
        b
    }

    #[test]
    fn reads_version_sweeps_format_and_pointers() {
        let h = FileHeader::parse(&block0()).unwrap();
        assert_eq!(h.version, "2.6.0.0");
        assert_eq!(h.actual_episodes, 10);
        assert_eq!(h.format, SampleFormat::Int16);
        assert_eq!(h.data.block, 11);
        // 11 blocks * 512 bytes = 5632.
        assert_eq!(h.data.byte_start(), 5632);
        assert_eq!(h.data.count("data section").unwrap(), 2_000_000);
    }

    #[test]
    fn rejects_abf1_and_foreign_signatures() {
        let mut b = block0();
        b[..4].copy_from_slice(b"ABF ");
        assert_eq!(
            FileHeader::parse(&b).unwrap_err(),
            AbfError::Abf1NotSupported
        );
        b[..4].copy_from_slice(b"PK\x03\x04");
        let err = FileHeader::parse(&b).unwrap_err();
        assert_eq!(
            err,
            AbfError::BadSignature {
                found: "PK\\x03\\x04".into()
            }
        );
        assert!(err.to_string().contains("expected \"ABF2\""));
    }

    #[test]
    fn rejects_unknown_data_format_and_short_header() {
        let mut b = block0();
        b[30] = 7;
        assert_eq!(
            FileHeader::parse(&b).unwrap_err(),
            AbfError::UnsupportedDataFormat { code: 7 }
        );
        let err = FileHeader::parse(&block0()[..300]).unwrap_err();
        assert_eq!(
            err,
            AbfError::Truncated {
                section: "file header",
                start: 0,
                end: 512,
                limit: 300
            }
        );
    }

    #[test]
    fn negative_entry_count_is_named() {
        let mut b = block0();
        b[244..252].copy_from_slice(&(-1i64).to_le_bytes());
        let h = FileHeader::parse(&b).unwrap();
        let err = h.data.view(&b, "data section").unwrap_err();
        assert!(
            err.to_string().contains("llNumEntries at byte 244"),
            "message was: {err}"
        );
    }
}
