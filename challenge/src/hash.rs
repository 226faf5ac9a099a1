//! Content hashes: what an audit record pins a score to.
//!
//! The dataset hash covers everything that determines a dataset's trials and that is public (the
//! manifest text byte for byte and every data file it names); the trials hash covers every file the
//! server generated from it, hidden ones included, so a rescore can prove it used the same ground truth.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The dataset content hash: SHA-256 of the text
/// `"spike-arena dataset v1\n" + "dataset.toml <sha256>\n" + "<name> <sha256>\n"` per data file,
/// files sorted by name.
pub fn dataset_hash(manifest_text: &str, files: &[(String, String)]) -> String {
    let mut lines = vec![format!(
        "dataset.toml {}",
        sha256_hex(manifest_text.as_bytes())
    )];
    lines.extend(listing(files));
    sha256_hex(format!("spike-arena dataset v1\n{}\n", lines.join("\n")).as_bytes())
}

/// The trials hash: SHA-256 of `"spike-arena trials v1\n"` + `"<name> <sha256>\n"` per generated
/// file, sorted by name.
pub fn trials_hash(files: &[(String, String)]) -> String {
    sha256_hex(format!("spike-arena trials v1\n{}\n", listing(files).join("\n")).as_bytes())
}

fn listing(files: &[(String, String)]) -> Vec<String> {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort();
    sorted.iter().map(|(n, h)| format!("{n} {h}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hashes_ignore_file_order_but_not_content() {
        let a = vec![("a".to_string(), "1".to_string()), ("b".into(), "2".into())];
        let b = vec![("b".to_string(), "2".to_string()), ("a".into(), "1".into())];
        assert_eq!(dataset_hash("m", &a), dataset_hash("m", &b));
        assert_ne!(dataset_hash("m", &a), dataset_hash("m ", &a));
        assert_ne!(trials_hash(&a), trials_hash(&a[..1]));
    }
}
