//! PUBLISH (§3.3).

use super::total_len;
use crate::codec::{CompactSink, Reader, Sink, SliceSink, is_plain_topic, validate_utf8};
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

    /// Decode a PUBLISH body (everything after the fixed header).
    #[inline]
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        flags: u8,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        RawPublish::read(r.take_rest(), flags, version)?.finish(version)
    }

    /// Remaining length without the payload, and the v5 property length, with all validation.
    #[inline(always)]
    fn header_lens(&self, v: ProtocolVersion) -> Result<(usize, usize), EncodeError> {
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
        let mut props = 0;
        if v.is_v5() {
            // Every property takes at least one byte, so an empty set has length 0.
            if !self.properties.is_empty() {
                props = self.properties.content_len()?;
            }
            n += varint_len(props as u32) + props;
        } else {
            check_v3(v, self.properties.is_empty())?;
        }
        Ok((n, props))
    }

    /// [`Publish::header_lens`] out of line, for the paths off the encode hot path (sizing,
    /// and the client's vector encoder): one copy of it there.
    #[inline(never)]
    fn header_lens_cold(&self, v: ProtocolVersion) -> Result<(usize, usize), EncodeError> {
        self.header_lens(v)
    }

    #[inline]
    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        Ok(self.header_lens_cold(v)?.0 + self.payload.len())
    }

    /// Write everything after the fixed header except the payload.
    #[inline]
    pub(crate) fn write_header<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        let props = if v.is_v5() && !self.properties.is_empty() {
            self.properties.content_len().unwrap_or_default()
        } else {
            0
        };
        self.write_header_with(v, s, props);
    }

    /// [`Publish::write_header`] with the property length from [`Publish::header_lens`].
    #[inline(always)]
    fn write_header_with<S: Sink>(&self, v: ProtocolVersion, s: &mut S, props: usize) {
        s.put_bin(self.topic.as_utf8().as_bytes());
        if let Some(id) = self.delivery.packet_id() {
            s.put_u16(id.get());
        }
        if v.is_v5() {
            if props == 0 {
                s.put_u8(0);
            } else {
                self.properties.write(s, props);
            }
        }
    }

    /// Encode into `buf`: the fixed header, the variable header and, with `payload`, the
    /// payload.
    #[inline]
    fn encode_into(
        &self,
        version: ProtocolVersion,
        buf: &mut [u8],
        payload: bool,
    ) -> Result<usize, EncodeError> {
        let (head, props) = self.header_lens(version)?;
        let body = head + self.payload.len();
        let total = total_len(body)?;
        let n = if payload { total } else { total - self.payload.len() };
        let Some(out) = buf.get_mut(..n) else {
            return Err(EncodeError::BufferTooSmall { needed: n });
        };
        let mut s = SliceSink::new(out);
        s.put_u8((PacketType::Publish as u8) << 4 | self.flags());
        s.put_varint(body as u32);
        // `write_header_with`, with the properties written out of line into their own
        // part of the buffer, so that `s` stays in registers.
        s.put_bin(self.topic.as_utf8().as_bytes());
        if let Some(id) = self.delivery.packet_id() {
            s.put_u16(id.get());
        }
        if version.is_v5() {
            if props == 0 {
                s.put_u8(0);
            } else {
                write_properties(&self.properties, s.reserve(varint_len(props as u32) + props), props);
            }
        }
        if payload {
            s.put_slice(self.payload.as_bytes());
        }
        debug_assert_eq!(s.written(), n);
        Ok(n)
    }

    /// The exact size of the encoded packet.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        total_len(self.body_len(version)?)
    }

    /// Encode the whole packet into `buf`: all or nothing (see [`Packet::encode`](crate::Packet::encode)).
    #[inline]
    pub fn encode(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_into(version, buf, true)
    }

    /// Encode everything but the payload into `buf`, for a vectored write of
    /// `[&buf[..n], publish.payload.as_bytes()]` without copying the payload.
    /// Returns `n`; all or nothing like [`Publish::encode`].
    #[inline]
    pub fn encode_header(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_into(version, buf, false)
    }

    /// Append the encoded packet to `out`, and note in `layout` where its parts went; on
    /// error `out` is unchanged. Out of line and
    /// written through the compact sink (this is not the hot path of [`Publish::encode`]):
    /// the one copy of the PUBLISH encoder in a program that encodes through
    /// [`Packet::encode_to_vec_client`](crate::Packet::encode_to_vec_client) or
    /// [`EncodedPublish`](crate::EncodedPublish), which keeps the offsets it records.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    pub(crate) fn encode_to_vec(
        &self,
        version: ProtocolVersion,
        out: &mut alloc::vec::Vec<u8>,
        layout: &mut Layout,
    ) -> Result<usize, EncodeError> {
        self.encode_parts_to_vec(version, out, layout, None)
    }

    /// Append the head of this PUBLISH (fixed header, topic, packet identifier, properties)
    /// for a payload of `payload_len` bytes that the caller sends after it (this packet's own
    /// `payload` is not used): for senders that stream a payload they do not hold whole.
    /// Returns the head's length; on error `out` is unchanged.
    #[cfg(feature = "alloc")]
    pub fn encode_head_to_vec(
        &self,
        version: ProtocolVersion,
        payload_len: usize,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, EncodeError> {
        self.encode_parts_to_vec(version, out, &mut Layout::default(), Some(payload_len))
    }

    /// [`Publish::encode_to_vec`], or with `streamed` the head only, for a payload of that
    /// length sent separately.
    #[cfg(feature = "alloc")]
    fn encode_parts_to_vec(
        &self,
        version: ProtocolVersion,
        out: &mut alloc::vec::Vec<u8>,
        layout: &mut Layout,
        streamed: Option<usize>,
    ) -> Result<usize, EncodeError> {
        let (head, props) = self.header_lens_cold(version)?;
        let payload_len = streamed.unwrap_or(self.payload.len());
        let body = head.checked_add(payload_len).ok_or(EncodeError::TooLong { len: payload_len })?;
        let total = total_len(body)?;
        let total = total - streamed.unwrap_or(0);
        let start = out.len();
        out.resize(start + total, 0);
        let mut s = CompactSink::new(out.get_mut(start..).unwrap_or_default());
        s.put_u8((PacketType::Publish as u8) << 4 | self.flags());
        s.put_varint(body as u32);
        let header = s.written();
        // The packet identifier follows the topic name and its 2-byte length.
        let id = header + 2 + self.topic.as_utf8().as_bytes().len();
        self.write_header_with(version, &mut s, props);
        if streamed.is_none() {
            s.put_slice(self.payload.as_bytes());
        }
        debug_assert_eq!(s.written(), total);
        *layout = Layout { header, id, expiry: s.expiry_at };
        Ok(total)
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

/// Where [`Publish::encode_to_vec`] wrote the parts of a PUBLISH, from its first byte.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The fixed header's size (where the topic name starts).
    pub(crate) header: usize,
    /// Where the packet identifier is (QoS > 0), or would be: right after the topic name.
    pub(crate) id: usize,
    /// Where the 4-byte Message Expiry Interval value is; 0 without that property.
    pub(crate) expiry: usize,
}

/// Write a non-empty property set, its length (`len`, from `content_len`) first, into
/// `buf`, which is exactly that large.
#[inline(never)]
fn write_properties(p: &PublishProperties<'_>, buf: &mut [u8], len: usize) {
    let size = buf.len();
    let mut s = CompactSink::new(buf);
    p.write(&mut s, len);
    debug_assert_eq!(s.written(), size);
}

/// A PUBLISH read from its body with every check done except those that need its v5
/// property block, which is only sliced out. [`Packet::decode`](crate::Packet::decode)
/// builds the packet in place from these parts when the block is empty (the common case),
/// and goes through [`RawPublish::finish`] otherwise.
pub(crate) struct RawPublish<'a> {
    dup: bool,
    retain: bool,
    delivery: Delivery,
    /// A valid topic name, or empty.
    topic: &'a [u8],
    /// The v5 property block without its length (empty before 5.0).
    properties: &'a [u8],
    payload: &'a [u8],
}

