//! [`Driver`]: the one task that owns the connection and drives the session, following the
//! session's driving contract: after every input, drain events, actions and bytes to send;
//! then wait for bytes, a command or the session's deadline, whichever comes first.
//!
//! Per round trip it makes at most one `write` (everything `poll_transmit` hands out,
//! coalesced, up to [`buffers::SIZE`] bytes) and one `read` (every complete packet in it is
//! decoded before the next). The session streams its bytes in pieces of any size, so a large
//! packet or batch just takes several writes.
//!
//! An idle connection holds no buffer: over plain TCP the driver waits for readiness and then
//! reads straight into the session's [`RecvBuffer`](sansmqtt_session::RecvBuffer), whose
//! storage is given back (`release`) before every wait in which it holds no bytes; the
//! write buffer is lent ([`buffers`]) while there are bytes to write. TLS and WebSocket
//! readers read into a lent buffer, held while they wait.

use crate::buffers;
use crate::client::{Client, Handle};
use crate::error::TransportFailure;
use crate::event::{Event, Message};
use crate::handlers::Handlers;
use crate::options::Options;
use crate::publish_stream::{Payload, PayloadError};
use crate::shared::{Outcome, Shared};
use crate::transport::{self, Reader, TransportOptions, Writer};
use crate::url::BrokerUrl;
use futures_lite::{AsyncWriteExt, FutureExt};
use sansmqtt_session::{Action, DisconnectOptions, State, Token, TransportError};
use std::io;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The most bytes read at once into the session's buffer (which may be far larger): a steady
/// stream then keeps using its first pages.
const READ_MAX: usize = 16 * 1024;
/// How long closing (flushing DISCONNECT) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The task that owns the connection. Returned by [`Client::with_driver`] for running on an
/// executor of your choice; [`Client::new`] spawns it on smol's global executor.
pub struct Driver {
    shared: Arc<Shared>,
    client: Weak<Handle>,
    url: BrokerUrl,
    transport: TransportOptions,
    /// The paho-style handlers; `None` while there are none (most connections of a process
    /// with many of them use the event stream), so an idle task carries no empty set.
    handlers: Option<Box<Handlers>>,
    reader: Option<Reader>,
    writer: Option<Writer>,
    /// Bytes a TLS or WebSocket reader read: `rbuf[rpos..rlen]` (lent while used).
    rbuf: Option<Box<[u8]>>,
    rpos: usize,
    rlen: usize,
    /// Bytes to write: `obuf[opos..olen]` (lent while there are some).
    obuf: Option<Box<[u8]>>,
    opos: usize,
    olen: usize,
    closing: bool,
    /// `Event::Message` with the last message, whose buffers the next one reuses; the
    /// handlers see it where it lies (a message is never moved). Boxed when first needed: a
    /// connection that receives no message does not carry it.
    scratch: Option<Box<Event>>,
    timer: async_io::Timer,
    timer_at: Option<std::time::Instant>,
    shutdown_sent: bool,
    /// The file store, if any (`store.rs`). Boxed, as is the payload: rarely used, inline they
    /// would take room in every idle connection's task.
    store: Option<Box<crate::store::Store>>,
    /// The streamed payload being written, if any (`publish_stream.rs`).
    payload: Option<Box<Payload>>,
}

impl core::fmt::Debug for Driver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver").field("url", &self.url).finish_non_exhaustive()
    }
}

enum Wake {
    Written(std::io::Result<usize>),
    Read(std::io::Result<usize>),
    /// The TCP socket has bytes to read (or an error to report).
    Readable(std::io::Result<()>),
    Notified,
    Timer,
    /// The payload's source did a piece of work (opened, read a chunk, reported its end).
    Payload(Result<(), PayloadError>),
}

impl Driver {
    pub(crate) fn new(
        shared: Arc<Shared>,
        client: Weak<Handle>,
        options: Options,
        store: Option<crate::store::Store>,
    ) -> Self {
        Self {
            shared,
            client,
            transport: TransportOptions::from_options(&options),
            url: options.url,
            handlers: options.handlers.any().then(|| Box::new(options.handlers)),
            reader: None,
            writer: None,
            rbuf: None,
            rpos: 0,
            rlen: 0,
            obuf: None,
            opos: 0,
            olen: 0,
            closing: false,
            scratch: None,
            timer: async_io::Timer::never(),
            timer_at: None,
            shutdown_sent: false,
            store: store.map(Box::new),
            payload: None,
        }
    }

