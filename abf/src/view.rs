//! Bounds-checked little-endian reads from one named region of the file.
//!
//! ABF2 is little-endian throughout (it was designed on x86 Windows). Reading through a view
//! that knows its region's name and absolute start means that every out-of-range read becomes
//! an [`AbfError::Truncated`] naming the region and the absolute byte offsets, and that no read
//! in this crate can panic on a short or corrupted input.

use crate::AbfError;

/// A named byte range `[start, start + bytes.len())` of the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    bytes: &'a [u8],
    start: u64,
    name: &'static str,
}

impl<'a> View<'a> {
    /// The region `[start, start + len)` of `file`, or `Truncated` if it does not fit.
    pub(crate) fn new(
        file: &'a [u8],
        name: &'static str,
        start: u64,
        len: u64,
    ) -> Result<Self, AbfError> {
        let truncated = || AbfError::Truncated {
            section: name,
            start,
            end: start.saturating_add(len),
            limit: file.len() as u64,
        };
        let end = start.checked_add(len).ok_or_else(truncated)?;
        if end > file.len() as u64 {
            return Err(truncated());
        }
        // Both bounds are <= file.len(), so they fit in usize.
        let bytes = &file[start as usize..end as usize];
        Ok(View { bytes, start, name })
    }

    /// The region's bytes.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Absolute file offset of the byte at `offset` within the region (saturating, so that
    /// an absurd offset read from a corrupt file still yields an error, not an overflow).
    pub(crate) fn absolute(&self, offset: usize) -> u64 {
        self.start.saturating_add(offset as u64)
    }

    /// `N` bytes at `offset` within the region.
    fn array<const N: usize>(&self, offset: usize) -> Result<[u8; N], AbfError> {
        offset
            .checked_add(N)
            .and_then(|end| self.bytes.get(offset..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(AbfError::Truncated {
                section: self.name,
                start: self.absolute(offset),
                end: self.absolute(offset).saturating_add(N as u64),
                limit: self.start + self.bytes.len() as u64,
            })
    }

    pub(crate) fn u16(&self, offset: usize) -> Result<u16, AbfError> {
        self.array(offset).map(u16::from_le_bytes)
    }

    pub(crate) fn i16(&self, offset: usize) -> Result<i16, AbfError> {
        self.array(offset).map(i16::from_le_bytes)
    }

    pub(crate) fn u32(&self, offset: usize) -> Result<u32, AbfError> {
        self.array(offset).map(u32::from_le_bytes)
    }

    pub(crate) fn i32(&self, offset: usize) -> Result<i32, AbfError> {
        self.array(offset).map(i32::from_le_bytes)
    }

    pub(crate) fn i64(&self, offset: usize) -> Result<i64, AbfError> {
        self.array(offset).map(i64::from_le_bytes)
    }

    pub(crate) fn f32(&self, offset: usize) -> Result<f32, AbfError> {
        self.array(offset).map(f32::from_le_bytes)
    }

    pub(crate) fn bytes4(&self, offset: usize) -> Result<[u8; 4], AbfError> {
        self.array(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_values_at_offsets() {
        // 0x0102 little-endian is [0x02, 0x01]; 1.5f32 is 0x3FC00000 -> [00 00 C0 3F].
        let file = [0xAA, 0x02, 0x01, 0x00, 0x00, 0xC0, 0x3F, 0xFF, 0xFF];
        let v = View::new(&file, "test region", 1, 8).unwrap();
        assert_eq!(v.u16(0).unwrap(), 0x0102);
        assert_eq!(v.f32(2).unwrap(), 1.5);
        assert_eq!(v.i16(6).unwrap(), -1);
        assert_eq!(v.absolute(6), 7);
    }

    #[test]
    fn region_past_end_of_file_is_truncated_with_absolute_offsets() {
        let file = [0u8; 10];
        let err = View::new(&file, "data section", 8, 4).unwrap_err();
        assert_eq!(
            err,
            AbfError::Truncated {
                section: "data section",
                start: 8,
                end: 12,
                limit: 10
            }
        );
        assert_eq!(
            err.to_string(),
            "truncated data section: it needs bytes 8..12, available only up to byte 10"
        );
    }

    #[test]
    fn read_past_end_of_region_is_truncated() {
        let file = [0u8; 10];
        let v = View::new(&file, "ADC section", 4, 4).unwrap();
        // The region is bytes 4..8; a u32 at region offset 2 needs absolute 6..10, which the
        // file has but the region does not.
        assert_eq!(
            v.u32(2).unwrap_err(),
            AbfError::Truncated {
                section: "ADC section",
                start: 6,
                end: 10,
                limit: 8
            }
        );
        assert!(v.u32(usize::MAX).is_err());
    }

    #[test]
    fn huge_start_does_not_overflow() {
        let file = [0u8; 4];
        assert!(View::new(&file, "x", u64::MAX, 2).is_err());
    }
}
