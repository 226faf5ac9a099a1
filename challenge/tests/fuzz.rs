//! Fuzzing the parsers a client reaches (issue 16): the predictions file (`predictions::parse`,
//! what `arena submit` uploads), a live answer (`live::Answers::accept`, what the server checks
//! each `ChunkAnswer` of `arena run` with), the manifest (`Manifest::parse` and its checks, what `arena
//! challenge create` uploads) and the simulator's input document (`arena simulate`: the JSON
//! parse, the cell, the drive and the numerics, everything before the simulation itself).
//! Arbitrary bytes and mutations of a valid input never panic, and every rejection names where
//! it is: a line and column, a trial, a key, a field or section. Each property runs 256 cases.
//! A live answer is accepted exactly when it is valid. (ABF files: `arena-abf`'s `robustness`
//! tests; the `CreateChallenge` upload header is checked in the server, whose budgets issue 16
//! adds.)

use std::collections::BTreeMap;

use arena_challenge::families::Manifest;
use arena_challenge::live::{Answers, Chunk, LiveInput, LiveTrial};
use arena_challenge::predictions::{Limits, TrialShape, parse, to_json};
use arena_neuron::cable::cell::Cell;
use arena_neuron::cable::json::SimulationInput;
use proptest::prelude::*;

const CASES: u32 = 256;

/// Values that break parsers and range checks: out of range, not finite, wrong type.
const ODD_VALUES: &[&str] = &[
    "0",
    "-1",
    "-0.0",
    "1e300",
    "1e-300",
    "1e400",
    "1e-12",
    "4294967296",
    "18446744073709551616",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "null",
    "true",
    "\"x\"",
    "[]",
    "{}",
    "[[]]",
    "\"\"",
    "1e9",
    "0.5",
    "\u{1b}[2J",
];

/// One edit of a text: overwrite a byte, delete a run, insert bytes, truncate, or replace a
/// number with an odd value.
#[derive(Clone, Debug)]
enum Edit {
    Overwrite(prop::sample::Index, u8),
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, Vec<u8>),
    Truncate(prop::sample::Index),
    Number(prop::sample::Index, prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Overwrite(i, b)),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(i, v)| Edit::Number(i, v)),
    ]
}

/// Only [`Edit::Number`]: the text stays well-formed more often, so the checks behind the
/// syntax (ranges, types, references) are reached.
fn odd_values() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(i, v)| Edit::Number(i, v)),
        1..4,
    )
}

