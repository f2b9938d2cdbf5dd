//! Feature `ota`: a streamed message (a firmware image, say) written into a NOR flash
//! partition chunk by chunk, and marked complete only once all of it is there.
//!
//! [`OtaWriter`] takes a partition as a [`NorFlash`] (`embedded-storage-async`; on an ESP32
//! the partition of `esp-bootloader-esp-idf` behind a blocking-to-async adapter, see the
//! example firmware) and is a [`MessageSink`] for
//! [`Client::stream_into`](crate::Client::stream_into).
//!
//! # Layout
//!
//! ```text
//! 0 ............ image bytes (padded to the write size with 0xFF) ...... | free | trailer
//! trailer = length:u32le crc32:u32le (padded to the write size) | "SMQI" (padded): the commit
//! ```
//!
//! The trailer sits at the end of the partition, so the image starts at offset 0 (where a
//! bootloader expects it). The largest image is [`OtaWriter::capacity`]: the partition less
//! the trailer (at most 64 bytes).
//!
//! # What a power cut or an abort leaves
//! `begin` erases the trailer's sector first: from then on no image counts as complete, the
//! old one included. Sectors are erased just ahead of the bytes written into them. `end`
//! writes the length and the CRC-32 (IEEE) of the payload, then the commit unit last:
//! [`OtaWriter::image`] accepts an image only with its commit written and its CRC-32
//! recomputed from the flash matching. A cut or an abort anywhere before the commit therefore
//! leaves no complete image, never a truncated one that looks complete.
//!
//! # Memory
//! The writer holds one write unit of the flash (at most 32 bytes) for chunks that do not
//! end on a write boundary; everything else goes from the chunk straight to the flash.

use crate::journal::FlashErrorKind;
use crate::stream::MessageSink;
use embedded_storage_async::nor_flash::NorFlash;

/// The commit unit's content.
const MAGIC: [u8; 4] = *b"SMQI";
/// The largest write size supported (the alignment buffer's size).
const MAX_WRITE_SIZE: usize = 32;

/// Why the writer refused or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtaError {
    /// The flash driver failed (its error kind).
    Flash(FlashErrorKind),
    /// The image is larger than [`OtaWriter::capacity`] (nothing was erased).
    TooLarge,
    /// `write` or `end` without a `begin` (or after a failure or an abort).
    NotStarted,
    /// More bytes than announced to `begin`, or fewer at `end`.
    LengthMismatch,
}

impl core::fmt::Display for OtaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Flash(k) => write!(f, "flash error: {k:?}"),
            Self::TooLarge => f.write_str("the image is larger than the partition"),
            Self::NotStarted => f.write_str("no image begun"),
            Self::LengthMismatch => f.write_str("the image's length is not the announced one"),
        }
    }
}

impl core::error::Error for OtaError {}

/// A complete image in the partition: its length and CRC-32 (IEEE, as `crc32` of zlib).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Image {
    /// Length in bytes, from offset 0 of the partition.
    pub len: u32,
    /// CRC-32 of those bytes.
    pub crc32: u32,
}

/// The image being written.
#[derive(Debug)]
struct Progress {
    /// Announced length.
    len: u32,
    /// Bytes written to the flash (a multiple of the write size).
    flushed: u32,
    /// Bytes after `flushed`, waiting for a whole write unit.
    pending: [u8; MAX_WRITE_SIZE],
    pending_len: usize,
    /// The flash is erased below this offset (and from the trailer's sector on).
    erased: u32,
    /// Running CRC-32 (not yet inverted).
    crc: u32,
}

/// Writes one image at a time into a NOR flash partition (see the module docs). A
/// [`MessageSink`]: hand it to [`Client::stream_into`](crate::Client::stream_into).
#[derive(Debug)]
pub struct OtaWriter<F> {
    flash: F,
    progress: Option<Progress>,
}

impl<F: NorFlash> OtaWriter<F> {
    const W: u32 = F::WRITE_SIZE as u32;
    /// The trailer's length-and-CRC unit.
    const DATA: u32 = 8u32.div_ceil(Self::W) * Self::W;
    /// The trailer's commit unit.
    const COMMIT: u32 = 4u32.div_ceil(Self::W) * Self::W;

    /// A writer into `flash` (the whole of it is the partition). Flash with a write size
    /// above 32 bytes is refused at compile time.
    pub fn new(flash: F) -> Self {
        const { assert!(F::WRITE_SIZE >= 1 && F::WRITE_SIZE <= MAX_WRITE_SIZE, "write size 1..=32") };
        Self { flash, progress: None }
    }

    /// The largest image the partition takes.
    pub fn capacity(&self) -> u32 {
        self.trailer_at().unwrap_or(0)
    }

