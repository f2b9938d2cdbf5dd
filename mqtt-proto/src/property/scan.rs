//! The property-block scanner shared by every property set's decoder.
//!
//! All the checks of a property block are here, in one non-generic function: the
//! identifier (known, allowed in the packet, not repeated), and the value by wire type and
//! by identifier (0 or 1 for the one-byte properties, non-zero where MQTT 5.0 forbids 0,
//! UTF-8 and topic-name rules). Each property set's decoder only stores the values it is
//! handed, which keeps the per-set code small (it is instantiated once per packet type).

use super::{PropertyId, WireType};
use crate::codec::Reader;
use crate::error::DecodeError;
use crate::frame::PacketType;
use crate::topic::validate_topic_name;

/// The bit of a property identifier in an identifier mask (identifiers are below 64).
pub(crate) const fn bit(id: PropertyId) -> u64 {
    1 << (id as u8)
}

/// The properties whose value may not be 0: Receive Maximum, Maximum Packet Size, Topic
/// Alias and Subscription Identifier.
const NON_ZERO: u64 = bit(PropertyId::ReceiveMaximum)
    | bit(PropertyId::MaximumPacketSize)
    | bit(PropertyId::TopicAlias)
    | bit(PropertyId::SubscriptionIdentifier);

/// A property value as it is on the wire: checked when the scanner hands it to a property
/// set, or taken from a property set to be sized and written.
#[derive(Clone, Copy)]
pub(crate) struct RawValue<'a> {
    /// The value of an integer property (one-byte, two-byte, four-byte or variable byte
    /// integer); 0 otherwise.
    pub(crate) int: u32,
    /// The bytes of a UTF-8 string (already validated) or binary data property; empty
    /// otherwise.
    pub(crate) bytes: &'a [u8],
}

impl<'a> RawValue<'a> {
    /// The value of an integer property.
    #[inline]
    pub(crate) const fn int(int: u32) -> Self {
        Self { int, bytes: &[] }
    }

    /// The value of a UTF-8 string or binary data property.
    #[inline]
    pub(crate) const fn bytes(bytes: &'a [u8]) -> Self {
        Self { int: 0, bytes }
    }
}

/// Walks a property block, checking each property before handing it out.
pub(crate) struct Scanner<'a> {
    r: Reader<'a>,
    /// The packet, for [`DecodeError::PropertyNotAllowed`].
    packet: PacketType,
    /// The identifiers the property set has (see [`bit`]).
    allowed: u64,
    /// The identifiers that may appear more than once.
    repeatable: u64,
    /// The identifiers seen so far.
    pub(crate) seen: u64,
}

impl<'a> Scanner<'a> {
    /// A scanner over `block` (without its length) for a property set that may hold the
    /// properties in `allowed`, those in `repeatable` any number of times.
    #[inline]
    pub(crate) const fn new(block: &'a [u8], packet: PacketType, allowed: u64, repeatable: u64) -> Self {
        Self { r: Reader::new(block), packet, allowed, repeatable, seen: 0 }
    }

    /// The next property and its checked value; `None` at the end of the block.
    ///
    /// Errors, in the order they are checked: the identifier's variable byte integer
    /// (`UnexpectedEnd`, `MalformedVarInt`), `UnknownProperty`, `PropertyNotAllowed`,
    /// `DuplicateProperty`, then the value (`UnexpectedEnd`, `InvalidUtf8`,
    /// `NullCharacter`, `InvalidTopicName`, `InvalidPropertyValue`).
    #[inline(never)]
    pub(crate) fn next(&mut self) -> Result<Option<(PropertyId, RawValue<'a>)>, DecodeError> {
        if self.r.remaining() == 0 {
            return Ok(None);
        }
        let raw = self.r.varint()?;
        let id = PropertyId::from_u32(raw).ok_or(DecodeError::UnknownProperty(raw))?;
        let b = bit(id);
        if self.allowed & b == 0 {
            return Err(DecodeError::PropertyNotAllowed { packet: self.packet, property: id });
        }
        if self.seen & b & !self.repeatable != 0 {
            return Err(DecodeError::DuplicateProperty(id));
        }
        self.seen |= b;
        let mut v = RawValue { int: 0, bytes: &[] };
        match id.wire_type() {
            WireType::Byte => {
                // Every one-byte property is a boolean, a Payload Format Indicator or a
                // Maximum QoS: 0 or 1.
                v.int = u32::from(self.r.u8()?);
                if v.int > 1 {
                    return Err(DecodeError::InvalidPropertyValue(id));
                }
            }
            WireType::TwoByte => v.int = u32::from(self.r.u16()?),
            WireType::FourByte => v.int = self.r.u32()?,
            WireType::VarInt => v.int = self.r.varint()?,
            WireType::Utf8 => {
                let s = self.r.utf8()?;
                // Response Topic is a topic name, without wildcards [MQTT-3.3.2-14].
                if id == PropertyId::ResponseTopic {
                    validate_topic_name(s).map_err(DecodeError::InvalidTopicName)?;
                }
                v.bytes = s.as_bytes();
            }
            WireType::Binary => v.bytes = self.r.bin()?,
            WireType::Utf8Pair => {
                self.r.utf8()?;
                self.r.utf8()?;
            }
        }
        if NON_ZERO & b != 0 && v.int == 0 {
            return Err(DecodeError::InvalidPropertyValue(id));
        }
        Ok(Some((id, v)))
    }
}
