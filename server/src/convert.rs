//! The one boundary between wire messages and the server's values: every protobuf message the
//! server reads is checked into a value here (`TryFrom`, failing with an [`ApiError`] that names
//! the field), and every message it sends is built here (`From`), so handlers hold no message
//! layout and the `.proto` contract is read in one file.
//!
//! Domain types of `arena-challenge` and messages of `arena-proto` are both foreign to this
//! crate, so the orphan rule forbids `From<arena_challenge::X> for pb::Y`; [`Wire`] lends such
//! a value a local name (`pb::Split::from(Wire(split))`). Responses built from several values
//! take a small view struct defined beside their conversion.

use std::collections::HashMap;

use arena_challenge::baselines::Baseline;
use arena_challenge::board::{self, NamedMetric, Row};
use arena_challenge::evaluate::{PRIMARY_CI_HIGH, PRIMARY_CI_LOW};
use arena_challenge::families::dendritic::{EffectReport, effect::ControlEffect};
use arena_challenge::gauntlet;
use arena_challenge::live::{Chunk, LiveTrial, MAX_REPEATS};
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::text::name_problem;
use arena_challenge_core::trial::{Part, Split};
use arena_proto::v1 as pb;

use crate::MAX_TEAM_NAME;
use crate::error::ApiError;
use crate::store::log::{MAX_LOG_PAGE, reason_problem};
use crate::store::{
    ChallengeRow, EvaluationRow, FileMeta, LogRow, MAX_LISTED_TOKENS, StoredSpec, SubmissionRow,
    SubmissionStatus, TokenRow, TrialRow,
};

/// A domain value on its way to the wire (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Wire<T>(pub T);

/// The longest model label, characters.
const MAX_MODEL_NAME: usize = 100;
/// The longest idempotency key, characters.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// A model label, trimmed, of at most [`MAX_MODEL_NAME`] characters and no control character
/// ([`name_problem`]); `field` names it in the error.
fn model_name(field: &'static str, name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    match name_problem(name, MAX_MODEL_NAME) {
        Some(problem) => Err(ApiError::field(field, problem)),
        None => Ok(name.to_string()),
    }
}

// ---- states and scores

impl From<SubmissionStatus> for pb::SubmissionStatus {
    fn from(status: SubmissionStatus) -> pb::SubmissionStatus {
        match status {
            SubmissionStatus::Queued => pb::SubmissionStatus::Queued,
            SubmissionStatus::Scoring => pb::SubmissionStatus::Scoring,
            SubmissionStatus::Scored => pb::SubmissionStatus::Scored,
            SubmissionStatus::Failed => pb::SubmissionStatus::Failed,
        }
    }
}

impl From<Wire<Split>> for pb::Split {
    fn from(Wire(split): Wire<Split>) -> pb::Split {
        match split {
            Split::Train => pb::Split::Train,
            Split::Test => pb::Split::Test,
        }
    }
}

impl From<Wire<&NamedMetric>> for pb::MetricValue {
    fn from(Wire(m): Wire<&NamedMetric>) -> pb::MetricValue {
        pb::MetricValue {
            name: m.name.clone(),
            value: m.value,
            note: m.note.clone(),
            ci_low: None,
            ci_high: None,
        }
    }
}

/// Named scores as wire metrics.
pub fn metrics(list: &[NamedMetric]) -> Vec<pb::MetricValue> {
    list.iter().map(|m| Wire(m).into()).collect()
}

/// The generator's clustering check, for organizers and auditors only (it holds pooled spike
/// counts of the hidden test trials): in the create response and, from the store, in the
/// gauntlet.
impl From<Wire<&EffectReport>> for pb::ClusteringEffect {
    fn from(Wire(r): Wire<&EffectReport>) -> pb::ClusteringEffect {
        pb::ClusteringEffect {
            alpha: r.alpha,
            units: r.units as u32,
            clustered_spikes: r.clustered_spikes as u64,
            clustered_rate_hz: r.clustered_rate_hz,
            time_dispersed: Some(Wire(&r.time_dispersed).into()),
            space_scattered: Some(Wire(&r.space_scattered).into()),
        }
    }
}

