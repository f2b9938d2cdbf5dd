//! Publishing a payload the application does not hold whole: the PUBLISH head goes out, then
//! the payload as the application writes it, in pieces of any size, with backpressure from the
//! transmit buffer. While the payload is being written no other packet can go out (packets
//! never interleave): acks, PINGREQ and queued publishes wait behind it, so write it promptly.
//!
//! A QoS 1 / 2 publish that must be sent again after a reconnect (no PUBACK / PUBREC came)
//! needs its payload again: the session sends the head (DUP = 1, the same packet id) and asks
//! for the payload with [`Event::ResendPayload`](crate::Event::ResendPayload); the application
//! writes it again from the start. After PUBREC only PUBREL is resent; no payload is needed.
//!
//! A payload that cannot be written whole (its source failed) is given up with
//! `abort_payload`; the connection must then be closed, so that no wrong packet is completed.

use crate::Outgoing;
use crate::error::Error;
use crate::event::{Event, Token};
use crate::outbound::{Flow, Inflight, Outbound};
use crate::session::{Link, Session};
use crate::time::Instant;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use sansmqtt_proto::{EncodedPublish, PacketId, QoS};

/// The streamed PUBLISH whose payload is being written.
#[derive(Debug)]
pub(crate) struct OutStream {
    pub(crate) token: Token,
    /// Payload bytes still to write.
    pub(crate) remaining: usize,
    /// QoS 0: completes once written (fails if the connection is lost first).
    pub(crate) qos0: bool,
    /// A resend: the PUBLISH went out whole on an earlier connection, as far as the session
    /// knows, so the server may hold its packet id.
    pub(crate) resend: bool,
}

impl Session {
    /// Publish `msg` (its `payload` is not used) with a payload of `payload_len` bytes that
    /// the application then writes with [`Session::write_payload`]. Only while connected, with
    /// nothing queued ahead of it, the flow-control window open and no other streamed payload
    /// being written: otherwise [`Error::NotConnected`], [`Error::QueueFull`] (try again after
    /// `Event::Published`) or [`Error::InvalidState`]. Not with a persistence journal on (a
    /// payload the session does not hold cannot be stored): [`Error::InvalidState`].
    ///
    /// Completes as [`Session::publish`] does (`Event::Published` with the returned token).
    pub fn publish_streamed(
        &mut self,
        now: Instant,
        msg: &Outgoing<'_>,
        payload_len: usize,
    ) -> Result<Token, Error> {
        self.tick(now);
        if !matches!(self.conn.link, Link::Connected) {
            return Err(Error::NotConnected);
        }
        if self.out.tx.holding() || self.out.journal.is_on() {
            return Err(Error::InvalidState);
        }
        // The id is taken now (nothing reserves it until the flow is stored), so that the head
        // is encoded once as it goes out; a QoS 0 publish (asked for, or lowered to by the
        // server's limits) carries none.
        let id = match msg.qos {
            QoS::AtMostOnce => PacketId::new(1),
            _ => self.out.allocate_id(),
        };
        let mut publish = self.outgoing_publish(msg, id.ok_or(Error::NoPacketId)?)?;
        let qos = publish.qos();
        if self.out.queue.len() > 0
            || self.out.resending()
            || (qos != QoS::AtMostOnce && !self.out.has_flow_room(self.window(), self.config.max_inflight))
        {
            return Err(Error::QueueFull);
        }
        let mut head = Vec::new();
        let head_len = publish.encode_head_to_vec(self.conn.version, payload_len, &mut head)?;
        let size = head_len.saturating_add(payload_len);
        if let Some(max) = self.conn.caps.maximum_packet_size
            && size > max as usize
        {
            return Err(Error::PacketTooLarge { size, max });
        }
        let token = self.next_token();
        if let Some(id) = publish.packet_id() {
            // What a resend sends: the same head with DUP = 1 [MQTT-3.3.1-1].
            publish.dup = true;
            let mut resend = Vec::new();
            publish.encode_head_to_vec(self.conn.version, payload_len, &mut resend)?;
            let flow = if qos == QoS::AtLeastOnce { Flow::AwaitPubAck } else { Flow::AwaitPubRec };
            let mut f = Inflight::new(token, flow, EncodedPublish::default());
            f.streamed = Some((resend, payload_len));
            self.out.inflight.push(id.get(), f);
            self.out.count(id.get());
        }
        self.out.start_stream(
            &head,
            OutStream { token, remaining: payload_len, qos0: qos == QoS::AtMostOnce, resend: false },
        );
        Ok(token)
    }

