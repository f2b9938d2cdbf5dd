//! Opening a transport: TCP (`TCP_NODELAY`), then TLS and/or WebSocket as the URL asks, all
//! within the connect timeout. The driver sees a reader and a writer half.

use crate::url::{BrokerUrl, Scheme};
use futures_lite::{AsyncRead, AsyncWrite};
use std::io;
use std::time::Duration;

/// The read half of a transport.
pub(crate) type Reader = Box<dyn AsyncRead + Send + Unpin>;
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
    let tcp = async_net::TcpStream::connect((url.host.as_str(), url.port)).await?;
    tcp.set_nodelay(true)?;
    let _ = opts;
    match url.scheme {
        Scheme::Mqtt => Ok((Box::new(tcp.clone()), Box::new(tcp))),
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
    (Box::new(r), Box::new(w))
}
