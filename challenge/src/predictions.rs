//! Parsing and checking a predictions file before anything is stored.
//!
//! A submission is refused as a whole, with a message that names the trial, the repeat and the spike
//! (or bin), when any part of it is malformed: scoring a partly valid file would let a contestant
//! probe the hidden data with malformed uploads, and silently dropping bad spikes would score
//! something the contestant did not send. The file format (`docs/formats.md`):
//!
//! ```json
//! {"trials": {"<trial id>": [[t, ...], ...],
//!             "<trial id>": {"bin_s": 0.001, "rate_hz": [r, ...]}}}
//! ```
//!
//! per trial either predicted repeats (spike times in seconds from the trial start) or a firing
//! intensity (Hz per bin of `bin_s` seconds from the trial start, covering the trial).
//!
//! Python's `json.dump` writes `NaN` and `Infinity`, which are not JSON; they are recognised here so
//! the contestant is told which spike is not finite instead of where the parser stopped. A UTF-8
//! byte-order mark (Windows editors write one) is skipped; a trial listed twice is refused (a JSON
//! object may repeat a key, and "the last one wins" would score something else than the contestant
//! reads).

use std::collections::BTreeMap;
use std::fmt;

use arena_scoring::probabilistic::Intensity;
use arena_scoring::{Prediction, SpikeTrain, TrainError};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

/// Upper bounds on what one submission may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Largest accepted file, bytes.
    pub max_bytes: usize,
    /// Most predicted repeats per trial.
    pub max_repeats: usize,
}

/// Most predicted repeats per trial by default. The primary score of K repeats drawn from the
/// generating model falls short of 1 by a term ∝ 1/K (`arena_scoring::primary`, property 5), so
/// the limit leaves room for the hundreds of repeats that make it negligible; the file size
/// limit bounds the total number of spikes.
pub const MAX_REPEATS: usize = 1000;

/// Largest intensity accepted, Hz (well above any neuron's rate; keeps every product finite).
pub const MAX_RATE_HZ: f64 = 1e5;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_repeats: MAX_REPEATS,
        }
    }
}

/// A test trial as the validator needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialShape {
    /// Trial id.
    pub id: String,
    /// Duration, seconds: spike times must lie in [0, duration).
    pub duration_s: f64,
    /// The challenge's sampling step, seconds: an intensity's bins are at least this wide.
    pub dt_s: f64,
}

/// Validated predictions: per test trial, repeats of spike trains or an intensity.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Predictions {
    /// Trial id → prediction.
    pub trials: BTreeMap<String, Prediction>,
}

/// Why a predictions file was refused.
#[derive(Debug, Error, PartialEq)]
pub enum PredictionError {
    /// Larger than [`Limits::max_bytes`].
    #[error("predictions file is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Size of the upload.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Zero bytes.
    #[error("predictions file is empty")]
    Empty,
    /// Not JSON of the documented shape.
    #[error(
        "predictions are not valid JSON of the form {{\"trials\": {{\"<trial id>\": [[t, ...], ...] or {{\"bin_s\": b, \"rate_hz\": [r, ...]}}}}}}: {0}"
    )]
    Json(String),
    /// A trial id the challenge does not have as a test trial.
    #[error("trial {trial:?}: not a test trial of this challenge")]
    UnknownTrial {
        /// The id given.
        trial: String,
    },
    /// A test trial without predictions.
    #[error("trial {trial:?}: missing (every test trial needs a prediction)")]
    MissingTrial {
        /// The id missing.
        trial: String,
    },
    /// No repeat, or too many.
    #[error("trial {trial:?}: {count} predicted repeats; between 1 and {limit} are accepted")]
    RepeatCount {
        /// Trial id.
        trial: String,
        /// Repeats given.
        count: usize,
        /// The maximum.
        limit: usize,
    },
    /// One spike time is bad.
    #[error("trial {trial:?}, repeat {repeat}: {problem}")]
    Spike {
        /// Trial id.
        trial: String,
        /// Repeat index (0-based).
        repeat: usize,
        /// What is wrong, naming the spike index.
        problem: String,
    },
    /// An intensity is bad.
    #[error("trial {trial:?}, intensity: {problem}")]
    Intensity {
        /// Trial id.
        trial: String,
        /// What is wrong, naming the field or the bin.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(deserialize_with = "unique_keys")]
    trials: BTreeMap<String, Entry>,
}

