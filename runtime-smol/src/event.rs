//! Owned events and messages, as delivered by [`Events`](crate::Events) and to handlers.

use sansmqtt_proto::property::PublishProperties;
use sansmqtt_proto::{PacketId, QoS, ReasonCode};
use sansmqtt_session::{AckToken, DisconnectReason, PublishFailure, Token};

/// A received application message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// Topic (v5 topic aliases already resolved).
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// QoS it was delivered with.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// DUP flag.
    pub dup: bool,
    /// The packet identifier of a QoS 1 / QoS 2 message (paho's `mid`); `None` for QoS 0.
    pub packet_id: Option<PacketId>,
    /// v5 properties (empty for 3.1.1).
    pub properties: PublishProperties<'static>,
    /// With [`Options::manual_acks`](crate::Options::manual_acks), a QoS 1 or 2 message's
    /// token for [`Client::ack`](crate::Client::ack); `None` otherwise.
    pub ack_token: Option<AckToken>,
}

impl Default for Message {
    fn default() -> Self {
        Self {
            topic: String::new(),
            payload: Vec::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
            packet_id: None,
            properties: PublishProperties::default(),
            ack_token: None,
        }
    }
}

impl Message {
    /// The payload as UTF-8 text, lossily.
    pub fn payload_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.payload)
    }

    /// Overwrite `self` with `m`, reusing its buffers (no allocation in steady state unless
    /// the message carries v5 properties).
    pub(crate) fn copy_from(&mut self, m: &sansmqtt_session::Message<'_>) {
        self.topic.clear();
        self.topic.push_str(m.topic);
        self.payload.clear();
        self.payload.extend_from_slice(m.payload);
        self.qos = m.qos;
        self.retain = m.retain;
        self.dup = m.dup;
        self.packet_id = m.packet_id;
        self.ack_token = m.ack_token;
        if !m.properties.is_empty() {
            self.properties = m.properties.clone().into_owned();
        } else if !self.properties.is_empty() {
            // (Skipped when already empty: the set is large, and 3.1.1 never has one.)
            self.properties = PublishProperties::default();
        }
    }
}

/// Something the application should know; the owned counterpart of
/// [`sansmqtt_session::Event`]. Each maps to a handler: `Connected` → `on_connect`,
/// `Disconnected` → `on_disconnect`, `Message` → `on_message` / topic handlers, `Published` and
/// `PublishFailed` → `on_publish`, `Subscribed` → `on_subscribe`, `Unsubscribed` → `on_unsubscribe`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
// Messages are the common case: boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// CONNACK accepted a connection (the first one or a reconnect).
    Connected {
        /// Whether the broker resumed a stored session.
        session_present: bool,
    },
    /// The connection ended; with reconnect configured, a new attempt follows after the backoff.
    Disconnected(DisconnectReason),
    /// A message arrived.
    Message(Message),
    /// A publish completed (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP).
    Published {
        /// The request.
        token: Token,
        /// v5 reason code (Success or No matching subscribers).
        reason: ReasonCode,
    },
    /// A publish will not complete.
    PublishFailed {
        /// The request.
        token: Token,
        /// Why.
        reason: PublishFailure,
    },
    /// SUBACK: a reason code (granted QoS or error) per filter.
    Subscribed {
        /// The request.
        token: Token,
        /// One per filter.
        reasons: Vec<ReasonCode>,
    },
    /// UNSUBACK (v5 reason codes; empty for 3.1.1).
    Unsubscribed {
        /// The request.
        token: Token,
        /// One per filter (v5).
        reasons: Vec<ReasonCode>,
    },
    /// The broker had lost the session, and the client made the remembered subscriptions again:
    /// each filter with the broker's answer (granted QoS or an error code). No `subscribe` call
    /// completes here.
    Resubscribed {
        /// Filter and answer.
        filters: Vec<(String, ReasonCode)>,
    },
    /// A re-authentication ([`Client::reauthenticate`](crate::Client::reauthenticate)) succeeded.
    Reauthenticated,
    /// The broker did not resume the session: these publishes' outcome is unknown.
    SessionLost {
        /// The publishes handed back.
        tokens: Vec<Token>,
    },
    /// An incoming QoS 2 exchange ended: the broker's PUBREL for the message with this packet
    /// id ([`Message::packet_id`]) arrived (where paho delivers QoS 2 messages; here the message
    /// came when it arrived, exactly once).
    Released {
        /// The message's packet id.
        packet_id: PacketId,
    },
    /// A message larger than the receive buffer ([`Options::receive_buffer_size`]) begins:
    /// its topic, flags and properties (`message.payload` is empty). Its payload follows in
    /// [`Event::MessageChunk`]s, then [`Event::MessageEnd`], or [`Event::MessageAborted`] if
    /// the connection is lost first (the broker then sends the message again).
    ///
    /// [`Options::receive_buffer_size`]: crate::Options::receive_buffer_size
    MessageStart {
        /// The message without its payload.
        message: Message,
        /// The payload's length in bytes.
        payload_len: usize,
    },
    /// The next piece of the payload of the message begun by [`Event::MessageStart`].
    MessageChunk(Vec<u8>),
    /// The message begun by [`Event::MessageStart`] is complete (its ack goes out now; in
    /// manual-ack mode when `ack_token` is acked).
    MessageEnd {
        /// In manual-ack mode, the token to acknowledge the message with (QoS 1 / 2).
        ack_token: Option<AckToken>,
    },
    /// The connection was lost in the middle of the message begun by
    /// [`Event::MessageStart`]: what arrived of it is not a message.
    MessageAborted,
}