impl From<Wire<&ControlEffect>> for pb::ControlComparison {
    fn from(Wire(c): Wire<&ControlEffect>) -> pb::ControlComparison {
        pb::ControlComparison {
            spikes: c.spikes as u64,
            rate_hz: c.rate_hz,
            mean_count_difference: c.mean_count_difference,
            wilcoxon_p: c.wilcoxon.p_value,
            sign_test_p: c.sign_test_p,
            gamma_vs_clustered: c.gamma_vs_clustered,
        }
    }
}

// ---- challenges

/// A challenge in the list, with its trials (counted per split).
pub struct Listed {
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Its trials.
    pub trials: Vec<TrialRow>,
}

impl From<Listed> for pb::ChallengeSummary {
    fn from(
        Listed {
            challenge: c,
            trials,
        }: Listed,
    ) -> pb::ChallengeSummary {
        let count = |s: Split| trials.iter().filter(|t| t.split == s).count() as u32;
        pb::ChallengeSummary {
            n_train_trials: count(Split::Train),
            n_test_trials: count(Split::Test),
            id: c.id,
            title: c.title,
            kind: c.kind,
            status: c.status.as_str().into(),
            daily_limit: c.daily_limit as u32,
            created_at: c.created_at,
            public_benchmark: c.public_benchmark,
            dataset_hash: c.public_dataset_hash,
        }
    }
}

impl FromIterator<Listed> for pb::ListChallengesResponse {
    fn from_iter<I: IntoIterator<Item = Listed>>(listed: I) -> pb::ListChallengesResponse {
        pb::ListChallengesResponse {
            challenges: listed.into_iter().map(Into::into).collect(),
        }
    }
}

/// A file served from memory (the public manifest, `dataset.toml`).
pub struct Served<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

impl From<Served<'_>> for pb::FileInfo {
    fn from(f: Served<'_>) -> pb::FileInfo {
        pb::FileInfo {
            name: f.name.to_string(),
            size: f.bytes.len() as u64,
            sha256: sha256_hex(f.bytes),
        }
    }
}

impl From<FileMeta> for pb::FileInfo {
    fn from(f: FileMeta) -> pb::FileInfo {
        pb::FileInfo {
            name: f.name,
            size: f.size as u64,
            sha256: f.sha256,
        }
    }
}

impl From<TrialRow> for pb::TrialSpec {
    fn from(t: TrialRow) -> pb::TrialSpec {
        pb::TrialSpec {
            id: t.trial_id,
            split: pb::Split::from(Wire(t.split)) as i32,
            duration_s: t.duration_s,
            files: t.files.into_iter().collect(),
            n_repeats: t.n_repeats as u32,
            condition: t
                .condition
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        }
    }
}

/// A challenge as a contestant fetches it: its row, stored spec, trials and the files served.
pub struct Fetched {
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Its stored spec.
    pub spec: StoredSpec,
    /// Its trials.
    pub trials: Vec<TrialRow>,
    /// The served files (`dataset.toml` first).
    pub files: Vec<pb::FileInfo>,
}

impl From<Fetched> for pb::ChallengeSpec {
    fn from(f: Fetched) -> pb::ChallengeSpec {
        let (c, spec) = (f.challenge, f.spec);
        pb::ChallengeSpec {
            id: c.id,
            title: c.title,
            kind: c.kind,
            dt_s: spec.dt_s,
            description: spec.description,
            license: spec.license,
            citation: spec.citation,
            dataset_hash: c.public_dataset_hash,
            trials: f.trials.into_iter().map(Into::into).collect(),
            files: f.files,
            daily_limit: c.daily_limit as u32,
            public_benchmark: c.public_benchmark,
            train_intrinsic_reliability: spec.train_intrinsic_reliability,
        }
    }
}

/// One piece of a served file.
pub struct FilePiece<'a> {
    /// The file.
    pub name: &'a str,
    /// Offset of `data` in it.
    pub offset: u64,
    /// The bytes.
    pub data: &'a [u8],
}

impl From<FilePiece<'_>> for pb::FileChunk {
    fn from(p: FilePiece<'_>) -> pb::FileChunk {
        pb::FileChunk {
            name: p.name.to_string(),
            offset: p.offset,
            data: p.data.to_vec(),
        }
    }
}

impl From<FilePiece<'_>> for pb::FetchChallengeChunk {
    fn from(p: FilePiece<'_>) -> pb::FetchChallengeChunk {
        pb::FetchChallengeChunk {
            part: Some(pb::fetch_challenge_chunk::Part::File(p.into())),
        }
    }
}

