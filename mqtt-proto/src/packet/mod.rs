//! The fifteen control packets, in one set of types for every protocol version.

mod ack;
#[cfg(feature = "arbitrary")]
mod arb;
mod auth;
mod connack;
mod connect;
mod disconnect;
#[cfg(feature = "alloc")]
mod encoded;
mod lists;
mod publish;
mod publish_head;
mod subscribe;
mod unsubscribe;

pub use ack::Ack;
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
#[cfg(feature = "alloc")]
pub use encoded::EncodedPublish;
pub use lists::{
    ReasonCodes, ReasonCodesIter, Subscriptions, SubscriptionsIter, TopicFilters, TopicFiltersIter,
};
pub use publish::Publish;
use publish::RawPublish;
pub use publish_head::PublishHead;
pub use subscribe::{SubAck, Subscribe, Subscription};
pub use unsubscribe::{UnsubAck, Unsubscribe};

#[cfg(feature = "alloc")]
use crate::codec::CompactSink;
use crate::codec::{Reader, Sink, SliceSink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{FixedHeader, MAX_VARINT, PacketType, Status, varint_len};
use crate::version::ProtocolVersion;

/// Any MQTT control packet.
///
/// Borrowed from the input buffer after decoding (no copy, no allocation); with the `bytes`
/// feature, `Packet::into_owned` and `Packet::decode_shared` give a `'static` form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[non_exhaustive]
pub enum Packet<'a> {
    /// CONNECT.
    Connect(Connect<'a>),
    /// CONNACK.
    ConnAck(ConnAck<'a>),
    /// PUBLISH.
    Publish(Publish<'a>),
    /// PUBACK.
    PubAck(Ack<'a>),
    /// PUBREC.
    PubRec(Ack<'a>),
    /// PUBREL.
    PubRel(Ack<'a>),
    /// PUBCOMP.
    PubComp(Ack<'a>),
    /// SUBSCRIBE.
    Subscribe(Subscribe<'a>),
    /// SUBACK.
    SubAck(SubAck<'a>),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe<'a>),
    /// UNSUBACK.
    UnsubAck(UnsubAck<'a>),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect<'a>),
    /// AUTH (MQTT 5.0 only).
    Auth(Auth<'a>),
}

/// A packet decoded from the front of a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The packet.
    pub packet: Packet<'a>,
    /// How many bytes it took from the front of the buffer.
    pub len: usize,
}

impl<'a> Packet<'a> {
    /// The packet's type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }

    /// Decode the packet at the front of `buf`, with no size limit beyond the protocol's.
    ///
    /// Answers [`Status::Incomplete`] (never an error) while `buf` holds only part of the
    /// packet. Never panics, whatever `buf` holds. For CONNECT, the packet's own protocol
    /// name and level must match `version`; otherwise the error
    /// [`DecodeError::UnexpectedProtocolVersion`] names the version it declares, so a
    /// server can decode again with that one.
    #[inline(always)]
    pub fn decode(buf: &'a [u8], version: ProtocolVersion) -> Result<Status<Decoded<'a>>, DecodeError> {
        Self::decode_with_limit(buf, version, u32::MAX)
    }

    /// [`Packet::decode`] that rejects a packet larger than `max_packet_size` bytes as soon
    /// as its fixed header is complete, before its body is buffered.
    // Always inlined: the PUBLISH fast path is then built directly in the caller's result.
    #[inline(always)]
    pub fn decode_with_limit(
        buf: &'a [u8],
        version: ProtocolVersion,
        max_packet_size: u32,
    ) -> Result<Status<Decoded<'a>>, DecodeError> {
        // The hot path, small enough to inline into the caller: a complete, valid PUBLISH
        // without properties is built in place in the caller's result from a few scalars
        // (a `Packet` is large: no copies of it). Anything else, including every error,
        // goes through the general path from the start.
        // Then the four bytes of a PUBACK, PUBREC, PUBREL or PUBCOMP (a QoS 1 publisher
        // receives one per message), the same in every version.
        match plain_publish(buf, version, max_packet_size) {
            Some((raw, len)) => {
                Ok(Status::Complete(Decoded { packet: Self::Publish(raw.into_plain()), len }))
            }
            None => match short_ack(buf, max_packet_size) {
                Some(packet) => Ok(Status::Complete(Decoded { packet, len: 4 })),
                None => Self::decode_general(buf, version, max_packet_size),
            },
        }
    }

    /// [`Packet::decode_with_limit`] for every packet, out of line.
    #[inline(never)]
    fn decode_general(
        buf: &'a [u8],
        version: ProtocolVersion,
        max_packet_size: u32,
    ) -> Result<Status<Decoded<'a>>, DecodeError> {
        let header = match FixedHeader::parse(buf)? {
            Status::Complete(h) => h,
            Status::Incomplete { needed } => return Ok(Status::Incomplete { needed }),
        };
        header.check_size(max_packet_size)?;
        let len = header.packet_len();
        let Some(frame) = buf.get(..len) else {
            return Ok(Status::incomplete(len - buf.len()));
        };
        let body = &frame[usize::from(header.header_len)..];
        Self::decode_any::<_, false>(header, body, version, |packet| {
            Status::Complete(Decoded { packet, len })
        })
    }

    /// Decode a packet body once the fixed header has been parsed and the whole frame is present.
    #[inline]
    pub fn decode_body(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        Self::decode_body_as::<false>(header, body, version)
    }

    /// [`Packet::decode_body`] and [`Packet::decode_body_client`]: the PUBLISH hot path inline,
    /// every other packet out of line. `CLIENT`: refuse the packets only clients send.
    #[inline(always)]
    fn decode_body_as<const CLIENT: bool>(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        if header.packet_type == PacketType::Publish {
            // A PUBLISH without properties is built in place from a few scalars (a `Packet`
            // is large, so no copies of it).
            let raw = RawPublish::read(body, header.flags, version)?;
            if raw.is_plain() {
                return Ok(Self::Publish(raw.into_plain()));
            }
            return raw.finish(version).map(Self::Publish);
        }
        if CLIENT {
            Self::decode_other_client(header, body, version)
        } else {
            Self::decode_other(header, body, version)
        }
    }

    /// [`Packet::decode_body`] for every packet type, out of line.
    #[inline(never)]
    fn decode_other(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        Self::decode_any::<_, false>(header, body, version, |packet| packet)
    }

    /// [`Packet::decode_body`] for a client: only the packets a server sends. CONNECT,
    /// SUBSCRIBE, UNSUBSCRIBE and PINGREQ are [`DecodeError::ClientOnlyPacket`] (a Protocol
    /// Error when received from a server), and their decoders are not linked into a program
    /// that decodes only through this function, which keeps client firmware small.
    #[inline]
    pub fn decode_body_client(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        Self::decode_body_as::<true>(header, body, version)
    }

    /// [`Packet::decode_body_client`] for every packet type but PUBLISH, out of line.
    #[inline(never)]
    fn decode_other_client(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        Self::decode_any::<_, true>(header, body, version, |packet| packet)
    }

    /// Decode any packet body and return `wrap(packet)`. Each packet is built where
    /// `wrap` puts it, right at the return, so that no whole `Packet` (which is large)
    /// is copied on the way out. `CLIENT`: refuse the packets only clients send.
    #[inline(always)]
    fn decode_any<T, const CLIENT: bool>(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
        wrap: impl FnOnce(Self) -> T,
    ) -> Result<T, DecodeError> {
        let t = header.packet_type;
        if t != PacketType::Publish && !flags_ok(t, header.flags, version) {
            return Err(DecodeError::InvalidFlags { packet: t, flags: header.flags });
        }
        let mut r = Reader::new(body);
        // Decode the part, check that it took the whole body, then build the packet.
        macro_rules! packet {
            ($variant:ident, $part:expr) => {{
                let part = $part;
                r.finish()?;
                Ok(wrap(Self::$variant(part)))
            }};
        }
        match t {
            // `decode_body_client` decodes PUBLISH itself and never calls here with one, so
            // a client decoder has no second copy of the PUBLISH decoder (1.6 KB on the
            // ESP32-C3); this arm is never taken.
            PacketType::Publish if CLIENT => Err(DecodeError::ClientOnlyPacket(t)),
            PacketType::Publish => packet!(Publish, Publish::decode(&mut r, header.flags, version)?),
            // A client decoder has no code for these: the arms vanish when CLIENT is true.
            PacketType::Connect | PacketType::Subscribe | PacketType::Unsubscribe | PacketType::PingReq
                if CLIENT =>
            {
                Err(DecodeError::ClientOnlyPacket(t))
            }
            PacketType::Connect => Connect::decode(&mut r, version, |c| wrap(Self::Connect(c))),
            PacketType::ConnAck => packet!(ConnAck, ConnAck::decode(&mut r, version)?),
            // A client decoder has one decode and one end check for the four acks (one shape),
            // the variant picked last: 0.3 KB less firmware for 4 more instructions per ack.
            // The general decoder keeps one arm per type (the codec's callgrind figures).
            PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp if CLIENT => {
                let a = Ack::decode(&mut r, t, version)?;
                r.finish()?;
                Ok(wrap(match t {
                    PacketType::PubAck => Self::PubAck(a),
                    PacketType::PubRec => Self::PubRec(a),
                    PacketType::PubRel => Self::PubRel(a),
                    _ => Self::PubComp(a),
                }))
            }
            PacketType::PubAck => packet!(PubAck, Ack::decode(&mut r, t, version)?),
            PacketType::PubRec => packet!(PubRec, Ack::decode(&mut r, t, version)?),
            PacketType::PubRel => packet!(PubRel, Ack::decode(&mut r, t, version)?),
            PacketType::PubComp => packet!(PubComp, Ack::decode(&mut r, t, version)?),
            PacketType::Subscribe => packet!(Subscribe, Subscribe::decode(&mut r, version)?),
            // The same for SUBACK and UNSUBACK (one shape, one decoder).
            PacketType::SubAck | PacketType::UnsubAck if CLIENT => {
                let (packet_id, properties, reasons) = subscribe::decode_ack_list(&mut r, t, version)?;
                r.finish()?;
                Ok(wrap(if t == PacketType::SubAck {
                    Self::SubAck(SubAck { packet_id, properties, reasons })
                } else {
                    Self::UnsubAck(UnsubAck { packet_id, properties, reasons })
                }))
            }
            PacketType::SubAck => packet!(SubAck, SubAck::decode(&mut r, version)?),
            PacketType::Unsubscribe => packet!(Unsubscribe, Unsubscribe::decode(&mut r, version)?),
            PacketType::UnsubAck => packet!(UnsubAck, UnsubAck::decode(&mut r, version)?),
            PacketType::PingReq => {
                r.finish()?;
                Ok(wrap(Self::PingReq))
            }
            PacketType::PingResp => {
                r.finish()?;
                Ok(wrap(Self::PingResp))
            }
            PacketType::Disconnect => packet!(Disconnect, Disconnect::decode(&mut r, version)?),
            PacketType::Auth => {
                if !version.is_v5() {
                    return Err(DecodeError::ReservedPacketType(15));
                }
                packet!(Auth, Auth::decode(&mut r)?)
            }
        }
    }

    /// Decode from a shared buffer into a `'static` packet whose strings and payload are
    /// slices of `buf` (reference-counted, no copy).
    #[cfg(feature = "bytes")]
    pub fn decode_shared(
        buf: &bytes::Bytes,
        version: ProtocolVersion,
    ) -> Result<Status<Decoded<'static>>, DecodeError> {
        Ok(match Packet::decode(buf, version)? {
            Status::Complete(d) => {
                Status::Complete(Decoded { packet: d.packet.share(Some(buf)), len: d.len })
            }
            Status::Incomplete { needed } => Status::Incomplete { needed },
        })
    }

    /// An owned `'static` copy (shared parts stay shared, borrowed parts are copied).
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> Packet<'static> {
        self.share(None)
    }

    #[cfg(feature = "bytes")]
    fn share(self, src: Option<&bytes::Bytes>) -> Packet<'static> {
        match self {
            Self::Connect(p) => Packet::Connect(p.share(src)),
            Self::ConnAck(p) => Packet::ConnAck(p.share(src)),
            Self::Publish(p) => Packet::Publish(p.share(src)),
            Self::PubAck(p) => Packet::PubAck(p.share(src)),
            Self::PubRec(p) => Packet::PubRec(p.share(src)),
            Self::PubRel(p) => Packet::PubRel(p.share(src)),
            Self::PubComp(p) => Packet::PubComp(p.share(src)),
            Self::Subscribe(p) => Packet::Subscribe(p.share(src)),
            Self::SubAck(p) => Packet::SubAck(p.share(src)),
            Self::Unsubscribe(p) => Packet::Unsubscribe(p.share(src)),
            Self::UnsubAck(p) => Packet::UnsubAck(p.share(src)),
            Self::PingReq => Packet::PingReq,
            Self::PingResp => Packet::PingResp,
            Self::Disconnect(p) => Packet::Disconnect(p.share(src)),
            Self::Auth(p) => Packet::Auth(p.share(src)),
        }
    }

    fn first_byte(&self) -> u8 {
        let flags = match self {
            Self::Publish(p) => p.flags(),
            _ => self.packet_type().required_flags(),
        };
        (self.packet_type() as u8) << 4 | flags
    }

    /// The remaining length, validating everything that can make the packet unencodable.
    fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        self.body_len_as::<false>(v)
    }

    /// [`Packet::body_len`]; `CLIENT`: the packets only servers send are
    /// [`EncodeError::ServerOnlyPacket`], and their encoders are not linked.
    #[inline(always)]
    fn body_len_as<const CLIENT: bool>(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        match self {
            Self::ConnAck(_) | Self::SubAck(_) | Self::UnsubAck(_) | Self::PingResp if CLIENT => {
                Err(EncodeError::ServerOnlyPacket(self.packet_type()))
            }
            // A client encoder sizes the four acks in one arm (the general one keeps four).
            Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) if CLIENT => {
                p.body_len(self.packet_type(), v)
            }
            Self::Connect(p) => p.body_len(v),
            Self::ConnAck(p) => p.body_len(v),
            Self::Publish(p) => p.body_len(v),
            Self::PubAck(p) => p.body_len(PacketType::PubAck, v),
            Self::PubRec(p) => p.body_len(PacketType::PubRec, v),
            Self::PubRel(p) => p.body_len(PacketType::PubRel, v),
            Self::PubComp(p) => p.body_len(PacketType::PubComp, v),
            Self::Subscribe(p) => p.body_len(v),
            Self::SubAck(p) => p.body_len(v),
            Self::Unsubscribe(p) => p.body_len(v),
            Self::UnsubAck(p) => p.body_len(v),
            Self::PingReq | Self::PingResp => Ok(0),
            Self::Disconnect(p) => p.body_len(v),
            Self::Auth(p) => p.body_len(v),
        }
    }

    fn write_body<S: Sink, const CLIENT: bool>(&self, v: ProtocolVersion, s: &mut S) {
        match self {
            // Refused by `body_len_as` before anything is written; a client's PUBLISH is
            // written by `Publish::encode_to_vec`, never here.
            Self::ConnAck(_) | Self::SubAck(_) | Self::UnsubAck(_) | Self::PingResp | Self::Publish(_)
                if CLIENT => {}
            Self::Connect(p) => p.write_body(v, s),
            Self::ConnAck(p) => p.write_body(v, s),
            Self::Publish(p) => p.write_header(v, s),
            Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) => p.write_body(v, s),
            Self::Subscribe(p) => p.write_body(v, s),
            Self::SubAck(p) => p.write_body(v, s),
            Self::Unsubscribe(p) => p.write_body(v, s),
            Self::UnsubAck(p) => p.write_body(v, s),
            Self::PingReq | Self::PingResp => {}
            Self::Disconnect(p) => p.write_body(v, s),
            Self::Auth(p) => p.write_body(v, s),
        }
        if !CLIENT && let Self::Publish(p) = self {
            s.put_slice(p.payload.as_bytes());
        }
    }

    /// The exact number of bytes [`Packet::encode`] writes, or why it cannot encode.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        total_len(self.body_len(version)?)
    }

    /// Encode into `buf`: all or nothing. Returns the number of bytes written; on
    /// [`EncodeError::BufferTooSmall`] (or any other error) `buf` is untouched.
    #[inline]
    pub fn encode(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        // One dispatch, inlined into the caller: PUBLISH and the four bytes of an
        // acknowledgement (a QoS 1 subscriber sends one per message) are written here;
        // CONNECT and SUBSCRIBE go straight to their own encoders (out of line, each sized
        // once and written with the cursor in registers); the rest to the general encoder.
        let (a, first) = match self {
            Self::Publish(p) => return p.encode(version, buf),
            Self::Connect(p) => return p.encode(version, buf),
            Self::Subscribe(p) => return p.encode(version, buf),
            Self::PubAck(a) => (a, 0x40),
            Self::PubRec(a) => (a, 0x50),
            Self::PubRel(a) => (a, 0x62),
            Self::PubComp(a) => (a, 0x70),
            _ => return self.encode_general(version, buf),
        };
        match a.short_form(first) {
            Some(b) => match buf.first_chunk_mut::<4>() {
                Some(out) => {
                    *out = b;
                    Ok(4)
                }
                None => Err(EncodeError::BufferTooSmall { needed: 4 }),
            },
            None => self.encode_general(version, buf),
        }
    }

    /// [`Packet::encode`] for every other packet, out of line.
    #[inline(never)]
    fn encode_general(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_as::<false>(version, buf)
    }

    /// Encode into `buf`, all or nothing; `CLIENT`: refuse the packets only servers send.
    #[inline(always)]
    fn encode_as<const CLIENT: bool>(
        &self,
        version: ProtocolVersion,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let body = self.body_len_as::<CLIENT>(version)?;
        let total = total_len(body)?;
        let Some(out) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { needed: total });
        };
        let mut s = SliceSink::new(out);
        s.put_u8(self.first_byte());
        s.put_varint(body as u32);
        self.write_body::<_, CLIENT>(version, &mut s);
        debug_assert_eq!(s.written(), total);
        Ok(total)
    }

    /// Encode into a `bytes::BufMut`: all or nothing; fails with
    /// [`EncodeError::BufferTooSmall`] without writing if `remaining_mut()` is too small.
    #[cfg(feature = "bytes")]
    pub fn encode_to<B: bytes::BufMut>(
        &self,
        version: ProtocolVersion,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        let body = self.body_len(version)?;
        let total = total_len(body)?;
        if buf.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall { needed: total });
        }
        let mut s = crate::codec::BufMutSink(buf);
        s.put_u8(self.first_byte());
        s.put_varint(body as u32);
        self.write_body::<_, false>(version, &mut s);
        Ok(total)
    }

    /// Append the encoded packet to `out`; on error `out` is unchanged.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(
        &self,
        version: ProtocolVersion,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, EncodeError> {
        let total = self.encoded_len(version)?;
        let start = out.len();
        out.resize(start + total, 0);
        let n = self.encode(version, &mut out[start..]);
        if n.is_err() {
            out.truncate(start);
        }
        n
    }

    /// [`Packet::encode_to_vec`] for a client: CONNACK, SUBACK, UNSUBACK and PINGRESP are
    /// [`EncodeError::ServerOnlyPacket`], and their encoders are not linked into a program
    /// that encodes only through this function, which keeps client firmware small.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec_client(
        &self,
        version: ProtocolVersion,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, EncodeError> {
        if let Self::Publish(p) = self {
            return p.encode_to_vec(version, out, &mut publish::Layout::default());
        }
        let body = self.body_len_as::<true>(version)?;
        let total = total_len(body)?;
        let start = out.len();
        out.resize(start + total, 0);
        self.write_client(version, out.get_mut(start..).unwrap_or_default(), body);
        Ok(total)
    }

    /// [`Packet::encode_to_vec_client`]'s out-of-line part for every packet but PUBLISH:
    /// write the packet, whose remaining length `body` was checked, into `buf`, which is
    /// exactly as large as the packet.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn write_client(&self, version: ProtocolVersion, buf: &mut [u8], body: usize) {
        let size = buf.len();
        let mut s = CompactSink::new(buf);
        s.put_u8(self.first_byte());
        s.put_varint(body as u32);
        self.write_body::<_, true>(version, &mut s);
        debug_assert_eq!(s.written(), size);
    }
}

