//! Certificates beyond a CA's chain, against Mosquitto's TLS 1.3 listener: a self-signed
//! broker certificate pinned by giving it as the CA (another self-signed one refused), and
//! expiry: an expired certificate is accepted without a clock (the documented gap) and refused
//! once the application supplies the time.
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::run_limited;
use common::tls::{assert_certificate_refused, attempt, cert_der};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, date_time_ymd};
use sansmqtt_embassy::tls::{TlsClock, TlsOptions};
use sansmqtt_tests::mosquitto::Mosquitto;

const LIMIT: Duration = Duration::from_secs(60);

/// A directory of the test's own, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sansmqtt-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn write(&self, file: &str, pem: &str) -> PathBuf {
        let p = self.0.join(file);
        std::fs::write(&p, pem).expect("write PEM");
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Mosquitto whose TLS 1.3 listener presents `cert` with `key`.
fn tls_listener(name: &str, ca: &Path, cert: &Path, key: &Path) -> Option<Mosquitto> {
    let conf = format!(
        "tls_version tlsv1.3\ncafile {}\ncertfile {}\nkeyfile {}\n",
        ca.display(),
        cert.display(),
        key.display()
    );
    Mosquitto::start(name, &conf)
}

/// A self-signed certificate for localhost: (certificate PEM, key PEM).
fn self_signed(cn: &str) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    (params.self_signed(&key).expect("self-signed").pem(), key.serialize_pem())
}

#[test]
fn a_pinned_self_signed_certificate_is_accepted_and_another_refused() {
    run_limited("embassy-tls-pinned", LIMIT, || {
        let dir = Dir::new("embassy-tls-pinned");
        let (cert, key) = self_signed("pinned broker");
        let (other, _) = self_signed("impostor");
        let cert_path = dir.write("server.pem", &cert);
        let key_path = dir.write("server.key", &key);
        let other_path = dir.write("other.pem", &other);
        let Some(broker) = tls_listener("embassy-tls-pinned", &cert_path, &cert_path, &key_path) else {
            return;
        };
        let pinned = cert_der(&cert_path);
        attempt(broker.addr, &TlsOptions::new("localhost", &pinned), "pinned")
            .expect("the pinned certificate");
        let wrong_pin = cert_der(&other_path);
        assert_certificate_refused(
            attempt(broker.addr, &TlsOptions::new("localhost", &wrong_pin), "wrong-pin"),
            "another self-signed certificate",
        );
    });
}

/// The host's clock, in seconds since the Unix epoch.
struct SystemClock;

impl TlsClock for SystemClock {
    // The wall clock is what this test is about: what an application with one supplies.
    #[allow(clippy::disallowed_methods)]
    fn now() -> Option<u64> {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
    }
}

#[test]
fn an_expired_certificate_is_refused_only_with_a_clock() {
    run_limited("embassy-tls-expired", LIMIT, || {
        let dir = Dir::new("embassy-tls-expired");
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "sansmqtt expiry test CA");
        let ca = ca_params.self_signed(&ca_key).expect("ca");
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(2001, 1, 1);
        let expired = params.signed_by(&key, &ca, &ca_key).expect("sign");
        let ca_path = dir.write("ca.pem", &ca.pem());
        let cert_path = dir.write("server.pem", &expired.pem());
        let key_path = dir.write("server.key", &key.serialize_pem());
        let Some(broker) = tls_listener("embassy-tls-expired", &ca_path, &cert_path, &key_path) else {
            return;
        };
        let ca_der = cert_der(&ca_path);
        // No clock (the default): the dates cannot be checked, and are not.
        attempt(broker.addr, &TlsOptions::new("localhost", &ca_der), "no-clock")
            .expect("accepted without a clock");
        // With the time: refused.
        let options = TlsOptions::new("localhost", &ca_der).with_clock::<SystemClock>();
        assert_certificate_refused(
            attempt(broker.addr, &options, "clock"),
            "an expired certificate with a clock",
        );
        // And a valid certificate with the clock still passes (the clock itself is not the cause).
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2100, 1, 1);
        let valid = params.signed_by(&key, &ca, &ca_key).expect("sign");
        let valid_path = dir.write("valid.pem", &valid.pem());
        drop(broker);
        let Some(valid_broker) = tls_listener("embassy-tls-valid", &ca_path, &valid_path, &key_path) else {
            return;
        };
        attempt(valid_broker.addr, &options, "clock-valid").expect("a valid certificate with a clock");
    });
}
