//! Content hashes: what an audit record pins a score to.
//!
//! The full dataset hash covers everything the organizer uploaded that determines a dataset's
//! trials (the manifest text byte for byte and every data file it names), generator included; the
//! public dataset hash covers exactly what a contestant fetches (the served `dataset.toml` and
//! every served file), so that it can be checked against a download and confirms nothing the
//! download does not show (with the full hash, a guessed generator could be confirmed by hashing
//! it); the trials hash covers every file the server generated, hidden ones included, so a
//! rescore can prove it used the same ground truth.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The full dataset hash (organizers and auditors): SHA-256 of the text
/// `"spike-arena dataset v1\n" + "dataset.toml <sha256>\n" + "<name> <sha256>\n"` per uploaded
/// data file (name, SHA-256), files sorted by name; `manifest_text` is the organizer's manifest.
pub fn dataset_hash(manifest_text: &str, files: &[(String, String)]) -> String {
    manifest_and_files("spike-arena dataset v1", manifest_text, files)
}

/// The public dataset hash (everyone): SHA-256 of the text
/// `"spike-arena public dataset v1\n" + "dataset.toml <sha256>\n" + "<name> <sha256>\n"` per
/// served file (name, SHA-256), files sorted by name; `public_manifest_text` is the served
/// `dataset.toml`. A fetched folder reproduces it from its own bytes (`challenge.json` aside).
pub fn public_dataset_hash(public_manifest_text: &str, served: &[(String, String)]) -> String {
    manifest_and_files(
        "spike-arena public dataset v1",
        public_manifest_text,
        served,
    )
}

fn manifest_and_files(header: &str, manifest_text: &str, files: &[(String, String)]) -> String {
    let mut lines = vec![format!(
        "dataset.toml {}",
        sha256_hex(manifest_text.as_bytes())
    )];
    lines.extend(listing(files));
    sha256_hex(format!("{header}\n{}\n", lines.join("\n")).as_bytes())
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
        assert_eq!(public_dataset_hash("m", &a), public_dataset_hash("m", &b));
        assert_ne!(
            public_dataset_hash("m", &a),
            public_dataset_hash("m", &a[..1])
        );
        assert_ne!(trials_hash(&a), trials_hash(&a[..1]));
    }

    /// The two dataset hashes differ on the same bytes (their headers), so a shown public hash
    /// is never mistaken for the full one; the public one is the documented text's SHA-256.
    #[test]
    fn the_public_hash_follows_its_definition() {
        let files = vec![
            ("b.npy".to_string(), "2".to_string()),
            ("a".into(), "1".into()),
        ];
        assert_ne!(dataset_hash("m", &files), public_dataset_hash("m", &files));
        let text = format!(
            "spike-arena public dataset v1\ndataset.toml {}\na 1\nb.npy 2\n",
            sha256_hex(b"m")
        );
        assert_eq!(
            public_dataset_hash("m", &files),
            sha256_hex(text.as_bytes())
        );
    }
}
