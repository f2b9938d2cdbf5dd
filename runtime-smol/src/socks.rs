//! Connecting through a SOCKS5 proxy (RFC 1928), with no authentication or with a user name
//! and password (RFC 1929). The proxy resolves the broker's host name (`socks5h`).

use crate::url::UrlError;
use core::fmt;
use core::str::FromStr;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::io;

/// A SOCKS5 proxy to reach the broker through: `socks5h://[user[:password]@]host[:port]`
/// (port 1080 when none is given), as mosquitto's `--proxy` takes it. The broker's host name
/// is resolved by the proxy. `Debug` elides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Socks5Proxy {
    /// The proxy's host name or IP address (IPv6 without brackets).
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// User name and password for the proxy (RFC 1929), each at most 255 bytes.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for Socks5Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socks5Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .finish_non_exhaustive()
    }
}

impl Socks5Proxy {
    /// The proxy at `host:port`, without authentication.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self { host: host.into(), port, credentials: None }
    }

    /// Authenticate to the proxy with a user name and password.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }
}

impl FromStr for Socks5Proxy {
    type Err = UrlError;

    /// Parses `socks5h://[user[:password]@]host[:port]` (user name and password
    /// percent-decoded); any other scheme is [`UrlError::UnknownScheme`].
    fn from_str(s: &str) -> Result<Self, UrlError> {
        let (scheme, _) = s.split_once("://").ok_or(UrlError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("socks5h") {
            let shown = scheme.bytes().all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
            return Err(UrlError::UnknownScheme(if shown { scheme.into() } else { String::new() }));
        }
        let url = url::Url::parse(s)?;
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(UrlError::MissingHost),
        };
        let port = match url.port() {
            Some(0) => return Err(UrlError::InvalidPort),
            p => p.unwrap_or(1080),
        };
        let decode = |v: &str| percent_decode(v).ok_or(UrlError::InvalidEscape);
        let mut proxy = Self::new(host, port);
        if !url.username().is_empty() {
            let password = url.password().map(decode).transpose()?.unwrap_or_default();
            proxy = proxy.credentials(decode(url.username())?, password);
        }
        Ok(proxy)
    }
}

/// Strict %-decoding to UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The proxy refused or failed the request.
#[derive(Debug)]
pub(crate) struct ProxyError(String);

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SOCKS5 proxy: {}", self.0)
    }
}

impl std::error::Error for ProxyError {}

fn refused(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, ProxyError(what.into()))
}

fn protocol(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, ProxyError(what.into()))
}

/// Ask the proxy on `stream` to connect to `host:port`.
pub(crate) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    proxy: &Socks5Proxy,
    host: &str,
    port: u16,
) -> io::Result<()> {
    // Greeting: the methods offered (0: none, 2: user name and password).
    let greeting: &[u8] = if proxy.credentials.is_some() { &[5, 2, 0, 2] } else { &[5, 1, 0] };
    stream.write_all(greeting).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    if choice[0] != 5 {
        return Err(protocol("not a SOCKS5 server"));
    }
    match (choice[1], &proxy.credentials) {
        (0, _) => {}
        (2, Some((user, password))) => {
            let (u, p) = (user.as_bytes(), password.as_bytes());
            let (Ok(ul), Ok(pl)) = (u8::try_from(u.len()), u8::try_from(p.len())) else {
                return Err(refused("user name or password longer than 255 bytes"));
            };
            let mut auth = Vec::with_capacity(3 + u.len() + p.len());
            auth.extend_from_slice(&[1, ul]);
            auth.extend_from_slice(u);
            auth.push(pl);
            auth.extend_from_slice(p);
            stream.write_all(&auth).await?;
            let mut status = [0u8; 2];
            stream.read_exact(&mut status).await?;
            if status[1] != 0 {
                return Err(refused("user name and password not accepted"));
            }
        }
        (0xFF, _) | (2, None) => return Err(refused("no acceptable authentication method")),
        _ => return Err(protocol("chose a method that was not offered")),
    }
    // CONNECT to an IPv4 / IPv6 address, or a host name the proxy resolves.
    let mut request = vec![5, 1, 0];
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            request.push(1);
            request.extend_from_slice(&a.octets());
        }
        Ok(std::net::IpAddr::V6(a)) => {
            request.push(4);
            request.extend_from_slice(&a.octets());
        }
        Err(_) => {
            let name = host.as_bytes();
            let len = u8::try_from(name.len()).map_err(|_| refused("host name longer than 255 bytes"))?;
            request.push(3);
            request.push(len);
            request.extend_from_slice(name);
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await?;
    if head[0] != 5 {
        return Err(protocol("malformed reply"));
    }
    if head[1] != 0 {
        let why = match head[1] {
            1 => "general failure",
            2 => "connection not allowed by ruleset",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "unknown error",
        };
        return Err(refused(format!("{why} (reply {})", head[1])));
    }
    // The bound address, which the client does not need.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len).await?;
            usize::from(len[0]) + 2
        }
        _ => return Err(protocol("malformed reply address")),
    };
    let mut skip = vec![0u8; rest];
    stream.read_exact(&mut skip).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_socks5h_urls_and_refuses_other_schemes() {
        let p: Socks5Proxy = "socks5h://alice:s%40cret@proxy.example:1085".parse().unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 1085));
        assert_eq!(p.credentials, Some(("alice".into(), "s@cret".into())));
        assert!(!format!("{p:?}").contains("s@cret"));
        let p: Socks5Proxy = "socks5h://[::1]".parse().unwrap();
        assert_eq!((p.host.as_str(), p.port, p.credentials), ("::1", 1080, None));
        assert_eq!("socks5://h".parse::<Socks5Proxy>(), Err(UrlError::UnknownScheme("socks5".into())));
        assert_eq!("http://h".parse::<Socks5Proxy>(), Err(UrlError::UnknownScheme("http".into())));
        assert_eq!("socks5h://h:0".parse::<Socks5Proxy>(), Err(UrlError::InvalidPort));
        assert_eq!("h:1080".parse::<Socks5Proxy>(), Err(UrlError::Malformed));
    }
}
