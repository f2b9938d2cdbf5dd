//! What the session reports: [`Event`]s, handles and the server's capabilities.

use crate::error::DisconnectReason;
use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::ReasonCode;
use sansmqtt_proto::property::PublishProperties;
use sansmqtt_proto::{PacketId, QoS};

/// Identifies a publish, subscribe or unsubscribe request from the command that created it
/// to its completion event, across reconnects. Not a packet id: tokens are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub(crate) u64);

impl Token {
    /// The token's number (increasing in request order).
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Identifies a received QoS 1 / QoS 2 message for [`Session::ack`](crate::Session::ack)
/// in [`AckMode::Manual`](crate::AckMode::Manual).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AckToken {
    pub(crate) seq: u64,
    pub(crate) packet_id: PacketId,
}

/// What the server announced in CONNACK (defaults for anything absent, and for 3.x).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerCapabilities {
    /// Receive Maximum: unacked QoS 1/2 publishes the server accepts (65,535 if absent).
    pub receive_maximum: u16,
    /// Maximum QoS the server accepts.
    pub maximum_qos: QoS,
    /// Whether retained messages are supported.
    pub retain_available: bool,
    /// Largest packet the server accepts.
    pub maximum_packet_size: Option<u32>,
    /// Topic aliases the server accepts.
    pub topic_alias_maximum: u16,
    /// Wildcard subscriptions supported.
    pub wildcard_subscription_available: bool,
    /// Subscription identifiers supported.
    pub subscription_identifiers_available: bool,
    /// Shared subscriptions supported.
    pub shared_subscription_available: bool,
    /// Keep-alive imposed by the server, seconds.
    pub server_keep_alive: Option<u16>,
    /// Client identifier assigned by the server (used when resuming).
    pub assigned_client_identifier: Option<String>,
    /// Session expiry imposed by the server, seconds.
    pub session_expiry_interval: Option<u32>,
    /// Another server to use.
    pub server_reference: Option<String>,
    /// Response Information.
    pub response_information: Option<String>,
    /// Reason String.
    pub reason_string: Option<String>,
}

impl Default for ServerCapabilities {
    fn default() -> Self {
        Self {
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
            server_keep_alive: None,
            assigned_client_identifier: None,
            session_expiry_interval: None,
            server_reference: None,
            response_information: None,
            reason_string: None,
        }
    }
}

/// Why a publish did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishFailure {
    /// The server answered PUBACK / PUBREC with this error reason (v5); or, with
    /// [`LimitPolicy::Reject`](crate::LimitPolicy::Reject), a queued message exceeded the
    /// Maximum QoS / Retain Available of the server it was about to go to (`QoSNotSupported`,
    /// `RetainNotSupported`).
    Rejected(ReasonCode),
    /// Its v5 Message Expiry Interval passed while it waited in the queue.
    Expired,
    /// Dropped from a full queue ([`QueueFullPolicy::DropOldest`](crate::QueueFullPolicy)).
    Dropped,
    /// Larger than the server's Maximum Packet Size (learned after it was queued, or lowered
    /// by the server of a resumed session before it could be resent).
    TooLarge,
    /// A QoS 0 message not yet written when the connection was lost.
    ConnectionLost,
}

impl core::fmt::Display for PublishFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Rejected(r) => write!(f, "refused by the server: {r}"),
            Self::Expired => f.write_str("its message expiry interval passed in the queue"),
            Self::Dropped => f.write_str("dropped from the full queue"),
            Self::TooLarge => f.write_str("larger than the server's maximum packet size"),
            Self::ConnectionLost => f.write_str("the connection was lost before it was written"),
        }
    }
}

/// A received application message. Borrows the session's receive buffer until the next
/// call to [`Session::poll_event`](crate::Session::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message<'a> {
    /// Topic (aliases already resolved).
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// QoS it was delivered with.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// DUP flag.
    pub dup: bool,
    /// The packet identifier of a QoS 1 / QoS 2 PUBLISH (paho's `mid`); `None` for QoS 0.
    /// The server's identifier space: reused once the flow completes, and unrelated to the
    /// [`Token`]s of this client's own publishes.
    pub packet_id: Option<PacketId>,
    /// v5 properties (the Topic Alias, if any, is already resolved into `topic`).
    pub properties: PublishProperties<'a>,
    /// In [`AckMode::Manual`](crate::AckMode::Manual), the token to acknowledge this QoS > 0 message.
    pub ack_token: Option<AckToken>,
}