/// The byte ranges of the numbers in `text` (runs of digits, signs, dots and exponents that
/// start with a digit or a sign).
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts = text[i].is_ascii_digit()
            || (text[i] == b'-' && text.get(i + 1).is_some_and(u8::is_ascii_digit));
        let inside_word = i > 0 && (text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_');
        if starts && !inside_word {
            let end = (i + 1..text.len())
                .find(|&j| !(text[j].is_ascii_digit() || b".eE+-".contains(&text[j])))
                .unwrap_or(text.len());
            out.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn apply(mut text: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if text.is_empty() {
            break;
        }
        match e {
            Edit::Overwrite(i, b) => {
                let at = i.index(text.len());
                text[at] = *b;
            }
            Edit::Delete(i, n) => {
                let at = i.index(text.len());
                text.drain(at..(at + n).min(text.len()));
            }
            Edit::Insert(i, bytes) => {
                let at = i.index(text.len() + 1);
                text.splice(at..at, bytes.iter().copied());
            }
            Edit::Truncate(i) => text.truncate(i.index(text.len())),
            Edit::Number(i, v) => {
                let spans = numbers(&text);
                if !spans.is_empty() {
                    let (start, end) = spans[i.index(spans.len())];
                    let value = ODD_VALUES[v.index(ODD_VALUES.len())];
                    text.splice(start..end, value.bytes());
                }
            }
        }
    }
    text
}

fn shapes() -> Vec<TrialShape> {
    ["test-00", "test-01"]
        .iter()
        .map(|id| TrialShape {
            id: id.to_string(),
            duration_s: 2.0,
            dt_s: 1e-4,
        })
        .collect()
}

fn valid_predictions() -> Vec<u8> {
    let trials: BTreeMap<String, Vec<Vec<f64>>> = shapes()
        .iter()
        .map(|t| (t.id.clone(), vec![vec![0.125, 0.5, 1.25], vec![0.25, 1.75]]))
        .collect();
    to_json(&trials)
}

/// The longest rejection message: one line a terminal shows whole.
const MAX_MESSAGE: usize = 400;

/// `message`, a rejection of `input`, holds one of `places` (the marks of a position or name)
/// and is at most `max_len` bytes.
fn assert_names_a_place(message: &str, places: &[&str], max_len: usize, input: &[u8]) {
    assert!(
        places.iter().any(|p| message.contains(p)) && message.len() <= max_len,
        "unlocated rejection {message:?} of {:?}",
        String::from_utf8_lossy(input)
    );
}

/// A predictions rejection names where it is: a line and column of the JSON, a trial (and its
/// repeat and spike or bin), or the file as a whole (empty, too large, not UTF-8 at a byte).
fn assert_predictions_error_is_located(input: &[u8]) {
    let limits = Limits::default();
    if let Err(e) = parse(input, &shapes(), &limits) {
        let places = ["line ", "trial \"", "predictions file", "index "];
        assert_names_a_place(&e.to_string(), &places, MAX_MESSAGE, input);
    }
}

/// A manifest rejection names a key (`dataset.toml: `key` ...`) or a line of the TOML.
fn assert_manifest_error_is_located(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    for result in [Manifest::parse(text), Manifest::parse_public(text)] {
        if let Err(e) = result {
            let message = e.to_string();
            // Not bounded yet: a syntax error quotes its whole line (issue 16, item 7).
            let places = ["dataset.toml: `", "line "];
            assert_names_a_place(&message, &places, usize::MAX, input);
        }
    }
}

/// The sampling step of the live trial below, s.
const LIVE_DT_S: f64 = 1e-4;

/// A live trial of 1 s in four chunks of 0.25 s.
fn live_trial() -> LiveTrial {
    LiveTrial {
        id: "live-00".into(),
        duration_s: 1.0,
        input: LiveInput::Current(vec![0.0; 10_000]),
        chunks: (0..4u32)
            .map(|index| Chunk {
                index,
                start: index as usize * 2500,
                end: (index as usize + 1) * 2500,
                first_event: 0,
                end_event: 0,
            })
            .collect(),
        group: 0,
        condition: None,
    }
}

/// A spike time: mostly a position in or near the chunk (`-0.2..1.2` of its length from its
/// start), else any float, a non-finite one or a chunk boundary.
fn spike_time() -> impl Strategy<Value = (bool, f64)> {
    prop_oneof![
        6 => (-0.2..1.2f64).prop_map(|u| (true, u)),
        1 => any::<f64>().prop_map(|t| (false, t)),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.25, 0.5])
            .prop_map(|t| (false, t)),
        1 => Just((true, 0.0)),
        1 => Just((true, 1.0)),
    ]
}

/// Whether an answer for `trial` chunk `index` with `repeats` is one the protocol accepts: the
/// awaited chunk, the declared repeats, every spike finite, inside the chunk and after the one
/// before (docs/live.md).
fn valid_answer(
    chunk: Chunk,
    answered: (&str, u32),
    repeats: &[Vec<f64>],
    declared: usize,
) -> bool {
    let (from, to) = (chunk.start as f64 * LIVE_DT_S, chunk.end as f64 * LIVE_DT_S);
    answered == ("live-00", chunk.index)
        && repeats.len() == declared
        && repeats.iter().all(|times| {
            times.iter().all(|t| t.is_finite() && *t >= from && *t < to)
                && times.windows(2).all(|w| w[1] > w[0])
        })
}

const DEMO: &str = include_str!("../../datasets/injected-current-demo/dataset.toml");

/// The committed ball-and-stick input with its stimulus cut to 20 steps, so that mutations land
/// on the cell and the numerics as often as on the stimulus.
fn valid_simulation() -> Vec<u8> {
    let text = include_str!("../../neuron/tests/fixtures/neuron/ball_and_stick.input.json");
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let steps = doc["stimulus"]["amp_nA"].as_array_mut().unwrap();
    steps.truncate(20);
    serde_json::to_vec_pretty(&doc).unwrap()
}

