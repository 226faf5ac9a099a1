//! The gaming gauntlet on the demo dataset (issue 3): every adversarial entry scores no better
//! than the constant-rate null or is rejected, oracles built from the hidden data do not beat the
//! data's ceiling, malformed files are refused naming the trial, and the baselines rank
//! the generating model > every fitted model > Poisson. See the table with
//! `cargo test -p arena-challenge --test gauntlet -- --nocapture`.

mod common;

use std::sync::OnceLock;

use arena_challenge::baselines::PublicChallenge;
use arena_challenge::evaluate::HiddenTrial;
use arena_challenge::gauntlet::{
    CEILING_TOLERANCE, Class, Entry, GauntletInput, NULL_TOLERANCE, judge, run, score, table,
};
use arena_challenge::generate::{DataFiles, generate};
use arena_challenge::manifest::Manifest;
use arena_challenge::predictions::to_json;
use arena_scoring::ScoringParams;
use common::{DEMO, hidden, organizer_view};

/// An entry known to exceed its bound on the injected-current data, with the reason. Where it is
/// listed as a finding it must still fail (so the listing is removed once the scoring changes).
///
/// The neighbour oracle is the hidden data itself (reordered; the score ignores order). Md*'s
/// cross term averages over all recorded × predicted pairs, and is unbiased only when the
/// prediction's noise is independent of the data's; here each recorded repeat also meets
/// itself, which adds (1/N_D)·(⟨D_i, D_i⟩/‖ν_D‖² − 1) to Md* (measured ≈ +0.035 in Md*,
/// +0.039 ± 0.007 in primary over 10 hidden seeds with 10 repeats), past the ceiling's noise (0.03). Only
/// someone holding the hidden responses can submit it. The term is small when the repeats are
/// nearly identical, as on the clustered-dendritic demo, where the entry stays within bound.
const NEIGHBOUR_ORACLE: &str = "each hidden repeat's neighbour (repeat k+1 for k)";

struct Demo {
    public: PublicChallenge,
    hidden: Vec<HiddenTrial>,
}

/// The challenge of `manifest` with the files `data`, generated with `hidden_seed`.
fn challenge(manifest: &Manifest, data: &DataFiles, hidden_seed: u64) -> Demo {
    let g = generate(manifest, hidden_seed, data).unwrap();
    Demo {
        public: organizer_view(manifest, &g, data),
        hidden: hidden(&g),
    }
}

fn demo(hidden_seed: u64) -> Demo {
    challenge(
        &Manifest::parse(DEMO).unwrap(),
        &DataFiles::new(),
        hidden_seed,
    )
}

/// The demo challenge of hidden seed 11, shared by the tests of this binary.
fn demo_11() -> &'static Demo {
    static DEMO_11: OnceLock<Demo> = OnceLock::new();
    DEMO_11.get_or_init(|| demo(11))
}

fn gauntlet(d: &Demo, seed: u64) -> Vec<Entry> {
    run(&GauntletInput {
        public: &d.public,
        hidden: &d.hidden,
        params: &ScoringParams::default(),
        seed,
    })
    .unwrap()
}

/// The gauntlet on [`demo_11`] with entry seed 1, shared by the tests of this binary.
fn entries_11() -> &'static [Entry] {
    static ENTRIES_11: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES_11.get_or_init(|| gauntlet(demo_11(), 1))
}

/// Every entry passes but the findings known for this data, which must fail; the honest entries
/// come in `honest_order`.
fn assert_all_pass_but_known_findings(
    data: &str,
    entries: &[Entry],
    honest_order: &[&str],
    findings: &[&str],
) {
    eprintln!("gauntlet on {data}:\n{}", table(entries));
    for e in entries {
        if findings.contains(&e.name.as_str()) {
            assert!(
                !e.passed,
                "{}: now passes ({:?}); remove it from the findings",
                e.name, e.outcome
            );
        } else {
            assert!(
                e.passed,
                "{}: {:?} breaks \"{}\"",
                e.name, e.outcome, e.rule
            );
        }
    }
    for class in [Class::Adversarial, Class::Oracle, Class::Malformed] {
        assert!(
            entries.iter().any(|e| e.class == class),
            "no {class:?} entry"
        );
    }
    let honest: Vec<&str> = entries
        .iter()
        .filter(|e| e.class == Class::Honest)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(honest, honest_order);
}

/// The honest entries of a simulated challenge, best first.
const SIMULATED_HONEST: [&str; 7] = [
    "baseline reference",
    "baseline gif-k",
    "baseline gif",
    "baseline adex",
    "baseline mat",
    "baseline lif",
    "baseline poisson",
];

#[test]
fn the_gauntlet_holds_on_hidden_seed_11() {
    assert_all_pass_but_known_findings(
        "the demo, hidden seed 11",
        entries_11(),
        &SIMULATED_HONEST,
        &[NEIGHBOUR_ORACLE],
    );
}

#[test]
fn the_gauntlet_holds_on_hidden_seed_12() {
    assert_all_pass_but_known_findings(
        "the demo, hidden seed 12",
        &gauntlet(&demo(12), 2),
        &SIMULATED_HONEST,
        &[NEIGHBOUR_ORACLE],
    );
}

#[test]
fn the_gauntlet_is_reproducible() {
    assert_eq!(entries_11(), gauntlet(demo_11(), 1));
}

