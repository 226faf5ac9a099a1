//! Generation through the dispatch, on the injected-current demo: what is public and what is
//! hidden, the segments and their parts, and which seed determines what.

use arena_challenge_core::generated::{GeneratedTrial, Visibility};
use arena_challenge_core::npy;
use arena_challenge_core::trial::{Part, Segment, Split};

use super::*;

#[test]
fn training_is_public_and_test_responses_are_hidden() {
    let m = demo();
    let g = generate(&m, 7, &DataFiles::new()).unwrap();
    assert_eq!(g.trials.len(), (m.train.trials + m.test.trials) as usize);
    for t in &g.trials {
        let public: Vec<&str> = t.files.keys().map(String::as_str).collect();
        match t.split {
            Split::Train => assert_eq!(public, vec!["spikes", "stimulus", "voltage"]),
            Split::Test => assert_eq!(public, vec!["stimulus"]),
        }
    }
    let hidden: Vec<&str> = g
        .files
        .iter()
        .filter(|f| f.visibility == Visibility::Hidden)
        .map(|f| f.name.as_str())
        .collect();
    assert!(hidden.iter().all(|n| n.starts_with("test-")), "{hidden:?}");
    assert_eq!(hidden.len(), 2 * m.test.trials as usize);
}

#[test]
fn segments_tile_the_test_trials_and_follow_the_public_fraction() {
    let m = demo();
    let g = generate(&m, 11, &DataFiles::new()).unwrap();
    let test: Vec<&GeneratedTrial> = g.trials.iter().filter(|t| t.split == Split::Test).collect();
    let all: Vec<&Segment> = test.iter().flat_map(|t| &t.segments).collect();
    // 4 trials × 5 s in 0.5 s segments: 40 units, ⌈40 · 0.5⌉ = 20 public.
    assert_eq!(all.len(), 40);
    let public = all.iter().filter(|s| s.part == Part::Public).count();
    assert_eq!(public, m.n_public(40));
    for t in &test {
        assert_eq!(t.segments[0].start_s, 0.0);
        assert_eq!(t.segments.last().unwrap().end_s, t.duration_s);
        assert!(t.segments.windows(2).all(|w| w[0].end_s == w[1].start_s));
    }
    // Every trial holds both parts on this seed (the draw is over all units, so this is a
    // property of the seed, checked here so the test notices a change of the draw).
    assert!(
        test.iter()
            .all(|t| t.segments.iter().any(|s| s.part == Part::Public))
    );
    assert!(
        g.trials
            .iter()
            .filter(|t| t.split == Split::Train)
            .all(|t| t.segments.is_empty())
    );
    // Another hidden seed draws other segments.
    let other = generate(&m, 12, &DataFiles::new()).unwrap();
    let parts = |g: &GeneratedChallenge| -> Vec<Part> {
        g.trials
            .iter()
            .flat_map(|t| t.segments.iter().map(|s| s.part))
            .collect()
    };
    assert_ne!(parts(&g), parts(&other));
}

#[test]
fn training_depends_on_the_manifest_only_and_test_on_the_hidden_seed() {
    let m = demo();
    let (a, b) = (
        generate(&m, 1, &DataFiles::new()).unwrap(),
        generate(&m, 2, &DataFiles::new()).unwrap(),
    );
    let file = |g: &GeneratedChallenge, name: &str| {
        g.files
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .sha256
            .clone()
    };
    assert_eq!(
        file(&a, "train-00_spikes.npy"),
        file(&b, "train-00_spikes.npy")
    );
    assert_ne!(
        file(&a, "test-00_stimulus.npy"),
        file(&b, "test-00_stimulus.npy")
    );
    assert_ne!(
        file(&a, "test-00_spikes.npy"),
        file(&b, "test-00_spikes.npy")
    );
    assert_eq!(
        a,
        generate(&m, 1, &DataFiles::new()).unwrap(),
        "generation must be reproducible"
    );
    assert_ne!(a.trials_hash, b.trials_hash);
}

#[test]
fn the_demo_neuron_is_reliable_but_not_deterministic() {
    let g = generate(&demo(), 4, &DataFiles::new()).unwrap();
    for r in [g.train_reliability, g.test_reliability] {
        let r = r.unwrap();
        assert!((0.6..0.95).contains(&r), "R = {r}");
    }
}

#[test]
fn repeats_of_a_frozen_stimulus_differ() {
    let m = demo();
    let g = generate(&m, 3, &DataFiles::new()).unwrap();
    let f = g
        .files
        .iter()
        .find(|f| f.name == "train-00_spikes.npy")
        .unwrap();
    let trains = npy::decode_ragged(&f.bytes).unwrap();
    assert_eq!(trains.len(), m.train.repeats as usize);
    assert!(trains.iter().all(|t| !t.is_empty()));
    assert_ne!(trains[0], trains[1]);
}
