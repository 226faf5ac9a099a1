//! What the challenge pages show, gathered from the service and the store: the challenge list,
//! a board with its rank ranges and its history, and the board as CSV.
//!
//! The board is always the gRPC `Leaderboard`'s own answer ([`ArenaService::board_and_entries`]
//! converted by the same `From<Board>`), so the page, `board.json`, `board.csv` and `arena
//! leaderboard` cannot disagree and the page can show nothing the CLI does not.

use std::collections::BTreeMap;

use arena_challenge::baselines::Baseline;
use arena_challenge::board::{Entry, ladder_history, rank_ranges};
use arena_challenge_core::trial::Part;
use arena_proto::v1 as pb;
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::service::ArenaService;
use crate::store::ChallengeRow;

/// Teams drawn in the history plot: the board's top rows. A board of 1,000 teams would draw
/// 10,000 points that no one can read; the table lists every team.
pub const MAX_PLOTTED_TEAMS: usize = 20;

/// A challenge in the list.
pub struct Listed {
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Teams that submitted.
    pub teams: usize,
    /// Submissions, all teams.
    pub submissions: i64,
}

/// Every challenge, oldest first, with its counts.
///
/// # Errors
/// A store error.
pub async fn challenges(service: &ArenaService) -> Result<Vec<Listed>, ApiError> {
    let mut listed = Vec::new();
    for challenge in service.store().list_challenges().await? {
        let counts = service.store().submission_counts(&challenge.id).await?;
        listed.push(Listed {
            teams: counts.len(),
            submissions: counts.iter().map(|(_, n, _)| n).sum(),
            challenge,
        });
    }
    Ok(listed)
}

/// How a board row is styled: contestants' rows, and the built-in reference points apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A contestant's team.
    Team,
    /// A built-in baseline model.
    Baseline,
    /// The reference: the simulator that made the ground truth, the ceiling (about 1).
    Ceiling,
    /// The Poisson null: no stimulus information (about 0).
    Null,
}

impl RowKind {
    /// The kind of `row`, from the baseline team it was submitted as (`baseline-NAME`).
    pub fn of(row: &pb::LeaderboardRow) -> RowKind {
        if !row.is_baseline {
            return RowKind::Team;
        }
        match row.team.strip_prefix("baseline-") {
            Some(n) if n == Baseline::Reference.name() => RowKind::Ceiling,
            Some(n) if n == Baseline::Poisson.name() => RowKind::Null,
            _ => RowKind::Baseline,
        }
    }

    /// The CSS class and the label shown beside the team.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            RowKind::Team => ("team", ""),
            RowKind::Baseline => ("baseline", "baseline"),
            RowKind::Ceiling => ("ceiling", "ceiling (reference)"),
            RowKind::Null => ("null", "null"),
        }
    }
}

/// One team's line in the history plot: (hours since the challenge was created, primary).
pub struct Series {
    /// Team.
    pub team: String,
    /// Points in time order.
    pub points: Vec<(f64, f64)>,
}

/// A challenge page's content.
pub struct Shown {
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Its description, licence and citation (public fields of the manifest).
    pub description: String,
    /// Licence of the data.
    pub license: String,
    /// How to cite it.
    pub citation: String,
    /// The board exactly as `arena leaderboard` receives it.
    pub board: pb::LeaderboardResponse,
    /// Each row's rank range ([`rank_ranges`]).
    pub ranges: Vec<(u32, u32)>,
    /// The plotted teams' scores over time.
    pub history: Vec<Series>,
}

/// The content of the page of challenge `id`.
///
/// # Errors
/// NOT_FOUND, or a store error.
pub async fn shown(service: &ArenaService, id: &str) -> Result<Shown, ApiError> {
    let challenge = service.challenge(id).await?;
    let manifest = challenge.manifest()?;
    let (board, entries) = service.board_and_entries(challenge.clone()).await?;
    let step = board.ladder_step;
    let part = board.part;
    let board: pb::LeaderboardResponse = board.into();
    Ok(Shown {
        ranges: ranges(&board),
        history: history(&challenge.created_at, &board, entries, part, step),
        description: manifest.description,
        license: manifest.license,
        citation: manifest.citation,
        challenge,
        board,
    })
}

/// The rank ranges of a board ([`rank_ranges`]): rows tie when their primaries' 95 %
/// intervals overlap. Where the board shows no interval (the Ladder's public board, whose
/// exact scores stay hidden) each primary is its own point, so rows tie when their displayed
/// primaries are equal: the Ladder's rounding to its step is what it says can be told apart.
pub fn ranges(board: &pb::LeaderboardResponse) -> Vec<(u32, u32)> {
    let intervals: Vec<Option<(f64, f64)>> = board
        .rows
        .iter()
        .map(|r| match (r.primary_ci_low, r.primary_ci_high) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => r.primary.map(|p| (p, p)),
        })
        .collect();
    rank_ranges(&intervals)
}

/// Hours from `from` to `at` (both RFC 3339; 0 if either does not parse).
fn hours_between(from: &str, at: &str) -> f64 {
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
    match (parse(from), parse(at)) {
        (Ok(a), Ok(b)) => (b - a).num_milliseconds() as f64 / 3.6e6,
        _ => 0.0,
    }
}

