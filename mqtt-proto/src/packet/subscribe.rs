//! SUBSCRIBE (§3.8) and SUBACK (§3.9).

use super::lists::{ReasonCodes, Subscriptions, View};
use crate::codec::{Reader, Sink, SliceSink, WIDE};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{AckProperties, SubscribeProperties, check_v3};
use crate::reason::ReasonCode;
use crate::topic::{TopicFilter, validate_filter_bytes};
use crate::types::{PacketId, SubscriptionOptions};
use crate::version::ProtocolVersion;

/// One entry of a SUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Subscription<'a> {
    /// The topic filter.
    pub filter: TopicFilter<'a>,
    /// QoS and (v5) the other subscription options.
    pub options: SubscriptionOptions,
}

/// A subscribe request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribe<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// v5 properties (empty before 5.0).
    pub properties: SubscribeProperties<'a>,
    /// The filters, at least one [MQTT-3.8.3-3].
    pub subscriptions: Subscriptions<'a>,
}

impl<'a> Subscribe<'a> {
    /// A SUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, subscriptions: &'a [Subscription<'a>]) -> Self {
        Self {
            packet_id,
            properties: SubscribeProperties::default(),
            subscriptions: Subscriptions::new(subscriptions),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = super::read_packet_id(r)?;
        let properties = if version.is_v5() {
            SubscribeProperties::decode(r, PacketType::Subscribe)?
        } else {
            SubscribeProperties::default()
        };
        let payload = r.take_rest();
        if payload.is_empty() {
            return Err(DecodeError::EmptyPayload);
        }
        let mut p = Reader::new(payload);
        while p.remaining() > 0 {
            let filter = p.bin_fast()?;
            validate_filter_bytes(filter)?;
            let b = p.u8_fast()?;
            let reserved = if version.is_v5() { 0b1100_0000 } else { 0b1111_1100 };
            if b & reserved != 0 {
                return Err(DecodeError::InvalidSubscriptionOptions(b));
            }
            if b & 0b11 == 3 {
                return Err(DecodeError::InvalidSubscriptionQoS);
            }
            if (b >> 4) & 0b11 == 3 {
                return Err(DecodeError::InvalidRetainHandling);
            }
            if b & 0b100 != 0 && filter.starts_with(b"$share/") {
                return Err(DecodeError::NoLocalOnSharedSubscription);
            }
        }
        Ok(Self { packet_id, properties, subscriptions: Subscriptions::from_wire(payload) })
    }

    /// The remaining length and the v5 property length, with all validation.
    // Always inlined on 64-bit targets (the speed of `Packet::encode`); elsewhere the
    // compiler picks, which keeps one copy for the client's vector encoder.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn lens(&self, v: ProtocolVersion) -> Result<(usize, usize), EncodeError> {
        // Looked at once: most SUBSCRIBEs carry no properties.
        let empty = self.properties.is_empty();
        check_v3(v, empty)?;
        let mut n = 2;
        let mut c = 0;
        if v.is_v5() {
            if !empty {
                c = self.properties.content_len()?;
            }
            n += varint_len(c as u32) + c;
        }
        if self.subscriptions.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        // A caller's entries are looked at in place (one pass, no entry cloned); a decoded
        // list is walked entry by entry (the rare case: a SUBSCRIBE decoded, then encoded).
        let check = |s: &Subscription<'_>| {
            if !v.is_v5() && s.options.has_v5_options() {
                return Err(EncodeError::Unsupported { version: v, field: "subscription options" });
            }
            if s.options.no_local && s.filter.is_shared() {
                return Err(EncodeError::NoLocalOnSharedSubscription);
            }
            Ok(s.filter.0.wire_len() + 1)
        };
        match self.subscriptions.view() {
            // (On 64-bit targets; the 32-bit microcontrollers keep the smaller entry walk.)
            View::List(l) if WIDE => {
                // Sizes first, without a branch per entry; the checks only when an entry
                // has a v5 option (without one neither check can fail: No Local is one).
                let mut v5_options = 0;
                for s in l {
                    let o = s.options;
                    v5_options |= o.no_local as u8 | o.retain_as_published as u8 | o.retain_handling as u8;
                    n += s.filter.0.wire_len() + 1;
                }
                if v5_options != 0 {
                    for s in l {
                        check(s)?;
                    }
                }
            }
            _ => {
                for s in self.subscriptions.iter() {
                    n += check(&s)?;
                }
            }
        }
        Ok((n, c))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        self.lens(v).map(|(n, _)| n)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        self.write_with(v, s, None);
    }

    /// [`Subscribe::write_body`] with the property length from [`Subscribe::lens`], or
    /// with it computed where it is written (`None`).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn write_with<S: Sink>(&self, v: ProtocolVersion, s: &mut S, c: Option<usize>) {
        s.put_u16(self.packet_id.get());
        if v.is_v5() {
            let c = c.unwrap_or_else(|| self.properties.content_len().unwrap_or_default());
            if WIDE && c == 0 {
                s.put_u8(0);
            } else {
                self.properties.write(s, c);
            }
        }
        match self.subscriptions.view() {
            // The validated payload is the entries' encoding.
            View::Wire(b) if WIDE => s.put_slice(b),
            View::List(l) if WIDE => {
                s.put_bin_u8_each(l.iter().map(|e| (e.filter.0.as_bytes(), e.options.to_byte())));
            }
            // The 32-bit microcontrollers: one loop for both, the smaller code.
            _ => {
                for e in self.subscriptions.iter() {
                    s.put_bin(e.filter.0.as_bytes());
                    s.put_u8(e.options.to_byte());
                }
            }
        }
    }

    /// Encode the whole packet into `buf`, all or nothing: [`Packet::encode`]'s path for
    /// SUBSCRIBE (sized once, the cursor in registers).
    ///
    /// [`Packet::encode`]: crate::Packet::encode
    #[inline(never)]
    pub(crate) fn encode(&self, v: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let (body, c) = self.lens(v)?;
        let total = super::total_len(body)?;
        let Some(out) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { needed: total });
        };
        let mut s = SliceSink::new(out);
        s.put_u8((PacketType::Subscribe as u8) << 4 | PacketType::Subscribe.required_flags());
        s.put_varint(body as u32);
        self.write_with(v, &mut s, Some(c));
        debug_assert_eq!(s.written(), total);
        Ok(total)
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Subscribe<'static> {
        Subscribe {
            packet_id: self.packet_id,
            properties: self.properties.share(src),
            subscriptions: self.subscriptions.share_wire(src, write_subscriptions),
        }
    }
}

