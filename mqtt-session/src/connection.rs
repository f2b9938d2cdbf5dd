//! The link to the broker: where it stands, the protocol version it speaks, its keep-alive
//! and reconnect backoff, and what the server announced — everything that belongs to one
//! connection (or to the series of reconnects) rather than to the session's messages.

use crate::backoff::Schedule;
use crate::config::Config;
use crate::error::DisconnectReason;
use crate::event::ServerCapabilities;
use crate::keepalive::KeepAlive;
use crate::time::Instant;
use sansmqtt_proto::ProtocolVersion;

#[derive(Clone, Debug)]
pub(crate) enum Link {
    Idle,
    Opening,
    AwaitConnAck {
        deadline: Instant,
    },
    Connected,
    /// Closing: `Action::Close` once everything is written, at the latest at `deadline`.
    Closing {
        reason: DisconnectReason,
        close_emitted: bool,
        deadline: Instant,
    },
    Backoff {
        until: Instant,
    },
}

/// The session's connection-scoped state.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) link: Link,
    /// The protocol version in use (3.1.1 after a fallback from 5.0).
    pub(crate) version: ProtocolVersion,
    /// What the last CONNACK announced.
    pub(crate) caps: ServerCapabilities,
    pub(crate) keep_alive: KeepAlive,
    /// The reconnect schedule, when reconnecting automatically.
    pub(crate) backoff: Option<Schedule>,
    /// `Action::Connect`s not yet handed out by `poll_action` (the only action that is queued:
    /// `Action::Close` follows from the link's state). A count, not a queue of actions.
    pub(crate) connects_due: usize,
    /// Connection changes so far: the `RecvBuffer`'s bytes of an earlier connection are
    /// dropped when it is next used.
    pub(crate) epoch: u32,
    /// Enhanced authentication (v5).
    pub(crate) auth: Option<crate::auth::AuthSlot>,
}

impl Connection {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            link: Link::Idle,
            version: config.version,
            caps: ServerCapabilities::default(),
            keep_alive: KeepAlive::new(config.keep_alive_sent()),
            backoff: config.reconnect.map(Schedule::new),
            connects_due: 0,
            epoch: 0,
            auth: None,
        }
    }
}
