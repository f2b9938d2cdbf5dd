//! UNSUBSCRIBE (§3.10) and UNSUBACK (§3.11).

use super::lists::{ReasonCodes, TopicFilters};
use crate::codec::{Reader, Sink, validate_utf8};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{AckProperties, UnsubscribeProperties, check_v3};
use crate::topic::{TopicFilter, validate_topic_filter};
use crate::types::PacketId;
use crate::version::ProtocolVersion;

/// An unsubscribe request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// v5 properties (empty before 5.0).
    pub properties: UnsubscribeProperties<'a>,
    /// The filters, at least one [MQTT-3.10.3-2].
    pub filters: TopicFilters<'a>,
}

impl<'a> Unsubscribe<'a> {
    /// An UNSUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, filters: &'a [TopicFilter<'a>]) -> Self {
        Self { packet_id, properties: UnsubscribeProperties::default(), filters: TopicFilters::new(filters) }
    }

    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = super::read_packet_id(r)?;
        let properties = if version.is_v5() {
            UnsubscribeProperties::decode(r, PacketType::Unsubscribe)?
        } else {
            UnsubscribeProperties::default()
        };
        let payload = r.take_rest();
        if payload.is_empty() {
            return Err(DecodeError::EmptyPayload);
        }
        let mut p = Reader::new(payload);
        while p.remaining() > 0 {
            let filter = validate_utf8(p.bin()?)?;
            validate_topic_filter(filter).map_err(DecodeError::InvalidTopicFilter)?;
        }
        Ok(Self { packet_id, properties, filters: TopicFilters::from_wire(payload) })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        check_v3(v, self.properties.is_empty())?;
        let mut n = 2;
        if v.is_v5() {
            let c = self.properties.content_len()?;
            n += varint_len(c as u32) + c;
        }
        if self.filters.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        for f in self.filters.iter() {
            n += f.0.wire_len();
        }
        Ok(n)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        s.put_u16(self.packet_id.get());
        if v.is_v5() {
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
        }
        for f in self.filters.iter() {
            s.put_bin(f.0.as_bytes());
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Unsubscribe<'static> {
        Unsubscribe {
            packet_id: self.packet_id,
            properties: self.properties.share(src),
            filters: self.filters.share_wire(src, write_filters),
        }
    }
}

#[cfg(feature = "bytes")]
pub(crate) fn write_filters(list: &TopicFilters<'_>, out: &mut alloc::vec::Vec<u8>) {
    let mut s = crate::codec::BufMutSink(out);
    for f in list.iter() {
        s.put_bin(f.0.as_bytes());
    }
}

/// The answer to an UNSUBSCRIBE. Before 5.0 it carries only the packet identifier; in 5.0
/// one reason code per filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// v5 properties (empty before 5.0).
    pub properties: AckProperties<'a>,
    /// v5: one code per filter (empty before 5.0).
    pub reasons: ReasonCodes<'a>,
}

impl<'a> UnsubAck<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let (packet_id, properties, reasons) =
            super::subscribe::decode_ack_list(r, PacketType::UnsubAck, version)?;
        Ok(Self { packet_id, properties, reasons })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        if !v.is_v5() {
            check_v3(v, self.properties.is_empty())?;
            if !self.reasons.is_empty() {
                return Err(EncodeError::Unsupported { version: v, field: "UNSUBACK reason codes" });
            }
            return Ok(2);
        }
        let c = self.properties.content_len()?;
        let mut n = 2 + varint_len(c as u32) + c;
        if self.reasons.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        for code in self.reasons.iter() {
            if !code.allowed_in(PacketType::UnsubAck) {
                return Err(EncodeError::InvalidReasonCode { packet: PacketType::UnsubAck, code });
            }
            n += 1;
        }
        Ok(n)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        s.put_u16(self.packet_id.get());
        if v.is_v5() {
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
            for code in self.reasons.iter() {
                s.put_u8(code.to_u8());
            }
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> UnsubAck<'static> {
        UnsubAck {
            packet_id: self.packet_id,
            properties: self.properties.share(src),
            reasons: self
                .reasons
                .share_wire(src, |s, out| out.extend(s.iter().map(crate::reason::ReasonCode::to_u8))),
        }
    }
}
