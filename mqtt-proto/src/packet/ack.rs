//! PUBACK, PUBREC, PUBREL and PUBCOMP (§3.4 to §3.7): one shape, four packet types.

use crate::codec::{Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{AckProperties, check_v3};
use crate::reason::ReasonCode;
use crate::types::PacketId;
use crate::version::ProtocolVersion;

/// A PUBACK, PUBREC, PUBREL or PUBCOMP (the [`Packet`](crate::Packet) variant says which).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack<'a> {
    /// The packet identifier of the flow.
    pub packet_id: PacketId,
    /// v5 reason code; always [`ReasonCode::Success`] before 5.0.
    pub reason: ReasonCode,
    /// v5 properties (empty before 5.0).
    pub properties: AckProperties<'a>,
}

impl<'a> Ack<'a> {
    /// A successful acknowledgement without properties.
    pub fn new(packet_id: PacketId) -> Self {
        Self { packet_id, reason: ReasonCode::Success, properties: AckProperties::default() }
    }

    /// The whole packet, when it takes the four-byte form of every version (reason
    /// Success, no properties): `first` (the fixed header's first byte), Remaining Length 2
    /// and the packet identifier.
    #[inline(always)]
    pub(crate) fn short_form(&self, first: u8) -> Option<[u8; 4]> {
        if self.reason == ReasonCode::Success && self.properties.is_empty() {
            let [hi, lo] = self.packet_id.get().to_be_bytes();
            Some([first, 2, hi, lo])
        } else {
            None
        }
    }

    pub(crate) fn decode(
        r: &mut Reader<'a>,
        t: PacketType,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let packet_id = super::read_packet_id(r)?;
        let mut ack = Self::new(packet_id);
        // v5: Remaining Length 2 means Success without properties; 3 means no properties.
        if version.is_v5() && r.remaining() > 0 {
            let code = r.u8()?;
            ack.reason = ReasonCode::from_u8(code)
                .filter(|c| c.allowed_in(t))
                .ok_or(DecodeError::InvalidReasonCode { packet: t, code })?;
            if r.remaining() > 0 {
                ack.properties = AckProperties::decode(r, t)?;
            }
        }
        Ok(ack)
    }

    pub(crate) fn body_len(&self, t: PacketType, v: ProtocolVersion) -> Result<usize, EncodeError> {
        if v.is_v5() {
            if !self.reason.allowed_in(t) {
                return Err(EncodeError::InvalidReasonCode { packet: t, code: self.reason });
            }
            if self.properties.is_empty() {
                return Ok(if self.reason == ReasonCode::Success { 2 } else { 3 });
            }
            let c = self.properties.content_len()?;
            return Ok(3 + varint_len(c as u32) + c);
        }
        if self.reason != ReasonCode::Success {
            return Err(EncodeError::Unsupported { version: v, field: "reason code" });
        }
        check_v3(v, self.properties.is_empty())?;
        Ok(2)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        s.put_u16(self.packet_id.get());
        if !v.is_v5() {
            return;
        }
        if self.properties.is_empty() {
            if self.reason != ReasonCode::Success {
                s.put_u8(self.reason.to_u8());
            }
            return;
        }
        s.put_u8(self.reason.to_u8());
        let c = self.properties.content_len().unwrap_or_default();
        self.properties.write(s, c);
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Ack<'static> {
        Ack { packet_id: self.packet_id, reason: self.reason, properties: self.properties.share(src) }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Packet, ProtocolVersion};

    /// The inlined four-byte acknowledgement path of `decode_with_limit` gives exactly what
    /// the general decoder gives, for every first byte, length byte, id and limit.
    #[test]
    fn the_short_ack_path_agrees_with_the_general_path() {
        for first in 0..=255u8 {
            for len in [0u8, 1, 2, 3, 0x82] {
                for id in [0u16, 1, 0x1234, 0xFFFF] {
                    let [hi, lo] = id.to_be_bytes();
                    let frame = [first, len, hi, lo, 0];
                    for v in ProtocolVersion::ALL {
                        for max in [u32::MAX, 5, 4, 3] {
                            for end in [2, 3, 4, 5] {
                                let b = &frame[..end];
                                assert_eq!(
                                    Packet::decode_with_limit(b, v, max),
                                    Packet::decode_general(b, v, max),
                                    "{b:02x?} {v:?} {max}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
