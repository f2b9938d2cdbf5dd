//! MQTT 5.0 reason codes, and the mapping of MQTT 3.x return codes onto them.

use crate::frame::PacketType;
use core::fmt;

macro_rules! reason_codes {
    ($( $(#[$m:meta])* $name:ident = $code:literal, $text:literal; )*) => {
        /// A reason code (MQTT 5.0 §2.4). MQTT 3.x CONNACK return codes and SUBACK codes are
        /// mapped onto the same type, see [`ReasonCode::from_v3_connack`].
        ///
        /// `0x00`, `0x01` and `0x02` carry several names in the specification; the aliases are
        /// associated constants ([`ReasonCode::NORMAL_DISCONNECTION`], [`ReasonCode::GRANTED_QOS_0`], ...).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $( $(#[$m])* #[doc = $text] $name = $code, )*
        }

        impl ReasonCode {
            /// The reason code for a byte; `None` if the byte is no MQTT 5.0 reason code.
            pub const fn from_u8(v: u8) -> Option<Self> {
                match v {
                    $( $code => Some(Self::$name), )*
                    _ => None,
                }
            }

            /// The specification's name for the code (for `0x00`-`0x02`, the first of its names).
            pub const fn description(self) -> &'static str {
                match self {
                    $( Self::$name => $text, )*
                }
            }

            /// Every reason code, in numeric order.
            pub const ALL: &'static [ReasonCode] = &[$(Self::$name,)*];
        }
    };
}

reason_codes! {
    Success = 0x00, "Success (also Normal disconnection, Granted QoS 0)";
    GrantedQoS1 = 0x01, "Granted QoS 1";
    GrantedQoS2 = 0x02, "Granted QoS 2";
    DisconnectWithWillMessage = 0x04, "Disconnect with Will Message";
    NoMatchingSubscribers = 0x10, "No matching subscribers";
    NoSubscriptionExisted = 0x11, "No subscription existed";
    ContinueAuthentication = 0x18, "Continue authentication";
    ReAuthenticate = 0x19, "Re-authenticate";
    UnspecifiedError = 0x80, "Unspecified error";
    MalformedPacket = 0x81, "Malformed Packet";
    ProtocolError = 0x82, "Protocol Error";
    ImplementationSpecificError = 0x83, "Implementation specific error";
    UnsupportedProtocolVersion = 0x84, "Unsupported Protocol Version";
    ClientIdentifierNotValid = 0x85, "Client Identifier not valid";
    BadUserNameOrPassword = 0x86, "Bad User Name or Password";
    NotAuthorized = 0x87, "Not authorized";
    ServerUnavailable = 0x88, "Server unavailable";
    ServerBusy = 0x89, "Server busy";
    Banned = 0x8A, "Banned";
    ServerShuttingDown = 0x8B, "Server shutting down";
    BadAuthenticationMethod = 0x8C, "Bad authentication method";
    KeepAliveTimeout = 0x8D, "Keep Alive timeout";
    SessionTakenOver = 0x8E, "Session taken over";
    TopicFilterInvalid = 0x8F, "Topic Filter invalid";
    TopicNameInvalid = 0x90, "Topic Name invalid";
    PacketIdentifierInUse = 0x91, "Packet Identifier in use";
    PacketIdentifierNotFound = 0x92, "Packet Identifier not found";
    ReceiveMaximumExceeded = 0x93, "Receive Maximum exceeded";
    TopicAliasInvalid = 0x94, "Topic Alias invalid";
    PacketTooLarge = 0x95, "Packet too large";
    MessageRateTooHigh = 0x96, "Message rate too high";
    QuotaExceeded = 0x97, "Quota exceeded";
    AdministrativeAction = 0x98, "Administrative action";
    PayloadFormatInvalid = 0x99, "Payload format invalid";
    RetainNotSupported = 0x9A, "Retain not supported";
    QoSNotSupported = 0x9B, "QoS not supported";
    UseAnotherServer = 0x9C, "Use another server";
    ServerMoved = 0x9D, "Server moved";
    SharedSubscriptionsNotSupported = 0x9E, "Shared Subscriptions not supported";
    ConnectionRateExceeded = 0x9F, "Connection rate exceeded";
    MaximumConnectTime = 0xA0, "Maximum connect time";
    SubscriptionIdentifiersNotSupported = 0xA1, "Subscription Identifiers not supported";
    WildcardSubscriptionsNotSupported = 0xA2, "Wildcard Subscriptions not supported";
}