/// The parts of the complete PUBLISH at the front of `buf` and its length, when it is
/// valid, within `max_packet_size` and has no properties (see [`RawPublish::is_plain`]).
#[inline(always)]
fn plain_publish(
    buf: &[u8],
    version: ProtocolVersion,
    max_packet_size: u32,
) -> Option<(RawPublish<'_>, usize)> {
    let (&first, rest) = buf.split_first()?;
    if first >> 4 != PacketType::Publish as u8 {
        return None;
    }
    let Ok(Status::Complete((remaining, n))) = crate::frame::decode_varint(rest) else { return None };
    let header_len = 1 + usize::from(n);
    let len = header_len + remaining as usize;
    if len > max_packet_size as usize {
        return None;
    }
    let body = buf.get(header_len..len)?;
    let raw = RawPublish::read(body, first & 0x0F, version).ok()?;
    raw.is_plain().then_some((raw, len))
}

/// The acknowledgement at the front of `buf` when it is a valid PUBACK, PUBREC, PUBREL or
/// PUBCOMP of four bytes (Remaining Length 2: reason Success and no properties in every
/// version, required flags) within `max_packet_size`; `None` for anything else, which the
/// general decoder then decodes or rejects.
#[inline(always)]
fn short_ack<'a>(buf: &[u8], max_packet_size: u32) -> Option<Packet<'a>> {
    let &[first, 2, hi, lo] = buf.first_chunk::<4>()? else { return None };
    if max_packet_size < 4 {
        return None;
    }
    let a = Ack::new(crate::PacketId::new(u16::from_be_bytes([hi, lo]))?);
    Some(match first {
        0x40 => Packet::PubAck(a),
        0x50 => Packet::PubRec(a),
        0x62 => Packet::PubRel(a),
        0x70 => Packet::PubComp(a),
        _ => return None,
    })
}

