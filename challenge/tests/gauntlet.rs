//! The gaming gauntlet (issue 13, version 2) on the demo datasets: every entry without stimulus
//! information scores no better than the constant-rate null (0 + 0.05) or is rejected, the
//! adaptive adversary included; every entry made without hidden data stays within the data's
//! ceiling (1 + 0.05); entries built from hidden data are reported, exempt; malformed files are
//! refused naming the trial; the baselines rank the generating model > every fitted model >
//! Poisson on simulated data. See the tables with
//! `cargo test -p arena-challenge --test challenge gauntlet:: -- --nocapture`.

use crate::common::{DEMO, hidden, organizer_view, published};
use arena_challenge::families::{Manifest, PublicChallenge, generate};
use arena_challenge::gauntlet::{
    CEILING_TOLERANCE, Class, Entry, GauntletInput, NULL_TOLERANCE, Outcome, judge, run, score,
    table,
};
use arena_challenge::predictions::to_json;
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hidden::HiddenTrial;
use arena_scoring::ScoringParams;

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

fn gauntlet(d: &Demo, seed: u64) -> Vec<Entry> {
    run(&GauntletInput {
        public: &d.public,
        hidden: &d.hidden,
        params: &ScoringParams::default(),
        seed,
    })
    .unwrap()
}

/// Every entry passes its bound, every class is present, and the honest entries come in
/// `honest_order`.
fn assert_all_pass(data: &str, entries: &[Entry], honest_order: &[&str]) {
    eprintln!("gauntlet on {data}:\n{}", table(entries));
    for e in entries {
        assert!(
            e.passed,
            "{}: {:?} breaks \"{}\"",
            e.name, e.outcome, e.rule
        );
    }
    for class in [
        Class::NoStimulus,
        Class::NoHiddenData,
        Class::HiddenData,
        Class::Malformed,
    ] {
        assert!(
            entries.iter().any(|e| e.class == class),
            "no {class:?} entry"
        );
    }
    assert!(
        entries
            .iter()
            .any(|e| e.name.starts_with("adaptive adversary")),
        "no adaptive adversary"
    );
    let honest: Vec<&str> = entries
        .iter()
        .filter(|e| e.class == Class::Honest)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(honest, honest_order);
}

/// The honest entries of a simulated challenge, best first.
const SIMULATED_HONEST: [&str; 9] = [
    "baseline reference",
    "baseline igif",
    "baseline agif",
    "baseline gif-k",
    "baseline gif",
    "baseline adex",
    "baseline mat",
    "baseline lif",
    "baseline poisson",
];

