//! Score lists as users read them, and the ranking rules of the leaderboard.
//!
//! Scores travel and are stored as a list of named values, each either a number or a reason why it
//! is undefined, so a new metric needs no schema or wire change and a null is never mistaken for a
//! zero.
//!
//! Two rules rank the teams, one per part:
//! * **Open challenge, public part: the Ladder** (Blum & Hardt 2015, "The Ladder: a reliable
//!   leaderboard for machine learning competitions", ICML; [`public_board`]). A team's displayed
//!   score moves only when one of its submissions beats the displayed score by more than the step
//!   η, and is shown rounded to η. Contestants who tune against the public board then learn at
//!   most whether they improved by η, so submitting many small variations cannot climb the
//!   public part's noise.
//! * **Closed challenge, private part: the final selection** ([`private_board`]). Each team is
//!   ranked by the best private score among the submissions it selected (or, if it selected
//!   none, its latest ones); the private scores of its other submissions never matter. Ranking
//!   the best private score over all submissions would reward submitting often: with no
//!   information at all, the best of N noisy scores grows with N.
//!
//! An undefined primary ranks below every defined one; ties go to the earlier submission.

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
    /// Selected by its team for the final ranking.
    pub selected: bool,
}

impl Entry {
    /// The primary score, if defined.
    pub fn primary(&self) -> Option<f64> {
        value_of(&self.scores, "primary")
    }
}

/// One row of the board.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based rank.
    pub rank: u32,
    /// The entry the row shows: on the public board the submission that set the displayed
    /// score, on the private board the team's best selected submission.
    pub best: Entry,
    /// The primary as displayed: laddered on the public board, exact on the private one.
    pub primary: Option<f64>,
    /// Submissions the team made on the challenge.
    pub n_submissions: u32,
}

/// x rounded to the nearest multiple of `step` (x itself when `step` is 0).
pub fn round_to(x: f64, step: f64) -> f64 {
    if step > 0.0 {
        (x / step).round() * step
    } else {
        x
    }
}

/// The Ladder over one team's public primaries, in submission order: (the displayed value, the
/// entry that set it) after the last entry, or `None` while no entry has a defined primary.
///
/// Each entry's primary s is released when no value is displayed yet or s > displayed + `step`;
/// the displayed value becomes s rounded to `step` ([`round_to`]). Otherwise the displayed value
/// stays. With `step` = 0 this is the best score so far, exactly.
pub fn ladder<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    step: f64,
) -> Option<(f64, &'a Entry)> {
    ladder_history(entries, step).pop()
}

/// Every release of the Ladder over one team's public primaries ([`ladder`]), in submission
/// order: (the displayed value, the entry that set it) each time the displayed value moved. The
/// last is what [`ladder`] returns; together they are the team's public score over time as the
/// board showed it, which reveals nothing the board did not.
pub fn ladder_history<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    step: f64,
) -> Vec<(f64, &'a Entry)> {
    let mut released: Vec<(f64, &Entry)> = Vec::new();
    for e in entries {
        if let Some(s) = e.primary()
            && released.last().is_none_or(|(r, _)| s > r + step)
        {
            released.push((round_to(s, step), e));
        }
    }
    released
}

/// Rank ranges of a ranked board: row i (1-based rank i + 1) shares its range with every row
/// whose interval overlaps its own, from the best to the worst rank among them, so teams whose
/// scores cannot be told apart read e.g. "2–4" rather than an order the data do not support.
/// `intervals[i]` is row i's (low, high); `None` (an undefined score) overlaps nothing. A row
/// whose interval overlaps no other has the range (rank, rank). O(n²) comparisons: 10⁶ for a
/// board of 1,000 teams.
pub fn rank_ranges(intervals: &[Option<(f64, f64)>]) -> Vec<(u32, u32)> {
    let overlaps = |a: Option<(f64, f64)>, b: Option<(f64, f64)>| match (a, b) {
        (Some((al, ah)), Some((bl, bh))) => al <= bh && bl <= ah,
        _ => false,
    };
    (0..intervals.len())
        .map(|i| {
            let tied =
                (0..intervals.len()).filter(|&j| j == i || overlaps(intervals[i], intervals[j]));
            let (lo, hi) = tied.fold((i, i), |(lo, hi), j| (lo.min(j), hi.max(j)));
            (lo as u32 + 1, hi as u32 + 1)
        })
        .collect()
}

/// Submission order: creation time, then id (entries created in the same second).
fn chronological(a: &Entry, b: &Entry) -> Ordering {
    a.created_at
        .cmp(&b.created_at)
        .then_with(|| a.submission_id.cmp(&b.submission_id))
}

