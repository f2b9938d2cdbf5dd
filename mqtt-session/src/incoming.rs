//! Processing received packets (lazily, from `poll_event`).

use crate::error::{DisconnectReason, Violation};
use crate::event::publish_failed;
use crate::event::{AckToken, Event, PublishFailure, ServerCapabilities};
use crate::inbound::{AckKind, PendingAck};
use crate::outbound::Flow;
use crate::recv::RecvBuffer;
use crate::session::{Link, Session};
use crate::time::Duration;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::ops::Range;
use sansmqtt_proto::property::{AckProperties, ConnAckProperties};
use sansmqtt_proto::{
    ConnAck, DecodeError, Delivery, Disconnect, FixedHeader, Packet, PacketId, PacketType, ProtocolVersion,
    Publish, ReasonCode, ReasonCodes, Status,
};

/// What [`Session::admit_publish`] found about a received PUBLISH.
pub(crate) struct Admitted {
    /// The ack it needs (QoS 1 / 2).
    pub(crate) ack: Option<(PacketId, AckKind)>,
    /// A QoS 2 message already received: acknowledged again, not delivered.
    pub(crate) duplicate: bool,
    /// Its topic came from a topic alias (copied into the receive buffer's alias topic).
    pub(crate) aliased: bool,
}

/// What a [`ReadyMessage`] hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadyKind {
    /// A whole PUBLISH (`Event::Message`).
    Whole,
    /// The head of a PUBLISH whose payload is streamed (`Event::MessageStart`).
    #[cfg(feature = "streaming")]
    Head {
        /// Payload bytes to come.
        payload_len: usize,
    },
    /// Payload bytes of the message being streamed (`Event::MessageChunk`).
    #[cfg(feature = "streaming")]
    Chunk,
}

/// A message frame (or part of one) at the front of the receive buffer, ready to hand out.
#[derive(Debug)]
pub(crate) struct ReadyMessage {
    pub(crate) kind: ReadyKind,
    /// Its bytes at the front of the receive buffer.
    pub(crate) len: usize,
    /// The topic came from a topic alias: it is in [`RecvBuffer::alias_topic`].
    pub(crate) aliased: bool,
    /// Range of the topic inside the frame.
    pub(crate) topic: Range<usize>,
    pub(crate) ack_token: Option<AckToken>,
}

pub(crate) enum Step {
    Deliver(ReadyMessage),
    Consumed,
    Stop,
}

impl Session {
    /// Process complete frames until one is a message to deliver, an event is queued, or
    /// input runs out.
    pub(crate) fn process_incoming(&mut self, rx: &mut RecvBuffer) -> Option<ReadyMessage> {
        loop {
            if !matches!(self.conn.link, Link::AwaitConnAck { .. } | Link::Connected)
                || !self.events.is_empty()
            {
                return None;
            }
            // Answers (acks, PUBCOMP...) pile up in the transmit buffer while the driver cannot
            // write: stop reading until it drains, so a peer cannot grow it without bound.
            if self.out.tx_over_soft_limit() {
                return None;
            }
            match self.next_frame(rx) {
                Step::Deliver(d) => return Some(d),
                Step::Consumed => {}
                Step::Stop => return None,
            }
        }
    }

