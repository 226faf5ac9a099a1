//! The audit bundle of a submission (issue 15, `AuditBundle`): who may have it, and what the
//! store holds for it. The bundle's format and its offline check are the domain's
//! ([`arena_challenge::audit`]); this module reads the store into an
//! [`arena_challenge::audit::Bundle`].
//!
//! Who may have what:
//! * organizers and auditors: any scored submission, every part ([`Scope::Full`]);
//! * anyone else: a submission of a closed challenge, of their own team (of any team on a
//!   public benchmark, whose test responses are public elsewhere), the public part only
//!   ([`Scope::Public`]). While a challenge is open its hidden responses never leave the
//!   server, not even the public part's: they would tell a team where its predictions miss.

use arena_challenge::audit::{
    Bundle, BundleInfo, FORMAT, Generator, Mode, Scope, StoredScores, TrialScores,
};
use arena_challenge_core::hash::sha256_hex;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::service::ArenaService;
use crate::store::{self, ChallengeRow, ChallengeStatus, StoreError, SubmissionRow};
use crate::{data, jobs};

/// Longest submission id a request may name, bytes (ids are `sub-` and 16 hex digits).
const MAX_ID_BYTES: usize = 64;

/// The bundle of submission `id` as `who` may have it.
///
/// # Errors
/// PERMISSION_DENIED for another team's submission, FAILED_PRECONDITION while the challenge
/// is open (to contestants) or before the submission has an evaluation, NOT_FOUND for an
/// unknown id; internal errors when the store's data no longer reads back.
pub(crate) async fn bundle(
    service: &ArenaService,
    who: &Principal,
    id: &str,
) -> Result<Bundle, ApiError> {
    if id.len() > MAX_ID_BYTES {
        return Err(ApiError::field(
            "submission_id",
            format!("is {} bytes; ids are at most {MAX_ID_BYTES}", id.len()),
        ));
    }
    let row = service.submission(id).await?;
    let challenge = service.challenge(&row.challenge_id).await?;
    let scope = scope(who, &row, &challenge)?;
    let store = service.store();
    let evaluation = store
        .latest_evaluation(&row.id)
        .await?
        .ok_or_else(|| ApiError::NotEvaluated(row.id.clone()))?;
    let predictions = store
        .predictions(&row.id)
        .await?
        .ok_or_else(|| StoreError::Vanished(format!("the predictions of {:?}", row.id)))?;
    if sha256_hex(&predictions) != row.sha256 {
        return Err(StoreError::unreadable(
            format!("predictions of submission {:?}", row.id),
            "their SHA-256 differs from the stored one",
        )
        .into());
    }
    let manifest = challenge.manifest()?;
    let mode = row.mode.audit();
    let (trials, generator) = match mode {
        Mode::Offline => (data::hidden_trials(store, &challenge).await?, None),
        Mode::Live => {
            let files = data::generator_files(store, &challenge, &manifest).await?;
            let generator = Generator {
                manifest_toml: challenge.manifest_toml.clone(),
                files,
            };
            let (hidden, _) = jobs::live_trials(
                store,
                service.compute(),
                &row.id,
                &challenge,
                manifest.clone(),
            )
            .await?;
            (hidden, Some(generator))
        }
    };
    let unreadable = |what: &str, e: serde_json::Error| {
        StoreError::unreadable(format!("{what} of evaluation {}", evaluation.id), e)
    };
    let scores_of = |json: &str, what: &str| {
        store::metrics(json, || format!("{what} of evaluation {}", evaluation.id))
    };
    let mut trial_scores = Vec::new();
    for t in store.evaluation_trial_scores(evaluation.id).await? {
        trial_scores.push(TrialScores {
            scores: scores_of(&t.scores_json, &format!("scores of trial {:?}", t.trial_id))?,
            trial_id: t.trial_id,
        });
    }
    let bundle = Bundle {
        info: BundleInfo {
            format: FORMAT.to_string(),
            scope: Scope::Full,
            submission_id: row.id.clone(),
            challenge_id: challenge.id.clone(),
            kind: challenge.kind.clone(),
            mode,
            team: row.team.clone(),
            model: row.model_name.clone(),
            submission_sha256: row.sha256.clone(),
            dt_s: manifest.sampling.dt_s,
            params: serde_json::from_str(&evaluation.params_json)
                .map_err(|e| unreadable("parameters", e))?,
            metrics_version: evaluation.metrics_version.clone(),
            scoring_library_version: evaluation.scoring_library_version.clone(),
            dataset_hash: Some(evaluation.dataset_hash.clone()),
            public_dataset_hash: evaluation.public_dataset_hash.clone(),
            trials_hash: evaluation.trials_hash.clone(),
            challenge_version: evaluation.challenge_version,
            evaluated_at: evaluation.created_at.clone(),
            seeds: serde_json::from_str(&evaluation.seeds_json)
                .map_err(|e| unreadable("seeds", e))?,
            generator_files: generator
                .as_ref()
                .map(|g| g.files.keys().cloned().collect()),
        },
        predictions,
        trials,
        scores: StoredScores {
            public: scores_of(&evaluation.public_scores_json, "public scores")?,
            private: Some(scores_of(
                &evaluation.private_scores_json,
                "private scores",
            )?),
            trials: Some(trial_scores),
        },
        generator,
    };
    Ok(match scope {
        Scope::Full => bundle,
        Scope::Public => bundle.public_part(),
    })
}

/// What of submission `row` `who` may have (module docs).
fn scope(
    who: &Principal,
    row: &SubmissionRow,
    challenge: &ChallengeRow,
) -> Result<Scope, ApiError> {
    if who.sees_everything() {
        return Ok(Scope::Full);
    }
    if row.team != who.name && !challenge.public_benchmark {
        return Err(ApiError::OtherTeam(row.id.clone()));
    }
    match challenge.status {
        ChallengeStatus::Open => Err(ApiError::AuditWhileOpen(challenge.id.clone())),
        ChallengeStatus::Closed => Ok(Scope::Public),
    }
}
