//! Hidden generators (issue 13 F): what a contestant fetches of a simulated challenge holds no
//! parameter of the generator. Each demo challenge is generated from its manifest as the server
//! generates it, and every byte a contestant can fetch (the served `dataset.toml`, every public
//! file, `synapses.json` among them) is searched for the hidden values: the names and printed
//! lines of the reference neuron's parameters and noise, the biophysics file's keys and values,
//! the receptor kinetics and the synaptic weights. None is found; with `publish = ["cell"]` the
//! same search finds them. The fitted baselines predict the same from what a contestant fetches
//! as from the organizer's full view: they read nothing hidden.

use crate::common::{DEMO, DENDRITIC_DIR, organizer_view, public_view, published};
use arena_challenge::baselines::{Baseline, Fitted};
use arena_challenge::families::dendritic::generation::SYNAPSES_FILE;
use arena_challenge::families::dendritic::public_data::DendriticData;
use arena_challenge::families::{
    FamilyData, GeneratedChallenge, Manifest, PublicChallenge, generate,
};
use arena_challenge_core::generated::{DataFiles, Visibility};

/// The hidden seed of every challenge generated here.
const HIDDEN_SEED: u64 = 42;

/// Every byte a contestant fetches: (file name, bytes), `dataset.toml` first.
fn fetched(text: &str, g: &GeneratedChallenge) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(
        "dataset.toml".to_string(),
        Manifest::public_toml(text).unwrap().into_bytes(),
    )];
    out.extend(
        g.files
            .iter()
            .filter(|f| f.visibility == Visibility::Public)
            .map(|f| (f.name.clone(), f.bytes.clone())),
    );
    out
}

/// The needles of the organizer's manifest `text`: every key, and every `key = value` line as
/// written, of the tables at `paths` (dotted, e.g. `stimulus.receptors`), and the listed keys of
/// other tables (`(table, key)`), which live beside public keys.
fn manifest_needles(text: &str, paths: &[&str], keys: &[(&str, &str)]) -> Vec<String> {
    let doc: toml::Table = toml::from_str(text).unwrap();
    let table = |path: &str| -> toml::Table {
        path.split('.')
            .fold(&doc, |t, part| t[part].as_table().unwrap())
            .clone()
    };
    let mut out = Vec::new();
    let mut push = |key: &str, value: &toml::Value| {
        out.push(key.to_string());
        if !value.is_table() {
            let line = format!("{key} = {value}");
            assert!(text.contains(&line), "fixture: {line:?} is not as written");
            out.push(line);
        }
    };
    for path in paths {
        let t = table(path);
        assert!(!t.is_empty(), "fixture: [{path}] is empty");
        for (key, value) in &t {
            if let Some(inner) = value.as_table() {
                // e.g. [stimulus.receptors.nmda].
                for (k, v) in inner {
                    push(k, v);
                }
            } else if key != "model" {
                push(key, value);
            }
        }
    }
    for (path, key) in keys {
        push(key, &table(path)[*key]);
    }
    out
}

/// The biophysics file's needles: its `"name": value` pairs as written (e.g. `"gnabar": 0.12`)
/// and the names of at least four characters (`el`, `gl` occur by chance in any binary file).
fn biophysics_needles(json: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    for section in doc["mechanisms"].as_object().unwrap().values() {
        for params in section.as_object().unwrap().values() {
            for (name, value) in params.as_object().unwrap() {
                let pair = format!("\"{name}\": {value}");
                assert!(json.contains(&pair), "fixture: {pair} is not as written");
                if name.len() >= 4 {
                    out.push(name.clone());
                }
                out.push(pair);
            }
        }
    }
    assert!(out.iter().any(|n| n == "gnabar"), "{out:?}");
    out
}

/// The needles found in the fetched files, as (needle, file).
fn found(files: &[(String, Vec<u8>)], needles: &[String]) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    for needle in needles {
        for (name, bytes) in files {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                hits.push((needle.clone(), name.clone()));
            }
        }
    }
    hits
}

/// The dendritic family's public files of `public` beyond its trials.
fn dendritic_data(public: &PublicChallenge) -> &DendriticData {
    let FamilyData::DendriticInput(data) = &public.family_data else {
        panic!("a dendritic challenge");
    };
    data
}

#[test]
fn the_injected_current_demo_serves_no_neuron_parameter() {
    let needles = manifest_needles(DEMO, &["cell"], &[]);
    for must in [
        "c_pf",
        "noise_std_na",
        "noise_tau_ms",
        "c_pf = 200.0",
        "b_pa = 40.0",
    ] {
        assert!(needles.iter().any(|n| n == must), "{must}: {needles:?}");
    }
    let manifest = Manifest::parse(DEMO).unwrap();
    let g = generate(&manifest, HIDDEN_SEED, &DataFiles::new()).unwrap();
    let files = fetched(DEMO, &g);
    assert_eq!(found(&files, &needles), []);

    // Published on purpose: the organizer's text is served, parameters and all.
    let text = published(DEMO);
    let manifest = Manifest::parse(&text).unwrap();
    let g = generate(&manifest, HIDDEN_SEED, &DataFiles::new()).unwrap();
    let hits = found(&fetched(&text, &g), &needles);
    assert_eq!(hits.len(), needles.len(), "{hits:?}");
    assert!(
        hits.iter().all(|(_, file)| file == "dataset.toml"),
        "{hits:?}"
    );
}

