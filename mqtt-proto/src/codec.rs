//! Private field primitives: a reader over one complete frame, and the byte sink that
//! encoders write into. No nom type leaves this module.
//!
//! Fields are parsed with nom in complete mode (the frame is whole, so a short field is
//! [`DecodeError::UnexpectedEnd`]), except on the PUBLISH decode hot path, which uses
//! hand-written, always-inlined slice readers (`*_fast`): one length check per field.

use crate::error::DecodeError;
use nom::error::{ErrorKind, ParseError};

/// nom's error type for this crate: in complete mode every failure means a field runs past
/// the end of the frame.
#[derive(Debug)]
struct Short;

impl<I> ParseError<I> for Short {
    fn from_error_kind(_: I, _: ErrorKind) -> Self {
        Self
    }
    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type NomResult<'a, T> = nom::IResult<&'a [u8], T, Short>;

/// Reads fields from one complete frame.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Self { rest: buf }
    }

    /// Bytes not read yet.
    #[inline]
    pub(crate) const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Everything not read yet; the reader is left empty.
    #[inline]
    pub(crate) fn take_rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    /// Fail with [`DecodeError::TrailingBytes`] unless everything was read.
    #[inline]
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.rest.is_empty() { Ok(()) } else { Err(DecodeError::TrailingBytes) }
    }

    fn run<T>(&mut self, r: NomResult<'a, T>) -> Result<T, DecodeError> {
        let (rest, v) = r.map_err(|_| DecodeError::UnexpectedEnd)?;
        self.rest = rest;
        Ok(v)
    }

    // General field readers, with nom (every packet but the PUBLISH fast path).

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let r = nom::number::complete::u8(self.rest);
        self.run(r)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let r = nom::number::complete::be_u16(self.rest);
        self.run(r)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let r = nom::number::complete::be_u32(self.rest);
        self.run(r)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let r = nom::bytes::complete::take(n)(self.rest);
        self.run(r)
    }

    /// Binary Data: a two-byte length, then that many bytes (§1.5.6).
    pub(crate) fn bin(&mut self) -> Result<&'a [u8], DecodeError> {
        // The two nom readers above, not a `length_data` combinator of its own.
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// UTF-8 Encoded String (§1.5.4): well-formed, no U+0000.
    pub(crate) fn utf8(&mut self) -> Result<&'a str, DecodeError> {
        let b = self.bin()?;
        validate_utf8(b)
    }

    // Hand-written readers for the PUBLISH decode hot path: one length check per field and
    // always inlined (nom's generic parsers are not inlined there; see benches/).

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (a, rest) = self.rest.split_first_chunk::<N>().ok_or(DecodeError::UnexpectedEnd)?;
        self.rest = rest;
        Ok(*a)
    }

    /// A UTF-8 Encoded String, checked as [`Reader::utf8`] does, as bytes: plain ASCII
    /// without NUL (one word scan) needs no UTF-8 decoder pass. For
    /// `Utf8::from_validated_bytes`.
    #[inline(always)]
    pub(crate) fn utf8_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let b = self.bin_fast()?;
        if is_plain_text(b) { Ok(b) } else { validate_utf8_slow(b).map(str::as_bytes) }
    }

    /// [`Reader::u8`] for the hot paths.
    #[inline]
    pub(crate) fn u8_fast(&mut self) -> Result<u8, DecodeError> {
        self.array().map(|[b]| b)
    }

    /// [`Reader::u16`] for the hot path.
    #[inline]
    pub(crate) fn u16_fast(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    #[inline]
    fn take_fast(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (b, rest) = self.rest.split_at_checked(n).ok_or(DecodeError::UnexpectedEnd)?;
        self.rest = rest;
        Ok(b)
    }

    /// [`Reader::bin`] for the hot path.
    #[inline]
    pub(crate) fn bin_fast(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u16_fast()?;
        self.take_fast(usize::from(n))
    }

    /// A v5 property block: its Variable Byte Integer length, then that many bytes.
    #[inline(always)]
    pub(crate) fn property_block(&mut self) -> Result<&'a [u8], DecodeError> {
        // Most packets carry no properties: a single zero length byte.
        if let Some((&0, rest)) = self.rest.split_first() {
            self.rest = rest;
            return Ok(&[]);
        }
        let len = self.varint()?;
        self.take_fast(len as usize)
    }

    /// Variable Byte Integer (§1.5.5) inside a frame.
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        // One byte (values below 128) is by far the most common: property lengths.
        if let Some((&b, rest)) = self.rest.split_first()
            && b < 0x80
        {
            self.rest = rest;
            return Ok(u32::from(b));
        }
        match crate::frame::decode_varint(self.rest)? {
            crate::frame::Status::Complete((v, n)) => {
                self.rest = self.rest.get(usize::from(n)..).unwrap_or_default();
                Ok(v)
            }
            crate::frame::Status::Incomplete { .. } => Err(DecodeError::UnexpectedEnd),
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Scan `b` 16 bytes at a time: `true` if `flags` sets a high bit for any 8-byte word.
/// Every byte is looked at: the last 16 (or 8) bytes are scanned again, overlapping, when
/// the length is not a multiple of the step, and a string shorter than 8 bytes is padded
/// with `a`, which no caller treats as special.
#[inline(always)]
fn any_special(b: &[u8], flags: impl Fn(u64) -> u64) -> bool {
    let word = |w: &[u8]| flags(u64::from_le_bytes(w.try_into().unwrap_or([0; 8])));
    let pair = |p: &[u8; 16]| {
        let (x, y) = p.split_at(8);
        word(x) | word(y)
    };
    let acc = if let Some(last) = b.last_chunk::<16>() {
        let mut acc = 0u64;
        let mut rest = b;
        while let Some((p, r)) = rest.split_first_chunk::<16>() {
            acc |= pair(p);
            rest = r;
        }
        if !rest.is_empty() {
            acc |= pair(last);
        }
        acc
    } else if let (Some(first), Some(last)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        word(first) | word(last)
    } else {
        let mut a = [b'a'; 8];
        for (d, s) in a.iter_mut().zip(b) {
            *d = *s;
        }
        word(&a)
    };
    acc & HI != 0
}

/// `w - 0x01..01`: for a byte below 0x80 the high bit comes out set exactly when it is 0,
/// since a borrow can only start at a zero byte (which is already reported). Callers
/// report bytes of 0x80 and above themselves.
#[inline(always)]
const fn dec(w: u64) -> u64 {
    w.wrapping_sub(LO)
}

/// High bits for non-ASCII and NUL bytes.
#[inline(always)]
const fn text_flags(w: u64) -> u64 {
    w | dec(w)
}

/// High bits for non-ASCII, NUL, `+` (0x2B) and `#` (0x23) bytes.
///
/// The wildcards differ only in bit 3: clearing it and XORing with 0x23 turns both into 0
/// and keeps every other ASCII byte a non-zero ASCII byte, so `dec` of that flags exactly
/// the wildcards among ASCII bytes. `dec(w)` flags NUL and every byte from 0x81; 0x80
/// becomes 0xA3 in the first form, which `dec` flags too. So no `w |` is needed.
#[inline(always)]
const fn topic_flags(w: u64) -> u64 {
    dec(w) | dec((w & !(LO * 0x08)) ^ (LO * 0x23))
}

/// Validate a UTF-8 Encoded String's character data: well-formed UTF-8 (which excludes
/// surrogates) [MQTT-1.5.4-1] and no U+0000 [MQTT-1.5.4-2].
#[inline]
pub(crate) fn validate_utf8(b: &[u8]) -> Result<&str, DecodeError> {
    let special = if WIDE { any_special(b, text_flags) } else { !is_plain_text_bytewise(b) };
    if special {
        validate_utf8_slow(b)
    } else {
        core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)
    }
}

