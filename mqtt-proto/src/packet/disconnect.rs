//! DISCONNECT (§3.14).

use crate::codec::{Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{DisconnectProperties, check_v3};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;

/// A disconnect notification (v5: from either side, with a reason).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Disconnect<'a> {
    /// v5 reason code; always Normal disconnection (0x00) before 5.0.
    pub reason: ReasonCode,
    /// v5 properties (empty before 5.0).
    pub properties: DisconnectProperties<'a>,
}

impl Default for ReasonCode {
    /// [`ReasonCode::Success`] (Normal disconnection, Granted QoS 0).
    fn default() -> Self {
        Self::Success
    }
}

impl<'a> Disconnect<'a> {
    /// A DISCONNECT with this reason and no properties.
    pub fn new(reason: ReasonCode) -> Self {
        Self { reason, properties: DisconnectProperties::default() }
    }

    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let mut d = Self::default();
        if version.is_v5() && r.remaining() > 0 {
            let code = r.u8()?;
            d.reason = ReasonCode::from_u8(code)
                .filter(|c| c.allowed_in(PacketType::Disconnect))
                .ok_or(DecodeError::InvalidReasonCode { packet: PacketType::Disconnect, code })?;
            if r.remaining() > 0 {
                d.properties = DisconnectProperties::decode(r, PacketType::Disconnect)?;
            }
        }
        Ok(d)
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        if v.is_v5() {
            if !self.reason.allowed_in(PacketType::Disconnect) {
                return Err(EncodeError::InvalidReasonCode {
                    packet: PacketType::Disconnect,
                    code: self.reason,
                });
            }
            if self.properties.is_empty() {
                return Ok(usize::from(self.reason != ReasonCode::Success));
            }
            let c = self.properties.content_len()?;
            return Ok(1 + varint_len(c as u32) + c);
        }
        if self.reason != ReasonCode::Success {
            return Err(EncodeError::Unsupported { version: v, field: "reason code" });
        }
        check_v3(v, self.properties.is_empty())?;
        Ok(0)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        if !v.is_v5() || (self.reason == ReasonCode::Success && self.properties.is_empty()) {
            return;
        }
        s.put_u8(self.reason.to_u8());
        if !self.properties.is_empty() {
            let c = self.properties.content_len().unwrap_or_default();
            self.properties.write(s, c);
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Disconnect<'static> {
        Disconnect { reason: self.reason, properties: self.properties.share(src) }
    }
}
