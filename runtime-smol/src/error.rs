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
    /// The connection attempt ended before CONNACK accepted it (refused, timeout, transport
    /// error); with the transport's error when it failed with one (e.g. connection refused).
    Connect(DisconnectReason, Option<std::io::Error>),
    /// The connection ended before this request was acknowledged, and no reconnect follows
    /// (automatic reconnect is off, or the application disconnected): its outcome is unknown.
    /// With the transport's error when it failed with one.
    ConnectionLost(DisconnectReason, Option<std::io::Error>),
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
            Self::Connect(r, None) => write!(f, "connection failed: {r}"),
            Self::Connect(_, Some(e)) => write!(f, "connection failed: {e}"),
            Self::ConnectionLost(r, None) => write!(f, "connection lost before the acknowledgement: {r}"),
            Self::ConnectionLost(_, Some(e)) => write!(f, "connection lost before the acknowledgement: {e}"),
            Self::Publish(p) => write!(f, "publish failed: {}", PublishFailureText(p)),
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
            Self::Connect(_, Some(e)) | Self::ConnectionLost(_, Some(e)) => Some(e),
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

/// A [`PublishFailure`] in plain words (the session's type has no `Display`).
struct PublishFailureText<'a>(&'a PublishFailure);

impl fmt::Display for PublishFailureText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PublishFailure::Rejected(r) => write!(f, "refused by the broker: {r}"),
            PublishFailure::Expired => f.write_str("its message expiry interval passed in the queue"),
            PublishFailure::Dropped => f.write_str("dropped from the full queue"),
            PublishFailure::TooLarge => f.write_str("larger than the broker's maximum packet size"),
            PublishFailure::ConnectionLost => f.write_str("the connection was lost before it was written"),
            other => write!(f, "{other:?}"),
        }
    }
}
