//! A stored challenge's trials as domain values: the hidden test trials scoring needs, and the
//! public view contestants fetch. Shared by the scoring queue and the gauntlet so both read the
//! store the same way.

use std::collections::HashMap;
use std::sync::Arc;

use arena_challenge::families::{Manifest, PublicChallenge};
use arena_challenge::live::LiveSource;
use arena_challenge_core::generated::{DataFiles, Visibility};
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::public::TrialListing;
use arena_challenge_core::trial::{Segment, Split, role};

use crate::compute::Compute;
use crate::error::ApiError;
use crate::store::{ChallengeRow, Store, StoreError};

/// The hidden test trials of a challenge, with their parts.
///
/// # Errors
/// Internal errors only: the store failed or holds inconsistent data.
pub async fn hidden_trials(
    store: &Store,
    challenge: &ChallengeRow,
) -> Result<Vec<HiddenTrial>, ApiError> {
    let mut hidden = Vec::new();
    for t in store.trials(&challenge.id).await? {
        if t.split != Split::Test {
            continue;
        }
        let segments: Vec<Segment> = match (&t.segments_json, t.part) {
            (Some(json), _) => serde_json::from_str(json).map_err(|e| {
                StoreError::unreadable(format!("segments of trial {:?}", t.trial_id), e)
            })?,
            // Stored before segments existed: the whole trial counts for its part.
            (None, Some(part)) => vec![Segment {
                start_s: 0.0,
                end_s: t.duration_s,
                part,
            }],
            (None, None) => {
                return Err(StoreError::Vanished(format!(
                    "the part of test trial {:?}",
                    t.trial_id
                ))
                .into());
            }
        };
        let name = format!("{}_{}.npy", t.trial_id, role::SPIKES);
        let npy = store
            .file(&challenge.id, &name, Visibility::Hidden.as_str())
            .await?
            .ok_or_else(|| StoreError::Vanished(format!("hidden file {name}")))?;
        hidden.push(
            HiddenTrial::from_npy(&t.trial_id, t.duration_s, &npy, segments)
                .map_err(ApiError::server_data("reading the stored hidden responses"))?
                .with_condition(t.condition),
        );
    }
    Ok(hidden)
}

/// The challenge as the server holds it: the organizer's manifest, the public files a
/// contestant fetches and the uploaded data files the generator reads
/// ([`arena_challenge::manifest::Manifest::generator_files`]), so that the reference baseline
/// fits on it too; the other baselines read only the public files, as on a contestant's side.
///
/// # Errors
/// Internal errors only: the store failed or holds inconsistent data.
pub async fn organizer_challenge(
    store: &Store,
    challenge: &ChallengeRow,
) -> Result<PublicChallenge, ApiError> {
    let manifest = challenge.manifest()?;
    let dt_s = challenge.spec()?.dt_s;
    let mut bytes = HashMap::new();
    for f in store.public_files(&challenge.id).await? {
        let data = store
            .file(&challenge.id, &f.name, Visibility::Public.as_str())
            .await?
            .ok_or_else(|| StoreError::Vanished(format!("public file {:?}", f.name)))?;
        bytes.insert(f.name, data);
    }
    for (name, data) in generator_files(store, challenge, &manifest).await? {
        bytes.entry(name).or_insert(data);
    }
    let rows = store.trials(&challenge.id).await?;
    PublicChallenge::from_files(
        manifest,
        dt_s,
        rows.iter().map(|t| TrialListing {
            id: &t.trial_id,
            split: t.split,
            duration_s: t.duration_s,
            condition: t.condition,
            files: &t.files,
        }),
        |name| bytes.get(name).cloned(),
    )
    .map_err(ApiError::server_data("reading the stored public files"))
}

/// The uploaded data files the generator of `manifest` reads
/// ([`arena_challenge::families::Manifest::generator_files`]: a dendritic cell's SWC and
/// biophysics), from the uploaded data or, for a file also published, the public files.
///
/// # Errors
/// Internal errors only: the store failed or lost a file.
pub(crate) async fn generator_files(
    store: &Store,
    challenge: &ChallengeRow,
    manifest: &Manifest,
) -> Result<DataFiles, ApiError> {
    let mut files = DataFiles::new();
    for name in manifest.generator_files() {
        let data = match store.data_file(&challenge.id, name).await? {
            Some(data) => data,
            None => store
                .file(&challenge.id, name, Visibility::Public.as_str())
                .await?
                .ok_or_else(|| StoreError::Vanished(format!("data file {name:?}")))?,
        };
        files.insert(name.to_string(), data);
    }
    Ok(files)
}

/// What a live evaluation of `challenge` generates its fresh trials and their ground truth
/// from: its manifest and the cell its data files describe, built on the compute pool.
///
/// # Errors
/// Internal errors only: the store failed, or the stored challenge no longer builds.
pub async fn live_source(
    store: &Store,
    compute: &Compute,
    challenge: &ChallengeRow,
    manifest: Manifest,
) -> Result<Arc<LiveSource>, ApiError> {
    let files = generator_files(store, challenge, &manifest).await?;
    let source = compute
        .run(move || LiveSource::new(manifest, &files))
        .await?
        .map_err(ApiError::server_data("building the live generator"))?;
    Ok(Arc::new(source))
}
