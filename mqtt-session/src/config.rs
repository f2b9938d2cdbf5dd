//! Session configuration.

use crate::secret::Secret;
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::{ProtocolVersion, QoS};

/// Who acknowledges incoming QoS 1 / QoS 2 messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AckMode {
    /// The session acknowledges each message when the application pulls it from
    /// [`Session::poll_event`](crate::Session::poll_event).
    #[default]
    Auto,
    /// The application calls [`Session::ack`](crate::Session::ack) with the message's
    /// [`AckToken`](crate::AckToken). Acks still go out in arrival order [MQTT-4.6.0-2].
    Manual,
}

/// What happens to unacknowledged outgoing messages when a new connection starts without the
/// previous session: Clean Start (Clean Session) 1, or the broker answers Session Present 0 in
/// 5.0. (In 3.1.1 a Clean Session 0 reconnect re-sends them with DUP 1 and their original ids
/// whatever Session Present says [MQTT-4.4.0-1]; no policy applies.)
///
/// The policy decides only about publishes in flight (sent, not completed). Publishes still
/// queued, never sent, are kept and sent on the new connection whatever the policy; see
/// [`Event::SessionLost`](crate::Event::SessionLost) for the order.
///
/// The default follows the specification: the session state is discarded and not reused
/// (3.1.1 [MQTT-3.1.2-6], 5.0 [MQTT-3.1.2-4] [MQTT-3.2.2-5]). Nothing is lost silently:
/// every message dropped so is named in [`Event::SessionLost`](crate::Event::SessionLost), and
/// the application decides whether to publish it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SessionLostPolicy {
    /// Report every unacknowledged message in `SessionLost` and forget them (the default).
    #[default]
    HandBack,
    /// Publish the not-yet-received ones again as new messages (new flow, DUP = 0). Messages the
    /// broker had already received (PUBREC seen) are reported in `SessionLost`, never resent.
    ///
    /// A convenience outside the specification's rule above: a QoS 1 or QoS 2 message whose
    /// PUBLISH reached the old session but whose PUBACK / PUBREC was lost is delivered twice.
    ResendAsNew,
}

/// What `publish` does when the outgoing queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QueueFullPolicy {
    /// Refuse the new message with [`Error::QueueFull`](crate::Error::QueueFull).
    #[default]
    RejectNew,
    /// Drop the oldest queued (not yet sent) message, reported as `PublishFailed`.
    DropOldest,
}

/// What the session does when a request exceeds a limit the server announced in CONNACK
/// (Maximum QoS, Retain Available, Subscription Identifiers Available).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LimitPolicy {
    /// Adapt the request: lower the QoS, clear RETAIN, drop the subscription identifier.
    #[default]
    Downgrade,
    /// Refuse it with an [`Error`](crate::Error).
    Reject,
}

/// Reconnect schedule: exponential backoff with jitter.
///
/// The n-th consecutive attempt waits `min(max, min * factor^n)`, scaled by a random factor in
/// `[1 - jitter, 1]`. Randomness comes from the caller through `seed`.
///
/// Build with [`Backoff::new`] or [`Backoff::default`] and the `with_*` setters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// First delay.
    pub min: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Growth factor per attempt (>= 1).
    pub factor: f32,
    /// Fraction of the delay that is randomised (0 = none, 1 = full jitter).
    pub jitter: f32,
    /// Seed for the jitter (use OS randomness in adapters).
    pub seed: u64,
}

impl Backoff {
    /// Delays from `min` growing to `max`, with the default factor (2) and jitter (0.5).
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max, ..Self::default() }
    }

    /// The growth factor per attempt (>= 1).
    #[must_use]
    pub fn with_factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }

    /// The randomised fraction of each delay (0 = none, 1 = full jitter).
    #[must_use]
    pub fn with_jitter(mut self, jitter: f32) -> Self {
        self.jitter = jitter;
        self
    }

    /// The seed of the jitter (adapters use OS randomness).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            min: Duration::from_millis(500),
            max: Duration::from_secs(60),
            factor: 2.0,
            jitter: 0.5,
            seed: 1,
        }
    }
}