#[cold]
fn validate_utf8_slow(b: &[u8]) -> Result<&str, DecodeError> {
    let s = core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)?;
    if has_nul(b) {
        return Err(DecodeError::NullCharacter);
    }
    Ok(s)
}

/// Whether `b` is plain ASCII without NUL (and so well-formed UTF-8 without U+0000).
#[inline]
pub(crate) fn is_plain_text(b: &[u8]) -> bool {
    if WIDE { !any_special(b, text_flags) } else { is_plain_text_bytewise(b) }
}

/// Call `f` with the index of every `+` and `#` in `b`, in order, until it fails. On 64-bit
/// targets eight bytes at a time: a word without a candidate byte costs a few instructions,
/// and each candidate (every wildcard, and possibly a byte above one or a non-ASCII byte)
/// is checked against the actual byte before `f` sees it.
#[inline]
pub(crate) fn for_each_wildcard<E>(b: &[u8], mut f: impl FnMut(usize) -> Result<(), E>) -> Result<(), E> {
    if !WIDE {
        for (i, &c) in b.iter().enumerate() {
            if c == b'+' || c == b'#' {
                f(i)?;
            }
        }
        return Ok(());
    }
    let mut base = 0;
    for chunk in b.chunks(8) {
        let w = match <[u8; 8]>::try_from(chunk) {
            Ok(a) => u64::from_le_bytes(a),
            Err(_) => {
                let mut a = [b'a'; 8];
                for (d, s) in a.iter_mut().zip(chunk) {
                    *d = *s;
                }
                u64::from_le_bytes(a)
            }
        };
        // As in `topic_flags`: `+` (0x2B) and `#` (0x23) become 0, then `dec` flags them.
        let mut m = dec((w & !(LO * 0x08)) ^ (LO * 0x23)) & HI;
        while m != 0 {
            let i = base + (m.trailing_zeros() / 8) as usize;
            if matches!(b.get(i), Some(b'+' | b'#')) {
                f(i)?;
            }
            m &= m - 1;
        }
        base += 8;
    }
    Ok(())
}

