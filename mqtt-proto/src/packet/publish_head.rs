//! The head of a PUBLISH (fixed header, topic, packet identifier, properties) decoded before
//! its payload has arrived: for receivers that stream a payload larger than their buffer.

use crate::error::DecodeError;
use crate::frame::{FixedHeader, PacketType, Status};
use crate::packet::{Packet, Publish};
use crate::version::ProtocolVersion;
use core::num::NonZeroUsize;

/// A PUBLISH whose variable header is decoded and checked while its payload is still to come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishHead<'a> {
    /// The packet with an empty payload: flags, topic, packet identifier and properties, with
    /// every check [`Packet::decode`] makes on them.
    pub publish: Publish<'a>,
    /// Bytes from the start of the packet to the first payload byte.
    pub head_len: usize,
    /// Bytes of payload that follow the head.
    pub payload_len: usize,
}

impl<'a> Publish<'a> {
    /// Decode the head of the PUBLISH at the front of `buf` (which starts with its fixed
    /// header, parsed as `header`) as a client receives it; the payload need not be there.
    /// Answers [`Status::Incomplete`] until the head is whole.
    ///
    /// What depends on the payload is not checked: with a Payload Format Indicator of 1 the
    /// payload's UTF-8 (a check a receiver may make, 3.3.2.3.2).
    pub fn decode_head(
        buf: &'a [u8],
        header: FixedHeader,
        version: ProtocolVersion,
    ) -> Result<Status<PublishHead<'a>>, DecodeError> {
        if header.packet_type != PacketType::Publish {
            return Err(DecodeError::NotPublish(header.packet_type));
        }
        let start = usize::from(header.header_len);
        let body = buf.get(start..).unwrap_or_default();
        let remaining = header.remaining_length as usize;
        let Some(len) = head_len(body, header.flags, version)? else {
            return Ok(incomplete(1));
        };
        if len > remaining {
            return Err(DecodeError::UnexpectedEnd);
        }
        let Some(head) = body.get(..len) else { return Ok(incomplete(len - body.len())) };
        let short = FixedHeader { remaining_length: len as u32, ..header };
        match Packet::decode_body_client(short, head, version)? {
            Packet::Publish(publish) => Ok(Status::Complete(PublishHead {
                publish,
                head_len: start + len,
                payload_len: remaining - len,
            })),
            other => Err(DecodeError::NotPublish(other.packet_type())),
        }
    }
}

fn incomplete<T>(needed: usize) -> Status<T> {
    Status::Incomplete { needed: NonZeroUsize::new(needed).unwrap_or(NonZeroUsize::MIN) }
}

/// The variable header's length, from its own length fields; `None` while they are not all
/// in `body`.
fn head_len(body: &[u8], flags: u8, version: ProtocolVersion) -> Result<Option<usize>, DecodeError> {
    let Some((&[hi, lo], _)) = body.split_first_chunk::<2>() else { return Ok(None) };
    let mut len = 2 + usize::from(u16::from_be_bytes([hi, lo]));
    if (flags >> 1) & 0b11 != 0 {
        len += 2;
    }
    if version.is_v5() {
        let Some(rest) = body.get(len..) else { return Ok(None) };
        match crate::frame::decode_varint(rest)? {
            Status::Complete((v, n)) => len += usize::from(n) + v as usize,
            Status::Incomplete { .. } => return Ok(None),
        }
    }
    Ok(Some(len))
}
