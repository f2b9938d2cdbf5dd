//! Errors: [`Error`] for commands refused at once, [`DisconnectReason`] for why a connection
//! ended (delivered as an event).

use alloc::string::String;
use core::fmt;
use sansmqtt_proto::{DecodeError, EncodeError, PacketType, QoS, ReasonCode, TopicError};

/// A command was refused; nothing was queued and the connection is unaffected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Not connected, and the command needs a connection (or queueing while disconnected is off).
    NotConnected,
    /// The command does not fit the current state (e.g. `connect` while already connecting).
    InvalidState,
    /// The outgoing queue is full (messages or bytes); wait for `Event::ReadyToPublish`.
    QueueFull,
    /// Every packet identifier is in use.
    NoPacketId,
    /// The encoded packet exceeds the server's Maximum Packet Size.
    PacketTooLarge {
        /// Encoded size.
        size: usize,
        /// The server's limit.
        max: u32,
    },
    /// The server's Maximum QoS is lower (with [`LimitPolicy::Reject`](crate::LimitPolicy)).
    QoSNotSupported {
        /// The server's maximum.
        max: QoS,
    },
    /// The server does not support retained messages (with `LimitPolicy::Reject`).
    RetainNotSupported,
    /// The server does not support wildcard subscriptions.
    WildcardSubscriptionsNotSupported,
    /// The server does not support shared subscriptions.
    SharedSubscriptionsNotSupported,
    /// The server does not support subscription identifiers (with `LimitPolicy::Reject`).
    SubscriptionIdentifiersNotSupported,
    /// A topic name or filter is invalid.
    InvalidTopic(TopicError),
    /// The packet cannot be encoded for the protocol version in use.
    Encode(EncodeError),
    /// The ack token is unknown, already used, or from a previous session.
    UnknownAckToken,
    /// `ack` or `reject` was called but the session acknowledges automatically.
    NotManualAckMode,
    /// [`connect`](crate::Session::connect): the [`Config`](crate::Config) cannot work.
    InvalidConfig(ConfigError),
}

/// What is wrong with a [`Config`](crate::Config) that
/// [`Session::connect`](crate::Session::connect) refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `max_packet_size` or `receive_buffer_size` is below
    /// [`Config::MIN_PACKET_SIZE`](crate::Config::MIN_PACKET_SIZE) (0 would also be a Protocol
    /// Error in a v5 CONNECT).
    MaxPacketSizeTooSmall,
    /// `receive_maximum` is 0 (a Protocol Error in a v5 CONNECT, and no message could arrive).
    ReceiveMaximumZero,
    /// `max_inflight` is 0 (no QoS 1/2 message could be sent).
    MaxInflightZero,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MaxPacketSizeTooSmall => "max_packet_size below Config::MIN_PACKET_SIZE",
            Self::ReceiveMaximumZero => "receive_maximum is 0",
            Self::MaxInflightZero => "max_inflight is 0",
        })
    }
}

impl core::error::Error for ConfigError {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::InvalidState => f.write_str("not possible in the current state"),
            Self::QueueFull => f.write_str("outgoing queue full"),
            Self::NoPacketId => f.write_str("no free packet identifier"),
            Self::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the server's maximum of {max}")
            }
            Self::QoSNotSupported { max } => write!(f, "server supports QoS up to {}", *max as u8),
            Self::RetainNotSupported => f.write_str("server does not support retain"),
            Self::WildcardSubscriptionsNotSupported => f.write_str("server does not support wildcards"),
            Self::SharedSubscriptionsNotSupported => {
                f.write_str("server does not support shared subscriptions")
            }
            Self::SubscriptionIdentifiersNotSupported => {
                f.write_str("server does not support subscription identifiers")
            }
            Self::InvalidTopic(e) => write!(f, "invalid topic: {e}"),
            Self::Encode(e) => write!(f, "cannot encode: {e}"),
            Self::UnknownAckToken => f.write_str("unknown ack token"),
            Self::NotManualAckMode => f.write_str("acks are automatic"),
            Self::InvalidConfig(e) => write!(f, "invalid configuration: {e}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::InvalidTopicName(t) | EncodeError::InvalidTopicFilter(t) => Self::InvalidTopic(t),
            e => Self::Encode(e),
        }
    }
}

/// The broker broke the protocol; the session closed the connection (v5: after sending
/// DISCONNECT with [`Violation::reason_code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A packet could not be decoded.
    Decode(DecodeError),
    /// A packet the server must not send, or not now.
    UnexpectedPacket(PacketType),
    /// More unacknowledged QoS > 0 messages than our Receive Maximum.
    ReceiveMaximumExceeded,
    /// A topic alias above our Topic Alias Maximum (0x94 Topic Alias invalid).
    TopicAliasOutOfRange(u16),
    /// A PUBLISH with an empty topic using an alias never set on this connection (0x82).
    UnknownTopicAlias(u16),
    /// A SUBACK / UNSUBACK with a different number of codes than filters.
    AckCountMismatch,
    /// v5: Session Present 1 on the first connection, which has no Session State to resume
    /// [MQTT-3.2.2-4] (see [`Config::resume_stored_session`](crate::Config::resume_stored_session)).
    SessionPresentWithoutState,
    /// v5: a Reason String or User Property on a packet other than PUBLISH, CONNACK or
    /// DISCONNECT although CONNECT asked for none
    /// ([`Config::request_problem_information`](crate::Config::request_problem_information)
    /// off, [MQTT-3.1.2-29]).
    ProblemInformationNotRequested(PacketType),
}

