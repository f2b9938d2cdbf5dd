//! Framing: the fixed header, the variable byte integer, and "how many bytes are missing".
//!
//! The fixed header alone tells a packet's type, flags and total length, so a receiver can
//! reject a packet over its size limit ([`FixedHeader::check_size`]) before buffering the body.

use crate::error::DecodeError;
use core::fmt;
use core::num::NonZeroUsize;

/// The largest value a variable byte integer can carry, and so the largest remaining length.
pub const MAX_VARINT: u32 = 268_435_455;

/// The control packet type (high nibble of the first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// 1: client request to connect.
    Connect = 1,
    /// 2: connect acknowledgment.
    ConnAck = 2,
    /// 3: application message.
    Publish = 3,
    /// 4: QoS 1 acknowledgment.
    PubAck = 4,
    /// 5: QoS 2 delivery, part 1.
    PubRec = 5,
    /// 6: QoS 2 delivery, part 2.
    PubRel = 6,
    /// 7: QoS 2 delivery, part 3.
    PubComp = 7,
    /// 8: subscribe request.
    Subscribe = 8,
    /// 9: subscribe acknowledgment.
    SubAck = 9,
    /// 10: unsubscribe request.
    Unsubscribe = 10,
    /// 11: unsubscribe acknowledgment.
    UnsubAck = 11,
    /// 12: ping request.
    PingReq = 12,
    /// 13: ping response.
    PingResp = 13,
    /// 14: disconnect notification.
    Disconnect = 14,
    /// 15: authentication exchange (MQTT 5.0 only).
    Auth = 15,
}

impl PacketType {
    /// Every packet type, in wire order.
    pub const ALL: [Self; 15] = [
        Self::Connect,
        Self::ConnAck,
        Self::Publish,
        Self::PubAck,
        Self::PubRec,
        Self::PubRel,
        Self::PubComp,
        Self::Subscribe,
        Self::SubAck,
        Self::Unsubscribe,
        Self::UnsubAck,
        Self::PingReq,
        Self::PingResp,
        Self::Disconnect,
        Self::Auth,
    ];

    /// The packet type for a high nibble; `None` for the reserved value 0.
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }

    /// The flags the fixed header must carry for every type but PUBLISH (§2.2.2 Table 2-2).
    pub const fn required_flags(self) -> u8 {
        match self {
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => 0b0010,
            _ => 0,
        }
    }

    /// Whether only a client sends this packet (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ):
    /// a client receiving one has met a Protocol Error.
    pub const fn is_client_only(self) -> bool {
        matches!(self, Self::Connect | Self::Subscribe | Self::Unsubscribe | Self::PingReq)
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        })
    }
}

/// The outcome of a decode that may need more input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// Enough input was present.
    Complete(T),
    /// The input ends early: at least `needed` more bytes must arrive before retrying.
    /// This is never an error: append the bytes and call again.
    Incomplete {
        /// A lower bound on the number of missing bytes (exact once the fixed header is complete).
        needed: NonZeroUsize,
    },
}

impl<T> Status<T> {
    pub(crate) fn incomplete(needed: usize) -> Self {
        Self::Incomplete { needed: NonZeroUsize::new(needed).unwrap_or(NonZeroUsize::MIN) }
    }
}

/// A parsed fixed header (§2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedHeader {
    /// The packet type.
    pub packet_type: PacketType,
    /// The low nibble of the first byte (validated per type by the packet decoder).
    pub flags: u8,
    /// The remaining length: the size of everything after the fixed header.
    pub remaining_length: u32,
    /// The size of the fixed header itself: 2 to 5 bytes.
    pub header_len: u8,
}

impl FixedHeader {
    /// Parse the fixed header at the front of `buf`.
    ///
    /// Answers [`Status::Incomplete`] while the header is cut short. Rejects a reserved packet
    /// type (0) and a remaining length that is longer than 4 bytes or not minimally encoded.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Status<Self>, DecodeError> {
        let Some(&first) = buf.first() else {
            return Ok(Status::incomplete(2));
        };
        let Some(packet_type) = PacketType::from_u8(first >> 4) else {
            return Err(DecodeError::ReservedPacketType(first >> 4));
        };
        match decode_varint(&buf[1..])? {
            Status::Complete((remaining_length, n)) => Ok(Status::Complete(Self {
                packet_type,
                flags: first & 0x0F,
                remaining_length,
                header_len: 1 + n,
            })),
            Status::Incomplete { needed } => Ok(Status::Incomplete { needed }),
        }
    }

    /// The total size of the packet, fixed header included.
    #[inline]
    pub const fn packet_len(&self) -> usize {
        self.header_len as usize + self.remaining_length as usize
    }

    /// Fail with [`DecodeError::PacketTooLarge`] when the whole packet exceeds `max` bytes
    /// (the v5 Maximum Packet Size counts the entire packet, §3.1.2.11.4).
    #[inline]
    pub const fn check_size(&self, max: u32) -> Result<(), DecodeError> {
        if self.packet_len() > max as usize {
            Err(DecodeError::PacketTooLarge { size: self.packet_len(), max })
        } else {
            Ok(())
        }
    }
}

/// Decode a variable byte integer at the front of `buf`: the value and its encoded size.
///
/// More than four bytes, or a non-minimal encoding ([MQTT-1.5.5-1]), is
/// [`DecodeError::MalformedVarInt`].
#[inline]
pub fn decode_varint(buf: &[u8]) -> Result<Status<(u32, u8)>, DecodeError> {
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&b) = buf.get(i) else {
            return Ok(Status::incomplete(1));
        };
        value |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            // A final byte of zero after a continuation byte is a longer encoding than needed.
            if b == 0 && i > 0 {
                return Err(DecodeError::MalformedVarInt);
            }
            return Ok(Status::Complete((value, i as u8 + 1)));
        }
    }
    Err(DecodeError::MalformedVarInt)
}

/// The number of bytes a variable byte integer needs (1 to 4; values above
/// [`MAX_VARINT`] are the caller's error and report 4).
#[inline]
pub const fn varint_len(v: u32) -> usize {
    if cfg!(target_pointer_width = "64") {
        // The if chain: fewer instructions for the common 1-byte case (the encode hot path).
        if v < 0x80 {
            1
        } else if v < 0x4000 {
            2
        } else if v < 0x20_0000 {
            3
        } else {
            4
        }
    } else {
        varint_len_flat(v)
    }
}

/// [`varint_len`] on the 32-bit microcontrollers: three comparisons added up, smaller
/// inlined code than the if chain.
#[inline]
const fn varint_len_flat(v: u32) -> usize {
    1 + (v >= 0x80) as usize + (v >= 0x4000) as usize + (v >= 0x20_0000) as usize
}

#[cfg(test)]
mod tests {
    /// The 32-bit form of `varint_len` (not the one the host runs) agrees with the if chain
    /// at every boundary.
    #[test]
    fn flat_varint_len_agrees_at_the_boundaries() {
        for v in [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000, super::MAX_VARINT, u32::MAX] {
            let chain = if v < 0x80 {
                1
            } else if v < 0x4000 {
                2
            } else if v < 0x20_0000 {
                3
            } else {
                4
            };
            assert_eq!(super::varint_len_flat(v), chain, "{v:#x}");
        }
    }
}
