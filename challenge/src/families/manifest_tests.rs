//! The manifest's checks and views on the shipped datasets: the family-independent keys (the
//! core's) and every family's sections (the dispatch's), as an organizer or a contestant meets
//! them.

use arena_challenge_core::manifest::budget::{MAX_SAMPLES, split_samples};
use arena_challenge_core::manifest::{ManifestError, Publish, Simulated};
use arena_challenge_core::trial::{Condition, Split};

use super::*;

const DEMO: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

#[test]
fn the_demo_manifest_parses() {
    let m = Manifest::parse(DEMO).unwrap();
    assert_eq!(m.name, "injected-current-demo");
    assert_eq!(m.kind, Kind::InjectedCurrent);
    assert!(m.test.repeats >= 4);
    assert!(m.train.duration_s * m.train.trials as f64 >= 20.0);
    assert!(m.test.duration_s * m.test.trials as f64 >= 10.0);
}

#[test]
fn an_unknown_key_is_named() {
    let text = DEMO.replace("[rules]", "[rules]\nmax_teams = 3");
    let err = Manifest::parse(&text).unwrap_err().to_string();
    assert!(err.contains("max_teams"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn a_missing_key_is_named() {
    let text = DEMO.replace("daily_limit", "# daily_limit");
    let err = Manifest::parse(&text).unwrap_err().to_string();
    assert!(err.contains("daily_limit"), "{err}");
}

#[test]
fn out_of_range_values_are_named() {
    let cases = [
        (
            "public_fraction = 0.5",
            "public_fraction = 1.5",
            "test.public_fraction",
        ),
        ("dt_s = 0.0001", "dt_s = -1.0", "sampling.dt_s"),
        (
            "name = \"injected-current-demo\"",
            "name = \"Bad Name\"",
            "name",
        ),
    ];
    for (from, to, key) in cases {
        assert!(DEMO.contains(from), "fixture lacks {from}");
        let err = Manifest::parse(&DEMO.replace(from, to)).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
            "{to}: {err}"
        );
    }
}

#[test]
fn an_unsupported_kind_is_named() {
    let text = DEMO.replace("kind = \"injected-current\"", "kind = \"voltage-clamp\"");
    let err = Manifest::parse(&text).unwrap_err().to_string();
    assert!(err.contains("voltage-clamp"), "{err}");
}

const DENDRITIC: &str = include_str!("../../../datasets/dendritic-clustered-demo/dataset.toml");

#[test]
fn the_dendritic_demo_manifest_parses() {
    let m = Manifest::parse(DENDRITIC).unwrap();
    assert_eq!(m.kind, Kind::DendriticInput);
    let Some(Simulated {
        cell: Cell::CableSwc(cable),
        stimulus: Stimulus::DendriticClusters(recipe),
    }) = m.simulated()
    else {
        panic!("a cable cell and a dendritic recipe");
    };
    assert_eq!(cable.swc, "cell.swc");
    assert_eq!(recipe.clusters.max_distance_um, Some(150.0));
    assert!(m.effect.is_some());
}

#[test]
fn dendritic_keys_are_checked() {
    let cases = [
        // A dendritic kind with the point neuron's stimulus.
        (
            "kind = \"dendritic-input\"",
            "kind = \"injected-current\"",
            "kind",
        ),
        ("files = [\"cell.swc\", ", "files = [", "cell.swc"),
        ("dt_ms = 0.05", "dt_ms = 0.03", "sampling.dt_s"),
        ("alpha = 0.05", "alpha = 1.5", "effect.alpha"),
        ("span_um = 30.0", "span_um = -1.0", "stimulus"),
    ];
    for (from, to, key) in cases {
        assert!(DENDRITIC.contains(from), "fixture lacks {from}");
        let err = Manifest::parse(&DENDRITIC.replacen(from, to, 1)).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
            "{to}: {err}"
        );
    }
    // The effect check belongs to the dendritic family only.
    let text = DEMO.replace("[rules]", "[effect]\nalpha = 0.05\n\n[rules]");
    let err = Manifest::parse(&text).unwrap_err();
    assert!(
        matches!(&err, ManifestError::Invalid { key: "effect", .. }),
        "{err}"
    );
}

/// `train.conditions`: default all three in order; a subset is kept in `Condition::ALL`
/// order whatever order it is written in; empty, repeated, unknown or on the injected-current
/// family it is refused naming the key.
#[test]
fn the_training_conditions_are_a_checked_subset() {
    let all = Manifest::parse(DENDRITIC).unwrap();
    assert_eq!(all.train.conditions, None);
    assert_eq!(all.train_conditions(), Condition::ALL);
    let with =
        |list: &str| DENDRITIC.replacen("[train]\n", &format!("[train]\nconditions = {list}\n"), 1);
    let m = Manifest::parse(&with("[\"space-scattered\", \"time-dispersed\"]")).unwrap();
    assert_eq!(
        m.train_conditions(),
        [Condition::TimeDispersed, Condition::SpaceScattered]
    );
    for (list, problem) in [
        ("[]", "must list at least one condition"),
        (
            "[\"clustered\", \"clustered\"]",
            "entry 1 (\"clustered\") is listed twice",
        ),
    ] {
        let err = Manifest::parse(&with(list)).unwrap_err().to_string();
        assert_eq!(err, format!("dataset.toml: `train.conditions` {problem}"));
    }
    let err = Manifest::parse(&with("[\"scattered\"]"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("scattered") && err.contains("conditions"),
        "{err}"
    );
    let injected = DEMO.replacen("[train]\n", "[train]\nconditions = [\"clustered\"]\n", 1);
    let err = Manifest::parse(&injected).unwrap_err();
    assert!(
        matches!(
            &err,
            ManifestError::Invalid {
                key: "train.conditions",
                ..
            }
        ),
        "{err}"
    );
}

const DRN: &str = include_str!("../../../datasets/drn-frozen-noise/dataset.toml");
/// The public view leaves out `[cell]` and, for dendritic input, the biophysics file and
/// the recipe's kinetics, weights and noise; it keeps the stimulus statistics; its text
/// reads back as the same view, which the organizer's parser refuses for lacking `[cell]`.
#[test]
fn the_public_view_leaves_the_generator_out_and_reads_back() {
    for text in [DEMO, DENDRITIC] {
        let full = Manifest::parse(text).unwrap();
        assert!(full.hides_generator());
        let public = full.public_view();
        assert_eq!(public.cell, None);
        assert!(public.simulated().is_none());
        assert_eq!(public.stimulus.is_some(), full.stimulus.is_some());
        assert!(!public.files.contains(&"cell_biophysics.json".to_string()));
        let served = Manifest::public_toml(text).unwrap();
        assert_eq!(Manifest::parse_public(&served).unwrap(), public);
        let err = Manifest::parse(&served).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: "cell", .. }),
            "{err}"
        );
        // Everything but the generator is as the organizer wrote it.
        let mut restored = public.clone();
        restored.cell = full.cell.clone();
        restored.files = full.files.clone();
        restored.stimulus = full.stimulus.clone();
        assert_eq!(restored, full);
    }
    let public = Manifest::parse(DENDRITIC).unwrap().public_view();
    let Some(Stimulus::DendriticClusters(recipe)) = &public.stimulus else {
        panic!("a dendritic recipe");
    };
    assert!(recipe.is_public_view());
    assert_eq!(recipe.clusters.synapses_per_cluster, 16);
    assert_eq!(recipe.excitatory.sites_per_um.basal, 0.5);
    assert_eq!(public.files, ["cell.swc"]);
    let err = recipe.synaptic().unwrap_err().to_string();
    assert!(err.starts_with("stimulus.receptors is absent"), "{err}");
}

