//! `--cafile --capath --cert --key --insecure --tls-use-os-certs --tls-version --ciphers
//! --tls-alpn` (and the refused `--psk`): the rustls configuration for `mqtts://` and `wss://`. `--insecure` means what it means to mosquitto: the chain is still verified, only
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

/// TLS-PSK: rustls has no pre-shared-key mode (RFC 4279 / external PSKs in TLS 1.3), so
/// `--psk` and `--psk-identity` are refused, never ignored.
fn refuse_psk(m: &ArgMatches) {
    if m.contains_id("psk") || m.contains_id("psk-identity") {
        refuse("TLS-PSK (--psk, --psk-identity) is not supported: rustls has no pre-shared-key mode.");
    }
}

/// OpenSSL engines: rustls has none; `--keyform pem` (the default) is taken, with `--key`.
fn refuse_engines(m: &ArgMatches) {
    if m.contains_id("tls-engine") || m.contains_id("tls-engine-kpass-sha1") {
        refuse("OpenSSL engines (--tls-engine, --tls-engine-kpass-sha1) are not supported: rustls has none.");
    }
    match m.get_one::<String>("keyform").map(String::as_str) {
        None => {}
        Some(_) if !m.contains_id("key") => refuse("If keyform is set, keyfile must be also specified."),
        Some("pem") => {}
        Some("engine") => refuse("--keyform engine is not supported: rustls has no OpenSSL engines."),
        Some(other) => refuse(format_args!("Invalid keyform '{other}' (pem or engine).")),
    }
}

/// Without TLS, the TLS-only options are refused (mosquitto's tools ignore them then).
pub(crate) fn refuse_without_tls(m: &ArgMatches) {
    refuse_psk(m);
    refuse_engines(m);
    for (id, name) in [("tls-version", "--tls-version"), ("ciphers", "--ciphers"), ("tls-alpn", "--tls-alpn")]
    {
        if m.contains_id(id) {
            refuse(format_args!(
                "{name} needs TLS: give --cafile, --capath or --tls-use-os-certs (or an mqtts:// URL)."
            ));
        }
    }
}

/// `--tls-version`: mosquitto's tools take tlsv1.3 as TLS 1.3 only, and tlsv1.2 as TLS 1.2
/// or later. TLS 1.1 (which rustls does not speak) is refused.
fn versions(m: &ArgMatches) -> &'static [&'static rustls::SupportedProtocolVersion] {
    static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    match m.get_one::<String>("tls-version").map(String::as_str) {
        None | Some("tlsv1.2") => rustls::ALL_VERSIONS,
        Some("tlsv1.3") => &TLS13_ONLY,
        Some("tlsv1.1") => {
            refuse("--tls-version tlsv1.1 is not supported: rustls speaks TLS 1.2 and 1.3 only.")
        }
        Some(_) => refuse("Problem setting TLS options, check the options are valid."),
    }
}

/// The TLS 1.2 cipher suites rustls (ring) has, by their OpenSSL names.
const OPENSSL_NAMES: [(&str, rustls::CipherSuite); 6] = [
    ("ECDHE-ECDSA-AES256-GCM-SHA384", rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
    ("ECDHE-RSA-AES256-GCM-SHA384", rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    ("ECDHE-RSA-AES128-GCM-SHA256", rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    ("ECDHE-RSA-CHACHA20-POLY1305", rustls::CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
];

/// The crypto provider, with `--ciphers` applied: as OpenSSL's cipher list does, it chooses
/// among the TLS 1.2 suites and leaves TLS 1.3's alone. Only exact suite names are taken
/// (OpenSSL's keywords such as `HIGH` or `!aNULL` are refused).
fn provider(m: &ArgMatches) -> Arc<rustls::crypto::CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(list) = m.get_one::<String>("ciphers") {
        let mut chosen = Vec::new();
        for name in list.split([':', ',', ' ']).filter(|n| !n.is_empty()) {
            match OPENSSL_NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, suite)) => chosen.push(*suite),
                None => {
                    let known: Vec<&str> = OPENSSL_NAMES.iter().map(|(n, _)| *n).collect();
                    refuse(format_args!(
                        "unsupported cipher {name:?} in --ciphers (supported: {}).",
                        known.join(":")
                    ))
                }
            }
        }
        if chosen.is_empty() {
            refuse("--ciphers names no cipher suite.");
        }
        provider
            .cipher_suites
            .retain(|s| s.version() == &rustls::version::TLS13 || chosen.contains(&s.suite()));
    }
    Arc::new(provider)
}

/// Set the TLS configuration the options ask for on `options`.
pub(crate) fn apply(m: &ArgMatches, options: Options) -> Options {
    refuse_psk(m);
    refuse_engines(m);
    let versions = versions(m);
    let provider = provider(m);
    let mut roots = RootCertStore::empty();
    if m.get_flag("tls-use-os-certs") {
        for c in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(c);
        }
    }
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
        .with_protocol_versions(versions)
        .unwrap_or_else(|e| refuse(format_args!("TLS: {e}")));
    let builder = if m.get_flag("insecure") {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .unwrap_or_else(|e| refuse(format_args!("TLS: {e}")));
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyName(inner)))
    } else {
        builder.with_root_certificates(roots)
    };
    let mut config = match (m.get_one::<String>("cert"), m.get_one::<String>("key")) {
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
    if let Some(alpn) = m.get_one::<String>("tls-alpn") {
        config.alpn_protocols = vec![alpn.as_bytes().to_vec()];
    }
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
