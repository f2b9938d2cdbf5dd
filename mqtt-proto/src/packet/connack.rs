//! CONNACK (§3.2).

use crate::codec::{Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{ConnAckProperties, check_v3};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;

/// The server's answer to CONNECT.
///
/// MQTT 3.x return codes are mapped onto [`ReasonCode`] (1 → 0x84, 2 → 0x85, 3 → 0x88,
/// 4 → 0x86, 5 → 0x87).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnAck<'a> {
    /// Session Present (3.1.1 and 5.0; always false in 3.1).
    pub session_present: bool,
    /// Connect Reason Code (v5) or the mapped return code (3.x).
    pub reason: ReasonCode,
    /// v5 properties (empty before 5.0).
    pub properties: ConnAckProperties<'a>,
}

impl<'a> ConnAck<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let flags = r.u8()?;
        let code = r.u8()?;
        let reason = if version.is_v5() {
            ReasonCode::from_u8(code).filter(|c| c.allowed_in(PacketType::ConnAck))
        } else {
            ReasonCode::from_v3_connack(code)
        }
        .ok_or(DecodeError::InvalidReasonCode { packet: PacketType::ConnAck, code })?;
        // 3.1 has a reserved byte where 3.1.1 and 5.0 have the acknowledge flags.
        let session_present = match version {
            ProtocolVersion::V3_1 if flags != 0 => return Err(DecodeError::InvalidConnAckFlags),
            ProtocolVersion::V3_1 => false,
            _ if flags & 0xFE != 0 => return Err(DecodeError::InvalidConnAckFlags),
            _ => flags & 1 != 0,
        };
        // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0): no session with a refusal.
        if session_present && reason.is_error() {
            return Err(DecodeError::InvalidConnAckFlags);
        }
        let properties = if version.is_v5() {
            ConnAckProperties::decode(r, PacketType::ConnAck)?
        } else {
            ConnAckProperties::default()
        };
        Ok(Self { session_present, reason, properties })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        let invalid = EncodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: self.reason };
        if v.is_v5() {
            if !self.reason.allowed_in(PacketType::ConnAck) {
                return Err(invalid);
            }
        } else if self.reason.to_v3_connack().is_none() {
            return Err(invalid);
        }
        if self.session_present && (self.reason.is_error() || v == ProtocolVersion::V3_1) {
            return Err(EncodeError::Unsupported { version: v, field: "session_present" });
        }
        check_v3(v, self.properties.is_empty())?;
        let mut n = 2;
        if v.is_v5() {
            let c = self.properties.content_len()?;
            n += varint_len(c as u32) + c;
        }
        Ok(n)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        s.put_u8(u8::from(self.session_present));
        if v.is_v5() {
            s.put_u8(self.reason.to_u8());
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
        } else {
            s.put_u8(self.reason.to_v3_connack().unwrap_or(0));
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> ConnAck<'static> {
        ConnAck {
            session_present: self.session_present,
            reason: self.reason,
            properties: self.properties.share(src),
        }
    }
}
