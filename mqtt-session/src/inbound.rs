//! Incoming traffic: the receive buffer, incoming QoS 2 state, the ordered ack queue and
//! the topic alias table.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use sansmqtt_proto::{PacketId, ReasonCode};

/// Received bytes not yet processed. Its capacity, fixed at creation, bounds memory.
#[derive(Default)]
pub(crate) struct RxBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// Counts only: the bytes may hold a server's Authentication Data (and the capacity's worth of
/// zeros is no use to read).
impl core::fmt::Debug for RxBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RxBuf")
            .field("unprocessed", &self.data().len())
            .field("capacity", &self.buf.len())
            .finish()
    }
}

impl RxBuf {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { buf: vec![0; capacity], start: 0, end: 0 }
    }

    /// Free space to read into. Unprocessed bytes move to the front first when the tail is
    /// full, or when they are few (a partial packet left by the last read): then reads keep
    /// landing at the front and a steady stream touches only the first pages of a large
    /// buffer, instead of walking through all of it (resident memory) before wrapping.
    pub(crate) fn writable(&mut self) -> &mut [u8] {
        const CHEAP_MOVE: usize = 1024;
        if self.start > 0 && (self.end == self.buf.len() || self.end - self.start <= CHEAP_MOVE) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    /// `n` bytes were written into [`Self::writable`].
    pub(crate) fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Unprocessed bytes.
    pub(crate) fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    #[inline(never)]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Keep only the first `n` unprocessed bytes.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.end = self.start + n.min(self.end - self.start);
    }
}

/// Which acknowledgement a received message needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckKind {
    PubAck,
    PubRec,
}

/// An acknowledgement owed to the server, in arrival order [MQTT-4.6.0-2].
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingAck {
    pub(crate) seq: u64,
    pub(crate) id: PacketId,
    pub(crate) kind: AckKind,
    pub(crate) done: bool,
    /// Success, or the application's refusal (v5, [`Session::reject`](crate::Session::reject)).
    pub(crate) reason: ReasonCode,
}

/// The incoming side of the session.
#[derive(Debug)]
pub(crate) struct Inbound {
    pub(crate) rx: RxBuf,
    /// Bytes of the frame last returned as a `Message`, consumed at the next `poll_event`.
    pub(crate) pending_consume: usize,
    /// QoS 2 packet ids received (PUBREC owed or sent), waiting for PUBREL: a PUBLISH with one
    /// of these ids is a duplicate and is not delivered again [MQTT-4.3.3-10 area].
    pub(crate) qos2: Vec<u16>,
    /// The ids of `qos2` received on an earlier network connection. They do not count toward
    /// this connection's Receive Maximum: the server's send quota is reset on each new
    /// connection [MQTT-4.9.0], while their PUBRELs are still to come.
    pub(crate) qos2_earlier: Vec<u16>,
    /// Acks owed, in arrival order (a vector: a queue at most Receive Maximum long, and in
    /// automatic ack mode almost always empty; smaller code than a `VecDeque`).
    pub(crate) acks: Vec<PendingAck>,
    next_seq: u64,
    /// Incoming topic aliases of this connection (index = alias - 1).
    pub(crate) aliases: Vec<Option<String>>,
}

impl Inbound {
    pub(crate) fn new(rx_capacity: usize) -> Self {
        Self {
            rx: RxBuf::new(rx_capacity),
            pending_consume: 0,
            qos2: Vec::new(),
            qos2_earlier: Vec::new(),
            acks: Vec::new(),
            next_seq: 0,
            aliases: Vec::new(),
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// QoS 1/2 messages received on this connection and not yet completely acknowledged
    /// (Receive Maximum count).
    pub(crate) fn unacked(&self) -> usize {
        self.acks.iter().filter(|a| a.kind == AckKind::PubAck).count() + self.qos2.len()
            - self.qos2_earlier.len()
    }

    /// PUBREL for `id`: the QoS 2 flow is complete. Whether the id was known.
    pub(crate) fn release_qos2(&mut self, id: u16) -> bool {
        remove_id(&mut self.qos2_earlier, id);
        remove_id(&mut self.qos2, id)
    }

    /// The server lost the session: no QoS 2 flow survives.
    pub(crate) fn clear_qos2(&mut self) {
        self.qos2.clear();
        self.qos2_earlier.clear();
    }

    /// A new network connection: aliases and unprocessed bytes belong to the old one
    /// [MQTT-3.3.2-7]. Acks not sent are owed no more: the server resends the messages.
    pub(crate) fn connection_lost(&mut self, keep: usize) {
        self.rx.truncate(keep);
        self.pending_consume = 0;
        self.aliases.clear();
        self.acks.clear();
        self.qos2_earlier.clone_from(&self.qos2);
    }
}

/// Remove `id` from an unordered set of ids (bounded by Receive Maximum: a vector is smaller
/// code than a tree, and as fast at these sizes). Whether it was there.
fn remove_id(set: &mut Vec<u16>, id: u16) -> bool {
    match set.iter().position(|&x| x == id) {
        Some(i) => {
            set.swap_remove(i);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::RxBuf;

    /// A stream that always leaves a partial packet behind stays at the front of the buffer,
    /// and no byte is lost or reordered by the moves.
    #[test]
    fn a_steady_stream_stays_at_the_front_of_the_receive_buffer() {
        let mut rx = RxBuf::new(64 * 1024);
        let mut sent = 0u32;
        let mut seen = 0u32;
        for _ in 0..10_000 {
            let w = rx.writable();
            assert!(w.len() >= 63 * 1024, "free space {}", w.len());
            for b in w.iter_mut().take(100) {
                *b = sent as u8;
                sent += 1;
            }
            rx.commit(100);
            // Process all but a partial packet of 1 to 40 bytes.
            let keep = 1 + (sent as usize % 40);
            let n = rx.data().len() - keep.min(rx.data().len());
            for &b in &rx.data()[..n] {
                assert_eq!(b, seen as u8);
                seen += 1;
            }
            rx.consume(n);
            assert!(rx.end <= 2048, "the stream walked to {}", rx.end);
        }
        // A large unprocessed remainder is not moved until the tail is full.
        let mut rx = RxBuf::new(8 * 1024);
        rx.writable()[..4000].fill(7);
        rx.commit(4000);
        rx.consume(10);
        assert_eq!(rx.writable().len(), 8 * 1024 - 4000);
        assert_eq!(rx.data().len(), 3990);
    }
}
