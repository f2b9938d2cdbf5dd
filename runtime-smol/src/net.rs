//! The socket under every transport: TCP (to the broker or to a SOCKS5 proxy), from a chosen
//! local address when one is set, with or without `TCP_NODELAY`; or a Unix domain socket.

use async_io::Async;
use std::io;
use std::net::{IpAddr, SocketAddr};

/// How the socket is opened ([`Options`](crate::Options) setters fill it in).
#[derive(Clone, Debug)]
pub(crate) struct NetOptions {
    /// Local address to bind before connecting (mosquitto's `-A`).
    pub(crate) bind: Option<IpAddr>,
    /// `TCP_NODELAY` (Nagle's algorithm off); on by default.
    pub(crate) nodelay: bool,
    /// Connect through this Unix domain socket instead of TCP.
    pub(crate) unix: Option<std::path::PathBuf>,
    /// Connect through this SOCKS5 proxy.
    pub(crate) proxy: Option<crate::socks::Socks5Proxy>,
}

impl Default for NetOptions {
    fn default() -> Self {
        Self { bind: None, nodelay: true, unix: None, proxy: None }
    }
}

/// The broker's (or proxy's) host name could not be resolved.
#[derive(Debug)]
pub(crate) struct HostNotFound {
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

/// A TCP connection to `host:port` as `opts` say: each resolved address in turn (only those
/// of the bind address's family when one is set), the first that accepts wins.
pub(crate) async fn connect_tcp(
    host: &str,
    port: u16,
    opts: &NetOptions,
) -> io::Result<async_net::TcpStream> {
    let addrs = async_net::resolve((host, port)).await.map_err(|e| {
        io::Error::new(io::ErrorKind::NotFound, HostNotFound { host: host.to_string(), source: e })
    })?;
    let tcp = match opts.bind {
        None => async_net::TcpStream::connect(&addrs[..]).await?,
        Some(local) => {
            let mut last = io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("{host} has no address of the bind address {local}'s family"),
            );
            let mut connected = None;
            for addr in addrs.iter().filter(|a| a.is_ipv4() == local.is_ipv4()) {
                match connect_from(local, *addr).await {
                    Ok(s) => {
                        connected = Some(s);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            connected.ok_or(last)?
        }
    };
    tcp.set_nodelay(opts.nodelay)?;
    Ok(tcp)
}

/// Connect to `addr` from `local` (port chosen by the system).
async fn connect_from(local: IpAddr, addr: SocketAddr) -> io::Result<async_net::TcpStream> {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket
        .bind(&SockAddr::from(SocketAddr::new(local, 0)))
        .map_err(|e| io::Error::new(e.kind(), format!("cannot bind to {local}: {e}")))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock || in_progress(&e) => {}
        Err(e) => return Err(e),
    }
    let stream = Async::new(std::net::TcpStream::from(socket))?;
    stream.writable().await?;
    if let Some(e) = stream.get_ref().take_error()? {
        return Err(e);
    }
    // Writable without an error can still mean "not connected" on some systems.
    stream.get_ref().peer_addr()?;
    Ok(async_net::TcpStream::from(stream))
}

/// Whether a non-blocking `connect` was started (`EINPROGRESS`).
fn in_progress(e: &io::Error) -> bool {
    #[cfg(unix)]
    return e.raw_os_error() == Some(libc::EINPROGRESS);
    #[cfg(not(unix))]
    return {
        let _ = e;
        false
    };
}

/// A connection to the Unix domain socket at `path`.
#[cfg(unix)]
pub(crate) async fn connect_unix(path: &std::path::Path) -> io::Result<async_net::unix::UnixStream> {
    async_net::unix::UnixStream::connect(path)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("Unix socket {}: {e}", path.display())))
}
