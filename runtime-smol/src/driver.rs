//! [`Driver`]: the one task that owns the connection and drives the session, following the
//! session's driving contract: after every input, drain events, actions and bytes to send;
//! then wait for bytes, a command or the session's deadline, whichever comes first.
//!
//! Per round trip it makes at most one `write` (everything `poll_transmit` hands out,
//! coalesced, up to `OUT_BUF` bytes) and one `read` (every complete packet in it is
//! decoded before the next). Both buffers have a fixed size: the session streams its bytes
//! in pieces of any size, so a large packet or batch just takes several writes.

use crate::client::{Client, Handle};
use crate::error::TransportFailure;
use crate::event::{Event, Message};
use crate::handlers::Handlers;
use crate::options::Options;
use crate::shared::{Outcome, Shared};
use crate::transport::{self, Reader, TransportOptions, Writer};
use crate::url::BrokerUrl;
use futures_lite::{AsyncWriteExt, FutureExt};
use sansmqtt_session::{Action, DisconnectOptions, State, TransportError};
use std::io;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Size of the read buffer (the session reassembles packets larger than one read).
const READ_BUF: usize = 16 * 1024;
/// Size of the coalescing write buffer.
const OUT_BUF: usize = 16 * 1024;
/// How long closing (flushing DISCONNECT) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The task that owns the connection. Returned by [`Client::with_driver`] for running on an
/// executor of your choice; [`Client::new`] spawns it on smol's global executor.
pub struct Driver {
    shared: Arc<Shared>,
    client: Weak<Handle>,
    url: BrokerUrl,
    transport: TransportOptions,
    handlers: Handlers,
    reader: Option<Reader>,
    writer: Option<Writer>,
    rbuf: Box<[u8]>,
    rpos: usize,
    rlen: usize,
    /// Bytes to write: `obuf[opos..olen]` (`obuf` is zeroed storage, reused).
    obuf: Box<[u8]>,
    opos: usize,
    olen: usize,
    closing: bool,
    scratch: Message,
    timer: async_io::Timer,
    timer_at: Option<std::time::Instant>,
    shutdown_sent: bool,
    /// The file store, if any (`store.rs`).
    store: Option<crate::store::Store>,
}

impl core::fmt::Debug for Driver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver").field("url", &self.url).finish_non_exhaustive()
    }
}

enum Wake {
    Written(std::io::Result<usize>),
    Read(std::io::Result<usize>),
    Notified,
    Timer,
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
            handlers: options.handlers,
            reader: None,
            writer: None,
            rbuf: vec![0; READ_BUF].into_boxed_slice(),
            rpos: 0,
            rlen: 0,
            obuf: vec![0; OUT_BUF].into_boxed_slice(),
            opos: 0,
            olen: 0,
            closing: false,
            scratch: Message::default(),
            timer: async_io::Timer::never(),
            timer_at: None,
            shutdown_sent: false,
            store,
        }
    }

    #[cfg(test)]
    pub(crate) fn handlers_mut(&mut self) -> &mut Handlers {
        &mut self.handlers
    }

    /// Drive the client until every handle is dropped (then disconnect gracefully).
    pub async fn run(mut self) {
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
        {
            let now = self.shared.now();
            let mut g = self.shared.lock();
            for change in g.route_changes.drain(..) {
                self.handlers.apply(change);
            }
            if self.rpos < self.rlen {
                let g = &mut *g;
                let taken = g.session.handle_data(now, &mut g.rx, &self.rbuf[self.rpos..self.rlen]);
                self.rpos += taken;
                progressed |= taken > 0;
            }
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
                while self.olen < self.obuf.len() {
                    let n = g.session.poll_transmit(now, &mut self.obuf[self.olen..]);
                    if n == 0 {
                        break;
                    }
                    self.olen += n;
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
            progressed |= g.session.has_event() && !g.stream_full();
            progressed |= self.store.is_some() && g.session.has_store_records();
        }
        for action in actions.into_iter().flatten() {
            progressed = true;
            match action {
                Action::Connect => self.open().await,
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
            let Some(event) = next_event(scratch, url, shared, &mut g) else { return any };
            any = true;
            let to_stream = g.events_gen != 0;
            drop(g);
            if handlers.any()
                && let Some(handle) = client.upgrade()
            {
                handlers.dispatch(&Client { handle }, &event);
            }
            if to_stream {
                let mut g = shared.lock();
                if g.events_gen != 0 {
                    g.events.push_back(event);
                    drop(g);
                    shared.stream.notify();
                    continue;
                }
            }
            if let Event::Message(m) = event {
                *scratch = m; // Keep its buffers for the next message.
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
            let rest = &self.obuf[self.opos..self.olen];
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
        self.reader = None;
        self.writer = None;
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

    /// Wait for bytes to write or read, a command, or the session's deadline.
    async fn wait(&mut self) {
        let (deadline, stream_full) = {
            let g = self.shared.lock();
            (g.session.poll_timeout(), g.stream_full())
        };
        if let Some(d) = deadline.map(|d| self.shared.to_std(d))
            && self.timer_at.is_none_or(|t| d < t)
        {
            // An earlier timer than needed is harmless: the session ignores early timeouts.
            self.timer.set_at(d);
            self.timer_at = Some(d);
        }
        let want_read = self.rpos == self.rlen && !stream_full;
        let Self { reader, writer, rbuf, obuf, opos, olen, shared, timer, timer_at, .. } = self;
        let write = async {
            match writer.as_mut() {
                Some(w) if *opos < *olen => Wake::Written(w.write(&obuf[*opos..*olen]).await),
                _ => std::future::pending().await,
            }
        };
        let read = async {
            match reader.as_mut() {
                Some(r) if want_read => Wake::Read(r.read(rbuf).await),
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
        let wake = write.or(read).or(notified).or(timed_out).await;
        match wake {
            Wake::Written(Ok(n)) if n > 0 => self.opos += n,
            Wake::Written(Ok(_)) => self.lost(io::Error::new(io::ErrorKind::WriteZero, "write returned 0")),
            Wake::Written(Err(e)) | Wake::Read(Err(e)) => self.lost(e),
            Wake::Read(Ok(0)) => {
                self.lost(io::Error::new(io::ErrorKind::UnexpectedEof, "closed by the broker"))
            }
            Wake::Read(Ok(n)) => {
                self.rpos = 0;
                self.rlen = n;
            }
            Wake::Notified => {}
            Wake::Timer => {
                self.timer_at = None;
                let now = self.shared.now();
                self.shared.lock().session.handle_timeout(now);
            }
        }
    }
}

/// The next session event as an owned [`Event`], with the bookkeeping for waiters.
fn next_event(
    scratch: &mut Message,
    url: &BrokerUrl,
    shared: &Shared,
    g: &mut crate::shared::Inner,
) -> Option<Event> {
    use sansmqtt_session::Event as S;
    loop {
        let event = g.session.poll_event(&mut g.rx)?;
        let mut wake = false;
        let owned = match event {
            S::Message(m) => {
                scratch.copy_from(&m);
                Event::Message(core::mem::take(scratch))
            }
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
                wake = g.complete(token.get(), Outcome::Published(reason));
                Event::Published { token, reason }
            }
            S::PublishFailed { token, reason } => {
                wake = g.complete(token.get(), Outcome::Failed(reason));
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
            S::ReadyToPublish => {
                g.room_wanted = true; // Publishers are woken at the end of the round.
                continue;
            }
            _ => continue,
        };
        if wake {
            shared.changed.notify(usize::MAX);
        }
        return Some(owned);
    }
}
