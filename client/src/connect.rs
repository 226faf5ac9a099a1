//! The gRPC connection: one channel, the bearer token attached to every call, TLS for an
//! `https://` server.

use std::path::Path;

use anyhow::{Context, Result, bail};
use arena_proto::MAX_MESSAGE_BYTES;
use arena_proto::v1::arena_client::ArenaClient;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

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

/// Connects to `server` with `token`; an `https://` server is reached over TLS, trusting the
/// PEM certificates of `tls_ca` if given (a private CA), else the system's roots.
///
/// The connection is made by the first call, not here: a server that cannot be reached is a
/// transport failure of that call, which [`crate::retry::retrying`] repeats where it is safe.
///
/// # Errors
/// If the URL is malformed, or `tls_ca` cannot be read or is given for a plaintext URL.
pub async fn connect(server: &str, token: Option<&str>, tls_ca: Option<&Path>) -> Result<Client> {
    let bearer = token
        .map(|t| {
            MetadataValue::try_from(format!("Bearer {}", t.trim()))
                .context("--token contains characters that cannot be sent in a header")
        })
        .transpose()?;
    let mut endpoint = Endpoint::from_shared(server.to_string())
        .with_context(|| format!("--server {server:?} is not a valid URL"))?;
    if endpoint.uri().scheme_str() == Some("https") {
        let tls = match tls_ca {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("cannot read --tls-ca {}", path.display()))?;
                ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
            }
            None => ClientTlsConfig::new().with_native_roots(),
        };
        endpoint = endpoint
            .tls_config(tls)
            .context("cannot set up TLS for the server")?;
    } else if let Some(path) = tls_ca {
        bail!(
            "--tls-ca {} is for an https:// server; --server is {server}",
            path.display()
        );
    }
    Ok(
        ArenaClient::with_interceptor(endpoint.connect_lazy(), Bearer(bearer))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES),
    )
}

/// A gRPC status the server (or the transport) answered a call with. Its text is one line,
/// `CODE: message`; [`crate::retry`] looks for it in an error's chain to tell a lost connection
/// from an answer.
#[derive(Debug)]
pub struct GrpcError(pub tonic::Status);

impl std::fmt::Display for GrpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            code_name(self.0.code()),
            self.0.message().replace('\n', " ")
        )?;
        // A transport failure's status says little ("tcp connect error"); its causes say why
        // ("Connection refused"), each once.
        let mut said = self.0.message().to_string();
        let mut cause = std::error::Error::source(&self.0);
        while let Some(c) = cause {
            let text = c.to_string().replace('\n', " ");
            if !said.contains(&text) {
                write!(f, ": {text}")?;
                said.push_str(&text);
            }
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for GrpcError {}

/// An error and its causes on one line, as `arena` prints them.
pub fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(|c| c.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join(": ")
}

/// A gRPC status as a one-line error: `CODE: message`.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::Error::new(GrpcError(status))
}

/// The name of a gRPC code as the protocol spells it.
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
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
    }
}
