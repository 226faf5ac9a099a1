//! Optional TLS for the gRPC endpoint (`arena-server serve --tls-cert --tls-key`): rustls with
//! the ring provider, through tonic's `tls-ring` feature (no system OpenSSL).

use std::path::Path;

use tonic::transport::{Identity, ServerTlsConfig};

use crate::ServerError;

/// The TLS configuration of a certificate chain and its private key, both PEM files. The key is
/// parsed when the server starts ([`crate::start_with`]).
///
/// # Errors
/// If either file cannot be read or holds no PEM block.
pub fn server_tls(cert: &Path, key: &Path) -> Result<ServerTlsConfig, ServerError> {
    let read = |path: &Path, what: &str| {
        let text = std::fs::read(path).map_err(|e| {
            ServerError::Tls(format!("cannot read the {what} {}: {e}", path.display()))
        })?;
        if !text.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err(ServerError::Tls(format!(
                "the {what} {} is not a PEM file",
                path.display()
            )));
        }
        Ok(text)
    };
    let identity = Identity::from_pem(read(cert, "certificate")?, read(key, "private key")?);
    Ok(ServerTlsConfig::new().identity(identity))
}

/// A transport error and its causes on one line (tonic's own text says only "transport error").
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
