//! [`RecvBuffer`]: received bytes not yet processed, owned by the driver beside the session.
//!
//! The session processes packets where they lie in this buffer and hands messages out as
//! borrows of it. Because the buffer is not part of the [`Session`](crate::Session), an event
//! borrows the buffer, not the session: inside `Event::Message(m)` the application can call
//! any session command (publish a reply to `m.topic`, forward `m.payload`) without copying.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Received bytes not yet processed, owned by the driver; create it with
/// [`Session::new_recv_buffer`](crate::Session::new_recv_buffer) (sized by
/// [`Config::max_packet_size`](crate::Config::max_packet_size): its capacity, fixed at
/// creation, bounds what the session buffers; storage is taken as bytes arrive, growing up
/// to the capacity, and given back by [`RecvBuffer::release`]) and pass it to the session's
/// [`recv_buf`](crate::Session::recv_buf), [`handle_recv`](crate::Session::handle_recv),
/// [`handle_data`](crate::Session::handle_data), [`poll_event`](crate::Session::poll_event)
/// and [`prepare_event`](crate::Session::prepare_event). One buffer per session, for the
/// session's whole life: it also holds, across connections, a message prepared but not yet
/// handed out.
pub struct RecvBuffer {
    pub(crate) bytes: Bytes,
    /// Bytes of the frame last handed out as a message, dropped at the next call.
    pub(crate) pending_consume: usize,
    /// The topic of a message whose PUBLISH named it by a topic alias (v5): copied here when
    /// the message is made ready, so it outlives the connection's alias table.
    pub(crate) alias_topic: String,
    /// The connection the unprocessed bytes arrived on (the session's count of connection
    /// changes): bytes of an earlier connection are dropped before anything else is done.
    pub(crate) epoch: u32,
}

impl fmt::Debug for RecvBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvBuffer")
            .field("capacity", &self.bytes.limit)
            .field("allocated", &self.bytes.buf.len())
            .field("unprocessed", &self.bytes.data().len())
            .finish_non_exhaustive()
    }
}

impl RecvBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { bytes: Bytes::new(capacity), pending_consume: 0, alias_topic: String::new(), epoch: 0 }
    }

    /// The most bytes the buffer holds (fixed at creation).
    pub fn capacity(&self) -> usize {
        self.bytes.limit
    }

    /// Give the storage back to the allocator if the buffer holds no bytes (nothing
    /// unprocessed, no message handed out and not yet done with); `true` if it did. The next
    /// read takes storage again, small at first. For drivers of many idle connections: call it
    /// before waiting for input, once the events are drained.
    pub fn release(&mut self) -> bool {
        if self.pending_consume > 0 || !self.bytes.data().is_empty() {
            return false;
        }
        self.bytes.buf = Vec::new();
        self.bytes.start = 0;
        self.bytes.end = 0;
        self.alias_topic = String::new();
        true
    }

    /// Received bytes the session has not processed yet.
    pub fn unprocessed(&self) -> usize {
        self.bytes.data().len()
    }

    /// Drop the frame of the message handed out last.
    pub(crate) fn finish_message(&mut self) {
        let n = core::mem::take(&mut self.pending_consume);
        if n > 0 {
            self.bytes.consume(n);
        }
    }
}

/// The byte store: unprocessed bytes are `buf[start..end]`; `buf` grows up to `limit` as
/// needed.
#[derive(Default)]
pub(crate) struct Bytes {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    limit: usize,
    /// The last read filled all the free space offered: offer more next time.
    filled: bool,
}

/// The storage taken first (and again after a release).
const FIRST: usize = 2048;

impl Bytes {
    pub(crate) fn new(limit: usize) -> Self {
        Self { buf: Vec::new(), start: 0, end: 0, limit, filled: false }
    }

