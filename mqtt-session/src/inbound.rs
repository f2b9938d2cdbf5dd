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
    /// Incoming QoS 2 flows awaiting PUBREL.
    pub(crate) qos2: Qos2Received,
    /// Acks owed, in arrival order (a vector: a queue at most Receive Maximum long, and in
    /// automatic ack mode almost always empty; smaller code than a `VecDeque`).
    pub(crate) acks: Vec<PendingAck>,
    next_seq: u64,
    /// The PUBLISH whose payload is being streamed, if any.
    #[cfg(feature = "streaming")]
    pub(crate) stream: Option<crate::stream_in::InStream>,
    /// Incoming topic aliases of this connection (index = alias - 1).
    pub(crate) aliases: Vec<Option<String>>,
    /// A message made ready by `Session::prepare_event`, handed out by the next `poll_event`.
    pub(crate) ready: Option<crate::incoming::ReadyMessage>,
}

impl Inbound {
    pub(crate) fn new() -> Self {
        Self {
            qos2: Qos2Received::default(),
            acks: Vec::new(),
            next_seq: 0,
            aliases: Vec::new(),
            ready: None,
            #[cfg(feature = "streaming")]
            stream: None,
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// QoS 1/2 messages received on this connection and not yet completely acknowledged
    /// (Receive Maximum count).
    pub(crate) fn unacked(&self) -> usize {
        #[cfg(feature = "streaming")]
        let streaming = self.stream.as_ref().is_some_and(|s| s.ack.is_some() && !s.duplicate);
        #[cfg(not(feature = "streaming"))]
        let streaming = false;
        self.acks.iter().filter(|a| a.kind == AckKind::PubAck).count()
            + self.qos2.this_connection()
            + usize::from(streaming)
    }

    /// A new network connection: aliases belong to the old one [MQTT-3.3.2-7] (its unprocessed
    /// bytes are dropped from the receive buffer when the session next touches it). Acks not
    /// sent are owed no more: the server resends the messages.
    pub(crate) fn connection_lost(&mut self) {
        self.aliases.clear();
        self.acks.clear();
        self.qos2.connection_lost();
    }
}

/// Incoming QoS 2 packet ids received (PUBREC owed or sent) and awaiting PUBREL: a PUBLISH
/// with one of these ids is a duplicate and is not delivered again [MQTT-4.3.3-10 area].
#[derive(Debug, Default)]
pub(crate) struct Qos2Received {
    ids: Vec<u16>,
    /// The ids received on an earlier network connection. They do not count toward this
    /// connection's Receive Maximum: the server's send quota is reset on each new connection
    /// [MQTT-4.9.0], while their PUBRELs are still to come.
    earlier: Vec<u16>,
    /// The ids whose PUBREC went out: the part a store keeps (in manual-ack mode an id is
    /// known from its arrival, but durable only once the application acked it).
    acked: Vec<u16>,
}

impl Qos2Received {
    /// Whether `id` awaits PUBREL.
    pub(crate) fn contains(&self, id: u16) -> bool {
        self.ids.contains(&id)
    }

    /// A new QoS 2 message `id` arrived.
    pub(crate) fn insert(&mut self, id: u16) {
        self.ids.push(id);
    }

    /// PUBREC went out for `id`; whether the store must now keep it (it awaits PUBREL and
    /// was not kept yet). The server may have released it already: then not.
    pub(crate) fn mark_acked(&mut self, id: u16) -> bool {
        let keep = self.ids.contains(&id) && !self.acked.contains(&id);
        if keep {
            self.acked.push(id);
        }
        keep
    }

    /// Every id but those in `pending` had its PUBREC sent (when journaling starts).
    #[cfg(feature = "persistence")]
    pub(crate) fn mark_acked_except(&mut self, pending: &[u16]) {
        for &id in &self.ids {
            if !pending.contains(&id) && !self.acked.contains(&id) {
                self.acked.push(id);
            }
        }
    }

    /// PUBREL for `id`: the flow is complete. Whether the id was known.
    pub(crate) fn release(&mut self, id: u16) -> bool {
        remove_id(&mut self.earlier, id);
        remove_id(&mut self.acked, id);
        remove_id(&mut self.ids, id)
    }

    /// The server lost the session: no flow survives.
    pub(crate) fn clear(&mut self) {
        self.ids.clear();
        self.earlier.clear();
        self.acked.clear();
    }

    /// The ids whose PUBREC went out (what a store keeps).
    pub(crate) fn acked(&self) -> &[u16] {
        &self.acked
    }

    /// Flows received on this connection.
    fn this_connection(&self) -> usize {
        self.ids.len() - self.earlier.len()
    }

    /// A new network connection: every flow so far is an earlier connection's.
    fn connection_lost(&mut self) {
        self.earlier.clone_from(&self.ids);
    }

    /// Flows read back from a store (their PUBRECs went out, on an earlier connection).
    #[cfg(feature = "persistence")]
    pub(crate) fn restore(&mut self, ids: Vec<u16>) {
        self.earlier.clone_from(&ids);
        self.acked.clone_from(&ids);
        self.ids = ids;
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