impl From<FilePiece<'_>> for pb::AuditBundleChunk {
    fn from(p: FilePiece<'_>) -> pb::AuditBundleChunk {
        pb::AuditBundleChunk {
            part: Some(pb::audit_bundle_chunk::Part::File(p.into())),
        }
    }
}

impl From<Wire<pb::AuditBundleHeader>> for pb::AuditBundleChunk {
    fn from(Wire(header): Wire<pb::AuditBundleHeader>) -> pb::AuditBundleChunk {
        pb::AuditBundleChunk {
            part: Some(pb::audit_bundle_chunk::Part::Header(header)),
        }
    }
}

impl From<Wire<pb::ChallengeSpec>> for pb::FetchChallengeChunk {
    fn from(Wire(spec): Wire<pb::ChallengeSpec>) -> pb::FetchChallengeChunk {
        pb::FetchChallengeChunk {
            part: Some(pb::fetch_challenge_chunk::Part::Spec(spec)),
        }
    }
}

/// A challenge just created.
pub struct Created<'a> {
    /// Its id.
    pub id: String,
    /// Public and full dataset hashes.
    pub public_hash: String,
    /// The full dataset hash (organizers only).
    pub full_hash: String,
    /// What was generated.
    pub generated: &'a arena_challenge::families::GeneratedChallenge,
}

impl From<Created<'_>> for pb::CreateChallengeResponse {
    fn from(c: Created<'_>) -> pb::CreateChallengeResponse {
        let count = |s: Split| c.generated.trials.iter().filter(|t| t.split == s).count() as u32;
        pb::CreateChallengeResponse {
            challenge_id: c.id,
            dataset_hash: c.public_hash,
            full_dataset_hash: c.full_hash,
            n_train_trials: count(Split::Train),
            n_test_trials: count(Split::Test),
            train_intrinsic_reliability: c.generated.train_reliability,
            test_intrinsic_reliability: c.generated.test_reliability,
            clustering_effect: c.generated.report.as_ref().map(|e| Wire(e).into()),
        }
    }
}

impl From<&ChallengeRow> for pb::CloseChallengeResponse {
    fn from(c: &ChallengeRow) -> pb::CloseChallengeResponse {
        pb::CloseChallengeResponse {
            challenge_id: c.id.clone(),
            status: c.status.as_str().into(),
        }
    }
}

// ---- submissions

/// A checked `Submit` request.
pub struct SubmitRequest {
    /// The challenge.
    pub challenge_id: String,
    /// The model label, trimmed.
    pub model_name: String,
    /// The idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// The built-in baseline an organizer submits for, if any.
    pub baseline: Option<Baseline>,
    /// The predictions file (empty with `baseline = "reference"`: the server computes it).
    pub predictions_json: Vec<u8>,
}

impl TryFrom<pb::SubmitRequest> for SubmitRequest {
    type Error = ApiError;

    fn try_from(r: pb::SubmitRequest) -> Result<SubmitRequest, ApiError> {
        let baseline = match r.baseline.as_str() {
            "" => None,
            name => Some(Baseline::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = Baseline::ALL.iter().map(|b| b.name()).collect();
                ApiError::field(
                    "baseline",
                    format!(
                        "{name:?} is not a built-in baseline; known: {}",
                        names.join(", ")
                    ),
                )
            })?),
        };
        if r.idempotency_key.len() > MAX_IDEMPOTENCY_KEY {
            return Err(ApiError::field(
                "idempotency_key",
                format!("must be at most {MAX_IDEMPOTENCY_KEY} characters"),
            ));
        }
        Ok(SubmitRequest {
            challenge_id: r.challenge_id,
            model_name: model_name("model_name", &r.model_name)?,
            idempotency_key: (!r.idempotency_key.is_empty()).then_some(r.idempotency_key),
            baseline,
            predictions_json: r.predictions_json,
        })
    }
}

/// A submission stored (or found under its idempotency key).
pub struct Accepted {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: SubmissionStatus,
    /// Whether this call stored it.
    pub created: bool,
    /// SHA-256 of the predictions.
    pub sha256: String,
}

impl From<Accepted> for pb::SubmitResponse {
    fn from(a: Accepted) -> pb::SubmitResponse {
        pb::SubmitResponse {
            submission_id: a.id,
            status: pb::SubmissionStatus::from(a.status) as i32,
            created: a.created,
            sha256: a.sha256,
        }
    }
}

