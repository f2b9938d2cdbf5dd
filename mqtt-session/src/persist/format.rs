//! The stored form of a session: a header, then records. Version 1, all integers big-endian.
//!
//! ```text
//! header  = "SMQS" format:u8(=1) protocol-level:u8 client-id:str
//! record  = tag:u8 length:u32 body[length] crc:u32      crc = CRC-32 (IEEE) of tag, length, body
//! str     = length:u16 utf-8[length]
//!
//! tag  body                                   meaning
//! 0x10 seq:u32 publish[..]                    a PUBLISH (encoded, packet id 0) entered the queue
//! 0x11 seq:u32 id:u16 flags:u8 expiry:u32     queued `seq` was sent as QoS 1/2 flow `id`, with
//!                                             these QoS / RETAIN flags (the first byte; the
//!                                             server's limits may have lowered them) and this
//!                                             Message Expiry Interval (0xFFFFFFFF: none)
//! 0x12 seq:u32                                queued `seq` left without a flow (QoS 0 sent,
//!                                             expired, dropped, refused)
//! 0x13 id:u16                                 flow `id` got PUBREC: PUBREL is (re)sent from now on
//! 0x14 id:u16                                 flow `id` ended (PUBACK, PUBCOMP, refusal, session lost)
//! 0x15 id:u16 stage:u8 publish[..]            a flow as a snapshot writes it (stage 1 PUBACK,
//!                                             2 PUBREC, 3 PUBCOMP awaited; publish empty for 3)
//! 0x16 seq:u32 publish[..]                    as 0x10, but ahead of everything queued (a flow
//!                                             re-queued as new when the server lost the session)
//! 0x20 id:u16                                 incoming QoS 2 `id` acknowledged with PUBREC
//! 0x21 id:u16                                 incoming QoS 2 `id` released (or forgotten)
//! 0x30 sub-id:u32 options:u8 filter:str       subscription granted (sub-id 0: none)
//! 0x31 filter:str                             subscription removed
//! 0x40 client-id:str                          the server assigned the client identifier
//! ```
//!
//! A reader meeting an unknown tag refuses the whole state ([`RestoreError::UnknownRecord`]):
//! a later format that adds records raises the format byte only if older readers must not
//! read it.

// Without the `persistence` feature only the record bodies' writers are used (by hooks that
// compile to nothing); the reader and the framing serve restore and the journal.
#![cfg_attr(not(feature = "persistence"), allow(dead_code))]

use super::RestoreError;
use crate::queue::Queued;
use crate::subscriptions::Remembered;
use alloc::vec::Vec;
use sansmqtt_proto::SubscriptionId;

pub(crate) const MAGIC: &[u8; 4] = b"SMQS";
/// The format this version writes and reads.
pub(crate) const FORMAT: u8 = 1;

pub(crate) const QUEUED: u8 = 0x10;
pub(crate) const SENT: u8 = 0x11;
pub(crate) const UNQUEUED: u8 = 0x12;
pub(crate) const RELEASED: u8 = 0x13;
pub(crate) const COMPLETED: u8 = 0x14;
pub(crate) const FLOW: u8 = 0x15;
pub(crate) const QUEUED_FRONT: u8 = 0x16;
pub(crate) const RECEIVED: u8 = 0x20;
pub(crate) const RECEIVED_DONE: u8 = 0x21;
pub(crate) const SUBSCRIBED: u8 = 0x30;
pub(crate) const UNSUBSCRIBED: u8 = 0x31;
pub(crate) const CLIENT_ID: u8 = 0x40;

/// Append the header.
pub(crate) fn write_header(out: &mut Vec<u8>, protocol_level: u8, client_id: &str) {
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.push(protocol_level);
    put_str(out, client_id);
}

