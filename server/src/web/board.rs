//! What the pages show, gathered from the service and the store: the challenge list, a board
//! with its rank ranges and its history, a submission's report, and the board as CSV.
//!
//! The board is always the gRPC `Leaderboard`'s own answer ([`ArenaService::board_and_entries`]
//! converted by the same `From<Board>`), so the page, `board.json`, `board.csv` and `arena
//! leaderboard` cannot disagree and the page can show nothing the CLI does not.

use std::collections::BTreeMap;

use arena_challenge::baselines::Baseline;
use arena_challenge::board::{Entry, ladder_history, rank_ranges};
use arena_challenge::evaluate::shapes;
use arena_challenge::predictions;
use arena_challenge_core::trial::Part;
use arena_proto::v1 as pb;
use arena_scoring::{Prediction, SpikeTrain};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::service::ArenaService;
use crate::store::{ChallengeRow, ChallengeStatus, SubmissionMode};

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
            submissions: counts.iter().map(|(_, n)| n).sum(),
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

/// The board of challenge `id` as the gRPC `Leaderboard` answers it.
///
/// # Errors
/// NOT_FOUND, or a store error.
pub async fn wire(service: &ArenaService, id: &str) -> Result<pb::LeaderboardResponse, ApiError> {
    let challenge = service.challenge(id).await?;
    Ok(service.board(challenge).await?.into())
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

/// A submission's report as anyone may read it.
pub struct Report {
    /// The submission as `GetSubmission` answers a reader who is not of its team
    /// ([`ArenaService::scores_view`]: private and per-trial scores only once the challenge is
    /// closed), less what stays with its team while the challenge is open: its final selection
    /// and the evaluation's seeds; the reason a scoring failed always stays with the team.
    pub submission: pb::Submission,
    /// A live evaluation (its trials were fresh).
    pub live: bool,
    /// Its challenge.
    pub challenge: ChallengeRow,
}

impl Report {
    /// Whether the challenge is closed.
    pub fn closed(&self) -> bool {
        self.challenge.status == ChallengeStatus::Closed
    }
}

/// The report of submission `id`.
///
/// # Errors
/// NOT_FOUND, or a store error.
pub async fn report(service: &ArenaService, id: &str) -> Result<Report, ApiError> {
    let row = service.submission(id).await?;
    let challenge = service.challenge(&row.challenge_id).await?;
    let closed = challenge.status == ChallengeStatus::Closed;
    let live = row.mode == SubmissionMode::Live;
    let mut submission: pb::Submission = service
        .scores_view(row, &challenge, closed, false)
        .await?
        .into();
    submission.error.clear();
    if !closed {
        submission.selected = false;
        if let Some(audit) = &mut submission.audit {
            audit.seeds_json.clear();
        }
    }
    Ok(Report {
        submission,
        live,
        challenge,
    })
}

/// Test trials drawn as rasters on a report ([`rasters`]).
pub const MAX_RASTER_TRIALS: usize = 3;
/// Repeats drawn per side (recorded, predicted) of a raster.
pub const MAX_RASTER_REPEATS: usize = 10;
/// The stretch of each trial drawn, seconds from its start.
pub const MAX_RASTER_S: f64 = 10.0;

/// One trial's raster: recorded repeats against predicted ones, spike times in seconds within
/// `[0, shown_s)`.
pub struct Raster {
    /// Trial id.
    pub trial_id: String,
    /// The stretch drawn, seconds.
    pub shown_s: f64,
    /// Recorded repeats (at most [`MAX_RASTER_REPEATS`]).
    pub recorded: Vec<Vec<f64>>,
    /// Predicted repeats (at most [`MAX_RASTER_REPEATS`]); empty for an intensity.
    pub predicted: Vec<Vec<f64>>,
}

impl Raster {
    /// Spikes drawn, both sides.
    pub fn spikes(&self) -> usize {
        self.recorded
            .iter()
            .chain(&self.predicted)
            .map(Vec::len)
            .sum()
    }
}

/// Rasters of the first [`MAX_RASTER_TRIALS`] test trials of a scored offline submission on a
/// closed challenge: its predicted spikes against the recorded responses, hidden until the
/// close. Empty while the challenge is open, for a live evaluation (its trials were fresh and
/// are not kept) and before scoring. The stored predictions are parsed again on the compute
/// pool, as the scoring queue parsed them.
///
/// # Errors
/// A store error, or stored data that no longer reads.
pub async fn rasters(service: &ArenaService, report: &Report) -> Result<Vec<Raster>, ApiError> {
    let s = &report.submission;
    let scored = s.status == pb::SubmissionStatus::Scored as i32;
    if !report.closed() || !scored || report.live {
        return Ok(Vec::new());
    }
    let Some(bytes) = service.store().predictions(&s.id).await? else {
        return Ok(Vec::new());
    };
    let hidden = crate::data::hidden_trials(service.store(), &report.challenge).await?;
    let dt_s = report.challenge.manifest()?.sampling.dt_s;
    let limits = service.limits();
    service
        .compute()
        .run(move || -> Result<Vec<Raster>, ApiError> {
            let predictions = predictions::parse(&bytes, &shapes(&hidden, dt_s), &limits)
                .map_err(ApiError::server_data("reading the stored predictions"))?;
            let within = |t: &SpikeTrain, end: f64| -> Vec<f64> {
                t.times().iter().copied().take_while(|&x| x < end).collect()
            };
            let rows = |trains: &[SpikeTrain], end: f64| -> Vec<Vec<f64>> {
                trains
                    .iter()
                    .take(MAX_RASTER_REPEATS)
                    .map(|x| within(x, end))
                    .collect()
            };
            Ok(hidden
                .iter()
                .take(MAX_RASTER_TRIALS)
                .map(|t| {
                    let shown_s = t.duration_s.min(MAX_RASTER_S);
                    Raster {
                        trial_id: t.id.clone(),
                        shown_s,
                        recorded: rows(&t.recorded, shown_s),
                        predicted: match predictions.trials.get(&t.id) {
                            Some(Prediction::Repeats(r)) => rows(r, shown_s),
                            _ => Vec::new(),
                        },
                    }
                })
                .collect())
        })
        .await?
}
