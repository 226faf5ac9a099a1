//! Every SQL statement of the server, and nothing else.
//!
//! Keeping SQL in one module is what lets the schema move to PostgreSQL later: the statements use
//! portable SQL (no SQLite-only functions; `RETURNING` and `INSERT ... ON CONFLICT` exist in both),
//! timestamps are RFC 3339 text, and ids are text. Queries are checked at run time (no `query!`
//! macros), so building needs no database. Whatever must happen together (a submission and its
//! job; a challenge and all its trials and files; an evaluation and the status change; an
//! organizer's action and its row of the organizer log) happens in one transaction, so a crash
//! never leaves half a record. The tokens' statements are in `store/tokens.rs`, the organizer
//! log's in `store/log.rs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use arena_challenge::audit::Mode;
use arena_challenge::board::NamedMetric;
use arena_challenge::families::GeneratedChallenge;
use arena_challenge::families::Manifest;
use arena_challenge::families::dendritic::EffectReport;
use arena_challenge_core::manifest::ManifestError;
use arena_challenge_core::trial::{Condition, Part, Split};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, Row, SqlitePool};
use thiserror::Error;

/// Why the store failed. Every variant is the server's fault, never the caller's: the service
/// answers them as internal errors (see `crate::error`), so their text, which may name tables,
/// paths or stored values, stays in the server's log.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or failed a statement (also: a stored column that does not decode).
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value that the server wrote itself does not read back.
    #[error("stored {what} is unreadable: {problem}")]
    Unreadable {
        /// Which value, e.g. `manifest of challenge "x"`.
        what: String,
        /// The parser's message.
        problem: String,
    },
    /// A row that another stored row refers to is gone.
    #[error("{0} vanished")]
    Vanished(String),
    /// The database file could not be created or restricted to its owner.
    #[error("database file: {0}")]
    File(std::io::Error),
}

impl StoreError {
    /// A stored value that does not read back.
    pub fn unreadable(what: impl Into<String>, problem: impl std::fmt::Display) -> StoreError {
        StoreError::Unreadable {
            what: what.into(),
            problem: problem.to_string(),
        }
    }
}

/// A stored state text that names no state: the database holds a value this server never
/// writes.
#[derive(Debug, Error)]
#[error("stored {state} {text:?} is not one this server writes")]
pub struct UnknownState {
    /// The state's type.
    pub state: &'static str,
    /// The stored text.
    pub text: String,
}

/// Declares a state that the database stores as text, parsed where rows are read
/// (`#[sqlx(try_from = "String")]`), so that no code outside this module compares state text.
macro_rules! stored_state {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// The stored text (also the text on the wire where a message carries it as a
            /// string).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownState;

            fn try_from(text: String) -> Result<$name, UnknownState> {
                match text.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownState { state: stringify!($name), text }),
                }
            }
        }
    };
}

stored_state! {
    /// Whether a challenge takes submissions.
    ChallengeStatus {
        /// Takes submissions; boards show public scores.
        Open = "open",
        /// Final: no submissions, the private board is shown.
        Closed = "closed",
    }
}

stored_state! {
    /// Where a submission is in the scoring queue.
    SubmissionStatus {
        /// Stored, waiting for a worker.
        Queued = "queued",
        /// A worker is scoring it.
        Scoring = "scoring",
        /// Scored (a rescore leaves it so while it runs).
        Scored = "scored",
        /// Scoring failed; `error` says why.
        Failed = "failed",
    }
}

stored_state! {
    /// How a submission reached the server.
    SubmissionMode {
        /// An uploaded predictions file.
        Offline = "offline",
        /// A live evaluation's answers, stored when it was scored.
        Live = "live",
    }
}

pub mod log;
mod tokens;

pub use log::{Actor, LogAction, LogEntry, LogRow};
pub use tokens::{MAX_LISTED_TOKENS, NewToken, TokenRow};
impl SubmissionMode {
    /// The mode as the scoring policy names it (a live evaluation's private scores are its
    /// public ones).
    pub fn audit(self) -> Mode {
        match self {
            SubmissionMode::Offline => Mode::Offline,
            SubmissionMode::Live => Mode::Live,
        }
    }
}

/// The migrations in `migrations/`, embedded at compile time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The server's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// A stored challenge.
#[derive(Clone, Debug, FromRow)]
pub struct ChallengeRow {
    /// Challenge id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Family.
    pub kind: String,
    /// Whether it takes submissions.
    #[sqlx(try_from = "String")]
    pub status: ChallengeStatus,
    /// Incremented by rescoring-relevant changes.
    pub version: i64,
    /// The organizer's manifest text (generator included).
    pub manifest_toml: String,
    /// The manifest served to contestants (its public view), fixed at creation.
    pub public_manifest_toml: String,
    /// Full dataset hash: the organizer's manifest and uploaded data files (organizers and
    /// auditors only).
    pub dataset_hash: String,
    /// Public dataset hash: the served manifest and every served file.
    pub public_dataset_hash: String,
    /// Generated files hash.
    pub trials_hash: String,
    /// Submissions per team per UTC day.
    pub daily_limit: i64,
    /// A benchmark whose test data is public elsewhere.
    pub public_benchmark: bool,
    /// The public spec as JSON ([`StoredSpec`]).
    pub spec_json: String,
    /// RFC 3339.
    pub created_at: String,
}

