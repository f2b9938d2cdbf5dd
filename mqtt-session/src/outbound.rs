//! Outgoing traffic: the queue of publishes not yet sent, the in-flight store of QoS 1/2
//! flows, pending SUBSCRIBE / UNSUBSCRIBE requests, packet identifiers, and the transmit buffer.
//!
//! Publishes are encoded once, when the application calls `publish`, with DUP = 0, no topic
//! alias and a placeholder packet id, into an [`EncodedPublish`]; the id (and the remaining v5
//! Message Expiry) are set through it when the message leaves the queue. The in-flight copy,
//! given DUP = 1 once sent, is what a reconnect resends. Only the codec touches the encoded
//! bytes.

use crate::event::publish_failed;
use crate::event::{Event, PublishFailure, Token};
use crate::idmap::IdMap;
use crate::queue::PublishQueue;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use sansmqtt_proto::{Ack, EncodedPublish, Packet, PacketId, PacketType, ProtocolVersion, ReasonCode};

/// Where a QoS 1/2 flow stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub(crate) enum Flow {
    /// QoS 1 sent, waiting for PUBACK.
    AwaitPubAck,
    /// QoS 2 sent, waiting for PUBREC.
    AwaitPubRec,
    /// PUBREL sent, waiting for PUBCOMP. The PUBLISH is never sent again [MQTT-4.3.3-3].
    AwaitPubComp,
}

/// One unacknowledged outgoing QoS 1/2 publish.
#[derive(Debug)]
pub(crate) struct Inflight {
    pub(crate) token: Token,
    pub(crate) flow: Flow,
    /// The encoded PUBLISH with its packet id, as a resend sends it: DUP = 1 (it was sent).
    /// Empty for a streamed publish (see `streamed`).
    pub(crate) bytes: EncodedPublish,
    /// A streamed publish: its head as a resend sends it (DUP = 1), and its payload's length
    /// (the application writes the payload again).
    #[cfg(feature = "streaming")]
    pub(crate) streamed: Option<(Vec<u8>, usize)>,
    /// Its PUBLISH was sent on the current connection: it uses one unit of the server's
    /// send quota (Receive Maximum) until PUBACK / PUBCOMP [MQTT-4.9.0-1/2].
    pub(crate) counted: bool,
}

impl Inflight {
    /// A flow just started (or read back from a store), not yet counted on this connection.
    pub(crate) fn new(token: Token, flow: Flow, bytes: EncodedPublish) -> Self {
        Self {
            token,
            flow,
            bytes,
            counted: false,
            #[cfg(feature = "streaming")]
            streamed: None,
        }
    }
}

/// A SUBSCRIBE or UNSUBSCRIBE waiting for its ack.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) token: Token,
    pub(crate) subscribe: bool,
    pub(crate) count: usize,
    pub(crate) bytes: Vec<u8>,
    /// SUBSCRIBE only: the filters, remembered once granted.
    pub(crate) filters: Vec<crate::subscriptions::Remembered>,
    /// SUBSCRIBE only: its Subscription Identifier.
    pub(crate) sub_id: Option<sansmqtt_proto::SubscriptionId>,
    /// SUBSCRIBE only: made by the session to restore remembered subscriptions on a server
    /// that lost the session, not by the application.
    pub(crate) restore: bool,
    /// v5 User Properties of the request (kept to encode a SUBSCRIBE again).
    pub(crate) user_properties: Vec<(alloc::string::String, alloc::string::String)>,
}

impl Request {
    /// The event that completes this request with `reasons` (one per filter).
    /// (Borrowing: the caller drops the request, and no second drop of it is compiled here.)
    pub(crate) fn completion(&mut self, reasons: Vec<ReasonCode>) -> Event<'static> {
        if self.restore {
            let mut filters = Vec::new();
            for (i, f) in self.filters.iter_mut().enumerate() {
                let reason = reasons.get(i).copied().unwrap_or(ReasonCode::UnspecifiedError);
                filters.push((core::mem::take(&mut f.filter), reason));
            }
            Event::Resubscribed { filters }
        } else if self.subscribe {
            Event::Subscribed { token: self.token, reasons }
        } else {
            Event::Unsubscribed { token: self.token, reasons }
        }
    }
}

