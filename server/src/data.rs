//! A stored challenge's trials as domain values: the hidden test trials scoring needs, and the
//! public view contestants fetch. Shared by the scoring queue and the gauntlet so both read the
//! store the same way.

use std::collections::{BTreeMap, HashMap};

use arena_challenge::families::{Manifest, PublicChallenge};
use arena_challenge_core::generated::Visibility;
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::public::TrialListing;
use arena_challenge_core::trial::{Condition, Part, Segment, Split, role};

use crate::store::{ChallengeRow, Store};

/// The hidden test trials of a challenge, with their parts.
///
/// # Errors
/// A one-line reason when the store fails or holds inconsistent data.
pub async fn hidden_trials(
    store: &Store,
    challenge: &ChallengeRow,
) -> Result<Vec<HiddenTrial>, String> {
    let db = |e: sqlx::Error| format!("database: {e}");
    let mut hidden = Vec::new();
    for t in store.trials(&challenge.id).await.map_err(db)? {
        if t.split != Split::Test.as_str() {
            continue;
        }
        let segments: Vec<Segment> =
            match (&t.segments_json, t.part.as_deref().and_then(Part::parse)) {
                (Some(json), _) => serde_json::from_str(json)
                    .map_err(|e| format!("stored segments of trial {}: {e}", t.trial_id))?,
                // Stored before segments existed: the whole trial counts for its part.
                (None, Some(part)) => vec![Segment {
                    start_s: 0.0,
                    end_s: t.duration_s,
                    part,
                }],
                (None, None) => return Err(format!("test trial {} has no part", t.trial_id)),
            };
        let name = format!("{}_{}.npy", t.trial_id, role::SPIKES);
        let npy = store
            .file(&challenge.id, &name, Visibility::Hidden.as_str())
            .await
            .map_err(db)?
            .ok_or_else(|| format!("hidden file {name} is missing"))?;
        let condition = condition(t.condition.as_deref())?;
        hidden.push(
            HiddenTrial::from_npy(&t.trial_id, t.duration_s, &npy, segments)
                .map_err(|e| e.to_string())?
                .with_condition(condition),
        );
    }
    Ok(hidden)
}

/// The challenge as the server holds it: the organizer's manifest, the public files a
/// contestant fetches and the uploaded data files the generator reads
/// ([`Manifest::generator_files`]), so that the reference baseline fits on it too; the other
/// baselines read only the public files, as on a contestant's side.
///
/// # Errors
/// A one-line reason when the store fails or holds inconsistent data.
pub async fn organizer_challenge(
    store: &Store,
    challenge: &ChallengeRow,
    dt_s: f64,
) -> Result<PublicChallenge, String> {
    let db = |e: sqlx::Error| format!("database: {e}");
    let manifest = Manifest::parse(&challenge.manifest_toml).map_err(|e| e.to_string())?;
    let mut bytes = HashMap::new();
    for f in store.public_files(&challenge.id).await.map_err(db)? {
        let data = store
            .file(&challenge.id, &f.name, Visibility::Public.as_str())
            .await
            .map_err(db)?;
        bytes.insert(f.name, data.ok_or("a public file vanished")?);
    }
    for name in manifest.generator_files() {
        if !bytes.contains_key(name) {
            let data = store.data_file(&challenge.id, name).await.map_err(db)?;
            bytes.insert(
                name.to_string(),
                data.ok_or_else(|| format!("data file {name:?} is missing"))?,
            );
        }
    }
    let rows = store.trials(&challenge.id).await.map_err(db)?;
    let mut listed = Vec::with_capacity(rows.len());
    for t in &rows {
        let split = Split::parse(&t.split).ok_or_else(|| format!("stored split {:?}", t.split))?;
        let files: BTreeMap<String, String> =
            serde_json::from_str(&t.files_json).map_err(|e| e.to_string())?;
        listed.push((t, split, condition(t.condition.as_deref())?, files));
    }
    PublicChallenge::from_files(
        manifest,
        dt_s,
        listed
            .iter()
            .map(|(t, split, condition, files)| TrialListing {
                id: &t.trial_id,
                split: *split,
                duration_s: t.duration_s,
                condition: *condition,
                files,
            }),
        |name| bytes.get(name).cloned(),
    )
    .map_err(|e| e.to_string())
}

/// A stored condition, parsed.
fn condition(stored: Option<&str>) -> Result<Option<Condition>, String> {
    stored
        .map(|c| Condition::parse(c).ok_or_else(|| format!("stored condition {c:?} is unknown")))
        .transpose()
}