impl ChallengeRow {
    /// The organizer's manifest, parsed (it was checked at creation, so a failure is the
    /// store's).
    ///
    /// # Errors
    /// [`StoreError::Unreadable`] if the stored text no longer parses.
    pub fn manifest(&self) -> Result<Manifest, StoreError> {
        Manifest::parse(&self.manifest_toml).map_err(|e: ManifestError| {
            StoreError::unreadable(format!("manifest of challenge {:?}", self.id), e)
        })
    }

    /// The public fields the manifest does not carry in a fixed place.
    ///
    /// # Errors
    /// [`StoreError::Unreadable`] if the stored JSON does not read back.
    pub fn spec(&self) -> Result<StoredSpec, StoreError> {
        serde_json::from_str(&self.spec_json)
            .map_err(|e| StoreError::unreadable(format!("spec of challenge {:?}", self.id), e))
    }
}

/// The public fields of a challenge that the manifest does not carry in a fixed place, stored
/// as JSON beside it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredSpec {
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// Free text.
    pub description: String,
    /// Data license.
    pub license: String,
    /// How to cite the data.
    pub citation: String,
    /// Intrinsic reliability of the training responses (public).
    #[serde(default)]
    pub train_intrinsic_reliability: Option<f64>,
}

impl StoredSpec {
    /// The spec of a challenge being created.
    pub fn of(manifest: &Manifest, generated: &GeneratedChallenge) -> StoredSpec {
        StoredSpec {
            dt_s: manifest.sampling.dt_s,
            description: manifest.description.clone(),
            license: manifest.license.clone(),
            citation: manifest.citation.clone(),
            train_intrinsic_reliability: generated.train_reliability,
        }
    }

    /// The JSON [`NewChallenge::spec_json`] stores.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings and numbers serialises")
    }
}

/// Named scores from their stored JSON; `what` names the value in the error.
///
/// # Errors
/// [`StoreError::Unreadable`] if the JSON is not a list of named scores.
pub fn metrics(json: &str, what: impl FnOnce() -> String) -> Result<Vec<NamedMetric>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::unreadable(what(), e))
}

/// A stored trial.
#[derive(Clone, Debug)]
pub struct TrialRow {
    /// Trial id.
    pub trial_id: String,
    /// Training or test.
    pub split: Split,
    /// The whole-trial part of a test trial stored before segments existed.
    pub part: Option<Part>,
    /// Seconds.
    pub duration_s: f64,
    /// Repeats.
    pub n_repeats: i64,
    /// Role → public file name.
    pub files: BTreeMap<String, String>,
    /// The condition of a test trial in a paired design, if any.
    pub condition: Option<Condition>,
    /// Test trials: the segments and their parts, JSON (hidden); `None` for trials stored
    /// before segments existed, whose whole-trial `part` applies.
    pub segments_json: Option<String>,
}

impl<'r> FromRow<'r, SqliteRow> for TrialRow {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<TrialRow> {
        let files: String = row.try_get("files_json")?;
        Ok(TrialRow {
            trial_id: row.try_get("trial_id")?,
            split: parsed(row, "split", Split::parse)?,
            part: parsed_optional(row, "part", Part::parse)?,
            duration_s: row.try_get("duration_s")?,
            n_repeats: row.try_get("n_repeats")?,
            files: serde_json::from_str(&files).map_err(|e| column_error("files_json", e))?,
            condition: parsed_optional(row, "condition", Condition::parse)?,
            segments_json: row.try_get("segments_json")?,
        })
    }
}

/// A text column holding a domain state of `arena-challenge` (which knows no SQL).
fn parsed<T>(row: &SqliteRow, column: &str, parse: fn(&str) -> Option<T>) -> sqlx::Result<T> {
    parse_text(column, row.try_get(column)?, parse)
}

/// [`parsed`] for a nullable column.
fn parsed_optional<T>(
    row: &SqliteRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> sqlx::Result<Option<T>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| parse_text(column, text, parse)).transpose()
}

fn parse_text<T>(column: &str, text: String, parse: fn(&str) -> Option<T>) -> sqlx::Result<T> {
    parse(&text).ok_or_else(|| column_error(column, format!("{text:?} is not a known value")))
}

fn column_error(column: &str, problem: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: problem.to_string().into(),
    }
}

/// Name, hash and size of a stored file.
#[derive(Clone, Debug, FromRow)]
pub struct FileMeta {
    /// File name.
    pub name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
}

/// A stored submission.
#[derive(Clone, Debug, FromRow)]
pub struct SubmissionRow {
    /// Submission id.
    pub id: String,
    /// Challenge id.
    pub challenge_id: String,
    /// Team.
    pub team: String,
    /// Model label.
    pub model_name: String,
    /// Submitted by a baseline team.
    pub is_baseline: bool,
    /// SHA-256 of the predictions file.
    pub sha256: String,
    /// Where it is in the scoring queue.
    #[sqlx(try_from = "String")]
    pub status: SubmissionStatus,
    /// Why scoring failed.
    pub error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// How it reached the server.
    #[sqlx(try_from = "String")]
    pub mode: SubmissionMode,
}

