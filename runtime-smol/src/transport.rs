//! Opening a transport: TCP (`TCP_NODELAY`), then TLS and/or WebSocket as the URL asks, all
//! within the connect timeout. The driver sees a reader and a writer half.

use crate::url::{BrokerUrl, Scheme};
use async_io::Async;
use futures_lite::{AsyncRead, AsyncWrite};
use sansmqtt_session::TransportError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// The read half of a transport.
pub(crate) enum Reader {
    /// Plain TCP, read by the driver straight into the session's buffer. `drained`: a read
    /// came back short or would block, so the next one waits for readiness first instead of
    /// trying a read that can only say "would block" (one system call less per wake-up).
    Tcp { stream: Arc<Async<std::net::TcpStream>>, drained: bool },
    /// TLS and/or WebSocket over TCP.
    #[cfg_attr(not(any(feature = "tls", feature = "ws")), allow(dead_code))]
    Layered(Box<dyn AsyncRead + Send + Unpin>),
}

/// The write half of a transport.
pub(crate) type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// What opening a transport needs besides the URL.
#[derive(Debug)]
pub(crate) struct TransportOptions {
    pub(crate) timeout: Duration,
    #[cfg(feature = "tls")]
    pub(crate) tls: Result<std::sync::Arc<futures_rustls::rustls::ClientConfig>, String>,
    #[cfg(feature = "tls")]
    pub(crate) server_name: Option<String>,
}

/// Open a transport to `url`, bounded by `opts.timeout`.
pub(crate) async fn open(url: &BrokerUrl, opts: &TransportOptions) -> io::Result<(Reader, Writer)> {
    let attempt = open_unbounded(url, opts);
    let timeout = async {
        async_io::Timer::after(opts.timeout).await;
        Err(io::Error::new(io::ErrorKind::TimedOut, "connect timeout"))
    };
    futures_lite::future::or(attempt, timeout).await
}

async fn open_unbounded(url: &BrokerUrl, opts: &TransportOptions) -> io::Result<(Reader, Writer)> {
    let addrs = async_net::resolve((url.host.as_str(), url.port)).await.map_err(|e| {
        io::Error::new(io::ErrorKind::NotFound, HostNotFound { host: url.host.clone(), source: e })
    })?;
    let tcp = async_net::TcpStream::connect(&addrs[..]).await?;
    tcp.set_nodelay(true)?;
    let _ = opts;
    match url.scheme {
        Scheme::Mqtt => Ok((Reader::Tcp { stream: tcp.clone().into(), drained: false }, Box::new(tcp))),
        #[cfg(feature = "tls")]
        Scheme::Mqtts => Ok(split(crate::tls::handshake(tls_name(url, opts), &opts.tls, tcp).await?)),
        #[cfg(feature = "ws")]
        Scheme::Ws => Ok(split(crate::ws::handshake(url, tcp).await?)),
        #[cfg(all(feature = "ws", feature = "tls"))]
        Scheme::Wss => {
            let tls = crate::tls::handshake(tls_name(url, opts), &opts.tls, tcp).await?;
            Ok(split(crate::ws::handshake(url, tls).await?))
        }
        #[allow(unreachable_patterns)]
        other => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{other:?} needs the crate feature {}", if other.is_tls() { "`tls`" } else { "`ws`" }),
        )),
    }
}

#[cfg(feature = "tls")]
fn tls_name<'a>(url: &'a BrokerUrl, opts: &'a TransportOptions) -> &'a str {
    opts.server_name.as_deref().unwrap_or(&url.host)
}

#[cfg(any(feature = "tls", feature = "ws"))]
fn split<T: AsyncRead + AsyncWrite + Send + Unpin + 'static>(t: T) -> (Reader, Writer) {
    let (r, w) = futures_lite::io::split(t);
    (Reader::Layered(Box::new(r)), Box::new(w))
}

/// The broker's host name could not be resolved.
#[derive(Debug)]
struct HostNotFound {
    host: String,
    source: io::Error,
}

impl std::fmt::Display for HostNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot resolve host {:?}: {}", self.host, self.source)
    }
}

impl std::error::Error for HostNotFound {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The session's summary of a transport error.
pub(crate) fn classify(e: &io::Error) -> TransportError {
    use io::ErrorKind as K;
    let inner = e.get_ref();
    if inner.is_some_and(|i| i.is::<HostNotFound>()) {
        return TransportError::HostNotFound;
    }
    #[cfg(feature = "tls")]
    if inner.is_some_and(|i| i.is::<futures_rustls::rustls::Error>()) {
        return TransportError::Tls;
    }
    #[cfg(feature = "ws")]
    if inner.is_some_and(|i| i.is::<async_tungstenite::tungstenite::Error>()) {
        return TransportError::WebSocket;
    }
    match e.kind() {
        K::ConnectionRefused => TransportError::Refused,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => TransportError::Reset,
        K::TimedOut => TransportError::TimedOut,
        K::HostUnreachable | K::NetworkUnreachable => TransportError::Unreachable,
        K::UnexpectedEof => TransportError::Closed,
        _ => TransportError::Io,
    }
}
