//! The `CreateChallenge` upload: a header with the manifest and the list of files, then the files
//! in chunks. Received here, checked against the header as it arrives (size budget first, then
//! every chunk's file, offset and length, then each file's SHA-256) and against the manifest, so
//! the handler only sees whole files that are exactly the ones the manifest names.

use std::collections::{BTreeMap, BTreeSet};

use arena_challenge::families::Manifest;
use arena_challenge_core::hash::sha256_hex;
use arena_proto::v1 as pb;
use thiserror::Error;
use tonic::Streaming;

use crate::error::ApiError;

/// An uploaded file: name, SHA-256 (hex) and bytes.
pub type UploadedFile = (String, String, Vec<u8>);

/// A received upload: the header and every declared file, in header order (public files, then
/// hidden ones).
pub struct Upload {
    /// The header.
    pub header: pb::CreateChallengeHeader,
    /// The files.
    pub files: Vec<UploadedFile>,
}

/// Why an upload was refused; each names the file or the manifest key at fault.
#[derive(Debug, Error)]
pub enum UploadError {
    /// The declared sizes exceed the server's budget.
    #[error("data files total {total} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Declared total, bytes (exact: no sum of declared sizes wraps).
        total: u128,
        /// The budget, bytes.
        limit: u64,
    },
    /// A file name declared twice.
    #[error("file {0:?} is listed twice")]
    ListedTwice(String),
    /// A chunk for a file the header does not declare.
    #[error("chunk for file {0:?}, which the header does not list")]
    Unlisted(String),
    /// A chunk that does not continue its file.
    #[error("file {name:?}: chunk at offset {offset} but {received} bytes received so far")]
    Offset {
        /// The file.
        name: String,
        /// The chunk's offset.
        offset: u64,
        /// Bytes received before it.
        received: usize,
    },
    /// More bytes than declared.
    #[error("file {name:?}: more bytes than its declared size {size}")]
    Overflow {
        /// The file.
        name: String,
        /// Its declared size.
        size: u64,
    },
    /// Fewer bytes than declared.
    #[error("file {name:?}: received {received} of {size} bytes")]
    Short {
        /// The file.
        name: String,
        /// Bytes received.
        received: usize,
        /// Its declared size.
        size: u64,
    },
    /// The bytes do not have the declared hash.
    #[error("file {name:?}: SHA-256 is {received}, the header says {declared}")]
    Hash {
        /// The file.
        name: String,
        /// The hash of what arrived.
        received: String,
        /// The declared hash.
        declared: String,
    },
    /// A file the manifest names is not in the upload.
    #[error("{key}: {name:?} is named by the manifest but was not uploaded")]
    NotUploaded {
        /// `files` or `hidden_files`.
        key: &'static str,
        /// The file.
        name: String,
    },
    /// An uploaded file the manifest does not name.
    #[error("{key}: {name:?} was uploaded but the manifest does not name it")]
    NotNamed {
        /// `files` or `hidden_files`.
        key: &'static str,
        /// The file.
        name: String,
    },
}

impl UploadError {
    /// Whether the refusal is the size budget (RESOURCE_EXHAUSTED rather than INVALID_ARGUMENT).
    pub fn is_too_large(&self) -> bool {
        matches!(self, UploadError::TooLarge { .. })
    }
}