/// A submission as one caller may see it; the service decides what is shown to whom.
pub struct SubmissionView {
    /// The stored submission.
    pub row: SubmissionRow,
    /// One of its team's final selections.
    pub selected: bool,
    /// Public scores (exact or as the Ladder released them).
    pub scores: Vec<NamedMetric>,
    /// Private scores (organizers, auditors, or after closing).
    pub private_scores: Vec<NamedMetric>,
    /// Per-trial scores, with the private ones.
    pub trials: Vec<(String, Vec<NamedMetric>)>,
    /// The latest evaluation's audit record, if scored.
    pub audit: Option<AuditView>,
}

/// An audit record; `full_hash` is `false` for contestants (the full hash would let them
/// confirm a guessed generator).
pub struct AuditView {
    /// The evaluation.
    pub evaluation: EvaluationRow,
    /// Whether the caller sees the full dataset hash.
    pub full_hash: bool,
}

impl From<SubmissionView> for pb::Submission {
    fn from(v: SubmissionView) -> pb::Submission {
        let row = v.row;
        pb::Submission {
            id: row.id,
            challenge_id: row.challenge_id,
            team: row.team,
            model_name: row.model_name,
            status: pb::SubmissionStatus::from(row.status) as i32,
            sha256: row.sha256,
            created_at: row.created_at,
            error: row.error.unwrap_or_default(),
            is_baseline: row.is_baseline,
            selected: v.selected,
            scores: metrics(&v.scores),
            private_scores: metrics(&v.private_scores),
            trials: v
                .trials
                .into_iter()
                .map(|(trial_id, scores)| pb::TrialScores {
                    trial_id,
                    metrics: metrics(&scores),
                })
                .collect(),
            audit: v.audit.map(Into::into),
        }
    }
}

impl From<AuditView> for pb::Audit {
    fn from(a: AuditView) -> pb::Audit {
        let e = a.evaluation;
        pb::Audit {
            dataset_hash: e.public_dataset_hash,
            full_dataset_hash: if a.full_hash {
                e.dataset_hash
            } else {
                String::new()
            },
            trials_hash: e.trials_hash,
            challenge_version: e.challenge_version.to_string(),
            metrics_version: e.metrics_version,
            scoring_library_version: e.scoring_library_version,
            params_json: e.params_json,
            seeds_json: e.seeds_json,
            scored_at: e.created_at,
        }
    }
}

/// A team's final selection after a change.
pub struct Selection {
    /// The challenge.
    pub challenge_id: String,
    /// The team.
    pub team: String,
    /// Its selected submissions.
    pub selected: Vec<String>,
    /// `rules.final_selections`.
    pub final_selections: u32,
}

impl From<Selection> for pb::SelectSubmissionResponse {
    fn from(s: Selection) -> pb::SelectSubmissionResponse {
        pb::SelectSubmissionResponse {
            challenge_id: s.challenge_id,
            team: s.team,
            selected: s.selected,
            final_selections: s.final_selections,
        }
    }
}

// ---- boards

/// A board row on the wire. `step` > 0 (the open board's Ladder): every value is the released
/// submission's, rounded to the step, as its primary is; 0: exact. The reasons of the undefined
/// values travel in `notes`. Whether the row's submission is one its team selected is said on
/// the private board only: while a challenge is open, which entries a team will stand by is
/// its own business (it sees its selections in `SelectSubmission` and `GetSubmission`).
pub struct BoardRow {
    /// The row.
    pub row: Row,
    /// The Ladder's step (0 on the private board).
    pub step: f64,
    /// The board's part.
    pub part: Part,
}

