//! [`Error`]: what the client's async methods return instead of an event.

use core::fmt;
use sansmqtt_session::{DisconnectReason, PublishFailure};

/// Why a client method returned without its result. Transport failures are not errors here:
/// they reach the application as [`Event::Disconnected`](sansmqtt_session::Event::Disconnected)
/// and the session reconnects if configured to (the last transport error is kept, see
/// [`Client::take_transport_error`](crate::Client::take_transport_error)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The session refused the command at once; nothing was queued.
    Session(sansmqtt_session::Error),
    /// The session is disconnected and will not reconnect by itself (no reconnect configured,
    /// or after `disconnect`): call [`Client::connect`](crate::Client::connect) to start again.
    Disconnected,
    /// [`Client::connect`](crate::Client::connect): the attempt ended before a CONNACK
    /// accepted it (if reconnecting is configured, the session keeps trying when polled).
    Connect(DisconnectReason),
    /// The publish will not complete.
    Publish(PublishFailure),
    /// The connection was re-made without the session (Clean Start, or Session Present 0)
    /// before the broker acknowledged the request: it was handed back, not sent again
    /// ([`SessionLostPolicy::HandBack`](sansmqtt_session::SessionLostPolicy::HandBack), the
    /// default). Publish it again if it must arrive.
    SessionLost,
    /// The transmit buffer given to [`Client::new`](crate::Client::new) is empty.
    EmptyBuffer,
    /// The journal could not keep the session's records; nothing depending on them was sent.
    #[cfg(feature = "persistence")]
    Store(crate::journal::StoreError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(e) => write!(f, "refused: {e}"),
            Self::Disconnected => f.write_str("disconnected, not reconnecting"),
            Self::Connect(r) => write!(f, "connect failed: {r}"),
            Self::Publish(r) => write!(f, "publish failed: {r:?}"),
            Self::SessionLost => f.write_str("the broker lost the session"),
            Self::EmptyBuffer => f.write_str("empty transmit buffer"),
            #[cfg(feature = "persistence")]
            Self::Store(e) => write!(f, "journal: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Session(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sansmqtt_session::Error> for Error {
    fn from(e: sansmqtt_session::Error) -> Self {
        Self::Session(e)
    }
}