impl<'a> RawPublish<'a> {
    /// Read and check the fixed-header flags, the topic name, the packet identifier and the
    /// extent of the property block.
    #[inline(always)]
    pub(crate) fn read(body: &'a [u8], flags: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let dup = flags & 0b1000 != 0;
        let retain = flags & 0b0001 != 0;
        let qos = QoS::from_u8((flags >> 1) & 0b11).ok_or(DecodeError::InvalidQoS)?;
        let mut r = Reader::new(body);
        let topic = r.bin_fast()?;
        // Plain ASCII without NUL or wildcards is a valid topic name as it is: one pass.
        if !is_plain_topic(topic) {
            check_topic_name(topic)?;
        }
        let delivery = match qos {
            QoS::AtMostOnce if dup => return Err(DecodeError::DupWithQoS0),
            QoS::AtMostOnce => Delivery::AtMostOnce,
            QoS::AtLeastOnce => Delivery::AtLeastOnce(super::read_packet_id_fast(&mut r)?),
            QoS::ExactlyOnce => Delivery::ExactlyOnce(super::read_packet_id_fast(&mut r)?),
        };
        let properties = if version.is_v5() { r.property_block()? } else { &[] };
        Ok(Self { dup, retain, delivery, topic, properties, payload: r.take_rest() })
    }

    /// Whether [`RawPublish::read`] checked everything: no properties, and a topic name
    /// (an empty one is valid only together with a Topic Alias property).
    #[inline(always)]
    pub(crate) fn is_plain(&self) -> bool {
        self.properties.is_empty() && !self.topic.is_empty()
    }