/// Whether `b` is plain ASCII without NUL, `+` and `#`: the fast path of topic-name checks.
/// Such bytes are a valid topic name's UTF-8 as they are (when not empty).
#[inline]
pub(crate) fn is_plain_topic(b: &[u8]) -> bool {
    if WIDE { !any_special(b, topic_flags) } else { is_plain_topic_bytewise(b) }
}

/// Whether the scans above go eight bytes at a time ([`any_special`]): on 64-bit targets.
/// Elsewhere (the 32-bit microcontrollers) a u64 word is assembled from eight byte loads
/// anyway, so a byte loop is about as fast and a fraction of the code.
pub(crate) const WIDE: bool = cfg!(target_pointer_width = "64");

/// Whether `b` contains a NUL byte: `memchr` on 64-bit targets; elsewhere a byte loop, a
/// fraction of the code of `memchr`'s word-at-a-time prelude inlined at every check (and
/// out of line there: one copy of the loop).
#[cfg_attr(target_pointer_width = "64", inline)]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
#[allow(clippy::manual_contains, reason = "the byte loop is the point on 32-bit targets")]
pub(crate) fn has_nul(b: &[u8]) -> bool {
    if WIDE { b.contains(&0) } else { b.iter().any(|&c| c == 0) }
}

/// [`is_plain_topic`], one byte at a time.
#[inline(always)]
fn is_plain_topic_bytewise(b: &[u8]) -> bool {
    b.iter().all(|&c| c != 0 && c != b'+' && c != b'#' && c.is_ascii())
}

/// Whether `b` is plain ASCII without NUL, one byte at a time.
#[inline(always)]
fn is_plain_text_bytewise(b: &[u8]) -> bool {
    b.iter().all(|&c| c != 0 && c.is_ascii())
}

/// Where encoders write. Callers size the output from `encoded_len` first, so a sink never
/// runs out of room part-way through a packet.
pub(crate) trait Sink {
    fn put_slice(&mut self, s: &[u8]);

    /// Called by the property writers just before property `id` is written: a sink that
    /// records where a property sits overrides it (nothing by default).
    #[inline(always)]
    fn at_property(&mut self, _id: crate::property::PropertyId) {}

    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.put_slice(&[v]);
    }

    #[inline]
    fn put_u16(&mut self, v: u16) {
        self.put_slice(&v.to_be_bytes());
    }

    #[inline]
    fn put_u32(&mut self, v: u32) {
        self.put_slice(&v.to_be_bytes());
    }

    #[inline]
    fn put_varint(&mut self, v: u32) {
        if v < 0x80 {
            self.put_u8(v as u8);
        } else if v < 0x4000 {
            // Two bytes (128 to 16,383: a 1 KiB PUBLISH, a SUBSCRIBE with a few filters)
            // without the general loop.
            self.put_slice(&[v as u8 | 0x80, (v >> 7) as u8]);
        } else {
            let (b, n) = long_varint(v);
            self.put_slice(&b[..n]);
        }
    }

    /// A two-byte length prefix and the bytes (length checked by the caller's `*_len`).
    #[inline]
    fn put_bin(&mut self, b: &[u8]) {
        self.put_u16(b.len() as u16);
        self.put_slice(b);
    }

    /// [`Sink::put_bin`] then one byte: a SUBSCRIBE entry (filter, options).
    #[inline]
    fn put_bin_u8(&mut self, b: &[u8], v: u8) {
        self.put_bin(b);
        self.put_u8(v);
    }

    /// [`Sink::put_bin_u8`] for each entry.
    #[inline]
    fn put_bin_u8_each<'x>(&mut self, entries: impl Iterator<Item = (&'x [u8], u8)>) {
        for (b, v) in entries {
            self.put_bin_u8(b, v);
        }
    }
}