/// The outgoing side of the session.
#[derive(Debug)]
pub(crate) struct Outbound {
    pub(crate) queue: PublishQueue,
    pub(crate) inflight: IdMap<Inflight>,
    pub(crate) requests: IdMap<Request>,
    /// Flows to resend after a reconnect, in original order.
    resend: Vec<u16>,
    next_id: u16,
    pub(crate) tx: Tx,
    /// QoS 0 publishes in `tx`, in order, with where they end (a vector: completed ones
    /// leave from the front in batches, by `remove_front`).
    qos0_pending: Vec<(u64, Token)>,
    tx_soft_limit: usize,
    /// QoS 1/2 PUBLISH packets sent on this connection and not yet completed: the part of
    /// the server's Receive Maximum in use. Reset with every connection.
    quota_used: usize,
    /// Emptied publish buffers, reused by the next publishes so that a steady stream
    /// allocates nothing per message.
    spare: Spare,
    /// Sequence number of the next queued publish (names it in the store's records).
    next_seq: u32,
    /// The last token handed out (tokens are never reused).
    last_token: u64,
    /// Outgoing topic aliases of this connection.
    pub(crate) aliases: crate::alias::OutAliases,
    /// Records for the driver's store, and the fence that keeps packets behind them.
    pub(crate) journal: crate::persist::Journal,
    /// The streamed PUBLISH whose payload is being written, if any.
    #[cfg(feature = "streaming")]
    pub(crate) stream_out: Option<crate::stream_out::OutStream>,
    /// Packet ids of unacknowledged flows given up by the application (`Session::abort_payload`
    /// of a resend; at QoS 2 the server may hold them): not used again until the server's
    /// session ends. At most one per abort of a resend.
    #[cfg(feature = "streaming")]
    retired: Vec<u16>,
}

impl Outbound {
    /// `tx_soft_limit` also bounds the bytes of spare buffers kept, and `max_spare` their
    /// number.
    pub(crate) fn new(tx_soft_limit: usize, max_spare: usize) -> Self {
        Self {
            queue: PublishQueue::default(),
            inflight: IdMap::default(),
            requests: IdMap::default(),
            resend: Vec::new(),
            next_id: 0,
            tx: Tx::default(),
            qos0_pending: Vec::new(),
            tx_soft_limit,
            quota_used: 0,
            spare: Spare { buffers: Vec::new(), bytes: 0, max_buffers: max_spare, max_bytes: tx_soft_limit },
            next_seq: 0,
            last_token: 0,
            aliases: crate::alias::OutAliases::default(),
            journal: crate::persist::Journal::default(),
            #[cfg(feature = "streaming")]
            stream_out: None,
            #[cfg(feature = "streaming")]
            retired: Vec::new(),
        }
    }

    /// An empty buffer with room for `size` bytes: a spare one if there is one.
    pub(crate) fn buffer(&mut self, size: usize) -> Vec<u8> {
        let spare = &mut self.spare;
        match spare.buffers.pop() {
            Some(mut b) => {
                spare.bytes -= b.capacity();
                b.reserve(size);
                b
            }
            None => Vec::with_capacity(size),
        }
    }

    /// Keep an emptied buffer for `buffer`, within the bounds; otherwise free it.
    pub(crate) fn recycle(&mut self, mut b: Vec<u8>) {
        let spare = &mut self.spare;
        let cap = b.capacity();
        if cap > 0 && spare.buffers.len() < spare.max_buffers && spare.bytes + cap <= spare.max_bytes {
            b.clear();
            spare.bytes += cap;
            spare.buffers.push(b);
        }
    }

    /// A flow read back from a store (its id is in no store yet).
    #[cfg(feature = "persistence")]
    pub(crate) fn restore_flow(&mut self, id: u16, flow: Inflight) {
        self.inflight.push(id, flow);
    }

    /// After a restore: go on numbering after the last packet id and queue sequence used.
    #[cfg(feature = "persistence")]
    pub(crate) fn restore_counters(&mut self, last_id: u16, last_seq: u32) {
        self.next_id = last_id;
        self.next_seq = last_seq;
    }

    /// A new token for a publish or a request.
    pub(crate) fn next_token(&mut self) -> Token {
        self.last_token += 1;
        Token(self.last_token)
    }

    /// Give back the transmit buffer's storage when it is empty (see
    /// [`Session::release_idle_memory`](crate::Session::release_idle_memory)).
    pub(crate) fn release_idle_memory(&mut self) {
        self.tx.release();
    }