impl From<BoardRow> for pb::LeaderboardRow {
    fn from(BoardRow { row: r, step, part }: BoardRow) -> pb::LeaderboardRow {
        let scores = &r.best.scores;
        let mut notes = HashMap::new();
        let mut value = |name: &str| {
            let m = scores.iter().find(|m| m.name == name);
            match m.and_then(|m| m.value) {
                Some(v) => Some(board::round_to(v, step)),
                None => {
                    if let Some(m) = m.filter(|m| !m.note.is_empty()) {
                        notes.insert(name.to_string(), m.note.clone());
                    }
                    None
                }
            }
        };
        let md_star = value("md_star");
        let gamma_over_r = value("gamma_over_r");
        let primary_clustered = value("primary_clustered");
        let primary_dispersed = value("primary_dispersed");
        let clustering_gap = value("clustering_gap");
        let bits_per_spike = value("bits_per_spike");
        // An interval where the primary is exact (step 0): see the contract.
        let (primary_ci_low, primary_ci_high) = if step == 0.0 {
            (value(PRIMARY_CI_LOW), value(PRIMARY_CI_HIGH))
        } else {
            (None, None)
        };
        let primary_note = scores
            .iter()
            .find(|m| m.name == "primary" && m.value.is_none())
            .map(|m| m.note.clone());
        if let (None, Some(note)) = (r.primary, primary_note) {
            notes.insert("primary".into(), note);
        }
        pb::LeaderboardRow {
            rank: r.rank,
            primary: r.primary,
            md_star,
            gamma_over_r,
            primary_clustered,
            primary_dispersed,
            clustering_gap,
            bits_per_spike,
            primary_ci_low,
            primary_ci_high,
            notes,
            selected: r.best.selected && part == Part::Private,
            team: r.best.team,
            model: r.best.model,
            is_baseline: r.best.is_baseline,
            n_submissions: r.n_submissions,
            submitted_at: r.best.created_at,
            submission_id: r.best.submission_id,
        }
    }
}

/// A leaderboard with its rules.
pub struct Board {
    /// The challenge.
    pub challenge_id: String,
    /// Public (open) or private (closed).
    pub part: Part,
    /// The rows, ranked.
    pub rows: Vec<Row>,
    /// Scored submissions not yet rescored under the current metrics.
    pub pending_rescore: i64,
    /// `rules.ladder_step`.
    pub ladder_step: f64,
    /// `rules.final_selections`.
    pub final_selections: u32,
}

impl From<Board> for pb::LeaderboardResponse {
    fn from(b: Board) -> pb::LeaderboardResponse {
        let step = match b.part {
            Part::Public => b.ladder_step,
            Part::Private => 0.0,
        };
        pb::LeaderboardResponse {
            challenge_id: b.challenge_id,
            part: b.part.as_str().into(),
            rows: b
                .rows
                .into_iter()
                .map(|row| {
                    BoardRow {
                        row,
                        step,
                        part: b.part,
                    }
                    .into()
                })
                .collect(),
            metrics_version: arena_scoring::METRICS_VERSION.into(),
            pending_rescore: b.pending_rescore as u32,
            ladder_step: b.ladder_step,
            final_selections: b.final_selections,
        }
    }
}

impl From<Wire<&gauntlet::Entry>> for pb::GauntletRow {
    fn from(Wire(e): Wire<&gauntlet::Entry>) -> pb::GauntletRow {
        let (outcome, note, scores) = match &e.outcome {
            gauntlet::Outcome::Rejected(why) => ("rejected", why.clone(), None),
            gauntlet::Outcome::NotBuilt(why) => ("not_built", why.clone(), None),
            gauntlet::Outcome::Scored {
                primary,
                md_star,
                gamma_over_r,
                note,
            } => (
                "scored",
                note.clone(),
                Some((primary, md_star, gamma_over_r)),
            ),
        };
        let value = |m: &arena_scoring::Metric| m.as_ref().ok().copied();
        pb::GauntletRow {
            name: e.name.clone(),
            class: e.class.as_str().into(),
            outcome: outcome.into(),
            primary: scores.and_then(|s| value(s.0)),
            md_star: scores.and_then(|s| value(s.1)),
            gamma_over_r: scores.and_then(|s| value(s.2)),
            note,
            passed: e.passed,
            rule: e.rule.clone(),
        }
    }
}

/// The gauntlet's verdict on a challenge.
pub struct GauntletReport {
    /// The challenge.
    pub challenge_id: String,
    /// Every entry.
    pub entries: Vec<gauntlet::Entry>,
    /// The stored clustering check, if any.
    pub clustering_effect: Option<EffectReport>,
}

impl From<GauntletReport> for pb::GauntletResponse {
    fn from(r: GauntletReport) -> pb::GauntletResponse {
        pb::GauntletResponse {
            challenge_id: r.challenge_id,
            passed: r.entries.iter().all(|e| e.passed),
            table: gauntlet::table(&r.entries),
            rows: r.entries.iter().map(|e| Wire(e).into()).collect(),
            clustering_effect: r.clustering_effect.as_ref().map(|e| Wire(e).into()),
        }
    }
}

// ---- live evaluation

