//! A store for the session's journal (see `sansmqtt_session::persist`) over NOR flash, or over
//! a RAM region that survives deep sleep ([`RamFlash`]): what the session's `poll_store`
//! hands out is appended, and a snapshot replaces everything when the space runs out.
//!
//! # Layout
//! The flash region is split into two banks of whole erase sectors. The active bank holds a
//! header and frames:
//!
//! ```text
//! header = "SMQB" generation:u32le                  (written last, after the bank's first frames)
//! frame  = length:u32le | bytes[length] | commit    (each part padded to the write size;
//!                                                    commit = a write unit of zeros)
//! ```
//!
//! The bytes of the frames, in order, are what the session's `restore` reads.
//!
//! # What a power cut leaves
//! A frame counts once its commit unit is written, after its bytes: a cut before that leaves
//! the frame uncommitted, and it is skipped (so is one whose write was cancelled: its space is
//! reserved first, and the retry goes after it) (the records in it never let a packet out: the
//! session sends nothing that depends on a record until the store has it). A replace writes
//! the other bank and its header last, with the next generation: a cut before the header
//! leaves the old bank in force. So the state read back is always the one before or after
//! the interrupted write. (Tested on the host with a simulated flash cut at every write.)

use crate::journal::{Journal, StoreError};
use alloc::vec::Vec;
use embedded_storage_async::nor_flash::{NorFlash, NorFlashError, NorFlashErrorKind};

const MAGIC: [u8; 4] = *b"SMQB";
const ERASED: u32 = u32::MAX;

/// A flash driver's error as the store's.
fn flash_err<E: NorFlashError>(e: E) -> StoreError {
    StoreError::Flash(crate::journal::FlashErrorKind::of(&e))
}

/// The session's journal on NOR flash (two banks, see the module docs).
#[derive(Debug)]
pub struct FlashStore<F> {
    flash: F,
    bank_size: u32,
    /// The bank in force (0 or 1) and its generation; `None` before the first replace.
    active: Option<(u32, u32)>,
    /// Where the next frame goes in the active bank.
    end: u32,
}

impl<F: NorFlash> FlashStore<F> {
    /// Write unit: every part of a frame is padded to it (at least 4 bytes).
    const UNIT: u32 = if F::WRITE_SIZE > 4 { F::WRITE_SIZE as u32 } else { 4 };

    /// Open the store on `flash` (all of it; at least two erase sectors) and find the bank in
    /// force. An erased or foreign region holds nothing.
    pub async fn open(mut flash: F) -> Result<Self, StoreError> {
        let sectors = flash.capacity() / F::ERASE_SIZE;
        let bank_size = u32::try_from((sectors / 2) * F::ERASE_SIZE).map_err(|_| StoreError::TooLarge)?;
        if bank_size == 0 {
            return Err(StoreError::TooLarge);
        }
        let mut active: Option<(u32, u32)> = None;
        for bank in 0..2 {
            let mut header = [0u8; 8];
            flash.read(bank * bank_size, &mut header).await.map_err(flash_err)?;
            if header[..4] == MAGIC {
                let generation = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
                // The later of two valid banks is in force (wrapping: a generation counter
                // that overflows still orders two consecutive banks).
                if active.is_none_or(|(_, g)| generation.wrapping_sub(g) as i32 > 0) {
                    active = Some((bank, generation));
                }
            }
        }
        let mut store = Self { flash, bank_size, active, end: 0 };
        store.end = store.scan(None).await?;
        Ok(store)
    }

    /// Append the active bank's committed bytes to `out`: a snapshot and the records after it,
    /// for the session's `restore` (empty when nothing was ever stored).
    pub async fn load(&mut self, out: &mut Vec<u8>) -> Result<(), StoreError> {
        self.scan(Some(out)).await.map(drop)
    }

    /// Append `records` (what the session's `poll_store` handed out). [`StoreError::Full`]
    /// when the bank has no room: write a snapshot with [`FlashStore::replace`] instead (it
    /// contains these changes).
    pub async fn append(&mut self, records: &[u8]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let Some((bank, _)) = self.active else { return Err(StoreError::Full) };
        let size = Self::frame_size(records.len());
        if self.end + size > self.bank_size {
            return Err(StoreError::Full);
        }
        let at = bank * self.bank_size + self.end;
        // Reserved first: a write cancelled part-way (or failed) leaves an uncommitted frame
        // that reading skips, and the next append goes after it, never over written bits.
        self.end += size;
        self.write_frame(at, records).await
    }