/// The dendritic demo: the served manifest, the SWC, `synapses.json` and every event and
/// training file hold no channel density, weight, kinetics or noise value; `synapses.json`
/// has exactly the public columns. With the cell published, all of them are served, and a
/// contestant's baselines read the true weights and kinetics.
#[test]
fn the_dendritic_demo_serves_no_channel_density_weight_kinetics_or_noise() {
    let text = std::fs::read_to_string(format!("{DENDRITIC_DIR}/dataset.toml")).unwrap();
    let biophysics =
        std::fs::read_to_string(format!("{DENDRITIC_DIR}/cell_biophysics.json")).unwrap();
    // `[cell]` also names the SWC (public) and the synapse seed (public: the table is).
    let mut needles = manifest_needles(
        &text,
        &["stimulus.receptors", "stimulus.intrinsic_noise"],
        &[
            ("cell", "biophysics"),
            ("cell", "dt_ms"),
            ("cell", "spike_threshold_mv"),
            ("stimulus.excitatory", "ampa_weight_us"),
            ("stimulus.excitatory", "nmda_weight_us"),
            ("stimulus.excitatory", "weight_gain_per_100um"),
            ("stimulus.inhibitory", "weight_us"),
            ("stimulus.inhibitory", "soma_weight_us"),
        ],
    );
    needles.extend(biophysics_needles(&biophysics));
    needles.push("cell_biophysics.json".into());
    for must in [
        "tau_decay_ms = 75.0",
        "nmda_weight_us = 0.0012",
        "soma_current_sd_na = 0.05",
        "\"gnabar\": 0.12",
    ] {
        assert!(needles.iter().any(|n| n == must), "{must}: {needles:?}");
    }
    let (manifest, data, g) = crate::common::dendritic_generated(HIDDEN_SEED);
    let files = fetched(&text, &g);
    assert_eq!(found(&files, &needles), []);

    // synapses.json: the public columns, nothing else.
    let (_, table) = files.iter().find(|(n, _)| n == SYNAPSES_FILE).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(table).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&doc), ["synapses", "units"]);
    let public_columns = [
        "branch",
        "distance_um",
        "id",
        "position_um",
        "region",
        "section",
        "type",
        "x",
    ];
    for row in doc["synapses"].as_array().unwrap() {
        assert_eq!(keys(row), public_columns, "{row}");
    }

    // A contestant's view decodes from these files alone; the reference needs the server, and
    // a fitted baseline is the same model on the organizer's full view: it reads nothing hidden.
    let contestant = public_view(&manifest, &g);
    assert!(
        dendritic_data(&contestant).cell.is_none() && contestant.manifest.simulated().is_none()
    );
    assert!(Baseline::Reference.fit(&contestant).is_err());
    let organizer = organizer_view(&manifest, &g, &data);
    assert!(dendritic_data(&organizer).cell.is_some());
    let linear = |c| match Baseline::Linear.fit(c).unwrap() {
        Fitted::Dendritic { fitted, table, .. } => (fitted, table),
        other => panic!("{other:?}"),
    };
    assert_eq!(linear(&contestant), linear(&organizer));

    // Published on purpose: everything above is served, and the baselines read the truth.
    let text = published(&text);
    let manifest = Manifest::parse(&text).unwrap();
    let g = generate(&manifest, HIDDEN_SEED, &data).unwrap();
    let files = fetched(&text, &g);
    let hits = found(&files, &needles);
    let missed: Vec<&String> = needles
        .iter()
        .filter(|n| !hits.iter().any(|(h, _)| h == *n))
        .collect();
    assert_eq!(missed, Vec::<&String>::new());
    let contestant = public_view(&manifest, &g);
    let truth = dendritic_data(&contestant).cell.as_ref().unwrap();
    let (table, receptors) = dendritic_data(&contestant).synapses.for_baselines();
    assert_eq!(table, truth.table);
    let recipe = manifest.simulated().map(|s| s.stimulus.clone());
    let Some(arena_challenge::families::sections::Stimulus::DendriticClusters(recipe)) = recipe
    else {
        panic!("a dendritic recipe");
    };
    assert_eq!(Some(receptors), recipe.receptors);
}

/// The cache the dendritic tests share their generated challenge through gives back exactly
/// what `generate` returns, whether it generated (first call) or read the file (second).
#[test]
fn generated_once_returns_what_generate_returns() {
    let manifest = Manifest::parse(DEMO).unwrap();
    let direct = generate(&manifest, 3, &DataFiles::new()).unwrap();
    for _ in 0..2 {
        let shared = crate::common::generated_once(DEMO, &manifest, 3, &DataFiles::new());
        assert_eq!(shared, direct);
    }
}
