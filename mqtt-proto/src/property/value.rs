//! How each Rust property type is sized and maps to its value on the wire, and how a
//! property is written (one function for every property of every set).

use super::scan::RawValue;
use super::{PropertyId, WireType};
use crate::codec::{Sink, bin_len};
use crate::error::EncodeError;
use crate::frame::varint_len;
use crate::string::{Bin, Utf8};
use crate::topic::TopicName;
use crate::types::{PayloadFormat, QoS, SubscriptionId};
use core::num::{NonZeroU16, NonZeroU32};

/// Write property `id` with value `v` (sized by [`encoded_len`] first).
#[inline]
pub(crate) fn write<S: Sink>(s: &mut S, id: PropertyId, v: RawValue<'_>) {
    write_of(s, id, v.int, v.bytes);
}

/// [`write`], out of line, with the value in registers.
#[inline(never)]
fn write_of<S: Sink>(s: &mut S, id: PropertyId, int: u32, bytes: &[u8]) {
    let v = RawValue { int, bytes };
    s.put_u8(id as u8);
    match id.wire_type() {
        WireType::Byte => s.put_u8(v.int as u8),
        WireType::TwoByte => s.put_u16(v.int as u16),
        WireType::FourByte => s.put_u32(v.int),
        WireType::VarInt => s.put_varint(v.int),
        WireType::Utf8 | WireType::Binary | WireType::Utf8Pair => s.put_bin(v.bytes),
    }
}

/// A property value type.
pub(crate) trait PropValue<'a>: Sized {
    /// The value from what the [`Scanner`](super::scan::Scanner) read and checked for a
    /// property of this type (always `Some` then).
    fn from_raw(v: RawValue<'a>) -> Option<Self>;
    /// Encoded size of the value (without the identifier byte).
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError>;
    /// The value as [`write`] takes it.
    fn to_raw(&self) -> RawValue<'_>;
}

impl<'a> PropValue<'a> for bool {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(v.int != 0)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(1)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(u32::from(*self))
    }
}

impl<'a> PropValue<'a> for PayloadFormat {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(if v.int == 0 { Self::Unspecified } else { Self::Utf8 })
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(1)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(*self as u32)
    }
}

/// Maximum QoS (0x24): only 0 or 1 may be sent [MQTT-3.2.2-9 area, §3.2.2.3.4].
impl<'a> PropValue<'a> for QoS {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(if v.int == 0 { Self::AtMostOnce } else { Self::AtLeastOnce })
    }
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError> {
        if *self == Self::ExactlyOnce {
            return Err(EncodeError::InvalidPropertyValue(id));
        }
        Ok(1)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(*self as u32)
    }
}

impl<'a> PropValue<'a> for u16 {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(v.int as Self)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(2)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(u32::from(*self))
    }
}

impl<'a> PropValue<'a> for NonZeroU16 {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Self::new(v.int as u16)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(2)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(u32::from(self.get()))
    }
}

impl<'a> PropValue<'a> for u32 {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(v.int)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(4)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(*self)
    }
}

impl<'a> PropValue<'a> for NonZeroU32 {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Self::new(v.int)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(4)
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(self.get())
    }
}

impl<'a> PropValue<'a> for SubscriptionId {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Self::new(v.int)
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(varint_len(self.get()))
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::int(self.get())
    }
}

impl<'a> PropValue<'a> for Utf8<'a> {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(Utf8::from_validated_bytes(v.bytes))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        bin_len(self.len())
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::bytes(self.as_bytes())
    }
}

impl<'a> PropValue<'a> for Bin<'a> {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(Bin::new(v.bytes))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        bin_len(self.len())
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::bytes(self.as_bytes())
    }
}

/// Response Topic (0x08): a topic name, without wildcards [MQTT-3.3.2-14].
impl<'a> PropValue<'a> for TopicName<'a> {
    fn from_raw(v: RawValue<'a>) -> Option<Self> {
        Some(TopicName(Utf8::from_validated_bytes(v.bytes)))
    }
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError> {
        if self.is_empty() {
            return Err(EncodeError::InvalidPropertyValue(id));
        }
        bin_len(self.as_utf8().len())
    }
    fn to_raw(&self) -> RawValue<'_> {
        RawValue::bytes(self.as_utf8().as_bytes())
    }
}
