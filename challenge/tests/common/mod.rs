//! Builds the demo challenge as the server stores it and as a contestant fetches it, from
//! `generate` alone (no server), for the integration tests.

use arena_challenge::baselines::{PublicChallenge, PublicTrial};
use arena_challenge::evaluate::HiddenTrial;
use arena_challenge::generate::{GeneratedChallenge, Visibility};
use arena_challenge::manifest::Manifest;
use arena_challenge::trial::Split;

/// The demo dataset's manifest text.
pub const DEMO: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// What a contestant fetches, decoded from the generated public files only (by the same
/// [`PublicTrial::from_files`] the client and server use).
pub fn public_view(manifest: &Manifest, g: &GeneratedChallenge) -> PublicChallenge {
    let trials = g
        .trials
        .iter()
        .map(|t| {
            PublicTrial::from_files(&t.id, t.split, t.duration_s, &t.files, |name| {
                g.files
                    .iter()
                    .find(|f| f.name == name && f.visibility == Visibility::Public)
                    .map(|f| f.bytes.clone())
            })
            .unwrap()
        })
        .collect();
    PublicChallenge {
        dt_s: manifest.sampling.dt_s,
        manifest: manifest.clone(),
        trials,
    }
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
            HiddenTrial::from_npy(&t.id, t.part.unwrap(), t.duration_s, &f.bytes).unwrap()
        })
        .collect()
}