/// A checked `LiveStart`.
pub struct LiveRequest {
    /// The challenge.
    pub challenge_id: String,
    /// The model label, trimmed.
    pub model_name: String,
    /// Predicted repeats per chunk.
    pub repeats: usize,
}

impl TryFrom<pb::LiveStart> for LiveRequest {
    type Error = ApiError;

    fn try_from(start: pb::LiveStart) -> Result<LiveRequest, ApiError> {
        if start.challenge_id.is_empty() {
            return Err(ApiError::field("start.challenge_id", "is empty"));
        }
        let model_name = model_name("start.model_name", &start.model_name)?;
        if start.repeats == 0 || start.repeats as usize > MAX_REPEATS {
            return Err(ApiError::field(
                "start.repeats",
                format!(
                    "is {}; between 1 and {MAX_REPEATS} are accepted",
                    start.repeats
                ),
            ));
        }
        Ok(LiveRequest {
            challenge_id: start.challenge_id,
            model_name,
            repeats: start.repeats as usize,
        })
    }
}

/// What a session tells the model before the first chunk.
pub struct LiveContext<'a> {
    /// The evaluation.
    pub evaluation_id: &'a str,
    /// The challenge.
    pub challenge: &'a ChallengeRow,
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// Nominal chunk length, seconds.
    pub chunk_s: f64,
    /// Seconds per answer.
    pub answer_deadline_s: f64,
    /// The fresh trials.
    pub trials: &'a [LiveTrial],
    /// Predicted repeats per chunk.
    pub repeats: usize,
    /// Synapses of a dendritic challenge's table (0 for injected current).
    pub synapses: usize,
}

impl From<LiveContext<'_>> for pb::LiveServerMessage {
    fn from(c: LiveContext<'_>) -> pb::LiveServerMessage {
        live_message(pb::live_server_message::Msg::Context(pb::LiveContext {
            evaluation_id: c.evaluation_id.to_string(),
            challenge_id: c.challenge.id.clone(),
            kind: c.challenge.kind.clone(),
            dt_s: c.dt_s,
            chunk_s: c.chunk_s,
            answer_deadline_s: c.answer_deadline_s,
            trials: c
                .trials
                .iter()
                .map(|t| pb::LiveTrial {
                    id: t.id.clone(),
                    duration_s: t.duration_s,
                    n_chunks: t.chunks.len() as u32,
                    condition: t
                        .condition
                        .map(|c| c.as_str().to_string())
                        .unwrap_or_default(),
                })
                .collect(),
            repeats: c.repeats as u32,
            n_synapses: c.synapses as u32,
        }))
    }
}

/// One chunk of a trial's stimulus.
pub struct StimulusChunk<'a> {
    /// The trial.
    pub trial: &'a LiveTrial,
    /// The chunk.
    pub chunk: Chunk,
    /// Sampling step, seconds.
    pub dt_s: f64,
}

impl From<StimulusChunk<'_>> for pb::LiveServerMessage {
    fn from(c: StimulusChunk<'_>) -> pb::LiveServerMessage {
        let (trial, chunk, dt) = (c.trial, c.chunk, c.dt_s);
        live_message(pb::live_server_message::Msg::Chunk(pb::StimulusChunk {
            trial_id: trial.id.clone(),
            index: chunk.index,
            t_start_s: chunk.start as f64 * dt,
            duration_s: (chunk.end - chunk.start) as f64 * dt,
            current_na: trial.current_na(chunk).to_vec(),
            last_in_trial: chunk.index as usize + 1 == trial.chunks.len(),
            events: trial
                .events(chunk)
                .iter()
                .map(|&(synapse_id, t_s)| pb::SynapticEvent { synapse_id, t_s })
                .collect(),
        }))
    }
}

fn live_message(msg: pb::live_server_message::Msg) -> pb::LiveServerMessage {
    pb::LiveServerMessage { msg: Some(msg) }
}

/// A model's answer to one chunk.
pub struct ChunkAnswer {
    /// The trial it answers.
    pub trial_id: String,
    /// The chunk it answers.
    pub index: u32,
    /// Spike times per repeat, seconds.
    pub repeats: Vec<Vec<f64>>,
}

impl From<pb::ChunkAnswer> for ChunkAnswer {
    fn from(a: pb::ChunkAnswer) -> ChunkAnswer {
        ChunkAnswer {
            trial_id: a.trial_id,
            index: a.index,
            repeats: a.repeats.into_iter().map(|r| r.times_s).collect(),
        }
    }
}

