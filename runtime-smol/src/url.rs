//! Broker addresses: `mqtt://user:pass@host:port`, `mqtts://`, `ws://host:port/path`, `wss://`,
//! parsed with the `url` crate.

use core::fmt;
use core::str::FromStr;

/// The transport a [`BrokerUrl`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// MQTT over TCP (`mqtt://`, `tcp://`), default port 1883.
    Mqtt,
    /// MQTT over TLS (`mqtts://`, `ssl://`, `tls://`), default port 8883; feature `tls`.
    Mqtts,
    /// MQTT over WebSocket (`ws://`), default port 80; feature `ws`.
    Ws,
    /// MQTT over WebSocket over TLS (`wss://`), default port 443; features `ws` and `tls`.
    Wss,
}

impl Scheme {
    /// The port used when the URL names none.
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Mqtt => 1883,
            Self::Mqtts => 8883,
            Self::Ws => 80,
            Self::Wss => 443,
        }
    }

    /// Whether the transport runs over TLS.
    pub const fn is_tls(self) -> bool {
        matches!(self, Self::Mqtts | Self::Wss)
    }

    /// Whether the transport is a WebSocket.
    pub const fn is_websocket(self) -> bool {
        matches!(self, Self::Ws | Self::Wss)
    }
}

/// Why a broker URL could not be parsed. No variant repeats the user name or password: a
/// password cut short by an unencoded reserved character would otherwise show up as a port or
/// a host in the message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not one of `mqtt`, `tcp`, `mqtts`, `ssl`, `tls`, `ws`, `wss` (shown only
    /// when it is made of the characters a scheme may have; empty otherwise).
    UnknownScheme(String),
    /// No host name.
    MissingHost,
    /// The host is not a valid name or IP address.
    InvalidHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// A `%` escape in the user name or password is malformed, or does not decode to UTF-8.
    InvalidEscape,
    /// An `@` after the host: a user name or password holding `/`, `?` or `#` that is not
    /// percent-encoded, which ends the address early.
    UnencodedUserinfo,
    /// Not a URL for another reason.
    Malformed,
}

/// What every error about the address part after the scheme adds.
const ENCODE_HINT: &str =
    "reserved characters (/ ? # @ : %) in a user name or password must be percent-encoded";

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownScheme(s) => write!(f, "unknown scheme {s:?} in broker URL (mqtt, mqtts, ws, wss)"),
            Self::MissingHost => write!(f, "no host in broker URL ({ENCODE_HINT})"),
            Self::InvalidHost => write!(f, "invalid host in broker URL ({ENCODE_HINT})"),
            Self::InvalidPort => write!(f, "invalid port in broker URL ({ENCODE_HINT})"),
            Self::InvalidEscape => {
                f.write_str("malformed %-escape in the user name or password of the broker URL")
            }
            Self::UnencodedUserinfo => write!(f, "'@' after the host in broker URL: {ENCODE_HINT}"),
            Self::Malformed => write!(f, "malformed broker URL ({ENCODE_HINT})"),
        }
    }
}

impl core::error::Error for UrlError {}

/// A parsed broker address. Its `Debug` elides the password and its `Display` (for logs)
/// shows no credentials; both show a WebSocket path without its query (`?***`), which may
/// carry a token.
///
/// In the URL, a user name or password holding a reserved character (`/`, `?`, `#`, `@`,
/// `:`, `%`) must have it percent-encoded: `mqtt://alice:S3c%2FretPW@host` has the password
/// `S3c/retPW`, while `mqtt://alice:S3c/retPW@host` is refused ([`UrlError::InvalidPort`]).
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Transport.
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// WebSocket path (`/mqtt` when the URL has none); unused by TCP and TLS.
    pub path: String,
    /// User name from the URL, %-decoded.
    pub username: Option<String>,
    /// Password from the URL, %-decoded.
    pub password: Option<String>,
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerUrl")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &ShownPath(&self.path))
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl fmt::Display for BrokerUrl {
    /// The URL without credentials, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Mqtt => "mqtt",
            Scheme::Mqtts => "mqtts",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        };
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        write!(f, "{scheme}://{host}:{}", self.port)?;
        if self.scheme.is_websocket() {
            write!(f, "{}", ShownPath(&self.path))?;
        }
        Ok(())
    }
}

/// A WebSocket path as logs show it: without its query, which may carry a token (signed
/// URLs: `?X-Amz-Security-Token=...`), shown as `?***`.
struct ShownPath<'a>(&'a str);

impl fmt::Display for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('?') {
            Some((path, _)) => write!(f, "{path}?***"),
            None => f.write_str(self.0),
        }
    }
}