impl Violation {
    /// The reason code sent in DISCONNECT (v5).
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Self::Decode(e) => e.reason_code(),
            Self::UnexpectedPacket(_)
            | Self::AckCountMismatch
            | Self::UnknownTopicAlias(_)
            | Self::SessionPresentWithoutState
            | Self::ProblemInformationNotRequested(_) => ReasonCode::ProtocolError,
            Self::ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            Self::TopicAliasOutOfRange(_) => ReasonCode::TopicAliasInvalid,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "{e}"),
            Self::UnexpectedPacket(t) => write!(f, "unexpected {t} from server"),
            Self::ReceiveMaximumExceeded => f.write_str("receive maximum exceeded"),
            Self::TopicAliasOutOfRange(a) => write!(f, "topic alias {a} above our maximum"),
            Self::UnknownTopicAlias(a) => write!(f, "topic alias {a} was never set"),
            Self::AckCountMismatch => f.write_str("ack carries the wrong number of reason codes"),
            Self::SessionPresentWithoutState => {
                f.write_str("session present, but this client has no session state")
            }
            Self::ProblemInformationNotRequested(t) => {
                write!(f, "{t} carries problem information this client asked not to receive")
            }
        }
    }
}

/// Why a connection ended: the payload of [`Event::Disconnected`](crate::Event::Disconnected).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server refused CONNECT (3.x return codes mapped onto reason codes).
    Refused(ReasonCode),
    /// The server sent DISCONNECT (v5).
    ByServer {
        /// Its reason code.
        reason: ReasonCode,
        /// Its Reason String, if any.
        reason_string: Option<String>,
        /// Its Server Reference, if any.
        server_reference: Option<String>,
    },
    /// The server broke the protocol.
    Protocol(Violation),
    /// No PINGRESP (or any byte) arrived in time.
    KeepAliveTimeout,
    /// No CONNACK arrived in time.
    ConnectTimeout,
    /// The transport closed, failed, or could not be opened, for the reason the driver gave
    /// [`Session::handle_closed`](crate::Session::handle_closed). (Adapters hand the
    /// application their own error, with its `source()` chain, beside this.)
    Transport(TransportError),
    /// The application asked to disconnect.
    ByClient,
    /// The [`Authenticator`](crate::Authenticator) gave up with this reason.
    AuthenticationFailed(ReasonCode),
    /// The application gave up a streamed payload part-way (`Session::abort_payload`): the
    /// PUBLISH could not be completed, so the connection had to end before another byte.
    /// (Feature `streaming`: an application that does not stream pays nothing for it.)
    #[cfg(feature = "streaming")]
    PayloadAborted,
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(r) => write!(f, "connection refused: {r}"),
            Self::ByServer { reason, .. } => write!(f, "disconnected by server: {reason}"),
            Self::Protocol(v) => write!(f, "protocol violation: {v}"),
            Self::KeepAliveTimeout => f.write_str("keep-alive timeout"),
            Self::ConnectTimeout => f.write_str("no CONNACK in time"),
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::ByClient => f.write_str("disconnected by client"),
            Self::AuthenticationFailed(r) => write!(f, "authentication failed: {r}"),
            #[cfg(feature = "streaming")]
            Self::PayloadAborted => f.write_str("streamed payload given up"),
        }
    }
}

/// Why the transport closed, failed, or could not be opened: what a driver tells
/// [`Session::handle_closed`](crate::Session::handle_closed), reported in
/// [`DisconnectReason::Transport`]. A summary that `no_std` drivers can give too; drivers with
/// a richer error (an `std::io::Error`, a TLS alert) map it here and keep it for the
/// application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer closed the connection (end of stream, WebSocket close frame).
    Closed,
    /// The driver closed it, as [`Action::Close`](crate::Action::Close) asked.
    ClosedByClient,
    /// The connection was refused (nothing listens there).
    Refused,
    /// The broker's host name could not be resolved.
    HostNotFound,
    /// The connection was reset or aborted.
    Reset,
    /// Opening the connection, or an operation on it, timed out.
    TimedOut,
    /// The network or host is unreachable.
    Unreachable,
    /// The TLS handshake failed (certificate, alert) or TLS broke later.
    Tls,
    /// The WebSocket upgrade was refused (an HTTP status other than 101) or the stream broke
    /// the WebSocket protocol.
    WebSocket,
    /// Any other I/O failure.
    Io,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "connection closed by the peer",
            Self::ClosedByClient => "connection closed by the client",
            Self::Refused => "connection refused",
            Self::HostNotFound => "host not found",
            Self::Reset => "connection reset",
            Self::TimedOut => "timed out",
            Self::Unreachable => "network unreachable",
            Self::Tls => "TLS failure",
            Self::WebSocket => "WebSocket failure",
            Self::Io => "I/O error",
        })
    }
}

impl core::error::Error for TransportError {}