/// The running score of one trial.
pub struct TrialScore {
    /// The trial.
    pub trial_id: String,
    /// Its scores.
    pub scores: Vec<NamedMetric>,
}

impl From<TrialScore> for pb::LiveServerMessage {
    fn from(s: TrialScore) -> pb::LiveServerMessage {
        live_message(pb::live_server_message::Msg::TrialScore(
            pb::LiveTrialScore {
                trial_id: s.trial_id,
                scores: metrics(&s.scores),
            },
        ))
    }
}

/// How a live evaluation ended.
pub enum LiveOutcome {
    /// Scored and stored as a submission.
    Scored {
        /// The evaluation.
        evaluation_id: String,
        /// The stored submission.
        submission_id: String,
        /// Pooled public scores.
        scores: Vec<NamedMetric>,
    },
    /// Ended without a score.
    Failed {
        /// The evaluation.
        evaluation_id: String,
        /// Why, as the team reads it.
        reason: String,
    },
}

impl From<LiveOutcome> for pb::LiveServerMessage {
    fn from(o: LiveOutcome) -> pb::LiveServerMessage {
        live_message(pb::live_server_message::Msg::Result(match o {
            LiveOutcome::Scored {
                evaluation_id,
                submission_id,
                scores,
            } => pb::LiveResult {
                evaluation_id,
                status: "scored".into(),
                reason: String::new(),
                scores: metrics(&scores),
                submission_id,
            },
            LiveOutcome::Failed {
                evaluation_id,
                reason,
            } => pb::LiveResult {
                evaluation_id,
                status: "failed".into(),
                reason,
                ..Default::default()
            },
        }))
    }
}

// ---- tokens and the organizer log

/// A reason for the organizer log ([`reason_problem`]); `field` names it in the error.
pub fn reason(field: &'static str, text: String) -> Result<String, ApiError> {
    match reason_problem(&text) {
        Some(problem) => Err(ApiError::field(field, problem)),
        None => Ok(text),
    }
}

