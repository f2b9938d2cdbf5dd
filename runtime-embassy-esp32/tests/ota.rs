//! The `ota` writer on a strict simulated NOR flash (writes aligned to the write size, only
//! into erased bytes; erases aligned to sectors): images in chunks of odd sizes arrive byte-exact
//! with the right length and CRC-32 (read back in words where the flash reads only words), each sector erased once and only the sectors the image
//! reaches; a power cut at every flash operation (the cut one half done) never leaves an
//! image that looks complete but is not the old or the new one; misuse is refused.
mod common;

use common::block_on;
use embedded_storage_async::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use sansmqtt_embassy::ota::{Image, OtaError, OtaWriter, crc32};

/// NOR flash that refuses what real flash cannot do, and can lose power.
struct Strict<const W: usize, const E: usize, const R: usize = 1> {
    mem: Vec<u8>,
    /// Erases per sector.
    erases: Vec<u32>,
    /// Operations (erase, write) left before the power goes; the last one is half done.
    power: Option<usize>,
}

impl<const W: usize, const E: usize, const R: usize> Strict<W, E, R> {
    fn new(sectors: usize) -> Self {
        Self { mem: vec![0xFF; sectors * E], erases: vec![0; sectors], power: None }
    }

    /// Count an operation; `Ok(true)` when it is the one the power cut halves.
    fn spend(&mut self) -> Result<bool, NorFlashErrorKind> {
        match self.power {
            Some(0) => Err(NorFlashErrorKind::Other),
            Some(n) => {
                self.power = Some(n - 1);
                Ok(n == 1)
            }
            None => Ok(false),
        }
    }
}

impl<const W: usize, const E: usize, const R: usize> ErrorType for Strict<W, E, R> {
    type Error = NorFlashErrorKind;
}

impl<const W: usize, const E: usize, const R: usize> ReadNorFlash for Strict<W, E, R> {
    const READ_SIZE: usize = R;

    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        assert!(
            at.is_multiple_of(R) && bytes.len().is_multiple_of(R),
            "read of {} at {at}: not aligned to {R}",
            bytes.len()
        );
        let src = self.mem.get(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl<const W: usize, const E: usize, const R: usize> NorFlash for Strict<W, E, R> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let (from, to) = (from as usize, to as usize);
        assert!(
            from.is_multiple_of(E) && to.is_multiple_of(E) && from < to && to <= self.mem.len(),
            "erase {from}..{to}"
        );
        let half = self.spend()?;
        let to = if half { from + (to - from) / 2 } else { to };
        self.mem[from..to].fill(0xFF);
        for s in from / E..to.div_ceil(E) {
            self.erases[s] += 1;
        }
        if half { Err(NorFlashErrorKind::Other) } else { Ok(()) }
    }

    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        assert!(
            at.is_multiple_of(W) && bytes.len().is_multiple_of(W),
            "write of {} at {at}: not aligned to {W}",
            bytes.len()
        );
        assert!(at + bytes.len() <= self.mem.len(), "write out of bounds");
        assert!(
            self.mem[at..at + bytes.len()].iter().all(|&b| b == 0xFF),
            "write at {at} over unerased bytes"
        );
        let half = self.spend()?;
        let n = if half { bytes.len() / 2 } else { bytes.len() };
        self.mem[at..at + n].copy_from_slice(&bytes[..n]);
        if half { Err(NorFlashErrorKind::Other) } else { Ok(()) }
    }
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// CRC-32 bit by bit (not the writer's table): the reference.
fn reference_crc(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Chunk sizes that land anywhere relative to the write size and the sectors.
const CHUNKS: [usize; 9] = [1, 3, 7, 13, 255, 1021, 4096, 2, 509];

async fn write_image<F: NorFlash>(w: &mut OtaWriter<F>, payload: &[u8]) -> Result<Image, OtaError> {
    w.begin(payload.len()).await?;
    let mut rest = payload;
    let mut i = 0;
    while !rest.is_empty() {
        let n = CHUNKS[i % CHUNKS.len()].min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        w.write(chunk).await?;
        rest = tail;
        i += 1;
    }
    w.end().await
}

fn odd_chunks<const W: usize, const E: usize, const R: usize>(len: usize) {
    let sectors = len.div_ceil(E) + 3;
    let payload = pattern(len, len as u32 + W as u32);
    let mut w = OtaWriter::new(Strict::<W, E, R>::new(sectors));
    let image = block_on(write_image(&mut w, &payload)).expect("written");
    assert_eq!(image.len as usize, len, "W={W} E={E}");
    assert_eq!(image.crc32, reference_crc(&payload), "W={W} E={E}");
    assert_eq!(block_on(w.image()), Ok(Some(image)), "W={W} E={E}: complete");
    let flash = w.into_inner();
    assert_eq!(&flash.mem[..len], &payload[..], "W={W} E={E}: byte-exact");
    // Padding of the last unit stays erased.
    assert!(flash.mem[len..len.div_ceil(W) * W].iter().all(|&b| b == 0xFF));
    // Each sector the image reaches erased once, the trailer's once, none else.
    let reached = len.div_ceil(E);
    let last = sectors - 1;
    for (s, &n) in flash.erases.iter().enumerate() {
        let want = u32::from(s < reached || s == last);
        assert_eq!(n, want, "W={W} E={E}: sector {s} of {sectors} erased {n} times (image {len} B)");
    }
}

#[test]
fn chunks_of_odd_sizes_arrive_byte_exact_and_complete() {
    odd_chunks::<1, 256, 1>(10_007);
    odd_chunks::<4, 256, 1>(10_007);
    odd_chunks::<4, 4096, 1>(100_003);
    odd_chunks::<16, 4096, 1>(65_536);
    odd_chunks::<32, 1024, 1>(33);
    odd_chunks::<4, 256, 1>(0);
    // Reads of 4-byte words only (esp-storage without `bytewise-read`), an odd length.
    odd_chunks::<4, 4096, 4>(100_003);
    // An image reaching into the trailer's sector: that sector is erased once, at the start.
    odd_chunks::<4, 4096, 1>(3 * 4096 - 12);
}

#[test]
fn crc32_is_the_ieee_one() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    let p = pattern(5000, 7);
    assert_eq!(crc32(&p), reference_crc(&p));
}

