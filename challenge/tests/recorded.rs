//! Recorded challenges (issue 5): the DRN156 frozen-noise recordings cut into trials exactly as
//! the manifest says, checked against the upstream spike counts (PROVENANCE.md, counted with
//! pyabf) and against the recording read directly; and every way a recorded manifest or its files
//! can be wrong is refused with a message naming the key or the file.

mod common;

use arena_abf::AbfFile;
use arena_challenge::generate::{GenerateError, Visibility, generate};
use arena_challenge::manifest::Manifest;
use arena_challenge::npy;
use arena_challenge::trial::Split;
use common::{DRN_DIR, drn, hidden, public_view};

/// Spikes per 10 s test sweep of DRN156 (0 mV upward crossings; PROVENANCE.md, from pyabf).
const TEST_SPIKES: [usize; 10] = [75, 73, 75, 73, 74, 69, 70, 68, 66, 67];

#[test]
fn the_drn_recordings_become_one_training_and_two_test_trials() {
    let (manifest, data) = drn();
    let g = generate(&manifest, 5, &data).unwrap();
    let ids: Vec<(&str, Split, u32)> = g
        .trials
        .iter()
        .map(|t| (t.id.as_str(), t.split, t.n_repeats))
        .collect();
    assert_eq!(
        ids,
        [
            ("train-00", Split::Train, 1),
            ("test-00", Split::Test, 10),
            ("test-01", Split::Test, 10)
        ]
    );
    let public = public_view(&manifest, &g);
    assert_eq!(
        public.trials[0].spikes_s[0].len(),
        465,
        "training spikes (PROVENANCE.md)"
    );
    assert_eq!(public.trials[0].stimulus_na.len(), 600_000);
    // The test responses are hidden and their spike counts add up, sweep by sweep, to the counts
    // of the whole 10 s sweeps: cutting loses no spike.
    let test = hidden(&g);
    let per_sweep: Vec<usize> = (0..10)
        .map(|k| test.iter().map(|t| t.recorded[k].len()).sum())
        .collect();
    assert_eq!(per_sweep, TEST_SPIKES);
    // Intrinsic reliability of the test responses: PROVENANCE.md gives 0.761 over the whole 10 s
    // sweeps (pyabf spikes, Δ = 4 ms); here it is the mean over the two 5 s halves. A single
    // training repeat has none.
    let r = g.test_reliability.unwrap();
    assert!((r - 0.761).abs() < 0.03, "R = {r}");
    assert_eq!(g.train_reliability, None);
    assert!(test.iter().all(|t| {
        t.recorded
            .iter()
            .all(|r| r.times().iter().all(|&s| (0.0..5.0).contains(&s)))
    }));
    let hidden_names: Vec<&str> = g
        .files
        .iter()
        .filter(|f| f.visibility == Visibility::Hidden)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        hidden_names,
        [
            "test-00_voltage.npy",
            "test-00_spikes.npy",
            "test-01_voltage.npy",
            "test-01_spikes.npy"
        ]
    );
}

#[test]
fn the_test_stimulus_is_the_mean_sweep_current_plus_the_offset_in_na() {
    let (manifest, data) = drn();
    let g = generate(&manifest, 5, &data).unwrap();
    let abf = AbfFile::parse(
        &std::fs::read(format!("{DRN_DIR}/DRN156_5HT/DRN156_5ht_test.abf")).unwrap(),
    )
    .unwrap();
    let current = abf.channel_with_units("pA").unwrap();
    let stimulus = |name: &str| {
        let f = g.files.iter().find(|f| f.name == name).unwrap();
        npy::decode(&f.bytes).unwrap().data
    };
    let (first, second) = (
        stimulus("test-00_stimulus.npy"),
        stimulus("test-01_stimulus.npy"),
    );
    assert_eq!((first.len(), second.len()), (50_000, 50_000));
    // Sample j of trial 1 is sample 50 000 + j of every sweep: (mean over 10 sweeps − 5 pA) / 1000.
    for (trial, start, j) in [
        (&first, 0, 0),
        (&first, 0, 12_345),
        (&second, 50_000, 49_999),
    ] {
        let at = start + j;
        let mean_pa = abf
            .sweeps
            .iter()
            .map(|s| f64::from(s.data[current][at]))
            .sum::<f64>()
            / 10.0;
        let expected = (mean_pa - 5.0) * 1e-3;
        assert!(
            (trial[j] - expected).abs() < 1e-12,
            "{} vs {expected}",
            trial[j]
        );
    }
}

