//! Recomputing a bundle's stored scores and comparing them bit for bit.

use std::fmt;

use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::hidden::HiddenTrial;
use arena_scoring::METRICS_VERSION;
use serde::Serialize;

use super::AuditError;
use super::bundle::{Bundle, Generator, Mode, Scope, StoredScores, file};
use crate::board::NamedMetric;
use crate::evaluate::score_file;
use crate::families::Manifest;
use crate::live::{LiveSource, seed_of};
use crate::predictions::Limits;

/// One score as stored or as recomputed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    /// A number.
    Number(f64),
    /// Undefined, with the reason.
    Undefined(String),
    /// Not in the list.
    Absent,
}

impl Value {
    /// The value of `name` in `list`.
    fn of(list: &[NamedMetric], name: &str) -> Value {
        match list.iter().find(|m| m.name == name) {
            None => Value::Absent,
            Some(NamedMetric { value: Some(x), .. }) => Value::Number(*x),
            Some(m) => Value::Undefined(m.note.clone()),
        }
    }

    /// Equal bit for bit: numbers by their IEEE 754 bits, undefined values by their reasons.
    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // `{:?}` of an f64 is its shortest text that reads back to the same bits.
            Value::Number(x) => write!(f, "{x:?}"),
            Value::Undefined(reason) => write!(f, "undefined ({reason})"),
            Value::Absent => f.write_str("absent"),
        }
    }
}

/// One stored score beside its recomputation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// `public`, `private` or `trial`.
    pub part: &'static str,
    /// The trial, for per-trial scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial: Option<String>,
    /// Metric name.
    pub metric: String,
    /// In `scores.json`.
    pub stored: Value,
    /// Recomputed from the bundle.
    pub recomputed: Value,
    /// [`Value::same`].
    pub matches: bool,
}

impl Comparison {
    /// Where the score is: `public`, `private` or `trial ID`.
    pub fn place(&self) -> String {
        match &self.trial {
            Some(t) => format!("trial {t}"),
            None => self.part.to_string(),
        }
    }
}

/// A check of the bundle's inputs before any score (the predictions' hash, a live
/// evaluation's regenerated responses).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

/// The outcome of [`verify()`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The input checks.
    pub checks: Vec<Check>,
    /// Every stored score against its recomputation: the public part, then (full scope) the
    /// private part and every trial.
    pub comparisons: Vec<Comparison>,
}

impl Report {
    /// Every check held and every score matched.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok) && self.comparisons.iter().all(|c| c.matches)
    }

    /// One line naming the first failed check and the first differing score, if any.
    pub fn first_difference(&self) -> Option<String> {
        let check = self
            .checks
            .iter()
            .find(|c| !c.ok)
            .map(|c| format!("{}: {}", c.what, c.detail));
        let score = self.comparisons.iter().find(|c| !c.matches).map(|c| {
            format!(
                "{} {} differs: stored {}, recomputed {}",
                c.place(),
                c.metric,
                c.stored,
                c.recomputed
            )
        });
        match (check, score) {
            (Some(c), Some(s)) => Some(format!("{c}; first differing score: {s}")),
            (c, s) => c.or(s),
        }
    }
}

/// Recomputes every score of `bundle` with [`score_file`] (the scoring queue's function) on its
/// predictions, hidden responses, metric parameters and sampling step, and compares each with
/// the stored one. A live evaluation's responses are also regenerated from its seed when the
/// bundle carries the generator.
///
/// # Errors
/// [`AuditError`] when the bundle cannot be scored at all: another metrics version, a
/// predictions file the checks refuse, a generator that no longer builds.
pub fn verify(bundle: &Bundle) -> Result<Report, AuditError> {
    let info = &bundle.info;
    if info.metrics_version != METRICS_VERSION {
        return Err(AuditError::MetricsVersion {
            bundle: info.metrics_version.clone(),
            library: METRICS_VERSION.to_string(),
        });
    }
    let sha = sha256_hex(&bundle.predictions);
    let mut checks = vec![Check {
        what: format!("{} SHA-256", file::PREDICTIONS),
        ok: sha == info.submission_sha256,
        detail: if sha == info.submission_sha256 {
            format!("{sha}, as stored")
        } else {
            format!(
                "{sha} differs from the stored {} (the predictions were changed)",
                info.submission_sha256
            )
        },
    }];
    if let (Mode::Live, Some(generator)) = (info.mode, &bundle.generator) {
        checks.push(regenerated(bundle, generator)?);
    }
    // The file passed the server's checks when it was submitted; the byte limit here only
    // keeps the file the bundle reader already bounded.
    let limits = Limits {
        max_bytes: bundle.predictions.len().max(Limits::default().max_bytes),
        ..Limits::default()
    };
    let evaluation = score_file(
        &bundle.predictions,
        &bundle.trials,
        info.dt_s,
        &info.params,
        &limits,
    )?;
    let recomputed = StoredScores::of(&evaluation, &evaluation.intervals(), info.mode).as_stored();
    let stored = &bundle.scores;
    let mut comparisons = compare("public", None, &stored.public, &recomputed.public);
    if info.scope == Scope::Full {
        let (Some(private), Some(trials)) = (&stored.private, &stored.trials) else {
            return Err(AuditError::file(
                file::SCORES,
                "a full bundle holds private and per-trial scores; these are missing",
            ));
        };
        let none = Vec::new();
        comparisons.extend(compare(
            "private",
            None,
            private,
            recomputed.private.as_ref().unwrap_or(&none),
        ));
        let mut recomputed_trials = recomputed.trials.unwrap_or_default();
        for t in trials {
            let position = recomputed_trials
                .iter()
                .position(|r| r.trial_id == t.trial_id);
            let again = position.map(|i| recomputed_trials.remove(i).scores);
            comparisons.extend(compare(
                "trial",
                Some(&t.trial_id),
                &t.scores,
                again.as_ref().unwrap_or(&none),
            ));
        }
        for r in recomputed_trials {
            comparisons.extend(compare("trial", Some(&r.trial_id), &none, &r.scores));
        }
    }
    Ok(Report {
        checks,
        comparisons,
    })
}