    /// The packet, when [`RawPublish::is_plain`].
    #[inline(always)]
    pub(crate) fn into_plain(self) -> Publish<'a> {
        debug_assert!(self.is_plain());
        Publish {
            dup: self.dup,
            retain: self.retain,
            delivery: self.delivery,
            topic: TopicName(Utf8::from_validated_bytes(self.topic)),
            properties: PublishProperties::default(),
            payload: Bin::new(self.payload),
        }
    }

    /// Decode the property block and run the checks that depend on it.
    #[inline(never)]
    pub(crate) fn finish(self, version: ProtocolVersion) -> Result<Publish<'a>, DecodeError> {
        let properties = if self.properties.is_empty() {
            PublishProperties::default()
        } else {
            PublishProperties::decode_block(self.properties, PacketType::Publish)?
        };
        if self.topic.is_empty() {
            if !version.is_v5() {
                return Err(DecodeError::InvalidTopicName(TopicError::Empty));
            }
            if properties.topic_alias.is_none() {
                return Err(DecodeError::EmptyTopicWithoutAlias);
            }
        }
        Ok(Publish {
            dup: self.dup,
            retain: self.retain,
            delivery: self.delivery,
            topic: TopicName(Utf8::from_validated_bytes(self.topic)),
            properties,
            payload: Bin::new(self.payload),
        })
    }
}

/// The full topic-name check, for names that are not plain ASCII (or are invalid).
#[cold]
#[inline(never)]
fn check_topic_name(b: &[u8]) -> Result<(), DecodeError> {
    let s = validate_utf8(b)?;
    validate_topic_name(s).map_err(DecodeError::InvalidTopicName)
}

#[cfg(test)]
mod tests {
    use crate::frame::{FixedHeader, Status};
    use crate::{Packet, ProtocolVersion};

    /// PUBLISH-like frames from a seeded generator: valid ones, and ones with a bad flag,
    /// topic byte, length or property block.
    fn frames() -> impl Iterator<Item = alloc::vec::Vec<u8>> {
        const TOPIC_BYTES: &[u8] = b"aZ/-_$ +#\0\x80\xC3\xA9\xFF";
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        (0..100_000).map(move |_| {
            let r = next();
            let mut body = alloc::vec::Vec::new();
            let topic_len = (r % 40) as usize;
            body.extend_from_slice(&(topic_len as u16).to_be_bytes());
            for i in 0..topic_len {
                let plain = (r >> 8) % 4 != 0;
                let c = if plain {
                    b'a' + (i % 26) as u8
                } else {
                    TOPIC_BYTES[(next() % TOPIC_BYTES.len() as u64) as usize]
                };
                body.push(c);
            }
            let flags = ((r >> 16) % 16) as u8;
            if flags & 0b0110 != 0 {
                body.extend_from_slice(&[0, ((r >> 24) % 3) as u8]);
            }
            match (r >> 28) % 4 {
                0 => body.push(0),
                1 => body.extend_from_slice(&[3, 0x23, 0, 1]),
                2 => body.extend_from_slice(&[2, 0x01, 1]),
                _ => {}
            }
            body.extend((0..(r >> 32) % 70).map(|i| i as u8));
            if (r >> 40) % 8 == 0 {
                let cut = (next() as usize) % (body.len() + 1);
                body.truncate(cut);
            }
            let mut frame = alloc::vec![0x30 | flags];
            let mut n = body.len();
            loop {
                let b = (n & 0x7F) as u8;
                n >>= 7;
                frame.push(if n > 0 { b | 0x80 } else { b });
                if n == 0 {
                    break;
                }
            }
            frame.extend_from_slice(&body);
            if (r >> 44) % 8 == 0 {
                frame.truncate((next() as usize) % (frame.len() + 1));
            }
            frame
        })
    }

    /// The inlined PUBLISH fast paths of `decode_with_limit`, `decode_body` and
    /// `decode_body_client` give exactly what the general, out-of-line paths give, errors
    /// and `Incomplete` included.
    #[test]
    fn fast_paths_agree_with_the_general_paths() {
        let mut plain = 0;
        for frame in frames() {
            for v in ProtocolVersion::ALL {
                for max in [u32::MAX, 40] {
                    let fast = Packet::decode_with_limit(&frame, v, max);
                    assert_eq!(fast, Packet::decode_general(&frame, v, max), "{frame:02x?} {v:?}");
                    if let Ok(Status::Complete(d)) = &fast {
                        plain +=
                            usize::from(matches!(&d.packet, Packet::Publish(p) if p.properties.is_empty()));
                    }
                }
                if let Ok(Status::Complete(h)) = FixedHeader::parse(&frame)
                    && let Some(body) = frame.get(usize::from(h.header_len)..h.packet_len())
                {
                    let general = Packet::decode_other(h, body, v);
                    assert_eq!(Packet::decode_body(h, body, v), general, "{frame:02x?}");
                    // The client decoder decodes PUBLISH the same way, never out of line.
                    assert_eq!(Packet::decode_body_client(h, body, v), general, "{frame:02x?}");
                }
            }
        }
        assert!(plain > 10_000, "the generator must reach the fast path often: {plain}");
    }
}
