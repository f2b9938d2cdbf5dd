//! [`Client`]: one task owns the session, the transport and the transmit buffer; `poll`
//! drives all three and is cancel-safe.

use crate::fmt::{log_debug, log_warn};
use crate::{Error, Transport, now};
use embassy_time::with_deadline;
use sansmqtt_session::{Action, Event, Instant, Session};

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
#[derive(Debug)]
pub struct Client<'b, T: Transport> {
    session: Session,
    transport: T,
    tx: &'b mut [u8],
    tx_start: usize,
    tx_end: usize,
    link: Link,
    last_error: Option<T::Error>,
}

impl<'b, T: Transport> Client<'b, T> {
    /// A client for `session` over `transport`, writing through `tx` (any size from 1 byte;
    /// larger buffers mean fewer writes, 512 bytes or more is typical).
    pub fn new(session: Session, transport: T, tx: &'b mut [u8]) -> Self {
        Self { session, transport, tx, tx_start: 0, tx_end: 0, link: Link::Down, last_error: None }
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
    /// reports the loss itself as `Event::Disconnected(TransportClosed)`.
    pub fn take_transport_error(&mut self) -> Option<T::Error> {
        self.last_error.take()
    }

    /// Whether a transport connection is open.
    pub fn is_open(&self) -> bool {
        self.link == Link::Up
    }

    /// Take the session and transport back. An open connection is closed first.
    pub async fn into_parts(mut self) -> (Session, T) {
        if self.link != Link::Down {
            self.transport.close().await;
            self.session.handle_closed(now());
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
        self.session.poll_event().ok_or(Error::Disconnected)
    }

    /// Drive I/O until [`Session::poll_event`] has an event to return. Cancel-safe.
    ///
    /// Each turn decides, without awaiting, what the transport must do next (open, close,
    /// write, read, or only wait for the session's deadline), then awaits that under its
    /// deadline: one await for all of them, so the firmware has one copy of the timer and
    /// deadline code, not one per await point. A cancelled turn starts over from the top;
    /// everything it must resume (link state, partial writes) lives in the client.
    pub async fn poll(&mut self) -> Result<(), Error> {
        if self.tx.is_empty() {
            return Err(Error::EmptyBuffer);
        }
        let mut stage = Stage::Top;
        'turn: loop {
            let mut deadline = embassy_time::Instant::MAX;
            let op = 'plan: {
                if stage == Stage::Top {
                    // Transport work first: it may have been interrupted by a cancelled `poll`.
                    match self.link {
                        Link::Connecting => {
                            // Saturating (no overflow panic), as the session's own deadlines are.
                            deadline = embassy_time::Instant::now()
                                .checked_add(embassy_duration(self.session.config().connect_timeout))
                                .unwrap_or(deadline);
                            break 'plan Op::Open;
                        }
                        Link::Closing => break 'plan Op::Close,
                        Link::Down | Link::Up => {}
                    }
                    if self.session.prepare_event() {
                        return Ok(());
                    }
                    stage = Stage::Flush;
                }
                if stage == Stage::Flush {
                    stage = Stage::Actions;
                    if self.link == Link::Up {
                        // Write what the session has to send, keeping partial writes in `tx`
                        // across cancellation.
                        if self.tx_start == self.tx_end {
                            let n = self.session.poll_transmit(now(), self.tx);
                            self.tx_start = 0;
                            self.tx_end = n;
                        }
                        if self.tx_start < self.tx_end {
                            // No deadline: `Instant::MAX`, which never comes.
                            deadline = self.session.poll_timeout().map_or(deadline, embassy_instant);
                            // `tx_start < tx_end <= tx.len()` here: never empty.
                            break 'plan Op::Write(
                                self.tx.get(self.tx_start..self.tx_end).unwrap_or_default(),
                            );
                        }
                    }
                }
                // Stage::Actions.
                stage = Stage::Top;
                if let Some(action) = self.session.poll_action() {
                    match action {
                        Action::Connect => {
                            log_debug!("mqtt: connecting");
                            self.link = Link::Connecting;
                        }
                        Action::Close => self.link = Link::Closing,
                        // Future actions: nothing this adapter knows to do.
                        _ => {}
                    }
                    continue 'turn;
                }
                if self.link == Link::Up && self.tx_start < self.tx_end {
                    // A write blocked past the deadline and nothing to do about it: write on.
                    continue 'turn;
                }
                // Wait for bytes or the session's deadline.
                let due = self.session.poll_timeout();
                if due.is_some_and(|d| d <= now()) {
                    // Already due (embassy timers always yield once: do not wait for a wake-up).
                    self.session.handle_timeout(now());
                    continue 'turn;
                }
                if matches!(self.link, Link::Connecting | Link::Closing) {
                    continue 'turn;
                }
                if self.link != Link::Up && due.is_none() {
                    // No transport, no deadline, no action: the session is idle for good.
                    return Err(Error::Disconnected);
                }
                deadline = due.map_or(deadline, embassy_instant);
                let buf = self.session.recv_buf();
                if self.link != Link::Up || buf.is_empty() {
                    // No transport: only the deadline can move things. Backpressure (e.g.
                    // manual acks outstanding): never read into an empty slice, where `Ok(0)`
                    // would look like end of file; only the deadline can move things either.
                    break 'plan Op::Sleep;
                }
                Op::Read(buf)
            };
            let opening = matches!(op, Op::Open);
            let transport = &mut self.transport;
            let done = with_deadline(deadline, async move {
                match op {
                    Op::Open => Done::Opened(transport.connect().await),
                    Op::Close => {
                        transport.close().await;
                        Done::Closed
                    }
                    Op::Write(bytes) => Done::Wrote(transport.write(bytes).await),
                    Op::Read(buf) => Done::Read(transport.read(buf).await),
                    Op::Sleep => core::future::pending().await,
                }
            })
            .await;
            let Ok(done) = done else {
                if opening {
                    log_warn!("mqtt: transport connect timed out");
                    self.link = Link::Closing;
                } else {
                    // The session's deadline came: during a wait, or while a write was blocked
                    // (then on to the session's actions: `stage` is already there).
                    self.session.handle_timeout(now());
                }
                continue;
            };
            stage = Stage::Top;
            match done {
                Done::Opened(Ok(())) => {
                    log_debug!("mqtt: transport open");
                    self.link = Link::Up;
                    self.tx_start = 0;
                    self.tx_end = 0;
                    self.session.handle_connected(now());
                }
                Done::Closed => {
                    // (Then straight on to the session's events: the link is down.)
                    log_debug!("mqtt: transport closed");
                    self.tx_start = 0;
                    self.tx_end = 0;
                    self.link = Link::Down;
                    self.session.handle_closed(now());
                }
                Done::Wrote(Ok(n)) if n > 0 => {
                    self.tx_start = (self.tx_start + n).min(self.tx_end);
                    stage = Stage::Flush;
                }
                Done::Read(Ok(n)) if n > 0 => self.session.handle_recv(now(), n),
                Done::Wrote(Ok(_)) | Done::Read(Ok(_)) => {
                    log_debug!("mqtt: transport write returned 0 or end of stream");
                    self.link = Link::Closing;
                }
                Done::Opened(Err(e)) | Done::Wrote(Err(e)) | Done::Read(Err(e)) => {
                    log_warn!("mqtt: transport connect, write or read failed");
                    self.last_error = Some(e);
                    self.link = Link::Closing;
                }
            }
        }
    }
}

/// Where a turn of [`Client::poll`] starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Transport work, then the session's events.
    Top,
    /// Writing what the session has to send.
    Flush,
    /// The session's actions, then the wait.
    Actions,
}

/// What a turn of [`Client::poll`] awaits.
enum Op<'a> {
    Open,
    Close,
    Write(&'a [u8]),
    Read(&'a mut [u8]),
    /// Only the deadline.
    Sleep,
}

/// How the awaited [`Op`] ended (before its deadline).
enum Done<E> {
    Opened(Result<(), E>),
    Closed,
    Wrote(Result<usize, E>),
    Read(Result<usize, E>),
}

/// The session's instant as an embassy-time instant (both count from the same epoch).
pub(crate) fn embassy_instant(i: Instant) -> embassy_time::Instant {
    embassy_time::Instant::from_millis(i.as_millis())
}

/// A core duration as an embassy-time duration (saturating). Through the session's
/// out-of-line, saturating `Instant + Duration` (milliseconds without `as_millis`'s 128-bit
/// arithmetic, which costs code on 32-bit targets).
pub(crate) fn embassy_duration(d: core::time::Duration) -> embassy_time::Duration {
    embassy_time::Duration::from_millis((Instant::ZERO + d).as_millis())
}