/// Receives the header and every file, holding at most `max_bytes` of declared data.
///
/// # Errors
/// [`ApiError::OutOfOrder`] for messages in the wrong order, [`UploadError`] for files that do
/// not match the header, the transport's status if the stream breaks.
pub async fn receive(
    mut stream: Streaming<pb::CreateChallengeChunk>,
    max_bytes: u64,
) -> Result<Upload, ApiError> {
    let header = match stream.message().await? {
        Some(pb::CreateChallengeChunk {
            part: Some(pb::create_challenge_chunk::Part::Header(h)),
        }) => h,
        _ => {
            return Err(ApiError::OutOfOrder(
                "the first message must be the header with the manifest",
            ));
        }
    };
    let declared: Vec<pb::FileInfo> = header
        .files
        .iter()
        .chain(&header.hidden_files)
        .cloned()
        .collect();
    within_budget(&declared, max_bytes)?;
    let mut bodies: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for f in &declared {
        if bodies
            .insert(f.name.clone(), Vec::with_capacity(f.size as usize))
            .is_some()
        {
            return Err(UploadError::ListedTwice(f.name.clone()).into());
        }
    }
    while let Some(chunk) = stream.message().await? {
        let Some(pb::create_challenge_chunk::Part::File(c)) = chunk.part else {
            return Err(ApiError::OutOfOrder(
                "only file chunks may follow the header",
            ));
        };
        let declared = declared.iter().find(|f| f.name == c.name);
        let (Some(body), Some(declared)) = (bodies.get_mut(&c.name), declared) else {
            return Err(UploadError::Unlisted(c.name).into());
        };
        if c.offset != body.len() as u64 {
            return Err(UploadError::Offset {
                name: c.name,
                offset: c.offset,
                received: body.len(),
            }
            .into());
        }
        if body.len() as u64 + c.data.len() as u64 > declared.size {
            return Err(UploadError::Overflow {
                name: c.name,
                size: declared.size,
            }
            .into());
        }
        body.extend_from_slice(&c.data);
    }
    let mut files = Vec::with_capacity(declared.len());
    for f in &declared {
        let body = bodies
            .remove(&f.name)
            .expect("every listed file has a body");
        if body.len() as u64 != f.size {
            return Err(UploadError::Short {
                name: f.name.clone(),
                received: body.len(),
                size: f.size,
            }
            .into());
        }
        let sha = sha256_hex(&body);
        if sha != f.sha256 {
            return Err(UploadError::Hash {
                name: f.name.clone(),
                received: sha,
                declared: f.sha256.clone(),
            }
            .into());
        }
        files.push((f.name.clone(), sha, body));
    }
    Ok(Upload { header, files })
}

/// Refuses declared sizes that total more than `max_bytes`, before anything is reserved for
/// them. The total is summed in `u128`: declared sizes are the client's numbers, and a sum in
/// `u64` wraps (2⁶² + 3·2⁶² is 0), which would let any one size through.
///
/// # Errors
/// [`UploadError::TooLarge`] with the exact total.
fn within_budget(declared: &[pb::FileInfo], max_bytes: u64) -> Result<(), UploadError> {
    let total: u128 = declared.iter().map(|f| u128::from(f.size)).sum();
    if total > u128::from(max_bytes) {
        return Err(UploadError::TooLarge {
            total,
            limit: max_bytes,
        });
    }
    Ok(())
}

/// Checks that the header lists exactly the files the manifest names, under the same key.
///
/// # Errors
/// [`UploadError::NotUploaded`] or [`UploadError::NotNamed`], naming the key and the file.
pub fn check_against(
    manifest: &Manifest,
    header: &pb::CreateChallengeHeader,
) -> Result<(), UploadError> {
    for (key, listed, sent) in [
        ("files", &manifest.files, &header.files),
        ("hidden_files", &manifest.hidden_files, &header.hidden_files),
    ] {
        let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        let sent: BTreeSet<&str> = sent.iter().map(|f| f.name.as_str()).collect();
        if let Some(missing) = listed.difference(&sent).next() {
            return Err(UploadError::NotUploaded {
                key,
                name: missing.to_string(),
            });
        }
        if let Some(extra) = sent.difference(&listed).next() {
            return Err(UploadError::NotNamed {
                key,
                name: extra.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> pb::FileInfo {
        pb::FileInfo {
            name: name.into(),
            size,
            ..Default::default()
        }
    }

    /// Issue 16 case 2: sizes whose `u64` sum wraps to 0 are refused with their true total,
    /// as is any one size above the limit; sizes within it pass.
    #[test]
    fn declared_sizes_cannot_wrap_past_the_budget() {
        let huge = [file("a.npy", 1 << 62), file("b.npy", 3 << 62)];
        let err = within_budget(&huge, 1 << 30).unwrap_err();
        assert!(err.is_too_large());
        assert_eq!(
            err.to_string(),
            format!(
                "data files total {} bytes; the limit is 1073741824 bytes",
                1u128 << 64
            )
        );
        assert!(within_budget(&[file("a.npy", u64::MAX)], 1 << 30).is_err());
        assert!(within_budget(&[file("a", 1 << 29), file("b", 1 << 29)], 1 << 30).is_ok());
        assert!(within_budget(&[file("a", 1 << 29), file("b", (1 << 29) + 1)], 1 << 30).is_err());
    }
}