/// A stored evaluation.
#[derive(Clone, Debug, FromRow)]
pub struct EvaluationRow {
    /// Row id.
    pub id: i64,
    /// Submission id.
    pub submission_id: String,
    /// Metric definitions version.
    pub metrics_version: String,
    /// Scoring crate version.
    pub scoring_library_version: String,
    /// Metric parameters, JSON.
    pub params_json: String,
    /// Full dataset hash at scoring time (organizers and auditors only).
    pub dataset_hash: String,
    /// Public dataset hash at scoring time.
    pub public_dataset_hash: String,
    /// Trials hash at scoring time.
    pub trials_hash: String,
    /// Challenge version at scoring time.
    pub challenge_version: i64,
    /// Named public scores, JSON.
    pub public_scores_json: String,
    /// Named private scores, JSON.
    pub private_scores_json: String,
    /// RFC 3339.
    pub created_at: String,
    /// Seeds of the scored trials, JSON.
    pub seeds_json: String,
}

/// Per-trial scores of an evaluation.
#[derive(Clone, Debug, FromRow)]
pub struct TrialScoreRow {
    /// Trial id.
    pub trial_id: String,
    /// Named scores, JSON.
    pub scores_json: String,
}

/// A scored submission as the leaderboard ranks it: the primary of the board's part, not the
/// whole score list (read for the shown rows only, [`Store::board_scores`]).
#[derive(Clone, Debug, FromRow)]
pub struct BoardEntryRow {
    /// Submission id.
    pub submission_id: String,
    /// Team.
    pub team: String,
    /// Model label.
    pub model_name: String,
    /// Baseline team.
    pub is_baseline: bool,
    /// RFC 3339.
    pub created_at: String,
    /// The latest evaluation under the board's metrics version.
    pub evaluation_id: i64,
    /// The primary of the board's part; `None` when undefined.
    pub primary: Option<f64>,
    /// Selected by its team for the final ranking.
    pub selected: bool,
}

/// A new challenge with everything generated for it.
pub struct NewChallenge<'a> {
    /// Challenge id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Family.
    pub kind: &'a str,
    /// Ground-truth source.
    pub source: &'a str,
    /// The organizer's manifest text.
    pub manifest_toml: &'a str,
    /// The manifest served to contestants.
    pub public_manifest_toml: &'a str,
    /// Full dataset hash.
    pub dataset_hash: &'a str,
    /// Public dataset hash.
    pub public_dataset_hash: &'a str,
    /// Trials hash.
    pub trials_hash: &'a str,
    /// Hidden seed (never served).
    pub hidden_seed: u64,
    /// Submissions per team per UTC day.
    pub daily_limit: u32,
    /// Benchmark flag.
    pub public_benchmark: bool,
    /// Public spec, JSON.
    pub spec_json: &'a str,
    /// Creating token.
    pub created_by: i64,
    /// RFC 3339.
    pub created_at: &'a str,
    /// Uploaded data files: (name, sha256, bytes).
    pub dataset_files: &'a [(String, String, Vec<u8>)],
    /// Recorded challenges: the hidden response files (name, SHA-256, bytes), never served.
    pub hidden_files: &'a [(String, String, Vec<u8>)],
    /// The generated trials and files.
    pub generated: &'a GeneratedChallenge,
}

/// A new submission.
pub struct NewSubmission<'a> {
    /// Submission id.
    pub id: &'a str,
    /// Challenge id.
    pub challenge_id: &'a str,
    /// Submitting token.
    pub token_id: i64,
    /// Team.
    pub team: &'a str,
    /// Model label.
    pub model_name: &'a str,
    /// Baseline team.
    pub is_baseline: bool,
    /// Idempotency key, if any.
    pub idempotency_key: Option<&'a str>,
    /// SHA-256 of `predictions`.
    pub sha256: &'a str,
    /// The predictions file.
    pub predictions: &'a [u8],
    /// RFC 3339 now.
    pub created_at: &'a str,
}

/// A live evaluation being started.
pub struct NewLive<'a> {
    /// Evaluation id.
    pub id: &'a str,
    /// Challenge id.
    pub challenge_id: &'a str,
    /// Token of the team.
    pub token_id: i64,
    /// Team.
    pub team: &'a str,
    /// Model label.
    pub model_name: &'a str,
    /// The fresh hidden seed.
    pub seed: u64,
    /// RFC 3339.
    pub started_at: &'a str,
}

/// What happened to a live evaluation's start.
#[derive(Debug, PartialEq, Eq)]
pub enum LiveStarted {
    /// Recorded as running: it holds one of the team's daily submissions.
    Started,
    /// The team has used its daily limit.
    LimitReached,
    /// The team has this many live evaluations running on the challenge, the most it may.
    TooMany(i64),
}

/// What happened to a selection.
#[derive(Debug)]
pub enum Selected {
    /// Done: the team's selected submissions now.
    Done(Vec<String>),
    /// The team already has as many selections as the rules allow: those.
    LimitReached(Vec<String>),
}

