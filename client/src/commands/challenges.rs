//! `arena challenges`, `arena challenge create` and `arena challenge close`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arena_challenge::families::Manifest;
use arena_challenge_core::hash::sha256_hex;
use arena_proto::v1 as pb;
use serde_json::json;
use tokio_stream::StreamExt as _;

use crate::connect::{Client, status_error};
use crate::output::{bytes_bar, print_json, say, table};
use crate::retry::unary;

/// Bytes per uploaded chunk.
const CHUNK_BYTES: usize = 1 << 20;

/// Lists the challenges.
pub async fn list(client: &mut Client, as_json: bool) -> Result<()> {
    let request = pb::ListChallengesRequest {};
    let challenges = unary("challenges", client, request, |mut c, r| async move {
        c.list_challenges(r).await
    })
    .await?
    .challenges;
    if as_json {
        let rows: Vec<_> = challenges
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "title": c.title, "kind": c.kind, "status": c.status,
                    "n_train_trials": c.n_train_trials, "n_test_trials": c.n_test_trials,
                    "daily_limit": c.daily_limit, "created_at": c.created_at,
                    "public_benchmark": c.public_benchmark, "dataset_hash": c.dataset_hash,
                })
            })
            .collect();
        print_json(&json!({ "challenges": rows }));
        return Ok(());
    }
    if challenges.is_empty() {
        say!("no challenges yet");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = challenges
        .iter()
        .map(|c| {
            let title = if c.public_benchmark {
                format!(
                    "{} [public benchmark: test responses are public, not for prizes]",
                    c.title
                )
            } else {
                c.title.clone()
            };
            vec![
                c.id.clone(),
                c.kind.clone(),
                c.status.clone(),
                format!("{}/{}", c.n_train_trials, c.n_test_trials),
                c.daily_limit.to_string(),
                title,
            ]
        })
        .collect();
    table(
        &["ID", "KIND", "STATUS", "TRAIN/TEST", "LIMIT/DAY", "TITLE"],
        &rows,
    );
    Ok(())
}