    /// The flash (reading the image, say).
    pub fn flash(&mut self) -> &mut F {
        &mut self.flash
    }

    /// Give the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// Whether an image is being written (begun, not ended, aborted or failed).
    pub fn in_progress(&self) -> bool {
        self.progress.is_some()
    }

    /// The complete image in the partition, if there is one: its commit is written and the
    /// CRC-32 of its bytes, read back from the flash, matches the trailer's.
    pub async fn image(&mut self) -> Result<Option<Image>, OtaError> {
        let Some(at) = self.trailer_at() else { return Ok(None) };
        let (data, commit) = (Self::DATA as usize, Self::COMMIT as usize);
        let mut trailer = [0u8; 2 * MAX_WRITE_SIZE];
        let trailer = trailer.get_mut(..data + commit).ok_or(OtaError::TooLarge)?;
        self.flash.read(at, trailer).await.map_err(flash_err)?;
        let (fields, mark) = trailer.split_at(data);
        if mark.get(..4) != Some(&MAGIC[..]) {
            return Ok(None);
        }
        let word = |i: usize| fields.get(i..i + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let (Some(len), Some(crc32)) = (word(0), word(4)) else { return Ok(None) };
        if len > at {
            return Ok(None);
        }
        // Read back in pieces of a multiple of the read size.
        let mut buf = [0u8; 64];
        let step = (buf.len() / F::READ_SIZE.max(1)).max(1) * F::READ_SIZE.max(1);
        let mut crc = !0;
        let mut offset = 0u32;
        while offset < len {
            let want = (len - offset) as usize;
            let n = want.min(step);
            let read = n.div_ceil(F::READ_SIZE.max(1)) * F::READ_SIZE.max(1);
            let piece = buf.get_mut(..read).ok_or(OtaError::TooLarge)?;
            self.flash.read(offset, piece).await.map_err(flash_err)?;
            crc = crc32_update(crc, piece.get(..n).unwrap_or_default());
            offset += n as u32;
        }
        Ok((!crc == crc32).then_some(Image { len, crc32 }))
    }

    /// Begin an image of `len` bytes: the trailer's sector is erased first (no image is
    /// complete from now on). [`OtaError::TooLarge`], with nothing erased, above
    /// [`OtaWriter::capacity`]. An image in progress is abandoned.
    pub async fn begin(&mut self, len: usize) -> Result<(), OtaError> {
        self.progress = None;
        let at = self.trailer_at().ok_or(OtaError::TooLarge)?;
        let len = u32::try_from(len).map_err(|_| OtaError::TooLarge)?;
        if len > at {
            return Err(OtaError::TooLarge);
        }
        let end = self.end_of_flash();
        self.flash.erase(self.trailer_sector(at), end).await.map_err(flash_err)?;
        self.progress = Some(Progress {
            len,
            flushed: 0,
            pending: [0xFF; MAX_WRITE_SIZE],
            pending_len: 0,
            erased: 0,
            crc: !0,
        });
        Ok(())
    }

    /// Write the next piece of the image (any length). On any error the image is abandoned
    /// (begin again).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), OtaError> {
        let r = self.write_inner(chunk).await;
        if r.is_err() {
            self.progress = None;
        }
        r
    }

    /// All bytes are written: write the last partial unit, then the trailer, its commit
    /// last. The image is complete once this returns `Ok`.
    pub async fn end(&mut self) -> Result<Image, OtaError> {
        let r = self.end_inner().await;
        self.progress = None;
        r
    }

    /// Abandon the image in progress (its trailer stays erased: not complete).
    pub fn abort(&mut self) {
        self.progress = None;
    }

    async fn write_inner(&mut self, mut chunk: &[u8]) -> Result<(), OtaError> {
        let w = Self::W as usize;
        let limit = self.trailer_sector(self.trailer_at().ok_or(OtaError::NotStarted)?);
        let end = self.end_of_flash();
        let Self { flash, progress } = self;
        let p = progress.as_mut().ok_or(OtaError::NotStarted)?;
        let total = p.flushed as usize + p.pending_len + chunk.len();
        if total > p.len as usize {
            return Err(OtaError::LengthMismatch);
        }
        p.crc = crc32_update(p.crc, chunk);
        if p.pending_len > 0 {
            let take = (w - p.pending_len).min(chunk.len());
            let (head, rest) = chunk.split_at(take);
            p.pending.get_mut(p.pending_len..p.pending_len + take).unwrap_or_default().copy_from_slice(head);
            p.pending_len += take;
            chunk = rest;
            if p.pending_len < w {
                return Ok(());
            }
            let unit = p.pending;
            put(flash, p, unit.get(..w).unwrap_or_default(), limit, end).await?;
            p.pending_len = 0;
        }
        let whole = chunk.len() - chunk.len() % w;
        let (body, tail) = chunk.split_at(whole);
        if !body.is_empty() {
            put(flash, p, body, limit, end).await?;
        }
        p.pending.get_mut(..tail.len()).unwrap_or_default().copy_from_slice(tail);
        p.pending_len = tail.len();
        Ok(())
    }