    fn next_frame(&mut self, rx: &mut RecvBuffer) -> Step {
        #[cfg(feature = "streaming")]
        if self.inb.stream.is_some() {
            return self.next_chunk(rx);
        }
        let capacity = rx.capacity();
        let RecvBuffer { bytes, alias_topic, .. } = rx;
        let data = bytes.data();
        let header = match FixedHeader::parse(data) {
            Ok(Status::Complete(h)) => h,
            Ok(Status::Incomplete { .. }) => {
                self.conn.keep_alive.input_drained();
                return Step::Stop;
            }
            Err(e) => {
                self.violation(Violation::Decode(e));
                return Step::Stop;
            }
        };
        // Checked from the header alone: the body is never buffered beyond our limit, nor
        // beyond the buffer (a PUBLISH larger than the buffer is streamed through it).
        let streams = cfg!(feature = "streaming") && header.packet_type == PacketType::Publish;
        let buffer_limit = if streams { u32::MAX } else { u32::try_from(capacity).unwrap_or(u32::MAX) };
        let limit = self.config.max_packet_size.min(buffer_limit);
        if let Err(e) = header.check_size(limit) {
            self.violation(Violation::Decode(e));
            return Step::Stop;
        }
        let len = header.packet_len();
        let streamed = len > capacity;
        if data.len() < len && !streamed {
            self.conn.keep_alive.input_drained();
            return Step::Stop;
        }
        // Manual acks: stop taking messages while the ack queue is full (backpressure).
        // (In 5.0 the server must respect our Receive Maximum; exceeding it is a violation.)
        if header.packet_type == PacketType::Publish
            && !self.conn.version.is_v5()
            && self.inb.acks.len() >= usize::from(self.config.receive_maximum.max(1))
        {
            return Step::Stop;
        }
        #[cfg(feature = "streaming")]
        if streamed {
            return self.start_stream(header, rx);
        }
        // The handlers read the packet where it lies, borrowed from the driver's buffer, while
        // they change the session.
        let step = match data.get(..len) {
            Some(frame) => self.on_frame(header, frame, alias_topic),
            None => Step::Stop,
        };
        if let Step::Consumed = step {
            bytes.consume(len);
        }
        step
    }

    /// Decode the complete frame and act on it. `Consumed`: drop the frame (every packet but
    /// a PUBLISH to deliver); `Stop`: the frame stays (a decoding error ended the connection).
    fn on_frame(&mut self, header: FixedHeader, frame: &[u8], alias_topic: &mut String) -> Step {
        let body = frame.get(usize::from(header.header_len)..).unwrap_or_default();
        if self.conn.version.is_v5()
            && header.packet_type == PacketType::ConnAck
            && matches!(self.conn.link, Link::AwaitConnAck { .. })
            && header.flags == 0
            && body == [0, 1]
        {
            // A 3.1.1 server answers a 5.0 CONNECT with return code 1 (unacceptable version).
            self.refused(ReasonCode::UnsupportedProtocolVersion);
            return Step::Consumed;
        }
        let packet = match Packet::decode_body_client(header, body, self.conn.version) {
            Ok(p) => p,
            Err(DecodeError::ClientOnlyPacket(t)) => {
                self.violation(Violation::UnexpectedPacket(t));
                return Step::Stop;
            }
            Err(e) => {
                self.violation(Violation::Decode(e));
                return Step::Stop;
            }
        };
        if self.conn.version.is_v5()
            && !self.config.request_problem_information
            && carries_problem_information(&packet)
        {
            self.violation(Violation::ProblemInformationNotRequested(packet.packet_type()));
            return Step::Stop;
        }
        let connected = matches!(self.conn.link, Link::Connected);
        // Matched by reference: no part of the (large) packet is moved.
        match &packet {
            Packet::Publish(p) => return self.on_publish(header, frame.len(), p, alias_topic),
            Packet::ConnAck(c) if !connected => self.on_connack(c),
            Packet::PubAck(a) if connected => self.on_puback(a.packet_id, a.reason),
            Packet::PubRec(a) if connected => self.on_pubrec(a.packet_id, a.reason),
            Packet::PubRel(a) if connected => self.on_pubrel(a.packet_id),
            Packet::PubComp(a) if connected => self.on_pubcomp(a.packet_id),
            Packet::SubAck(s) if connected => self.on_suback(s.packet_id, &s.reasons, true),
            Packet::UnsubAck(s) if connected => self.on_suback(s.packet_id, &s.reasons, false),
            Packet::PingResp if connected => self.conn.keep_alive.pong(),
            Packet::Disconnect(Disconnect { reason, properties, .. }) => {
                if !self.conn.version.is_v5() || properties.session_expiry_interval.is_some() {
                    // 3.1.1: DISCONNECT is client-to-server only. 5.0: the server must not send
                    // a Session Expiry Interval [MQTT-3.14.2-2].
                    self.violation(Violation::UnexpectedPacket(PacketType::Disconnect));
                } else {
                    let reason_string = owned_str(&properties.reason_string);
                    let server_reference = owned_str(&properties.server_reference);
                    self.close(
                        DisconnectReason::ByServer { reason: *reason, reason_string, server_reference },
                        None,
                    );
                }
            }
            Packet::Auth(a) => {
                let p = &a.properties;
                let method = p.authentication_method.as_ref().map(|m| m.as_str());
                self.on_auth(a.reason, method, p.authentication_data.as_ref().map(|d| d.as_bytes()));
            }
            other => self.violation(Violation::UnexpectedPacket(other.packet_type())),
        }
        Step::Consumed
    }

