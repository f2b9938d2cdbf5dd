//! The protocol version a packet is encoded or decoded for.

use core::fmt;

/// An MQTT protocol version.
///
/// One set of packet types serves every version; the version is passed to
/// [`Packet::decode`](crate::Packet::decode) and [`Packet::encode`](crate::Packet::encode),
/// which localise the wire differences (protocol name and level, properties, reason codes, AUTH).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ProtocolVersion {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V3_1,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V3_1_1,
    /// MQTT 5.0: protocol name `MQTT`, level 5.
    V5,
}

impl ProtocolVersion {
    /// Every version, oldest first.
    pub const ALL: [Self; 3] = [Self::V3_1, Self::V3_1_1, Self::V5];

    /// The protocol level byte carried in CONNECT.
    pub const fn level(self) -> u8 {
        match self {
            Self::V3_1 => 3,
            Self::V3_1_1 => 4,
            Self::V5 => 5,
        }
    }

    /// The protocol name carried in CONNECT.
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Self::V3_1 => "MQIsdp",
            Self::V3_1_1 | Self::V5 => "MQTT",
        }
    }

    /// The version for a protocol name and level, if it is one of ours.
    #[inline]
    pub fn from_name_and_level(name: &[u8], level: u8) -> Option<Self> {
        // The level first: one byte compare picks the one name to compare.
        match level {
            4 if name == b"MQTT" => Some(Self::V3_1_1),
            5 if name == b"MQTT" => Some(Self::V5),
            3 if name == b"MQIsdp" => Some(Self::V3_1),
            _ => None,
        }
    }

    /// Whether this version has properties, reason codes on acks and AUTH (MQTT 5.0).
    pub const fn is_v5(self) -> bool {
        matches!(self, Self::V5)
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3_1 => "MQTT 3.1",
            Self::V3_1_1 => "MQTT 3.1.1",
            Self::V5 => "MQTT 5.0",
        })
    }
}
