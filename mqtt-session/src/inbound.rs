//! Incoming traffic: incoming QoS 2 state, the ordered ack queue and the topic alias table
//! (the received bytes are in the driver's [`RecvBuffer`](crate::RecvBuffer)).

use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::{PacketId, ReasonCode};

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
    /// QoS 2 packet ids received (PUBREC owed or sent), waiting for PUBREL: a PUBLISH with one
    /// of these ids is a duplicate and is not delivered again [MQTT-4.3.3-10 area].
    pub(crate) qos2: Vec<u16>,
    /// The ids of `qos2` received on an earlier network connection. They do not count toward
    /// this connection's Receive Maximum: the server's send quota is reset on each new
    /// connection [MQTT-4.9.0], while their PUBRELs are still to come.
    pub(crate) qos2_earlier: Vec<u16>,
    /// The ids of `qos2` whose PUBREC went out: the part a store keeps (in manual-ack mode an
    /// id is in `qos2` from its arrival, but durable only once the application acked it).
    pub(crate) qos2_acked: Vec<u16>,
    /// Acks owed, in arrival order (a vector: a queue at most Receive Maximum long, and in
    /// automatic ack mode almost always empty; smaller code than a `VecDeque`).
    pub(crate) acks: Vec<PendingAck>,
    next_seq: u64,
    /// Incoming topic aliases of this connection (index = alias - 1).
    pub(crate) aliases: Vec<Option<String>>,
}

impl Inbound {
    pub(crate) fn new() -> Self {
        Self {
            qos2: Vec::new(),
            qos2_earlier: Vec::new(),
            qos2_acked: Vec::new(),
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
        remove_id(&mut self.qos2_acked, id);
        remove_id(&mut self.qos2, id)
    }

    /// The server lost the session: no QoS 2 flow survives.
    pub(crate) fn clear_qos2(&mut self) {
        self.qos2.clear();
        self.qos2_earlier.clear();
        self.qos2_acked.clear();
    }

    /// A new network connection: aliases belong to the old one [MQTT-3.3.2-7] (its unprocessed
    /// bytes are dropped from the receive buffer when the session next touches it). Acks not
    /// sent are owed no more: the server resends the messages.
    pub(crate) fn connection_lost(&mut self) {
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