/// A variable byte integer of two to four bytes, and its length.
fn long_varint(mut v: u32) -> ([u8; 4], usize) {
    let mut out = [0u8; 4];
    let mut n = 0;
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        out[n] = b;
        n += 1;
        if v == 0 || n == 4 {
            break;
        }
    }
    (out, n)
}

/// A cursor over a caller's slice that has already been checked to be large enough.
///
/// It keeps the unwritten rest of the slice, so each write is one split (one length check)
/// and a copy whose length the compiler knows for fixed-size fields.
pub(crate) struct SliceSink<'b> {
    rest: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { len: buf.len(), rest: buf }
    }

    #[inline]
    pub(crate) const fn written(&self) -> usize {
        self.len - self.rest.len()
    }

    /// The next `n` bytes, to be written by someone else (so that this sink itself is never
    /// passed by reference and stays in registers).
    #[inline]
    pub(crate) fn reserve(&mut self, n: usize) -> &'b mut [u8] {
        let (head, tail) = core::mem::take(&mut self.rest).split_at_mut(n);
        self.rest = tail;
        head
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        let (head, tail) = core::mem::take(&mut self.rest).split_at_mut(s.len());
        copy(head, s);
        self.rest = tail;
    }

    #[inline]
    fn put_u8(&mut self, v: u8) {
        let (head, tail) = core::mem::take(&mut self.rest).split_at_mut(1);
        head[0] = v;
        self.rest = tail;
    }

    /// One split (one length check) for prefix and bytes, always inlined.
    #[inline(always)]
    fn put_bin(&mut self, b: &[u8]) {
        let n = b.len();
        let (head, tail) = core::mem::take(&mut self.rest).split_at_mut(n + 2);
        if let Some((len, body)) = head.split_first_chunk_mut::<2>() {
            *len = (n as u16).to_be_bytes();
            copy(body, b);
        }
        self.rest = tail;
    }

    /// Through a local copy of the cursor, which stays in registers across the entries.
    #[inline]
    fn put_bin_u8_each<'x>(&mut self, entries: impl Iterator<Item = (&'x [u8], u8)>) {
        let mut local = SliceSink { rest: core::mem::take(&mut self.rest), len: 0 };
        for (b, v) in entries {
            local.put_bin_u8(b, v);
        }
        self.rest = local.rest;
    }

    /// One split (one length check) for the whole entry.
    #[inline]
    fn put_bin_u8(&mut self, b: &[u8], v: u8) {
        let n = b.len();
        let (head, tail) = core::mem::take(&mut self.rest).split_at_mut(n + 3);
        if let Some((len, rest)) = head.split_first_chunk_mut::<2>()
            && let Some((last, body)) = rest.split_last_mut()
        {
            *len = (n as u16).to_be_bytes();
            copy(body, b);
            *last = v;
        }
        self.rest = tail;
    }
}

/// A cursor over a caller's slice that has already been checked to be large enough, for
/// code where size matters more than speed (packets other than PUBLISH, property sets):
/// every write is one call to the same out-of-line copy.
pub(crate) struct CompactSink<'b> {
    buf: &'b mut [u8],
    pos: usize,
    /// Where the value of the last Message Expiry Interval written starts (0: none).
    pub(crate) expiry_at: usize,
}

impl<'b> CompactSink<'b> {
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0, expiry_at: 0 }
    }

    #[inline]
    pub(crate) const fn written(&self) -> usize {
        self.pos
    }
}