impl From<TokenRow> for pb::TokenInfo {
    fn from(t: TokenRow) -> pb::TokenInfo {
        pb::TokenInfo {
            name: t.name,
            role: t.role.as_str().into(),
            is_baseline: t.is_baseline,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// Tokens as the store listed them: at most [`MAX_LISTED_TOKENS`] and one more, which says the
/// list was cut.
pub struct TokenList(pub Vec<TokenRow>);

impl From<TokenList> for pb::ListTokensResponse {
    fn from(TokenList(mut rows): TokenList) -> pb::ListTokensResponse {
        let truncated = rows.len() > MAX_LISTED_TOKENS;
        rows.truncate(MAX_LISTED_TOKENS);
        pb::ListTokensResponse {
            tokens: rows.into_iter().map(pb::TokenInfo::from).collect(),
            truncated,
        }
    }
}

/// A checked `RevokeTokens` request.
pub struct RevokeRequest {
    /// The tokens' name, trimmed.
    pub name: String,
    /// Why.
    pub reason: String,
}

impl TryFrom<pb::RevokeTokensRequest> for RevokeRequest {
    type Error = ApiError;

    fn try_from(r: pb::RevokeTokensRequest) -> Result<RevokeRequest, ApiError> {
        let name = r.name.trim();
        if let Some(problem) = name_problem(name, MAX_TEAM_NAME) {
            return Err(ApiError::field("name", problem));
        }
        Ok(RevokeRequest {
            name: name.to_string(),
            reason: reason("reason", r.reason)?,
        })
    }
}

/// A checked `ListLog` request.
pub struct LogQuery {
    /// The challenge whose rows are asked for; `None`: every row.
    pub challenge_id: Option<String>,
    /// Rows after this id.
    pub after_id: i64,
    /// Rows per page, 1 to [`MAX_LOG_PAGE`].
    pub limit: u32,
}

impl TryFrom<pb::ListLogRequest> for LogQuery {
    type Error = ApiError;

    fn try_from(r: pb::ListLogRequest) -> Result<LogQuery, ApiError> {
        if r.after_id < 0 {
            return Err(ApiError::field(
                "after_id",
                format!("is {}; 0 or more are accepted", r.after_id),
            ));
        }
        let limit = match r.limit {
            0 => MAX_LOG_PAGE,
            n if n > MAX_LOG_PAGE => {
                return Err(ApiError::field(
                    "limit",
                    format!(
                        "is {n}; between 1 and {MAX_LOG_PAGE} are accepted (0: {MAX_LOG_PAGE})"
                    ),
                ));
            }
            n => n,
        };
        Ok(LogQuery {
            challenge_id: (!r.challenge_id.is_empty()).then_some(r.challenge_id),
            after_id: r.after_id,
            limit,
        })
    }
}

impl From<LogRow> for pb::LogRow {
    fn from(r: LogRow) -> pb::LogRow {
        pb::LogRow {
            id: r.id,
            at: r.at,
            actor_name: r.actor_name,
            actor_role: r.actor_role,
            action: r.action,
            challenge_id: r.challenge_id,
            details_json: r.details_json,
            reason: r.reason,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_start_is_checked_field_by_field() {
        let start = |challenge_id: &str, model_name: &str, repeats| pb::LiveStart {
            challenge_id: challenge_id.into(),
            model_name: model_name.into(),
            repeats,
        };
        let refused = |s: pb::LiveStart| LiveRequest::try_from(s).err().map(|e| e.to_string());
        assert_eq!(
            refused(start("", "m", 1)).as_deref(),
            Some("start.challenge_id is empty")
        );
        assert_eq!(
            refused(start("c", "  ", 1)).as_deref(),
            Some("start.model_name must be 1 to 100 characters, got 0")
        );
        assert_eq!(
            refused(start("c", "m", 0)).as_deref(),
            Some("start.repeats is 0; between 1 and 100 are accepted")
        );
        let ok = LiveRequest::try_from(start("c", " m ", 3)).unwrap();
        assert_eq!((ok.model_name.as_str(), ok.repeats), ("m", 3));
    }

    /// Issue 16 cases 5 and 7: a model name that would clear other teams' screens or forge a
    /// board row is refused naming the field; the limit counts characters, not bytes.
    #[test]
    fn model_names_refuse_control_characters_and_count_characters() {
        let submit = |model_name: &str| pb::SubmitRequest {
            challenge_id: "c".into(),
            model_name: model_name.into(),
            ..Default::default()
        };
        let refused = |name: &str| {
            SubmitRequest::try_from(submit(name))
                .err()
                .map(|e| e.to_string())
        };
        let forged = refused("evil\u{1b}[2J\nteam-a  model  0.99").unwrap();
        assert!(
            forged.starts_with("model_name holds the control character U+001B at character 4"),
            "{forged}"
        );
        assert!(refused("a\nb").unwrap().contains("U+000A"));
        assert_eq!(refused(&"é".repeat(100)), None, "100 characters, 200 bytes");
        assert_eq!(
            refused(&"é".repeat(101)).as_deref(),
            Some("model_name must be 1 to 100 characters, got 101")
        );
    }

    /// Every value a client controls in the token and log calls is bounded before any work:
    /// the reason's length and characters, the page size, the page start.
    #[test]
    fn log_and_revoke_requests_are_bounded() {
        let revoke = |name: &str, reason: &str| {
            RevokeRequest::try_from(pb::RevokeTokensRequest {
                name: name.into(),
                reason: reason.into(),
            })
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(revoke(" team-a ", ""), None);
        assert_eq!(revoke("team-a", &"é".repeat(500)), None);
        assert_eq!(
            revoke("team-a", &"é".repeat(501)).as_deref(),
            Some("reason must be 1 to 500 characters, got 501")
        );
        assert!(
            revoke("team-a", "ok\u{1b}[2J")
                .unwrap()
                .starts_with("reason holds the control")
        );
        assert!(revoke("", "x").unwrap().starts_with("name must be 1 to 64"));

        let query = |after_id: i64, limit: u32| {
            LogQuery::try_from(pb::ListLogRequest {
                challenge_id: String::new(),
                after_id,
                limit,
            })
        };
        let default = query(0, 0).unwrap();
        assert_eq!((default.limit, default.challenge_id), (1000, None));
        assert_eq!(query(5, 1000).unwrap().limit, 1000);
        assert_eq!(
            query(0, 1001).err().unwrap().to_string(),
            "limit is 1001; between 1 and 1000 are accepted (0: 1000)"
        );
        assert_eq!(
            query(-1, 10).err().unwrap().to_string(),
            "after_id is -1; 0 or more are accepted"
        );
    }
}