    #[cfg(test)]
    pub(crate) fn handlers_mut(&mut self) -> &mut Handlers {
        self.handlers.get_or_insert_with(Box::default)
    }

    /// Drive the client until every handle is dropped (then disconnect gracefully).
    // Not an `async fn`: the future of one would hold the driver twice (the argument, and
    // the local it is moved into), which is most of an idle connection's memory.
    #[allow(clippy::manual_async_fn)]
    pub fn run(mut self) -> impl core::future::Future<Output = ()> + Send + 'static {
        async move { self.drive().await }
    }

    async fn drive(&mut self) {
        log::debug!("driver for {} started", self.url);
        let mut rounds = 0u32;
        loop {
            let progressed = match self.round().await {
                Some(p) => p,
                None => break,
            };
            if progressed {
                rounds += 1;
                if rounds.is_multiple_of(64) {
                    futures_lite::future::yield_now().await;
                }
                continue;
            }
            self.wait().await;
        }
        if let Some(store) = &mut self.store {
            store.finish(&self.shared).await;
        }
        self.reader = None;
        self.writer = None;
        let mut g = self.shared.lock();
        g.done = true;
        for slot in g.waiting.values_mut() {
            slot.get_or_insert(Outcome::Closed);
        }
        drop(g);
        self.shared.changed.notify(usize::MAX);
        self.shared.stream.notify();
        log::debug!("driver for {} stopped", self.url);
    }

    /// One pass over the session's outputs. `Some(true)` if anything happened (run again
    /// before waiting), `None` to stop.
    async fn round(&mut self) -> Option<bool> {
        let mut progressed = self.pump_events();
        // The store first: what `poll_transmit` hands out below depends only on records
        // made durable here (the session holds back the rest).
        if let Some(store) = &mut self.store {
            progressed |= store.save(&self.shared).await.ok()?;
        }
        let mut actions: [Option<Action>; 4] = [None; 4];
        let mut failed = None;
        let mut payload_failed = None;
        let mut read = false;
        let mut obuf_full = false;
        let now = self.shared.now();
        {
            let mut g = self.shared.lock();
            if let Some(p) = &self.payload
                && g.session.payload_remaining() != Some(p.remaining())
            {
                // Its connection ended (a QoS 1 / 2 payload is asked for again after a reconnect).
                self.payload = None;
            }
            if self.payload.is_none() {
                let g = &mut *g;
                match g.sources.take(&g.session) {
                    Some(Ok(p)) => self.payload = Some(Box::new(p)),
                    Some(Err(token)) => payload_failed = Some((token, PayloadError::NoSource)),
                    None => {}
                }
            }
            for change in g.route_changes.drain(..) {
                self.handlers.get_or_insert_with(Box::default).apply(change);
            }
            if let Some(rbuf) = &self.rbuf
                && self.rpos < self.rlen
            {
                let g = &mut *g;
                let taken = g.session.handle_data(now, &mut g.rx, &rbuf[self.rpos..self.rlen]);
                self.rpos += taken;
                progressed |= taken > 0;
                read |= taken > 0;
                if self.rpos == self.rlen {
                    buffers::give(self.rbuf.take().unwrap_or_default());
                }
            }
            if !g.stream_full()
                && let Some(Reader::Tcp { stream, drained: drained @ false }) = &mut self.reader
            {
                let g = &mut *g;
                match read_into(stream.get_ref(), &mut g.session, &mut g.rx, now) {
                    Ok(Some(more)) => {
                        // Handled in this round (pumped below); another round only to read on.
                        *drained = !more;
                        progressed |= more;
                        read = true;
                    }
                    Ok(None) => {} // The session holds back: read once it takes bytes again.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => *drained = true,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => progressed = true,
                    Err(e) => failed = Some(e),
                }
            }
        }
        if read {
            // The messages just read go to the handlers before the round transmits, so that
            // their acks leave in this round's write.
            self.pump_events();
        }
        {
            let mut g = self.shared.lock();
            if g.session.poll_timeout().is_some_and(|t| t <= now) {
                g.session.handle_timeout(now);
            }
            for slot in &mut actions {
                *slot = g.session.poll_action();
            }
            if self.writer.is_some() {
                // What the session hands out, coalesced into one buffer for one write (added
                // to what is still waiting for the socket, as far as the buffer holds).
                if self.opos == self.olen {
                    self.opos = 0;
                    self.olen = 0;
                }
                let obuf = self.obuf.get_or_insert_with(buffers::take);
                while self.olen < obuf.len() {
                    if let Some(p) = &mut self.payload {
                        progressed |= p.write(&mut g.session, now) > 0;
                    }
                    let n = g.session.poll_transmit(now, &mut obuf[self.olen..]);
                    if n == 0 {
                        break;
                    }
                    self.olen += n;
                }
                // A full buffer: the session may have more, for the next round once written.
                obuf_full = self.olen == obuf.len();
                if self.olen == 0 {
                    buffers::give(self.obuf.take().unwrap_or_default());
                }
                if self.payload.as_deref().is_some_and(Payload::done) {
                    self.payload = None;
                    if std::mem::take(&mut g.sources.blocked) {
                        // A `publish_stream` waits for the session to take another payload.
                        self.shared.changed.notify(usize::MAX);
                    }
                }
            }
            if g.room_wanted {
                // Publishers blocked on a full queue: one wake-up per drained batch (the
                // session announces room once its queue is half empty).
                g.room_wanted = false;
                self.shared.changed.notify(usize::MAX);
            }
            if g.shutdown && !self.shutdown_sent {
                self.shutdown_sent = true;
                log::debug!("every client handle dropped: disconnecting");
                let _ = g.session.disconnect(now, &DisconnectOptions::default());
                progressed = true;
            }
            if g.shutdown && g.session.state() == State::Disconnected && !g.session.has_event() {
                return None;
            }
            progressed |= self.store.is_some() && g.session.has_store_records();
        }
        if failed.is_none() {
            match self.write_now() {
                Ok(wrote) => progressed |= wrote && obuf_full,
                Err(e) => failed = Some(e),
            }
        }
        // What this round's work raised (a QoS 0 publish written, a timeout) is handed out
        // now rather than in a round of its own; a handler's command wakes the driver anyway.
        self.pump_events();
        {
            let g = self.shared.lock();
            progressed |= g.session.has_event() && !g.stream_full();
        }
        if let Some(e) = failed {
            self.lost(e);
            return Some(true);
        }
        if let Some((token, e)) = payload_failed {
            self.payload_failed(token, e);
            return Some(true);
        }
        for action in actions.into_iter().flatten() {
            progressed = true;
            match action {
                // Boxed: the connecting future is large and lives only while connecting.
                Action::Connect => Box::pin(self.open()).await,
                Action::Close => self.closing = true,
                _ => {}
            }
        }
        if self.closing && self.opos == self.olen {
            self.close().await;
            progressed = true;
        }
        Some(progressed)
    }

    /// One attempt to write what waits in `obuf` without waiting (a waker that does nothing:
    /// if the transport is not ready, [`Driver::wait`] asks again with its own). Most writes
    /// complete here, so a publish costs no wake-up of this task for its write. Whether
    /// anything was written.
    fn write_now(&mut self) -> io::Result<bool> {
        let (Some(w), Some(bytes)) =
            (self.writer.as_mut(), self.obuf.as_deref().and_then(|b| b.get(self.opos..self.olen)))
        else {
            return Ok(false);
        };
        if bytes.is_empty() {
            return Ok(false);
        }
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match futures_lite::AsyncWrite::poll_write(std::pin::Pin::new(w), &mut cx, bytes) {
            std::task::Poll::Ready(Ok(0)) => {
                Err(io::Error::new(io::ErrorKind::WriteZero, "write returned 0"))
            }
            std::task::Poll::Ready(Ok(n)) => {
                self.opos += n;
                if self.opos == self.olen {
                    buffers::give(self.obuf.take().unwrap_or_default());
                }
                Ok(true)
            }
            std::task::Poll::Ready(Err(e)) if e.kind() != io::ErrorKind::Interrupted => Err(e),
            std::task::Poll::Ready(Err(_)) | std::task::Poll::Pending => Ok(false),
        }
    }

    /// Pull events from the session and hand them to the handlers and the stream, until
    /// none is left or the stream is full.
    fn pump_events(&mut self) -> bool {
        let Self { shared, client, handlers, scratch, url, .. } = self;
        let mut any = false;
        loop {
            let mut g = shared.lock();
            if g.stream_full() {
                return any;
            }
            // Bound where it was returned and used by reference: an event is large, and a
            // move out of the `Option` would copy all of it.
            let pulled = next_event(scratch, url, shared, &mut g);
            let Some(pulled_ref) = &pulled else { return any };
            any = true;
            let to_stream = g.events_gen != 0;
            drop(g);
            let event = match pulled_ref {
                Pulled::Owned(e) => Some(e),
                Pulled::Message => scratch.as_deref(),
            };
            let Some(event) = event else { continue };
            if let Some(handlers) = handlers
                && handlers.any()
                && let Some(handle) = client.upgrade()
            {
                handlers.dispatch(&Client { handle }, event);
            }
            if to_stream {
                let mut g = shared.lock();
                if g.events_gen != 0 {
                    let event = match pulled {
                        Some(Pulled::Owned(e)) => Some(e),
                        // The stream owns it; the next message starts with fresh buffers.
                        _ => scratch.take().map(|e| *e),
                    };
                    let Some(event) = event else { continue };
                    g.events.push_back(event);
                    drop(g);
                    shared.stream.notify();
                }
            }
        }
    }

    /// Open the transport the session asked for.
    async fn open(&mut self) {
        self.drop_transport();
        log::debug!("connecting to {}", self.url);
        let result = transport::open(&self.url, &self.transport).await;
        let now = self.shared.now();
        let mut g = self.shared.lock();
        match result {
            Ok((r, w)) => {
                self.reader = Some(r);
                self.writer = Some(w);
                g.last_transport_failure = None;
                g.session.handle_connected(now);
            }
            Err(e) => {
                log::warn!("cannot connect to {}: {e}", self.url);
                let failure = TransportFailure::new(e);
                g.session.handle_closed(now, failure.kind());
                g.last_transport_failure = Some(failure);
            }
        }
    }

    /// Flush what is left (DISCONNECT), then close the transport.
    async fn close(&mut self) {
        self.closing = false;
        if let Some(mut w) = self.writer.take() {
            let rest = self.obuf.as_deref().and_then(|b| b.get(self.opos..self.olen)).unwrap_or_default();
            let flush = async {
                w.write_all(rest).await?;
                w.close().await
            };
            let _ = flush
                .or(async {
                    async_io::Timer::after(CLOSE_TIMEOUT).await;
                    Ok(())
                })
                .await;
        }
        self.drop_transport();
        let now = self.shared.now();
        self.shared.lock().session.handle_closed(now, TransportError::ClosedByClient);
        // `disconnect()` waits for the state, not for the event: wake it now, even when the
        // application's event stream is full and the `Disconnected` event must wait.
        self.shared.changed.notify(usize::MAX);
    }

    fn drop_transport(&mut self) {
        self.payload = None;
        self.reader = None;
        self.writer = None;
        if let Some(b) = self.obuf.take() {
            buffers::give(b);
        }
        if let Some(b) = self.rbuf.take() {
            buffers::give(b);
        }
        self.opos = 0;
        self.olen = 0;
        self.rpos = 0;
        self.rlen = 0;
    }

    /// The transport failed or reached end of file.
    fn lost(&mut self, why: io::Error) {
        log::warn!("connection to {} lost: {why}", self.url);
        self.drop_transport();
        self.closing = false;
        let now = self.shared.now();
        let failure = TransportFailure::new(why);
        let mut g = self.shared.lock();
        g.session.handle_closed(now, failure.kind());
        g.last_transport_failure = Some(failure);
    }

    /// The streamed payload of `token` cannot be written whole: give it up and close the
    /// connection at once, so that the broker never sees its packet complete; the publish
    /// fails with `e`. The session ends the connection itself (`abort_payload`: nothing more
    /// to send, `DisconnectReason::PayloadAborted`); the transport did not fail, so no
    /// transport failure is recorded.
    fn payload_failed(&mut self, token: Token, e: PayloadError) {
        log::warn!("publish {} to {} given up: {e}", token.get(), self.url);
        self.drop_transport();
        self.closing = false;
        let now = self.shared.now();
        let mut g = self.shared.lock();
        g.session.abort_payload(now);
        g.sources.forget(token);
        g.sources.blocked = false;
        g.complete(token.get(), Outcome::Payload(e));
        g.session.handle_closed(now, TransportError::ClosedByClient);
        g.last_transport_failure = None;
        drop(g);
        self.shared.changed.notify(usize::MAX);
    }

    /// Wait for bytes to write or read, a command, or the session's deadline.
    async fn wait(&mut self) {
        let (deadline, stream_full) = {
            let mut g = self.shared.lock();
            g.rx.release();
            g.session.release_idle_memory();
            (g.session.poll_timeout(), g.stream_full())
        };
        if let Some(d) = deadline.map(|d| self.shared.to_std(d))
            && self.timer_at.is_none_or(|t| d < t || fires_early(t, d))
        {
            // An earlier timer than needed is harmless (the session ignores early timeouts),
            // but not free: see `fires_early`.
            self.timer.set_at(d);
            self.timer_at = Some(d);
        }
        let want_read = self.rpos == self.rlen && !stream_full;
        let Self { reader, writer, rbuf, obuf, opos, olen, shared, timer, timer_at, payload, .. } = self;
        let write = async {
            match (writer.as_mut(), obuf.as_deref().and_then(|b| b.get(*opos..*olen))) {
                (Some(w), Some(bytes)) if !bytes.is_empty() => Wake::Written(w.write(bytes).await),
                _ => std::future::pending().await,
            }
        };
        let read = async {
            match reader.as_mut() {
                // Plain TCP: wait for bytes, then the round reads them into the session.
                // `poll_readable` keeps the registration when this future is dropped (a
                // command or a write ended the wait): the next wait finds it in place
                // instead of re-arming the socket with the reactor (one `epoll_ctl` less).
                Some(Reader::Tcp { stream, drained: true }) if want_read => {
                    Wake::Readable(futures_lite::future::poll_fn(|cx| stream.poll_readable(cx)).await)
                }
                Some(Reader::Layered(r)) if want_read => Wake::Read(
                    futures_lite::AsyncReadExt::read(r, rbuf.get_or_insert_with(buffers::take)).await,
                ),
                _ => std::future::pending().await,
            }
        };
        let notified = async {
            shared.driver.wait().await;
            Wake::Notified
        };
        let timed_out = async {
            if timer_at.is_some() {
                (&mut *timer).await;
                Wake::Timer
            } else {
                std::future::pending().await
            }
        };
        let source = async {
            match payload.as_mut() {
                Some(p) if p.wants_source() => Wake::Payload(p.step().await),
                _ => std::future::pending().await,
            }
        };
        let wake = write.or(read).or(source).or(notified).or(timed_out).await;
        match wake {
            Wake::Written(Ok(n)) if n > 0 => {
                self.opos += n;
                if self.opos == self.olen {
                    buffers::give(self.obuf.take().unwrap_or_default());
                }
            }
            Wake::Written(Ok(_)) => self.lost(io::Error::new(io::ErrorKind::WriteZero, "write returned 0")),
            Wake::Written(Err(e)) | Wake::Read(Err(e)) | Wake::Readable(Err(e)) => self.lost(e),
            Wake::Readable(Ok(())) => {
                if let Some(Reader::Tcp { drained, .. }) = &mut self.reader {
                    *drained = false;
                }
            }
            Wake::Read(Ok(0)) => {
                self.lost(io::Error::new(io::ErrorKind::UnexpectedEof, "closed by the broker"))
            }
            Wake::Read(Ok(n)) => {
                self.rpos = 0;
                self.rlen = n;
            }
            Wake::Notified | Wake::Payload(Ok(())) => {}
            Wake::Payload(Err(e)) => {
                if let Some(token) = self.payload.as_ref().map(|p| p.token) {
                    self.payload_failed(token, e);
                }
            }
            Wake::Timer => {
                self.timer_at = None;
                let now = self.shared.now();
                self.shared.lock().session.handle_timeout(now);
            }
        }
    }
}