    /// A sequence number for a publish entering the queue.
    pub(crate) fn next_seq(&mut self) -> u32 {
        self.next_seq = self.next_seq.wrapping_add(1);
        self.next_seq
    }

    /// Journal a change (see [`crate::persist`]): packets appended after it wait for it.
    #[inline]
    pub(crate) fn record(&mut self, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
        self.journal.record(self.tx.appended, tag, body);
    }

    /// Journal a change naming a packet id.
    #[inline]
    pub(crate) fn record_id(&mut self, tag: u8, id: u16) {
        self.record(tag, |o| o.extend_from_slice(&id.to_be_bytes()));
    }

    /// Journal a change naming a queued publish.
    #[inline]
    pub(crate) fn record_seq(&mut self, tag: u8, seq: u32) {
        self.record(tag, |o| o.extend_from_slice(&seq.to_be_bytes()));
    }

    /// A packet identifier not used by any in-flight publish or pending request
    /// [MQTT-2.2.1-3]. The server's identifiers are a separate space.
    pub(crate) fn allocate_id(&mut self) -> Option<PacketId> {
        #[cfg(feature = "streaming")]
        let retired = self.retired.len();
        #[cfg(not(feature = "streaming"))]
        let retired = 0;
        if self.inflight.len() + self.requests.len() + retired >= usize::from(u16::MAX) {
            return None;
        }
        loop {
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id == 0 {
                continue;
            }
            #[cfg(feature = "streaming")]
            if self.retired.contains(&self.next_id) {
                continue;
            }
            if !self.inflight.contains_key(self.next_id) && !self.requests.contains_key(self.next_id) {
                return PacketId::new(self.next_id);
            }
        }
    }

    /// The server's session is gone, and with it any id it held: retired ids are free.
    pub(crate) fn server_session_gone(&mut self) {
        #[cfg(feature = "streaming")]
        self.retired.clear();
    }

    /// Keep `id` out of use until the server's session ends (see `retired`).
    #[cfg(feature = "streaming")]
    pub(crate) fn retire_id(&mut self, id: u16) {
        if !self.retired.contains(&id) {
            self.retired.push(id);
        }
    }

    /// Bytes waiting in the transmit buffer.
    pub(crate) fn tx_pending(&self) -> usize {
        self.tx.pending() + self.tx.held_len()
    }

    /// Whether `n` more bytes fit under the soft limit (a packet always fits an empty buffer).
    pub(crate) fn tx_has_room(&self, n: usize) -> bool {
        self.tx_pending() == 0 || self.tx_pending() + n <= self.tx_soft_limit
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) {
        self.tx.append(bytes);
    }

    /// Encode a PUBACK, PUBREC, PUBREL or PUBCOMP (`t`) without properties: one out-of-line
    /// builder for every ack the session sends.
    #[inline(never)]
    pub(crate) fn push_ack(
        &mut self,
        t: PacketType,
        id: PacketId,
        reason: ReasonCode,
        version: ProtocolVersion,
    ) {
        if reason == ReasonCode::Success {
            // Every version writes a successful ack without properties as the same four
            // bytes (5.0 omits the Reason Code and the Property Length [MQTT-3.4.2.1]): written
            // here directly, as the general encoder below would write them.
            let first = match t {
                PacketType::PubAck => 0x40,
                PacketType::PubRec => 0x50,
                PacketType::PubRel => 0x62,
                _ => 0x70,
            };
            let [hi, lo] = id.get().to_be_bytes();
            self.tx.append(&[first, 2, hi, lo]);
            return;
        }
        self.push_packet(&ack_packet(t, id, reason), version);
    }

    /// Encode a control packet straight into the transmit buffer; `false` if it did not
    /// encode (nothing was written).
    pub(crate) fn push_packet(&mut self, packet: &Packet<'_>, version: ProtocolVersion) -> bool {
        self.tx.push_packet(packet, version)
    }

