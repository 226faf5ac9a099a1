//! What the server's bench binaries share: an authenticated gRPC client and challenge creation
//! from a manifest on disk, the way `arena challenge create` uploads it.

use std::path::Path;

use arena_challenge::families::Manifest;
use arena_proto::v1 as pb;
use arena_proto::v1::arena_client::ArenaClient;
use sha2::{Digest, Sha256};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Adds `authorization: Bearer <token>` to every request.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Interceptor for Bearer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A client that sends one token with every call.
pub type Client = ArenaClient<InterceptedService<Channel, Bearer>>;

/// A client on `channel` authenticated by `token`.
pub fn client(channel: Channel, token: &str) -> Client {
    let header = format!("Bearer {token}").parse().expect("a token is ASCII");
    ArenaClient::with_interceptor(channel, Bearer(header))
}

/// Creates a challenge from `manifest_toml` (after `edit`) with the data files it names, read
/// from `dir`, and the hidden files at `hidden` (recorded challenges), under id `id`.
pub async fn create(
    org: &mut Client,
    dir: &Path,
    manifest_toml: &str,
    hidden: &[&Path],
    id: &str,
    hidden_seed: Option<u64>,
) -> pb::CreateChallengeResponse {
    let manifest = Manifest::parse(manifest_toml).expect("a demo manifest parses");
    let read = |path: &Path, name: &str| {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let info = pb::FileInfo {
            name: name.to_string(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        };
        (info, bytes)
    };
    let files: Vec<_> = manifest
        .files
        .iter()
        .map(|name| read(&dir.join(name), name))
        .collect();
    let hidden: Vec<_> = hidden
        .iter()
        .map(|path| {
            let name = path.file_name().expect("a file").to_string_lossy();
            read(path, &name)
        })
        .collect();
    let header = pb::CreateChallengeHeader {
        manifest_toml: manifest_toml.to_string(),
        files: files.iter().map(|(info, _)| info.clone()).collect(),
        challenge_id: id.to_string(),
        hidden_files: hidden.iter().map(|(info, _)| info.clone()).collect(),
        hidden_seed,
    };
    let mut chunks = vec![pb::CreateChallengeChunk {
        part: Some(pb::create_challenge_chunk::Part::Header(header)),
    }];
    for (info, bytes) in files.iter().chain(&hidden) {
        for (n, piece) in bytes.chunks(1 << 20).enumerate() {
            chunks.push(pb::CreateChallengeChunk {
                part: Some(pb::create_challenge_chunk::Part::File(pb::FileChunk {
                    name: info.name.clone(),
                    offset: (n << 20) as u64,
                    data: piece.to_vec(),
                })),
            });
        }
    }
    org.create_challenge(tokio_stream::iter(chunks))
        .await
        .unwrap_or_else(|s| panic!("creating {id}: {s}"))
        .into_inner()
}
