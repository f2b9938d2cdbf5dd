//! `--cafile --capath --cert --key --insecure`: the rustls configuration for `mqtts://` and
//! `wss://`. `--insecure` means what it means to mosquitto: the chain is still verified, only
//! the host name is not checked against the certificate.

use crate::common::refuse;
use clap::ArgMatches;
use futures_rustls::rustls::client::WebPkiServerVerifier;
use futures_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use futures_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use futures_rustls::rustls::{
    self, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sansmqtt_smol::{Options, TlsOptions};
use std::sync::Arc;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| refuse(format_args!("Unable to load {path}: {e}")))
}

fn certs(pem: &[u8], path: &str) -> Vec<CertificateDer<'static>> {
    rustls_pemfile::certs(&mut &*pem)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| refuse(format_args!("Unable to load certificates from {path}: {e}")))
}

/// Set the TLS configuration the options ask for on `options`.
pub(crate) fn apply(m: &ArgMatches, options: Options) -> Options {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    if let Some(f) = m.get_one::<String>("cafile") {
        for c in certs(&read(f), f) {
            roots.add(c).unwrap_or_else(|e| refuse(format_args!("CA certificate in {f}: {e}")));
        }
    }
    if let Some(dir) = m.get_one::<String>("capath") {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| refuse(format_args!("Unable to read {dir}: {e}")));
        for entry in entries.flatten() {
            let path = entry.path();
            if let Ok(pem) = std::fs::read(&path) {
                // Like OpenSSL's CA path, files that are not certificates are skipped.
                for c in rustls_pemfile::certs(&mut &*pem).flatten() {
                    let _ = roots.add(c);
                }
            }
        }
    }
    if roots.is_empty() {
        for c in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(c);
        }
    }
    if roots.is_empty() {
        refuse("no CA certificates: give --cafile or --capath");
    }
    let roots = Arc::new(roots);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| refuse(e));
    let builder = if m.get_flag("insecure") {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .unwrap_or_else(|e| refuse(format_args!("TLS: {e}")));
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyName(inner)))
    } else {
        builder.with_root_certificates(roots)
    };
    let config = match (m.get_one::<String>("cert"), m.get_one::<String>("key")) {
        (Some(cert), Some(key)) => {
            let chain = certs(&read(cert), cert);
            let key = rustls_pemfile::private_key(&mut &*read(key))
                .ok()
                .flatten()
                .unwrap_or_else(|| refuse(format_args!("Unable to load client key file \"{key}\".")));
            builder.with_client_auth_cert(chain, key).unwrap_or_else(|e| refuse(format_args!("TLS: {e}")))
        }
        (None, None) => builder.with_no_client_auth(),
        _ => refuse("Both certfile and keyfile must be provided if one of them is set."),
    };
    options.tls(TlsOptions::new().rustls_config(Arc::new(config)))
}

/// Verifies the chain like rustls does, accepting a certificate for another host name.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