/// `publish = ["cell"]` publishes the whole generator: the served text is the organizer's
/// own. Unknown or repeated values, a recorded challenge's `publish`, a public view without
/// the `[cell]` it publishes and one holding part of the generator are refused by name.
#[test]
fn publish_is_checked_and_publishes_the_whole_generator() {
    let published = DENDRITIC.replacen("files = [", "publish = [\"cell\"]\nfiles = [", 1);
    let m = Manifest::parse(&published).unwrap();
    assert_eq!(m.publish, [Publish::Cell]);
    assert!(!m.hides_generator());
    assert_eq!(m.public_view(), m);
    assert_eq!(Manifest::public_toml(&published).unwrap(), published);
    assert!(
        Manifest::parse_public(&published)
            .unwrap()
            .simulated()
            .is_some()
    );

    let err = Manifest::parse(&DEMO.replacen(
        "public_benchmark = false",
        "public_benchmark = false\npublish = [\"weights\"]",
        1,
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`publish`") && err.contains("\"weights\""),
        "{err}"
    );
    let twice = DEMO.replacen(
        "public_benchmark = false",
        "public_benchmark = false\npublish = [\"cell\", \"cell\"]",
        1,
    );
    assert_eq!(
        Manifest::parse(&twice).unwrap_err().to_string(),
        "dataset.toml: `publish` entry 1 (\"cell\") is listed twice"
    );
    let recorded = DRN.replacen(
        "public_benchmark = true",
        "public_benchmark = true\npublish = [\"cell\"]",
        1,
    );
    assert_ne!(recorded, DRN, "fixture lacks public_benchmark = true");
    let err = Manifest::parse(&recorded).unwrap_err();
    assert!(
        matches!(&err, ManifestError::Invalid { key: "publish", .. }),
        "{err}"
    );

    // A served view that says it publishes the cell but lacks it.
    let served = Manifest::public_toml(DENDRITIC).unwrap();
    let lying = served.replacen("kind = ", "publish = [\"cell\"]\nkind = ", 1);
    let err = Manifest::parse_public(&lying).unwrap_err();
    assert!(
        matches!(&err, ManifestError::Invalid { key: "cell", .. }),
        "{err}"
    );
    // A view without [cell] that keeps some of the generator.
    let mut partial = Manifest::parse(DENDRITIC).unwrap().public_view();
    let Some(Stimulus::DendriticClusters(recipe)) = &mut partial.stimulus else {
        panic!("a dendritic recipe");
    };
    recipe.excitatory.nmda_weight_us = Some(0.001);
    let err = Manifest::parse_public(&toml::to_string(&partial).unwrap()).unwrap_err();
    assert!(
        matches!(
            &err,
            ManifestError::Invalid {
                key: "stimulus",
                ..
            }
        ),
        "{err}"
    );
    // The organizer's manifest must hold every key of the generator.
    let err = Manifest::parse(&DENDRITIC.replace("nmda_weight_us = 0.0012\n", ""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("stimulus.excitatory.nmda_weight_us"), "{err}");
}

/// A recorded challenge has no generator: both views are the same and its text is served
/// byte for byte.
#[test]
fn a_recorded_manifest_is_served_unchanged() {
    let m = Manifest::parse(DRN).unwrap();
    assert!(!m.hides_generator());
    assert_eq!(m.public_view(), m);
    assert_eq!(Manifest::public_toml(DRN).unwrap(), DRN);
}

#[test]
fn the_aec_recording_is_optional_public_and_checked_by_name() {
    let m = Manifest::parse(DRN).unwrap();
    let aec = m.recording.as_ref().unwrap().aec.as_ref().unwrap();
    assert_eq!(aec.file, "DRN156_5HT/DRN156_5ht_aec.abf");
    assert!(m.files.contains(&aec.file));
    // Without the section the manifest still parses, with no AEC recording.
    let start = DRN.find("[recording.aec]").unwrap();
    let end = start + DRN[start..].find("\n\n").unwrap();
    let without = Manifest::parse(&format!("{}{}", &DRN[..start], &DRN[end + 2..])).unwrap();
    assert_eq!(without.recording.unwrap().aec, None);
    let cases = [
        // Not a public file.
        (
            "files = [\"DRN156_5HT/DRN156_5ht_training.abf\", \"DRN156_5HT/DRN156_5ht_aec.abf\"]",
            "files = [\"DRN156_5HT/DRN156_5ht_training.abf\"]",
            "recording.aec.file",
        ),
        ("sha256 = \"36c0", "sha256 = \"36C0", "recording.aec"),
        (
            "DRN156_5ht_aec.abf\"\n# The same 5 pA as the training recording's.\ncurrent_offset_pa = -5.0",
            "DRN156_5ht_aec.abf\"\ncurrent_offset_pa = inf",
            "recording.aec",
        ),
    ];
    for (from, to, key) in cases {
        assert!(DRN.contains(from), "fixture lacks {from}");
        let err = Manifest::parse(&DRN.replacen(from, to, 1)).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
            "{to}: {err}"
        );
    }
    // An unknown key in the section is named.
    let err = Manifest::parse(&DRN.replace("[recording.aec]\n", "[recording.aec]\nkernel = 3\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("kernel"), "{err}");
}

#[test]
fn files_must_stay_inside_the_dataset() {
    let text = DEMO.replace(
        "schema_version = 1",
        "schema_version = 1\nfiles = [\"../secret\"]",
    );
    let err = Manifest::parse(&text).unwrap_err().to_string();
    assert!(err.contains("files"), "{err}");
}

/// The demo manifest with `key = value` set in `[table]` for each of `changes`.
fn demo_with(changes: &[(&str, &str, toml::Value)]) -> String {
    let mut m: toml::Table = DEMO.parse().unwrap();
    for (table, key, value) in changes {
        m.entry(table.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .unwrap()
            .insert(key.to_string(), value.clone());
    }
    toml::to_string(&m).unwrap()
}

/// Issue 16 cases 2 and 6: every manifest that would make the server allocate without bound,
/// or hold a wait no `Duration` can, is refused when it is read, naming the key and the limit.
/// Each case parses in microseconds: nothing is generated before the refusal.
#[test]
fn work_budgets_and_waits_are_checked_before_anything_is_generated() {
    let big = toml::Value::Integer(1_000_000_000);
    let cases = [
        (
            vec![("sampling", "dt_s", toml::Value::Float(1e-12))],
            "sampling.dt_s",
            "between 0.000001 s and 0.01 s",
        ),
        (
            vec![("train", "trials", big.clone())],
            "train",
            "limit is 50000000 samples",
        ),
        (
            vec![("train", "repeats", big.clone())],
            "train",
            "limit is 50000000 samples",
        ),
        (
            vec![("test", "trials", big)],
            "test",
            "limit is 50000000 samples",
        ),
        // Each value within its own range; together 6·10¹¹ samples.
        (
            vec![
                ("sampling", "dt_s", toml::Value::Float(1e-5)),
                ("test", "trials", toml::Value::Integer(100)),
                ("test", "duration_s", toml::Value::Float(600.0)),
                ("test", "repeats", toml::Value::Integer(100)),
            ],
            "test",
            "(400 MB) per challenge",
        ),
        (
            vec![("live", "answer_deadline_s", toml::Value::Float(1e300))],
            "live.answer_deadline_s",
            "the limit is 600 s",
        ),
        (
            vec![("live", "max_concurrent", toml::Value::Integer(0))],
            "live.max_concurrent",
            "between 1 and 16",
        ),
        // A live evaluation is at most the test split's shape, so within its work budget.
        (
            vec![("live", "trials", toml::Value::Integer(1_000_000))],
            "live.trials",
            "between 1 and test.trials",
        ),
        (
            vec![("live", "duration_s", toml::Value::Float(600.0))],
            "live.duration_s",
            "at most test.duration_s",
        ),
        (
            vec![
                ("scoring", "delta_ms", toml::Value::Float(1e-300)),
                ("test", "segment_s", toml::Value::Float(1e-300)),
            ],
            "test.segment_s",
            "at least one sampling step",
        ),
    ];
    for (changes, key, limit) in cases {
        let err = Manifest::parse(&demo_with(&changes)).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Invalid { key: k, .. } if *k == key),
            "{changes:?}: {err}"
        );
        assert!(err.to_string().contains(limit), "{changes:?}: {err}");
    }
    // The shipped demo is far inside the budget.
    let m = Manifest::parse(DEMO).unwrap();
    let samples = split_samples(&m, Split::Train) + split_samples(&m, Split::Test);
    assert_eq!(samples, 4.4e6);
    assert!(samples < MAX_SAMPLES as f64 / 10.0);
}

/// Issue 16 cases 5 and 7: a title that would act in a terminal is refused naming the key, a
/// parse error does not quote the offending line (it may be 300 KB long), and a byte-order
/// mark is skipped.
#[test]
fn titles_errors_and_byte_order_marks() {
    let title =
        "title = \"Injected current demo: adaptive exponential IF neuron with intrinsic noise\"";
    assert!(DEMO.contains(title), "fixture lacks the title");
    let forged = DEMO.replace(title, "title = \"demo\\u001b[2J\"");
    let err = Manifest::parse(&forged).unwrap_err();
    assert!(
        matches!(&err, ManifestError::Invalid { key: "title", problem } if problem.contains("U+001B")),
        "{err}"
    );
    let long = DEMO.replace(title, &format!("title = \"{}", "x".repeat(300_000)));
    let err = Manifest::parse(&long).unwrap_err().to_string();
    assert!(err.len() < 1000, "{} bytes: {}", err.len(), &err[..200]);
    assert!(err.contains("line 6"), "{err}");
    let with_bom = format!("\u{feff}{DEMO}");
    assert_eq!(
        Manifest::parse(&with_bom).unwrap(),
        Manifest::parse(DEMO).unwrap()
    );
}
