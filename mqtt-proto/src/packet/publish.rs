//! PUBLISH (§3.3).

use super::total_len;
use crate::codec::{Reader, Sink, SliceSink, is_plain_topic, validate_utf8};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{PublishProperties, check_v3};
use crate::string::{Bin, Utf8};
use crate::topic::{TopicError, TopicName, validate_topic_name};
use crate::types::{Delivery, PacketId, QoS};
use crate::version::ProtocolVersion;

/// An application message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish<'a> {
    /// DUP: this may be a re-delivery (only with QoS > 0 [MQTT-3.3.1-2]).
    pub dup: bool,
    /// RETAIN.
    pub retain: bool,
    /// QoS and, for QoS > 0, the packet identifier.
    pub delivery: Delivery,
    /// Topic name; empty only in v5 together with a Topic Alias property.
    pub topic: TopicName<'a>,
    /// v5 properties (empty before 5.0).
    pub properties: PublishProperties<'a>,
    /// The application payload (any length, no length prefix).
    pub payload: Bin<'a>,
}

impl<'a> Publish<'a> {
    /// A QoS 0 message with no flags and no properties.
    pub fn new(topic: TopicName<'a>, payload: &'a [u8]) -> Self {
        Self {
            dup: false,
            retain: false,
            delivery: Delivery::AtMostOnce,
            topic,
            properties: PublishProperties::default(),
            payload: Bin::new(payload),
        }
    }

    /// The QoS level.
    pub const fn qos(&self) -> QoS {
        self.delivery.qos()
    }

    /// The packet identifier (QoS > 0 only).
    pub const fn packet_id(&self) -> Option<PacketId> {
        self.delivery.packet_id()
    }

    pub(crate) fn flags(&self) -> u8 {
        (self.dup as u8) << 3 | (self.qos() as u8) << 1 | self.retain as u8
    }

    #[inline]
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        flags: u8,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let dup = flags & 0b1000 != 0;
        let retain = flags & 0b0001 != 0;
        let qos = QoS::from_u8((flags >> 1) & 0b11).ok_or(DecodeError::InvalidQoS)?;
        let topic = r.bin()?;
        let topic = if is_plain_topic(topic) {
            // Plain ASCII without NUL or wildcards: valid UTF-8 by construction.
            TopicName(Utf8::from_validated(
                core::str::from_utf8(topic).map_err(|_| DecodeError::InvalidUtf8)?,
            ))
        } else {
            let s = validate_utf8(topic)?;
            validate_topic_name(s).map_err(DecodeError::InvalidTopicName)?;
            TopicName(Utf8::from_validated(s))
        };
        let delivery = match qos {
            QoS::AtMostOnce if dup => return Err(DecodeError::DupWithQoS0),
            QoS::AtMostOnce => Delivery::AtMostOnce,
            QoS::AtLeastOnce => Delivery::AtLeastOnce(super::read_packet_id(r)?),
            QoS::ExactlyOnce => Delivery::ExactlyOnce(super::read_packet_id(r)?),
        };
        let properties = if version.is_v5() {
            PublishProperties::decode(r, PacketType::Publish)?
        } else {
            PublishProperties::default()
        };
        if topic.is_empty() {
            if !version.is_v5() {
                return Err(DecodeError::InvalidTopicName(TopicError::Empty));
            }
            if properties.topic_alias.is_none() {
                return Err(DecodeError::EmptyTopicWithoutAlias);
            }
        }
        let payload = Bin::new(r.take_rest());
        Ok(Self { dup, retain, delivery, topic, properties, payload })
    }

    /// Remaining length without the payload, with all validation.
    #[inline]
    fn header_body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        let mut n = self.topic.as_utf8().wire_len();
        if self.dup && self.delivery == Delivery::AtMostOnce {
            return Err(EncodeError::DupWithQoS0);
        }
        if self.topic.is_empty() {
            if !v.is_v5() {
                return Err(EncodeError::InvalidTopicName(TopicError::Empty));
            }
            if self.properties.topic_alias.is_none() {
                return Err(EncodeError::EmptyTopicWithoutAlias);
            }
        }
        if self.delivery != Delivery::AtMostOnce {
            n += 2;
        }
        if v.is_v5() {
            let c = self.properties.content_len()?;
            n += varint_len(c as u32) + c;
        } else {
            check_v3(v, self.properties.is_empty())?;
        }
        Ok(n)
    }

    #[inline]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        Ok(self.header_body_len(v)? + self.payload.len())
    }

    /// Write everything after the fixed header except the payload.
    #[inline]
    pub(crate) fn write_header<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        s.put_bin(self.topic.as_utf8().as_bytes());
        if let Some(id) = self.delivery.packet_id() {
            s.put_u16(id.get());
        }
        if v.is_v5() {
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
        }
    }

    /// The exact size of the encoded packet.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        total_len(self.body_len(version)?)
    }

    /// Encode the whole packet into `buf`: all or nothing (see [`Packet::encode`](crate::Packet::encode)).
    #[inline]
    pub fn encode(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let head = self.header_body_len(version)?;
        let body = head + self.payload.len();
        let total = total_len(body)?;
        let Some(out) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { needed: total });
        };
        let mut s = SliceSink::new(out);
        s.put_u8((PacketType::Publish as u8) << 4 | self.flags());
        s.put_varint(body as u32);
        self.write_header(version, &mut s);
        s.put_slice(self.payload.as_bytes());
        Ok(total)
    }

    /// Encode everything but the payload into `buf`, for a vectored write of
    /// `[&buf[..n], publish.payload.as_bytes()]` without copying the payload.
    /// Returns `n`; all or nothing like [`Publish::encode`].
    #[inline]
    pub fn encode_header(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let head = self.header_body_len(version)?;
        let body = head + self.payload.len();
        let total = total_len(body)?;
        let n = total - self.payload.len();
        let Some(out) = buf.get_mut(..n) else {
            return Err(EncodeError::BufferTooSmall { needed: n });
        };
        let mut s = SliceSink::new(out);
        s.put_u8((PacketType::Publish as u8) << 4 | self.flags());
        s.put_varint(body as u32);
        self.write_header(version, &mut s);
        Ok(n)
    }

    /// An owned `'static` copy.
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> Publish<'static> {
        self.share(None)
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Publish<'static> {
        Publish {
            dup: self.dup,
            retain: self.retain,
            delivery: self.delivery,
            topic: TopicName(Utf8(self.topic.0.0.share(src))),
            properties: self.properties.share(src),
            payload: Bin(self.payload.0.share(src)),
        }
    }
}