/// What happened to a submission insert.
#[derive(Debug)]
pub enum Inserted {
    /// Stored with its job.
    New,
    /// The idempotency key was used before: the earlier submission.
    Existing(Box<SubmissionRow>),
    /// The team has used its daily limit.
    LimitReached,
}

/// A finished scoring, ready to store.
pub struct NewEvaluation<'a> {
    /// Submission id.
    pub submission_id: &'a str,
    /// Metric definitions version.
    pub metrics_version: &'a str,
    /// Scoring crate version.
    pub scoring_library_version: &'a str,
    /// Metric parameters, JSON.
    pub params_json: &'a str,
    /// Full dataset hash.
    pub dataset_hash: &'a str,
    /// Public dataset hash.
    pub public_dataset_hash: &'a str,
    /// Trials hash.
    pub trials_hash: &'a str,
    /// Challenge version.
    pub challenge_version: i64,
    /// SHA-256 of the scored file.
    pub submission_sha256: &'a str,
    /// Named public scores, JSON.
    pub public_scores_json: &'a str,
    /// Named private scores, JSON.
    pub private_scores_json: &'a str,
    /// RFC 3339.
    pub created_at: &'a str,
    /// Seeds that generated the scored trials, JSON (`{}` for offline submissions).
    pub seeds_json: &'a str,
    /// (trial id, named scores JSON) of every whole trial.
    pub trials: Vec<(String, String)>,
}

