//! [`Error`]: what the client's commands and completions can fail with.

use crate::url::UrlError;
use core::fmt;
use sansmqtt_session::{DisconnectReason, PublishFailure};

/// A client operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The session refused the command (invalid topic, queue full, not connected, ...);
    /// nothing was queued.
    Session(sansmqtt_session::Error),
    /// The broker URL is invalid.
    Url(UrlError),
    /// The connection attempt ended before CONNACK accepted it (refused, timeout, transport error).
    Connect(DisconnectReason),
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(e) => write!(f, "{e}"),
            Self::Url(e) => write!(f, "{e}"),
            Self::Connect(r) => write!(f, "connection failed: {r}"),
            Self::Publish(p) => write!(f, "publish failed: {p:?}"),
            Self::SessionLost => f.write_str("the broker lost the session"),
            Self::Closed => f.write_str("client closed"),
            Self::Tls(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Session(e) => Some(e),
            Self::Url(e) => Some(e),
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
