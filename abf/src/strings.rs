//! The strings section: the channel names, units and paths that other sections refer to by
//! index.
//!
//! Its first entry starts with a 44-byte header (`"SSCH"` signature, version, number of
//! strings, longest string, total bytes, six unused words) followed by the NUL-terminated
//! strings. Index 0 means "no string"; index k ≥ 1 is the k-th string. pyabf reaches the same
//! strings by splitting the entry after its last double NUL (`abf2/stringsSection.py`); reading
//! the header's counts instead does not depend on the header ending in zero bytes.
//!
//! Clampex writes these strings in the Windows ANSI code page; bytes are decoded as Latin-1
//! (each byte is one character), so "µA" stays "µA" (pyabf replaces µ by u).

use crate::AbfError;
use crate::header::SectionPointer;

const SECTION: &str = "strings section";
const HEADER_LEN: usize = 44;
const SIGNATURE: &[u8; 4] = b"SSCH";

/// The indexed strings, index 0 being the empty string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Strings {
    strings: Vec<String>,
}

impl Strings {
    pub(crate) fn parse(file: &[u8], pointer: &SectionPointer) -> Result<Self, AbfError> {
        pointer.require(SECTION, HEADER_LEN as u32, 1)?;
        // Only the first entry holds the indexed strings.
        let view = crate::view::View::new(
            file,
            SECTION,
            pointer.byte_start(),
            u64::from(pointer.entry_size),
        )?;
        let signature = view.bytes4(0)?;
        if &signature != SIGNATURE {
            return Err(AbfError::InvalidField {
                section: SECTION,
                field: "signature",
                offset: view.absolute(0),
                problem: format!(
                    "found {:?}, expected \"SSCH\"",
                    signature.escape_ascii().to_string()
                ),
            });
        }
        let count = view.u32(8)?;
        let total = view.u32(16)?;
        let body = view
            .bytes()
            .get(HEADER_LEN..)
            .and_then(|rest| rest.get(..total as usize))
            .ok_or(AbfError::InvalidField {
                section: SECTION,
                field: "lTotalBytes",
                offset: view.absolute(16),
                problem: format!(
                    "{total} bytes of strings do not fit in the {}-byte entry after its \
                     {HEADER_LEN}-byte header",
                    pointer.entry_size
                ),
            })?;
        let mut strings = vec![String::new()];
        strings.extend(body.split(|&b| b == 0).take(count as usize).map(latin1));
        Ok(Strings { strings })
    }

    /// The string at `index` (as stored in an ADC entry at byte `at`), or an error naming the
    /// field when the index is out of range.
    pub(crate) fn get(&self, index: i32, field: &'static str, at: u64) -> Result<&str, AbfError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.strings.get(i))
            .map(String::as_str)
            .ok_or_else(|| AbfError::InvalidField {
                section: "ADC section",
                field,
                offset: at,
                problem: format!(
                    "string index {index} is out of range: the strings section holds {} strings",
                    self.strings.len() - 1
                ),
            })
    }
}

/// Decodes Latin-1 bytes and trims surrounding whitespace.
fn latin1(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose block 1 (byte 512) holds a strings entry of `entry_size` bytes.
    fn file_with(body: &[u8], count: u32, entry_size: u32) -> (Vec<u8>, SectionPointer) {
        let mut file = vec![0u8; 512];
        file.extend_from_slice(b"SSCH");
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&count.to_le_bytes());
        file.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&(body.len() as u32).to_le_bytes());
        file.extend_from_slice(&[0u8; 24]);
        file.extend_from_slice(body);
        file.resize(512 + entry_size as usize, 0);
        let pointer = SectionPointer {
            at: 220,
            block: 1,
            entry_size,
            entry_count: 1,
        };
        (file, pointer)
    }

    #[test]
    fn indexes_are_one_based_and_decoded_as_latin1() {
        // "Clampex", " Im RIGHT " (trimmed), "\xB5A" (µA in Latin-1), "pA".
        let body = b"Clampex\0 Im RIGHT \0\xB5A\0pA\0";
        let (file, pointer) = file_with(body, 4, 100);
        let s = Strings::parse(&file, &pointer).unwrap();
        assert_eq!(s.get(0, "x", 0).unwrap(), "");
        assert_eq!(s.get(1, "x", 0).unwrap(), "Clampex");
        assert_eq!(s.get(2, "x", 0).unwrap(), "Im RIGHT");
        assert_eq!(s.get(3, "x", 0).unwrap(), "µA");
        assert_eq!(s.get(4, "x", 0).unwrap(), "pA");
        let err = s.get(5, "lADCUnitsIndex", 170).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ADC section field lADCUnitsIndex at byte 170: string index 5 is out of \
             range: the strings section holds 4 strings"
        );
        assert!(s.get(-1, "x", 0).is_err());
    }

    #[test]
    fn total_bytes_beyond_entry_is_rejected() {
        let (mut file, pointer) = file_with(b"ab\0", 1, 60);
        // lTotalBytes (entry offset 16, absolute 528) claims 100 bytes; only 60 - 44 = 16 fit.
        file[528..532].copy_from_slice(&100u32.to_le_bytes());
        let err = Strings::parse(&file, &pointer).unwrap_err();
        assert!(err.to_string().contains("lTotalBytes at byte 528"), "{err}");
    }

    #[test]
    fn missing_signature_is_rejected() {
        let (mut file, pointer) = file_with(b"ab\0", 1, 60);
        file[512] = b'X';
        let err = Strings::parse(&file, &pointer).unwrap_err();
        assert!(err.to_string().contains("expected \"SSCH\""), "{err}");
    }
}