    /// Move up to `buf.len()` pending bytes out; QoS 0 publishes fully written complete.
    pub(crate) fn take(&mut self, buf: &mut [u8], events: &mut VecDeque<Event<'static>>) -> usize {
        let t = &mut self.tx;
        let n = buf.len().min(t.pending()).min(self.journal.allowance(t.taken));
        if n == 0 {
            // Nothing taken: no QoS 0 publish can have been completed by it either.
            return 0;
        }
        if let (Some(to), Some(from)) = (buf.get_mut(..n), t.buf.get(t.start..t.start + n)) {
            to.copy_from_slice(from);
        }
        t.start += n;
        t.taken += n as u64;
        if t.start == t.buf.len() {
            t.buf.clear();
            t.start = 0;
        } else if t.start > t.buf.len() / 2 && t.start > 4096 {
            remove_front(&mut t.buf, t.start);
            t.start = 0;
        }
        let mut written = 0;
        while let Some(&(end, token)) = self.qos0_pending.get(written) {
            if end > self.tx.taken {
                break;
            }
            events.push_back(Event::Published { token, reason: ReasonCode::Success });
            written += 1;
        }
        remove_front(&mut self.qos0_pending, written);
        n
    }

    /// The connection ended: unsent bytes are dropped; unsent QoS 0 publishes fail.
    pub(crate) fn connection_lost(&mut self, events: &mut VecDeque<Event<'static>>) {
        #[cfg(feature = "streaming")]
        {
            self.tx.held = None;
            if let Some(s) = self.stream_out.take()
                && s.qos0
            {
                publish_failed(events, s.token, PublishFailure::ConnectionLost);
            }
        }
        self.tx.buf.clear();
        self.tx.start = 0;
        self.tx.taken = self.tx.appended;
        for &(_, token) in &self.qos0_pending {
            publish_failed(events, token, PublishFailure::ConnectionLost);
        }
        self.qos0_pending.clear();
        self.resend.clear();
    }

    /// After CONNACK with session present: resend every flow in its original order
    /// (PUBLISH with DUP = 1, or PUBREL once PUBREC was seen) [MQTT-4.4.0-1].
    pub(crate) fn schedule_resend(&mut self) {
        // The store is in the order the flows started.
        self.resend = self.inflight.ids().to_vec();
    }

    /// Resend what `schedule_resend` listed, in order, as far as the transmit buffer and the
    /// server's Receive Maximum (`window`) allow. PUBLISH packets go strictly in order
    /// [MQTT-4.6.0-1]; a PUBREL is not held back behind a PUBLISH that waits for the window
    /// [MQTT-3.3.4-8] (PUBRELs keep their own order [MQTT-4.6.0-4]). A PUBLISH larger than
    /// the server's Maximum Packet Size (`max`, which may have shrunk since it was first sent)
    /// cannot be sent [MQTT-3.2.2-15]: its flow ends with `PublishFailed(TooLarge)`.
    pub(crate) fn pump_resend(
        &mut self,
        version: ProtocolVersion,
        window: usize,
        max: Option<u32>,
        events: &mut VecDeque<Event<'static>>,
    ) {
        let mut i = 0;
        while let Some(&id) = self.resend.get(i) {
            #[cfg(feature = "streaming")]
            if self.tx.holding() {
                // A streamed payload is being written: everything else waits behind it.
                return;
            }
            let Some(flow) = self.inflight.get(id) else {
                self.resend.remove(i);
                continue;
            };
            let bytes = flow.bytes.as_bytes();
            #[cfg(feature = "streaming")]
            let size = flow.streamed.as_ref().map_or(bytes.len(), |(head, len)| head.len() + len);
            #[cfg(not(feature = "streaming"))]
            let size = bytes.len();
            #[cfg(feature = "streaming")]
            let streamed = flow.streamed.is_some();
            #[cfg(not(feature = "streaming"))]
            let streamed = false;
            match flow.flow {
                Flow::AwaitPubAck | Flow::AwaitPubRec if max.is_some_and(|m| size > m as usize) => {
                    if let Some(token) = self.finish(id) {
                        publish_failed(events, token, PublishFailure::TooLarge);
                    }
                }
                Flow::AwaitPubAck | Flow::AwaitPubRec => {
                    // A PUBLISH behind a waiting one waits too.
                    if i > 0 || !self.tx_has_room(bytes.len()) || self.quota_used >= window {
                        i += 1;
                        continue;
                    }
                    if streamed {
                        #[cfg(feature = "streaming")]
                        self.resend_streamed(id, events);
                    } else {
                        // Appended from the store in place (the transmit buffer is a field of
                        // its own); the stored copy has DUP = 1 since it was first sent
                        // [MQTT-3.3.1-1].
                        self.tx.append(bytes);
                        self.count(id);
                    }
                }
                Flow::AwaitPubComp => {
                    if let Some(pid) = PacketId::new(id) {
                        self.push_ack(PacketType::PubRel, pid, ReasonCode::Success, version);
                    }
                }
            }
            self.resend.remove(i);
        }
    }

