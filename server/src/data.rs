//! A stored challenge's trials as domain values: the hidden test trials scoring needs, and the
//! public view contestants fetch. Shared by the scoring queue and the gauntlet so both read the
//! store the same way.

use std::collections::{BTreeMap, HashMap};

use arena_challenge::baselines::{PublicChallenge, PublicTrial};
use arena_challenge::evaluate::HiddenTrial;
use arena_challenge::generate::Visibility;
use arena_challenge::manifest::Manifest;
use arena_challenge::trial::{Condition, Part, Split, role};

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
        let part = t
            .part
            .as_deref()
            .and_then(Part::parse)
            .ok_or("a test trial has no part")?;
        let name = format!("{}_{}.npy", t.trial_id, role::SPIKES);
        let npy = store
            .file(&challenge.id, &name, Visibility::Hidden.as_str())
            .await
            .map_err(db)?
            .ok_or_else(|| format!("hidden file {name} is missing"))?;
        let condition = match t.condition.as_deref() {
            None => None,
            Some(c) => Some(
                Condition::parse(c).ok_or_else(|| format!("stored condition {c:?} is unknown"))?,
            ),
        };
        hidden.push(
            HiddenTrial::from_npy(&t.trial_id, part, t.duration_s, &npy)
                .map_err(|e| e.to_string())?
                .with_condition(condition),
        );
    }
    Ok(hidden)
}

/// The challenge as a contestant fetches it.
///
/// # Errors
/// A one-line reason when the store fails or holds inconsistent data.
pub async fn public_challenge(
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
    let mut trials = Vec::new();
    for t in store.trials(&challenge.id).await.map_err(db)? {
        let split = Split::parse(&t.split).ok_or_else(|| format!("stored split {:?}", t.split))?;
        let files: BTreeMap<String, String> =
            serde_json::from_str(&t.files_json).map_err(|e| e.to_string())?;
        trials.push(
            PublicTrial::from_files(&t.trial_id, split, t.duration_s, &files, |name| {
                bytes.remove(name)
            })
            .map_err(|e| e.to_string())?,
        );
    }
    Ok(PublicChallenge {
        dt_s,
        manifest,
        trials,
    })
}