/// Uploads a manifest, the files it names and, for a recorded challenge, the hidden recordings
/// (`hidden`: paths whose file names are the manifest's `hidden_files`); returns the new
/// challenge's id and hashes.
pub async fn create(
    client: &mut Client,
    manifest_path: &Path,
    hidden: &[PathBuf],
    id: Option<&str>,
    hidden_seed: Option<u64>,
) -> Result<pb::CreateChallengeResponse> {
    let text = std::fs::read_to_string(manifest_path)
        .with_context(|| format!("cannot read the manifest {}", manifest_path.display()))?;
    // Checked here too, so a typo is reported before any upload; the server checks again.
    let manifest = Manifest::parse(&text)?;
    let folder = manifest_path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for name in &manifest.files {
        let path = folder.join(name);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("files: cannot read {}", path.display()))?;
        files.push((name.clone(), bytes));
    }
    if let Some(extra) = hidden.iter().find(|p| {
        !p.file_name()
            .is_some_and(|n| manifest.hidden_files.iter().any(|h| n == h.as_str()))
    }) {
        anyhow::bail!(
            "--hidden {}: the manifest's hidden_files ({:?}) do not name this file",
            extra.display(),
            manifest.hidden_files
        );
    }
    let mut hidden_files = Vec::new();
    for name in &manifest.hidden_files {
        let path = hidden
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == name.as_str()))
            .with_context(|| {
                format!("hidden_files: the manifest needs {name:?}; give its path with --hidden")
            })?;
        let bytes = std::fs::read(path)
            .with_context(|| format!("--hidden: cannot read {}", path.display()))?;
        hidden_files.push((name.clone(), bytes));
    }
    let info = |list: &[(String, Vec<u8>)]| -> Vec<pb::FileInfo> {
        list.iter()
            .map(|(name, bytes)| pb::FileInfo {
                name: name.clone(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect()
    };
    let header = pb::CreateChallengeHeader {
        manifest_toml: text,
        files: info(&files),
        hidden_files: info(&hidden_files),
        challenge_id: id.unwrap_or_default().to_string(),
        hidden_seed,
    };
    files.extend(hidden_files);
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let bar = bytes_bar(total, "uploading");
    let mut messages = vec![pb::CreateChallengeChunk {
        part: Some(pb::create_challenge_chunk::Part::Header(header)),
    }];
    for (name, bytes) in &files {
        for (i, chunk) in bytes.chunks(CHUNK_BYTES).enumerate() {
            messages.push(pb::CreateChallengeChunk {
                part: Some(pb::create_challenge_chunk::Part::File(pb::FileChunk {
                    name: name.clone(),
                    offset: (i * CHUNK_BYTES) as u64,
                    data: chunk.to_vec(),
                })),
            });
        }
    }
    let progress = bar.clone();
    let stream = tokio_stream::iter(messages).map(move |m| {
        if let Some(pb::create_challenge_chunk::Part::File(c)) = &m.part {
            progress.inc(c.data.len() as u64);
        }
        m
    });
    let response = client
        .create_challenge(stream)
        .await
        .map_err(status_error)?
        .into_inner();
    bar.finish_and_clear();
    Ok(response)
}

/// `arena challenge create`.
pub async fn create_command(
    client: &mut Client,
    manifest: &Path,
    hidden: &[PathBuf],
    id: Option<&str>,
    hidden_seed: Option<u64>,
    as_json: bool,
) -> Result<()> {
    let r = create(client, manifest, hidden, id, hidden_seed).await?;
    if as_json {
        print_json(&json!({
            "challenge_id": r.challenge_id, "dataset_hash": r.dataset_hash,
            "full_dataset_hash": r.full_dataset_hash,
            "n_train_trials": r.n_train_trials, "n_test_trials": r.n_test_trials,
            "train_intrinsic_reliability": r.train_intrinsic_reliability,
            "test_intrinsic_reliability": r.test_intrinsic_reliability,
            "clustering_effect": r.clustering_effect.as_ref().map(effect_json),
        }));
    } else {
        let r_of = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.3}"));
        say!(
            "created challenge {} ({} training, {} test trials; dataset {}, full {}); intrinsic reliability R: training {}, test {}",
            r.challenge_id,
            r.n_train_trials,
            r.n_test_trials,
            r.dataset_hash,
            r.full_dataset_hash,
            r_of(r.train_intrinsic_reliability),
            r_of(r.test_intrinsic_reliability)
        );
        if let Some(e) = &r.clustering_effect {
            say!("{}", describe_effect(e));
        }
    }
    Ok(())
}

/// One line on the generator's clustering check (`arena challenge create`, `arena gauntlet`,
/// `arena demo`).
pub fn describe_effect(e: &pb::ClusteringEffect) -> String {
    let control = |name: &str, c: &Option<pb::ControlComparison>| match c {
        Some(c) => format!(
            "{name} {} ({:.2} Hz, Wilcoxon p = {:.1e}, sign test p = {:.1e})",
            c.spikes, c.rate_hz, c.wilcoxon_p, c.sign_test_p
        ),
        None => format!("{name} -"),
    };
    format!(
        "clustering effect over {} paired units: clustered {} spikes ({:.2} Hz) vs {}, {}; both significant at α = {}",
        e.units,
        e.clustered_spikes,
        e.clustered_rate_hz,
        control("time-dispersed", &e.time_dispersed),
        control("space-scattered", &e.space_scattered),
        e.alpha
    )
}

/// The clustering check as JSON (`arena challenge create --json`, `arena gauntlet --json`).
pub fn effect_json(e: &pb::ClusteringEffect) -> serde_json::Value {
    let control = |c: &Option<pb::ControlComparison>| {
        c.as_ref().map(|c| {
            json!({
                "spikes": c.spikes, "rate_hz": c.rate_hz,
                "mean_count_difference": c.mean_count_difference,
                "wilcoxon_p": c.wilcoxon_p, "sign_test_p": c.sign_test_p,
                "gamma_vs_clustered": c.gamma_vs_clustered,
            })
        })
    };
    json!({
        "alpha": e.alpha, "units": e.units,
        "clustered_spikes": e.clustered_spikes, "clustered_rate_hz": e.clustered_rate_hz,
        "time_dispersed": control(&e.time_dispersed),
        "space_scattered": control(&e.space_scattered),
    })
}

/// `arena challenge close`.
pub async fn close_command(
    client: &mut Client,
    challenge: &str,
    reason: &str,
    as_json: bool,
) -> Result<()> {
    let r = client
        .close_challenge(pb::CloseChallengeRequest {
            challenge_id: challenge.to_string(),
            reason: reason.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if as_json {
        print_json(&json!({ "challenge_id": r.challenge_id, "status": r.status }));
    } else {
        say!(
            "challenge {} is {}: the leaderboard now ranks the private part",
            r.challenge_id,
            r.status
        );
    }
    Ok(())
}