#[test]
fn a_power_cut_at_every_flash_operation_leaves_the_old_image_or_none() {
    const W: usize = 4;
    const E: usize = 256;
    let old = pattern(1500, 1);
    let new = pattern(2100, 2);
    let mut fresh = OtaWriter::new(Strict::<W, E>::new(12));
    let old_image = block_on(write_image(&mut fresh, &old)).expect("old image");
    let base = fresh.into_inner();
    // How many operations the new image takes.
    let mut counting = Strict::<W, E> { mem: base.mem.clone(), erases: vec![0; 12], power: Some(usize::MAX) };
    let new_image = block_on(write_image(&mut OtaWriter::new(&mut counting), &new)).expect("new image");
    let ops = usize::MAX - counting.power.unwrap_or(0);
    assert!(ops > 10, "{ops} operations");
    let mut seen_none = 0;
    // `cut` = k: the k-th operation is cut half done (0: the power is gone before the first);
    // ops + 1: nothing is cut.
    for cut in 0..=ops + 1 {
        let mut flash = Strict::<W, E> { mem: base.mem.clone(), erases: vec![0; 12], power: Some(cut) };
        let r = block_on(write_image(&mut OtaWriter::new(&mut flash), &new));
        assert_eq!(r.is_ok(), cut > ops, "cut at {cut} of {ops}: {r:?}");
        flash.power = None;
        let after = block_on(OtaWriter::new(&mut flash).image()).expect("read back");
        match after {
            Some(i) if i == old_image => {
                assert!(cut <= 1, "the old image survives only an interrupted first erase ({cut})");
                assert_eq!(&flash.mem[..old.len()], &old[..]);
            }
            Some(i) => {
                assert!(cut > ops, "complete before its commit: cut at {cut} of {ops}");
                assert_eq!(i, new_image);
                assert_eq!(&flash.mem[..new.len()], &new[..]);
            }
            None => {
                assert!(cut <= ops, "the whole write left no image");
                seen_none += 1;
            }
        }
    }
    assert!(seen_none >= ops - 1, "{seen_none} of {ops} cuts left no image");
}

#[test]
fn misuse_is_refused_and_an_abort_leaves_no_image() {
    block_on(async {
        let mut w = OtaWriter::new(Strict::<4, 256>::new(4));
        // 4 sectors less the 12-byte trailer.
        assert_eq!(w.capacity(), 1024 - 12);
        let old = pattern(600, 3);
        let old_image = write_image(&mut w, &old).await.expect("old image");
        // Too large: refused before anything is erased; the old image stands.
        assert_eq!(w.begin(1024 - 11).await, Err(OtaError::TooLarge));
        assert_eq!(w.image().await, Ok(Some(old_image)));
        assert_eq!(w.write(b"x").await, Err(OtaError::NotStarted));
        assert_eq!(w.end().await, Err(OtaError::NotStarted));
        // Begun: the old image no longer counts.
        w.begin(100).await.expect("begin");
        assert!(w.in_progress());
        assert_eq!(w.image().await, Ok(None));
        // More than announced.
        assert_eq!(w.write(&[0; 101]).await, Err(OtaError::LengthMismatch));
        assert!(!w.in_progress(), "a failed write abandons the image");
        // Fewer than announced at the end.
        w.begin(100).await.expect("begin");
        w.write(&[1; 99]).await.expect("write");
        assert_eq!(w.end().await, Err(OtaError::LengthMismatch));
        assert_eq!(w.image().await, Ok(None));
        // An abort part-way.
        w.begin(100).await.expect("begin");
        w.write(&[2; 50]).await.expect("write");
        w.abort();
        assert_eq!(w.write(&[2; 50]).await, Err(OtaError::NotStarted));
        assert_eq!(w.image().await, Ok(None));
        // And a whole one after all that.
        let again = pattern(1012, 4);
        let image = write_image(&mut w, &again).await.expect("a full-size image");
        assert_eq!(w.image().await, Ok(Some(image)));
        assert_eq!(&w.flash().mem[..again.len()], &again[..]);
    });
}
