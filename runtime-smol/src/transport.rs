//! Opening a transport: the socket ([`net`](crate::net): TCP, possibly through a SOCKS5 proxy,
//! or a Unix socket), then TLS and/or WebSocket as the URL asks, all within the connect
//! timeout. The driver sees a reader and a writer half.

use crate::net::{HostNotFound, NetOptions};
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
    /// TLS and/or WebSocket, or a Unix socket.
    Layered(Box<dyn AsyncRead + Send + Unpin>),
}

/// The write half of a transport.
pub(crate) type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// What opening a transport needs besides the URL.
#[derive(Debug)]
pub(crate) struct TransportOptions {
    pub(crate) timeout: Duration,
    pub(crate) net: NetOptions,
    #[cfg(feature = "tls")]
    pub(crate) tls: Result<std::sync::Arc<futures_rustls::rustls::ClientConfig>, String>,
    #[cfg(feature = "tls")]
    pub(crate) server_name: Option<String>,
}

impl TransportOptions {
    /// What `options` say about opening transports.
    pub(crate) fn from_options(options: &crate::Options) -> Self {
        #[cfg(feature = "tls")]
        let tls = if options.url.scheme.is_tls() {
            options.tls.client_config()
        } else {
            Err("not a TLS URL".to_string())
        };
        Self {
            timeout: options.config.connect_timeout,
            net: options.net.clone(),
            #[cfg(feature = "tls")]
            tls,
            #[cfg(feature = "tls")]
            server_name: options.tls.server_name_override().map(String::from),
        }
    }
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
    if let Some(path) = &opts.net.unix {
        if opts.net.proxy.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a Unix socket and a SOCKS5 proxy cannot be combined",
            ));
        }
        #[cfg(unix)]
        return layer(url, opts, crate::net::connect_unix(path).await?).await;
        #[cfg(not(unix))]
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("no Unix sockets here: {}", path.display()),
        ));
    }
    let tcp = match &opts.net.proxy {
        None => crate::net::connect_tcp(&url.host, url.port, &opts.net).await?,
        Some(proxy) => {
            let mut tcp = crate::net::connect_tcp(&proxy.host, proxy.port, &opts.net).await?;
            crate::socks::handshake(&mut tcp, proxy, &url.host, url.port).await?;
            tcp
        }
    };
    match url.scheme {
        Scheme::Mqtt => Ok((Reader::Tcp { stream: tcp.clone().into(), drained: false }, Box::new(tcp))),
        _ => layer(url, opts, tcp).await,
    }
}

/// TLS and / or WebSocket over `stream`, as the URL's scheme asks (none for `mqtt://`).
async fn layer<S>(url: &BrokerUrl, opts: &TransportOptions, stream: S) -> io::Result<(Reader, Writer)>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let _ = opts;
    match url.scheme {
        Scheme::Mqtt => Ok(split(stream)),
        #[cfg(feature = "tls")]
        Scheme::Mqtts => Ok(split(crate::tls::handshake(tls_name(url, opts), &opts.tls, stream).await?)),
        #[cfg(feature = "ws")]
        Scheme::Ws => Ok(split(crate::ws::handshake(url, stream).await?)),
        #[cfg(all(feature = "ws", feature = "tls"))]
        Scheme::Wss => {
            let tls = crate::tls::handshake(tls_name(url, opts), &opts.tls, stream).await?;
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

fn split<T: AsyncRead + AsyncWrite + Send + Unpin + 'static>(t: T) -> (Reader, Writer) {
    let (r, w) = futures_lite::io::split(t);
    (Reader::Layered(Box::new(r)), Box::new(w))
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
