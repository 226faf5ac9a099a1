//! The clustered-dendritic demo challenge built from its manifest, as the server builds it and
//! as a contestant fetches it (no server): paired trials in both splits, one part per pair, the
//! public files a numpy user needs, the clustering check, and the dendritic baselines fitted on
//! the public data and scored by condition.

use std::collections::BTreeMap;

use crate::common::{dendritic as demo, hidden, organizer_view, public_view};
use arena_challenge::baselines::Baseline;
use arena_challenge::evaluate::score_file;
use arena_challenge::families::dendritic::{DendriticError, EventTable};
use arena_challenge::families::sections::Stimulus;
use arena_challenge::families::{GeneratedChallenge, generate};
use arena_challenge::predictions::{Limits, to_json};
use arena_challenge_core::generated::{GenerateError, GeneratedFile, Visibility};
use arena_challenge_core::npy;
use arena_challenge_core::trial::{Condition, Part, Segment, Split};
use arena_scoring::ScoringParams;

fn file<'a>(g: &'a GeneratedChallenge, name: &str) -> &'a GeneratedFile {
    g.files.iter().find(|f| f.name == name).unwrap()
}

#[test]
fn the_demo_challenge_is_paired_clusters_matter_and_baselines_score_by_condition() {
    let (manifest, data, g) = crate::common::dendritic_generated(42);

    // Three conditions per paired trial, in both splits; a pair shares its segments' parts.
    let pairs = |split: Split| {
        let mut by_pair: BTreeMap<String, Vec<(Condition, Vec<Segment>)>> = BTreeMap::new();
        for t in g.trials.iter().filter(|t| t.split == split) {
            // Ids are `<split>-<pair>-<condition>`.
            let pair: Vec<&str> = t.id.splitn(3, '-').take(2).collect();
            by_pair
                .entry(pair.join("-"))
                .or_default()
                .push((t.condition.unwrap(), t.segments.clone()));
        }
        by_pair
    };
    for (split, n) in [
        (Split::Train, manifest.train.trials),
        (Split::Test, manifest.test.trials),
    ] {
        let by_pair = pairs(split);
        assert_eq!(by_pair.len(), n as usize, "{by_pair:?}");
        for (pair, members) in &by_pair {
            let conditions: Vec<Condition> = members.iter().map(|m| m.0).collect();
            assert_eq!(conditions, Condition::ALL.to_vec(), "{pair}");
            assert!(members.iter().all(|m| m.1 == members[0].1), "{pair}");
        }
    }
    let units: Vec<Segment> = pairs(Split::Test)
        .values()
        .flat_map(|m| m[0].1.clone())
        .collect();
    let public_units = units.iter().filter(|s| s.part == Part::Public).count();
    assert_eq!(public_units, manifest.n_public(units.len()));

    // Public: the morphology, the synapse table, every event table and the training responses;
    // not the biophysics, which stays with the uploaded data (the generator is hidden).
    for name in ["cell.swc", "synapses.json"] {
        assert_eq!(file(&g, name).visibility, Visibility::Public, "{name}");
    }
    assert!(
        g.files.iter().all(|f| f.name != "cell_biophysics.json"),
        "the biophysics file is not served"
    );
    let table: serde_json::Value =
        serde_json::from_slice(&file(&g, "synapses.json").bytes).unwrap();
    let rows = table["synapses"].as_array().unwrap();
    assert!(rows.len() > 1000, "{} sites", rows.len());
    for key in ["ampa_weight_us", "nmda_weight_us", "weight_us"] {
        assert!(
            rows.iter().all(|r| r.get(key).is_none()),
            "a row publishes {key}"
        );
    }
    assert!(table.get("receptors").is_none(), "{}", table["receptors"]);
    for key in [
        "id",
        "type",
        "section",
        "x",
        "distance_um",
        "position_um",
        "branch",
        "region",
    ] {
        assert!(
            rows[0].get(key).is_some(),
            "synapse rows lack {key}: {}",
            rows[0]
        );
    }
    let n_sites = rows.len();
    for t in &g.trials {
        let roles: Vec<&str> = t.files.keys().map(String::as_str).collect();
        match t.split {
            Split::Train => assert_eq!(roles, ["events", "spikes", "voltage"], "{}", t.id),
            Split::Test => assert_eq!(roles, ["events"], "{}", t.id),
        }
        let events = npy::decode(&file(&g, &t.files["events"]).bytes).unwrap();
        assert_eq!(events.shape[1], 2);
        let rows: Vec<[f64; 2]> = events.data.chunks(2).map(|r| [r[0], r[1]]).collect();
        assert!(
            rows.windows(2).all(|w| w[0][1] <= w[1][1]),
            "events are time-ordered"
        );
        EventTable::from_rows(n_sites, &rows).unwrap();
    }
    // The test responses stay hidden.
    for t in g.trials.iter().filter(|t| t.split == Split::Test) {
        for role in ["spikes", "voltage"] {
            let f = file(&g, &format!("{}_{role}.npy", t.id));
            assert_eq!(f.visibility, Visibility::Hidden);
        }
    }

    // The clustering check passed, and says so.
    let effect = g.report.as_ref().unwrap();
    eprintln!("clustering effect: {effect:#?}");
    for c in [&effect.time_dispersed, &effect.space_scattered] {
        assert!(c.wilcoxon.p_value < effect.alpha, "{effect:?}");
        assert!(effect.clustered_spikes > c.spikes, "{effect:?}");
    }

    // Baselines fitted on the public data only, scored by condition; the reference, which needs
    // the hidden generator, on the organizer's view (as the server computes it), and only there.
    let public = organizer_view(&manifest, &g, &data);
    let err = Baseline::Reference
        .fit(&public_view(&manifest, &g))
        .unwrap_err()
        .to_string();
    assert!(err.contains("server"), "{err}");
    let hidden = hidden(&g);
    assert_eq!(
        Baseline::suited(&manifest),
        [
            Baseline::Reference,
            Baseline::TwoLayer,
            Baseline::Linear,
            Baseline::Poisson
        ]
    );
    let params = ScoringParams::with_delta(0.004);
    let mut primary = BTreeMap::new();
    let mut reproduced = BTreeMap::new();
    for b in Baseline::suited(&manifest) {
        let predicted = b.predict(&public, 7).unwrap();
        let spikes: usize = predicted.values().flatten().map(Vec::len).sum();
        let repeats: usize = predicted.values().map(Vec::len).sum();
        eprintln!(
            "{}: {spikes} spikes over {repeats} predicted repeats",
            b.name()
        );
        let e = score_file(
            &to_json(&predicted),
            &hidden,
            manifest.sampling.dt_s,
            &params,
            &Limits::default(),
        )
        .unwrap();
        let conditions = e.public_conditions.clone().unwrap();
        let gap = conditions.clustering_gap.clone();
        assert!(gap.is_ok(), "{}: {gap:?}", b.name());
        let both = |m: &arena_scoring::Metric| m.clone().unwrap();
        primary.insert(
            b.name(),
            (both(&e.public.primary), both(&e.private.primary)),
        );
        reproduced.insert(b.name(), conditions.effect_reproduced.unwrap_or(f64::NAN));
    }
    eprintln!("primary (public, private): {primary:?}\neffect reproduced (public): {reproduced:?}");
    // The generating model and both fitted models beat the null on both parts (seed 42, scoring
    // core-2, baselines on the hidden generator's public files: reference 0.95 / 0.96, two-layer
    // 0.30 / 0.22, linear 0.19 / 0.08, Poisson −0.13 / −0.13).
    for (model, margin) in [("reference", 0.2), ("two-layer", 0.1), ("linear", 0.1)] {
        for (part, (score, null)) in [
            (primary[model].0, primary["poisson"].0),
            (primary[model].1, primary["poisson"].1),
        ]
        .into_iter()
        .enumerate()
        {
            assert!(score > null + margin, "{model}, part {part}: {primary:?}");
        }
    }
    // The branch non-linearity reproduces more of the clustering effect than linear integration
    // (0.82 against 0.56 then).
    assert!(
        reproduced["two-layer"] > reproduced["linear"],
        "{reproduced:?}"
    );
}