    /// Free space to read into. Unprocessed bytes move to the front first when the tail is
    /// full, or when they are few (a partial packet left by the last read): then reads keep
    /// landing at the front and a steady stream touches only the first pages of a large
    /// buffer, instead of walking through all of it (resident memory) before wrapping. The
    /// storage doubles (up to the limit) when the tail is full or the last read filled it.
    pub(crate) fn writable(&mut self) -> &mut [u8] {
        const CHEAP_MOVE: usize = 1024;
        if self.start > 0 && (self.end == self.buf.len() || self.end - self.start <= CHEAP_MOVE) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < self.limit && (self.end == self.buf.len() || self.filled) {
            let grown = (self.buf.len() * 2).max(FIRST).min(self.limit);
            self.buf.resize(grown, 0);
        }
        self.filled = false;
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    /// `n` bytes were written into [`Self::writable`].
    pub(crate) fn commit(&mut self, n: usize) {
        self.filled = n > 0 && self.end + n >= self.buf.len();
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Unprocessed bytes.
    pub(crate) fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    #[inline(never)]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Keep only the first `n` unprocessed bytes.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.end = self.start + n.min(self.end - self.start);
    }
}

#[cfg(test)]
mod tests {
    use super::{Bytes, FIRST, RecvBuffer};
    use alloc::vec::Vec;

    /// A stream that always leaves a partial packet behind stays at the front of the buffer,
    /// and no byte is lost or reordered by the moves.
    #[test]
    fn a_steady_stream_stays_at_the_front_of_the_receive_buffer() {
        let mut rx = Bytes::new(64 * 1024);
        let mut sent = 0u32;
        let mut seen = 0u32;
        for _ in 0..10_000 {
            let w = rx.writable();
            assert!(w.len() >= 100, "free space {}", w.len());
            for b in w.iter_mut().take(100) {
                *b = sent as u8;
                sent += 1;
            }
            rx.commit(100);
            // Process all but a partial packet of 1 to 40 bytes.
            let keep = 1 + (sent as usize % 40);
            let n = rx.data().len() - keep.min(rx.data().len());
            for &b in &rx.data()[..n] {
                assert_eq!(b, seen as u8);
                seen += 1;
            }
            rx.consume(n);
            assert!(rx.end <= 2048, "the stream walked to {}", rx.end);
        }
        assert_eq!(rx.buf.len(), FIRST, "reads that never fill the storage do not grow it");
        // A large unprocessed remainder is not moved until the tail is full.
        let mut rx = Bytes::new(8 * 1024);
        while rx.data().len() < 4000 {
            let want = 4000 - rx.data().len();
            let w = rx.writable();
            let n = w.len().min(want);
            w[..n].fill(7);
            rx.commit(n);
        }
        rx.consume(10);
        assert_eq!(rx.writable().len(), 4096 - 4000);
        assert_eq!(rx.data().len(), 3990);
    }

    /// Storage is taken when bytes arrive, doubles when reads fill it, stops at the limit
    /// (then a full buffer offers no room), and is given back only when nothing is held.
    #[test]
    fn storage_grows_to_the_limit_and_is_released_when_empty() {
        let mut rx = RecvBuffer::new(8 * 1024);
        assert_eq!(rx.bytes.buf.len(), 0, "nothing is taken before the first read");
        assert_eq!(rx.capacity(), 8 * 1024);
        let mut sizes = Vec::new();
        loop {
            let w = rx.bytes.writable();
            if w.is_empty() {
                break;
            }
            let n = w.len();
            w.fill(1);
            rx.bytes.commit(n);
            sizes.push(rx.bytes.buf.len());
        }
        assert_eq!(sizes, [2048, 4096, 8192]);
        assert_eq!(rx.unprocessed(), 8 * 1024, "a packet as large as the limit fits");
        assert!(!rx.release(), "unprocessed bytes keep the storage");
        rx.bytes.consume(8 * 1024 - 5);
        assert!(!rx.release());
        rx.pending_consume = 5;
        assert!(!rx.release(), "a message handed out keeps its frame");
        rx.finish_message();
        assert!(rx.release());
        assert_eq!(rx.bytes.buf.len(), 0);
        assert_eq!(rx.bytes.writable().len(), FIRST, "taken again, small");
        // A limit below the first size is not exceeded.
        let mut small = Bytes::new(16);
        assert_eq!(small.writable().len(), 16);
    }
}