/// The gauntlet's bounds have teeth: the hidden repeats themselves, submitted as a prediction,
/// score about 1 (far from the null) and would fail the adversarial bound. If the scorer could
/// not tell this from a null prediction, every adversarial entry would pass trivially.
#[test]
fn a_copy_of_the_hidden_repeats_is_told_from_a_null_prediction() {
    let d = demo_11();
    let copy = d
        .hidden
        .iter()
        .map(|t| {
            let repeats = t.recorded.iter().map(|r| r.times().to_vec()).collect();
            (t.id.clone(), repeats)
        })
        .collect();
    let outcome = score(
        &to_json(&copy),
        &d.hidden,
        d.public.dt_s,
        &ScoringParams::default(),
    );
    let p = outcome.primary().expect("a copy is scored");
    assert!((p - 1.0).abs() < 0.1, "copy of the hidden repeats: {p}");
    let (passed, rule) = judge(Class::Adversarial, &outcome, None);
    assert!(
        !passed,
        "a copy of the data passes \"{rule}\" with primary {p}"
    );
    // The neighbour entry is the same set of trains reordered: the same score.
    let entries = gauntlet(d, 1);
    let neighbour = entries.iter().find(|e| e.name == NEIGHBOUR_ORACLE).unwrap();
    let q = neighbour.outcome.primary().unwrap();
    assert!((p - q).abs() < 1e-9, "copy {p} vs neighbour {q}");
}

/// How the tolerances were chosen (slow in debug, about 75 s): the spread of the primary over
/// 10 hidden seeds, each with its own entry seed. Three standard deviations of every entry that
/// scores 0 in expectation (Poisson at 2–4× the training rate, around the best constant rate)
/// must fit in `NULL_TOLERANCE`, and of the reference baseline (a perfect model) in
/// `CEILING_TOLERANCE`. Run with `-- --ignored --nocapture` to print the spread table.
#[test]
#[ignore = "slow: 10 demo challenges; documents the tolerances"]
fn tolerances_cover_three_standard_deviations() {
    let runs: Vec<Vec<Entry>> = (21..=30u64).map(|s| gauntlet(&demo(s), s * 100)).collect();
    let spread = |name: &str| {
        let v: Vec<f64> = runs
            .iter()
            .map(|r| {
                let e = r.iter().find(|e| e.name == name).unwrap();
                e.outcome.primary().unwrap()
            })
            .collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        (mean, sd)
    };
    for e in runs[0].iter().filter(|e| e.outcome.primary().is_some()) {
        let (mean, sd) = spread(&e.name);
        eprintln!("{:<60} {mean:+.4} ± {sd:.4}", e.name);
    }
    for e in runs[0]
        .iter()
        .filter(|e| e.name.contains("× the training rate"))
    {
        let (mean, sd) = spread(&e.name);
        if !e.name.starts_with("Poisson at 1×") {
            assert!(mean.abs() < 2.0 * sd + 0.01, "{}: mean {mean}", e.name);
            assert!(3.0 * sd <= NULL_TOLERANCE, "{}: sd {sd}", e.name);
        }
    }
    let (mean, sd) = spread("baseline reference");
    assert!(
        (mean - 1.0).abs() < CEILING_TOLERANCE,
        "reference mean {mean}"
    );
    assert!(3.0 * sd <= CEILING_TOLERANCE, "reference sd {sd}");
}

/// The gauntlet on recorded data (issue 3): the DRN156 frozen-noise recordings, 2 test trials
/// × 5 s × 10 recorded repeats. There is no generating model, so the honest entries are the
/// fitted models and the Poisson null, and the shifted copy degrades the best fitted one. The
/// neighbour oracle exceeds the ceiling here too, by the same mechanism as on the demo.
#[test]
fn the_gauntlet_holds_on_recorded_data() {
    let (manifest, data) = common::drn();
    let d = challenge(&manifest, &data, 3);
    assert_all_pass_but_known_findings(
        "the DRN156 recordings",
        &gauntlet(&d, 5),
        &[
            "baseline gif-k",
            "baseline gif",
            "baseline adex",
            "baseline mat",
            "baseline lif",
            "baseline poisson",
        ],
        // Known for this recording: fitted on the AEC-compensated training voltage, the AdEx
        // has a positive leak (on the raw voltage its regression found a negative one and the
        // fit was refused), but its fitted exponential threshold (V_T ≈ −5 mV, Δ_T ≈ 0.4 mV)
        // lets it fire about 11 of the 75 spikes of a test sweep, so it scores below the
        // Poisson null (≈ −0.26 against ≈ −0.15), and the null is then not below every fitted
        // model. Both are findings about the AdEx baseline on DRN spike initiation, not
        // gaming.
        &[NEIGHBOUR_ORACLE, "baseline adex", "baseline poisson"],
    );
}

/// The gauntlet on the clustered-dendritic demo (issue 5), hidden seed 42: 9 test trials
/// (3 pairs × 3 conditions, `dataset.toml`) × 2 s × 4 repeats, all pooled. Every trick must
/// stay at or below the null, the oracles within the ceiling (the neighbour oracle included:
/// the repeats of this cell are nearly identical, measured +1.014), and the generating cable
/// model must rank first, above the two-layer, the linear and the Poisson baselines. The
/// stimulus-peak entry is empty here (there is no injected current to peak), so it scores as
/// the empty prediction. Ignored in the debug test run: it simulates
/// the 1011-compartment cell for 156 s (84 s for the challenge, 72 s for the reference
/// baseline's fresh repeats); run it with
/// `cargo test --release -p arena-challenge --test gauntlet -- --ignored --nocapture dendritic`.
#[test]
#[ignore = "simulates 156 s of the 1011-compartment cell: about 3 min in release"]
fn the_gauntlet_holds_on_the_dendritic_demo() {
    let (manifest, data) = common::dendritic();
    let d = challenge(&manifest, &data, 42);
    assert_all_pass_but_known_findings(
        "the clustered-dendritic demo, hidden seed 42",
        &gauntlet(&d, 7),
        &[
            "baseline reference",
            "baseline two-layer",
            "baseline linear",
            "baseline poisson",
        ],
        &[],
    );
}
