//! [`TcpTransport`]: a [`Transport`](crate::Transport) over one embassy-net `TcpSocket`,
//! re-opened for every connection the session asks for.

use embassy_net::tcp::{ConnectError, State, TcpSocket};
use embassy_net::{IpEndpoint, Stack};
use embassy_time::{Duration, with_timeout};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

/// A TCP connection to the broker over an embassy-net [`Stack`], reusing one socket (and its
/// two buffers) for every connection.
///
/// `connect` waits for the stack's IP configuration (DHCP), so a lost WiFi link simply makes
/// connection attempts fail until it is back; the session's backoff paces the retries. `close`
/// is graceful: `close()` (FIN), then `flush()` until the broker acknowledges it, bounded by
/// the close timeout; a socket that does not finish in time is aborted. A socket is never
/// dropped open (that aborts the connection and leaves the broker waiting).
pub struct TcpTransport<'a> {
    stack: Stack<'a>,
    socket: TcpSocket<'a>,
    remote: IpEndpoint,
    close_timeout: Duration,
    io_timeout: Option<Duration>,
}

impl<'a> TcpTransport<'a> {
    /// A transport to `remote` over `stack`, with the socket's receive and transmit buffers.
    /// Defaults: close timeout 2 s; the socket gives up on unacknowledged data after 30 s.
    pub fn new(
        stack: Stack<'a>,
        rx_buffer: &'a mut [u8],
        tx_buffer: &'a mut [u8],
        remote: impl Into<IpEndpoint>,
    ) -> Self {
        Self {
            stack,
            socket: TcpSocket::new(stack, rx_buffer, tx_buffer),
            remote: remote.into(),
            close_timeout: Duration::from_secs(2),
            io_timeout: Some(Duration::from_secs(30)),
        }
    }

    /// How long `close` waits for the broker to acknowledge the FIN.
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The socket's own timeout (smoltcp: abort when sent data stays unacknowledged this
    /// long), applied at each connect; `None` disables it. A blocked write then fails instead
    /// of waiting forever on a dead link.
    pub fn with_io_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.io_timeout = timeout;
        self
    }

    /// Where the next connection goes.
    pub fn set_remote(&mut self, remote: impl Into<IpEndpoint>) {
        self.remote = remote.into();
    }

    /// The socket (state, endpoints, options).
    pub fn socket(&mut self) -> &mut TcpSocket<'a> {
        &mut self.socket
    }

    /// End whatever the socket holds, each step bounded by the close timeout: gracefully
    /// (`close()`, then `flush()` until the FIN is acknowledged) when `graceful` and the socket
    /// is open, then, if that failed or when not `graceful`, by an abort (`abort()`, then
    /// `flush()` until the reset is out). One await in a loop: one copy of the flush future's
    /// code for both ways and both callers.
    async fn end(&mut self, mut graceful: bool) {
        loop {
            if graceful {
                if self.socket.state() == State::Closed {
                    return;
                }
                self.socket.close();
            } else if self.socket.state() != State::Closed {
                self.socket.abort();
            }
            let flushed = with_timeout(self.close_timeout, self.socket.flush()).await;
            if !graceful || matches!(flushed, Ok(Ok(()))) {
                return;
            }
            graceful = false;
        }
    }
}

impl core::fmt::Debug for TcpTransport<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TcpTransport").field("remote", &self.remote).finish_non_exhaustive()
    }
}

/// A [`TcpTransport`] failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TcpError {
    /// Opening the connection failed.
    Connect(ConnectError),
    /// The connection was reset (by the peer, or by the socket's timeout).
    Io(embassy_net::tcp::Error),
}

impl core::fmt::Display for TcpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Connect(e) => write!(f, "connect failed: {e:?}"),
            Self::Io(e) => write!(f, "connection failed: {e:?}"),
        }
    }
}

impl core::error::Error for TcpError {}

impl embedded_io_async::Error for TcpError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Connect(ConnectError::ConnectionReset) => ErrorKind::ConnectionRefused,
            Self::Connect(ConnectError::TimedOut) => ErrorKind::TimedOut,
            Self::Connect(ConnectError::NoRoute) => ErrorKind::AddrNotAvailable,
            Self::Connect(_) => ErrorKind::Other,
            Self::Io(_) => ErrorKind::ConnectionReset,
        }
    }
}

impl ErrorType for TcpTransport<'_> {
    type Error = TcpError;
}

impl Read for TcpTransport<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TcpError> {
        self.socket.read(buf).await.map_err(TcpError::Io)
    }
}

impl Write for TcpTransport<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, TcpError> {
        self.socket.write(buf).await.map_err(TcpError::Io)
    }

    async fn flush(&mut self) -> Result<(), TcpError> {
        self.socket.flush().await.map_err(TcpError::Io)
    }
}

impl crate::Transport for TcpTransport<'_> {
    async fn connect(&mut self) -> Result<(), TcpError> {
        // A previous connection (or a cancelled attempt) may linger in any state: abort it.
        self.end(false).await;
        self.stack.wait_config_up().await;
        self.socket.set_timeout(self.io_timeout);
        // A failed attempt leaves the socket closed (embassy-net fails a connect only once the
        // socket is closed, or before it left that state), so there is nothing to reset here;
        // the next `connect` resets whatever a cancelled attempt left anyway.
        self.socket.connect(self.remote).await.map_err(TcpError::Connect)
    }

    async fn close(&mut self) {
        self.end(true).await;
    }
}