    fn on_publish(
        &mut self,
        header: FixedHeader,
        len: usize,
        p: &Publish<'_>,
        alias_topic: &mut String,
    ) -> Step {
        let admitted = match self.admit_publish(p, alias_topic) {
            Ok(a) => a,
            Err(step) => return step,
        };
        let mut ack_token = None;
        if let Some((id, kind)) = admitted.ack {
            if admitted.duplicate {
                // Already received: acknowledge again, never deliver twice.
                self.owe_ack(id, kind, true);
                return Step::Consumed;
            }
            ack_token = self.owe_message_ack(id, kind);
        }
        let topic_start = usize::from(header.header_len) + 2;
        Step::Deliver(ReadyMessage {
            kind: ReadyKind::Whole,
            len,
            aliased: admitted.aliased,
            topic: topic_start..topic_start + p.topic.as_utf8().as_bytes().len(),
            ack_token,
        })
    }

    /// The checks and bookkeeping every received PUBLISH goes through before its payload is
    /// handed out: the topic alias (an aliased topic is copied into `alias_topic`, beside the
    /// frame: the message then outlives the alias table, which goes with the connection), the
    /// ack it needs, whether it is a QoS 2 message already received, and the Receive Maximum.
    /// `Err`: the step to return (a violation ended the connection).
    pub(crate) fn admit_publish(
        &mut self,
        p: &Publish<'_>,
        alias_topic: &mut String,
    ) -> Result<Admitted, Step> {
        if !matches!(self.conn.link, Link::Connected) {
            self.violation(Violation::UnexpectedPacket(PacketType::Publish));
            return Err(Step::Stop);
        }
        // Topic alias (v5): set or use a mapping of this connection.
        let mut alias_index = None;
        if let Some(alias) = p.properties.topic_alias.map(|a| a.get()) {
            if alias > self.config.topic_alias_maximum {
                self.violation(Violation::TopicAliasOutOfRange(alias));
                return Err(Step::Stop);
            }
            let i = usize::from(alias) - 1;
            if !p.topic.is_empty() {
                // A push loop: smaller code than `resize`, which clones its fill value.
                while self.inb.aliases.len() <= i {
                    self.inb.aliases.push(None);
                }
                if let Some(slot) = self.inb.aliases.get_mut(i) {
                    *slot = Some(p.topic.as_str().to_string());
                }
            } else if self.inb.aliases.get(i).is_none_or(Option::is_none) {
                self.violation(Violation::UnknownTopicAlias(alias));
                return Err(Step::Stop);
            } else {
                alias_index = Some(i);
            }
        }
        let ack = match p.delivery {
            Delivery::AtMostOnce => None,
            Delivery::AtLeastOnce(id) => Some((id, AckKind::PubAck)),
            Delivery::ExactlyOnce(id) => Some((id, AckKind::PubRec)),
        };
        let duplicate = matches!(ack, Some((id, AckKind::PubRec)) if self.inb.qos2.contains(id.get()));
        if ack.is_some()
            && !duplicate
            && self.conn.version.is_v5()
            && self.inb.unacked() >= usize::from(self.config.receive_maximum.max(1))
        {
            self.violation(Violation::ReceiveMaximumExceeded);
            return Err(Step::Stop);
        }
        if let Some(t) = alias_index.and_then(|i| self.inb.aliases.get(i)).and_then(Option::as_deref) {
            alias_topic.clear();
            alias_topic.push_str(t);
        }
        Ok(Admitted { ack, duplicate, aliased: alias_index.is_some() })
    }

    /// A new message `id` is handed out: owe its ack (sent at once in automatic mode); in
    /// manual mode, the token to ack it with.
    pub(crate) fn owe_message_ack(&mut self, id: PacketId, kind: AckKind) -> Option<AckToken> {
        if kind == AckKind::PubRec {
            self.inb.qos2.insert(id.get());
        }
        let auto = self.config.ack_mode == crate::AckMode::Auto;
        let seq = self.owe_ack(id, kind, auto);
        (!auto).then_some(AckToken { seq, packet_id: id })
    }