impl Sink for CompactSink<'_> {
    /// Record where a Message Expiry Interval's value goes (after its identifier byte), for
    /// [`EncodedPublish`](crate::EncodedPublish). `id` is a constant at every call: the test
    /// folds away for every other property.
    #[inline(always)]
    fn at_property(&mut self, id: crate::property::PropertyId) {
        if matches!(id, crate::property::PropertyId::MessageExpiryInterval) {
            self.expiry_at = self.pos + 1;
        }
    }

    /// Append `s`; never panics (a write past the end, which the caller's sizing rules
    /// out, is dropped).
    #[inline(never)]
    fn put_slice(&mut self, s: &[u8]) {
        let end = self.pos.saturating_add(s.len());
        if let Some(d) = self.buf.get_mut(self.pos..end) {
            d.copy_from_slice(s);
        }
        self.pos = end;
    }

    #[inline(never)]
    fn put_u8(&mut self, v: u8) {
        self.put_slice(&[v]);
    }

    #[inline(never)]
    fn put_u16(&mut self, v: u16) {
        self.put_slice(&v.to_be_bytes());
    }

    #[inline(never)]
    fn put_varint(&mut self, v: u32) {
        let (b, n) = long_varint(v);
        self.put_slice(b.get(..n).unwrap_or_default());
    }

    #[inline(never)]
    fn put_bin(&mut self, b: &[u8]) {
        self.put_u16(b.len() as u16);
        self.put_slice(b);
    }
}

/// `dst.copy_from_slice(src)` (the lengths are equal), with copies of 4 to 64 bytes (topic
/// names, client ids, user names, small payloads) done inline as two overlapping
/// fixed-size moves rather than a call to `memcpy`, on 64-bit targets (see [`WIDE`]:
/// elsewhere the moves are `memcpy` calls too).
#[inline(always)]
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if !WIDE {
        dst.copy_from_slice(src);
        return;
    }
    if n < 16 {
        if let (Some(d), Some(s), Some(last)) =
            (dst.first_chunk_mut::<8>(), src.first_chunk::<8>(), src.last_chunk::<8>())
        {
            *d = *s;
            if let Some(d) = dst.last_chunk_mut::<8>() {
                *d = *last;
            }
        } else if let (Some(d), Some(s), Some(last)) =
            (dst.first_chunk_mut::<4>(), src.first_chunk::<4>(), src.last_chunk::<4>())
        {
            *d = *s;
            if let Some(d) = dst.last_chunk_mut::<4>() {
                *d = *last;
            }
        } else {
            dst.copy_from_slice(src);
        }
        return;
    }
    match (dst.first_chunk_mut::<16>(), src.first_chunk::<16>(), src.last_chunk::<16>()) {
        (Some(d), Some(s), Some(last)) if n <= 32 => {
            *d = *s;
            if let Some(d) = dst.last_chunk_mut::<16>() {
                *d = *last;
            }
        }
        _ => match (dst.first_chunk_mut::<32>(), src.first_chunk::<32>(), src.last_chunk::<32>()) {
            (Some(d), Some(s), Some(last)) if n <= 64 => {
                *d = *s;
                if let Some(d) = dst.last_chunk_mut::<32>() {
                    *d = *last;
                }
            }
            _ => dst.copy_from_slice(src),
        },
    }
}

/// Writes into any `bytes::BufMut` (capacity checked by the caller first).
#[cfg(feature = "bytes")]
pub(crate) struct BufMutSink<'b, B: bytes::BufMut>(pub(crate) &'b mut B);

#[cfg(feature = "bytes")]
impl<B: bytes::BufMut> Sink for BufMutSink<'_, B> {
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        self.0.put_slice(s);
    }
}

