//! `arena audit`: a submission's audit bundle downloaded into a folder, and its offline
//! verification with the scoring library ([`arena_challenge::audit`]).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path};

use anyhow::{Context, Result, bail};
use arena_challenge::audit::{self, Bundle, MAX_FILE_BYTES, Report, Value};
use arena_challenge_core::hash::sha256_hex;
use arena_proto::v1 as pb;
use serde_json::json;

use crate::connect::{Client, status_error};
use crate::output::{bytes_bar, print_json, say, table};
use crate::retry::retrying;

/// The header and the files' bodies of one download.
type Download = (pb::AuditBundleHeader, BTreeMap<String, Vec<u8>>);

/// Most bytes a bundle may announce in all (4 GiB): checked on the header, before any file is
/// received.
const MAX_BUNDLE_BYTES: u64 = 4 << 30;

/// Streams a bundle into memory, every chunk checked against the size its header announced.
async fn download(mut client: Client, submission: &str) -> Result<Download> {
    let mut stream = client
        .audit_bundle(pb::AuditBundleRequest {
            submission_id: submission.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let header = match stream.message().await.map_err(status_error)? {
        Some(pb::AuditBundleChunk {
            part: Some(pb::audit_bundle_chunk::Part::Header(h)),
        }) => h,
        _ => bail!("the server did not start the bundle with its header"),
    };
    let mut sizes = BTreeMap::new();
    for f in &header.files {
        safe_path(&f.name)?;
        if f.size > MAX_FILE_BYTES {
            bail!(
                "the server announced {} of {} bytes, more than a bundle file may hold ({MAX_FILE_BYTES})",
                f.name,
                f.size
            );
        }
        sizes.insert(f.name.clone(), f.size);
    }
    let total: u64 = sizes.values().sum();
    if total > MAX_BUNDLE_BYTES {
        bail!("the server announced a bundle of {total} bytes, more than {MAX_BUNDLE_BYTES}");
    }
    let bar = bytes_bar(total, "downloading the bundle");
    let mut bodies: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    while let Some(chunk) = stream.message().await.map_err(status_error)? {
        if let Some(pb::audit_bundle_chunk::Part::File(c)) = chunk.part {
            let Some(&size) = sizes.get(&c.name) else {
                bail!(
                    "the server sent {:?}, a file its header did not list",
                    c.name
                );
            };
            let body = bodies.entry(c.name).or_default();
            if (body.len() + c.data.len()) as u64 > size {
                bail!("the server sent more bytes than the {size} its header announced");
            }
            bar.inc(c.data.len() as u64);
            body.extend_from_slice(&c.data);
        }
    }
    bar.finish_and_clear();
    Ok((header, bodies))
}

/// `name` if it is a relative path of plain components (no `..`, no root).
fn safe_path(name: &str) -> Result<&Path> {
    let path = Path::new(name);
    if name.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("the server sent an unsafe file name {name:?}");
    }
    Ok(path)
}

/// Downloads the bundle of `submission` into `out`, checking every file's SHA-256; returns
/// the header.
pub async fn bundle(
    client: &mut Client,
    submission: &str,
    out: &Path,
) -> Result<pb::AuditBundleHeader> {
    let (header, bodies) =
        retrying("audit bundle", || download(client.clone(), submission)).await?;
    for f in &header.files {
        let body = bodies.get(&f.name).map(Vec::as_slice).unwrap_or_default();
        if sha256_hex(body) != f.sha256 {
            bail!(
                "download of {} is corrupt (SHA-256 mismatch); try again",
                f.name
            );
        }
        let path = out.join(safe_path(&f.name)?);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(header)
}

/// `arena audit bundle`.
pub async fn bundle_command(
    client: &mut Client,
    submission: &str,
    out: &Path,
    as_json: bool,
) -> Result<()> {
    let header = bundle(client, submission, out).await?;
    if as_json {
        print_json(&json!({
            "submission_id": header.submission_id,
            "scope": header.scope,
            "out": out.display().to_string(),
            "files": header.files.iter().map(|f| json!({
                "name": f.name, "size": f.size, "sha256": f.sha256,
            })).collect::<Vec<_>>(),
        }));
    } else {
        say!(
            "wrote the {} audit bundle of {} ({} files) to {}",
            header.scope,
            header.submission_id,
            header.files.len(),
            out.display()
        );
    }
    Ok(())
}

/// `arena audit verify`: the report, then an error naming the first difference if any.
pub fn verify_command(dir: &Path, as_json: bool) -> Result<()> {
    let bundle = Bundle::read(dir)?;
    let report = audit::verify(&bundle)?;
    let first = report.first_difference();
    if as_json {
        print_json(&json!({
            "dir": dir.display().to_string(),
            "submission_id": bundle.info.submission_id,
            "scope": bundle.info.scope,
            "ok": report.ok(),
            "first_difference": first,
            "checks": report.checks,
            "comparisons": report.comparisons,
        }));
    } else {
        print_report(&bundle, &report);
    }
    match first {
        None => Ok(()),
        Some(reason) => bail!("audit of {} failed: {reason}", bundle.info.submission_id),
    }
}

/// The report as a table: the checks, then one row per score.
fn print_report(bundle: &Bundle, report: &Report) {
    let info = &bundle.info;
    say!(
        "audit of {} on {} ({} bundle; metrics {}, {})",
        info.submission_id,
        info.challenge_id,
        info.scope.as_str(),
        info.metrics_version,
        info.scoring_library_version
    );
    for c in &report.checks {
        say!(
            "{} {}: {}",
            if c.ok { "ok  " } else { "FAIL" },
            c.what,
            c.detail
        );
    }
    let cell = |v: &Value| match v {
        Value::Undefined(_) => "undefined".to_string(),
        v => v.to_string(),
    };
    let rows: Vec<Vec<String>> = report
        .comparisons
        .iter()
        .map(|c| {
            vec![
                c.place(),
                c.metric.clone(),
                cell(&c.stored),
                cell(&c.recomputed),
                if c.matches { "yes" } else { "NO" }.to_string(),
            ]
        })
        .collect();
    table(&["PART", "METRIC", "STORED", "RECOMPUTED", "MATCH"], &rows);
    let matched = report.comparisons.iter().filter(|c| c.matches).count();
    say!(
        "{matched} of {} stored scores recomputed bit for bit",
        report.comparisons.len()
    );
}

/// `arena audit submission`: [`bundle`] into a temporary folder, then [`verify_command`].
pub async fn submission_command(
    client: &mut Client,
    submission: &str,
    as_json: bool,
) -> Result<()> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    bundle(client, submission, dir.path()).await?;
    verify_command(dir.path(), as_json)
}