/// Whether a timer armed for `armed` should move to the later deadline `due`: when it would
/// fire in the first half of the wait. Then an idle connection is not woken for a deadline
/// that has passed away (the CONNACK's, or a keep-alive deadline pushed back by traffic),
/// while a busy connection, whose keep-alive deadline moves with every packet, re-arms at
/// most about twice per keep-alive interval (re-arming wakes the reactor).
fn fires_early(armed: std::time::Instant, due: std::time::Instant) -> bool {
    let now = crate::shared::clock();
    armed < due && armed.saturating_duration_since(now) < due.saturating_duration_since(now) / 2
}

/// One non-blocking read from `socket` straight into the session's receive buffer:
/// `Some(more)` if bytes came (`more`: they filled the room offered, so more may wait),
/// `None` if the session takes no bytes now; end of file is an `UnexpectedEof` error.
fn read_into(
    socket: &std::net::TcpStream,
    session: &mut sansmqtt_session::Session,
    rx: &mut sansmqtt_session::RecvBuffer,
    now: sansmqtt_session::Instant,
) -> io::Result<Option<bool>> {
    use std::io::Read;
    let Some(buf) = session.recv_buf(rx) else { return Ok(None) };
    let room = buf.len().min(READ_MAX);
    let n = (&mut &*socket).read(&mut buf[..room])?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed by the broker"));
    }
    session.handle_recv(now, rx, n);
    Ok(Some(n == room))
}

