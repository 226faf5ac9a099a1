//! The gRPC connection: one channel, the bearer token attached to every call.

use anyhow::{Context, Result};
use arena_proto::MAX_MESSAGE_BYTES;
use arena_proto::v1::arena_client::ArenaClient;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

/// Adds `authorization: Bearer <token>` to each request.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<tonic::metadata::Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            request.metadata_mut().insert("authorization", v.clone());
        }
        Ok(request)
    }
}

/// The client type every command uses.
pub type Client = ArenaClient<InterceptedService<Channel, Bearer>>;

/// Connects to `server` with `token`.
///
/// # Errors
/// If the URL is malformed or the server cannot be reached.
pub async fn connect(server: &str, token: Option<&str>) -> Result<Client> {
    let bearer = token
        .map(|t| {
            MetadataValue::try_from(format!("Bearer {}", t.trim()))
                .context("--token contains characters that cannot be sent in a header")
        })
        .transpose()?;
    let channel = Endpoint::from_shared(server.to_string())
        .with_context(|| format!("--server {server:?} is not a valid URL"))?
        .connect()
        .await
        .with_context(|| format!("cannot reach the server at {server}"))?;
    Ok(ArenaClient::with_interceptor(channel, Bearer(bearer))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES))
}

/// A gRPC status as a one-line error: `CODE: message`.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    use tonic::Code::*;
    let code = match status.code() {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    };
    anyhow::anyhow!("{code}: {}", status.message().replace('\n', " "))
}
