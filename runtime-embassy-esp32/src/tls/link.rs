//! [`TlsLink`]: the state the [`TlsTransport`](crate::tls::TlsTransport) and the engine
//! ([`run`](crate::tls::run)) share: requests one way, phases and plaintext bytes both ways,
//! and the counts that prove the record buffers come back after every connection.

use crate::tls::TlsTransportError;
use core::cell::{Cell, RefCell};
use core::future::poll_fn;
use core::task::Poll;

/// Where the engine stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No connection; waiting for a connect request.
    Idle,
    /// Opening the stream and doing the handshake.
    Connecting,
    /// Handshake done: plaintext flows.
    Up,
    /// Ending the connection (close_notify, then the stream's close).
    Closing,
}

/// What the transport asks of the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// Nothing.
    None,
    /// Open a connection.
    Connect,
    /// Close the connection gracefully.
    Close,
    /// Drop the connection at once (a cancelled connect, or a close that took too long).
    Abort,
}

/// A byte queue in a fixed array.
pub(crate) struct Fifo<const N: usize> {
    buf: [u8; N],
    start: usize,
    end: usize,
}

impl<const N: usize> Fifo<N> {
    const fn new() -> Self {
        Self { buf: [0; N], start: 0, end: 0 }
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn room(&self) -> usize {
        N - self.len()
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Append as much of `data` as fits; returns how much.
    fn push(&mut self, data: &[u8]) -> usize {
        if self.end + data.len() > N && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = data.len().min(N - self.end);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.end..self.end + n), data.get(..n)) {
            dst.copy_from_slice(src);
            self.end += n;
            n
        } else {
            0
        }
    }

    /// Take up to `out.len()` bytes; returns how many.
    fn pop(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), self.buf.get(self.start..self.start + n)) {
            dst.copy_from_slice(src);
            self.start += n;
            if self.start == self.end {
                self.clear();
            }
            n
        } else {
            0
        }
    }
}

/// The state a [`TlsTransport`](crate::tls::TlsTransport) shares with its engine
/// ([`run`](crate::tls::run)): make it first, then the engine and the transport from it.
///
/// `N` is the size of each of its two plaintext queues (received bytes waiting for the client,
/// and the client's bytes waiting for the engine); 512 by default. It holds no record buffer:
/// those are lent to each connection by the engine and come back when it ends, which
/// [`TlsLink::buffers_lent`] and [`TlsLink::buffers_returned`] count.
pub struct TlsLink<const N: usize = 512> {
    pub(crate) phase: Cell<Phase>,
    pub(crate) request: Cell<Request>,
    /// Why the last connection (or attempt) ended, for the transport to report once.
    pub(crate) failure: Cell<Option<TlsTransportError>>,
    /// The engine is writing bytes it took from `tx`.
    pub(crate) sending: Cell<bool>,
    rx: RefCell<Fifo<N>>,
    tx: RefCell<Fifo<N>>,
    lent: Cell<u32>,
    returned: Cell<u32>,
}

impl<const N: usize> Default for TlsLink<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for TlsLink<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsLink")
            .field("phase", &self.phase.get())
            .field("buffers_lent", &self.lent.get())
            .field("buffers_returned", &self.returned.get())
            .finish_non_exhaustive()
    }
}

impl<const N: usize> TlsLink<N> {
    /// No connection yet.
    pub const fn new() -> Self {
        Self {
            phase: Cell::new(Phase::Idle),
            request: Cell::new(Request::None),
            failure: Cell::new(None),
            sending: Cell::new(false),
            rx: RefCell::new(Fifo::new()),
            tx: RefCell::new(Fifo::new()),
            lent: Cell::new(0),
            returned: Cell::new(0),
        }
    }

    /// How many times the engine lent its record buffers to a TLS connection.
    pub fn buffers_lent(&self) -> u32 {
        self.lent.get()
    }

    /// How many of those connections ended and gave the buffers back. Equal to
    /// [`TlsLink::buffers_lent`], or one less while a connection is open.
    pub fn buffers_returned(&self) -> u32 {
        self.returned.get()
    }

    /// Whether a TLS connection is established.
    pub fn is_up(&self) -> bool {
        self.phase.get() == Phase::Up
    }

    pub(crate) fn push_rx(&self, data: &[u8]) -> usize {
        self.rx.try_borrow_mut().map_or(0, |mut f| f.push(data))
    }

    pub(crate) fn pop_rx(&self, out: &mut [u8]) -> usize {
        self.rx.try_borrow_mut().map_or(0, |mut f| f.pop(out))
    }

    pub(crate) fn rx_room(&self) -> usize {
        self.rx.try_borrow().map_or(0, |f| f.room())
    }

    pub(crate) fn push_tx(&self, data: &[u8]) -> usize {
        self.tx.try_borrow_mut().map_or(0, |mut f| f.push(data))
    }

    pub(crate) fn pop_tx(&self, out: &mut [u8]) -> usize {
        self.tx.try_borrow_mut().map_or(0, |mut f| f.pop(out))
    }

    pub(crate) fn tx_len(&self) -> usize {
        self.tx.try_borrow().map_or(0, |f| f.len())
    }

    /// A new connection starts: empty queues.
    pub(crate) fn reset_queues(&self) {
        if let Ok(mut f) = self.rx.try_borrow_mut() {
            f.clear();
        }
        if let Ok(mut f) = self.tx.try_borrow_mut() {
            f.clear();
        }
        self.sending.set(false);
    }

    /// Completes when the transport asks for a connection (taking the request).
    pub(crate) async fn connect_requested(&self) {
        poll_fn(|_| {
            // No waker: only the transport sets requests, and it polls the engine right after.
            if self.request.get() == Request::Connect {
                self.request.set(Request::None);
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    /// Completes when the transport asks to drop the connection.
    pub(crate) async fn abort_requested(&self) {
        poll_fn(|_| if self.request.get() == Request::Abort { Poll::Ready(()) } else { Poll::Pending }).await;
    }

    /// Completes when the transport gave the engine something to do: bytes to send, a close,
    /// or (when `rx_was_full`) room for received bytes. Not an abort: the engine's outer
    /// `select` takes that, and it sees it only when the connection waits (were an abort
    /// "work", the connection's loop would spin on it without ever waiting).
    pub(crate) async fn work(&self, rx_was_full: bool) {
        poll_fn(|_| {
            let ready = self.tx_len() > 0
                || self.request.get() == Request::Close
                || (rx_was_full && self.rx_room() > 0);
            if ready { Poll::Ready(()) } else { Poll::Pending }
        })
        .await;
    }

    /// A connection got the record buffers.
    pub(crate) fn lend(&self) -> Lease<'_, N> {
        self.lent.set(self.lent.get().wrapping_add(1));
        Lease(self)
    }
}

/// Counts the record buffers back when the connection holding them is dropped (declared
/// before the connection, so dropped after it).
pub(crate) struct Lease<'l, const N: usize>(&'l TlsLink<N>);

impl<const N: usize> Drop for Lease<'_, N> {
    fn drop(&mut self) {
        self.0.returned.set(self.0.returned.get().wrapping_add(1));
    }
}