/// Something the application should know. Emitted by [`Session::poll_event`](crate::Session::poll_event).
///
/// Counterparts of the usual callbacks: `Connected` = on_connect, `Disconnected` =
/// on_disconnect, `Subscribed` = on_subscribe, `Unsubscribed` = on_unsubscribe, `Published` =
/// on_publish, `Message` = on_message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// CONNACK accepted the connection. Resent and queued traffic follows.
    Connected {
        /// Whether the server resumed a stored session.
        session_present: bool,
        /// What the server supports.
        capabilities: ServerCapabilities,
    },
    /// The connection ended. If reconnecting is configured, the session asks for a new
    /// transport ([`Action::Connect`](crate::Action::Connect)) when the backoff expires.
    Disconnected(DisconnectReason),
    /// An application message arrived.
    Message(Message<'a>),
    /// A message larger than the receive buffer begins: its topic, flags and properties
    /// (`message.payload` is empty). Its payload follows in [`Event::MessageChunk`]s, in order,
    /// then [`Event::MessageEnd`] — or [`Event::MessageAborted`] if the connection is lost
    /// first (the server then sends it again, whole, after the reconnect).
    MessageStart {
        /// The message without its payload (`ack_token` is `None`: it comes with the end).
        message: Message<'a>,
        /// The payload's length in bytes.
        payload_len: usize,
    },
    /// The next piece of the payload of the message begun by [`Event::MessageStart`].
    MessageChunk(&'a [u8]),
    /// The message begun by [`Event::MessageStart`] is complete. Its ack (PUBACK / PUBREC) is
    /// sent now — in [`AckMode::Manual`](crate::AckMode::Manual), when the application acks
    /// `ack_token`.
    MessageEnd {
        /// In manual-ack mode, the token to acknowledge the message (QoS 1 / 2).
        ack_token: Option<AckToken>,
    },
    /// The connection was lost in the middle of the message begun by
    /// [`Event::MessageStart`]: what arrived of it is not a message (no ack was sent; the
    /// server sends it again).
    MessageAborted,
    /// A streamed publish (`Session::publish_streamed`, feature `streaming`)
    /// is sent again after a reconnect (no PUBACK / PUBREC came): its head went out (DUP = 1,
    /// the same packet id); write its payload again, from the start, with
    /// `Session::write_payload`.
    ResendPayload {
        /// The publish.
        token: Token,
        /// The payload's length in bytes.
        payload_len: usize,
    },
    /// A publish completed: QoS 0 written to the transport, QoS 1 PUBACK, QoS 2 PUBCOMP.
    Published {
        /// The request.
        token: Token,
        /// v5 reason (Success or No matching subscribers); Success for 3.x.
        reason: ReasonCode,
    },
    /// A publish will not complete.
    PublishFailed {
        /// The request.
        token: Token,
        /// Why.
        reason: PublishFailure,
    },
    /// SUBACK: one reason (granted QoS or error) per filter, in request order.
    Subscribed {
        /// The request.
        token: Token,
        /// Granted QoS (0x00-0x02) or an error code per filter.
        reasons: Vec<ReasonCode>,
    },
    /// UNSUBACK: v5 one reason per filter; empty for 3.x.
    Unsubscribed {
        /// The request.
        token: Token,
        /// Reasons (v5).
        reasons: Vec<ReasonCode>,
    },
    /// The server had lost the session, and the session made the remembered subscriptions
    /// again ([`Config::resubscribe_on_session_lost`](crate::Config::resubscribe_on_session_lost)):
    /// each filter with the server's answer, granted QoS or an error code (also for a filter
    /// this server cannot serve, which is not sent: 0x9E shared, 0xA1 Subscription Identifiers,
    /// 0xA2 wildcard subscriptions not supported; 0x80 when the SUBSCRIBE would exceed its
    /// Maximum Packet Size). One event per SUBSCRIBE (the filters made with one Subscription
    /// Identifier go together). No application request completes here: these subscriptions
    /// were not asked for on this connection.
    Resubscribed {
        /// Filter and answer, in the order they were first subscribed.
        filters: Vec<(String, ReasonCode)>,
    },
    /// The new connection did not resume the session: it started with Clean Start 1, or the
    /// server answered Session Present 0 in 5.0 (in 3.1.1 a Clean Session 0 reconnect keeps and
    /// re-sends its in-flight messages whatever Session Present says [MQTT-4.4.0-1]; the
    /// application learns the server lost its half from `Connected { session_present: false }`).
    ///
    /// What happens to each kind of outgoing work, in the order it goes out on the new
    /// connection:
    /// 1. subscribe / unsubscribe requests still waiting for their SUBACK / UNSUBACK are sent
    ///    again, then the remembered subscriptions are made again ([`Event::Resubscribed`]);
    /// 2. publishes in flight (sent, not completed) are named here and forgotten: never sent
    ///    again with [`SessionLostPolicy::HandBack`](crate::SessionLostPolicy::HandBack), the
    ///    default. [`SessionLostPolicy::ResendAsNew`](crate::SessionLostPolicy::ResendAsNew)
    ///    instead queues the ones the server had not received (no PUBREC yet) again as new
    ///    messages (DUP 0, new packet ids), in their original order and ahead of everything
    ///    queued, as far as the queue's bounds allow; only the rest are named here;
    /// 3. publishes still queued (never sent) are not affected by the policy: they are kept and
    ///    go out after those, in the order they were made.
    SessionLost {
        /// The publishes handed back.
        tokens: Vec<Token>,
    },
    /// An incoming QoS 2 exchange is complete: the server's PUBREL for the message with this
    /// packet id ([`Message::packet_id`]) arrived and PUBCOMP is on its way; the server will
    /// not send the message again. paho and libmosquitto hand a QoS 2 message to the
    /// application at this point; here the message comes when it arrives (exactly once either
    /// way), and this event says when its exchange ended, for applications that act then.
    Released {
        /// The packet identifier of the message (the server's; reused after this).
        packet_id: PacketId,
    },
    /// After `publish` failed with `QueueFull`: the queue has drained to half its bounds
    /// (messages and bytes), so there is room for a batch again.
    ReadyToPublish,
    /// A re-authentication ([`Session::reauthenticate`](crate::Session::reauthenticate)) succeeded.
    Reauthenticated,
}

/// Queue `Event::PublishFailed`: one out-of-line function for every place a message fails
/// (smaller firmware than building the event at each of them).
#[inline(never)]
pub(crate) fn publish_failed(
    events: &mut alloc::collections::VecDeque<Event<'static>>,
    token: Token,
    reason: PublishFailure,
) {
    events.push_back(Event::PublishFailed { token, reason });
}