#[test]
fn a_dataset_whose_clusters_make_no_difference_is_refused() {
    let (mut manifest, data) = demo();
    // No volleys at all: the three conditions carry identical events and share their noise, so
    // no paired unit can differ.
    let Some(Stimulus::DendriticClusters(recipe)) = &mut manifest.stimulus else {
        panic!("the demo is a dendritic manifest");
    };
    recipe.clusters.rate_hz = 0.0;
    manifest.train.duration_s = 0.5;
    manifest.train.trials = 1;
    manifest.test.duration_s = 1.0;
    manifest.test.trials = 1;
    let err = generate(&manifest, 1, &data).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(&err, GenerateError::Family(e) if e.is::<DendriticError>()),
        "{message}"
    );
    assert!(message.contains("clusters make no difference"), "{message}");
}

/// The generalisation question (`datasets/dendritic-compact-basal/`): on a cell with short,
/// thick basal trees, models fitted on the two dispersed controls only. The training split
/// holds only those conditions, the test split all three; both fitted point models then do
/// well on dispersed input and lose ground on clustered input, so their clustering gap
/// (dispersed − clustered, public part) is positive, and larger than the null's. The null's gap
/// is not zero: it is rate-matched to the training trials, i.e. to the controls, and misses
/// the clustered trials' extra spikes. Everything here is seeded (hidden 42, predictions 7);
/// with scoring core-2 and the baselines on the hidden generator's public files: linear
/// dispersed 0.13, clustered −0.18, gap 0.31; two-layer 0.10, −0.26, gap 0.35; Poisson −0.12,
/// −0.29, gap 0.16. Over 9 hidden seeds (`dendritic_seeds`, EFFECT.md
/// "Trained on dispersed input") the gaps were 0.09–0.42 (linear), 0.28–0.50 (two-layer) and
/// −0.06–0.20 (Poisson).
#[test]
fn trained_on_dispersed_input_the_fitted_models_lose_ground_on_clustered_input() {
    let (manifest, data) = crate::common::compact_basal();
    let g = generate(&manifest, 42, &data).unwrap();
    for (split, want) in [
        (
            Split::Train,
            vec![Condition::TimeDispersed, Condition::SpaceScattered],
        ),
        (Split::Test, Condition::ALL.to_vec()),
    ] {
        let mut seen: Vec<Condition> = g
            .trials
            .iter()
            .filter(|t| t.split == split)
            .map(|t| t.condition.unwrap())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, want, "{split:?}");
    }
    let trains = g.trials.iter().filter(|t| t.split == Split::Train).count();
    assert_eq!(trains, 2 * manifest.train.trials as usize);

    let public = public_view(&manifest, &g);
    let hidden = hidden(&g);
    let params = ScoringParams::with_delta(0.004);
    let scores = |b: Baseline| {
        let predicted = b.predict(&public, 7).unwrap();
        let e = score_file(
            &to_json(&predicted),
            &hidden,
            manifest.sampling.dt_s,
            &params,
            &Limits::default(),
        )
        .unwrap();
        let c = e.public_conditions.unwrap();
        let value = |m: &arena_scoring::Metric| m.clone().unwrap();
        let scores = (
            value(&c.dispersed.primary),
            value(&c.clustered.primary),
            value(&c.clustering_gap),
        );
        eprintln!("{} (dispersed, clustered, gap): {scores:?}", b.name());
        scores
    };
    let (null_dispersed, _, null_gap) = scores(Baseline::Poisson);
    for b in [Baseline::Linear, Baseline::TwoLayer] {
        let (dispersed, clustered, gap) = scores(b);
        assert!((gap - (dispersed - clustered)).abs() < 1e-12);
        assert!(dispersed > null_dispersed + 0.1, "{}", b.name());
        assert!(
            gap > 0.1 && gap > null_gap,
            "{}: gap {gap}, null {null_gap}",
            b.name()
        );
    }
}
