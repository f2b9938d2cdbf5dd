//! [`Client`]: one task owns the session, the transport and the transmit buffer; `poll`
//! drives all three and is cancel-safe.

use crate::fmt::{log_debug, log_warn};
use crate::journal::{Journal, NoJournal};
use crate::{Error, Transport, now};
use embassy_time::{Timer, with_deadline};
use sansmqtt_session::{Action, Event, Instant, RecvBuffer, Session, TransportError};

/// Where the transport stands, kept in the client so that a cancelled `poll` resumes the
/// transport work it was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    /// No connection open.
    Down,
    /// The session asked for a connection: opening it.
    Connecting,
    /// Open.
    Up,
    /// Closing it (asked by the session, or after an error); then `handle_closed`.
    Closing,
}

/// How a flush ended.
enum Flushed {
    /// Everything the session had to send is written.
    Done,
    /// The session's deadline came while a write was blocked.
    Deadline,
    /// The transport failed or closed, for this reason.
    Failed(TransportError),
}

/// Drives a [`Session`] over a [`Transport`] with embassy-time for deadlines.
///
/// Commands go straight to the session ([`Client::session`]), or through the waiting helpers
/// ([`Client::connect`], [`Client::publish`], ...); [`Client::next_event`] (or
/// [`Client::poll`]) writes, reads, keeps the connection alive and reconnects. Both are
/// **cancel-safe**: race them with the application's own futures
/// (`embassy_futures::select`); dropping them part-way loses no byte and no event.
///
/// The adapter allocates nothing per message: bytes to send go through the caller's
/// transmit buffer, received bytes are read straight into the session's receive buffer.
///
/// `Debug` shows no secret: the session's shows none, and of the transmit buffer (which
/// holds the CONNECT with its password once written) only the counts.
pub struct Client<'b, T: Transport, J: Journal = NoJournal> {
    session: Session,
    rx: RecvBuffer,
    transport: T,
    tx: &'b mut [u8],
    tx_start: usize,
    tx_end: usize,
    link: Link,
    last_error: Option<T::Error>,
    /// Why the connection is closing: given to the session when it is closed.
    cause: TransportError,
    /// Where the session's journal is kept ([`NoJournal`]: nowhere).
    journal: J,
    /// Records taken from the session and not yet kept by the journal (kept across a
    /// cancelled `poll`, and offered again).
    #[cfg(feature = "persistence")]
    records: alloc::vec::Vec<u8>,
}

impl<T: Transport + core::fmt::Debug, J: Journal> core::fmt::Debug for Client<'_, T, J>
where
    T::Error: core::fmt::Debug,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .field("transport", &self.transport)
            .field("tx_len", &self.tx.len())
            .field("tx_pending", &self.tx_end.saturating_sub(self.tx_start))
            .field("link", &self.link)
            .field("last_error", &self.last_error)
            .finish()
    }
}

impl<'b, T: Transport> Client<'b, T> {
    /// A client for `session` over `transport`, writing through `tx` (any size from 1 byte;
    /// larger buffers mean fewer writes, 512 bytes or more is typical).
    pub fn new(session: Session, transport: T, tx: &'b mut [u8]) -> Self {
        Client::with_journal(session, transport, tx, NoJournal)
    }
}

impl<'b, T: Transport, J: Journal> Client<'b, T, J> {
    /// [`Client::new`] with the session's journal kept in `journal` (feature `persistence`):
    /// before writing, the client hands `journal` the records the session made, and writes
    /// nothing that depends on them until they are kept; when the journal is full it gets a
    /// snapshot instead. Start the session's journal first (`Session::start_journal`, its
    /// output given to `journal.replace`) or restore the session from the journal.
    pub fn with_journal(session: Session, transport: T, tx: &'b mut [u8], journal: J) -> Self {
        let rx = session.new_recv_buffer();
        let cause = TransportError::ClosedByClient;
        Self {
            session,
            rx,
            transport,
            tx,
            tx_start: 0,
            tx_end: 0,
            link: Link::Down,
            last_error: None,
            cause,
            journal,
            #[cfg(feature = "persistence")]
            records: alloc::vec::Vec::new(),
        }
    }

    /// The journal.
    pub fn journal(&mut self) -> &mut J {
        &mut self.journal
    }

    /// The session: commands (`publish`, `subscribe`, `ack`...) and getters. Commands are
    /// written by the next `poll`.
    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The transport.
    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The last transport error (connect, read or write), cleared by this call. The session
    /// reports the loss itself as `Event::Disconnected(DisconnectReason::Transport(kind))`,
    /// with the error's [`embedded_io_async::ErrorKind`] mapped onto a
    /// [`TransportError`](sansmqtt_session::TransportError).
    pub fn take_transport_error(&mut self) -> Option<T::Error> {
        self.last_error.take()
    }