/// One trial's entry: a list of repeats, or an intensity object.
enum Entry {
    Repeats(Vec<Vec<Number>>),
    Intensity(IntensityEntry),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntensityEntry {
    bin_s: Number,
    rate_hz: Vec<Number>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a list of repeats [[t, ...], ...] or an intensity {\"bin_s\", \"rate_hz\"}",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Entry, A::Error> {
                Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Entry::Repeats)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Entry, A::Error> {
                Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Entry::Intensity)
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON number, or one of the non-JSON tokens Python writes for non-finite floats.
enum Number {
    Finite(f64),
    Token(Token),
}

/// The bare tokens Python's `json.dump` writes for non-finite floats.
const NON_FINITE: [&str; 3] = ["-Infinity", "Infinity", "NaN"];

/// A value that is not a number, as an error names it: [`NON_FINITE`] tokens as written, any
/// other string quoted and escaped (`""`, `"0.5"`), so that an empty string is seen.
struct Token(String);

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if NON_FINITE.contains(&self.0.as_str()) {
            f.write_str(&self.0)
        } else {
            write!(f, "the string {:?}", self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number::Finite(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::Finite(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number::Finite(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Ok(Number::Token(Token(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A map that refuses a repeated key, naming it.
fn unique_keys<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Entry>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, Entry>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of trial id → prediction")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(de::Error::custom(format!("trial {key:?} is listed twice")));
                }
                let value = map
                    .next_value()
                    .map_err(|e| de::Error::custom(format!("trial {key:?}: {e}")))?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// Parses and checks a predictions file against a challenge's test trials.
///
/// # Errors
/// The first problem found, as a [`PredictionError`] naming trial, repeat and spike (or bin).
pub fn parse(
    bytes: &[u8],
    trials: &[TrialShape],
    limits: &Limits,
) -> Result<Predictions, PredictionError> {
    if bytes.len() > limits.max_bytes {
        return Err(PredictionError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PredictionError::Empty);
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| PredictionError::Json(format!("not UTF-8: {e}")))?;
    let file: File = serde_json::from_str(&quote_non_finite(text))
        .map_err(|e| PredictionError::Json(e.to_string()))?;
    let expected: BTreeMap<&str, &TrialShape> = trials.iter().map(|t| (t.id.as_str(), t)).collect();
    if let Some(unknown) = file
        .trials
        .keys()
        .find(|k| !expected.contains_key(k.as_str()))
    {
        return Err(PredictionError::UnknownTrial {
            trial: unknown.clone(),
        });
    }
    if let Some(missing) = trials.iter().find(|t| !file.trials.contains_key(&t.id)) {
        return Err(PredictionError::MissingTrial {
            trial: missing.id.clone(),
        });
    }
    let mut out = Predictions::default();
    for (trial, entry) in file.trials {
        let shape = expected[trial.as_str()];
        let prediction = match entry {
            Entry::Repeats(repeats) => repeats_of(&trial, repeats, shape, limits)?,
            Entry::Intensity(i) => intensity_of(&trial, i, shape)?,
        };
        out.trials.insert(trial, prediction);
    }
    Ok(out)
}

fn repeats_of(
    trial: &str,
    repeats: Vec<Vec<Number>>,
    shape: &TrialShape,
    limits: &Limits,
) -> Result<Prediction, PredictionError> {
    let duration = shape.duration_s;
    if repeats.is_empty() || repeats.len() > limits.max_repeats {
        return Err(PredictionError::RepeatCount {
            count: repeats.len(),
            limit: limits.max_repeats,
            trial: trial.to_string(),
        });
    }
    let mut trains = Vec::with_capacity(repeats.len());
    for (repeat, times) in repeats.into_iter().enumerate() {
        let spike_error = |problem: String| PredictionError::Spike {
            trial: trial.to_string(),
            repeat,
            problem,
        };
        let times = times
            .into_iter()
            .enumerate()
            .map(|(i, n)| match n {
                Number::Finite(t) => Ok(t),
                Number::Token(s) => {
                    Err(spike_error(format!("spike {i} is {s}, not a finite time")))
                }
            })
            .collect::<Result<Vec<f64>, _>>()?;
        if let Some((i, t)) = times.iter().enumerate().find(|(_, t)| **t < 0.0) {
            return Err(spike_error(format!(
                "spike {i} is at {t} s, before the trial start"
            )));
        }
        if let Some((i, t)) = times.iter().enumerate().find(|(_, t)| **t >= duration) {
            return Err(spike_error(format!(
                "spike {i} is at {t} s, at or past the trial end ({duration} s)"
            )));
        }
        let train = SpikeTrain::new(times).map_err(|e: TrainError| spike_error(e.to_string()))?;
        trains.push(train);
    }
    Ok(Prediction::Repeats(trains))
}

fn intensity_of(
    trial: &str,
    entry: IntensityEntry,
    shape: &TrialShape,
) -> Result<Prediction, PredictionError> {
    let fail = |problem: String| PredictionError::Intensity {
        trial: trial.to_string(),
        problem,
    };
    let bin_s = match entry.bin_s {
        Number::Finite(b) if b.is_finite() && b > 0.0 => b,
        Number::Finite(b) => return Err(fail(format!("bin_s is {b}; it must be positive"))),
        Number::Token(t) => return Err(fail(format!("bin_s is {t}, not a finite number"))),
    };
    // The bins are at least one sampling step wide (up to rounding of the two decimals).
    if bin_s < shape.dt_s * (1.0 - 1e-9) {
        return Err(fail(format!(
            "bin_s is {bin_s} s, narrower than the challenge's sampling step dt_s = {} s",
            shape.dt_s
        )));
    }
    let bins = (shape.duration_s / bin_s).round();
    if (bins * bin_s - shape.duration_s).abs() > 1e-9 * shape.duration_s {
        return Err(fail(format!(
            "bin_s = {bin_s} s does not divide the trial's {} s into whole bins",
            shape.duration_s
        )));
    }
    if entry.rate_hz.len() as f64 != bins {
        return Err(fail(format!(
            "rate_hz has {} bins; {bins} bins of {bin_s} s cover the trial's {} s",
            entry.rate_hz.len(),
            shape.duration_s
        )));
    }
    let rate_hz = entry
        .rate_hz
        .into_iter()
        .enumerate()
        .map(|(k, n)| match n {
            Number::Finite(r) if (0.0..=MAX_RATE_HZ).contains(&r) => Ok(r),
            Number::Finite(r) => Err(fail(format!(
                "bin {k} is {r} Hz; rates lie in [0, {MAX_RATE_HZ}] Hz"
            ))),
            Number::Token(t) => Err(fail(format!("bin {k} is {t}, not a finite rate"))),
        })
        .collect::<Result<Vec<f64>, _>>()?;
    Ok(Prediction::Intensity(Intensity {
        start_s: 0.0,
        dt_s: bin_s,
        rate_hz,
    }))
}

/// Serialises validated predictions, repeats and intensities alike, in the documented file
/// format: the inverse of [`parse`] (intensities must start at the trial start, as parsed ones
/// do).
pub fn encode(predictions: &Predictions) -> Vec<u8> {
    let trials: BTreeMap<&str, serde_json::Value> = predictions
        .trials
        .iter()
        .map(|(id, p)| {
            let value = match p {
                Prediction::Repeats(trains) => {
                    serde_json::json!(trains.iter().map(|t| t.times()).collect::<Vec<_>>())
                }
                Prediction::Intensity(i) => {
                    serde_json::json!({ "bin_s": i.dt_s, "rate_hz": i.rate_hz })
                }
            };
            (id.as_str(), value)
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "trials": trials })).expect("finite floats serialise")
}

/// Serialises raw predicted repeats in the documented file format (the inverse of [`parse`]
/// for repeats; any floats, so that tests can write malformed files).
pub fn to_json(trials: &BTreeMap<String, Vec<Vec<f64>>>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "trials": trials })).expect("finite floats serialise")
}

/// Wraps the bare tokens `NaN`, `Infinity` and `-Infinity` that stand outside strings in quotes.
fn quote_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !NON_FINITE.iter().any(|t| text.contains(t)) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string && let Some(token) = NON_FINITE.iter().find(|t| rest.starts_with(**t)) {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes() -> Vec<TrialShape> {
        vec![
            TrialShape {
                id: "test-00".into(),
                duration_s: 5.0,
                dt_s: 1e-4,
            },
            TrialShape {
                id: "test-01".into(),
                duration_s: 5.0,
                dt_s: 1e-4,
            },
        ]
    }

    fn check(json: &str) -> Result<Predictions, PredictionError> {
        parse(json.as_bytes(), &shapes(), &Limits::default())
    }

    fn message(json: &str) -> String {
        check(json).unwrap_err().to_string()
    }

    fn trains(p: &Predictions, trial: &str) -> Vec<SpikeTrain> {
        match &p.trials[trial] {
            Prediction::Repeats(t) => t.clone(),
            Prediction::Intensity(_) => panic!("{trial}: an intensity"),
        }
    }

    #[test]
    fn a_valid_file_parses_with_every_repeat() {
        let p = check(r#"{"trials": {"test-00": [[0.1, 0.2], []], "test-01": [[4.9]]}}"#).unwrap();
        let t = trains(&p, "test-00");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].times(), &[0.1, 0.2]);
        assert!(t[1].is_empty());
        assert_eq!(trains(&p, "test-01")[0].times(), &[4.9]);
        // Integers are times too, and a byte-order mark is skipped.
        let p = check("\u{feff}{\"trials\": {\"test-00\": [[1, 2]], \"test-01\": [[]]}}").unwrap();
        assert_eq!(trains(&p, "test-00")[0].times(), &[1.0, 2.0]);
    }

    #[test]
    fn an_intensity_parses_per_trial() {
        let rates: Vec<String> = (0..5000).map(|k| format!("{}", k % 7)).collect();
        let json = format!(
            r#"{{"trials": {{"test-00": {{"bin_s": 0.001, "rate_hz": [{}]}}, "test-01": [[1.0]]}}}}"#,
            rates.join(",")
        );
        let p = check(&json).unwrap();
        let Prediction::Intensity(i) = &p.trials["test-00"] else {
            panic!("an intensity")
        };
        assert_eq!((i.start_s, i.dt_s, i.rate_hz.len()), (0.0, 0.001, 5000));
        assert_eq!(i.rate_hz[8], 1.0);
        assert_eq!(trains(&p, "test-01")[0].times(), &[1.0]);
    }

    #[test]
    fn bad_intensities_name_the_trial_and_the_problem() {
        let with = |bin: &str, rates: &str| {
            message(&format!(
                r#"{{"trials": {{"test-00": {{"bin_s": {bin}, "rate_hz": {rates}}}, "test-01": [[]]}}}}"#
            ))
        };
        for (m, want) in [
            (
                with("1.0", "[1]"),
                "trial \"test-00\", intensity: rate_hz has 1 bins",
            ),
            (
                with("0.00005", "[]"),
                "narrower than the challenge's sampling step",
            ),
            (with("0", "[]"), "bin_s is 0; it must be positive"),
            (with("NaN", "[]"), "bin_s is NaN"),
            (with("0.3", "[]"), "does not divide"),
            (with("1.0", "[1, 2]"), "rate_hz has 2 bins; 5 bins"),
            (with("1.0", "[1, 2, -1, 0, 0]"), "bin 2 is -1 Hz"),
            (with("1.0", "[1, 2, NaN, 0, 0]"), "bin 2 is NaN"),
            (with("1.0", "[1, 2, 1e9, 0, 0]"), "bin 2 is 1000000000 Hz"),
        ] {
            assert!(m.contains(want), "{m}\n  want: {want}");
        }
        let m = message(
            r#"{"trials": {"test-00": {"bin_s": 1, "rate_hz": [1,1,1,1,1], "x": 1}, "test-01": [[]]}}"#,
        );
        assert!(m.contains("unknown field `x`"), "{m}");
    }

    #[test]
    fn a_repeated_trial_or_a_non_number_is_refused_by_name() {
        let m = message(r#"{"trials": {"test-00": [[0.1]], "test-01": [[]], "test-00": [[0.2]]}}"#);
        assert!(m.contains("trial \"test-00\" is listed twice"), "{m}");
        // Issue 16 case 7: a value of the wrong type names its trial.
        let m = message(r#"{"trials": {"test-00": [[true]], "test-01": [[]]}}"#);
        assert!(
            m.contains("trial \"test-00\": invalid type: boolean `true`, expected a number"),
            "{m}"
        );
        let m = message(r#"{"trials": {"test-00": [[0.1]], "test-01": [["a", {}]]}}"#);
        assert!(m.contains("trial \"test-01\": invalid type: map"), "{m}");
        let m = message(r#"{"trials": {"test-00": 3, "test-01": [[]]}}"#);
        assert!(
            m.contains("trial \"test-00\": invalid type: integer `3`, expected a list of repeats"),
            "{m}"
        );
    }

    #[test]
    fn encode_is_the_inverse_of_parse() {
        let json = r#"{"trials": {"test-00": {"bin_s": 0.5, "rate_hz": [1,2,3,4,5,6,7,8,9,10]}, "test-01": [[0.25, 4.5], []]}}"#;
        let p = check(json).unwrap();
        assert_eq!(
            parse(&encode(&p), &shapes(), &Limits::default()).unwrap(),
            p
        );
    }

    #[test]
    fn round_trips_through_to_json() {
        let mut trials = BTreeMap::new();
        trials.insert("test-00".to_string(), vec![vec![0.1, 1.0 / 3.0]]);
        trials.insert("test-01".to_string(), vec![vec![], vec![2.5]]);
        let p = parse(&to_json(&trials), &shapes(), &Limits::default()).unwrap();
        assert_eq!(trains(&p, "test-00")[0].times(), &[0.1, 1.0 / 3.0]);
        assert_eq!(trains(&p, "test-01")[1].times(), &[2.5]);
    }

    #[test]
    fn every_bad_input_names_trial_and_problem() {
        let cases = [
            (
                r#"{"trials": {"test-00": [[0.1, NaN]], "test-01": [[]]}}"#,
                "\"test-00\", repeat 0: spike 1 is NaN",
            ),
            (
                r#"{"trials": {"test-00": [[Infinity]], "test-01": [[]]}}"#,
                "spike 0 is Infinity",
            ),
            (
                r#"{"trials": {"test-00": [[-Infinity]], "test-01": [[]]}}"#,
                "spike 0 is -Infinity",
            ),
            // Any other string is named quoted, so an empty one is visible.
            (
                r#"{"trials": {"test-00": [[0.1, 0.2, ""]], "test-01": [[]]}}"#,
                "spike 2 is the string \"\", not a finite time",
            ),
            (
                r#"{"trials": {"test-00": {"bin_s": "0.5", "rate_hz": []}, "test-01": [[]]}}"#,
                "bin_s is the string \"0.5\", not a finite number",
            ),
            (
                r#"{"trials": {"test-00": [[-0.5]], "test-01": [[]]}}"#,
                "before the trial start",
            ),
            (
                r#"{"trials": {"test-00": [[]], "test-01": [[1.0, 5.0]]}}"#,
                "\"test-01\", repeat 0: spike 1 is at 5 s, at or past the trial end",
            ),
            (
                r#"{"trials": {"test-00": [[0.3, 0.2]], "test-01": [[]]}}"#,
                "sorted",
            ),
            (
                r#"{"trials": {"test-00": [[], [0.2, 0.2]], "test-01": [[]]}}"#,
                "repeat 1",
            ),
            (
                r#"{"trials": {"test-00": [[]], "test-01": [[]], "test-09": [[]]}}"#,
                "\"test-09\": not a test trial",
            ),
            (r#"{"trials": {"test-00": [[]]}}"#, "\"test-01\": missing"),
            (
                r#"{"trials": {"test-00": [], "test-01": [[]]}}"#,
                "\"test-00\": 0 predicted repeats",
            ),
            ("", "empty"),
            ("{\"trials\": ", "not valid JSON"),
            (r#"{"trial": {}}"#, "not valid JSON"),
        ];
        for (json, expected) in cases {
            let m = message(json);
            assert!(
                m.contains(expected),
                "input {json}\n  got: {m}\n  want: {expected}"
            );
        }
    }

    #[test]
    fn duplicated_spikes_are_refused() {
        let m = message(r#"{"trials": {"test-00": [[0.2, 0.2]], "test-01": [[]]}}"#);
        assert!(m.contains("repeat 0") && m.contains("spike 1"), "{m}");
    }

    #[test]
    fn too_many_repeats_and_too_many_bytes_are_refused() {
        let many = format!(
            r#"{{"trials": {{"test-00": [{}], "test-01": [[]]}}}}"#,
            vec!["[]"; MAX_REPEATS + 1].join(",")
        );
        assert!(message(&many).contains("1001 predicted repeats; between 1 and 1000"));
        let small = Limits {
            max_bytes: 10,
            max_repeats: 100,
        };
        let err = parse(br#"{"trials": {}}  "#, &shapes(), &small).unwrap_err();
        assert_eq!(
            err,
            PredictionError::TooLarge {
                size: 16,
                limit: 10
            }
        );
    }

    #[test]
    fn nan_inside_a_string_is_left_alone() {
        assert_eq!(quote_non_finite(r#"{"NaN": [NaN]}"#), r#"{"NaN": ["NaN"]}"#);
        assert_eq!(
            quote_non_finite(r#"["a\"NaN", Infinity]"#),
            r#"["a\"NaN", "Infinity"]"#
        );
    }
}
