//! The session's persistence API: start journaling, snapshot, hand out records, restore.

use super::RestoreError;
use super::format::{self, Reader, subscribed_body, write_header, write_record};
use crate::outbound::{Flow, Inflight};
use crate::queue::Queued;
use crate::subscriptions::Remembered;
use crate::{Config, Session, Token};
use alloc::vec::Vec;
use sansmqtt_proto::{EncodedPublish, ProtocolVersion, QoS, Status, SubscriptionId, SubscriptionOptions};

impl Session {
    /// Turn journaling on and write a snapshot of the state into `out` (appended): the
    /// store's first contents. From now on [`Session::poll_store`] hands out the records of
    /// every change, and `poll_transmit` waits for them (see [`persist`](crate::persist)).
    pub fn start_journal(&mut self, out: &mut Vec<u8>) {
        self.out.journal.start();
        // Incoming QoS 2 ids whose PUBREC already went out (no ack for them is pending) are
        // the ones to keep: tracked only while journaling, so found now.
        let pending: Vec<u16> = self.inb.acks.iter().map(|a| a.id.get()).collect();
        self.inb.qos2.mark_acked_except(&pending);
        self.snapshot(out);
    }

    /// Append the records of the changes since the last call to `out`, and let
    /// `poll_transmit` hand out the packets that waited for them. Make `out` durable before
    /// calling `poll_transmit` again. Whether anything was appended.
    pub fn poll_store(&mut self, out: &mut Vec<u8>) -> bool {
        self.out.journal.drain(out)
    }

    /// Whether records wait for [`Session::poll_store`] (`poll_transmit` hands out nothing
    /// beyond them until they are taken).
    pub fn has_store_records(&self) -> bool {
        self.out.journal.has_pending()
    }

    /// Append the whole state, as a store's compacted contents, to `out`: it replaces
    /// everything stored before (header and records). Records pending for
    /// [`Session::poll_store`] are already in it: take them with `poll_store` and drop them
    /// (appended after the snapshot they would describe some changes twice).
    pub fn snapshot(&self, out: &mut Vec<u8>) {
        write_header(out, self.conn.version.level(), self.resume.client_id());
        for q in self.out.queue.iter() {
            write_record(out, format::QUEUED, |o| {
                o.extend_from_slice(&q.seq.to_be_bytes());
                o.extend_from_slice(q.bytes.as_bytes());
            });
        }
        for (id, f) in self.out.inflight.iter() {
            let stage = match f.flow {
                Flow::AwaitPubAck => 1,
                Flow::AwaitPubRec => 2,
                Flow::AwaitPubComp => 3,
            };
            write_record(out, format::FLOW, |o| {
                o.extend_from_slice(&id.to_be_bytes());
                o.push(stage);
                o.extend_from_slice(f.bytes.as_bytes());
            });
        }
        // Sorted: the same set gives the same bytes, whatever order it was built in.
        let mut received = self.inb.qos2.acked().to_vec();
        sort_ids(&mut received);
        for id in received {
            write_record(out, format::RECEIVED, |o| o.extend_from_slice(&id.to_be_bytes()));
        }
        for r in self.subscriptions.iter() {
            write_record(out, format::SUBSCRIBED, |o| subscribed_body(o, r));
        }
    }

