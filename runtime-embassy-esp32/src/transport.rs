//! [`Transport`]: a byte stream that can be (re)opened and closed; [`Dial`] makes one from a
//! [`Connector`] that opens a fresh stream per connection.

use embassy_time::{Duration, with_timeout};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

/// A byte stream to the broker that the client opens at the session's
/// [`Action::Connect`](sansmqtt_session::Action::Connect) and closes at
/// [`Action::Close`](sansmqtt_session::Action::Close) or after an error.
///
/// Cancel safety (the client's `poll` relies on it): `read` and `write` lose nothing when their
/// future is dropped before completing (true of embassy-net's `TcpSocket` and of
/// `embedded-io-adapters` streams); `connect` and `close` may be dropped part-way and called
/// again, and must then start over cleanly.
pub trait Transport: Read + Write {
    /// Open the connection (after any previous one was closed). The client bounds it with the
    /// session's `connect_timeout`.
    fn connect(&mut self) -> impl Future<Output = Result<(), Self::Error>>;

    /// Close the connection gracefully in bounded time and leave the transport ready for
    /// `connect`. Never fails; closing a closed transport does nothing.
    fn close(&mut self) -> impl Future<Output = ()>;
}

/// Opens one fresh stream per connection (a std `TcpStream` through `embedded-io-adapters`, a
/// TLS session, a scripted test stream...). Wrap it in [`Dial`] to get a [`Transport`].
pub trait Connector {
    /// The stream.
    type Io: Read + Write;

    /// Open a stream to the broker.
    fn connect(&mut self) -> impl Future<Output = Result<Self::Io, <Self::Io as ErrorType>::Error>>;
}

/// A [`Transport`] over a [`Connector`]: the stream lives from `connect` to `close`.
#[derive(Debug)]
pub struct Dial<C: Connector> {
    connector: C,
    io: Option<C::Io>,
    close_timeout: Duration,
}

impl<C: Connector> Dial<C> {
    /// Not connected yet; `close` flushes for at most one second before dropping the stream.
    pub fn new(connector: C) -> Self {
        Self { connector, io: None, close_timeout: Duration::from_secs(1) }
    }

    /// How long `close` waits for the stream's flush.
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The connector.
    pub fn connector(&mut self) -> &mut C {
        &mut self.connector
    }

    /// The open stream, if any.
    pub fn io(&mut self) -> Option<&mut C::Io> {
        self.io.as_mut()
    }
}

/// A [`Dial`] failure: no stream is open, or the stream's own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialError<E> {
    /// Read or write without an open stream.
    NotConnected,
    /// The stream (or its connector) failed.
    Io(E),
}

impl<E: core::fmt::Debug> core::fmt::Display for DialError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::Io(e) => write!(f, "stream error: {e:?}"),
        }
    }
}

impl<E: core::fmt::Debug> core::error::Error for DialError<E> {}

impl<E: embedded_io_async::Error> embedded_io_async::Error for DialError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConnected => ErrorKind::NotConnected,
            Self::Io(e) => e.kind(),
        }
    }
}

impl<C: Connector> ErrorType for Dial<C> {
    type Error = DialError<<C::Io as ErrorType>::Error>;
}

impl<C: Connector> Read for Dial<C> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let io = self.io.as_mut().ok_or(DialError::NotConnected)?;
        io.read(buf).await.map_err(DialError::Io)
    }
}

impl<C: Connector> Write for Dial<C> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let io = self.io.as_mut().ok_or(DialError::NotConnected)?;
        io.write(buf).await.map_err(DialError::Io)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        let io = self.io.as_mut().ok_or(DialError::NotConnected)?;
        io.flush().await.map_err(DialError::Io)
    }
}

impl<C: Connector> Transport for Dial<C> {
    async fn connect(&mut self) -> Result<(), Self::Error> {
        self.close().await;
        let io = self.connector.connect().await.map_err(DialError::Io)?;
        self.io = Some(io);
        Ok(())
    }

    async fn close(&mut self) {
        if let Some(io) = self.io.as_mut() {
            let _ = with_timeout(self.close_timeout, io.flush()).await;
        }
        // Dropping the stream closes it (a std socket sends FIN).
        self.io = None;
    }
}