impl fmt::Debug for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Strict %-decoding: a `%` not followed by two hex digits, or bytes that are not UTF-8, are
/// an error (the `url` crate leaves both as they are).
fn percent_decode(s: &str) -> Result<String, UrlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(UrlError::InvalidEscape)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::InvalidEscape)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlError::InvalidEscape)
}

impl From<url::ParseError> for UrlError {
    fn from(e: url::ParseError) -> Self {
        use url::ParseError as P;
        match e {
            P::EmptyHost => Self::MissingHost,
            P::InvalidPort => Self::InvalidPort,
            P::IdnaError | P::InvalidIpv4Address | P::InvalidIpv6Address | P::InvalidDomainCharacter => {
                Self::InvalidHost
            }
            _ => Self::Malformed,
        }
    }
}

impl FromStr for BrokerUrl {
    type Err = UrlError;

    /// Parses `scheme://[user[:password]@]host[:port][/path]` (with the `url` crate); a bare
    /// `[user[:password]@]host[:port]` means `mqtt://`. The user name and password are
    /// percent-decoded: one holding a reserved character (`/`, `?`, `#`, `@`, `:`, `%`) must
    /// have it percent-encoded (`S3c/ret` as `S3c%2Fret`), or the URL is refused.
    fn from_str(s: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = match s.split_once("://") {
            Some((sch, rest)) => {
                let scheme = match sch.to_ascii_lowercase().as_str() {
                    "mqtt" | "tcp" => Scheme::Mqtt,
                    "mqtts" | "ssl" | "tls" => Scheme::Mqtts,
                    "ws" => Scheme::Ws,
                    "wss" => Scheme::Wss,
                    // Text before `://` that is no scheme may be a user name or password.
                    _ if sch.bytes().all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c)) => {
                        return Err(UrlError::UnknownScheme(sch.into()));
                    }
                    _ => return Err(UrlError::UnknownScheme(String::new())),
                };
                (scheme, rest)
            }
            None => (Scheme::Mqtt, s),
        };
        let name = match scheme {
            Scheme::Mqtt => "mqtt",
            Scheme::Mqtts => "mqtts",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        };
        let url = url::Url::parse(&format!("{name}://{rest}"))?;
        let after_host = [Some(url.path()), url.query(), url.fragment()];
        if after_host.iter().flatten().any(|p| p.contains('@')) {
            return Err(UrlError::UnencodedUserinfo);
        }
        let host = match url.host() {
            // An `mqtt://` host is opaque to the `url` crate (kept %-encoded, not lower-cased or
            // IDNA-mapped, as for a `ws://` one): parse it as the host name or address it is.
            Some(url::Host::Domain(d)) if !d.is_empty() => {
                match url::Host::parse(&percent_decode(d).map_err(|_| UrlError::InvalidHost)?)? {
                    url::Host::Domain(d) => d,
                    url::Host::Ipv4(a) => a.to_string(),
                    url::Host::Ipv6(a) => a.to_string(),
                }
            }
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(UrlError::MissingHost),
        };
        let port = match url.port() {
            None => scheme.default_port(),
            Some(0) => return Err(UrlError::InvalidPort),
            Some(p) => p,
        };
        let password = url.password().map(percent_decode).transpose()?;
        let username = match url.username() {
            "" if password.is_none() && !rest.contains('@') => None,
            u => Some(percent_decode(u)?),
        };
        // The WebSocket path as written (the `url` crate makes an absent one `/`).
        let path = if rest.contains('/') { url.path() } else { "/mqtt" };
        let path = match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        Ok(Self { scheme, host, port, path, username, password })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme_with_defaults_credentials_and_ipv6() {
        let u: BrokerUrl = "mqtt://alice:s%40cret@broker.example:1884".parse().unwrap();
        assert_eq!(
            (u.scheme, u.host.as_str(), u.port, u.username.as_deref(), u.password.as_deref()),
            (Scheme::Mqtt, "broker.example", 1884, Some("alice"), Some("s@cret"))
        );
        assert_eq!("mqtts://h".parse::<BrokerUrl>().unwrap().port, 8883);
        let ws: BrokerUrl = "ws://h/ws".parse().unwrap();
        assert_eq!((ws.scheme, ws.port, ws.path.as_str()), (Scheme::Ws, 80, "/ws"));
        let wss: BrokerUrl = "wss://h:9001".parse().unwrap();
        assert_eq!((wss.scheme, wss.port, wss.path.as_str()), (Scheme::Wss, 9001, "/mqtt"));
        let v6: BrokerUrl = "mqtt://[::1]:1883".parse().unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 1883));
        let bare: BrokerUrl = "127.0.0.1:1999".parse().unwrap();
        assert_eq!((bare.scheme, bare.port), (Scheme::Mqtt, 1999));
        assert_eq!(bare.to_string(), "mqtt://127.0.0.1:1999");
        assert!(!format!("{u:?}").contains("s@cret"), "Debug hides the password");
    }

    #[test]
    fn rejects_bad_urls_with_typed_errors() {
        assert_eq!("http://h".parse::<BrokerUrl>(), Err(UrlError::UnknownScheme("http".into())));
        assert_eq!("mqtt://:1883".parse::<BrokerUrl>(), Err(UrlError::MissingHost));
        assert_eq!("mqtt://h:0".parse::<BrokerUrl>(), Err(UrlError::InvalidPort));
        assert_eq!("mqtt://h:99999".parse::<BrokerUrl>(), Err(UrlError::InvalidPort));
        assert_eq!("mqtt://a%4@h".parse::<BrokerUrl>(), Err(UrlError::InvalidEscape));
        assert_eq!("mqtt://a:%ff@h".parse::<BrokerUrl>(), Err(UrlError::InvalidEscape));
        assert_eq!("ws://[::1/x".parse::<BrokerUrl>(), Err(UrlError::InvalidHost));
    }

    #[test]
    fn aliases_paths_queries_and_percent_decoding() {
        for (url, scheme) in
            [("tcp://h", Scheme::Mqtt), ("SSL://h", Scheme::Mqtts), ("tls://h", Scheme::Mqtts)]
        {
            let u: BrokerUrl = url.parse().unwrap();
            assert_eq!((u.scheme, u.port), (scheme, scheme.default_port()), "{url}");
        }
        let ws: BrokerUrl = "ws://h/".parse().unwrap();
        assert_eq!(ws.path, "/");
        let ws: BrokerUrl = "wss://h:8443/mqtt?token=S3cret".parse().unwrap();
        assert_eq!((ws.port, ws.path.as_str()), (8443, "/mqtt?token=S3cret"));
        assert_eq!(ws.to_string(), "wss://h:8443/mqtt?***");
        assert!(!format!("{ws:?}").contains("S3cret"), "{ws:?}");
        let u: BrokerUrl = "alice:p%C3%A4ss%3A%25@h:1999".parse().unwrap();
        assert_eq!(
            (u.scheme, u.host.as_str(), u.port, u.username.as_deref(), u.password.as_deref()),
            (Scheme::Mqtt, "h", 1999, Some("alice"), Some("päss:%"))
        );
        for url in ["mqtt://HÖ.example", "ws://HÖ.example", "mqtts://h%C3%B6.EXAMPLE"] {
            assert_eq!(url.parse::<BrokerUrl>().unwrap().host, "xn--h-1ga.example", "{url}");
        }
        let u: BrokerUrl = "mqtt://al%20ice@h".parse().unwrap();
        assert_eq!((u.username.as_deref(), u.password), (Some("al ice"), None));
    }

    /// A password with a reserved character: percent-encoded it arrives whole; not encoded,
    /// the URL is refused with an error that shows neither the user name nor any part of the
    /// password.
    #[test]
    fn reserved_characters_in_a_password_are_percent_encoded_or_refused_without_echo() {
        for (encoded, clear) in [
            ("S3c%2FretPW", "S3c/retPW"),
            ("S3c%40retPW", "S3c@retPW"),
            ("S3c%3FretPW", "S3c?retPW"),
            ("S3c%23retPW", "S3c#retPW"),
            ("S3c%3AretPW", "S3c:retPW"),
            ("S3c%25retPW", "S3c%retPW"),
        ] {
            for scheme in ["mqtt://", "ws://", ""] {
                let u: BrokerUrl = format!("{scheme}alice:{encoded}@host:1884").parse().unwrap();
                assert_eq!(u.password.as_deref(), Some(clear), "{scheme}{encoded}");
                assert_eq!((u.host.as_str(), u.port), ("host", 1884));
            }
        }
        for bad in [
            "mqtt://alice:S3c/retPW@host",
            "mqtt://alice:S3c?retPW@host",
            "mqtt://alice:S3c#retPW@host",
            "mqtt://alice:123/456@host",
            "mqtt://alice:123?456@host:1883",
            "ws://alice:123#456@host/mqtt",
            "mqtt://alice:S3c%retPW@host",
            "mqtt://alice:S3c%2retPW@host",
            "alice:S3c/retPW@host",
            "alice:S3c://retPW@host",
            "mqtt://alice:S3c:retPW@[host",
            "mqtt://alice:S3c retPW@ho st",
        ] {
            let e = bad.parse::<BrokerUrl>().expect_err(bad);
            for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                for part in ["alice", "S3c", "retPW", "123", "456"] {
                    assert!(!shown.contains(part), "{bad}: {shown:?} repeats {part:?}");
                }
            }
        }
    }
}