/// Fixed header flags for every type but PUBLISH. MQTT 3.1 also allows the DUP bit on
/// re-sent PUBREL, SUBSCRIBE and UNSUBSCRIBE (they carried QoS 1 there).
#[inline]
fn flags_ok(t: PacketType, flags: u8, version: ProtocolVersion) -> bool {
    let required = t.required_flags();
    flags == required || (version == ProtocolVersion::V3_1 && required != 0 && flags == required | 0b1000)
}

/// Total packet size for a remaining length.
#[inline]
pub(crate) fn total_len(body: usize) -> Result<usize, EncodeError> {
    if body > MAX_VARINT as usize {
        return Err(EncodeError::PacketTooLarge { remaining_length: body });
    }
    Ok(1 + varint_len(body as u32) + body)
}

/// Read a packet identifier that must not be zero.
#[inline]
pub(crate) fn read_packet_id(r: &mut Reader<'_>) -> Result<crate::PacketId, DecodeError> {
    crate::PacketId::new(r.u16()?).ok_or(DecodeError::ZeroPacketId)
}

/// [`read_packet_id`] for the PUBLISH hot path.
#[inline]
pub(crate) fn read_packet_id_fast(r: &mut Reader<'_>) -> Result<crate::PacketId, DecodeError> {
    crate::PacketId::new(r.u16_fast()?).ok_or(DecodeError::ZeroPacketId)
}