#[test]
fn a_wrong_or_missing_recording_is_refused_naming_the_file() {
    let (manifest, mut data) = drn();
    let test = data.remove("DRN156_5ht_test.abf").unwrap();
    let err = generate(&manifest, 1, &data).unwrap_err();
    assert!(
        matches!(&err, GenerateError::MissingFile(f) if f == "DRN156_5ht_test.abf"),
        "{err}"
    );
    // The training recording in place of the test one: its SHA-256 is not the pinned one.
    let train = data["DRN156_5HT/DRN156_5ht_training.abf"].clone();
    data.insert("DRN156_5ht_test.abf".into(), train);
    let err = generate(&manifest, 1, &data).unwrap_err().to_string();
    assert!(err.starts_with("DRN156_5ht_test.abf: SHA-256 is"), "{err}");
    // Unpinned, it is still refused: one sweep where the manifest declares ten repeats.
    let text = std::fs::read_to_string(format!("{DRN_DIR}/dataset.toml")).unwrap();
    let unpinned = Manifest::parse(&text.replace(
        "sha256 = \"94abbbd36a02c593126aaf3c3c543189b2ef4b15b249a974b69afff9714b1697\"\n",
        "",
    ))
    .unwrap();
    let err = generate(&unpinned, 1, &data).unwrap_err().to_string();
    assert_eq!(
        err,
        "DRN156_5ht_test.abf: has 1 sweeps; the manifest declares 10 repeats"
    );
    data.insert("DRN156_5ht_test.abf".into(), test[..1000].to_vec());
    let err = generate(&unpinned, 1, &data).unwrap_err().to_string();
    assert!(err.starts_with("DRN156_5ht_test.abf: "), "{err}");
}

#[test]
fn a_cut_that_does_not_fit_the_recording_is_refused() {
    let (_, data) = drn();
    let text = std::fs::read_to_string(format!("{DRN_DIR}/dataset.toml")).unwrap();
    let cases = [
        (
            "trials = 2\nduration_s = 5.0",
            "trials = 3\nduration_s = 5.0",
            "DRN156_5ht_test.abf: sweeps have 100000 samples; 3 trials of 5 s need 150000",
        ),
        (
            "dt_s = 0.0001",
            "dt_s = 0.0002",
            "DRN156_5HT/DRN156_5ht_training.abf: sampled at 10000 Hz but sampling.dt_s = 0.0002 s asks for 5000 Hz",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(text.contains(from), "manifest lacks {from}");
        let m = Manifest::parse(&text.replace(from, to)).unwrap();
        assert_eq!(generate(&m, 1, &data).unwrap_err().to_string(), expected);
    }
}

#[test]
fn recorded_manifests_are_checked_key_by_key() {
    let text = std::fs::read_to_string(format!("{DRN_DIR}/dataset.toml")).unwrap();
    let cases = [
        // A recording has no generating model and no training seed.
        (
            "repeats = 1\n",
            "repeats = 1\nseed = 3\n",
            "`train.seed` is only for source",
        ),
        (
            "[sampling]",
            "[cell]\nmodel = \"adex\"\nc_pf = 1.0\ng_l_ns = 1.0\ne_l_mv = -70.0\nv_t_mv = -50.0\ndelta_t_mv = 2.0\na_ns = 0.0\ntau_w_ms = 1.0\nb_pa = 0.0\nv_reset_mv = -60.0\nv_peak_mv = 0.0\nt_ref_ms = 2.0\nnoise_std_na = 0.0\nnoise_tau_ms = 1.0\n\n[sampling]",
            "`cell` is only for source",
        ),
        // The test recording must be a hidden file, never a public one.
        (
            "hidden_files = [\"DRN156_5ht_test.abf\"]",
            "hidden_files = [\"other.abf\"]",
            "`recording.test.file` \"DRN156_5ht_test.abf\" must be an entry of `hidden_files`",
        ),
        (
            "hidden_files = [\"DRN156_5ht_test.abf\"]",
            "hidden_files = [\"../DRN156_5ht_test.abf\"]",
            "`hidden_files` entry 0",
        ),
        (
            "source = \"recorded\"",
            "source = \"simulated\"",
            "`stimulus` is required",
        ),
        (
            "sha256 = \"94ab",
            "sha256 = \"94AB",
            "`recording.test` sha256 must be 64 lower-case hex digits",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(text.contains(from), "manifest lacks {from}");
        let err = Manifest::parse(&text.replacen(from, to, 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{to}: {err}");
    }
}

#[test]
fn the_reference_baseline_does_not_apply_to_a_recording() {
    let (manifest, data) = drn();
    let g = generate(&manifest, 5, &data).unwrap();
    let public = public_view(&manifest, &g);
    let suited: Vec<&str> = arena_challenge::baselines::Baseline::suited(&manifest)
        .iter()
        .map(|b| b.name())
        .collect();
    assert_eq!(suited, ["gif", "adex", "mat", "lif", "poisson"]);
    let err = arena_challenge::baselines::Baseline::Reference
        .fit(&public)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "reference does not apply: the challenge is recorded, so there is no generating model"
    );
}
