//! The one error type of the crate.
//!
//! An ABF file that fails to parse is usually truncated (an interrupted copy), not an ABF2 file
//! (ABF1, or something else entirely), or uses a feature this reader does not implement. Every
//! message names the section and the byte offset involved, so the user can check it with a hex
//! viewer against the format description in the crate documentation.

/// Why an ABF2 file could not be parsed. Byte offsets count from the start of the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AbfError {
    /// The first four bytes are "ABF " (0x41 0x42 0x46 0x20): an ABF1 file.
    #[error(
        "ABF1 file (signature \"ABF \" at byte 0): only ABF2 is supported; re-save it from \
         Clampex 10 or later"
    )]
    Abf1NotSupported,
    /// The first four bytes are not "ABF2".
    #[error("not an ABF2 file: signature at byte 0 is {found:?}, expected \"ABF2\"")]
    BadSignature {
        /// The bytes found, with non-printable bytes escaped.
        found: String,
    },
    /// A section (or the fixed header) extends past the end of the file, or a field past the
    /// end of its section.
    #[error(
        "truncated {section}: it needs bytes {start}..{end}, available only up to byte {limit}"
    )]
    Truncated {
        /// Which part of the file: "file header", "protocol section", ...
        section: &'static str,
        /// First byte needed.
        start: u64,
        /// One past the last byte needed.
        end: u64,
        /// End of what is available: the file's length, or the end of the section being read
        /// when a field lies beyond the section's declared size.
        limit: u64,
    },
    /// The header's `nDataFormat` (byte 30) is neither 0 (int16) nor 1 (float32).
    #[error(
        "unsupported data format {code} in the file header's nDataFormat at byte 30 \
         (0 = int16 and 1 = float32 are supported)"
    )]
    UnsupportedDataFormat {
        /// The value found.
        code: u16,
    },
    /// The protocol section's `nOperationMode` is not one this reader implements.
    #[error(
        "unsupported acquisition mode {code} in the protocol section's nOperationMode at byte \
         {offset} (supported: 2 fixed-length events, 3 gap-free, 4 high-speed oscilloscope, \
         5 episodic stimulation; 1 variable-length events is not)"
    )]
    UnsupportedOperationMode {
        /// The value found.
        code: i16,
        /// Byte offset of the field.
        offset: u64,
    },
    /// A field holds a value that cannot be used (zero gain, negative count, ...).
    #[error("invalid {section} field {field} at byte {offset}: {problem}")]
    InvalidField {
        /// Which section holds the field.
        section: &'static str,
        /// The field's name as in the Axon ABF2 headers (`fADCRange`, `llNumEntries`, ...).
        field: &'static str,
        /// Byte offset of the field.
        offset: u64,
        /// What is wrong with it.
        problem: String,
    },
}
