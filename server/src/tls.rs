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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_non_pem_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let missing = dir.path().join("missing.pem");
        let e = server_tls(&junk, &junk).unwrap_err().to_string();
        assert!(e.contains("certificate") && e.contains("junk.pem") && e.contains("not a PEM"));
        let e = server_tls(&missing, &junk).unwrap_err().to_string();
        assert!(e.contains("cannot read the certificate") && e.contains("missing.pem"));
    }

    #[tokio::test]
    async fn a_key_that_is_not_a_key_stops_the_start_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("bad.pem");
        std::fs::write(
            &pem,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let tls = server_tls(&pem, &pem).unwrap();
        let started = crate::start_with(
            &dir.path().join("arena.db"),
            "127.0.0.1:0".parse().unwrap(),
            crate::ServerConfig::default(),
            Some(tls),
        )
        .await;
        let Err(e) = started else {
            panic!("a server started with no private key")
        };
        assert!(e.to_string().contains("private key"), "{e}");
    }
}