    /// Whether a transport connection is open.
    pub fn is_open(&self) -> bool {
        self.link == Link::Up
    }

    /// Hand the session's new records to the journal (a snapshot when it is full). Records
    /// stay in the client until kept, so a cancelled call loses none.
    #[cfg(feature = "persistence")]
    async fn keep_records(&mut self) -> Result<(), crate::journal::StoreError> {
        if self.records.is_empty() {
            self.session.poll_store(&mut self.records);
        }
        if self.records.is_empty() {
            return Ok(());
        }
        match self.journal.append(&self.records).await {
            Err(crate::journal::StoreError::Full) => {
                let mut snapshot = alloc::vec::Vec::new();
                self.session.snapshot(&mut snapshot);
                self.journal.replace(&snapshot).await?;
            }
            other => other?,
        }
        self.records.clear();
        Ok(())
    }

    /// Take the session and transport back. An open connection is closed first.
    pub async fn into_parts(mut self) -> (Session, T) {
        if self.link != Link::Down {
            self.transport.close().await;
            self.session.handle_closed(now(), TransportError::ClosedByClient);
        }
        (self.session, self.transport)
    }

    /// The next event: drives I/O until the session has one. Cancel-safe.
    ///
    /// Returns [`Error::Disconnected`] when nothing can happen any more (the session is
    /// disconnected and not reconnecting) and [`Error::EmptyBuffer`] for an empty `tx`.
    pub async fn next_event(&mut self) -> Result<Event<'_>, Error> {
        self.poll().await?;
        // `poll` returned because `prepare_event` said an event is ready.
        self.session.poll_event(&mut self.rx).ok_or(Error::Disconnected)
    }

    /// Drive I/O until [`Session::poll_event`] has an event to return. Cancel-safe.
    pub async fn poll(&mut self) -> Result<(), Error> {
        if self.tx.is_empty() {
            return Err(Error::EmptyBuffer);
        }
        loop {
            // Transport work first: it may have been interrupted by a cancelled `poll`.
            match self.link {
                Link::Connecting => {
                    self.open().await;
                    continue;
                }
                Link::Closing => self.shut().await,
                Link::Down | Link::Up => {}
            }
            // Deadlines first (early, this does nothing): a due one is handled now, without
            // waiting for a timer (an embassy timer yields once before it fires, and a `poll`
            // may be cancelled at that yield), and a busy link cannot starve it (on a QoS 0
            // flood every read is ready before any timer).
            self.session.handle_timeout(now());
            if self.session.prepare_event(&mut self.rx) {
                return Ok(());
            }
            #[cfg(feature = "persistence")]
            self.keep_records().await.map_err(Error::Store)?;
            if self.link == Link::Up {
                match self.flush().await {
                    Flushed::Done => {}
                    Flushed::Failed(cause) => {
                        self.fail(cause);
                        continue;
                    }
                    // Handled at the top of the loop.
                    Flushed::Deadline => {}
                }
            }
            if let Some(action) = self.session.poll_action() {
                match action {
                    Action::Connect => {
                        log_debug!("mqtt: connecting");
                        self.link = Link::Connecting;
                    }
                    Action::Close => self.fail(TransportError::ClosedByClient),
                    // Future actions: nothing this adapter knows to do.
                    _ => {}
                }
                continue;
            }
            if self.link == Link::Up && self.tx_start < self.tx_end {
                // A write blocked past the deadline and nothing to do about it: write on.
                continue;
            }
            #[cfg(feature = "persistence")]
            if self.session.has_store_records() {
                // Records made while flushing: to the journal, then what waited for them.
                continue;
            }
            self.wait().await?;
        }
    }

    /// Open the transport within the session's connect timeout.
    async fn open(&mut self) {
        // Saturating (no overflow panic for a huge configured timeout), as the session's own
        // deadlines are.
        let deadline = embassy_deadline(Some(now() + self.session.config().connect_timeout));
        match with_deadline(deadline, self.transport.connect()).await {
            Ok(Ok(())) => {
                log_debug!("mqtt: transport open");
                self.link = Link::Up;
                self.tx_start = 0;
                self.tx_end = 0;
                self.session.handle_connected(now());
            }
            Ok(Err(e)) => {
                log_warn!("mqtt: transport connect failed");
                self.failed(e);
            }
            Err(_) => {
                log_warn!("mqtt: transport connect timed out");
                self.fail(TransportError::TimedOut);
            }
        }
    }

    /// Close the transport for `cause` (`shut` does it).
    fn fail(&mut self, cause: TransportError) {
        self.cause = cause;
        self.link = Link::Closing;
    }

    /// The transport failed with `e`: kept for the application, its kind for the session.
    fn failed(&mut self, e: T::Error) {
        self.fail(cause_of(&e));
        self.last_error = Some(e);
    }

    /// Close the transport gracefully, then tell the session.
    async fn shut(&mut self) {
        self.tx_start = 0;
        self.tx_end = 0;
        self.transport.close().await;
        log_debug!("mqtt: transport closed");
        self.link = Link::Down;
        self.session.handle_closed(now(), self.cause);
    }

    /// Write what the session has to send, keeping partial writes in `tx` across cancellation.
    async fn flush(&mut self) -> Flushed {
        loop {
            if self.tx_start == self.tx_end {
                // Records made meanwhile hold back what depends on them (0 here): `poll` gives
                // them to the journal on its next turn, then flushes again.
                let n = self.session.poll_transmit(now(), self.tx);
                if n == 0 {
                    return Flushed::Done;
                }
                self.tx_start = 0;
                self.tx_end = n;
            }
            // `tx_start < tx_end <= tx.len()` here: never empty.
            let pending = self.tx.get(self.tx_start..self.tx_end).unwrap_or_default();
            // One await for both cases (no deadline: `Instant::MAX`, which never comes): one
            // copy of the write future's code in the firmware instead of two.
            let deadline = embassy_deadline(self.session.poll_timeout());
            let Ok(written) = with_deadline(deadline, self.transport.write(pending)).await else {
                return Flushed::Deadline;
            };
            match written {
                Ok(n) if n > 0 => self.tx_start = (self.tx_start + n).min(self.tx_end),
                Ok(_) => {
                    log_warn!("mqtt: transport write returned 0");
                    return Flushed::Failed(TransportError::Closed);
                }
                Err(e) => {
                    log_warn!("mqtt: transport write failed");
                    let cause = cause_of(&e);
                    self.last_error = Some(e);
                    return Flushed::Failed(cause);
                }
            }
        }
    }

    /// Wait for bytes or the session's deadline.
    async fn wait(&mut self) -> Result<(), Error> {
        if matches!(self.link, Link::Connecting | Link::Closing) {
            return Ok(());
        }
        let deadline = self.session.poll_timeout();
        if self.link != Link::Up && deadline.is_none() {
            // No transport, no deadline, no action: the session is idle for good.
            return Err(Error::Disconnected);
        }
        let until = embassy_deadline(deadline);
        let read = match self.session.recv_buf(&mut self.rx) {
            Some(buf) if self.link == Link::Up => with_deadline(until, self.transport.read(buf)).await.ok(),
            // No transport: only the deadline can move things. No room (backpressure, e.g.
            // manual acks outstanding): only the deadline can move things either. (One await
            // for both: one copy of the timer's code.)
            _ => {
                Timer::at(until).await;
                None
            }
        };
        match read {
            // The deadline: handled at the top of `poll`'s loop.
            None => {}
            Some(Ok(0)) => {
                log_debug!("mqtt: end of stream");
                self.fail(TransportError::Closed);
            }
            Some(Ok(n)) => self.session.handle_recv(now(), &mut self.rx, n),
            Some(Err(e)) => {
                log_warn!("mqtt: transport read failed");
                self.failed(e);
            }
        }
        Ok(())
    }
}

