//! Test certificates made on the fly: a CA, a server certificate (for 127.0.0.1 unless told) and a client
//! certificate, written as PEM files into a directory of the test's own.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::path::PathBuf;

/// PEM files of a test PKI.
pub struct TestPki {
    /// The directory holding them (removed on drop).
    pub dir: PathBuf,
    /// CA certificate.
    pub ca: PathBuf,
    /// Server certificate (SAN 127.0.0.1 and localhost) and key.
    pub server_cert: PathBuf,
    /// Server key.
    pub server_key: PathBuf,
    /// Client certificate (CN `sansmqtt-test-client`).
    pub client_cert: PathBuf,
    /// Client key.
    pub client_key: PathBuf,
}

impl TestPki {
    /// Generate a CA and certificates signed by it under a fresh temporary directory.
    pub fn generate(name: &str) -> Self {
        Self::generate_for(name, &["127.0.0.1", "localhost"])
    }

    /// [`TestPki::generate`] with a server certificate for `server_names` only (to test host
    /// name checks, give names the test does not connect to).
    pub fn generate_for(name: &str, server_names: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!("sansmqtt-pki-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("pki dir");
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, format!("sansmqtt test CA {name}"));
        let ca = ca_params.self_signed(&ca_key).expect("ca cert");
        let leaf = |names: Vec<String>, cn: &str| {
            let key = KeyPair::generate().expect("key");
            let mut p = CertificateParams::new(names).expect("params");
            p.distinguished_name.push(DnType::CommonName, cn);
            let cert = p.signed_by(&key, &ca, &ca_key).expect("sign");
            (cert.pem(), key.serialize_pem())
        };
        let names: Vec<String> = server_names.iter().map(|n| (*n).to_string()).collect();
        let (server_pem, server_key) = leaf(names, server_names.first().copied().unwrap_or("server"));
        let (client_pem, client_key) = leaf(vec![], "sansmqtt-test-client");
        let write = |file: &str, pem: &str| {
            let p = dir.join(file);
            std::fs::write(&p, pem).expect("write pem");
            p
        };
        Self {
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server.pem", &server_pem),
            server_key: write("server.key", &server_key),
            client_cert: write("client.pem", &client_pem),
            client_key: write("client.key", &client_key),
            dir,
        }
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
