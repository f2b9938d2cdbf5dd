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
    connects_due: usize,
    /// Connection changes so far: the `RecvBuffer`'s bytes of an earlier connection are
    /// dropped when it is next used.
    epoch: u32,
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

    /// Start opening a transport: the link is `Opening` and one `Action::Connect` is due.
    // These four are inlined: out of line, their calls cost the ESP32-C3 firmware 30 B.
    #[inline(always)]
    pub(crate) fn open(&mut self) {
        self.link = Link::Opening;
        self.connects_due += 1;
    }

    /// Hand out a due `Action::Connect`, if any.
    #[inline(always)]
    pub(crate) fn take_connect(&mut self) -> bool {
        let due = self.connects_due > 0;
        if due {
            self.connects_due -= 1;
        }
        due
    }

    /// A connection began or ended: bytes received before belong to an earlier one.
    #[inline(always)]
    pub(crate) fn next_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// Which connection received bytes belong to (see `next_epoch`).
    #[inline(always)]
    pub(crate) fn epoch(&self) -> u32 {
        self.epoch
    }
}
