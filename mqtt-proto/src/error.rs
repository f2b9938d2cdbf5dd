//! Decode and encode errors.

use crate::frame::PacketType;
use crate::property::PropertyId;
use crate::reason::ReasonCode;
use crate::topic::TopicError;
use crate::version::ProtocolVersion;
use core::fmt;

/// Why received bytes are not a valid packet.
///
/// Every variant names what was wrong; [`DecodeError::reason_code`] gives the reason code the
/// receiver must answer with (MQTT 5.0 §4.13: 0x81 Malformed Packet, 0x82 Protocol Error,
/// 0x95 Packet too large, ...). "Need more bytes" is never an error: see
/// [`Status::Incomplete`](crate::Status::Incomplete).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A variable byte integer is longer than 4 bytes or not minimally encoded [MQTT-1.5.5-1].
    MalformedVarInt,
    /// The packet is larger than the receiver's limit.
    PacketTooLarge {
        /// Size of the whole packet as announced by its fixed header.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The packet type is reserved: 0, or 15 (AUTH) before MQTT 5.0.
    ReservedPacketType(u8),
    /// Reserved fixed-header flag bits have the wrong value [MQTT-2.2.2-1/2].
    InvalidFlags {
        /// The packet.
        packet: PacketType,
        /// The low nibble received.
        flags: u8,
    },
    /// A field runs past the end of the packet.
    UnexpectedEnd,
    /// Bytes are left after the last field of the packet.
    TrailingBytes,
    /// A packet of another type where a PUBLISH was expected ([`Publish::decode_head`]).
    ///
    /// [`Publish::decode_head`]: crate::Publish::decode_head
    NotPublish(PacketType),
    /// A UTF-8 string is ill-formed (including surrogates) [MQTT-1.5.4-1].
    InvalidUtf8,
    /// A UTF-8 string contains U+0000 [MQTT-1.5.4-2].
    NullCharacter,
    /// A QoS field has the value 3: PUBLISH [MQTT-3.3.1-4] or Will QoS [MQTT-3.1.2-12].
    InvalidQoS,
    /// DUP is set on a QoS 0 PUBLISH [MQTT-3.3.1-2].
    DupWithQoS0,
    /// A packet identifier that must be non-zero is zero [MQTT-2.2.1-3].
    ZeroPacketId,
    /// CONNECT names a protocol or level this codec does not speak.
    UnsupportedProtocol {
        /// The protocol level byte (or 0 if the name was already wrong).
        level: u8,
    },
    /// CONNECT declares a protocol version other than the one being decoded.
    UnexpectedProtocolVersion(ProtocolVersion),
    /// CONNECT's reserved flag bit is set [MQTT-3.1.2-3].
    ConnectReservedFlag,
    /// Will QoS or Will Retain set without the Will Flag [MQTT-3.1.2-11/13/15].
    InvalidWillFlags,
    /// MQTT 3.x: password flag set without the user name flag [MQTT-3.1.2-22].
    PasswordWithoutUsername,
    /// The client identifier is empty where that is not allowed (3.1.1 with clean session 0
    /// [MQTT-3.1.3-7], or 3.1).
    EmptyClientId,
    /// CONNACK acknowledge flags have reserved bits set, or session present with a refusal.
    InvalidConnAckFlags,
    /// A reason / return code that the packet may not carry.
    InvalidReasonCode {
        /// The packet.
        packet: PacketType,
        /// The byte received.
        code: u8,
    },
    /// A property identifier that MQTT 5.0 does not define.
    UnknownProperty(u32),
    /// A property that this packet may not carry.
    PropertyNotAllowed {
        /// The packet (or CONNECT for Will properties).
        packet: PacketType,
        /// The property.
        property: PropertyId,
    },
    /// A property that may appear once appears again.
    DuplicateProperty(PropertyId),
    /// A property value outside its allowed range (e.g. Receive Maximum 0, Topic Alias 0).
    InvalidPropertyValue(PropertyId),
    /// A topic name is invalid (wildcards, too long, ...).
    InvalidTopicName(TopicError),
    /// A topic filter is invalid (misplaced wildcards, malformed `$share`, ...).
    InvalidTopicFilter(TopicError),
    /// A PUBLISH with an empty topic name and no topic alias (v5 §3.3.2.1), or an empty topic in 3.x.
    EmptyTopicWithoutAlias,
    /// SUBSCRIBE or UNSUBSCRIBE without any topic filter [MQTT-3.8.3-3 / 3.10.3-2], or
    /// SUBACK / UNSUBACK (v5) without any reason code.
    EmptyPayload,
    /// Reserved bits in a subscription options byte are set [MQTT-3.8.3-5].
    InvalidSubscriptionOptions(u8),
    /// Retain Handling has the value 3.
    InvalidRetainHandling,
    /// The Maximum QoS of a subscription has the value 3 (a Protocol Error in MQTT 5.0
    /// §3.8.3.1, malformed in 3.1.1 [MQTT-3-8.3-4]).
    InvalidSubscriptionQoS,
    /// No Local set on a shared subscription [MQTT-3.8.3-4].
    NoLocalOnSharedSubscription,
    /// A packet that only a client sends (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ), given
    /// to [`Packet::decode_body_client`](crate::Packet::decode_body_client).
    ClientOnlyPacket(PacketType),
}

