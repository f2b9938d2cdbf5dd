//! Feature `tls`: the broker's CA certificate and the optional client certificate and key,
//! from files named by build-time environment variables (PEM or DER), embedded as DER.
//! Without the feature it does nothing.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    for var in ["BROKER_CA", "CLIENT_CERT", "CLIENT_KEY"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if env::var_os("CARGO_FEATURE_TLS").is_none() {
        return;
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let embed = |var: &str, file: &str| -> String {
        let path = env::var(var).unwrap_or_else(|_| panic!("feature tls: set {var} to a PEM or DER file"));
        println!("cargo:rerun-if-changed={path}");
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{var}={path}: {e}"));
        fs::write(out.join(file), der(&bytes).unwrap_or_else(|| panic!("{var}={path}: bad PEM")))
            .expect("write DER");
        format!("include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\"))")
    };
    let ca = embed("BROKER_CA", "ca.der");
    let client = match (env::var_os("CLIENT_CERT"), env::var_os("CLIENT_KEY")) {
        (Some(_), Some(_)) => {
            format!(
                "Some(({}, {}))",
                embed("CLIENT_CERT", "client.der"),
                embed("CLIENT_KEY", "client-key.der")
            )
        }
        (None, None) => "None".into(),
        _ => panic!("feature tls: set both CLIENT_CERT and CLIENT_KEY, or neither"),
    };
    let code = format!(
        "/// The broker's CA certificate (DER).\npub const CA: &[u8] = {ca};\n\
         /// The client certificate and its key (DER), if any.\npub const CLIENT: Option<(&[u8], &[u8])> = {client};\n"
    );
    fs::write(out.join("certs.rs"), code).expect("write certs.rs");
}

/// DER as is, or the first PEM block decoded.
fn der(bytes: &[u8]) -> Option<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Some(bytes.to_vec()) };
    if !text.trim_start().starts_with("-----BEGIN") {
        return Some(bytes.to_vec());
    }
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64(body.trim())
}

/// Standard base64 with padding.
fn base64(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        acc = acc << 6 | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
