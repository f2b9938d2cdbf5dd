//! Private field primitives: a nom-based reader over one complete frame, and the byte sink
//! that encoders write into. No nom type leaves this module.

use crate::error::DecodeError;
use nom::error::{ErrorKind, ParseError};

/// nom's error type for this crate: every nom failure in complete mode means the field runs
/// past the end of the frame.
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

type Res<'a, T> = nom::IResult<&'a [u8], T, Short>;

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

    #[inline]
    fn run<T>(&mut self, r: Res<'a, T>) -> Result<T, DecodeError> {
        match r {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(DecodeError::UnexpectedEnd),
        }
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

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let r = nom::number::complete::u8(self.rest);
        self.run(r)
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let r = nom::number::complete::be_u16(self.rest);
        self.run(r)
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let r = nom::number::complete::be_u32(self.rest);
        self.run(r)
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let r = nom::bytes::complete::take(n)(self.rest);
        self.run(r)
    }

    /// Binary Data: a two-byte length, then that many bytes (§1.5.6).
    #[inline]
    pub(crate) fn bin(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// UTF-8 Encoded String (§1.5.4): well-formed, no U+0000.
    #[inline]
    pub(crate) fn utf8(&mut self) -> Result<&'a str, DecodeError> {
        let b = self.bin()?;
        validate_utf8(b)
    }

    /// Variable Byte Integer (§1.5.5) inside a frame.
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        match crate::frame::decode_varint(self.rest)? {
            crate::frame::Status::Complete((v, n)) => {
                self.rest = &self.rest[usize::from(n)..];
                Ok(v)
            }
            crate::frame::Status::Incomplete { .. } => Err(DecodeError::UnexpectedEnd),
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes of `w` that are zero have their high bit set in the result (other high bits may
/// be set only when some byte is zero).
#[inline(always)]
const fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(LO) & !w
}

/// Scan `b` 8 bytes at a time: `true` if any byte is non-ASCII, NUL, or one of `extra`.
#[inline(always)]
fn any_special<const N: usize>(b: &[u8], extra: [u8; N]) -> bool {
    let mut acc = 0u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        acc |= word_flags(u64::from_le_bytes(a), extra);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut a = [b'a'; 8];
        a[..tail.len()].copy_from_slice(tail);
        acc |= word_flags(u64::from_le_bytes(a), extra);
    }
    acc & HI != 0
}

#[inline(always)]
fn word_flags<const N: usize>(w: u64, extra: [u8; N]) -> u64 {
    let mut f = w | zero_bytes(w);
    let mut i = 0;
    while i < N {
        f |= zero_bytes(w ^ (LO * extra[i] as u64));
        i += 1;
    }
    f
}

/// Validate a UTF-8 Encoded String's character data: well-formed UTF-8 (which excludes
/// surrogates) [MQTT-1.5.4-1] and no U+0000 [MQTT-1.5.4-2].
#[inline]
pub(crate) fn validate_utf8(b: &[u8]) -> Result<&str, DecodeError> {
    if any_special(b, []) {
        validate_utf8_slow(b)
    } else {
        core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)
    }
}

#[cold]
fn validate_utf8_slow(b: &[u8]) -> Result<&str, DecodeError> {
    let s = core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)?;
    if b.contains(&0) {
        return Err(DecodeError::NullCharacter);
    }
    Ok(s)
}

/// Whether `b` is plain ASCII without NUL, `+` and `#`: the fast path of topic-name checks.
#[inline]
pub(crate) fn is_plain_topic(b: &[u8]) -> bool {
    !any_special(b, [b'+', b'#'])
}

/// Where encoders write. Callers size the output from `encoded_len` first, so a sink never
/// runs out of room part-way through a packet.
pub(crate) trait Sink {
    fn put_slice(&mut self, s: &[u8]);

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
    fn put_varint(&mut self, mut v: u32) {
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
        self.put_slice(&out[..n]);
    }

    /// A two-byte length prefix and the bytes (length checked by the caller's `*_len`).
    #[inline]
    fn put_bin(&mut self, b: &[u8]) {
        self.put_u16(b.len() as u16);
        self.put_slice(b);
    }
}

/// A cursor over a caller's slice that has already been checked to be large enough.
pub(crate) struct SliceSink<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> SliceSink<'b> {
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    #[inline]
    pub(crate) const fn written(&self) -> usize {
        self.pos
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        let end = self.pos + s.len();
        self.buf[self.pos..end].copy_from_slice(s);
        self.pos = end;
    }

    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.buf[self.pos] = v;
        self.pos += 1;
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