/// The submissions a team has used on a challenge in the UTC day starting at `day_start` (RFC
/// 3339): its submissions (offline, and live ones scored) made since, its live evaluations
/// running, and those started since that failed through its own fault. The one count of the
/// daily limit, for offline submissions and live starts alike.
async fn used_today(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    challenge_id: &str,
    team: &str,
    day_start: &str,
) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM submissions
                 WHERE challenge_id = ?1 AND team = ?2 AND created_at >= ?3)
              + (SELECT COUNT(*) FROM live_evaluations
                 WHERE challenge_id = ?1 AND team = ?2
                   AND (status = 'running' OR (status = 'failed' AND charged = 1 AND started_at >= ?3)))",
    )
    .bind(challenge_id)
    .bind(team)
    .bind(day_start)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Creates `path` with mode 0600 if it is missing, and restricts it to 0600 if it exists.
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != 0o600 {
        tracing::info!(db = %path.display(), mode = format!("{mode:o}"), "database restricted to mode 600");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

const SUBMISSION_COLUMNS: &str =
    "id, challenge_id, team, model_name, is_baseline, sha256, status, error, created_at, mode";

impl Store {
    /// Opens (creating if missing) the SQLite file at `path` in WAL mode and applies migrations.
    /// The file is readable by its owner only (mode 0600, tightened if it was wider): it holds
    /// hidden responses and seeds. SQLite gives the `-wal` and `-shm` files the database file's
    /// mode.
    ///
    /// # Errors
    /// If the file cannot be created, restricted or opened, or a migration fails.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        owner_only(path).map_err(StoreError::File)?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool })
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether a challenge id is taken.
    pub async fn challenge_exists(&self, id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT id FROM challenges WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Closes an open challenge and appends `log` in one transaction; `false` (nothing stored)
    /// when it was not open (already closed or missing).
    pub async fn close_challenge(&self, id: &str, log: &LogEntry<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done =
            sqlx::query("UPDATE challenges SET status = 'closed' WHERE id = ? AND status = 'open'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        log::append(&mut tx, log).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores a challenge with its files, its trials and the generator's clustering check
    /// (`generated.report`, dendritic challenges only) in one transaction; `false` (nothing
    /// stored) if the id was taken meanwhile, e.g. by a concurrent create with the same id
    /// (the caller's check that it is free ran before generation). `log` is appended in the
    /// same transaction.
    ///
    /// # Errors
    /// [`sqlx::Error::Encode`] if the clustering check cannot be written as JSON; any other
    /// database error. Nothing is stored then.
    pub async fn insert_challenge(
        &self,
        c: &NewChallenge<'_>,
        log: &LogEntry<'_>,
    ) -> Result<bool, StoreError> {
        let effect_json = c.generated.report.as_ref().map(encode_effect).transpose()?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let inserted = sqlx::query(
            "INSERT INTO challenges (id, title, kind, source, manifest_toml, public_manifest_toml,
                 dataset_hash, public_dataset_hash, trials_hash, hidden_seed, daily_limit,
                 public_benchmark, spec_json, created_by, created_at, clustering_effect_json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(c.id)
        .bind(c.title)
        .bind(c.kind)
        .bind(c.source)
        .bind(c.manifest_toml)
        .bind(c.public_manifest_toml)
        .bind(c.dataset_hash)
        .bind(c.public_dataset_hash)
        .bind(c.trials_hash)
        .bind(c.hidden_seed.to_string())
        .bind(c.daily_limit as i64)
        .bind(c.public_benchmark)
        .bind(c.spec_json)
        .bind(c.created_by)
        .bind(c.created_at)
        .bind(effect_json)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(false),
            other => other?,
        };
        let uploaded = c
            .dataset_files
            .iter()
            .map(|f| (f, false))
            .chain(c.hidden_files.iter().map(|f| (f, true)));
        for ((name, sha256, data), hidden) in uploaded {
            sqlx::query(
                "INSERT INTO dataset_files (challenge_id, name, sha256, size, data, hidden) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(name)
            .bind(sha256)
            .bind(data.len() as i64)
            .bind(data.as_slice())
            .bind(hidden)
            .execute(&mut *tx)
            .await?;
        }
        for f in &c.generated.files {
            sqlx::query(
                "INSERT INTO challenge_files (challenge_id, name, visibility, sha256, data) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(&f.name)
            .bind(f.visibility.as_str())
            .bind(&f.sha256)
            .bind(f.bytes.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        for t in &c.generated.trials {
            let files_json = serde_json::to_string(&t.files).expect("a string map serialises");
            let segments_json = (!t.segments.is_empty())
                .then(|| serde_json::to_string(&t.segments).expect("segments serialise"));
            sqlx::query(
                "INSERT INTO trials (challenge_id, trial_id, ordinal, split, duration_s, n_repeats, files_json, condition, segments_json)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(&t.id)
            .bind(t.ordinal as i64)
            .bind(t.split.as_str())
            .bind(t.duration_s)
            .bind(t.n_repeats as i64)
            .bind(files_json)
            .bind(t.condition.map(|c| c.as_str()))
            .bind(segments_json)
            .execute(&mut *tx)
            .await?;
        }
        log::append(&mut tx, log).await?;
        tx.commit().await?;
        Ok(true)
    }

    const CHALLENGE_COLUMNS: &'static str =
        "id, title, kind, status, version, manifest_toml, public_manifest_toml, dataset_hash,
         public_dataset_hash, trials_hash, daily_limit, public_benchmark, spec_json, created_at";

    /// Every challenge, oldest first.
    pub async fn list_challenges(&self) -> Result<Vec<ChallengeRow>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM challenges ORDER BY created_at, id",
            Self::CHALLENGE_COLUMNS
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    /// One challenge.
    pub async fn challenge(&self, id: &str) -> Result<Option<ChallengeRow>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM challenges WHERE id = ?",
            Self::CHALLENGE_COLUMNS
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The generator's clustering check of a challenge, as stored at creation: `None` for a
    /// challenge that has none (every family but dendritic-input) or does not exist.
    ///
    /// Hidden data (pooled spike counts of the hidden test trials): for organizers and auditors
    /// only, which is why it is not one of the challenge columns.
    ///
    /// # Errors
    /// [`StoreError::Unreadable`] if the stored JSON is not an [`EffectReport`]; any database
    /// error.
    pub async fn clustering_effect(
        &self,
        challenge_id: &str,
    ) -> Result<Option<EffectReport>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT clustering_effect_json FROM challenges WHERE id = ?")
                .bind(challenge_id)
                .fetch_optional(&self.pool)
                .await?;
        row.and_then(|(json,)| json)
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    StoreError::unreadable(
                        format!("clustering check of challenge {challenge_id:?}"),
                        e,
                    )
                })
            })
            .transpose()
    }

    /// A challenge's trials in order.
    pub async fn trials(&self, challenge_id: &str) -> Result<Vec<TrialRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT trial_id, split, part, duration_s, n_repeats, files_json, condition, segments_json
             FROM trials WHERE challenge_id = ? ORDER BY ordinal",
        )
        .bind(challenge_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Name, hash and size of a challenge's public files, by name.
    pub async fn public_files(&self, challenge_id: &str) -> Result<Vec<FileMeta>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, sha256, length(data) AS size FROM challenge_files
             WHERE challenge_id = ? AND visibility = 'public' ORDER BY name",
        )
        .bind(challenge_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The bytes of an uploaded data file (one the manifest's `files` names; hidden recordings
    /// are not among them): what the server rebuilds a hidden generator from, never served.
    pub async fn data_file(
        &self,
        challenge_id: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> = sqlx::query_as(
            "SELECT data FROM dataset_files WHERE challenge_id = ? AND name = ? AND hidden = 0",
        )
        .bind(challenge_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    /// The bytes of a generated file of the given visibility.
    pub async fn file(
        &self,
        challenge_id: &str,
        name: &str,
        visibility: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> = sqlx::query_as(
            "SELECT data FROM challenge_files WHERE challenge_id = ? AND name = ? AND visibility = ?",
        )
        .bind(challenge_id)
        .bind(name)
        .bind(visibility)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    /// Stores a submission and its scoring job in one transaction, unless the idempotency key was
    /// used before or the team has reached its daily limit. The transaction starts with a write
    /// lock (`BEGIN IMMEDIATE`) so two concurrent uploads cannot both take the last slot. A new
    /// submission made through an organizer's path (a baseline) appends `log` with it.
    pub async fn insert_submission(
        &self,
        s: &NewSubmission<'_>,
        day_start: &str,
        daily_limit: i64,
        log: Option<&LogEntry<'_>>,
    ) -> Result<Inserted, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(key) = s.idempotency_key {
            let existing: Option<SubmissionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE challenge_id = ? AND team = ? AND idempotency_key = ?"
            )))
            .bind(s.challenge_id)
            .bind(s.team)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                return Ok(Inserted::Existing(Box::new(row)));
            }
        }
        if used_today(&mut tx, s.challenge_id, s.team, day_start).await? >= daily_limit {
            return Ok(Inserted::LimitReached);
        }
        sqlx::query(
            "INSERT INTO submissions (id, challenge_id, token_id, team, model_name, is_baseline, idempotency_key,
                 sha256, predictions, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
        )
        .bind(s.id)
        .bind(s.challenge_id)
        .bind(s.token_id)
        .bind(s.team)
        .bind(s.model_name)
        .bind(s.is_baseline)
        .bind(s.idempotency_key)
        .bind(s.sha256)
        .bind(s.predictions)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO jobs (submission_id, state, created_at) VALUES (?, 'queued', ?)")
            .bind(s.id)
            .bind(s.created_at)
            .execute(&mut *tx)
            .await?;
        if let Some(log) = log {
            log::append(&mut tx, log).await?;
        }
        tx.commit().await?;
        Ok(Inserted::New)
    }

    /// One submission (without its predictions).
    pub async fn submission(&self, id: &str) -> Result<Option<SubmissionRow>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Whether a submission is one of its team's final selections.
    pub async fn is_selected(&self, submission_id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT submission_id FROM final_selections WHERE submission_id = ?")
                .bind(submission_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// The predictions file of a submission.
    pub async fn predictions(&self, submission_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT predictions FROM submissions WHERE id = ?")
                .bind(submission_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(p,)| p))
    }

    /// Puts jobs that a stopped server left running back in the queue; returns how many.
    pub async fn requeue_running_jobs(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE submissions SET status = 'queued'
             WHERE status = 'scoring' AND id IN (SELECT submission_id FROM jobs WHERE state = 'running')",
        )
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', claimed_at = NULL WHERE state = 'running'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Claims the oldest queued job: (job id, submission id). One UPDATE, so two workers never
    /// claim the same job.
    pub async fn claim_job(&self, now: &str) -> Result<Option<(i64, String)>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let claimed: Option<(i64, String)> = sqlx::query_as(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, claimed_at = ?
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1)
             RETURNING id, submission_id",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((_, submission_id)) = &claimed {
            // A rescore leaves a scored submission on the board while it runs.
            sqlx::query(
                "UPDATE submissions SET status = 'scoring' WHERE id = ? AND status = 'queued'",
            )
            .bind(submission_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Stores an evaluation, marks the submission scored and the job done, in one transaction.
    pub async fn finish_job(&self, job_id: i64, e: &NewEvaluation<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_evaluation(&mut tx, e).await?;
        sqlx::query("UPDATE submissions SET status = 'scored', error = NULL WHERE id = ?")
            .bind(e.submission_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE jobs SET state = 'done' WHERE id = ?")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    /// Records the start of a live evaluation, which takes one of the team's submissions for
    /// the UTC day starting at `day_start`, unless the team has used `daily_limit` of them or
    /// has `max_running` live evaluations running on the challenge. One write transaction
    /// (`BEGIN IMMEDIATE`), as for offline submissions, so concurrent starts cannot both take
    /// the last slot.
    pub async fn start_live(
        &self,
        l: &NewLive<'_>,
        day_start: &str,
        daily_limit: i64,
        max_running: i64,
    ) -> Result<LiveStarted, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if used_today(&mut tx, l.challenge_id, l.team, day_start).await? >= daily_limit {
            return Ok(LiveStarted::LimitReached);
        }
        let (running,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM live_evaluations
             WHERE challenge_id = ? AND team = ? AND status = 'running'",
        )
        .bind(l.challenge_id)
        .bind(l.team)
        .fetch_one(&mut *tx)
        .await?;
        if running >= max_running {
            return Ok(LiveStarted::TooMany(running));
        }
        sqlx::query(
            "INSERT INTO live_evaluations (id, challenge_id, token_id, team, model_name, seed, status, started_at)
             VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
        )
        .bind(l.id)
        .bind(l.challenge_id)
        .bind(l.token_id)
        .bind(l.team)
        .bind(l.model_name)
        .bind(l.seed.to_string())
        .bind(l.started_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LiveStarted::Started)
    }

    /// Ends a live evaluation without a score; `charged`: the failure was the team's, so the
    /// evaluation keeps its place in the daily limit (the server's failures give it back).
    pub async fn fail_live(
        &self,
        id: &str,
        reason: &str,
        charged: bool,
        finished_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE live_evaluations SET status = 'failed', reason = ?, charged = ?, finished_at = ?
             WHERE id = ?",
        )
        .bind(reason)
        .bind(charged)
        .bind(finished_at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends every live evaluation still `running`: called when the server starts, when no
    /// stream can be open, so each was left by a server that stopped (or was killed) while it
    /// ran and can never finish. The server's fault: each gives its daily submission back. Returns how many. One server owns a database file; servers
    /// sharing one would need an owner column to tell their sessions apart.
    pub async fn fail_abandoned_live(
        &self,
        reason: &str,
        finished_at: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE live_evaluations SET status = 'failed', reason = ?, charged = 0, finished_at = ?
             WHERE status = 'running'",
        )
        .bind(reason)
        .bind(finished_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores a scored live evaluation as a submission (mode `live`) with its evaluation, in one
    /// transaction with the end of the live record.
    pub async fn finish_live(
        &self,
        live_id: &str,
        s: &NewSubmission<'_>,
        e: &NewEvaluation<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO submissions (id, challenge_id, token_id, team, model_name, is_baseline, idempotency_key,
                 sha256, predictions, status, created_at, mode)
             VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, 'scored', ?, 'live')",
        )
        .bind(s.id)
        .bind(s.challenge_id)
        .bind(s.token_id)
        .bind(s.team)
        .bind(s.model_name)
        .bind(s.is_baseline)
        .bind(s.sha256)
        .bind(s.predictions)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await?;
        insert_evaluation(&mut tx, e).await?;
        sqlx::query("UPDATE live_evaluations SET status = 'scored', submission_id = ?, finished_at = ? WHERE id = ?")
            .bind(s.id)
            .bind(e.created_at)
            .bind(live_id)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    /// Marks a job and its submission failed with a reason.
    pub async fn fail_job(
        &self,
        job_id: i64,
        submission_id: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // A failed rescore keeps the submission scored under its earlier version.
        sqlx::query("UPDATE submissions SET status = 'failed', error = ? WHERE id = ? AND status != 'scored'")
            .bind(error)
            .bind(submission_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE jobs SET state = 'failed' WHERE id = ?")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    /// The latest evaluation of a submission.
    pub async fn latest_evaluation(
        &self,
        submission_id: &str,
    ) -> Result<Option<EvaluationRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, submission_id, metrics_version, scoring_library_version, params_json, dataset_hash,
                    public_dataset_hash, trials_hash, challenge_version, public_scores_json,
                    private_scores_json, created_at, seeds_json
             FROM evaluations WHERE submission_id = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(submission_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every per-trial score row of an evaluation, by trial id, including a
    /// live evaluation's fresh trials (which [`Store::trial_scores`] leaves out: they are not
    /// trials of the challenge).
    pub async fn evaluation_trial_scores(
        &self,
        evaluation_id: i64,
    ) -> Result<Vec<TrialScoreRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT trial_id, scores_json FROM trial_scores WHERE evaluation_id = ? ORDER BY trial_id",
        )
        .bind(evaluation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The per-trial scores of an evaluation, in trial order.
    pub async fn trial_scores(&self, evaluation_id: i64) -> Result<Vec<TrialScoreRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT s.trial_id, s.scores_json FROM trial_scores s
             JOIN evaluations e ON e.id = s.evaluation_id
             JOIN submissions b ON b.id = e.submission_id
             JOIN trials t ON t.challenge_id = b.challenge_id AND t.trial_id = s.trial_id
             WHERE s.evaluation_id = ? ORDER BY t.ordinal",
        )
        .bind(evaluation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every scored submission of a challenge with the primary of `part` of its latest
    /// evaluation under `metrics_version` (submissions not yet scored under it are left out),
    /// in submission order: what a board ranks. The primaries are the columns that migration
    /// 0012's triggers derive from the stored lists; the query is answered from that
    /// migration's indexes alone, without visiting a submission or evaluation row.
    pub async fn board_entries(
        &self,
        challenge_id: &str,
        metrics_version: &str,
        part: Part,
    ) -> Result<Vec<BoardEntryRow>, StoreError> {
        // One statement per part; "no later evaluation" rather than "= MAX(id)" keeps the
        // planner on the covering index (the MAX form fetches each evaluation row by id).
        macro_rules! board_query {
            ($primary:literal) => {
                concat!(
                    "SELECT s.id AS submission_id, s.team, s.model_name, s.is_baseline, s.created_at,
                        e.id AS evaluation_id, ", $primary, " AS \"primary\",
                        EXISTS (SELECT 1 FROM final_selections f WHERE f.submission_id = s.id) AS selected
                     FROM submissions s
                     JOIN evaluations e ON e.submission_id = s.id AND e.metrics_version = ?1
                     WHERE s.challenge_id = ?2 AND s.status = 'scored'
                       AND NOT EXISTS (SELECT 1 FROM evaluations later
                                       WHERE later.submission_id = s.id
                                         AND later.metrics_version = ?1 AND later.id > e.id)
                     ORDER BY s.created_at, s.id"
                )
            };
        }
        let query = match part {
            Part::Public => board_query!("e.public_primary"),
            Part::Private => board_query!("e.private_primary"),
        };
        Ok(sqlx::query_as(query)
            .bind(metrics_version)
            .bind(challenge_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The whole score lists of `part` of the given evaluations, JSON, by evaluation id: the
    /// rows a board shows ([`Store::board_entries`] ranked them). One statement; the ids come
    /// from the server's own ranking (one per team on the board), not from a client.
    pub async fn board_scores(
        &self,
        evaluation_ids: &[i64],
        part: Part,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let ids = serde_json::to_string(evaluation_ids).expect("ids serialise");
        let query = match part {
            Part::Public => {
                "SELECT id, public_scores_json FROM evaluations
                 WHERE id IN (SELECT value FROM json_each(?))"
            }
            Part::Private => {
                "SELECT id, private_scores_json FROM evaluations
                 WHERE id IN (SELECT value FROM json_each(?))"
            }
        };
        Ok(sqlx::query_as(query)
            .bind(ids)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Queues a scoring job for every scored submission that has no evaluation under
    /// `metrics_version` and no job waiting: after a change of the metric definitions, every
    /// stored submission is scored again, its earlier evaluations kept. Returns how many.
    pub async fn enqueue_rescore(
        &self,
        metrics_version: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "INSERT INTO jobs (submission_id, state, created_at)
             SELECT s.id, 'queued', ? FROM submissions s
             WHERE s.status = 'scored'
               AND NOT EXISTS (SELECT 1 FROM evaluations e
                               WHERE e.submission_id = s.id AND e.metrics_version = ?)
               AND NOT EXISTS (SELECT 1 FROM jobs j
                               WHERE j.submission_id = s.id AND j.state IN ('queued', 'running'))
             ORDER BY s.created_at, s.id",
        )
        .bind(now)
        .bind(metrics_version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Marks (or, with `select` false, unmarks) a submission as one of its team's final
    /// selections, at most `limit` per team and challenge, in one write transaction.
    pub async fn select_submission(
        &self,
        challenge_id: &str,
        team: &str,
        submission_id: &str,
        select: bool,
        limit: i64,
        now: &str,
    ) -> Result<Selected, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if select {
            let (already,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM final_selections WHERE submission_id = ?")
                    .bind(submission_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if already == 0 {
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM final_selections WHERE challenge_id = ? AND team = ?",
                )
                .bind(challenge_id)
                .bind(team)
                .fetch_one(&mut *tx)
                .await?;
                if count >= limit {
                    return Ok(Selected::LimitReached(
                        selection_of(&mut tx, challenge_id, team).await?,
                    ));
                }
                sqlx::query(
                    "INSERT INTO final_selections (challenge_id, team, submission_id, selected_at)
                     VALUES (?, ?, ?, ?)",
                )
                .bind(challenge_id)
                .bind(team)
                .bind(submission_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        } else {
            sqlx::query("DELETE FROM final_selections WHERE submission_id = ?")
                .bind(submission_id)
                .execute(&mut *tx)
                .await?;
        }
        let list = selection_of(&mut tx, challenge_id, team).await?;
        tx.commit().await?;
        Ok(Selected::Done(list))
    }

    /// The version of a challenge's board: a number the database changes (by trigger,
    /// migration 0009) on every write that could change what the board shows, so an unchanged
    /// number means an unchanged board. `None` if there is no such challenge.
    pub async fn board_version(&self, challenge_id: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT version FROM board_versions WHERE challenge_id = ?")
                .bind(challenge_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Submissions per team on a challenge: (team, all statuses, scored).
    pub async fn submission_counts(
        &self,
        challenge_id: &str,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT team, COUNT(*), SUM(status = 'scored') FROM submissions WHERE challenge_id = ?
             GROUP BY team",
        )
        .bind(challenge_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The submissions a team selected on a challenge, in the order it selected them.
async fn selection_of(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    challenge_id: &str,
    team: &str,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT submission_id FROM final_selections WHERE challenge_id = ? AND team = ?
         ORDER BY selected_at, submission_id",
    )
    .bind(challenge_id)
    .bind(team)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The clustering check as stored: serde JSON, checked to read back.
///
/// serde_json writes a non-finite `f64` as `null`, which does not read back as a number; such a
/// report is refused here, at creation, rather than found unreadable at the first audit.
fn encode_effect(report: &EffectReport) -> Result<String, StoreError> {
    let json = serde_json::to_string(report).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    serde_json::from_str::<EffectReport>(&json).map_err(|e| {
        sqlx::Error::Encode(
            format!("clustering_effect: the report does not read back from JSON ({e})").into(),
        )
    })?;
    Ok(json)
}

/// Inserts an evaluation and its per-trial scores inside `tx`.
async fn insert_evaluation(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    e: &NewEvaluation<'_>,
) -> Result<i64, StoreError> {
    let (evaluation_id,): (i64,) = sqlx::query_as(
        "INSERT INTO evaluations (submission_id, metrics_version, scoring_library_version, params_json,
             dataset_hash, public_dataset_hash, trials_hash, challenge_version, submission_sha256,
             public_scores_json, private_scores_json, created_at, seeds_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(e.submission_id)
    .bind(e.metrics_version)
    .bind(e.scoring_library_version)
    .bind(e.params_json)
    .bind(e.dataset_hash)
    .bind(e.public_dataset_hash)
    .bind(e.trials_hash)
    .bind(e.challenge_version)
    .bind(e.submission_sha256)
    .bind(e.public_scores_json)
    .bind(e.private_scores_json)
    .bind(e.created_at)
    .bind(e.seeds_json)
    .fetch_one(&mut **tx)
    .await?;
    for (trial_id, scores_json) in &e.trials {
        sqlx::query(
            "INSERT INTO trial_scores (evaluation_id, trial_id, scores_json) VALUES (?, ?, ?)",
        )
        .bind(evaluation_id)
        .bind(trial_id)
        .bind(scores_json)
        .execute(&mut **tx)
        .await?;
    }
    Ok(evaluation_id)
}
