//! TLS with rustls (feature `tls`): system or custom CAs, client certificates (mutual TLS),
//! ALPN, server name override.

use crate::error::Error;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use futures_rustls::rustls::{self, ClientConfig, RootCertStore};
use std::io;
use std::sync::Arc;

/// TLS settings for `mqtts://` and `wss://`.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    ca: Vec<CertificateDer<'static>>,
    client_auth: Option<(Vec<CertificateDer<'static>>, Arc<PrivateKeyDer<'static>>)>,
    alpn: Vec<Vec<u8>>,
    server_name: Option<String>,
    config: Option<Arc<ClientConfig>>,
}

fn pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut &*pem)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Tls(format!("bad certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Tls("no certificate in PEM".into()));
    }
    Ok(certs)
}

impl TlsOptions {
    /// Verify the server against the system's trusted CAs (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust the CA certificates in `pem` (instead of the system's).
    pub fn ca_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.ca.extend(pem_certs(pem)?);
        Ok(self)
    }

    /// Trust the CA certificates in the PEM file at `path`.
    pub fn ca_file(self, path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let pem = std::fs::read(path.as_ref())
            .map_err(|e| Error::Tls(format!("{}: {e}", path.as_ref().display())))?;
        self.ca_pem(&pem)
    }

    /// Present a client certificate chain and its private key (mutual TLS), both PEM.
    pub fn client_auth_pem(mut self, cert_chain: &[u8], key: &[u8]) -> Result<Self, Error> {
        let certs = pem_certs(cert_chain)?;
        let key = rustls_pemfile::private_key(&mut &*key)
            .map_err(|e| Error::Tls(format!("bad key PEM: {e}")))?
            .ok_or_else(|| Error::Tls("no private key in PEM".into()))?;
        self.client_auth = Some((certs, Arc::new(key)));
        Ok(self)
    }

    /// ALPN protocols to offer (e.g. `["mqtt"]` for AWS IoT on port 443).
    pub fn alpn(mut self, protocols: &[&str]) -> Self {
        self.alpn = protocols.iter().map(|p| p.as_bytes().to_vec()).collect();
        self
    }

    /// The name to verify the server certificate against (default: the URL's host).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Use this rustls configuration as is (everything above but the server name is ignored).
    pub fn rustls_config(mut self, config: Arc<ClientConfig>) -> Self {
        self.config = Some(config);
        self
    }

    /// The rustls client configuration these options describe.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        if let Some(c) = &self.config {
            return Ok(c.clone());
        }
        let mut roots = RootCertStore::empty();
        if self.ca.is_empty() {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err("no system CA certificates found; set a CA with TlsOptions::ca_file".into());
            }
        } else {
            for cert in &self.ca {
                roots.add(cert.clone()).map_err(|e| format!("CA certificate: {e}"))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let mut config = match &self.client_auth {
            Some((certs, key)) => {
                builder.with_client_auth_cert(certs.clone(), key.clone_key()).map_err(|e| e.to_string())?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols.clone_from(&self.alpn);
        Ok(Arc::new(config))
    }

    pub(crate) fn server_name_override(&self) -> Option<&str> {
        self.server_name.as_deref()
    }
}

/// The TLS handshake over `stream`.
pub(crate) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    host: &str,
    config: &Result<Arc<ClientConfig>, String>,
    stream: S,
) -> io::Result<futures_rustls::client::TlsStream<S>> {
    let config = config.clone().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("server name {host:?}: {e}")))?;
    futures_rustls::TlsConnector::from(config).connect(name, stream).await
}
