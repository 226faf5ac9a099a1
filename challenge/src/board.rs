//! Score lists as users read them, and the ranking rule of the leaderboard.
//!
//! Scores travel and are stored as a list of named values, each either a number or a reason why it
//! is undefined, so a new metric needs no schema or wire change and a null is never mistaken for a
//! zero. The board keeps each team's best scored submission on the primary score; an undefined
//! primary ranks below every defined one, and ties go to the earlier submission.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use arena_scoring::{CoreScores, Metric};
use serde::{Deserialize, Serialize};

/// One named score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedMetric {
    /// Metric name (the JSON key users see).
    pub name: String,
    /// The value, or `None` when undefined.
    pub value: Option<f64>,
    /// Why the value is undefined.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The core scores as named values, primary first.
pub fn named(scores: &CoreScores) -> Vec<NamedMetric> {
    let mut entries = scores.entries();
    entries.sort_by_key(|(name, _)| *name != "primary");
    entries
        .into_iter()
        .map(|(name, m)| named_metric(name, m))
        .collect()
}

/// One metric as a named value: the number, or `None` with the reason.
pub fn named_metric(name: &str, m: &Metric) -> NamedMetric {
    NamedMetric {
        name: name.to_string(),
        value: m.as_ref().ok().copied(),
        note: m
            .as_ref()
            .err()
            .map(|u| u.reason.clone())
            .unwrap_or_default(),
    }
}

/// The value of `name` in a list, if present and defined.
pub fn value_of(metrics: &[NamedMetric], name: &str) -> Option<f64> {
    metrics
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.value)
}

/// A scored submission competing for its team's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Submission id.
    pub submission_id: String,
    /// Team.
    pub team: String,
    /// Model label.
    pub model: String,
    /// Baseline team.
    pub is_baseline: bool,
    /// RFC 3339; compared as text, which orders RFC 3339 UTC times correctly.
    pub created_at: String,
    /// Scores of the board's part.
    pub scores: Vec<NamedMetric>,
}

/// One row of the board.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based rank.
    pub rank: u32,
    /// The team's best entry.
    pub best: Entry,
    /// Submissions the team made on the challenge.
    pub n_submissions: u32,
}

fn by_primary(a: &Entry, b: &Entry) -> Ordering {
    let key = |e: &Entry| value_of(&e.scores, "primary");
    match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.created_at.cmp(&b.created_at))
    .then_with(|| a.submission_id.cmp(&b.submission_id))
}

/// Ranks teams by their best entry. `counts` gives submissions per team.
pub fn rank(entries: Vec<Entry>, counts: &BTreeMap<String, u32>) -> Vec<Row> {
    let mut best: BTreeMap<String, Entry> = BTreeMap::new();
    for e in entries {
        match best.get(&e.team) {
            Some(current) if by_primary(current, &e) != Ordering::Greater => {}
            _ => {
                best.insert(e.team.clone(), e);
            }
        }
    }
    let mut rows: Vec<Entry> = best.into_values().collect();
    rows.sort_by(by_primary);
    rows.into_iter()
        .enumerate()
        .map(|(i, e)| Row {
            rank: i as u32 + 1,
            n_submissions: counts.get(&e.team).copied().unwrap_or(0),
            best: e,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, team: &str, primary: Option<f64>, at: &str) -> Entry {
        Entry {
            submission_id: id.into(),
            team: team.into(),
            model: "m".into(),
            is_baseline: false,
            created_at: at.into(),
            scores: vec![NamedMetric {
                name: "primary".into(),
                value: primary,
                note: String::new(),
            }],
        }
    }

    #[test]
    fn keeps_each_teams_best_and_orders_by_primary() {
        let entries = vec![
            entry("a1", "a", Some(0.2), "2026-01-01T00:00:01Z"),
            entry("a2", "a", Some(0.6), "2026-01-01T00:00:02Z"),
            entry("b1", "b", Some(0.4), "2026-01-01T00:00:03Z"),
            entry("c1", "c", None, "2026-01-01T00:00:00Z"),
        ];
        let counts = BTreeMap::from([
            ("a".to_string(), 2),
            ("b".to_string(), 1),
            ("c".to_string(), 1),
        ]);
        let rows = rank(entries, &counts);
        let order: Vec<(&str, u32, u32)> = rows
            .iter()
            .map(|r| (r.best.submission_id.as_str(), r.rank, r.n_submissions))
            .collect();
        assert_eq!(order, vec![("a2", 1, 2), ("b1", 2, 1), ("c1", 3, 1)]);
    }

    #[test]
    fn ties_go_to_the_earlier_submission() {
        let entries = vec![
            entry("late", "x", Some(0.5), "2026-01-02T00:00:00Z"),
            entry("early", "y", Some(0.5), "2026-01-01T00:00:00Z"),
            entry("again", "y", Some(0.5), "2026-01-03T00:00:00Z"),
        ];
        let rows = rank(entries, &BTreeMap::new());
        assert_eq!(rows[0].best.submission_id, "early");
        assert_eq!(rows[1].best.submission_id, "late");
        assert_eq!(rows.len(), 2);
    }
}
