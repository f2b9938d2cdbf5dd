//! Broker addresses: `mqtt://user:pass@host:port`, `mqtts://`, `ws://host:port/path`, `wss://`.

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

/// Why a broker URL could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not one of `mqtt`, `tcp`, `mqtts`, `ssl`, `tls`, `ws`, `wss`.
    UnknownScheme(String),
    /// No host name.
    MissingHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort(String),
    /// A `%` escape in the user name or password is malformed.
    InvalidEscape,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownScheme(s) => write!(f, "unknown scheme {s:?} (mqtt, mqtts, ws, wss)"),
            Self::MissingHost => f.write_str("no host in broker URL"),
            Self::InvalidPort(p) => write!(f, "invalid port {p:?}"),
            Self::InvalidEscape => f.write_str("malformed %-escape in broker URL"),
        }
    }
}

impl core::error::Error for UrlError {}

/// A parsed broker address.
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
            .field("path", &self.path)
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
            f.write_str(&self.path)?;
        }
        Ok(())
    }
}

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

impl FromStr for BrokerUrl {
    type Err = UrlError;

    /// Parses `scheme://[user[:password]@]host[:port][/path]`; a bare `host[:port]` means `mqtt://`.
    fn from_str(s: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = match s.split_once("://") {
            Some((sch, rest)) => {
                let scheme = match sch.to_ascii_lowercase().as_str() {
                    "mqtt" | "tcp" => Scheme::Mqtt,
                    "mqtts" | "ssl" | "tls" => Scheme::Mqtts,
                    "ws" => Scheme::Ws,
                    "wss" => Scheme::Wss,
                    _ => return Err(UrlError::UnknownScheme(sch.into())),
                };
                (scheme, rest)
            }
            None => (Scheme::Mqtt, s),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(percent_decode(user)?), Some(percent_decode(pass)?)),
                None => (Some(percent_decode(u)?), None),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let end = v6.find(']').ok_or(UrlError::MissingHost)?;
            let after = &v6[end + 1..];
            (&v6[..end], after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(UrlError::InvalidPort(p.into())),
            },
        };
        let path = if path.is_empty() { "/mqtt".to_string() } else { path.to_string() };
        Ok(Self { scheme, host: host.to_string(), port, path, username, password })
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
        assert_eq!("mqtt://h:0".parse::<BrokerUrl>(), Err(UrlError::InvalidPort("0".into())));
        assert_eq!("mqtt://h:99999".parse::<BrokerUrl>(), Err(UrlError::InvalidPort("99999".into())));
        assert_eq!("mqtt://a%4@h".parse::<BrokerUrl>(), Err(UrlError::InvalidEscape));
    }
}