/// A session deadline as an embassy-time instant (both count from the same epoch): `None`
/// (no deadline) is `Instant::MAX`, which never comes. Saturating: a deadline past what
/// embassy-time counts (the session's deadlines saturate at `u64::MAX` milliseconds, e.g.
/// for a huge configured timeout) is `Instant::MAX` too, never a product that wraps into the
/// past. Out of line: one copy for every wait.
#[inline(never)]
pub(crate) fn embassy_deadline(deadline: Option<Instant>) -> embassy_time::Instant {
    // Below 2^40 ms (34 years) `from_millis`'s product fits for any tick rate up to 16 MHz
    // (asserted below); a test of the high bits is little code on a 32-bit target.
    const _: () = assert!(embassy_time::TICK_HZ <= 1 << 24);
    match deadline.map(Instant::as_millis) {
        Some(ms) if ms >> 40 == 0 => embassy_time::Instant::from_millis(ms),
        _ => embassy_time::Instant::MAX,
    }
}

/// The session's summary of a transport error.
fn cause_of<E: embedded_io_async::Error>(e: &E) -> TransportError {
    use embedded_io_async::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => TransportError::Refused,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::NotConnected => TransportError::Reset,
        K::TimedOut => TransportError::TimedOut,
        _ => TransportError::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_past_embassy_time_saturates_instead_of_wrapping() {
        assert_eq!(embassy_deadline(Some(Instant::from_millis(u64::MAX))), embassy_time::Instant::MAX);
        assert_eq!(
            embassy_deadline(Some(Instant::ZERO + core::time::Duration::MAX)),
            embassy_time::Instant::MAX
        );
        assert_eq!(
            embassy_deadline(Some(Instant::from_millis(1500))),
            embassy_time::Instant::from_millis(1500)
        );
        assert_eq!(embassy_deadline(None), embassy_time::Instant::MAX);
    }
}
