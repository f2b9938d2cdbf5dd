//! The fifteen control packets, in one set of types for every protocol version.

mod ack;
#[cfg(feature = "arbitrary")]
mod arb;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod lists;
mod publish;
mod subscribe;
mod unsubscribe;

pub use ack::Ack;
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use lists::{
    ReasonCodes, ReasonCodesIter, Subscriptions, SubscriptionsIter, TopicFilters, TopicFiltersIter,
};
pub use publish::Publish;
pub use subscribe::{SubAck, Subscribe, Subscription};
pub use unsubscribe::{UnsubAck, Unsubscribe};

use crate::codec::{Reader, Sink, SliceSink};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{FixedHeader, MAX_VARINT, PacketType, Status, varint_len};
use crate::version::ProtocolVersion;

/// Any MQTT control packet.
///
/// Borrowed from the input buffer after decoding (no copy, no allocation); with the `bytes`
/// feature, [`Packet::into_owned`] and [`Packet::decode_shared`] give a `'static` form.
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
    #[inline]
    pub fn decode(buf: &'a [u8], version: ProtocolVersion) -> Result<Status<Decoded<'a>>, DecodeError> {
        Self::decode_with_limit(buf, version, u32::MAX)
    }

    /// [`Packet::decode`] that rejects a packet larger than `max_packet_size` bytes as soon
    /// as its fixed header is complete, before its body is buffered.
    #[inline]
    pub fn decode_with_limit(
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
        let packet = Self::decode_body(header, body, version)?;
        Ok(Status::Complete(Decoded { packet, len }))
    }

    /// Decode a packet body once the fixed header has been parsed and the whole frame is present.
    pub fn decode_body(
        header: FixedHeader,
        body: &'a [u8],
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let t = header.packet_type;
        if t != PacketType::Publish && !flags_ok(t, header.flags, version) {
            return Err(DecodeError::InvalidFlags { packet: t, flags: header.flags });
        }
        let mut r = Reader::new(body);
        let packet = match t {
            PacketType::Publish => Self::Publish(Publish::decode(&mut r, header.flags, version)?),
            PacketType::Connect => Self::Connect(Connect::decode(&mut r, version)?),
            PacketType::ConnAck => Self::ConnAck(ConnAck::decode(&mut r, version)?),
            PacketType::PubAck => Self::PubAck(Ack::decode(&mut r, t, version)?),
            PacketType::PubRec => Self::PubRec(Ack::decode(&mut r, t, version)?),
            PacketType::PubRel => Self::PubRel(Ack::decode(&mut r, t, version)?),
            PacketType::PubComp => Self::PubComp(Ack::decode(&mut r, t, version)?),
            PacketType::Subscribe => Self::Subscribe(Subscribe::decode(&mut r, version)?),
            PacketType::SubAck => Self::SubAck(SubAck::decode(&mut r, version)?),
            PacketType::Unsubscribe => Self::Unsubscribe(Unsubscribe::decode(&mut r, version)?),
            PacketType::UnsubAck => Self::UnsubAck(UnsubAck::decode(&mut r, version)?),
            PacketType::PingReq => Self::PingReq,
            PacketType::PingResp => Self::PingResp,
            PacketType::Disconnect => Self::Disconnect(Disconnect::decode(&mut r, version)?),
            PacketType::Auth => {
                if !version.is_v5() {
                    return Err(DecodeError::ReservedPacketType(15));
                }
                Self::Auth(Auth::decode(&mut r)?)
            }
        };
        r.finish()?;
        Ok(packet)
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
        match self {
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

    fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        match self {
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
        if let Self::Publish(p) = self {
            s.put_slice(p.payload.as_bytes());
        }
    }

    /// The exact number of bytes [`Packet::encode`] writes, or why it cannot encode.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        total_len(self.body_len(version)?)
    }

    /// Encode into `buf`: all or nothing. Returns the number of bytes written; on
    /// [`EncodeError::BufferTooSmall`] (or any other error) `buf` is untouched.
    pub fn encode(&self, version: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let body = self.body_len(version)?;
        let total = total_len(body)?;
        let Some(out) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { needed: total });
        };
        let mut s = SliceSink::new(out);
        s.put_u8(self.first_byte());
        s.put_varint(body as u32);
        self.write_body(version, &mut s);
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
        self.write_body(version, &mut s);
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