    /// Write the next piece of the streamed payload: returns how many of `data`'s bytes were
    /// taken (0 when the transmit buffer is full: hand out bytes with `poll_transmit` first,
    /// or when no streamed payload is being written). Bytes beyond the payload's length are
    /// not taken.
    pub fn write_payload(&mut self, now: Instant, data: &[u8]) -> usize {
        self.tick(now);
        self.out.write_stream(data)
    }

    /// Payload bytes still to write for the streamed publish being sent, if any.
    pub fn payload_remaining(&self) -> Option<usize> {
        self.out.stream_out.as_ref().map(|s| s.remaining)
    }

    /// Give up the streamed payload being written (its source failed, or yields more or
    /// fewer bytes than announced): the PUBLISH cannot be completed, so the connection must
    /// end before any further byte is written. The session sees to that: what it had not
    /// handed out yet is dropped (QoS 0 publishes among it fail with `ConnectionLost`), it
    /// hands out no more bytes, and `poll_action` asks for [`Action::Close`](crate::Action::Close)
    /// (the connection ends with [`DisconnectReason::PayloadAborted`](crate::DisconnectReason::PayloadAborted)).
    /// Close the transport at once, writing nothing more (bytes already taken from
    /// `poll_transmit` but not written are dropped too), and call [`Session::handle_closed`];
    /// the broker then never receives the packet. The publish is forgotten: no event reports
    /// it and a QoS 1 / 2 one is not sent again. Its packet id is free again, except after
    /// the abort of a *resend*: its first sending may have reached the server (which, at QoS
    /// 2, then holds the id until a PUBREL that will never come), so the id is not used again
    /// until the server's session ends (a CONNACK without the session). Its token, if a
    /// payload was being written.
    pub fn abort_payload(&mut self, now: Instant) -> Option<Token> {
        self.tick(now);
        let stream = self.out.stream_out.take()?;
        let inflight = &self.out.inflight;
        let id = inflight
            .ids()
            .iter()
            .copied()
            .find(|&id| inflight.get(id).is_some_and(|f| f.token == stream.token));
        if let Some(id) = id {
            // A PUBLISH sent whole on an earlier connection and never acknowledged: its id is
            // not "currently unused" [MQTT-2.2.1-3] (at QoS 2 the server may hold it until a
            // PUBREL that will never come), so it is not used again in this session.
            let unacknowledged = stream.resend;
            self.out.finish(id);
            if unacknowledged {
                self.out.retire_id(id);
            }
        }
        self.out.connection_lost(&mut self.events);
        self.enter_closing(crate::DisconnectReason::PayloadAborted);
        Some(stream.token)
    }
}

impl Outbound {
    /// Send `head`, then hold every other packet until the payload is written.
    pub(crate) fn start_stream(&mut self, head: &[u8], stream: OutStream) {
        self.tx.append_now(head);
        self.tx.hold();
        self.stream_out = Some(stream);
        if self.stream_out.as_ref().is_some_and(|s| s.remaining == 0) {
            self.end_stream();
        }
    }

    /// Take what fits of `data` into the payload being written.
    pub(crate) fn write_stream(&mut self, data: &[u8]) -> usize {
        let room = self.tx_room();
        let Some(stream) = self.stream_out.as_mut() else { return 0 };
        let n = data.len().min(stream.remaining).min(room);
        stream.remaining -= n;
        if let Some(piece) = data.get(..n) {
            self.tx.append_now(piece);
        }
        if stream.remaining == 0 {
            self.end_stream();
        }
        n
    }

    /// The payload is written: what was held goes out; a QoS 0 publish completes once written.
    fn end_stream(&mut self) {
        self.tx.release_held();
        if let Some(s) = self.stream_out.take()
            && s.qos0
        {
            self.track_qos0(s.token);
        }
    }

    /// Resend streamed flow `id` (after a reconnect): its head, then the payload the
    /// application writes again when asked. Whether `id` was a streamed flow.
    pub(crate) fn resend_streamed(&mut self, id: u16, events: &mut VecDeque<Event<'static>>) -> bool {
        let Some(f) = self.inflight.get_mut(id) else { return false };
        let Some((head, payload_len)) = f.streamed.take() else { return false };
        let token = f.token;
        self.count(id);
        self.start_stream(&head, OutStream { token, remaining: payload_len, qos0: false, resend: true });
        if let Some(f) = self.inflight.get_mut(id) {
            f.streamed = Some((head, payload_len));
        }
        events.push_back(Event::ResendPayload { token, payload_len });
        true
    }
}