    /// Queue an ack in arrival order; send every completed one at the front [MQTT-4.6.0-2].
    pub(crate) fn owe_ack(&mut self, id: PacketId, kind: AckKind, done: bool) -> u64 {
        let seq = self.inb.next_seq();
        self.inb.acks.push(PendingAck { seq, id, kind, done, reason: ReasonCode::Success });
        self.flush_acks();
        seq
    }

    /// Send the completed acks at the front of the queue. Only on an established connection:
    /// after a DISCONNECT nothing more is sent [MQTT-3.14.4-1] (5.0) / [MQTT-3.14.4-2] (3.1.1),
    /// and acks not sent are owed no more once the connection ends.
    pub(crate) fn flush_acks(&mut self) {
        if !matches!(self.conn.link, Link::Connected) {
            return;
        }
        let mut sent = 0;
        while let Some(a) = self.inb.acks.get(sent).filter(|a| a.done) {
            let t = match a.kind {
                AckKind::PubAck => PacketType::PubAck,
                AckKind::PubRec => PacketType::PubRec,
            };
            // Only for an id still awaiting PUBREL (the server may have released it already).
            if self.out.journal.is_on()
                && a.kind == AckKind::PubRec
                && !a.reason.is_error()
                && self.inb.qos2.mark_acked(a.id.get())
            {
                // Durable before the PUBREC goes out: a resend is then not delivered again.
                self.out.record_id(crate::persist::RECEIVED, a.id.get());
            }
            self.out.push_ack(t, a.id, a.reason, self.conn.version);
            sent += 1;
        }
        // The rest move to the front (the queue is short: at most Receive Maximum entries).
        crate::outbound::remove_front(&mut self.inb.acks, sent);
    }

    fn on_connack(&mut self, c: &ConnAck<'_>) {
        if c.reason.is_error() {
            self.refused(c.reason);
            return;
        }
        // [MQTT-3.2.2-2] (5.0) / [MQTT-3.2.2-1] (3.1.1): clean start means no session present.
        if c.session_present && self.resume.sent_clean_start() {
            self.violation(Violation::UnexpectedPacket(PacketType::ConnAck));
            return;
        }
        // 5.0 [MQTT-3.2.2-4]: a client without Session State closes the connection on Session
        // Present 1; it may start a new session, which the next attempt does.
        if c.session_present
            && self.conn.version.is_v5()
            && !self.resume.established()
            && !self.config.resume_stored_session
        {
            self.resume.force_clean_start();
            self.violation(Violation::SessionPresentWithoutState);
            return;
        }
        let p = &c.properties;
        if self.conn.version.is_v5()
            && !self.auth_connack(
                p.authentication_method.as_ref().map(|m| m.as_str()),
                p.authentication_data.as_ref().map(|d| d.as_bytes()),
            )
        {
            return;
        }
        let caps = capabilities(p);
        // An Assigned Client Identifier names the session only when CONNECT's identifier was
        // empty (3.2.2.3.7); sent for a non-empty one it means nothing, and the session the
        // server keeps is the one named in CONNECT: the configured identifier stays (the
        // property is still reported in the capabilities).
        if let Some(id) = &caps.assigned_client_identifier
            && self.resume.client_id().is_empty()
        {
            self.resume.set_client_id(id);
            self.out.record(crate::persist::CLIENT_ID, |o| crate::persist::put_str(o, id));
        }
        self.conn.keep_alive.set_interval(match caps.server_keep_alive {
            Some(s) => Duration::from_secs(u64::from(s)),
            None => self.config.keep_alive_sent(),
        });
        self.conn.caps = caps;
        if let Some(b) = &mut self.conn.backoff {
            b.reset();
        }
        // MQTT 3.1's CONNACK has no Session Present flag: a Clean Session 0 reconnect is taken
        // as resuming (the server keeps the session), so received QoS 2 ids stay known.
        let resumed = c.session_present
            || (self.conn.version == ProtocolVersion::V3_1 && !self.resume.sent_clean_start());
        self.out.reset_quota();
        if resumed {
            self.out.schedule_resend();
        } else if !self.conn.version.is_v5() && !self.resume.sent_clean_start() {
            // 3.1.1 [MQTT-4.4.0-1]: on a CleanSession 0 reconnect the client re-sends its
            // unacknowledged PUBLISH (DUP 1) and PUBREL packets with their original ids, whatever
            // Session Present says (5.0 adds "and a session is present"). The server lost its
            // half: its QoS 2 ids awaiting PUBREL and the subscriptions are gone, so those ids
            // start new messages and the subscriptions are made again.
            self.forget_received_qos2();
            self.out.server_session_gone();
            self.out.schedule_resend();
            self.restore_subscriptions();
        } else {
            // A re-subscription made here waits with the other requests.
            self.session_lost();
        }
        self.resume.set_established();
        self.conn.link = Link::Connected;
        self.events.push_back(Event::Connected {
            session_present: c.session_present,
            capabilities: self.conn.caps.clone(),
        });
        // Requests still waiting for their SUBACK / UNSUBACK go out first, in order.
        self.resend_requests();
        self.pump();
    }