    /// Replace everything with `snapshot` (the session's `snapshot` or `start_journal`
    /// output): written to the other bank, whose header goes last.
    pub async fn replace(&mut self, snapshot: &[u8]) -> Result<(), StoreError> {
        let header_size = Self::round(8);
        let size = header_size + Self::frame_size(snapshot.len());
        if size > self.bank_size {
            return Err(StoreError::TooLarge);
        }
        let (bank, generation) = match self.active {
            Some((b, g)) => (1 - b, g.wrapping_add(1)),
            None => (0, 1),
        };
        let base = bank * self.bank_size;
        self.flash.erase(base, base + self.bank_size).await.map_err(flash_err)?;
        self.write_frame(base + header_size, snapshot).await?;
        let mut header = Vec::new();
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&generation.to_le_bytes());
        header.resize(header_size as usize, 0);
        self.flash.write(base, &header).await.map_err(flash_err)?;
        self.active = Some((bank, generation));
        self.end = size;
        Ok(())
    }

    /// Give the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// Walk the active bank's committed frames (copying their bytes to `out`); where the next
    /// frame goes.
    async fn scan(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<u32, StoreError> {
        let Some((bank, _)) = self.active else { return Ok(0) };
        let base = bank * self.bank_size;
        let mut at = Self::round(8);
        loop {
            let mut len = [0u8; 4];
            if at + Self::UNIT > self.bank_size {
                return Ok(at);
            }
            self.flash.read(base + at, &mut len).await.map_err(flash_err)?;
            let len = u32::from_le_bytes(len);
            if len == ERASED {
                return Ok(at);
            }
            let size = Self::frame_size(len as usize);
            if len > self.bank_size || at + size > self.bank_size {
                // A length cut by a power loss: nothing after it was committed, and its bits
                // cannot be written again: the bank counts as full (the next append compacts).
                return Ok(self.bank_size);
            }
            let commit_at = base + at + size - Self::UNIT;
            let mut commit = [0u8; 4];
            self.flash.read(commit_at, &mut commit).await.map_err(flash_err)?;
            // Uncommitted: a write cut by a power loss (nothing follows it) or cancelled (the
            // retry follows it): skipped either way.
            if commit != [0xFF; 4]
                && let Some(out) = out.as_deref_mut()
            {
                let start = out.len();
                out.resize(start + len as usize, 0);
                self.flash.read(base + at + Self::UNIT, &mut out[start..]).await.map_err(flash_err)?;
            }
            at += size;
        }
    }

    /// Write one frame at `at`: length, bytes, then the commit unit.
    async fn write_frame(&mut self, at: u32, bytes: &[u8]) -> Result<(), StoreError> {
        let unit = Self::UNIT as usize;
        let mut len = Vec::with_capacity(unit);
        len.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        len.resize(unit, 0);
        self.flash.write(at, &len).await.map_err(flash_err)?;
        let whole = bytes.len() - bytes.len() % unit;
        if whole > 0 {
            self.flash.write(at + Self::UNIT, &bytes[..whole]).await.map_err(flash_err)?;
        }
        if whole < bytes.len() {
            let mut tail = Vec::with_capacity(unit);
            tail.extend_from_slice(&bytes[whole..]);
            tail.resize(unit, 0);
            self.flash.write(at + Self::UNIT + whole as u32, &tail).await.map_err(flash_err)?;
        }
        let commit = Self::round(bytes.len() as u32) + Self::UNIT;
        self.flash.write(at + commit, &alloc::vec![0u8; unit]).await.map_err(flash_err)
    }

    /// A frame's size for `len` bytes: length unit, padded bytes, commit unit.
    fn frame_size(len: usize) -> u32 {
        Self::UNIT + Self::round(len as u32) + Self::UNIT
    }

    fn round(n: u32) -> u32 {
        n.div_ceil(Self::UNIT) * Self::UNIT
    }
}

impl<F: NorFlash> Journal for FlashStore<F> {
    async fn append(&mut self, records: &[u8]) -> Result<(), StoreError> {
        Self::append(self, records).await
    }
    async fn replace(&mut self, snapshot: &[u8]) -> Result<(), StoreError> {
        Self::replace(self, snapshot).await
    }
}

/// A RAM region used as flash (erase fills it with 0xFF): RTC fast memory that survives an
/// ESP32 deep sleep, for a [`FlashStore`] that lasts from one wake-up to the next.
#[derive(Debug)]
pub struct RamFlash<'a> {
    mem: &'a mut [u8],
}

impl<'a> RamFlash<'a> {
    /// Erase size of the region (its length is rounded down to it).
    pub const SECTOR: usize = 256;

    /// The region `mem` (what it holds is kept: after a wake-up, the store finds its state).
    pub fn new(mem: &'a mut [u8]) -> Self {
        Self { mem }
    }
}

impl embedded_storage_async::nor_flash::ErrorType for RamFlash<'_> {
    type Error = NorFlashErrorKind;
}

impl embedded_storage_async::nor_flash::ReadNorFlash for RamFlash<'_> {
    const READ_SIZE: usize = 1;

    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        let src = self.mem.get(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.mem.len() - self.mem.len() % Self::SECTOR
    }
}

impl NorFlash for RamFlash<'_> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = Self::SECTOR;

    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        self.mem.get_mut(from as usize..to as usize).ok_or(NorFlashErrorKind::OutOfBounds)?.fill(0xFF);
        Ok(())
    }

    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        let dst = self.mem.get_mut(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
        // As NOR flash: a write only clears bits.
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d &= *s;
        }
        Ok(())
    }
}
