//! AUTH (§3.15, MQTT 5.0 only).

use crate::codec::{Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::AuthProperties;
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;

/// An authentication exchange packet (enhanced authentication, re-authentication).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Auth<'a> {
    /// Success (0x00), Continue authentication (0x18) or Re-authenticate (0x19).
    pub reason: ReasonCode,
    /// Properties.
    pub properties: AuthProperties<'a>,
}

impl<'a> Auth<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let mut a = Self::default();
        if r.remaining() > 0 {
            let code = r.u8()?;
            a.reason = ReasonCode::from_u8(code)
                .filter(|c| c.allowed_in(PacketType::Auth))
                .ok_or(DecodeError::InvalidReasonCode { packet: PacketType::Auth, code })?;
            if r.remaining() > 0 {
                a.properties = AuthProperties::decode(r, PacketType::Auth)?;
            }
        }
        Ok(a)
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        if !v.is_v5() {
            return Err(EncodeError::Unsupported { version: v, field: "AUTH" });
        }
        if !self.reason.allowed_in(PacketType::Auth) {
            return Err(EncodeError::InvalidReasonCode { packet: PacketType::Auth, code: self.reason });
        }
        if self.properties.is_empty() {
            return Ok(usize::from(self.reason != ReasonCode::Success));
        }
        let c = self.properties.content_len()?;
        Ok(1 + varint_len(c as u32) + c)
    }

    pub(crate) fn write_body<S: Sink>(&self, _: ProtocolVersion, s: &mut S) {
        if self.reason == ReasonCode::Success && self.properties.is_empty() {
            return;
        }
        s.put_u8(self.reason.to_u8());
        if !self.properties.is_empty() {
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Auth<'static> {
        Auth { reason: self.reason, properties: self.properties.share(src) }
    }
}