/// A simulation input is parsed and checked as `arena simulate` does before simulating; a
/// rejection names a line and column of the JSON, or a field, section or synapse.
fn assert_simulation_error_is_located(input: &[u8]) {
    let checked = serde_json::from_slice::<SimulationInput>(input)
        .map_err(|e| e.to_string())
        .and_then(|doc| {
            let checks = || {
                let cell = Cell::new(&doc.cell)?;
                doc.drive(&cell)?;
                doc.numerics.numerics()
            };
            checks().map(|_| ()).map_err(|e| e.to_string())
        });
    if let Err(message) = checked {
        let places = ["line ", " = ", "\"", "synapse ", ": "];
        assert_names_a_place(&message, &places, MAX_MESSAGE, input);
    }
}

#[test]
fn the_fuzzed_inputs_start_valid() {
    parse(&valid_predictions(), &shapes(), &Limits::default()).unwrap();
    Manifest::parse(DEMO).unwrap();
    let doc: SimulationInput = serde_json::from_slice(&valid_simulation()).unwrap();
    doc.drive(&Cell::new(&doc.cell).unwrap()).unwrap();
    assert!(numbers(DEMO.as_bytes()).len() > 10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn predictions_from_arbitrary_bytes_are_refused_with_a_place(
        bytes in prop::collection::vec(any::<u8>(), 0..256)
    ) {
        assert_predictions_error_is_located(&bytes);
    }

    #[test]
    fn mutated_predictions_parse_or_are_refused_with_a_place(
        edits in prop::collection::vec(edit(), 1..6)
    ) {
        assert_predictions_error_is_located(&apply(valid_predictions(), &edits));
    }

    #[test]
    fn manifests_from_arbitrary_text_are_refused_with_a_place(
        text in "[a-z_\\[\\]=\". 0-9\n-]{0,200}"
    ) {
        assert_manifest_error_is_located(text.as_bytes());
    }

    #[test]
    fn mutated_manifests_parse_or_are_refused_with_a_place(
        edits in prop::collection::vec(edit(), 1..4)
    ) {
        assert_manifest_error_is_located(&apply(DEMO.as_bytes().to_vec(), &edits));
    }

    #[test]
    fn odd_values_in_predictions_are_refused_with_a_place(edits in odd_values()) {
        assert_predictions_error_is_located(&apply(valid_predictions(), &edits));
    }

    #[test]
    fn odd_values_in_manifests_are_refused_with_a_place(edits in odd_values()) {
        assert_manifest_error_is_located(&apply(DEMO.as_bytes().to_vec(), &edits));
    }

    #[test]
    fn odd_values_in_simulation_inputs_are_refused_with_a_place(edits in odd_values()) {
        assert_simulation_error_is_located(&apply(valid_simulation(), &edits));
    }

    #[test]
    fn a_live_answer_is_accepted_exactly_when_valid_and_refusals_name_the_chunk(
        which in 0..4usize,
        trial in prop_oneof![3 => Just("live-00".to_string()), 1 => "[a-z0-9-]{0,8}"],
        shift in prop_oneof![3 => Just(0u32), 1 => any::<u32>()],
        drawn in prop::collection::vec(prop::collection::vec(spike_time(), 0..6), 0..4),
        sort in any::<bool>(),
    ) {
        let live = live_trial();
        let chunk = live.chunks[which];
        let (from, to) = (chunk.start as f64 * LIVE_DT_S, chunk.end as f64 * LIVE_DT_S);
        let repeats: Vec<Vec<f64>> = drawn
            .iter()
            .map(|times| {
                let mut times: Vec<f64> = times
                    .iter()
                    .map(|&(relative, t)| if relative { from + t * (to - from) } else { t })
                    .collect();
                if sort {
                    times.sort_by(f64::total_cmp);
                }
                times
            })
            .collect();
        let answered = (trial.as_str(), chunk.index.wrapping_add(shift));
        let valid = valid_answer(chunk, answered, &repeats, 2);
        let result = Answers::new(2).accept(&live, chunk, LIVE_DT_S, answered, repeats.clone());
        match result {
            Ok(()) => prop_assert!(valid, "accepted an invalid answer {answered:?} {repeats:?}"),
            Err(e) => {
                prop_assert!(!valid, "refused a valid answer {answered:?} {repeats:?}: {e}");
                let message = e.to_string();
                prop_assert!(
                    message.contains("trial \"live-00\" chunk ") && message.len() <= MAX_MESSAGE,
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn mutated_simulation_inputs_are_checked_or_refused_with_a_place(
        edits in prop::collection::vec(edit(), 1..4)
    ) {
        assert_simulation_error_is_located(&apply(valid_simulation(), &edits));
    }
}
