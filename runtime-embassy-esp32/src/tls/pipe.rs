//! The stream `embedded-tls` reads and writes: the user's [`Transport`](crate::Transport) with
//! a small look-ahead, which lets the engine wait for the broker's next record without
//! starting to read it (a TLS read, once started, must finish), and which tells the engine
//! when a read would have to wait at a record boundary.

// The pipe sits in a `RefCell` shared by the TLS connection (its stream) and the engine
// (waiting for the next record); a borrow is held across the stream's await on purpose: only
// one of the two runs at a time (the engine is one sequential future), and a conflicting borrow
// would be an error (`try_borrow_mut`), never a panic.
#![allow(clippy::await_holding_refcell_ref)]

use core::cell::RefCell;
use embedded_io_async::{Error as _, ErrorKind, ErrorType, Read, Write};

/// Bytes read ahead while waiting for the broker.
const AHEAD: usize = 16;

/// Where the byte stream stands in TLS record framing (a 5-byte header with the body's
/// length in its last two bytes, then the body).
#[derive(Default)]
struct Framing {
    header: [u8; 5],
    header_seen: usize,
    body_left: usize,
}

impl Framing {
    /// Between two records.
    fn at_boundary(&self) -> bool {
        self.header_seen == 0
    }

    /// `bytes` went to the TLS layer.
    fn advance(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.header_seen < 5 {
                let take = (5 - self.header_seen).min(bytes.len());
                if let (Some(dst), Some(src)) =
                    (self.header.get_mut(self.header_seen..self.header_seen + take), bytes.get(..take))
                {
                    dst.copy_from_slice(src);
                }
                self.header_seen += take;
                bytes = bytes.get(take..).unwrap_or_default();
                if self.header_seen == 5 {
                    self.body_left = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                }
            } else {
                let take = self.body_left.min(bytes.len());
                self.body_left -= take;
                bytes = bytes.get(take..).unwrap_or_default();
            }
            if self.header_seen == 5 && self.body_left == 0 {
                self.header_seen = 0;
            }
        }
    }
}

/// The user's stream, borrowed for one connection.
pub(crate) struct Pipe<'t, T> {
    io: &'t mut T,
    ahead: [u8; AHEAD],
    start: usize,
    end: usize,
    framing: Framing,
    /// After the handshake: a read that would wait at a record boundary fails instead, and
    /// sets `would_block`.
    pub(crate) nonblocking: bool,
    pub(crate) would_block: bool,
    /// The stream ended (read returned 0).
    pub(crate) eof: bool,
}

impl<'t, T: Read + Write> Pipe<'t, T> {
    pub(crate) fn new(io: &'t mut T) -> Self {
        Self {
            io,
            ahead: [0; AHEAD],
            start: 0,
            end: 0,
            framing: Framing::default(),
            nonblocking: false,
            would_block: false,
            eof: false,
        }
    }

    /// Wait until the broker sent something (kept in the look-ahead). Cancel-safe when the
    /// stream's `read` is. Returns the bytes available, 0 at the end of the stream.
    pub(crate) async fn fill(&mut self) -> Result<usize, ErrorKind> {
        if self.start < self.end {
            return Ok(self.end - self.start);
        }
        let n = self.io.read(&mut self.ahead).await.map_err(|e| e.kind())?;
        self.start = 0;
        self.end = n.min(AHEAD);
        if n == 0 {
            self.eof = true;
        }
        Ok(self.end)
    }
}

/// The handle `embedded-tls` owns as its stream.
pub(crate) struct PipeRef<'p, 't, T>(pub(crate) &'p RefCell<Pipe<'t, T>>);

impl<T> ErrorType for PipeRef<'_, '_, T> {
    type Error = ErrorKind;
}

impl<T: Read + Write> Read for PipeRef<'_, '_, T> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut guard = self.0.try_borrow_mut().map_err(|_| ErrorKind::Other)?;
        let p = &mut *guard;
        let n = if p.start < p.end {
            let n = buf.len().min(p.end - p.start);
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), p.ahead.get(p.start..p.start + n)) {
                dst.copy_from_slice(src);
            }
            p.start += n;
            n
        } else {
            if p.nonblocking && p.framing.at_boundary() {
                // Nothing of the next record has arrived: the engine waits for it itself
                // (with the look-ahead), so that it can write meanwhile.
                p.would_block = true;
                return Err(ErrorKind::Other);
            }
            let n = p.io.read(buf).await.map_err(|e| e.kind())?;
            if n == 0 {
                p.eof = true;
            }
            n
        };
        p.framing.advance(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

impl<T: Read + Write> Write for PipeRef<'_, '_, T> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut guard = self.0.try_borrow_mut().map_err(|_| ErrorKind::Other)?;
        guard.io.write(buf).await.map_err(|e| e.kind())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        let mut guard = self.0.try_borrow_mut().map_err(|_| ErrorKind::Other)?;
        guard.io.flush().await.map_err(|e| e.kind())
    }
}