    /// Flow `id` had its PUBLISH sent on this connection.
    pub(crate) fn count(&mut self, id: u16) {
        if let Some(f) = self.inflight.get_mut(id)
            && !f.counted
        {
            f.counted = true;
            self.quota_used += 1;
        }
    }

    /// Remove a finished (or abandoned) flow, giving back its quota and its buffer; its token.
    pub(crate) fn finish(&mut self, id: u16) -> Option<Token> {
        let f = self.inflight.remove(id)?;
        self.record_id(crate::persist::COMPLETED, id);
        if f.counted {
            self.quota_used -= 1;
        }
        self.recycle(f.bytes.into_vec());
        Some(f.token)
    }

    /// Whether a QoS 1/2 PUBLISH may be sent now: within the server's Receive Maximum on
    /// this connection (`window`), and within our own bound on the in-flight store (which
    /// may still hold flows of an earlier connection).
    pub(crate) fn has_flow_room(&self, window: usize, max_inflight: u16) -> bool {
        self.quota_used < window && self.inflight.len() < usize::from(max_inflight.max(1))
    }

    /// QoS 1/2 PUBLISH packets sent on this connection and not yet completed.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn quota_used(&self) -> usize {
        self.quota_used
    }

    /// Whether flows of an earlier connection are still waiting to be sent again.
    pub(crate) fn resending(&self) -> bool {
        !self.resend.is_empty()
    }

    /// Whether the bytes waiting in the transmit buffer exceed its soft limit (answers pile
    /// up there while the driver cannot write).
    pub(crate) fn tx_over_soft_limit(&self) -> bool {
        self.tx_pending() > self.tx_soft_limit
    }

    /// How many more bytes the transmit buffer takes before its soft limit (at least one
    /// when it is empty, so that a streamed payload always moves).
    #[cfg(feature = "streaming")]
    pub(crate) fn tx_room(&self) -> usize {
        let pending = self.tx.pending();
        if pending == 0 { self.tx_soft_limit.max(1) } else { self.tx_soft_limit.saturating_sub(pending) }
    }

    /// Take every in-flight flow out (the session they belonged to is gone); the quota
    /// they held is free.
    pub(crate) fn take_inflight(&mut self) -> Vec<Inflight> {
        self.quota_used = 0;
        self.server_session_gone();
        self.inflight.take_values()
    }

    /// A new connection: the server's send quota starts afresh.
    pub(crate) fn reset_quota(&mut self) {
        self.quota_used = 0;
        for f in self.inflight.values_mut() {
            f.counted = false;
        }
    }

    /// Record a QoS 0 publish written into `tx` (it completes once taken).
    pub(crate) fn track_qos0(&mut self, token: Token) {
        self.qos0_pending.push((self.tx.appended, token));
    }
}

/// Drop the first `n` entries of `v`, moving the rest to the front (one move per batch;
/// smaller code than a `VecDeque` or `drain`).
pub(crate) fn remove_front<T: Copy>(v: &mut Vec<T>, n: usize) {
    let n = n.min(v.len());
    v.copy_within(n.., 0);
    v.truncate(v.len() - n);
}

/// Emptied publish buffers kept for reuse: at most `max_buffers` of them and `max_bytes` of
/// capacity in all (both from the configuration, so what a peer does never grows them).
#[derive(Debug)]
struct Spare {
    buffers: Vec<Vec<u8>>,
    bytes: usize,
    max_buffers: usize,
    max_bytes: usize,
}

/// The transmit buffer: bytes not yet handed out by `take` from `start` on.
#[derive(Default)]
pub(crate) struct Tx {
    buf: Vec<u8>,
    start: usize,
    /// Bytes ever appended / taken, to know when a QoS 0 publish is written.
    appended: u64,
    taken: u64,
    /// While a streamed PUBLISH's payload is being written, every other packet waits here
    /// (packets never interleave); it follows the payload's last byte.
    #[cfg(feature = "streaming")]
    held: Option<Vec<u8>>,
}

