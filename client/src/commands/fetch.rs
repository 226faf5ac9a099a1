//! `arena fetch`: the public part of a challenge, written as files a Python user reads with numpy
//! alone, and read back for the built-in baselines.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use arena_challenge::families::{Manifest, PublicChallenge};
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::public::TrialListing;
use arena_challenge_core::trial::{Condition, Split};
use arena_proto::v1 as pb;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::connect::{Client, status_error};
use crate::output::{bytes_bar, print_json, say};
use crate::retry::retrying;

/// `challenge.json`, as documented in the README.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeJson {
    /// Challenge id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Family.
    pub kind: String,
    /// Sampling step, seconds.
    pub dt_s: f64,
    /// Description.
    pub description: String,
    /// Licence.
    pub license: String,
    /// Citation.
    pub citation: String,
    /// Public dataset hash: over `dataset.toml` and every other fetched file
    /// (`datasets/README.md`, "Hashes").
    pub dataset_hash: String,
    /// Submissions per team per UTC day.
    pub daily_limit: u32,
    /// Test responses public elsewhere.
    pub public_benchmark: bool,
    /// Intrinsic reliability R of the training responses (null with fewer than 2 repeats).
    #[serde(default)]
    pub train_intrinsic_reliability: Option<f64>,
    /// The manifest file: the public view of the challenge's manifest.
    pub manifest: String,
    /// Every trial.
    pub trials: Vec<TrialJson>,
}

/// One trial in `challenge.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrialJson {
    /// Trial id.
    pub id: String,
    /// `train` or `test`.
    pub split: String,
    /// Seconds.
    pub duration_s: f64,
    /// Repeats of the response (public for training, held by the server for test trials).
    pub n_repeats: u32,
    /// Role → file name in the folder.
    pub files: BTreeMap<String, String>,
    /// Paired designs: `clustered`, `time-dispersed` or `space-scattered`; null otherwise.
    #[serde(default)]
    pub condition: Option<String>,
}

/// The spec and the files' bodies of one download.
type Download = (pb::ChallengeSpec, BTreeMap<String, Vec<u8>>);

/// Streams a challenge's spec and files into memory: all of it or an error, so a download cut
/// by a lost connection can be started again ([`retrying`]).
async fn download(mut client: Client, challenge: &str) -> Result<Download> {
    let mut stream = client
        .fetch_challenge(pb::FetchChallengeRequest {
            challenge_id: challenge.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let spec = match stream.message().await.map_err(status_error)? {
        Some(pb::FetchChallengeChunk {
            part: Some(pb::fetch_challenge_chunk::Part::Spec(spec)),
        }) => spec,
        _ => bail!("the server did not start the download with the challenge spec"),
    };
    let total: u64 = spec.files.iter().map(|f| f.size).sum();
    let bar = bytes_bar(total, "downloading");
    let mut bodies: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    while let Some(chunk) = stream.message().await.map_err(status_error)? {
        if let Some(pb::fetch_challenge_chunk::Part::File(c)) = chunk.part {
            bar.inc(c.data.len() as u64);
            bodies.entry(c.name).or_default().extend_from_slice(&c.data);
        }
    }
    bar.finish_and_clear();
    Ok((spec, bodies))
}

/// Downloads a challenge into `out`, checking every file's SHA-256.
pub async fn fetch(client: &mut Client, challenge: &str, out: &Path) -> Result<ChallengeJson> {
    let (spec, bodies) = retrying("fetch", || download(client.clone(), challenge)).await?;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for f in &spec.files {
        let body = bodies.get(&f.name).map(Vec::as_slice).unwrap_or_default();
        if sha256_hex(body) != f.sha256 {
            bail!(
                "download of {} is corrupt (SHA-256 mismatch); try again",
                f.name
            );
        }
        if f.name.contains('/') || f.name.contains("..") {
            bail!("the server sent an unsafe file name {:?}", f.name);
        }
        fs::write(out.join(&f.name), body)
            .with_context(|| format!("cannot write {}", out.join(&f.name).display()))?;
    }
    let doc = ChallengeJson {
        id: spec.id,
        title: spec.title,
        kind: spec.kind,
        dt_s: spec.dt_s,
        description: spec.description,
        license: spec.license,
        citation: spec.citation,
        dataset_hash: spec.dataset_hash,
        daily_limit: spec.daily_limit,
        public_benchmark: spec.public_benchmark,
        train_intrinsic_reliability: spec.train_intrinsic_reliability,
        manifest: "dataset.toml".into(),
        trials: spec
            .trials
            .into_iter()
            .map(|t| TrialJson {
                split: match pb::Split::try_from(t.split) {
                    Ok(pb::Split::Train) => "train",
                    Ok(pb::Split::Test) => "test",
                    _ => "unknown",
                }
                .to_string(),
                id: t.id,
                duration_s: t.duration_s,
                n_repeats: t.n_repeats,
                files: t.files.into_iter().collect(),
                condition: (!t.condition.is_empty()).then_some(t.condition),
            })
            .collect(),
    };
    fs::write(out.join("challenge.json"), serde_json::to_vec_pretty(&doc)?)?;
    Ok(doc)
}

/// `arena fetch`.
pub async fn fetch_command(
    client: &mut Client,
    challenge: &str,
    out: &Path,
    as_json: bool,
) -> Result<()> {
    let doc = fetch(client, challenge, out).await?;
    if as_json {
        print_json(&json!({
            "challenge_id": doc.id,
            "out": out.display().to_string(),
            "n_trials": doc.trials.len(),
        }));
    } else {
        say!(
            "wrote {} trials of {} to {}",
            doc.trials.len(),
            doc.id,
            out.display()
        );
    }
    Ok(())
}

/// Reads a folder written by [`fetch`].
pub fn load(dir: &Path) -> Result<PublicChallenge> {
    let doc: ChallengeJson = serde_json::from_slice(
        &fs::read(dir.join("challenge.json"))
            .with_context(|| format!("no challenge.json in {}", dir.display()))?,
    )?;
    let manifest = Manifest::parse_public(&fs::read_to_string(dir.join(&doc.manifest))?)?;
    let mut listed = Vec::with_capacity(doc.trials.len());
    for t in &doc.trials {
        let split = Split::parse(&t.split)
            .with_context(|| format!("trial {}: split {:?}", t.id, t.split))?;
        let condition = t
            .condition
            .as_deref()
            .map(|c| {
                Condition::parse(c).with_context(|| format!("trial {}: condition {c:?}", t.id))
            })
            .transpose()?;
        listed.push(TrialListing {
            id: &t.id,
            split,
            duration_s: t.duration_s,
            condition,
            files: &t.files,
        });
    }
    Ok(PublicChallenge::from_files(
        manifest,
        doc.dt_s,
        listed,
        |name| fs::read(dir.join(name)).ok(),
    )?)
}