    /// CONNACK said the session is new: nothing of the old one survives on the server.
    fn session_lost(&mut self) {
        self.forget_received_qos2();
        let resend_as_new = self.config.session_lost_policy == crate::SessionLostPolicy::ResendAsNew;
        // The policy re-queues the flows whose PUBLISH may not have arrived; the rest are
        // handed back (PUBREL sent: the server had the message and lost it with the session).
        // A streamed publish cannot wait in the queue (its payload is not held): handed back.
        let requeue = |f: &crate::outbound::Inflight| {
            #[cfg(feature = "streaming")]
            let held = f.streamed.is_none();
            #[cfg(not(feature = "streaming"))]
            let held = true;
            resend_as_new && f.flow != Flow::AwaitPubComp && held
        };
        if self.out.journal.is_on() {
            for id in self.out.inflight.ids().to_vec() {
                self.out.record_id(crate::persist::COMPLETED, id);
            }
        }
        let mut flows = self.out.take_inflight();
        let mut handed_back = Vec::new();
        for f in &flows {
            if !requeue(f) {
                handed_back.push(f.token);
            }
        }
        // Re-queue in original order, ahead of anything queued later, as far as the queue's
        // bounds allow; from the first that does not fit on, they are handed back instead.
        // (Plain loops over the vector and a pop loop: smaller code than iterator adapters.)
        let (mut room_msgs, mut room_bytes) =
            self.out.queue.room(self.config.max_queued_messages, self.config.max_queued_bytes);
        let (mut fits, mut candidates, mut full) = (0, 0, false);
        for f in &flows {
            if !requeue(f) {
                continue;
            }
            candidates += 1;
            if full || room_msgs == 0 || f.bytes.as_bytes().len() > room_bytes {
                full = true;
                handed_back.push(f.token);
                continue;
            }
            room_msgs -= 1;
            room_bytes -= f.bytes.as_bytes().len();
            fits += 1;
        }
        // Newest first, each pushed to the front: the queue gets them in original order.
        while let Some(f) = flows.pop() {
            if !requeue(&f) {
                continue;
            }
            candidates -= 1;
            if candidates >= fits {
                continue;
            }
            // A new message to the new session: DUP = 0 again.
            let mut bytes = f.bytes;
            bytes.set_dup(false);
            let seq = self.out.next_seq();
            self.out.record(crate::persist::QUEUED_FRONT, |o| {
                o.extend_from_slice(&seq.to_be_bytes());
                o.extend_from_slice(bytes.as_bytes());
            });
            self.out.queue.push_front(crate::queue::Queued { token: f.token, bytes, expiry: None, seq });
        }
        if !handed_back.is_empty() {
            self.events.push_back(Event::SessionLost { tokens: handed_back });
        }
        self.restore_subscriptions();
    }

    /// The server lost the session: make the remembered subscriptions again.
    fn restore_subscriptions(&mut self) {
        if self.resume.established()
            && self.config.resubscribe_on_session_lost
            && !self.subscriptions.is_empty()
        {
            // Sent (or refused, if this server lacks what it needs) by `resend_requests`.
            // Lent to the request, not cloned: sending it does not touch the list.
            let subs = self.subscriptions.lend();
            self.resubscribe(&subs);
            self.subscriptions.put_back(subs);
        }
    }