/// The scores over time of the board's top [`MAX_PLOTTED_TEAMS`] teams, in board order. Open
/// board: every release of each team's Ladder ([`ladder_history`]), the values the board
/// showed and nothing more. Closed board: the private primary of every scored submission.
pub fn history(
    created_at: &str,
    board: &pb::LeaderboardResponse,
    entries: Vec<Entry>,
    part: Part,
    step: f64,
) -> Vec<Series> {
    let mut teams: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for e in entries {
        teams.entry(e.team.clone()).or_default().push(e);
    }
    board
        .rows
        .iter()
        .take(MAX_PLOTTED_TEAMS)
        .filter_map(|row| {
            let mut team = teams.remove(&row.team)?;
            team.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            let at = |e: &Entry| hours_between(created_at, &e.created_at);
            let points = match part {
                Part::Public => ladder_history(&team, step)
                    .into_iter()
                    .map(|(v, e)| (at(e), v))
                    .collect(),
                Part::Private => team
                    .iter()
                    .filter_map(|e| e.primary().map(|v| (at(e), v)))
                    .collect(),
            };
            Some(Series {
                team: row.team.clone(),
                points,
            })
        })
        .collect()
}

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 16] = [
    "rank",
    "team",
    "model",
    "is_baseline",
    "primary",
    "md_star",
    "gamma_over_r",
    "primary_clustered",
    "primary_dispersed",
    "clustering_gap",
    "bits_per_spike",
    "n_submissions",
    "submitted_at",
    "submission_id",
    "selected",
    "part",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled;
/// a text starting with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet shows a team
/// named `=HYPERLINK(...)` as text instead of running it.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The board as CSV: a header of [`CSV_COLUMNS`], then one line per row in board order; an
/// undefined value is an empty field (its reason is in `board.json`'s notes).
pub fn csv(board: &pb::LeaderboardResponse) -> String {
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in &board.rows {
        let fields = [
            r.rank.to_string(),
            csv_field(&r.team),
            csv_field(&r.model),
            r.is_baseline.to_string(),
            num(r.primary),
            num(r.md_star),
            num(r.gamma_over_r),
            num(r.primary_clustered),
            num(r.primary_dispersed),
            num(r.clustering_gap),
            num(r.bits_per_spike),
            r.n_submissions.to_string(),
            csv_field(&r.submitted_at),
            csv_field(&r.submission_id),
            r.selected.to_string(),
            board.part.clone(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_challenge::board::NamedMetric;

    fn row(team: &str, primary: Option<f64>, ci: Option<(f64, f64)>) -> pb::LeaderboardRow {
        pb::LeaderboardRow {
            team: team.into(),
            primary,
            primary_ci_low: ci.map(|c| c.0),
            primary_ci_high: ci.map(|c| c.1),
            ..Default::default()
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("team-a"), "team-a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        let board = pb::LeaderboardResponse {
            part: "public".into(),
            rows: vec![row("=x,y", Some(0.5), None)],
            ..Default::default()
        };
        let text = csv(&board);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0].split(',').count(), CSV_COLUMNS.len());
        assert!(lines[1].starts_with("0,\"'=x,y\",,false,0.5,"), "{text}");
    }

    #[test]
    fn rank_ranges_use_intervals_where_the_board_has_them() {
        let with = pb::LeaderboardResponse {
            rows: vec![
                row("a", Some(0.8), Some((0.7, 0.9))),
                row("b", Some(0.6), Some((0.5, 0.75))),
                row("c", Some(0.2), Some((0.1, 0.3))),
            ],
            ..Default::default()
        };
        assert_eq!(ranges(&with), vec![(1, 2), (1, 2), (3, 3)]);
        // The Ladder's board has no intervals: equal displayed primaries tie, nothing else.
        let laddered = pb::LeaderboardResponse {
            rows: vec![
                row("a", Some(0.6), None),
                row("b", Some(0.6), None),
                row("c", Some(0.59), None),
                row("d", None, None),
            ],
            ..Default::default()
        };
        assert_eq!(ranges(&laddered), vec![(1, 2), (1, 2), (3, 3), (4, 4)]);
    }

    fn entry(team: &str, primary: f64, minute: u32) -> Entry {
        Entry {
            submission_id: format!("{team}-{minute}"),
            team: team.into(),
            model: "m".into(),
            is_baseline: false,
            created_at: format!("2026-01-01T01:{minute:02}:00Z"),
            scores: vec![NamedMetric {
                name: "primary".into(),
                value: Some(primary),
                note: String::new(),
            }],
            selected: false,
        }
    }

    #[test]
    fn the_open_history_shows_the_ladder_s_releases_of_the_top_teams_only() {
        let mut entries = vec![
            entry("a", 0.30, 0),
            entry("a", 0.305, 1), // not 0.01 better: no release
            entry("a", 0.40, 30),
        ];
        let mut rows = vec![row("a", Some(0.4), None)];
        for t in 0..MAX_PLOTTED_TEAMS + 5 {
            let team = format!("t{t:02}");
            entries.push(entry(&team, 0.1, 2));
            rows.push(row(&team, Some(0.1), None));
        }
        let board = pb::LeaderboardResponse {
            rows,
            ..Default::default()
        };
        let created = "2026-01-01T01:00:00Z";
        let open = history(created, &board, entries.clone(), Part::Public, 0.01);
        assert_eq!(open.len(), MAX_PLOTTED_TEAMS);
        assert_eq!(open[0].team, "a");
        assert_eq!(open[0].points, vec![(0.0, 0.3), (0.5, 0.4)]);
        // Closed: every submission's (private) primary.
        let closed = history(created, &board, entries, Part::Private, 0.01);
        assert_eq!(closed[0].points.len(), 3);
    }
}