/// The Will Message of the session. Build with [`WillConfig::new`] and set the v5 fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WillConfig {
    /// Topic.
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// v5 Will Delay Interval, seconds.
    pub delay_interval: Option<u32>,
    /// v5 Message Expiry Interval, seconds.
    pub message_expiry_interval: Option<u32>,
    /// v5 Payload Format Indicator: the payload is UTF-8.
    pub payload_is_utf8: bool,
    /// v5 Content Type.
    pub content_type: Option<String>,
    /// v5 Response Topic.
    pub response_topic: Option<String>,
    /// v5 Correlation Data.
    pub correlation_data: Option<Vec<u8>>,
    /// v5 User Properties, in order.
    pub user_properties: Vec<(String, String)>,
}

impl WillConfig {
    /// A will with this topic, payload and QoS, not retained, without v5 properties.
    pub fn new(topic: impl Into<String>, payload: impl Into<Vec<u8>>, qos: QoS) -> Self {
        Self {
            topic: topic.into(),
            payload: payload.into(),
            qos,
            retain: false,
            delay_interval: None,
            message_expiry_interval: None,
            payload_is_utf8: false,
            content_type: None,
            response_topic: None,
            correlation_data: None,
            user_properties: Vec::new(),
        }
    }
}

/// Everything the session needs to know up front. Build with [`Config::new`] and adjust the
/// fields; limits here bound the session's memory.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Protocol version to speak first.
    pub version: ProtocolVersion,
    /// Retry with MQTT 3.1.1 when a 5.0 CONNECT is refused as unsupported.
    pub fallback_to_v3_1_1: bool,
    /// Client identifier; empty asks the server to assign one (v5; 3.1.1 needs clean start).
    pub client_id: String,
    /// Keep Alive (whole seconds, at most 65,535 s; zero disables). A fraction of a second is
    /// dropped: the session keeps exactly what CONNECT announces.
    pub keep_alive: Duration,
    /// Clean Session (3.x) / Clean Start (5.0) on the first connection. Reconnects resume the
    /// session (clean start 0) when `session_expiry_interval` > 0 or in 3.x with clean session 0.
    /// A new `Session` taking up a session the server stored earlier also needs
    /// [`resume_stored_session`](Self::resume_stored_session) in 5.0.
    pub clean_start: bool,
    /// v5 Session Expiry Interval, seconds.
    pub session_expiry_interval: u32,
    /// User name.
    pub username: Option<String>,
    /// Password; its `Debug` prints `***`. Set with `Some("...".into())` (also from bytes).
    pub password: Option<Secret>,
    /// Will Message.
    pub will: Option<WillConfig>,
    /// v5 Request Problem Information: whether the server may send a Reason String or User
    /// Properties on packets other than PUBLISH, CONNACK and DISCONNECT. On by default, which
    /// is also the server's default, so CONNECT carries the property only when it is off. When
    /// off, such a packet is a Protocol Error: the session closes the connection with
    /// DISCONNECT 0x82 ([`Violation::ProblemInformationNotRequested`](crate::Violation::ProblemInformationNotRequested),
    /// [MQTT-3.1.2-29]).
    pub request_problem_information: bool,
    /// v5 Request Response Information: ask the server for Response Information in CONNACK,
    /// reported in [`ServerCapabilities::response_information`](crate::ServerCapabilities::response_information).
    /// Off by default (the property is then not sent).
    pub request_response_information: bool,
    /// v5 User Properties of CONNECT, in order; not sent in 3.x. Names and values are UTF-8
    /// Encoded Strings: no U+0000, at most 65,535 bytes each
    /// ([`connect`](crate::Session::connect) refuses others).
    pub user_properties: Vec<(String, String)>,
    /// Most incoming QoS 1/2 messages unacknowledged at once (v5 Receive Maximum we announce;
    /// also enforced in 3.x to bound memory). 65,535, the default, leaves the property out of
    /// CONNECT (it means the same); see [`Config::new`] for why. Each such message costs the
    /// session 2 bytes while a QoS 2 PUBREL is awaited, and in [`AckMode::Manual`] one ack
    /// entry (16 bytes) until the application acks: a microcontroller sets a small value.
    /// 0 is refused by [`connect`](crate::Session::connect).
    pub receive_maximum: u16,
    /// Largest incoming packet accepted; sizes the receive buffer
    /// ([`Session::new_recv_buffer`](crate::Session::new_recv_buffer)) unless
    /// `receive_buffer_size` is set. A larger packet closes the connection (v5: DISCONNECT
    /// 0x95 Packet too large). At least [`Config::MIN_PACKET_SIZE`], or
    /// [`connect`](crate::Session::connect) refuses the configuration.
    pub max_packet_size: u32,
    /// The receive buffer's size, when smaller than `max_packet_size`: a PUBLISH that does not
    /// fit is then streamed through it ([`Event::MessageStart`](crate::Event::MessageStart),
    /// chunks, end), so a large message needs no buffer of its size. Every other packet, and a
    /// PUBLISH's topic and properties, must fit. `None` (the default): `max_packet_size`, and
    /// every message arrives whole ([`Event::Message`](crate::Event::Message)). At least
    /// [`Config::MIN_PACKET_SIZE`].
    pub receive_buffer_size: Option<u32>,
    /// v5: announce `max_packet_size` in CONNECT as Maximum Packet Size (the default), so that
    /// the server does not send larger packets [MQTT-3.1.2-24] but drops them. When off, the
    /// property is left out and the server believes there is no limit; a packet larger than
    /// `max_packet_size` still closes the connection, since memory is bounded here.
    pub announce_max_packet_size: bool,
    /// Incoming topic aliases accepted (v5 Topic Alias Maximum we announce).
    pub topic_alias_maximum: u16,
    /// Outgoing topic aliases to use at most (v5; also capped by the server's Topic Alias
    /// Maximum). 0 (the default) sends every topic in full.
    pub topic_alias_outgoing: u16,
    /// Most outgoing QoS 1/2 messages unacknowledged at once (also capped by the server's
    /// Receive Maximum). Also the most emptied message buffers the session keeps to reuse, so
    /// that a steady stream of publishes allocates nothing per message. 20 by default (see
    /// [`Config::new`]); 0 is refused by [`connect`](crate::Session::connect).
    pub max_inflight: u16,
    /// Most messages waiting to be sent (offline or behind the flow-control window).
    pub max_queued_messages: usize,
    /// Most bytes of encoded messages waiting to be sent.
    pub max_queued_bytes: usize,
    /// What `publish` does when the queue is full.
    pub queue_full_policy: QueueFullPolicy,
    /// Whether messages are queued while disconnected (otherwise `publish` fails with
    /// [`Error::NotConnected`](crate::Error::NotConnected)).
    pub queue_while_disconnected: bool,
    /// Who acknowledges incoming messages.
    pub ack_mode: AckMode,
    /// Unacked messages after a lost session.
    pub session_lost_policy: SessionLostPolicy,
    /// Re-send the remembered subscriptions when the broker lost the session.
    pub resubscribe_on_session_lost: bool,
    /// On the first connection of this `Session` with Clean Start 0, accept a session the
    /// server stored for this Client Identifier although this `Session` holds no state of it:
    /// a restarted process taking up its subscriptions and the messages queued for it.
    ///
    /// Off by default, as MQTT 5.0 [MQTT-3.2.2-4] requires: a client without Session State
    /// that receives Session Present 1 closes the connection (DISCONNECT 0x82,
    /// [`Violation::SessionPresentWithoutState`](crate::Violation::SessionPresentWithoutState)),
    /// and the next attempt starts a new session (Clean Start 1). Turn it on only when nothing
    /// can have been left in flight, e.g. the previous process ended with a DISCONNECT. MQTT
    /// 3.1.1 leaves the choice to the client; this session accepts the stored session there.
    pub resume_stored_session: bool,
    /// Server limits (Maximum QoS, Retain Available, Subscription Identifiers Available).
    pub limit_policy: LimitPolicy,
    /// How long to wait for CONNACK.
    pub connect_timeout: Duration,
    /// How long to wait for PINGRESP; `None` means half the keep-alive, so a dead connection
    /// is noticed within 1.5 × keep-alive. Capped at the keep-alive (nothing is sent while
    /// waiting, and the interval between packets must not exceed it [MQTT-3.1.2-23]).
    pub ping_timeout: Option<Duration>,
    /// Reconnect automatically after a connection loss (`None`: stay disconnected).
    pub reconnect: Option<Backoff>,
    /// Upper bound on buffered outgoing bytes (a single larger packet is still accepted);
    /// also on the capacity of the emptied message buffers kept for reuse.
    pub tx_buffer_size: usize,
}

