//! Parsing never panics on damaged input: truncations and byte mutations of a real recording
//! (DRN156_5ht_aec.abf, 406 528 bytes: header blocks 0–10, data bytes 5632..405632, then the
//! synch array) must give `Ok` or an `AbfError`, and a truncation that cuts into the data must
//! be an error.

use std::path::PathBuf;
use std::sync::OnceLock;

use arena_abf::{AbfError, AbfFile};
use proptest::prelude::*;

/// End of the data section: block 11 × 512 + 2 channels × 100 000 samples × 2 bytes.
const DATA_END: usize = 5632 + 400_000;

fn real_file() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../datasets/drn-frozen-noise/DRN156_5HT/DRN156_5ht_aec.abf");
        std::fs::read(path).expect("shipped recording")
    })
}

#[test]
fn intact_file_parses() {
    let abf = AbfFile::parse(real_file()).unwrap();
    assert_eq!(abf.samples_per_sweep(), 100_000);
}

/// A byte position inside the parts of the header blocks the reader uses: the file header
/// with its section map (0..512), the protocol entry (block 1), the two ADC entries (block 2,
/// 2 × 128 bytes) and the strings entry (block 8, 279 bytes).
fn field_byte() -> impl Strategy<Value = usize> {
    prop_oneof![0..512usize, 512..652usize, 1024..1280usize, 4096..4375usize]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn truncation_before_the_end_of_data_is_an_error(len in 0..DATA_END) {
        let result = AbfFile::parse(&real_file()[..len]);
        prop_assert!(result.is_err(), "parsed a file cut at {len} bytes");
    }

    #[test]
    fn truncation_after_the_data_still_parses(len in DATA_END..=406_528usize) {
        // Nothing after the data section is read.
        prop_assert!(AbfFile::parse(&real_file()[..len]).is_ok());
    }

    #[test]
    fn mutated_header_blocks_never_panic(
        edits in prop::collection::vec((field_byte(), any::<u8>()), 1..16)
    ) {
        let mut bytes = real_file()[..DATA_END].to_vec();
        for (at, value) in edits {
            bytes[at] = value;
        }
        // Either outcome is fine; a panic or an abort is not.
        let _ = AbfFile::parse(&bytes);
    }

    #[test]
    fn random_section_pointers_never_panic(
        which in 0..18usize,
        block in prop_oneof![0..16u32, any::<u32>()],
        entry_size in prop_oneof![0..600u32, any::<u32>()],
        count in prop_oneof![-2..400_000i64, any::<i64>()],
    ) {
        // The section map: 18 pointers of 16 bytes from header byte 76.
        let mut bytes = real_file()[..DATA_END].to_vec();
        let at = 76 + 16 * which;
        bytes[at..at + 4].copy_from_slice(&block.to_le_bytes());
        bytes[at + 4..at + 8].copy_from_slice(&entry_size.to_le_bytes());
        bytes[at + 8..at + 16].copy_from_slice(&count.to_le_bytes());
        match AbfFile::parse(&bytes) {
            Ok(abf) => prop_assert!(!abf.sweeps.is_empty()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn random_bytes_are_rejected_without_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048)
    ) {
        let result = AbfFile::parse(&bytes);
        let starts_abf2 = bytes.starts_with(b"ABF2");
        prop_assert!(
            starts_abf2 || matches!(result, Err(AbfError::BadSignature { .. })
                | Err(AbfError::Abf1NotSupported) | Err(AbfError::Truncated { .. })),
            "{result:?}"
        );
    }
}