    fn refused(&mut self, reason: ReasonCode) {
        if reason == ReasonCode::UnsupportedProtocolVersion
            && self.conn.version == ProtocolVersion::V5
            && self.config.fallback_to_v3_1_1
        {
            // Retry at once with 3.1.1: close this transport and open a new one.
            self.conn.version = ProtocolVersion::V3_1_1;
            self.enter_closing(DisconnectReason::Refused(reason));
            self.resume.fall_back();
            return;
        }
        self.close(DisconnectReason::Refused(reason), None);
    }

    fn on_puback(&mut self, id: PacketId, reason: ReasonCode) {
        match self.out.inflight.get(id.get()) {
            Some(f) if f.flow == Flow::AwaitPubAck => {}
            // A stray PUBACK is ignored without dropping the connection.
            _ => return,
        }
        if let Some(token) = self.out.finish(id.get()) {
            self.complete(token, reason);
        }
    }

    fn on_pubrec(&mut self, id: PacketId, reason: ReasonCode) {
        let Some(f) = self.out.inflight.get_mut(id.get()) else {
            // Unknown id: v5 answers PUBREL "Packet Identifier not found", unless the PUBREC
            // carries an error: that ends the flow, and nothing follows it [MQTT-4.3.3-4 area].
            if self.conn.version.is_v5() && !reason.is_error() {
                let reason = ReasonCode::PacketIdentifierNotFound;
                self.out.push_ack(PacketType::PubRel, id, reason, self.conn.version);
            }
            return;
        };
        match f.flow {
            Flow::AwaitPubAck => {}
            _ if reason.is_error() => {
                // A PUBREC with an error ends the flow: no PUBREL.
                let token = f.token;
                self.out.finish(id.get());
                publish_failed(&mut self.events, token, PublishFailure::Rejected(reason));
                self.pump();
            }
            _ => {
                f.flow = Flow::AwaitPubComp;
                // The PUBLISH is never sent again [MQTT-4.3.3-3]: its buffer can serve another.
                let bytes = core::mem::take(&mut f.bytes);
                self.out.recycle(bytes.into_vec());
                // Durable before the PUBREL goes out: a restore then resends PUBREL, not PUBLISH.
                self.out.record_id(crate::persist::RELEASED, id.get());
                self.out.push_ack(PacketType::PubRel, id, ReasonCode::Success, self.conn.version);
            }
        }
    }

    /// The server lost its QoS 2 state: the ids awaiting PUBREL mean nothing any more.
    fn forget_received_qos2(&mut self) {
        if self.out.journal.is_on() {
            for id in self.inb.qos2.acked().to_vec() {
                self.out.record_id(crate::persist::RECEIVED_DONE, id);
            }
        }
        self.inb.qos2.clear();
    }

    fn on_pubrel(&mut self, id: PacketId) {
        let known = self.inb.qos2.release(id.get());
        if known {
            // Durable before the PUBCOMP goes out: a new message may then reuse the id.
            self.out.record_id(crate::persist::RECEIVED_DONE, id.get());
            self.events.push_back(Event::Released { packet_id: id });
        }
        let reason = if !known && self.conn.version.is_v5() {
            ReasonCode::PacketIdentifierNotFound
        } else {
            ReasonCode::Success
        };
        self.out.push_ack(PacketType::PubComp, id, reason, self.conn.version);
    }

    fn on_pubcomp(&mut self, id: PacketId) {
        if matches!(self.out.inflight.get(id.get()), Some(f) if f.flow == Flow::AwaitPubComp)
            && let Some(token) = self.out.finish(id.get())
        {
            self.complete(token, ReasonCode::Success);
        }
    }

    fn complete(&mut self, token: crate::Token, reason: ReasonCode) {
        if reason.is_error() {
            publish_failed(&mut self.events, token, PublishFailure::Rejected(reason));
        } else {
            self.events.push_back(Event::Published { token, reason });
        }
        self.pump();
    }

