//! Parsing and checking a predictions file before anything is stored.
//!
//! A submission is refused as a whole, with a message that names the trial, the repeat and the spike,
//! when any part of it is malformed: scoring a partly valid file would let a contestant probe the
//! hidden data with malformed uploads, and silently dropping bad spikes would score something the
//! contestant did not send. The file format (JSON `{"trials": {"<trial id>": [[t, ...], ...]}}`, spike
//! times in seconds from trial start) is documented in the README.
//!
//! Python's `json.dump` writes `NaN` and `Infinity`, which are not JSON; they are recognised here so
//! the contestant is told which spike is not finite instead of where the parser stopped.

use std::collections::BTreeMap;

use arena_scoring::{SpikeTrain, TrainError};
use serde::Deserialize;
use thiserror::Error;

/// Upper bounds on what one submission may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Largest accepted file, bytes.
    pub max_bytes: usize,
    /// Most predicted repeats per trial.
    pub max_repeats: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_repeats: 100,
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
}

/// Validated predictions: per test trial, one or more predicted spike trains.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Predictions {
    /// Trial id → predicted repeats.
    pub trials: BTreeMap<String, Vec<SpikeTrain>>,
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
        "predictions are not valid JSON of the form {{\"trials\": {{\"<trial id>\": [[t, ...], ...]}}}}: {0}"
    )]
    Json(String),
    /// A trial id the challenge does not have as a test trial.
    #[error("trial {trial:?}: not a test trial of this challenge")]
    UnknownTrial {
        /// The id given.
        trial: String,
    },
    /// A test trial without predictions.
    #[error("trial {trial:?}: missing (every test trial needs at least one predicted repeat)")]
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    trials: BTreeMap<String, Vec<Vec<Number>>>,
}

/// A JSON number, or one of the non-JSON tokens Python writes for non-finite floats.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Finite(f64),
    Token(String),
}

/// Parses and checks a predictions file against a challenge's test trials.
///
/// # Errors
/// The first problem found, as a [`PredictionError`] naming trial, repeat and spike.
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
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PredictionError::Empty);
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| PredictionError::Json(format!("not UTF-8: {e}")))?;
    let file: File = serde_json::from_str(&quote_non_finite(text))
        .map_err(|e| PredictionError::Json(e.to_string()))?;
    let expected: BTreeMap<&str, f64> = trials
        .iter()
        .map(|t| (t.id.as_str(), t.duration_s))
        .collect();
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
    for (trial, repeats) in file.trials {
        let duration = expected[trial.as_str()];
        if repeats.is_empty() || repeats.len() > limits.max_repeats {
            return Err(PredictionError::RepeatCount {
                count: repeats.len(),
                limit: limits.max_repeats,
                trial,
            });
        }
        let mut trains = Vec::with_capacity(repeats.len());
        for (repeat, times) in repeats.into_iter().enumerate() {
            let spike_error = |problem: String| PredictionError::Spike {
                trial: trial.clone(),
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
            let train =
                SpikeTrain::new(times).map_err(|e: TrainError| spike_error(e.to_string()))?;
            trains.push(train);
        }
        out.trials.insert(trial, trains);
    }
    Ok(out)
}

/// Serialises predictions in the documented file format (the inverse of [`parse`]).
pub fn to_json(trials: &BTreeMap<String, Vec<Vec<f64>>>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "trials": trials })).expect("finite floats serialise")
}

/// Wraps the bare tokens `NaN`, `Infinity` and `-Infinity` that stand outside strings in quotes.
fn quote_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    const TOKENS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];
    if !TOKENS.iter().any(|t| text.contains(t)) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string && let Some(token) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
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
            },
            TrialShape {
                id: "test-01".into(),
                duration_s: 5.0,
            },
        ]
    }

    fn check(json: &str) -> Result<Predictions, PredictionError> {
        parse(json.as_bytes(), &shapes(), &Limits::default())
    }

    fn message(json: &str) -> String {
        check(json).unwrap_err().to_string()
    }

    #[test]
    fn a_valid_file_parses_with_every_repeat() {
        let p = check(r#"{"trials": {"test-00": [[0.1, 0.2], []], "test-01": [[4.9]]}}"#).unwrap();
        assert_eq!(p.trials["test-00"].len(), 2);
        assert_eq!(p.trials["test-00"][0].times(), &[0.1, 0.2]);
        assert!(p.trials["test-00"][1].is_empty());
        assert_eq!(p.trials["test-01"][0].times(), &[4.9]);
    }

    #[test]
    fn round_trips_through_to_json() {
        let mut trials = BTreeMap::new();
        trials.insert("test-00".to_string(), vec![vec![0.1, 1.0 / 3.0]]);
        trials.insert("test-01".to_string(), vec![vec![], vec![2.5]]);
        let p = parse(&to_json(&trials), &shapes(), &Limits::default()).unwrap();
        assert_eq!(p.trials["test-00"][0].times(), &[0.1, 1.0 / 3.0]);
        assert_eq!(p.trials["test-01"][1].times(), &[2.5]);
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
            vec!["[]"; 101].join(",")
        );
        assert!(message(&many).contains("101 predicted repeats; between 1 and 100"));
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