    async fn end_inner(&mut self) -> Result<Image, OtaError> {
        let w = Self::W as usize;
        let at = self.trailer_at().ok_or(OtaError::NotStarted)?;
        let limit = self.trailer_sector(at);
        let end = self.end_of_flash();
        let Self { flash, progress } = self;
        let p = progress.as_mut().ok_or(OtaError::NotStarted)?;
        if p.flushed as usize + p.pending_len != p.len as usize {
            return Err(OtaError::LengthMismatch);
        }
        if p.pending_len > 0 {
            let mut unit = p.pending;
            unit.get_mut(p.pending_len..).unwrap_or_default().fill(0xFF);
            put(flash, p, unit.get(..w).unwrap_or_default(), limit, end).await?;
        }
        let image = Image { len: p.len, crc32: !p.crc };
        let mut fields = [0xFFu8; MAX_WRITE_SIZE];
        fields[..4].copy_from_slice(&image.len.to_le_bytes());
        fields[4..8].copy_from_slice(&image.crc32.to_le_bytes());
        let data = fields.get(..Self::DATA as usize).ok_or(OtaError::TooLarge)?;
        flash.write(at, data).await.map_err(flash_err)?;
        let mut commit = [0u8; MAX_WRITE_SIZE];
        commit[..4].copy_from_slice(&MAGIC);
        let commit = commit.get(..Self::COMMIT as usize).ok_or(OtaError::TooLarge)?;
        flash.write(at + Self::DATA, commit).await.map_err(flash_err)?;
        Ok(image)
    }

    /// The end of the partition (whole erase sectors).
    fn end_of_flash(&self) -> u32 {
        let e = F::ERASE_SIZE.max(1);
        u32::try_from(self.flash.capacity() / e * e).unwrap_or(u32::MAX / e as u32 * e as u32)
    }

    /// Where the trailer goes; `None` when the partition cannot hold it.
    fn trailer_at(&self) -> Option<u32> {
        self.end_of_flash().checked_sub(Self::DATA + Self::COMMIT)
    }

    /// The start of the trailer's erase sector.
    fn trailer_sector(&self, at: u32) -> u32 {
        let e = F::ERASE_SIZE.max(1) as u32;
        at / e * e
    }
}

/// Write `bytes` (whole write units) at the image's end, erasing the sectors it reaches first
/// (below `limit`, the trailer's sector, which `begin` erased; `end` is the partition's end).
async fn put<F: NorFlash>(
    flash: &mut F,
    p: &mut Progress,
    bytes: &[u8],
    limit: u32,
    end: u32,
) -> Result<(), OtaError> {
    let to = p.flushed + bytes.len() as u32;
    if to > p.erased {
        let e = F::ERASE_SIZE.max(1) as u32;
        let upto = (to.div_ceil(e) * e).min(limit);
        if upto > p.erased {
            flash.erase(p.erased, upto).await.map_err(flash_err)?;
        }
        p.erased = if upto >= limit { end } else { upto };
    }
    flash.write(p.flushed, bytes).await.map_err(flash_err)?;
    p.flushed = to;
    Ok(())
}

impl<F: NorFlash> MessageSink for OtaWriter<F> {
    type Error = OtaError;

    async fn begin(&mut self, payload_len: usize) -> Result<(), OtaError> {
        Self::begin(self, payload_len).await
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), OtaError> {
        Self::write(self, chunk).await
    }

    async fn end(&mut self) -> Result<(), OtaError> {
        Self::end(self).await.map(drop)
    }

    async fn abort(&mut self) {
        Self::abort(self);
    }
}

fn flash_err<E: embedded_storage_async::nor_flash::NorFlashError>(e: E) -> OtaError {
    OtaError::Flash(FlashErrorKind::of(&e))
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`) of `bytes`: what [`Image::crc32`] holds,
/// for comparing with a checksum published beside the image.
pub fn crc32(bytes: &[u8]) -> u32 {
    !crc32_update(!0, bytes)
}

/// Four bits at a time (a 64-byte table).
const TABLE: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc ^= u32::from(b);
        crc = (crc >> 4) ^ TABLE[(crc & 0xF) as usize];
        crc = (crc >> 4) ^ TABLE[(crc & 0xF) as usize];
    }
    crc
}
