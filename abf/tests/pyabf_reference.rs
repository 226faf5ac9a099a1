//! The shipped recordings read by this crate against pyabf 2.3.8 (fixture written by
//! `peer/make_reference.py`, which also states the crossing convention).
//!
//! Tolerances:
//! - samples (first and last 5 of every sweep and channel): exactly equal. Both readers reduce
//!   to the same single-precision factor for these files (see the `adc` module docs), so any
//!   difference at all would be a bug, not rounding.
//! - sum and sum of squares of every sweep and channel: relative 1e-14 (largest seen: 1.9e-16).
//!   Both are accumulated in f64 from identical f32 samples: numpy sums pairwise (error bound
//!   ~ log2(n) ε ≈ 2e-15), this test with compensated (Neumaier) summation. A plain sequential
//!   sum of 600 000 squares drifts by ~1e-11 relative, which is why it is not used here.
//! - spike times: 1e-12 s, i.e. 1e-8 of a sampling interval; the same formula on the same
//!   samples.

use std::path::PathBuf;

use arena_abf::{AbfFile, AcquisitionMode, SampleFormat, upward_crossings};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Reference {
    pyabf_version: String,
    files: Vec<FileRef>,
}

#[derive(Deserialize)]
struct FileRef {
    file: String,
    sha256: String,
    abf_version: String,
    sweep_count: usize,
    sample_rate_hz: f64,
    samples_per_sweep: usize,
    channels: Vec<ChannelRef>,
    voltage_channel: usize,
    threshold_mv: f32,
    sweeps: Vec<SweepRef>,
}

#[derive(Deserialize)]
struct ChannelRef {
    name: String,
    units: String,
}

#[derive(Deserialize)]
struct SweepRef {
    channels: Vec<TraceRef>,
    spike_count: usize,
    spike_times_s: Vec<f64>,
}

#[derive(Deserialize)]
struct TraceRef {
    first5: Vec<f64>,
    last5: Vec<f64>,
    sum: f64,
    sum_sq: f64,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dataset_file(rel: &str) -> Vec<u8> {
    let path = crate_dir().join("../datasets/drn-frozen-noise").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn reference() -> Reference {
    let path = crate_dir().join("tests/fixtures/pyabf_reference.json");
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text).expect("fixture parses")
}

fn parse(rel: &str) -> AbfFile {
    AbfFile::parse(&dataset_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Neumaier's compensated summation (Neumaier 1974, Z. Angew. Math. Mech. 54:39–51).
fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        compensation += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + compensation
}

fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= tol * scale,
        "{what}: {actual} vs pyabf {expected} (relative difference {:e})",
        (actual - expected).abs() / scale
    );
}

#[test]
fn fixture_covers_all_six_shipped_files() {
    let r = reference();
    assert_eq!(r.pyabf_version, "2.3.8");
    assert_eq!(r.files.len(), 6);
}

#[test]
fn every_shipped_file_matches_pyabf() {
    for f in reference().files {
        let bytes = dataset_file(&f.file);
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            f.sha256,
            "{}: the shipped file differs from the one the fixture was made from",
            f.file
        );
        let abf = AbfFile::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        assert_eq!(abf.version, f.abf_version, "{}", f.file);
        assert_eq!(abf.mode, AcquisitionMode::Episodic, "{}", f.file);
        assert_eq!(abf.sample_format, SampleFormat::Int16, "{}", f.file);
        assert_eq!(abf.sample_rate_hz, f.sample_rate_hz, "{}", f.file);
        assert_eq!(abf.sweeps.len(), f.sweep_count, "{}", f.file);
        assert_eq!(abf.samples_per_sweep(), f.samples_per_sweep, "{}", f.file);
        let names: Vec<(&str, &str)> = abf
            .channels
            .iter()
            .map(|c| (c.name.as_str(), c.units.as_str()))
            .collect();
        let expected: Vec<(&str, &str)> = f
            .channels
            .iter()
            .map(|c| (c.name.as_str(), c.units.as_str()))
            .collect();
        assert_eq!(names, expected, "{}", f.file);
        assert_eq!(
            abf.channel_with_units("mV"),
            Some(f.voltage_channel),
            "{}",
            f.file
        );

        for (s, (sweep, sref)) in abf.sweeps.iter().zip(&f.sweeps).enumerate() {
            assert_eq!(sweep.data.len(), f.channels.len());
            for (c, (trace, tref)) in sweep.data.iter().zip(&sref.channels).enumerate() {
                let at = format!("{} sweep {s} channel {c}", f.file);
                assert_eq!(trace.len(), f.samples_per_sweep, "{at}");
                let first: Vec<f64> = trace[..5].iter().map(|&v| f64::from(v)).collect();
                let last: Vec<f64> = trace[trace.len() - 5..]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                assert_eq!(first, tref.first5, "{at}: first 5 samples");
                assert_eq!(last, tref.last5, "{at}: last 5 samples");
                let sum = compensated_sum(trace.iter().map(|&v| f64::from(v)));
                let sum_sq = compensated_sum(trace.iter().map(|&v| f64::from(v) * f64::from(v)));
                assert_rel(sum, tref.sum, 1e-14, &format!("{at}: sum"));
                assert_rel(sum_sq, tref.sum_sq, 1e-14, &format!("{at}: sum of squares"));
            }
            let times = upward_crossings(
                &sweep.data[f.voltage_channel],
                f.threshold_mv,
                abf.sample_rate_hz,
            );
            assert_eq!(
                times.len(),
                sref.spike_count,
                "{} sweep {s}: spike count",
                f.file
            );
            for (k, (t, tr)) in times.iter().zip(&sref.spike_times_s).enumerate() {
                assert!(
                    (t - tr).abs() <= 1e-12,
                    "{} sweep {s} spike {k}: {t} s vs pyabf/numpy {tr} s",
                    f.file
                );
            }
        }
    }
}