#[cfg(feature = "bytes")]
pub(crate) fn write_subscriptions(list: &Subscriptions<'_>, out: &mut alloc::vec::Vec<u8>) {
    let mut s = crate::codec::BufMutSink(out);
    for e in list.iter() {
        s.put_bin(e.filter.0.as_bytes());
        s.put_u8(e.options.to_byte());
    }
}

/// The parts of a SUBACK or UNSUBACK body (`t`), which share one shape and one decoder:
/// packet identifier, v5 properties, reason codes (a 3.x UNSUBACK has neither of the last two).
pub(crate) fn decode_ack_list<'a>(
    r: &mut Reader<'a>,
    t: PacketType,
    version: ProtocolVersion,
) -> Result<(PacketId, AckProperties<'a>, ReasonCodes<'a>), DecodeError> {
    let packet_id = super::read_packet_id(r)?;
    let v5 = version.is_v5();
    if !v5 && t == PacketType::UnsubAck {
        return Ok((packet_id, AckProperties::default(), ReasonCodes::new(&[])));
    }
    let properties = if v5 { AckProperties::decode(r, t)? } else { AckProperties::default() };
    let payload = r.take_rest();
    if payload.is_empty() {
        return Err(DecodeError::EmptyPayload);
    }
    for &code in payload {
        // (A 3.x UNSUBACK returned above: the 3.x arms are SUBACK return codes.)
        let ok = match version {
            ProtocolVersion::V5 => ReasonCode::from_u8(code).is_some_and(|c| c.allowed_in(t)),
            ProtocolVersion::V3_1_1 => ReasonCode::from_v3_suback(code, true).is_some(),
            ProtocolVersion::V3_1 => ReasonCode::from_v3_suback(code, false).is_some(),
        };
        if !ok {
            return Err(DecodeError::InvalidReasonCode { packet: t, code });
        }
    }
    Ok((packet_id, properties, ReasonCodes::from_wire(payload)))
}

/// The answer to a SUBSCRIBE: one reason code per filter, in order.
///
/// 3.x return codes: granted QoS 0 to 2 map to 0x00 to 0x02, 3.1.1's Failure (0x80) to
/// [`ReasonCode::UnspecifiedError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubAck<'a> {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// v5 properties (empty before 5.0).
    pub properties: AckProperties<'a>,
    /// One code per filter.
    pub reasons: ReasonCodes<'a>,
}

impl<'a> SubAck<'a> {
    pub(crate) fn decode(r: &mut Reader<'a>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let (packet_id, properties, reasons) = decode_ack_list(r, PacketType::SubAck, version)?;
        Ok(Self { packet_id, properties, reasons })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        check_v3(v, self.properties.is_empty())?;
        let mut n = 2;
        if v.is_v5() {
            let c = self.properties.content_len()?;
            n += varint_len(c as u32) + c;
        }
        if self.reasons.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        for code in self.reasons.iter() {
            let ok = match v {
                ProtocolVersion::V5 => code.allowed_in(PacketType::SubAck),
                ProtocolVersion::V3_1_1 => code.to_v3_suback(true).is_some(),
                ProtocolVersion::V3_1 => code.to_v3_suback(false).is_some(),
            };
            if !ok {
                return Err(EncodeError::InvalidReasonCode { packet: PacketType::SubAck, code });
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
        }
        for code in self.reasons.iter() {
            // 3.x SUBACK return codes have the same values as their v5 reason codes.
            s.put_u8(code.to_u8());
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> SubAck<'static> {
        SubAck {
            packet_id: self.packet_id,
            properties: self.properties.share(src),
            reasons: self.reasons.share_wire(src, |s, out| out.extend(s.iter().map(ReasonCode::to_u8))),
        }
    }
}