/// The encoded size of a Binary Data / UTF-8 field: 2 + len, or an error over 65,535.
#[inline]
pub(crate) fn bin_len(len: usize) -> Result<usize, crate::error::EncodeError> {
    if len > usize::from(u16::MAX) { Err(crate::error::EncodeError::TooLong { len }) } else { Ok(2 + len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The byte loops used on 32-bit targets are the references for the word scans.
    use super::{
        is_plain_text_bytewise as plain_text_reference, is_plain_topic_bytewise as plain_topic_reference,
    };

    /// Every byte value at every position of strings of every length up to 48, on an
    /// ASCII background and next to bytes that borrow (0x00, 0x01) or are non-ASCII.
    #[test]
    fn scanners_match_a_bytewise_reference() {
        for background in [b'a', b'/', 0x01, 0x7F] {
            for len in 0..=48usize {
                for pos in 0..len {
                    for v in 0..=255u8 {
                        let mut b = [background; 48];
                        b[pos] = v;
                        let b = &b[..len];
                        assert_eq!(is_plain_topic(b), plain_topic_reference(b), "{b:?}");
                        assert_eq!(any_special(b, text_flags), !plain_text_reference(b), "{b:?}");
                    }
                }
            }
        }
        // Two special bytes, so that a borrow out of one runs into the other.
        for len in 2..=24usize {
            for pos in 0..len - 1 {
                for (x, y) in [(0u8, 1u8), (0, 0x80), (b'#', 0x24), (b'+', 0x2C), (0x80, 0x80), (0, b'#')] {
                    let mut b = [b'a'; 24];
                    b[pos] = x;
                    b[pos + 1] = y;
                    let b = &b[..len];
                    assert_eq!(is_plain_topic(b), plain_topic_reference(b), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn validate_utf8_accepts_exactly_nul_free_utf8() {
        for s in ["", "a", "sensors/device-0001/temperature", "ünï/cödé", "日本語のトピック名です"]
        {
            assert_eq!(validate_utf8(s.as_bytes()), Ok(s));
        }
        assert_eq!(validate_utf8(b"abc\0def"), Err(DecodeError::NullCharacter));
        assert_eq!(validate_utf8(b"abcdefghijklmnop\xC3"), Err(DecodeError::InvalidUtf8));
        assert_eq!(validate_utf8(b"\xED\xA0\x80"), Err(DecodeError::InvalidUtf8));
    }

    #[test]
    fn slice_sink_writes_in_order() {
        let mut buf = [0u8; 16];
        let mut s = SliceSink::new(&mut buf);
        s.put_u8(0x30);
        s.put_varint(200);
        s.put_bin(b"ab");
        s.put_u16(0x0102);
        s.put_varint(5);
        s.put_slice(b"xyz");
        assert_eq!(s.written(), 13);
        assert_eq!(&buf[..13], &[0x30, 0xC8, 0x01, 0, 2, b'a', b'b', 1, 2, 5, b'x', b'y', b'z']);
    }

    #[test]
    fn compact_sink_writes_like_slice_sink_and_never_past_the_end() {
        let mut a = [0u8; 18];
        let mut b = [0u8; 18];
        fn fill<S: Sink>(s: &mut S) {
            s.put_u8(0x30);
            s.put_varint(200);
            s.put_bin(b"ab");
            s.put_u16(0x0102);
            s.put_varint(5);
            s.put_slice(b"xyz");
            s.put_varint(0);
            s.put_varint(268_435_455);
        }
        let mut s = SliceSink::new(&mut a);
        fill(&mut s);
        assert_eq!(s.written(), 18);
        let mut c = CompactSink::new(&mut b);
        fill(&mut c);
        assert_eq!(c.written(), 18);
        c.put_slice(b"more");
        c.put_u8(1);
        assert_eq!(a, b);
    }

    #[test]
    fn reader_fields() {
        let mut r = Reader::new(&[0x05, 0x80, 0x01, 0x00, 0x02, b'h', b'i', 1, 2, 3, 4]);
        assert_eq!(r.varint(), Ok(5));
        assert_eq!(r.varint(), Ok(128));
        assert_eq!(r.utf8(), Ok("hi"));
        assert_eq!(r.u32(), Ok(0x0102_0304));
        assert_eq!(r.u8(), Err(DecodeError::UnexpectedEnd));
        assert_eq!(r.u16(), Err(DecodeError::UnexpectedEnd));
        assert_eq!(r.take(1), Err(DecodeError::UnexpectedEnd));
        assert_eq!(r.varint(), Err(DecodeError::UnexpectedEnd));
        assert!(r.finish().is_ok());
        let mut r = Reader::new(&[0x80, 0x00]);
        assert_eq!(r.varint(), Err(DecodeError::MalformedVarInt));
    }
}