/// Groups entries by team, each team's entries in submission order. Borrows: a board of
/// 10,000 submissions clones only the row each team shows.
fn by_team(entries: &[Entry]) -> BTreeMap<&str, Vec<&Entry>> {
    let mut teams: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        teams.entry(e.team.as_str()).or_default().push(e);
    }
    teams
        .values_mut()
        .for_each(|v| v.sort_by(|a, b| chronological(a, b)));
    teams
}

/// Ranks rows by displayed primary (undefined last), then by the earlier entry.
fn ranked(mut rows: Vec<(Option<f64>, &Entry)>, counts: &BTreeMap<String, u32>) -> Vec<Row> {
    rows.sort_by(|(a, ea), (b, eb)| {
        match (a, b) {
            (Some(x), Some(y)) => y.total_cmp(x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| chronological(ea, eb))
    });
    rows.into_iter()
        .enumerate()
        .map(|(i, (primary, e))| Row {
            rank: i as u32 + 1,
            n_submissions: counts.get(&e.team).copied().unwrap_or(0),
            primary,
            best: e.clone(),
        })
        .collect()
}

/// The open board: every team's Ladder over its public scores ([`ladder`]) with step `step`.
/// `entries` hold the public scores; `counts` the submissions per team.
pub fn public_board(entries: &[Entry], counts: &BTreeMap<String, u32>, step: f64) -> Vec<Row> {
    let rows = by_team(entries)
        .into_values()
        .filter_map(|team| {
            let shown = ladder(team.iter().copied(), step).map(|(r, e)| (Some(r), e));
            // A team none of whose submissions has a defined primary shows its latest one.
            shown.or_else(|| team.last().map(|e| (None, *e)))
        })
        .collect();
    ranked(rows, counts)
}

/// The submissions of one team that count for the final ranking: those it selected, or, if it
/// selected none, its latest `final_selections` (entries in submission order).
pub fn counted<'a>(team: &[&'a Entry], final_selections: usize) -> Vec<&'a Entry> {
    let selected: Vec<&Entry> = team.iter().copied().filter(|e| e.selected).collect();
    if selected.is_empty() {
        team.iter().copied().rev().take(final_selections).collect()
    } else {
        selected
    }
}