    fn on_suback(&mut self, id: PacketId, list: &ReasonCodes<'_>, subscribe: bool) {
        let Some(req) = self.out.requests.get(id.get()) else { return };
        if req.subscribe != subscribe {
            return;
        }
        let reasons = reasons_of(list);
        if (subscribe || self.conn.version.is_v5()) && reasons.len() != req.count {
            self.violation(Violation::AckCountMismatch);
            return;
        }
        let Some(mut req) = self.out.requests.remove(id.get()) else { return };
        // (`filters` is empty for an UNSUBSCRIBE.)
        for (f, r) in req.filters.iter().zip(&reasons) {
            if !r.is_error() && f.wanted {
                self.remember(f.clone());
            }
        }
        self.events.push_back(req.completion(reasons));
    }
}

/// An optional string property, owned: one out-of-line copy for every such property.
#[inline(never)]
fn owned_str(v: &Option<sansmqtt_proto::Utf8<'_>>) -> Option<String> {
    v.as_ref().map(|s| s.as_str().to_string())
}

/// The reason codes of a SUBACK or UNSUBACK, owned (a push loop: smaller firmware than
/// `collect` over an iterator without an exact length).
fn reasons_of(list: &sansmqtt_proto::ReasonCodes<'_>) -> Vec<ReasonCode> {
    let mut v = Vec::new();
    for r in list.iter() {
        v.push(r);
    }
    v
}

/// What the server announced in CONNACK, with the defaults for what it left out.
fn capabilities(p: &ConnAckProperties<'_>) -> ServerCapabilities {
    let s = owned_str;
    let d = ServerCapabilities::default();
    ServerCapabilities {
        receive_maximum: p.receive_maximum.map_or(d.receive_maximum, |v| v.get()),
        maximum_qos: p.maximum_qos.unwrap_or(d.maximum_qos),
        retain_available: p.retain_available.unwrap_or(true),
        maximum_packet_size: p.maximum_packet_size.map(|v| v.get()),
        topic_alias_maximum: p.topic_alias_maximum.unwrap_or(0),
        wildcard_subscription_available: p.wildcard_subscription_available.unwrap_or(true),
        subscription_identifiers_available: p.subscription_identifiers_available.unwrap_or(true),
        shared_subscription_available: p.shared_subscription_available.unwrap_or(true),
        server_keep_alive: p.server_keep_alive,
        assigned_client_identifier: s(&p.assigned_client_identifier),
        session_expiry_interval: p.session_expiry_interval,
        server_reference: s(&p.server_reference),
        response_information: s(&p.response_information),
        reason_string: s(&p.reason_string),
    }
}

/// The PUBLISH in a complete frame that was already accepted once (received, or encoded by
/// this session), decoded again for its borrowed view.
/// The head of the streamed PUBLISH whose head is `frame` (its payload is not in it).
#[cfg(feature = "streaming")]
pub(crate) fn decode_head(frame: &[u8], version: ProtocolVersion) -> Option<Publish<'_>> {
    let Ok(Status::Complete(h)) = FixedHeader::parse(frame) else { return None };
    match Publish::decode_head(frame, h, version) {
        Ok(Status::Complete(head)) => Some(head.publish),
        _ => None,
    }
}

pub(crate) fn decode_publish(frame: &[u8], version: ProtocolVersion) -> Option<Publish<'_>> {
    let Ok(Status::Complete(h)) = FixedHeader::parse(frame) else { return None };
    let body = frame.get(usize::from(h.header_len)..h.packet_len())?;
    match Packet::decode_body_client(h, body, version) {
        Ok(Packet::Publish(p)) => Some(p),
        _ => None,
    }
}

/// A Reason String or User Property on a packet other than PUBLISH, CONNACK and DISCONNECT:
/// what a server must not send after Request Problem Information 0 [MQTT-3.1.2-29].
fn carries_problem_information(packet: &Packet<'_>) -> bool {
    let ack = |p: &AckProperties<'_>| p.reason_string.is_some() || !p.user_properties.is_empty();
    match packet {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => ack(&a.properties),
        Packet::SubAck(a) => ack(&a.properties),
        Packet::UnsubAck(a) => ack(&a.properties),
        Packet::Auth(a) => a.properties.reason_string.is_some() || !a.properties.user_properties.is_empty(),
        _ => false,
    }
}