/// The demo with hidden seed 11: every bound holds; the attacks of issue 13, which version 1 of
/// the score rewarded, stay within theirs and do not lift the best baseline; and the bounds have
/// teeth: the hidden repeats themselves score about 1 and would fail the no-information bound
/// (if the scorer could not tell them from a null prediction, every such entry would pass
/// trivially). One gauntlet run serves every check (each test runs in its own process).
#[test]
fn the_gauntlet_holds_on_hidden_seed_11() {
    let d = demo(11);
    let e = gauntlet(&d, 1);
    assert_all_pass("the demo, hidden seed 11", &e, &SIMULATED_HONEST);
    let primary = |prefix: &str| {
        e.iter()
            .find(|x| x.name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no entry {prefix}"))
            .outcome
            .primary()
            .unwrap()
    };
    for attack in [
        "a dense train (every 0.1 ms) plus a one-spike repeat",
        "the same, on every other trial only",
        "two anti-phase grids 1.01·Δ apart",
        "anti-phase grids on the first half",
    ] {
        let p = primary(attack);
        assert!(p <= NULL_TOLERANCE, "{attack}: {p}");
    }
    let best = primary("baseline reference");
    for trick in [
        "each repeat of the best baseline sent twice",
        "the same for every other spike",
    ] {
        let p = primary(trick);
        assert!(p <= 1.0 + CEILING_TOLERANCE, "{trick}: {p}");
        assert!(
            p <= best + 0.02,
            "{trick} lifts the best baseline: {p} vs {best}"
        );
    }
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
    let (passed, rule) = judge(Class::NoStimulus, &outcome, None);
    assert!(
        !passed,
        "a copy of the data passes \"{rule}\" with primary {p}"
    );
    // The neighbour entry is the same set of trains reordered: the same score, bit for bit
    // (the primary sees only the merged repeats).
    let neighbour = e
        .iter()
        .find(|x| x.name.starts_with("each hidden repeat's neighbour"))
        .unwrap();
    assert_eq!(neighbour.class, Class::HiddenData);
    assert_eq!(neighbour.outcome.primary(), Some(p));
    // The demo hides its generator: re-simulating it from the fetched files is not possible.
    match &resimulated(&e).outcome {
        Outcome::NotBuilt(why) => assert!(why.contains("from the fetched files"), "{why}"),
        other => panic!("the hidden generator was re-simulated: {other:?}"),
    }
}

/// The entry that re-simulates the generator from the fetched files.
fn resimulated(entries: &[Entry]) -> &Entry {
    let e = entries
        .iter()
        .find(|x| x.name == "the generator re-simulated from the fetched files")
        .expect("a simulated challenge has the re-simulation entry");
    assert_eq!(e.class, Class::NoHiddenData);
    e
}

/// The demo with its cell published (`publish = ["cell"]`) and hidden seed 12, run twice: every
/// bound holds, the generator re-simulated from the fetched files is scored and stays within
/// the ceiling, and the gauntlet is deterministic in its seed.
#[test]
fn the_gauntlet_holds_on_a_published_cell_and_is_reproducible() {
    let manifest = Manifest::parse(&published(DEMO)).unwrap();
    let d = challenge(&manifest, &DataFiles::new(), 12);
    let first = gauntlet(&d, 2);
    assert_all_pass(
        "the demo, cell published, hidden seed 12",
        &first,
        &SIMULATED_HONEST,
    );
    let p = resimulated(&first).outcome.primary().expect("scored");
    assert!(p > 0.8 && p <= 1.0 + CEILING_TOLERANCE, "re-simulated: {p}");
    assert_eq!(first, gauntlet(&d, 2));
}

/// How the tolerances compare with the spread (slow in debug): every entry's primary over 10
/// hidden seeds, each with its own entry seed. The no-information entries' largest mean plus
/// three standard deviations must stay within `NULL_TOLERANCE`, and the reference baseline
/// within `CEILING_TOLERANCE` of 1. Run with `-- --ignored --nocapture` for the table.
#[test]
#[ignore = "slow: 10 demo challenges; documents the tolerances"]
fn tolerances_cover_the_spread() {
    let runs: Vec<Vec<Entry>> = (21..=30u64).map(|s| gauntlet(&demo(s), s * 100)).collect();
    let spread = |name: &str| {
        let v: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.iter().find(|e| e.name == name)?.outcome.primary())
            .collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        (mean, sd, v.iter().copied().fold(f64::MIN, f64::max))
    };
    for e in runs[0].iter().filter(|e| e.outcome.primary().is_some()) {
        let (mean, sd, max) = spread(&e.name);
        eprintln!("{:<72} {mean:+.4} ± {sd:.4} (max {max:+.4})", e.name);
        if e.class == Class::NoStimulus {
            assert!(
                mean + 3.0 * sd <= NULL_TOLERANCE,
                "{}: {mean} ± {sd}",
                e.name
            );
        }
    }
    let (mean, sd, _) = spread("baseline reference");
    assert!(
        (mean - 1.0).abs() + 3.0 * sd <= CEILING_TOLERANCE,
        "reference {mean} ± {sd}"
    );
}

/// The gauntlet on recorded data: the DRN156 frozen-noise recordings, 2 test trials × 5 s × 10
/// recorded repeats. There is no generating model, so no quality order is known for the fitted
/// models (the AdEx fitted to this cell fires too little and scores below the Poisson null: a
/// finding about the model, not gaming); the Poisson baseline is held to the null's bound.
#[test]
fn the_gauntlet_holds_on_recorded_data() {
    let (manifest, data) = crate::common::drn();
    let d = challenge(&manifest, &data, 3);
    assert_all_pass(
        "the DRN156 recordings",
        &gauntlet(&d, 5),
        &[
            "baseline igif",
            "baseline agif",
            "baseline gif-k",
            "baseline gif",
            "baseline adex",
            "baseline mat",
            "baseline lif",
            "baseline poisson",
        ],
    );
}

/// The gauntlet on the clustered-dendritic demo, hidden seed 42: 9 test trials (3 pairs × 3
/// conditions) × 2 s × 4 repeats, all pooled. Ignored in the debug test run: it simulates the
/// 1011-compartment cell for the challenge and for the reference baseline's fresh repeats; run
/// it with `cargo test --release -p arena-challenge --test challenge -- --ignored --nocapture
/// gauntlet::the_gauntlet_holds_on_the_dendritic_demo`.
#[test]
#[ignore = "simulates the 1011-compartment cell: minutes in release"]
fn the_gauntlet_holds_on_the_dendritic_demo() {
    let (manifest, data) = crate::common::dendritic();
    let d = challenge(&manifest, &data, 42);
    assert_all_pass(
        "the clustered-dendritic demo, hidden seed 42",
        &gauntlet(&d, 7),
        &[
            "baseline reference",
            "baseline two-layer",
            "baseline linear",
            "baseline poisson",
        ],
    );
}