/// The closed board: each team ranked by the best private primary among its counted
/// submissions ([`counted`]). `entries` hold the private scores.
pub fn private_board(
    entries: &[Entry],
    counts: &BTreeMap<String, u32>,
    final_selections: usize,
) -> Vec<Row> {
    let rows = by_team(entries)
        .into_values()
        .filter_map(|team| {
            let best = counted(&team, final_selections)
                .into_iter()
                .min_by(|a, b| {
                    match (a.primary(), b.primary()) {
                        (Some(x), Some(y)) => y.total_cmp(&x),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => Ordering::Equal,
                    }
                    .then_with(|| chronological(a, b))
                })?;
            Some((best.primary(), best))
        })
        .collect();
    ranked(rows, counts)
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
            selected: false,
        }
    }

    fn at(second: u32) -> String {
        format!("2026-01-01T00:00:{second:02}Z")
    }

    #[test]
    fn the_ladder_releases_only_improvements_beyond_the_step() {
        // Step 0.05: 0.30 is shown as 0.30; 0.33 is not > 0.30 + 0.05; 0.36 is (shown 0.35);
        // 0.39 is not > 0.35 + 0.05 (0.40); 0.41 is, shown 0.40.
        let team: Vec<Entry> = [0.30, 0.33, 0.36, 0.39, 0.41]
            .iter()
            .enumerate()
            .map(|(i, &p)| entry(&format!("s{i}"), "a", Some(p), &at(i as u32)))
            .collect();
        let (shown, by) = ladder(&team, 0.05).unwrap();
        assert!((shown - 0.40).abs() < 1e-12, "{shown}");
        assert_eq!(by.submission_id, "s4");
        let after = |n: usize| ladder(&team[..n], 0.05).map(|(r, e)| (r, e.submission_id.clone()));
        assert_eq!(after(2).map(|x| x.1), Some("s0".into()));
        assert_eq!(after(3).map(|x| x.1), Some("s2".into()));
        // Step 0: the best so far, exactly.
        let (best, _) = ladder(&team, 0.0).unwrap();
        assert_eq!(best, 0.41);
        assert!(ladder(&[entry("x", "a", None, &at(0))], 0.05).is_none());
    }

    #[test]
    fn the_public_board_ranks_teams_by_their_ladder() {
        let entries = vec![
            entry("a1", "a", Some(0.20), &at(1)),
            entry("a2", "a", Some(0.60), &at(2)),
            entry("b1", "b", Some(0.40), &at(3)),
            entry("b2", "b", Some(0.607), &at(4)),
            entry("d1", "d", Some(0.598), &at(5)),
            entry("c1", "c", None, &at(0)),
        ];
        let counts = BTreeMap::from([
            ("a".to_string(), 2),
            ("b".to_string(), 2),
            ("c".to_string(), 1),
        ]);
        let rows = public_board(&entries, &counts, 0.01);
        let order: Vec<(&str, Option<f64>)> = rows
            .iter()
            .map(|r| {
                (
                    r.best.submission_id.as_str(),
                    r.primary.map(|p| (p * 100.0).round() / 100.0),
                )
            })
            .collect();
        // b2 (0.607) beats b's 0.40 by more than 0.01, shown 0.61; a2 and d1 are both shown
        // 0.60 and the tie goes to the earlier submission, a2; c has no defined primary.
        assert_eq!(
            order,
            vec![
                ("b2", Some(0.61)),
                ("a2", Some(0.6)),
                ("d1", Some(0.6)),
                ("c1", None)
            ]
        );
        assert_eq!(
            rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        assert_eq!(rows[1].n_submissions, 2);
    }

    #[test]
    fn the_private_board_counts_selected_submissions_only() {
        let mut entries = vec![
            entry("a1", "a", Some(0.9), &at(1)),
            entry("a2", "a", Some(0.2), &at(2)),
            entry("a3", "a", Some(0.3), &at(3)),
            entry("b1", "b", Some(0.5), &at(1)),
            entry("b2", "b", Some(0.1), &at(2)),
            entry("b3", "b", Some(0.4), &at(3)),
        ];
        // Team a selected a2 and a3: its 0.9 does not count. Team b selected nothing: its
        // latest two (b2, b3) count, best 0.4 — not its 0.5.
        entries[1].selected = true;
        entries[2].selected = true;
        let rows = private_board(&entries, &BTreeMap::new(), 2);
        let got: Vec<(&str, Option<f64>)> = rows
            .iter()
            .map(|r| (r.best.submission_id.as_str(), r.primary))
            .collect();
        assert_eq!(got, vec![("b3", Some(0.4)), ("a3", Some(0.3))]);
    }

    #[test]
    fn the_ladder_history_lists_every_release() {
        let team: Vec<Entry> = [0.30, 0.33, 0.36, 0.39, 0.41]
            .iter()
            .enumerate()
            .map(|(i, &p)| entry(&format!("s{i}"), "a", Some(p), &at(i as u32)))
            .collect();
        let got: Vec<(String, &str)> = ladder_history(&team, 0.05)
            .into_iter()
            .map(|(v, e)| (format!("{v:.2}"), e.submission_id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("0.30".into(), "s0"),
                ("0.35".into(), "s2"),
                ("0.40".into(), "s4")
            ]
        );
    }

    #[test]
    fn overlapping_intervals_share_a_rank_range() {
        // 1 stands alone; 2, 3 and 4 overlap in a chain (2-3, 3-4, not 2-4): 2 reaches 3,
        // 3 reaches 2 and 4, 4 reaches 3; an undefined score overlaps nothing.
        let iv = [
            Some((0.80, 0.90)),
            Some((0.50, 0.60)),
            Some((0.45, 0.55)),
            Some((0.30, 0.46)),
            None,
        ];
        assert_eq!(
            rank_ranges(&iv),
            vec![(1, 1), (2, 3), (2, 4), (3, 4), (5, 5)]
        );
        // Point values (the Ladder's displayed scores) tie only when equal.
        let points = [Some((0.6, 0.6)), Some((0.6, 0.6)), Some((0.5, 0.5))];
        assert_eq!(rank_ranges(&points), vec![(1, 2), (1, 2), (3, 3)]);
    }

    #[test]
    fn ties_go_to_the_earlier_submission() {
        let entries = vec![
            entry("late", "x", Some(0.5), "2026-01-02T00:00:00Z"),
            entry("early", "y", Some(0.5), "2026-01-01T00:00:00Z"),
        ];
        let rows = public_board(&entries, &BTreeMap::new(), 0.0);
        assert_eq!(rows[0].best.submission_id, "early");
        assert_eq!(rows[1].best.submission_id, "late");
    }
}
