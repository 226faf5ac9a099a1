//! What a submission's page shows: its scores as anyone may see them and, once its challenge
//! is closed, rasters of its predicted spikes against the recorded test responses.

use arena_challenge::evaluate::shapes;
use arena_challenge::predictions;
use arena_proto::v1 as pb;
use arena_scoring::{Prediction, SpikeTrain};

use crate::error::ApiError;
use crate::service::ArenaService;
use crate::store::{ChallengeRow, ChallengeStatus, SubmissionMode};

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