impl Config {
    /// The defaults, the same for every runtime (the adapters take theirs from here):
    ///
    /// | field | default | why |
    /// |---|---|---|
    /// | `keep_alive` | 60 s | paho's and mosquitto's; a dead link is noticed within 1.5 × keep-alive |
    /// | `clean_start` | on | a new session each time unless asked; `session_expiry_interval` 0 |
    /// | `reconnect` | on: 0.5 s doubling to 60 s, half jittered | a long-lived client survives broker restarts; a one-shot tool sets `None`, or it retries forever after a failure |
    /// | `receive_maximum` | 65,535 (property left out) | paho's and mosquitto_sub's. Mosquitto 2.x (Debian 12's 2.0.11) frees a QoS 2 slot at PUBREC instead of PUBCOMP, so a QoS 2 burst to a slow reader overruns a smaller value, which the client must then answer with DISCONNECT 0x93. Set it small on a microcontroller (the ESP32 example uses 4) |
    /// | `max_inflight` | 20 | paho's and mosquitto_pub's: a 3.1.1 client cannot learn how many QoS 2 flows the broker takes at once; Mosquitto takes 20 and drops messages of further ones. In 5.0 the server's Receive Maximum also caps it |
    /// | `max_packet_size` | 1 MiB, announced | bounds the receive buffer; announced so the server drops larger packets instead of closing the connection |
    /// | `receive_buffer_size` | `None` (= `max_packet_size`) | messages arrive whole, as in every other client; set it to stream larger ones through a small buffer |
    /// | `topic_alias_maximum` | 16 | v5 incoming aliases accepted: a server may save the topic on repeated messages; costs at most 16 topic strings |
    /// | `topic_alias_outgoing` | 0 | every topic sent in full (aliases are an optimisation the application opts into) |
    /// | `limit_policy` | `Downgrade` | a publish above the server's Maximum QoS goes at that QoS, RETAIN is cleared where unsupported (as paho and MQTT.js do); `Reject` refuses them with an error instead |
    /// | `max_queued_messages` / `max_queued_bytes` | 1,000 / 1 MiB | publishes made while offline or behind the window are kept, within these bounds |
    /// | `ack_mode` | `Auto` | acked when the application pulls the message |
    /// | `session_lost_policy` | `HandBack` | the specification's rule: nothing is resent into a new session |
    /// | `connect_timeout` | 10 s | opening the transport (adapters), then again the CONNACK |
    /// | `request_problem_information` | on | the server's default: reason strings explain refusals |
    pub fn new(version: ProtocolVersion, client_id: impl Into<String>) -> Self {
        Self {
            version,
            fallback_to_v3_1_1: false,
            client_id: client_id.into(),
            keep_alive: Duration::from_secs(60),
            clean_start: true,
            session_expiry_interval: 0,
            username: None,
            password: None,
            will: None,
            request_problem_information: true,
            request_response_information: false,
            user_properties: Vec::new(),
            receive_maximum: u16::MAX,
            max_packet_size: 1024 * 1024,
            receive_buffer_size: None,
            announce_max_packet_size: true,
            topic_alias_maximum: 16,
            topic_alias_outgoing: 0,
            max_inflight: 20,
            max_queued_messages: 1000,
            max_queued_bytes: 1024 * 1024,
            queue_full_policy: QueueFullPolicy::RejectNew,
            queue_while_disconnected: true,
            ack_mode: AckMode::Auto,
            session_lost_policy: SessionLostPolicy::HandBack,
            resubscribe_on_session_lost: true,
            resume_stored_session: false,
            limit_policy: LimitPolicy::Downgrade,
            connect_timeout: Duration::from_secs(10),
            ping_timeout: None,
            reconnect: Some(Backoff::default()),
            tx_buffer_size: 64 * 1024,
        }
    }

    /// The smallest `max_packet_size` accepted: room for a CONNACK with a few properties.
    pub const MIN_PACKET_SIZE: u32 = 64;

    /// Keep-alive in whole seconds as sent in CONNECT.
    pub(crate) fn keep_alive_secs(&self) -> u16 {
        u16::try_from(self.keep_alive.as_secs()).unwrap_or(u16::MAX)
    }

    /// The keep-alive the session keeps: exactly what CONNECT announces (whole seconds, at most
    /// 65,535 s), so a PINGREQ never comes later than the server expects [MQTT-3.1.2-23].
    pub(crate) fn keep_alive_sent(&self) -> Duration {
        Duration::from_secs(u64::from(self.keep_alive_secs()))
    }
}
