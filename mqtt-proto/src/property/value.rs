//! How each Rust property type is read, sized, written and made `'static`.

use super::PropertyId;
use crate::codec::{Reader, Sink, bin_len, validate_utf8};
use crate::error::{DecodeError, EncodeError};
use crate::frame::varint_len;
use crate::string::{Bin, Utf8};
use crate::topic::{TopicName, validate_topic_name};
use crate::types::{PayloadFormat, QoS, SubscriptionId};
use core::num::{NonZeroU16, NonZeroU32};

/// A property value type.
pub(crate) trait PropValue<'a>: Sized {
    /// Read the value of property `id`; out-of-range values are
    /// [`DecodeError::InvalidPropertyValue`].
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError>;
    /// Encoded size of the value (without the identifier byte).
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError>;
    /// Write the value.
    fn write<S: Sink>(&self, s: &mut S);
}

impl<'a> PropValue<'a> for bool {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::InvalidPropertyValue(id)),
        }
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(1)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u8(u8::from(*self));
    }
}

impl<'a> PropValue<'a> for PayloadFormat {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(Self::Unspecified),
            1 => Ok(Self::Utf8),
            _ => Err(DecodeError::InvalidPropertyValue(id)),
        }
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(1)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u8(*self as u8);
    }
}

/// Maximum QoS (0x24): only 0 or 1 may be sent [MQTT-3.2.2-9 area, §3.2.2.3.4].
impl<'a> PropValue<'a> for QoS {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            _ => Err(DecodeError::InvalidPropertyValue(id)),
        }
    }
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError> {
        if *self == Self::ExactlyOnce {
            return Err(EncodeError::InvalidPropertyValue(id));
        }
        Ok(1)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u8(*self as u8);
    }
}

impl<'a> PropValue<'a> for u16 {
    fn read(r: &mut Reader<'a>, _: PropertyId) -> Result<Self, DecodeError> {
        r.u16()
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(2)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u16(*self);
    }
}

impl<'a> PropValue<'a> for NonZeroU16 {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        Self::new(r.u16()?).ok_or(DecodeError::InvalidPropertyValue(id))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(2)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u16(self.get());
    }
}

impl<'a> PropValue<'a> for u32 {
    fn read(r: &mut Reader<'a>, _: PropertyId) -> Result<Self, DecodeError> {
        r.u32()
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(4)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u32(*self);
    }
}

impl<'a> PropValue<'a> for NonZeroU32 {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        Self::new(r.u32()?).ok_or(DecodeError::InvalidPropertyValue(id))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(4)
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_u32(self.get());
    }
}

impl<'a> PropValue<'a> for SubscriptionId {
    fn read(r: &mut Reader<'a>, id: PropertyId) -> Result<Self, DecodeError> {
        Self::new(r.varint()?).ok_or(DecodeError::InvalidPropertyValue(id))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        Ok(varint_len(self.get()))
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_varint(self.get());
    }
}

impl<'a> PropValue<'a> for Utf8<'a> {
    fn read(r: &mut Reader<'a>, _: PropertyId) -> Result<Self, DecodeError> {
        Ok(Utf8::from_validated(r.utf8()?))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        bin_len(self.len())
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_bin(self.as_bytes());
    }
}

impl<'a> PropValue<'a> for Bin<'a> {
    fn read(r: &mut Reader<'a>, _: PropertyId) -> Result<Self, DecodeError> {
        Ok(Bin::new(r.bin()?))
    }
    fn value_len(&self, _: PropertyId) -> Result<usize, EncodeError> {
        bin_len(self.len())
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_bin(self.as_bytes());
    }
}

/// Response Topic (0x08): a topic name, without wildcards [MQTT-3.3.2-14].
impl<'a> PropValue<'a> for TopicName<'a> {
    fn read(r: &mut Reader<'a>, _: PropertyId) -> Result<Self, DecodeError> {
        let s = validate_utf8(r.bin()?)?;
        validate_topic_name(s).map_err(DecodeError::InvalidTopicName)?;
        Ok(TopicName(Utf8::from_validated(s)))
    }
    fn value_len(&self, id: PropertyId) -> Result<usize, EncodeError> {
        if self.is_empty() {
            return Err(EncodeError::InvalidPropertyValue(id));
        }
        bin_len(self.as_str().len())
    }
    fn write<S: Sink>(&self, s: &mut S) {
        s.put_bin(self.as_utf8().as_bytes());
    }
}