/// Spike counts transcribed from `datasets/drn-frozen-noise/PROVENANCE.md` (upward 0 mV
/// crossings, counted there with pyabf by whoever cleared the dataset): an independent check
/// of the reader plus the crossing rule.
#[test]
fn spike_counts_match_provenance() {
    let cases: [(&str, &[usize]); 3] = [
        (
            "DRN156_5HT/DRN156_5ht_test.abf",
            &[75, 73, 75, 73, 74, 69, 70, 68, 66, 67],
        ),
        ("DRN156_5HT/DRN156_5ht_training.abf", &[465]),
        (
            "DRN158_GABA/DRN158_gaba_test.abf",
            &[44, 46, 42, 43, 41, 40, 40, 40, 41, 39],
        ),
    ];
    for (rel, expected) in cases {
        let abf = parse(rel);
        let vm = abf.channel_with_units("mV").expect("a mV channel");
        let counts: Vec<usize> = abf
            .sweeps
            .iter()
            .map(|s| upward_crossings(&s.data[vm], 0.0, abf.sample_rate_hz).len())
            .collect();
        assert_eq!(counts, expected, "{rel}");
    }
}

/// The first frame of DRN156_5ht_aec.abf scaled by hand from the raw bytes.
#[test]
fn first_samples_scaled_by_hand() {
    // Data section: block 11 → byte 11 × 512 = 5632. `xxd -s 5632 -l 4` shows 77 f7 89 ff:
    // int16 0xf777 = −2185 (channel 0) and 0xff89 = −119 (channel 1).
    // Channel 0 (mV): fADCRange 10 V, fInstrumentScaleFactor 0.01 V/mV (f32 0.0099999998),
    // telegraph gain 1, 16-bit: 10 / 0.0099999998 rounds in f32 to 1000, / 32768 =
    // 0.030517578125 mV per count; −2185 × 0.030517578125 = −66.680908203125 mV.
    // Channel 1 (pA): scale factor 0.0005 V/pA: 10 / 0.0005 / 32768 = 0.6103515625 pA per
    // count; −119 × 0.6103515625 = −72.6318359375 pA.
    let abf = parse("DRN156_5HT/DRN156_5ht_aec.abf");
    // Compared in f64, where both exact products are representable digit for digit.
    assert_eq!(f64::from(abf.sweeps[0].data[0][0]), -66.680_908_203_125);
    assert_eq!(f64::from(abf.sweeps[0].data[1][0]), -72.631_835_937_5);
    // Channel names look swapped in the header (PROVENANCE.md): the mV channel is "Im RIGHT".
    assert_eq!(abf.channels[0].name, "Im RIGHT");
    assert_eq!(abf.channels[0].units, "mV");
}

/// `SHA256SUMS` beside the data lists every shipped recording with the checksum quoted in
/// `PROVENANCE.md` (byte-identical copies of the upstream files), and the files match it.
#[test]
fn shipped_files_match_sha256sums_and_provenance() {
    let dir = crate_dir().join("../datasets/drn-frozen-noise");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).expect("SHA256SUMS");
    let provenance = std::fs::read_to_string(dir.join("PROVENANCE.md")).expect("PROVENANCE.md");
    let mut listed = 0;
    for line in sums.lines() {
        let (digest, rel) = line.split_once("  ").expect("`<sha256>  <path>` lines");
        assert_eq!(
            hex::encode(Sha256::digest(dataset_file(rel))),
            digest,
            "{rel}"
        );
        assert!(
            provenance.contains(line),
            "{line} is not quoted in PROVENANCE.md"
        );
        listed += 1;
    }
    assert_eq!(listed, 6);
}
