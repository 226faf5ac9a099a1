//! Builds the demo challenge as the server stores it and as a contestant fetches it, from
//! `generate` alone (no server), for the integration tests.

// Each test binary that includes this module uses a subset of it.
#![allow(dead_code)]

use arena_challenge::baselines::{PublicChallenge, TrialListing};
use arena_challenge::evaluate::HiddenTrial;
use arena_challenge::generate::{GeneratedChallenge, Visibility};
use arena_challenge::manifest::Manifest;
use arena_challenge::trial::Split;

/// The demo dataset's manifest text.
pub const DEMO: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// What a contestant fetches, decoded from the generated public files only (by the same
/// [`PublicTrial::from_files`] the client and server use).
pub fn public_view(manifest: &Manifest, g: &GeneratedChallenge) -> PublicChallenge {
    PublicChallenge::from_files(
        manifest.clone(),
        manifest.sampling.dt_s,
        g.trials.iter().map(|t| TrialListing {
            id: &t.id,
            split: t.split,
            duration_s: t.duration_s,
            condition: t.condition,
            files: &t.files,
        }),
        |name| {
            g.files
                .iter()
                .find(|f| f.name == name && f.visibility == Visibility::Public)
                .map(|f| f.bytes.clone())
        },
    )
    .unwrap()
}

/// The hidden test trials as the server scores them.
pub fn hidden(g: &GeneratedChallenge) -> Vec<HiddenTrial> {
    g.trials
        .iter()
        .filter(|t| t.split == Split::Test)
        .map(|t| {
            let name = format!("{}_spikes.npy", t.id);
            let f = g.files.iter().find(|f| f.name == name).unwrap();
            assert_eq!(f.visibility, Visibility::Hidden);
            HiddenTrial::from_npy(&t.id, t.part.unwrap(), t.duration_s, &f.bytes)
                .unwrap()
                .with_condition(t.condition)
        })
        .collect()
}

/// The recorded DRN challenge's folder.
pub const DRN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/drn-frozen-noise");

/// The recorded DRN challenge's manifest and data files (the public training recording and the
/// hidden test recording, which is public upstream and shipped in the repository).
pub fn drn() -> (Manifest, arena_challenge::generate::DataFiles) {
    let text = std::fs::read_to_string(format!("{DRN_DIR}/dataset.toml")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    let mut data = arena_challenge::generate::DataFiles::new();
    data.insert(
        "DRN156_5HT/DRN156_5ht_training.abf".into(),
        std::fs::read(format!("{DRN_DIR}/DRN156_5HT/DRN156_5ht_training.abf")).unwrap(),
    );
    data.insert(
        "DRN156_5ht_test.abf".into(),
        std::fs::read(format!("{DRN_DIR}/DRN156_5HT/DRN156_5ht_test.abf")).unwrap(),
    );
    (manifest, data)
}