/// Append a record with tag `tag` whose body `body` writes.
pub(crate) fn write_record(out: &mut Vec<u8>, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.push(tag);
    out.extend_from_slice(&[0; 4]);
    body(out);
    let len = u32::try_from(out.len() - start - 5).unwrap_or(u32::MAX);
    if let Some(slot) = out.get_mut(start + 1..start + 5) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A SENT record's body: queued `q` goes out as flow `id`, as its bytes now are.
pub(crate) fn sent_body(o: &mut Vec<u8>, q: &Queued, id: u16) {
    o.extend_from_slice(&q.seq.to_be_bytes());
    o.extend_from_slice(&id.to_be_bytes());
    o.push(q.bytes.as_bytes().first().copied().unwrap_or_default());
    o.extend_from_slice(&q.bytes.message_expiry_interval().unwrap_or(u32::MAX).to_be_bytes());
}

/// A SUBSCRIBED record's body.
pub(crate) fn subscribed_body(o: &mut Vec<u8>, r: &Remembered) {
    o.extend_from_slice(&r.sub_id.map_or(0, SubscriptionId::get).to_be_bytes());
    o.push(r.options.to_byte());
    put_str(o, &r.filter);
}

/// A string, length-prefixed (callers keep it under 64 KiB: MQTT strings are).
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    let len = u16::try_from(s.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes().get(..usize::from(len)).unwrap_or_default());
}

/// A reader over stored bytes; every read checks its bounds.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], RestoreError> {
        if self.bytes.len() < n {
            return Err(RestoreError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, RestoreError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    pub(crate) fn u16(&mut self) -> Result<u16, RestoreError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, RestoreError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, RestoreError> {
        let n = self.u16()?;
        core::str::from_utf8(self.take(usize::from(n))?).map_err(|_| RestoreError::Corrupt)
    }

    /// The next record: its tag and body, the CRC checked. `None` at the end.
    pub(crate) fn record(&mut self) -> Result<Option<(u8, Self)>, RestoreError> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let whole = self.bytes;
        let tag = self.u8()?;
        let len = usize::try_from(self.u32()?).map_err(|_| RestoreError::Corrupt)?;
        let body = self.take(len)?;
        let crc = self.u32()?;
        if crc32(whole.get(..5 + len).unwrap_or_default()) != crc {
            return Err(RestoreError::Corrupt);
        }
        Ok(Some((tag, Reader { bytes: body })))
    }
}

/// How many leading bytes of `log` (a header and records) are whole records: what is left
/// after them is a record cut short by a crash while it was appended. (Its packet was never
/// sent: records are durable before their packets go out, so dropping it loses nothing.)
/// A record that is whole but damaged is not cut here: `Session::restore` refuses it.
pub fn complete_prefix(log: &[u8]) -> usize {
    let mut r = Reader { bytes: log };
    let header = (|| {
        let magic = r.take(4)?;
        let _format = r.u8()?;
        let _level = r.u8()?;
        let _id = r.str()?;
        Ok::<_, RestoreError>(magic)
    })();
    if header.is_err() {
        return 0;
    }
    loop {
        let before = r.bytes;
        let at = log.len() - before.len();
        let whole = (|| {
            let _tag = r.u8()?;
            let len = usize::try_from(r.u32()?).map_err(|_| RestoreError::Corrupt)?;
            r.take(len)?;
            r.u32()
        })();
        if whole.is_err() || before.is_empty() {
            return at;
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib): bitwise, no table (small code; stores are not
/// hot paths).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn complete_prefix_cuts_a_torn_last_record_only() {
        let mut log = Vec::new();
        write_header(&mut log, 4, "c");
        let header = log.len();
        write_record(&mut log, RECEIVED, |o| o.extend_from_slice(&7u16.to_be_bytes()));
        let one = log.len();
        write_record(&mut log, RECEIVED, |o| o.extend_from_slice(&8u16.to_be_bytes()));
        assert_eq!(complete_prefix(&log), log.len());
        for cut in one..log.len() {
            assert_eq!(complete_prefix(&log[..cut]), one, "cut at {cut}");
        }
        assert_eq!(complete_prefix(&log[..header]), header);
        assert_eq!(complete_prefix(&log[..3]), 0, "a torn header keeps nothing");
    }
}
