//! [`Error`]: what the client's commands and completions can fail with.

use crate::publish_stream::PayloadError;
use crate::store::StoreError;
use crate::url::UrlError;
use core::fmt;
use sansmqtt_session::{DisconnectReason, PublishFailure, TransportError};
use std::io;
use std::sync::Arc;

/// A client operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The session refused the command (invalid topic, queue full, not connected, ...);
    /// nothing was queued.
    Session(sansmqtt_session::Error),
    /// The broker URL is invalid.
    Url(UrlError),
    /// The connection attempt ended before CONNACK accepted it, for a reason of MQTT's: the
    /// broker refused CONNECT, sent no CONNACK in time, broke the protocol. (A transport that
    /// could not be opened or broke is [`Error::Transport`].)
    Connect(DisconnectReason),
    /// The connection attempt failed in the transport: refused, unknown host, TLS (a
    /// certificate the client does not trust, an alert from the broker), a WebSocket upgrade
    /// the server refused (its HTTP status), an I/O error. `source()` is the I/O error, and
    /// its own chain the TLS or WebSocket error.
    Transport(TransportFailure),
    /// The connection ended before this request was acknowledged, and no reconnect follows
    /// (automatic reconnect is off, or the application disconnected): its outcome is unknown.
    /// With the transport's failure when the transport ended it.
    ConnectionLost(DisconnectReason, Option<TransportFailure>),
    /// The publish will not complete.
    Publish(PublishFailure),
    /// The connection was re-made without the session (Clean Start, or Session Present 0)
    /// before the broker acknowledged this publish, so its outcome is unknown; it is not sent
    /// again unless the application publishes it again.
    SessionLost,
    /// The client was shut down (every handle dropped or the driver stopped).
    Closed,
    /// TLS configuration (certificates, keys) could not be loaded.
    Tls(String),
    /// The session store ([`Options::store`](crate::Options::store)) could not be opened,
    /// restored or written: the client does not work (see [`StoreError`]).
    Store(StoreError),
    /// The payload source of a [`Client::publish_stream`](crate::Client::publish_stream)
    /// failed, ended early or yielded more than announced: the publish was given up (the
    /// broker received no message for it).
    Payload(PayloadError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(e) => write!(f, "{e}"),
            Self::Url(e) => write!(f, "{e}"),
            Self::Connect(r) => write!(f, "connection failed: {r}"),
            Self::Transport(t) => write!(f, "cannot connect: {t}"),
            Self::ConnectionLost(r, None) => write!(f, "connection lost before the acknowledgement: {r}"),
            Self::ConnectionLost(_, Some(t)) => write!(f, "connection lost before the acknowledgement: {t}"),
            Self::Publish(p) => write!(f, "publish failed: {p}"),
            Self::SessionLost => f.write_str("the broker lost the session"),
            Self::Closed => f.write_str("client closed"),
            Self::Tls(e) => write!(f, "TLS configuration: {e}"),
            Self::Store(e) => write!(f, "{e}"),
            Self::Payload(e) => write!(f, "publish failed: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Session(e) => Some(e),
            Self::Url(e) => Some(e),
            Self::Transport(t) | Self::ConnectionLost(_, Some(t)) => Some(t),
            Self::Store(e) => Some(e),
            Self::Payload(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sansmqtt_session::Error> for Error {
    fn from(e: sansmqtt_session::Error) -> Self {
        Self::Session(e)
    }
}

impl From<UrlError> for Error {
    fn from(e: UrlError) -> Self {
        Self::Url(e)
    }
}

/// Why the transport to the broker failed: the session's summary ([`TransportError`]) and the
/// I/O error it came from, with its cause chain (the `rustls` error of a TLS failure, the
/// `tungstenite` error of a WebSocket failure with its HTTP response, the OS error).
#[derive(Clone, Debug)]
pub struct TransportFailure {
    kind: TransportError,
    error: Arc<io::Error>,
}

impl TransportFailure {
    pub(crate) fn new(error: io::Error) -> Self {
        Self { kind: crate::transport::classify(&error), error: Arc::new(error) }
    }

    /// What kind of failure: refused, host not found, TLS, WebSocket, reset...
    pub fn kind(&self) -> TransportError {
        self.kind
    }

    /// The I/O error, as the transport returned it.
    pub fn io_error(&self) -> &io::Error {
        &self.error
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind, self.error)
    }
}

impl core::error::Error for TransportFailure {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&*self.error)
    }
}
