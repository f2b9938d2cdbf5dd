//! [`Session`]: the public face of the state machine. Inputs (`handle_*`), commands, and
//! outputs (`poll_*`); the work is done in `incoming`, `commands` and `outbound`.

use crate::config::Config;
use crate::error::{DisconnectReason, TransportError, Violation};
use crate::event::{Event, Message, ServerCapabilities};
use crate::inbound::Inbound;
use crate::keepalive::Due;
use crate::outbound::Outbound;
use crate::recv::RecvBuffer;
use crate::time::{Duration, Instant};
use alloc::collections::VecDeque;
use sansmqtt_proto::{Disconnect, Packet, ProtocolVersion, QoS, ReasonCode};

/// Transport work for the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Open a transport to the broker; then call [`Session::handle_connected`], or
    /// [`Session::handle_closed`] if it fails.
    Connect,
    /// Close the transport (everything to send has been handed out by `poll_transmit`);
    /// then call [`Session::handle_closed`].
    Close,
}

/// Where the session's link to the broker stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// No connection and none being made (before `connect`, after `disconnect`, or after a
    /// loss without automatic reconnect).
    Disconnected,
    /// Waiting for the transport or the CONNACK.
    Connecting,
    /// CONNACK accepted.
    Connected,
    /// Closing the connection.
    Disconnecting,
    /// Waiting out the backoff before reconnecting.
    WaitingToReconnect,
}

pub(crate) use crate::connection::{Connection, Link};

/// The client side of an MQTT session, as a sans-IO state machine: see the crate docs for the
/// driving contract.
///
/// Methods come in four kinds (after quinn-proto):
/// - getters (`&self`): [`state`](Self::state), [`protocol_version`](Self::protocol_version),
///   [`capabilities`](Self::capabilities), [`inflight`](Self::inflight), ...
/// - inputs from the transport and the clock, named `handle_*`, each carrying `now`;
/// - commands from the application: [`connect`](Self::connect), [`publish`](Self::publish),
///   [`subscribe`](Self::subscribe), [`unsubscribe`](Self::unsubscribe), [`ack`](Self::ack),
///   [`disconnect`](Self::disconnect); local misuse returns an [`Error`](crate::Error) at once;
/// - outputs, named `poll_*`, drained after every input or command until each returns
///   nothing: [`poll_event`](Self::poll_event), [`poll_transmit`](Self::poll_transmit),
///   [`poll_action`](Self::poll_action) (and, with a persistence journal, `poll_store`
///   before `poll_transmit`: see [`persist`](crate::persist)); then sleep until
///   [`poll_timeout`](Self::poll_timeout) or new input.
#[derive(Debug)]
pub struct Session {
    pub(crate) config: Config,
    /// The latest `now` any input carried.
    pub(crate) now: Instant,
    /// The link to the broker: its state, version, keep-alive, backoff, what the server said.
    pub(crate) conn: Connection,
    /// The session's identity and history with the server: Client Identifier, Clean Start.
    pub(crate) resume: crate::resume::Resumption,
    /// The outgoing side: publish queue, in-flight store, pending requests, transmit bytes.
    pub(crate) out: Outbound,
    /// The incoming side: QoS 2 receipts, manual acks, the message being handed out.
    pub(crate) inb: Inbound,
    /// What the session is subscribed to (resubscribed after a lost session).
    pub(crate) subscriptions: crate::subscriptions::Subscriptions,
    /// Events for `poll_event`.
    pub(crate) events: VecDeque<Event<'static>>,
}

impl Session {
    /// A session that will connect with `config` once [`Session::connect`] is called.
    pub fn new(config: Config) -> Self {
        Self {
            now: Instant::ZERO,
            conn: Connection::new(&config),
            resume: crate::resume::Resumption::new(&config),
            out: Outbound::new(config.tx_buffer_size, usize::from(config.max_inflight)),
            inb: Inbound::new(),
            subscriptions: crate::subscriptions::Subscriptions::default(),
            events: VecDeque::new(),
            config,
        }
    }