/// What [`next_event`] pulled from the session.
// Returned once per event and never stored: boxing the owned event would allocate each time.
#[allow(clippy::large_enum_variant)]
enum Pulled {
    /// A message, copied into the driver's scratch `Event::Message`.
    Message,
    /// Any other event.
    Owned(Event),
}

/// The next session event, owned, with the bookkeeping for waiters.
fn next_event(
    scratch: &mut Option<Box<Event>>,
    url: &BrokerUrl,
    shared: &Shared,
    g: &mut crate::shared::Inner,
) -> Option<Pulled> {
    use sansmqtt_session::Event as S;
    loop {
        let event = g.session.poll_event(&mut g.rx)?;
        if let S::Message(m) = &event {
            // Copied from where it lies (a session event is large: no moves of it).
            match &mut **scratch.get_or_insert_with(|| Box::new(Event::Message(Message::default()))) {
                Event::Message(owned) => owned.copy_from(m),
                other => {
                    let mut owned = Message::default();
                    owned.copy_from(m);
                    *other = Event::Message(owned);
                }
            }
            return Some(Pulled::Message);
        }
        let mut wake = false;
        let owned = match event {
            S::Connected { session_present, .. } => {
                log::info!("connected to {} (session present: {session_present})", url);
                g.connects += 1;
                g.session_present = session_present;
                wake = true;
                Event::Connected { session_present }
            }
            S::Disconnected(reason) => {
                log::info!("disconnected from {}: {reason}", url);
                g.disconnects += 1;
                g.last_disconnect = Some(reason.clone());
                if g.session.state() == State::Disconnected {
                    // No reconnect follows (none configured, or a graceful disconnect): no
                    // pending request can complete any more.
                    g.fail_pending(&reason);
                }
                wake = true;
                Event::Disconnected(reason)
            }
            S::Published { token, reason } => {
                g.sources.forget(token);
                wake = g.complete(token.get(), Outcome::Published(reason))
                    | std::mem::take(&mut g.sources.blocked);
                Event::Published { token, reason }
            }
            S::PublishFailed { token, reason } => {
                g.sources.forget(token);
                wake =
                    g.complete(token.get(), Outcome::Failed(reason)) | std::mem::take(&mut g.sources.blocked);
                Event::PublishFailed { token, reason }
            }
            S::Subscribed { token, reasons } => {
                wake = g.complete(token.get(), Outcome::Acked(reasons.clone()));
                Event::Subscribed { token, reasons }
            }
            S::Unsubscribed { token, reasons } => {
                wake = g.complete(token.get(), Outcome::Acked(reasons.clone()));
                Event::Unsubscribed { token, reasons }
            }
            S::SessionLost { tokens } => {
                for t in &tokens {
                    g.sources.forget(*t);
                    wake |= g.complete(t.get(), Outcome::Lost);
                }
                Event::SessionLost { tokens }
            }
            S::Resubscribed { filters } => {
                for (filter, reason) in &filters {
                    if reason.is_error() {
                        log::warn!("{url}: {filter} not restored: {reason:?}");
                    }
                }
                Event::Resubscribed { filters }
            }
            S::Reauthenticated => Event::Reauthenticated,
            S::Released { packet_id } => Event::Released { packet_id },
            S::MessageStart { message, payload_len } => {
                let mut m = Message::default();
                m.copy_from(&message);
                Event::MessageStart { message: m, payload_len }
            }
            S::MessageChunk(c) => Event::MessageChunk(c.to_vec()),
            S::MessageEnd { ack_token } => Event::MessageEnd { ack_token },
            S::MessageAborted => Event::MessageAborted,
            S::ResendPayload { token, payload_len } => {
                // Picked up by the round, which opens the source again.
                g.sources.resend(token, payload_len);
                continue;
            }
            S::ReadyToPublish => {
                g.room_wanted = true; // Publishers are woken at the end of the round.
                continue;
            }
            _ => continue,
        };
        if wake {
            shared.changed.notify(usize::MAX);
        }
        return Some(Pulled::Owned(owned));
    }
}