/// Counts only: the bytes may hold a CONNECT with its password.
impl core::fmt::Debug for Tx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tx").field("pending", &self.pending()).field("taken", &self.taken).finish()
    }
}

impl Tx {
    /// Bytes waiting.
    pub(crate) fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Give the buffer's storage back when everything was taken and nothing is held.
    fn release(&mut self) {
        if self.start == self.buf.len() && self.held_len() == 0 {
            self.buf = Vec::new();
            self.start = 0;
        }
    }

    /// An empty buffer whose bytes were all taken starts over at the front.
    fn rewind(&mut self) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) {
        #[cfg(feature = "streaming")]
        if let Some(held) = self.held.as_mut() {
            held.extend_from_slice(bytes);
            return;
        }
        self.append_now(bytes);
    }

    /// Append to what goes out next, even while other packets are held.
    pub(crate) fn append_now(&mut self, bytes: &[u8]) {
        self.rewind();
        self.buf.extend_from_slice(bytes);
        self.appended += bytes.len() as u64;
    }

    /// Hold every packet appended from now on, until [`Tx::release_held`].
    #[cfg(feature = "streaming")]
    pub(crate) fn hold(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Whether packets are held (a streamed payload is being written).
    #[cfg(feature = "streaming")]
    pub(crate) fn holding(&self) -> bool {
        self.held.is_some()
    }

    /// Send what was held, after what is in the buffer.
    #[cfg(feature = "streaming")]
    pub(crate) fn release_held(&mut self) {
        if let Some(held) = self.held.take() {
            self.append_now(&held);
        }
    }

    /// Bytes held behind a streamed payload.
    fn held_len(&self) -> usize {
        #[cfg(feature = "streaming")]
        return self.held.as_ref().map_or(0, Vec::len);
        #[cfg(not(feature = "streaming"))]
        0
    }

    /// Encode a control packet straight into the buffer.
    fn push_packet(&mut self, packet: &Packet<'_>, version: ProtocolVersion) -> bool {
        #[cfg(feature = "streaming")]
        if let Some(held) = self.held.as_mut() {
            return packet.encode_to_vec_client(version, held).is_ok();
        }
        self.rewind();
        let before = self.buf.len();
        // Control packets built by the session always encode; a failure drops only that packet.
        let ok = packet.encode_to_vec_client(version, &mut self.buf).is_ok();
        // (The encoder leaves the buffer as it was on failure.)
        self.appended += (self.buf.len() - before) as u64;
        ok
    }
}

/// The ack `t` (PUBACK, PUBREC, PUBREL or PUBCOMP; any other type is taken as PUBCOMP) for
/// `id` with `reason` and no properties, as a packet for the general encoder.
#[inline]
fn ack_packet(t: PacketType, id: PacketId, reason: ReasonCode) -> Packet<'static> {
    let mut a = Ack::new(id);
    a.reason = reason;
    match t {
        PacketType::PubAck => Packet::PubAck(a),
        PacketType::PubRec => Packet::PubRec(a),
        PacketType::PubRel => Packet::PubRel(a),
        _ => Packet::PubComp(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ack_is_the_general_encoders_bytes_for_every_type_version_and_reason() {
        let types = [PacketType::PubAck, PacketType::PubRec, PacketType::PubRel, PacketType::PubComp];
        let versions = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];
        for v in versions {
            for t in types {
                for (id, code) in
                    [(1u16, 0u8), (0x1234, 0x10), (0xffff, 0x80), (7, 0x92), (9, 0x87), (3, 0x8d)]
                {
                    let id = PacketId::new(id).unwrap();
                    let reason = ReasonCode::from_u8(code).unwrap();
                    let mut out = Outbound::new(usize::MAX, 0);
                    out.push_ack(t, id, reason, v);
                    let p = ack_packet(t, id, reason);
                    // What the encoder refuses (a reason code before 5.0, or one not allowed
                    // in this packet) is not written either.
                    let mut want = Vec::new();
                    let _ = p.encode_to_vec_client(v, &mut want);
                    assert_eq!(out.tx.buf, want, "{t:?} {v:?} {reason:?}");
                    assert_eq!(out.tx.appended, want.len() as u64);
                }
            }
        }
    }
}