    // ----- getters -----

    /// Where the link stands.
    pub fn state(&self) -> State {
        match self.conn.link {
            Link::Idle => State::Disconnected,
            Link::Opening | Link::AwaitConnAck { .. } => State::Connecting,
            Link::Connected => State::Connected,
            Link::Closing { .. } => State::Disconnecting,
            Link::Backoff { .. } => State::WaitingToReconnect,
        }
    }

    /// The protocol version in use (changes if falling back from 5.0 to 3.1.1).
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.conn.version
    }

    /// What the server announced in its last CONNACK (defaults before the first one).
    pub fn capabilities(&self) -> &ServerCapabilities {
        &self.conn.caps
    }

    /// Outgoing QoS 1/2 publishes sent and not yet completed.
    pub fn inflight(&self) -> usize {
        self.out.inflight.len()
    }

    /// Publishes waiting to be sent (offline, or behind the flow-control window).
    pub fn queued(&self) -> usize {
        self.out.queue.len()
    }

    /// The client identifier in use (the server-assigned one once assigned).
    pub fn client_id(&self) -> &str {
        self.resume.client_id()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- inputs -----

    // Out of line: every input and command starts with it.
    #[inline(never)]
    pub(crate) fn tick(&mut self, now: Instant) {
        // Time never goes backwards for the session.
        if now > self.now {
            self.now = now;
        }
    }

    /// The transport asked for by [`Action::Connect`] is open: CONNECT is queued.
    pub fn handle_connected(&mut self, now: Instant) {
        self.tick(now);
        if !matches!(self.conn.link, Link::Opening) {
            return;
        }
        self.forget_connection();
        self.conn.keep_alive.restart(self.now);
        self.send_connect();
        self.conn.link = Link::AwaitConnAck { deadline: self.now + self.config.connect_timeout };
    }

    /// The receive buffer to drive this session with, sized by
    /// [`Config::max_packet_size`]: its capacity bounds what the session buffers. Create it
    /// once, beside the session, and pass it to every call that takes one.
    pub fn new_recv_buffer(&self) -> RecvBuffer {
        let size = self
            .config
            .receive_buffer_size
            .map_or(self.config.max_packet_size, |n| n.min(self.config.max_packet_size));
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        RecvBuffer::new(size.clamp(16, 256 * 1024 * 1024))
    }

    /// Where to read incoming bytes into, never empty; then call [`Session::handle_recv`].
    ///
    /// `None` while the buffer is full of bytes not yet processed: drain
    /// [`Session::poll_event`] first. If it is still `None` after `poll_event` returned `None`,
    /// the session is holding back (its transmit buffer is full, or in
    /// [`AckMode::Manual`](crate::AckMode::Manual) the acks owed reached Receive Maximum):
    /// do not read, wait until the transport takes bytes or the application acks.
    pub fn recv_buf<'r>(&mut self, rx: &'r mut RecvBuffer) -> Option<&'r mut [u8]> {
        self.sync(rx);
        Some(rx.bytes.writable()).filter(|b| !b.is_empty())
    }

    /// `n` bytes were read into [`Session::recv_buf`].
    pub fn handle_recv(&mut self, now: Instant, rx: &mut RecvBuffer, n: usize) {
        self.tick(now);
        self.sync(rx);
        if n > 0 {
            self.conn.keep_alive.received(self.now);
            rx.bytes.commit(n);
        }
    }

    /// Copy received bytes in (for drivers whose bytes already live elsewhere, e.g. TLS
    /// plaintext). Returns how many were taken; the rest must be offered again after draining
    /// [`Session::poll_event`].
    pub fn handle_data(&mut self, now: Instant, rx: &mut RecvBuffer, data: &[u8]) -> usize {
        self.tick(now);
        let Some(buf) = self.recv_buf(rx) else { return 0 };
        let n = buf.len().min(data.len());
        buf[..n].copy_from_slice(&data[..n]);
        self.handle_recv(self.now, rx, n);
        n
    }

    /// The transport closed, failed, or could not be opened, for `cause` (after
    /// [`Action::Close`], pass [`TransportError::ClosedByClient`]). The cause reaches the
    /// application in [`Event::Disconnected`]`(`[`DisconnectReason::Transport`]`)`, unless
    /// the session was already closing for a reason of its own (a protocol violation, a
    /// timeout, a refusal, `disconnect`), which is reported instead.
    pub fn handle_closed(&mut self, now: Instant, cause: TransportError) {
        self.tick(now);
        let reason = match core::mem::replace(&mut self.conn.link, Link::Idle) {
            Link::Idle => return,
            Link::Backoff { until } => {
                self.conn.link = Link::Backoff { until };
                return;
            }
            Link::Closing { reason, .. } => reason,
            Link::Opening | Link::AwaitConnAck { .. } | Link::Connected => DisconnectReason::Transport(cause),
        };
        self.connection_ended(reason);
    }

    /// Time passed: keep-alive, CONNACK and PINGRESP deadlines, reconnect backoff. Calling
    /// it early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        let now = self.now;
        match self.conn.link {
            Link::Backoff { until } if now >= until => self.conn.open(),
            Link::AwaitConnAck { deadline } if now >= deadline => {
                self.close(DisconnectReason::ConnectTimeout, None);
            }
            Link::Connected => self.keep_alive_tick(),
            Link::Closing { close_emitted: false, deadline, .. } if now >= deadline => {
                // The transport does not take our last bytes: drop them and close.
                self.out.connection_lost(&mut self.events);
            }
            _ => {}
        }
    }

    fn keep_alive_tick(&mut self) {
        match self.conn.keep_alive.tick(self.now, self.ping_timeout()) {
            Due::Nothing => {}
            Due::Ping => {
                self.out.push_packet(&Packet::PingReq, self.conn.version);
            }
            Due::TimedOut => self.close(DisconnectReason::KeepAliveTimeout, None),
        }
    }

    /// How long to wait for PINGRESP: never longer than the keep-alive, since nothing else is
    /// sent meanwhile and the interval between packets must not exceed it [MQTT-3.1.2-23].
    pub(crate) fn ping_timeout(&self) -> Duration {
        let interval = self.conn.keep_alive.interval();
        self.config.ping_timeout.unwrap_or(interval / 2).min(interval)
    }

    // ----- outputs -----

    /// The next event, if any. A [`Message`] borrows `rx` (not the session) until the next
    /// call: while handling it the application may call any command, e.g. publish a reply to
    /// its topic. Incoming packets are processed here, when the application pulls them; acks
    /// for messages are queued as they are pulled ([`AckMode::Auto`](crate::AckMode::Auto)).
    pub fn poll_event<'r>(&mut self, rx: &'r mut RecvBuffer) -> Option<Event<'r>> {
        self.sync(rx);
        if let Some(d) = self.inb.ready.take() {
            return message_event(d, rx, self.conn.version);
        }
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        match self.process_incoming(rx) {
            Some(delivery) => message_event(delivery, rx, self.conn.version),
            None => self.events.pop_front(),
        }
    }

    /// Give back the memory of what is empty now (the event queue, the transmit buffer), for
    /// drivers of many idle connections: call it before waiting, with
    /// [`RecvBuffer::release`]. What is needed again is taken again, so a busy connection
    /// gains nothing from it.
    pub fn release_idle_memory(&mut self) {
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
        self.out.release_idle_memory();
    }

    /// Whether [`Session::poll_event`] has something to return without processing input.
    pub fn has_event(&self) -> bool {
        self.inb.ready.is_some() || !self.events.is_empty()
    }

    /// Process buffered input until an event is ready; `true` means the next
    /// [`Session::poll_event`] returns `Some`.
    ///
    /// For drivers that return the borrowed event from a loop (`if s.prepare_event(rx) {
    /// return s.poll_event(rx) }`), which today's borrow checker refuses to write with
    /// `poll_event` alone. A message made ready here stays ready, even across a connection
    /// loss, until `poll_event` hands it out; events are handed out in the order they would
    /// have been.
    pub fn prepare_event(&mut self, rx: &mut RecvBuffer) -> bool {
        self.sync(rx);
        if self.inb.ready.is_some() || !self.events.is_empty() {
            return true;
        }
        self.inb.ready = self.process_incoming(rx);
        self.inb.ready.is_some() || !self.events.is_empty()
    }

    /// Copy bytes to send into `buf`, many packets coalesced; returns how many (0: nothing to
    /// send). Call until it returns 0.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> usize {
        self.tick(now);
        self.pump();
        let n = self.out.take(buf, &mut self.events);
        if n > 0 {
            self.conn.keep_alive.sent(self.now);
        }
        n
    }

    /// Transport work: open or close the connection.
    pub fn poll_action(&mut self) -> Option<Action> {
        if self.conn.take_connect() {
            return Some(Action::Connect);
        }
        if let Link::Closing { close_emitted: ref mut emitted @ false, .. } = self.conn.link
            && self.out.tx_pending() == 0
        {
            *emitted = true;
            return Some(Action::Close);
        }
        None
    }

    /// The next instant at which [`Session::handle_timeout`] must be called, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.conn.link {
            Link::Backoff { until } => Some(until),
            Link::AwaitConnAck { deadline } => Some(deadline),
            Link::Closing { close_emitted: false, deadline, .. } => Some(deadline),
            Link::Connected => self.conn.keep_alive.deadline(),
            _ => None,
        }
    }

    // ----- shared internals -----

    pub(crate) fn next_token(&mut self) -> crate::Token {
        self.out.next_token()
    }

    /// End the connection for `reason`: v5 DISCONNECT with `reason_code` when given, then
    /// [`Action::Close`] once it is written. A code a client may not send in DISCONNECT (say,
    /// an authenticator's 0x8C) goes out as 0x80 Unspecified error [MQTT-3.14.2-1].
    pub(crate) fn close(&mut self, reason: DisconnectReason, reason_code: Option<ReasonCode>) {
        if matches!(self.conn.link, Link::Idle | Link::Backoff { .. } | Link::Closing { .. }) {
            return;
        }
        if let Some(code) = reason_code
            && self.conn.version.is_v5()
            && matches!(self.conn.link, Link::Connected | Link::AwaitConnAck { .. })
        {
            let code = if crate::commands::client_disconnect_reason(code) {
                code
            } else {
                ReasonCode::UnspecifiedError
            };
            self.out.push_packet(&Packet::Disconnect(Disconnect::new(code)), self.conn.version);
        }
        self.enter_closing(reason);
    }

    /// Start closing: `Action::Close` once everything queued is written, or at the latest
    /// after `connect_timeout` (a peer that stops reading cannot hold the session open).
    pub(crate) fn enter_closing(&mut self, reason: DisconnectReason) {
        self.conn.link =
            Link::Closing { reason, close_emitted: false, deadline: self.now + self.config.connect_timeout };
    }

    /// The peer broke the protocol.
    pub(crate) fn violation(&mut self, v: Violation) {
        self.close(DisconnectReason::Protocol(v), Some(v.reason_code()));
    }

    /// The transport is gone: report, reset per-connection state, maybe schedule a reconnect.
    fn connection_ended(&mut self, reason: DisconnectReason) {
        self.forget_connection();
        if self.resume.take_fallback() {
            self.conn.open();
            return;
        }
        let reconnect = !matches!(reason, DisconnectReason::ByClient);
        self.events.push_back(Event::Disconnected(reason));
        self.conn.link = match (&mut self.conn.backoff, reconnect) {
            (Some(b), true) => Link::Backoff { until: self.now + b.next_delay() },
            _ => Link::Idle,
        };
    }

    /// Move queued traffic into the transmit buffer as the link, the window and the buffer allow.
    pub(crate) fn pump(&mut self) {
        if !matches!(self.conn.link, Link::Connected) {
            return;
        }
        let window = self.window();
        self.out.pump_resend(self.conn.version, window, self.conn.caps.maximum_packet_size, &mut self.events);
        if self.out.resending() {
            return;
        }
        self.pump_queue();
    }

    /// The effective outgoing window: ours, capped by the server's Receive Maximum.
    pub(crate) fn window(&self) -> usize {
        usize::from(self.config.max_inflight.min(self.conn.caps.receive_maximum).max(1))
    }

    /// Whether the server accepts `qos`.
    pub(crate) fn max_qos(&self) -> QoS {
        self.conn.caps.maximum_qos
    }

    /// Drop what belonged to the connection just opened or ended: received bytes (when the
    /// receive buffer is next used) and aliases, unsent bytes (failing the QoS 0 messages
    /// among them), the ping deadline. A message made ready by `prepare_event` stays (its frame
    /// at the front of the receive buffer, an aliased topic beside it).
    #[inline(never)]
    fn forget_connection(&mut self) {
        #[cfg(feature = "streaming")]
        self.abort_stream();
        self.out.aliases.clear();
        self.inb.connection_lost();
        self.conn.next_epoch();
        self.out.connection_lost(&mut self.events);
        self.conn.keep_alive.stop();
    }

    /// Before the receive buffer is used: drop the frame of the message handed out last, and
    /// the bytes of an earlier connection (all but a message made ready and not handed out).
    fn sync(&self, rx: &mut RecvBuffer) {
        rx.finish_message();
        if rx.epoch != self.conn.epoch() {
            rx.epoch = self.conn.epoch();
            rx.bytes.truncate(self.inb.ready.as_ref().map_or(0, |d| d.len));
        }
    }
}