    /// A session rebuilt from a store's contents (a snapshot and the records appended after
    /// it), with journaling on, for `config` (whose client identifier, if not empty, and
    /// protocol version must be the stored ones). The next connection resumes the session
    /// (if `config` asks for a persistent session: Session Expiry Interval > 0 in 5.0, Clean
    /// Session 0 in 3.1.1) and resends what was in flight. Also returns the tokens of the
    /// restored publishes, in the order they go out: their completions carry these.
    pub fn restore(config: Config, state: &[u8]) -> Result<(Self, Vec<Token>), RestoreError> {
        let mut r = Reader { bytes: state };
        if r.take(4).map_err(|_| RestoreError::NotASession)? != format::MAGIC {
            return Err(RestoreError::NotASession);
        }
        let version = r.u8()?;
        if version != format::FORMAT {
            return Err(RestoreError::UnsupportedFormat(version));
        }
        let level = r.u8()?;
        let stored_id = r.str()?;
        if level != config.version.level() || !(config.client_id.is_empty() || config.client_id == stored_id)
        {
            return Err(RestoreError::Mismatch);
        }
        let mut s = Self::new(config);
        s.resume.set_client_id(stored_id);
        let mut state = Replay::default();
        while let Some((tag, body)) = r.record()? {
            state.apply(&mut s, tag, body)?;
        }
        Ok(state.install(s))
    }
}

/// Stored state as the records rebuild it.
#[derive(Default)]
struct Replay {
    /// Queued publishes (sequence number, bytes), in order.
    queue: Vec<(u32, EncodedPublish)>,
    /// Flows (id, stage, bytes), in the order they started.
    flows: Vec<(u16, Flow, EncodedPublish)>,
    received: Vec<u16>,
    /// Every queue sequence number seen: a batch of records stored twice (a store that
    /// retries a cancelled append) replays as once.
    seen: alloc::collections::BTreeSet<u32>,
    last_seq: u32,
    last_id: u16,
}

impl Replay {
    fn apply(&mut self, s: &mut Session, tag: u8, mut b: Reader<'_>) -> Result<(), RestoreError> {
        let v = s.conn.version;
        match tag {
            format::QUEUED | format::QUEUED_FRONT => {
                let seq = b.u32()?;
                let p = publish(b.bytes, v)?;
                if !self.seen.insert(seq) {
                    return Ok(());
                }
                self.last_seq = self.last_seq.max(seq);
                if tag == format::QUEUED {
                    self.queue.push((seq, p));
                } else {
                    self.queue.insert(0, (seq, p));
                }
            }
            format::SENT => {
                let (seq, id, flags, expiry) = (b.u32()?, b.u16()?, b.u8()?, b.u32()?);
                let Some(i) = self.queue.iter().position(|(s, _)| *s == seq) else {
                    // Sent already, by the same record stored twice; never queued: damaged.
                    return if self.seen.contains(&seq) { Ok(()) } else { Err(RestoreError::Corrupt) };
                };
                let (_, mut p) = self.queue.remove(i);
                let id_ = sansmqtt_proto::PacketId::new(id).ok_or(RestoreError::Corrupt)?;
                // As it went out: within the server's limits, with the expiry left then.
                let qos = QoS::from_u8((flags >> 1) & 0b11).ok_or(RestoreError::Corrupt)?;
                if qos > p.qos() || (flags & 1 == 1 && !p.retain()) {
                    return Err(RestoreError::Corrupt);
                }
                p.lower_qos(qos);
                if flags & 1 == 0 {
                    p.clear_retain();
                }
                if expiry != u32::MAX && !p.set_message_expiry_interval(expiry) {
                    return Err(RestoreError::Corrupt);
                }
                let flow = match p.qos() {
                    QoS::AtLeastOnce => Flow::AwaitPubAck,
                    QoS::ExactlyOnce => Flow::AwaitPubRec,
                    QoS::AtMostOnce => return Err(RestoreError::Corrupt),
                };
                p.set_packet_id(id_);
                p.set_dup(true);
                self.remove_flow(id);
                self.flows.push((id, flow, p));
                self.last_id = id;
            }
            format::UNQUEUED => {
                let seq = b.u32()?;
                self.queue.retain(|(s, _)| *s != seq);
            }
            format::RELEASED => {
                let id = b.u16()?;
                if let Some(f) = self.flows.iter_mut().find(|f| f.0 == id) {
                    f.1 = Flow::AwaitPubComp;
                    f.2 = EncodedPublish::default();
                }
            }
            format::COMPLETED => self.remove_flow(b.u16()?),
            format::FLOW => {
                let (id, stage) = (b.u16()?, b.u8()?);
                let (flow, p) = match stage {
                    1 | 2 => {
                        let p = publish(b.bytes, v)?;
                        let qos = if stage == 1 { QoS::AtLeastOnce } else { QoS::ExactlyOnce };
                        if p.qos() != qos || p.packet_id().map(|i| i.get()) != Some(id) {
                            return Err(RestoreError::Corrupt);
                        }
                        (if stage == 1 { Flow::AwaitPubAck } else { Flow::AwaitPubRec }, p)
                    }
                    3 => (Flow::AwaitPubComp, EncodedPublish::default()),
                    _ => return Err(RestoreError::Corrupt),
                };
                if id == 0 {
                    return Err(RestoreError::Corrupt);
                }
                self.remove_flow(id);
                self.flows.push((id, flow, p));
                self.last_id = id;
            }
            format::RECEIVED => {
                let id = b.u16()?;
                if id == 0 {
                    return Err(RestoreError::Corrupt);
                }
                if !self.received.contains(&id) {
                    self.received.push(id);
                }
            }
            format::RECEIVED_DONE => {
                let id = b.u16()?;
                self.received.retain(|&x| x != id);
            }
            format::SUBSCRIBED => {
                let sub_id = SubscriptionId::new(b.u32()?);
                let options = SubscriptionOptions::from_byte(b.u8()?).ok_or(RestoreError::Corrupt)?;
                let filter = b.str()?;
                sansmqtt_proto::TopicFilter::new(filter).map_err(|_| RestoreError::Corrupt)?;
                s.remember(Remembered { filter: filter.into(), options, sub_id, wanted: true });
            }
            format::UNSUBSCRIBED => {
                let filter = b.str()?;
                s.subscriptions.forget(filter);
            }
            format::CLIENT_ID => s.resume.set_client_id(b.str()?),
            other => return Err(RestoreError::UnknownRecord(other)),
        }
        Ok(())
    }