impl ReasonCode {
    /// `0x00` in DISCONNECT.
    pub const NORMAL_DISCONNECTION: Self = Self::Success;
    /// `0x00` in SUBACK.
    pub const GRANTED_QOS_0: Self = Self::Success;

    /// The byte on the wire.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// Whether the code reports a failure (`>= 0x80`).
    pub const fn is_error(self) -> bool {
        self as u8 >= 0x80
    }

    /// Whether an MQTT 5.0 packet of type `packet` may carry this code (the per-packet tables
    /// of §3.2.2.2, §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.9.3, §3.11.3, §3.14.2.1, §3.15.2.1).
    pub const fn allowed_in(self, packet: PacketType) -> bool {
        let c = self as u8;
        match packet {
            PacketType::ConnAck => matches!(
                c,
                0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F
            ),
            PacketType::PubAck | PacketType::PubRec => {
                matches!(c, 0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99)
            }
            PacketType::PubRel | PacketType::PubComp => matches!(c, 0x00 | 0x92),
            PacketType::SubAck => {
                matches!(c, 0x00 | 0x01 | 0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2)
            }
            PacketType::UnsubAck => {
                matches!(c, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91)
            }
            PacketType::Disconnect => matches!(
                c,
                0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B | 0x8D..=0x90 | 0x93..=0xA2
            ),
            PacketType::Auth => matches!(c, 0x00 | 0x18 | 0x19),
            _ => false,
        }
    }

    /// The reason code for an MQTT 3.1 / 3.1.1 CONNACK return code (0 to 5).
    pub const fn from_v3_connack(rc: u8) -> Option<Self> {
        Some(match rc {
            0 => Self::Success,
            1 => Self::UnsupportedProtocolVersion,
            2 => Self::ClientIdentifierNotValid,
            3 => Self::ServerUnavailable,
            4 => Self::BadUserNameOrPassword,
            5 => Self::NotAuthorized,
            _ => return None,
        })
    }

    /// The MQTT 3.1 / 3.1.1 CONNACK return code for this reason, if it has one.
    pub const fn to_v3_connack(self) -> Option<u8> {
        Some(match self {
            Self::Success => 0,
            Self::UnsupportedProtocolVersion => 1,
            Self::ClientIdentifierNotValid => 2,
            Self::ServerUnavailable => 3,
            Self::BadUserNameOrPassword => 4,
            Self::NotAuthorized => 5,
            _ => return None,
        })
    }

    /// The reason code for an MQTT 3.x SUBACK return code: granted QoS 0 to 2, and (3.1.1
    /// only) `0x80` Failure, which maps to [`ReasonCode::UnspecifiedError`].
    pub const fn from_v3_suback(rc: u8, v3_1_1: bool) -> Option<Self> {
        Some(match rc {
            0x00 => Self::Success,
            0x01 => Self::GrantedQoS1,
            0x02 => Self::GrantedQoS2,
            0x80 if v3_1_1 => Self::UnspecifiedError,
            _ => return None,
        })
    }

    /// The MQTT 3.x SUBACK return code for this reason, if it has one.
    pub const fn to_v3_suback(self, v3_1_1: bool) -> Option<u8> {
        Some(match self {
            Self::Success => 0x00,
            Self::GrantedQoS1 => 0x01,
            Self::GrantedQoS2 => 0x02,
            Self::UnspecifiedError if v3_1_1 => 0x80,
            _ => return None,
        })
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02X})", self.description(), *self as u8)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for ReasonCode {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(*u.choose(Self::ALL)?)
    }
}