/// The event of the message `d` at the front of `rx`.
fn message_event(
    d: crate::incoming::ReadyMessage,
    rx: &mut RecvBuffer,
    version: ProtocolVersion,
) -> Option<Event<'_>> {
    rx.pending_consume = d.len;
    let rx = &*rx;
    let frame = rx.bytes.data().get(..d.len)?;
    // Without the `streaming` feature every message is whole: the rest folds away.
    let payload_len = match d.kind {
        crate::incoming::ReadyKind::Whole => None,
        #[cfg(feature = "streaming")]
        crate::incoming::ReadyKind::Head { payload_len } => Some(payload_len),
        #[cfg(feature = "streaming")]
        crate::incoming::ReadyKind::Chunk => return Some(Event::MessageChunk(frame)),
    };
    let p = match payload_len {
        None => crate::incoming::decode_publish(frame, version)?,
        #[cfg(feature = "streaming")]
        Some(_) => crate::incoming::decode_head(frame, version)?,
        #[cfg(not(feature = "streaming"))]
        Some(_) => return None,
    };
    let topic = if d.aliased {
        rx.alias_topic.as_str()
    } else {
        core::str::from_utf8(frame.get(d.topic)?).unwrap_or_default()
    };
    let message = Message {
        topic,
        payload: frame.get(frame.len() - p.payload.len()..).unwrap_or_default(),
        qos: p.qos(),
        retain: p.retain,
        dup: p.dup,
        packet_id: p.delivery.packet_id(),
        properties: p.properties,
        ack_token: d.ack_token,
    };
    Some(match payload_len {
        None => Event::Message(message),
        Some(payload_len) => Event::MessageStart { message, payload_len },
    })
}
