//! Metric values that may be undefined, and how they serialise.
//!
//! A score that cannot be computed (no spikes at all, a singular normaliser, too few repeats)
//! must never appear as a large or arbitrary number: it is an `Err(Undefined)` carrying a
//! one-line reason. In JSON a [`Metric`] is a number or `null`; the reasons travel separately
//! (the server and CLI collect them into a `notes` map).

use serde::{Deserialize, Serialize};

/// A metric value, or the reason it is undefined (serialises as a number, or null).
pub type Metric = Result<f64, Undefined>;

/// Why a metric has no value: a one-line, human-readable reason.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("{reason}")]
pub struct Undefined {
    /// The reason, e.g. "Md* undefined: no spikes in the recorded or predicted trains".
    pub reason: String,
}

/// An undefined metric with the given reason.
pub(crate) fn undefined<T>(reason: impl Into<String>) -> Result<T, Undefined> {
    Err(Undefined {
        reason: reason.into(),
    })
}

/// `Ok(value)` when `value` is finite, else undefined with `what` named in the reason.
pub(crate) fn finite(value: f64, what: &str) -> Metric {
    if value.is_finite() {
        Ok(value)
    } else {
        undefined(format!("{what} undefined: the computation gave {value}"))
    }
}

/// Mean of metrics: undefined (with the first reason) if any is undefined or the list is empty.
pub(crate) fn mean_of(values: impl IntoIterator<Item = Metric>, what: &str) -> Metric {
    let mut sum = 0.0;
    let mut n = 0usize;
    for v in values {
        sum += v?;
        n += 1;
    }
    if n == 0 {
        return undefined(format!("{what} undefined: nothing to average"));
    }
    finite(sum / n as f64, what)
}

/// Serde helper: a [`Metric`] (or any `Result<T, Undefined>`) as its value — a JSON number
/// for a metric — or `null` when undefined.
///
/// Use with `#[serde(with = "arena_scoring::metric::number_or_null")]`. Deserialising `null`
/// yields an `Undefined` whose reason says only that the value was null (the reason itself is
/// not part of this representation).
pub mod number_or_null {
    use super::Undefined;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `Ok(x)` as `x` and `Err(_)` as `null`.
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Result<T, Undefined>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Ok(x) => serializer.serialize_some(x),
            Err(_) => serializer.serialize_none(),
        }
    }

    /// Reads a value as `Ok`, `null` as `Err`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Result<T, Undefined>, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(x) => Ok(x),
            None => Err(Undefined {
                reason: "undefined (null in the serialised scores)".to_string(),
            }),
        })
    }
}

/// Serde helper: a [`Metric`] that keeps its reason: a number, or `{"undefined": "<reason>"}`.
///
/// Used for stored per-trial statistics, which must round-trip exactly for audits.
pub mod number_or_reason {
    use super::{Metric, Undefined};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Value(f64),
        Undefined { undefined: String },
    }

    /// Writes `Ok(x)` as `x` and `Err(u)` as `{"undefined": u.reason}`.
    pub fn serialize<S: Serializer>(metric: &Metric, serializer: S) -> Result<S::Ok, S::Error> {
        match metric {
            Ok(x) => Repr::Value(*x),
            Err(u) => Repr::Undefined {
                undefined: u.reason.clone(),
            },
        }
        .serialize(serializer)
    }

    /// Reads what [`serialize`] writes.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Metric, D::Error> {
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Value(x) => Ok(x),
            Repr::Undefined { undefined } => Err(Undefined { reason: undefined }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Both {
        #[serde(with = "number_or_null")]
        plain: Metric,
        #[serde(with = "number_or_reason")]
        kept: Metric,
    }

    #[test]
    fn serialises_number_null_and_reason() {
        let v = Both {
            plain: undefined("no spikes"),
            kept: undefined("no spikes"),
        };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"plain":null,"kept":{"undefined":"no spikes"}}"#);
        let back: Both = serde_json::from_str(&json).unwrap();
        assert_eq!(back.kept, v.kept);
        assert!(back.plain.is_err());
        let w = Both {
            plain: Ok(0.25),
            kept: Ok(-1.5),
        };
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"plain":0.25,"kept":-1.5}"#);
        assert_eq!(serde_json::from_str::<Both>(&json).unwrap(), w);
    }

    #[test]
    fn mean_of_propagates_first_reason_and_rejects_empty() {
        assert_eq!(mean_of([Ok(1.0), Ok(2.0)], "x"), Ok(1.5));
        let e = mean_of([Ok(1.0), undefined("first"), undefined("second")], "x");
        assert_eq!(e.unwrap_err().reason, "first");
        assert!(mean_of(Vec::<Metric>::new(), "x").is_err());
        assert!(finite(f64::INFINITY, "x").is_err());
    }
}