    fn remove_flow(&mut self, id: u16) {
        self.flows.retain(|f| f.0 != id);
    }

    /// Put the rebuilt state into `s`, journaling on; the tokens of the restored publishes.
    fn install(self, mut s: Session) -> (Session, Vec<Token>) {
        let mut tokens = Vec::new();
        for (id, flow, bytes) in self.flows {
            let token = s.next_token();
            tokens.push(token);
            s.out.restore_flow(id, Inflight::new(token, flow, bytes));
        }
        for (seq, bytes) in self.queue {
            let token = s.next_token();
            tokens.push(token);
            s.out.queue.push_back(Queued { token, bytes, expiry: None, seq });
        }
        s.out.restore_counters(self.last_id, self.last_seq);
        s.inb.qos2.restore(self.received);
        // A session the broker keeps: the next CONNECT resumes it.
        s.resume.set_established();
        s.out.journal.start();
        (s, tokens)
    }
}

/// Sort a short list of ids (at most Receive Maximum): an insertion sort, a few instructions
/// instead of the standard library's sort on a microcontroller.
fn sort_ids(ids: &mut [u16]) {
    for i in 1..ids.len() {
        let mut j = i;
        while j > 0 && ids[j - 1] > ids[j] {
            ids.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// A stored PUBLISH, checked by the client's decoder (the one the session links anyway) and
/// encoded again, so its layout is the encoder's own.
fn publish(bytes: &[u8], v: ProtocolVersion) -> Result<EncodedPublish, RestoreError> {
    match sansmqtt_proto::FixedHeader::parse(bytes) {
        Ok(Status::Complete(h)) if h.packet_len() == bytes.len() => {}
        _ => return Err(RestoreError::Corrupt),
    }
    let p = crate::incoming::decode_publish(bytes, v).ok_or(RestoreError::Corrupt)?;
    EncodedPublish::encode(&p, v, &mut Vec::new()).map_err(|_| RestoreError::Corrupt)
}