impl DecodeError {
    /// The reason code a v5 receiver answers this error with (in DISCONNECT, or in CONNACK
    /// for a bad CONNECT).
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Self::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            Self::UnsupportedProtocol { .. } | Self::UnexpectedProtocolVersion(_) => {
                ReasonCode::UnsupportedProtocolVersion
            }
            Self::EmptyClientId => ReasonCode::ClientIdentifierNotValid,
            Self::ZeroPacketId
            | Self::DuplicateProperty(_)
            | Self::InvalidPropertyValue(_)
            | Self::InvalidTopicName(_)
            | Self::InvalidTopicFilter(_)
            | Self::EmptyTopicWithoutAlias
            | Self::EmptyPayload
            | Self::InvalidRetainHandling
            | Self::InvalidSubscriptionQoS
            | Self::NoLocalOnSharedSubscription
            | Self::ClientOnlyPacket(_) => ReasonCode::ProtocolError,
            Self::MalformedVarInt
            | Self::ReservedPacketType(_)
            | Self::InvalidFlags { .. }
            | Self::UnexpectedEnd
            | Self::TrailingBytes
            | Self::NotPublish(_)
            | Self::InvalidUtf8
            | Self::NullCharacter
            | Self::InvalidQoS
            | Self::DupWithQoS0
            | Self::ConnectReservedFlag
            | Self::InvalidWillFlags
            | Self::PasswordWithoutUsername
            | Self::InvalidConnAckFlags
            | Self::InvalidReasonCode { .. }
            | Self::UnknownProperty(_)
            | Self::PropertyNotAllowed { .. }
            | Self::InvalidSubscriptionOptions(_) => ReasonCode::MalformedPacket,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedVarInt => f.write_str("malformed variable byte integer"),
            Self::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the limit of {max}")
            }
            Self::ReservedPacketType(t) => write!(f, "reserved packet type {t}"),
            Self::InvalidFlags { packet, flags } => {
                write!(f, "invalid fixed header flags {flags:#06b} on {packet}")
            }
            Self::UnexpectedEnd => f.write_str("a field runs past the end of the packet"),
            Self::TrailingBytes => f.write_str("unexpected bytes after the last field"),
            Self::NotPublish(t) => write!(f, "{t:?} where a PUBLISH was expected"),
            Self::InvalidUtf8 => f.write_str("ill-formed UTF-8 string"),
            Self::NullCharacter => f.write_str("UTF-8 string contains U+0000"),
            Self::InvalidQoS => f.write_str("QoS 3 is invalid"),
            Self::DupWithQoS0 => f.write_str("DUP set on a QoS 0 PUBLISH"),
            Self::ZeroPacketId => f.write_str("packet identifier 0"),
            Self::UnsupportedProtocol { level } => {
                write!(f, "unsupported protocol name or level {level}")
            }
            Self::UnexpectedProtocolVersion(v) => write!(f, "CONNECT declares {v}"),
            Self::ConnectReservedFlag => f.write_str("CONNECT reserved flag set"),
            Self::InvalidWillFlags => f.write_str("will QoS or retain set without will flag"),
            Self::PasswordWithoutUsername => f.write_str("password without user name"),
            Self::EmptyClientId => f.write_str("empty client identifier not allowed here"),
            Self::InvalidConnAckFlags => f.write_str("invalid CONNACK acknowledge flags"),
            Self::InvalidReasonCode { packet, code } => {
                write!(f, "reason code {code:#04x} not allowed in {packet}")
            }
            Self::UnknownProperty(id) => write!(f, "unknown property identifier {id:#04x}"),
            Self::PropertyNotAllowed { packet, property } => {
                write!(f, "property {property:?} not allowed in {packet}")
            }
            Self::DuplicateProperty(p) => write!(f, "property {p:?} appears more than once"),
            Self::InvalidPropertyValue(p) => write!(f, "invalid value for property {p:?}"),
            Self::InvalidTopicName(e) => write!(f, "invalid topic name: {e}"),
            Self::InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            Self::EmptyTopicWithoutAlias => f.write_str("empty topic name without topic alias"),
            Self::EmptyPayload => f.write_str("packet payload must not be empty"),
            Self::InvalidSubscriptionOptions(b) => {
                write!(f, "reserved bits set in subscription options {b:#04x}")
            }
            Self::InvalidRetainHandling => f.write_str("retain handling 3 is invalid"),
            Self::InvalidSubscriptionQoS => f.write_str("subscription maximum QoS 3 is invalid"),
            Self::NoLocalOnSharedSubscription => f.write_str("no local set on a shared subscription"),
            Self::ClientOnlyPacket(t) => write!(f, "{t} is sent only by clients"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a packet cannot be encoded. On any error the output buffer is untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Bytes the whole packet needs.
        needed: usize,
    },
    /// A field that this protocol version cannot carry is set (e.g. properties before 5.0).
    Unsupported {
        /// The version encoded for.
        version: ProtocolVersion,
        /// The offending field.
        field: &'static str,
    },
    /// The remaining length would exceed 268,435,455 bytes.
    PacketTooLarge {
        /// The remaining length that was needed.
        remaining_length: usize,
    },
    /// A string or binary field is longer than 65,535 bytes.
    TooLong {
        /// Its length.
        len: usize,
    },
    /// A UTF-8 string contains U+0000.
    NullCharacter,
    /// A topic name is invalid.
    InvalidTopicName(TopicError),
    /// A topic filter is invalid.
    InvalidTopicFilter(TopicError),
    /// A PUBLISH with an empty topic name and no topic alias (or any empty topic before 5.0).
    EmptyTopicWithoutAlias,
    /// An empty client identifier needs clean session (3.1.1) and is not allowed in 3.1.
    EmptyClientId,
    /// MQTT 3.x cannot send a password without a user name.
    PasswordWithoutUsername,
    /// SUBSCRIBE / UNSUBSCRIBE need at least one filter; SUBACK / UNSUBACK (v5) one reason code.
    EmptyPayload,
    /// The reason code is not allowed in this packet (or has no 3.x equivalent).
    InvalidReasonCode {
        /// The packet.
        packet: PacketType,
        /// The code.
        code: ReasonCode,
    },
    /// No Local cannot be set on a shared subscription [MQTT-3.8.3-4].
    NoLocalOnSharedSubscription,
    /// A property value outside its allowed range.
    InvalidPropertyValue(PropertyId),
    /// DUP cannot be set on a QoS 0 PUBLISH [MQTT-3.3.1-2].
    DupWithQoS0,
    /// A packet that only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP), given to
    /// `Packet::encode_to_vec_client` (feature `alloc`).
    ServerOnlyPacket(PacketType),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => write!(f, "buffer too small: {needed} bytes needed"),
            Self::Unsupported { version, field } => write!(f, "{version} cannot carry {field}"),
            Self::PacketTooLarge { remaining_length } => {
                write!(f, "remaining length {remaining_length} exceeds 268435455")
            }
            Self::TooLong { len } => write!(f, "field of {len} bytes exceeds 65535"),
            Self::NullCharacter => f.write_str("UTF-8 string contains U+0000"),
            Self::InvalidTopicName(e) => write!(f, "invalid topic name: {e}"),
            Self::InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            Self::EmptyTopicWithoutAlias => f.write_str("empty topic name without topic alias"),
            Self::EmptyClientId => f.write_str("empty client identifier not allowed here"),
            Self::PasswordWithoutUsername => f.write_str("password without user name"),
            Self::EmptyPayload => f.write_str("packet payload must not be empty"),
            Self::InvalidReasonCode { packet, code } => {
                write!(f, "reason code {code} not allowed in {packet}")
            }
            Self::NoLocalOnSharedSubscription => f.write_str("no local set on a shared subscription"),
            Self::InvalidPropertyValue(p) => write!(f, "invalid value for property {p:?}"),
            Self::DupWithQoS0 => f.write_str("DUP set on a QoS 0 PUBLISH"),
            Self::ServerOnlyPacket(t) => write!(f, "{t} is sent only by servers"),
        }
    }
}

impl core::error::Error for EncodeError {}