/// Stored and recomputed lists compared by name: the stored names in order, then any name
/// only the recomputation has.
fn compare(
    part: &'static str,
    trial: Option<&str>,
    stored: &[NamedMetric],
    recomputed: &[NamedMetric],
) -> Vec<Comparison> {
    let mut names: Vec<&str> = stored.iter().map(|m| m.name.as_str()).collect();
    for m in recomputed {
        if !names.contains(&m.name.as_str()) {
            names.push(&m.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let (stored, recomputed) = (Value::of(stored, name), Value::of(recomputed, name));
            Comparison {
                part,
                trial: trial.map(str::to_string),
                metric: name.to_string(),
                matches: stored.same(&recomputed),
                stored,
                recomputed,
            }
        })
        .collect()
}

/// A live evaluation's hidden responses regenerated from its seed with the bundled generator,
/// against the bundled ones, spike by spike.
fn regenerated(bundle: &Bundle, generator: &Generator) -> Result<Check, AuditError> {
    let seed = seed_of(&bundle.info.seeds).ok_or_else(|| {
        AuditError::file(file::INFO, "seeds of a live evaluation hold no live_seed")
    })?;
    let manifest = Manifest::parse(&generator.manifest_toml)
        .map_err(|e| AuditError::file(file::GENERATOR_MANIFEST, e))?;
    let again = LiveSource::new(manifest, &generator.files)
        .and_then(|source| source.hidden_trials(seed))
        .map_err(|e| AuditError::Regenerate(e.to_string()))?;
    let difference = first_spike_difference(&bundle.trials, &again);
    Ok(Check {
        what: format!("hidden responses regenerated from live_seed {seed}"),
        ok: difference.is_none(),
        detail: difference.unwrap_or_else(|| "equal spike for spike".into()),
    })
}

/// Where two lists of hidden trials first differ: a trial, a repeat or a spike time (bits).
fn first_spike_difference(bundled: &[HiddenTrial], again: &[HiddenTrial]) -> Option<String> {
    if bundled.len() != again.len() {
        return Some(format!(
            "{} trials in the bundle, {} regenerated",
            bundled.len(),
            again.len()
        ));
    }
    for (b, a) in bundled.iter().zip(again) {
        if b.id != a.id || b.duration_s.to_bits() != a.duration_s.to_bits() {
            return Some(format!(
                "trial {:?} of {} s in the bundle, {:?} of {} s regenerated",
                b.id, b.duration_s, a.id, a.duration_s
            ));
        }
        if b.recorded.len() != a.recorded.len() {
            return Some(format!(
                "trial {}: {} repeats in the bundle, {} regenerated",
                b.id,
                b.recorded.len(),
                a.recorded.len()
            ));
        }
        for (r, (x, y)) in b.recorded.iter().zip(&a.recorded).enumerate() {
            let (x, y) = (x.times(), y.times());
            let spike = x
                .iter()
                .zip(y)
                .position(|(p, q)| p.to_bits() != q.to_bits());
            match spike {
                Some(k) => {
                    return Some(format!(
                        "trial {} repeat {r} spike {k}: {:?} s in {}, {:?} s regenerated",
                        b.id,
                        x[k],
                        file::responses(&b.id),
                        y[k]
                    ));
                }
                None if x.len() != y.len() => {
                    return Some(format!(
                        "trial {} repeat {r}: {} spikes in {}, {} regenerated",
                        b.id,
                        x.len(),
                        file::responses(&b.id),
                        y.len()
                    ));
                }
                None => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, value: Option<f64>, note: &str) -> NamedMetric {
        NamedMetric {
            name: name.into(),
            value,
            note: note.into(),
        }
    }

    #[test]
    fn values_match_by_bits_and_undefined_ones_by_reason() {
        let one_ulp_up = f64::from_bits(0.5f64.to_bits() + 1);
        let stored = [
            metric("a", Some(0.5), ""),
            metric("b", None, "no spikes"),
            metric("c", Some(0.0), ""),
            metric("d", None, "no spikes"),
        ];
        let again = [
            metric("a", Some(one_ulp_up), ""),
            metric("b", None, "no spikes"),
            metric("c", Some(-0.0), ""),
            metric("d", None, "other"),
            metric("e", Some(1.0), ""),
        ];
        let rows = compare("public", None, &stored, &again);
        let matched: Vec<(&str, bool)> = rows
            .iter()
            .map(|c| (c.metric.as_str(), c.matches))
            .collect();
        // 0.0 and −0.0 compare equal as numbers but not as bits.
        assert_eq!(
            matched,
            [
                ("a", false),
                ("b", true),
                ("c", false),
                ("d", false),
                ("e", false)
            ]
        );
        assert_eq!(rows[4].stored, Value::Absent);
        let report = Report {
            checks: Vec::new(),
            comparisons: rows,
        };
        assert!(!report.ok());
        assert_eq!(
            report.first_difference().unwrap(),
            "public a differs: stored 0.5, recomputed 0.5000000000000001"
        );
    }
}
