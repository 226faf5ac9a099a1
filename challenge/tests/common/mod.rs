//! Builds the demo challenge as the server stores it and as a contestant fetches it, from
//! `generate` alone (no server), for the integration tests.

// Each test binary that includes this module uses a subset of it.
#![allow(dead_code)]

use std::path::PathBuf;

use arena_challenge::families::{GeneratedChallenge, Manifest, PublicChallenge, generate};
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::hidden::HiddenTrial;

/// The demo dataset's manifest text.
pub const DEMO: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// `text` with `publish = ["cell"]` added before its first table: the organizer publishes the
/// generator.
pub fn published(text: &str) -> String {
    let out = text.replacen("\n[sampling]", "\npublish = [\"cell\"]\n\n[sampling]", 1);
    assert_ne!(
        out, text,
        "the manifest has a [sampling] table to publish before"
    );
    out
}

/// What a contestant fetches ([`GeneratedChallenge::public_view`]): the reference does not fit
/// on it where the generator is hidden.
pub fn public_view(manifest: &Manifest, g: &GeneratedChallenge) -> PublicChallenge {
    g.public_view(manifest).unwrap()
}

/// What the server holds ([`GeneratedChallenge::organizer_view`]): the public files with the
/// organizer's manifest and data files, on which the reference fits too.
pub fn organizer_view(
    manifest: &Manifest,
    g: &GeneratedChallenge,
    data: &DataFiles,
) -> PublicChallenge {
    g.organizer_view(manifest, data).unwrap()
}

/// The hidden test trials as the server scores them ([`GeneratedChallenge::hidden_trials`]).
pub fn hidden(g: &GeneratedChallenge) -> Vec<HiddenTrial> {
    g.hidden_trials().unwrap()
}

/// The clustered-dendritic demo's folder.
pub const DENDRITIC_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/dendritic-clustered-demo"
);

/// The clustered-dendritic demo's manifest and the files it lists (the SWC and biophysics).
pub fn dendritic() -> (Manifest, DataFiles) {
    folder_dataset(DENDRITIC_DIR)
}

/// The compact-basal dendritic dataset, trained on the controls only: manifest and files.
pub fn compact_basal() -> (Manifest, DataFiles) {
    folder_dataset(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../datasets/dendritic-compact-basal"
    ))
}

/// The clustered-dendritic demo generated at `seed` ([`dendritic`], then `generate`), once per
/// build of this test binary however many tests ask: the 1011-compartment cell takes about
/// 30 s of both cores to make the demo's trials (issue 17: expensive fixtures are generated once
/// per run). See [`generated_once`].
pub fn dendritic_generated(seed: u64) -> (Manifest, DataFiles, GeneratedChallenge) {
    let (manifest, data) = dendritic();
    let text = std::fs::read_to_string(format!("{DENDRITIC_DIR}/dataset.toml")).unwrap();
    let g = generated_once(&text, &manifest, seed, &data);
    (manifest, data, g)
}

/// `generate(manifest, seed, data)`, shared between the test processes of one build of this
/// binary (nextest runs every test in a process of its own). The first caller generates and
/// writes the result to `CARGO_TARGET_TMPDIR`, holding a file lock that makes the others wait
/// and then read it. The file is named by the SHA-256 of the manifest text, the seed, the data
/// files and the identity of the running test binary (path, size, modification time), so a
/// rebuilt binary, a changed dataset or another seed never reads a stale result (and a new build
/// removes what older ones wrote for the same inputs); `serde_json`
/// writes every f64 so that it reads back bit for bit
/// (`generated_once_returns_what_generate_returns` checks the round trip).
pub fn generated_once(
    text: &str,
    manifest: &Manifest,
    seed: u64,
    data: &DataFiles,
) -> GeneratedChallenge {
    let exe = std::env::current_exe().unwrap();
    let meta = std::fs::metadata(&exe).unwrap();
    let build = format!(
        "{}\n{}\n{:?}",
        exe.display(),
        meta.len(),
        meta.modified().unwrap()
    );
    let mut inputs = format!("{seed}\n{text}");
    for (name, bytes) in data {
        inputs += &format!("\n{name} {}", sha256_hex(bytes));
    }
    let inputs = &sha256_hex(inputs.as_bytes())[..16];
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{inputs}-{}.json",
        &sha256_hex(build.as_bytes())[..16]
    ));
    let lock = std::fs::File::create(path.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if let Ok(bytes) = std::fs::read(&path) {
        return serde_json::from_slice(&bytes).unwrap();
    }
    let g = generate(manifest, seed, data).unwrap();
    // What earlier builds wrote for the same inputs is stale now (tens of MB each).
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(inputs) && name.ends_with(".json") && entry.path() != path {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let partial = path.with_extension("partial");
    std::fs::write(&partial, serde_json::to_vec(&g).unwrap()).unwrap();
    std::fs::rename(&partial, &path).unwrap();
    g
}

/// The `dataset.toml` of `dir` and the files it lists.
fn folder_dataset(dir: &str) -> (Manifest, DataFiles) {
    let text = std::fs::read_to_string(format!("{dir}/dataset.toml")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    let data = manifest
        .files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(format!("{dir}/{f}")).unwrap();
            (f.clone(), bytes)
        })
        .collect();
    (manifest, data)
}

/// The recorded DRN challenge's folder.
pub const DRN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/drn-frozen-noise");

/// The recorded DRN156 challenge's manifest (`dataset.toml`) and data files (every public file
/// it lists: the training and AEC recordings; and the hidden test recording, which is public
/// upstream and shipped in the repository).
pub fn drn() -> (Manifest, DataFiles) {
    drn_folder_dataset("dataset.toml", "DRN156_5HT")
}

/// The same for the DRN158 challenge (`drn158-gaba.toml`, the folder's second manifest).
pub fn drn158() -> (Manifest, DataFiles) {
    drn_folder_dataset("drn158-gaba.toml", "DRN158_GABA")
}

/// A manifest of the DRN folder with its public files and its hidden files, which the
/// repository keeps in the cell's subfolder `cell_dir`.
fn drn_folder_dataset(manifest_file: &str, cell_dir: &str) -> (Manifest, DataFiles) {
    let text = std::fs::read_to_string(format!("{DRN_DIR}/{manifest_file}")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    let mut data = DataFiles::new();
    for name in &manifest.files {
        data.insert(
            name.clone(),
            std::fs::read(format!("{DRN_DIR}/{name}")).unwrap(),
        );
    }
    for name in &manifest.hidden_files {
        data.insert(
            name.clone(),
            std::fs::read(format!("{DRN_DIR}/{cell_dir}/{name}")).unwrap(),
        );
    }
    (manifest, data)
}
