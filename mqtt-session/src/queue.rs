//! The queue of publishes not yet sent (offline, or behind the flow-control window), with the
//! byte count its bounds are checked against. Its fields are private: every push and pop keeps
//! the count exact.

use crate::event::Token;
use crate::time::Instant;
use alloc::collections::VecDeque;
use sansmqtt_proto::EncodedPublish;

/// The v5 Message Expiry Interval of a queued PUBLISH, to send the time left.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expiry {
    pub(crate) secs: u32,
    pub(crate) queued_at: Instant,
}

/// An encoded PUBLISH waiting to be sent.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) token: Token,
    /// The packet (its QoS is the one it will be sent with).
    pub(crate) bytes: EncodedPublish,
    pub(crate) expiry: Option<Expiry>,
    /// Names it in the store's records (see [`crate::persist`]).
    pub(crate) seq: u32,
}

/// Queued publishes in the order they go out, and the bytes they hold.
#[derive(Debug, Default)]
pub(crate) struct PublishQueue {
    items: VecDeque<Queued>,
    bytes: usize,
    /// A publish was refused for want of room: announce room once there is enough.
    refused: bool,
}

impl PublishQueue {
    /// Messages queued.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Encoded bytes queued.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// The next to go out.
    pub(crate) fn front(&self) -> Option<&Queued> {
        self.items.front()
    }

    /// Queue `q` last.
    pub(crate) fn push_back(&mut self, q: Queued) {
        self.bytes += q.bytes.as_bytes().len();
        self.items.push_back(q);
    }

    /// Queue `q` first (put back, or re-queued ahead of later messages).
    pub(crate) fn push_front(&mut self, q: Queued) {
        self.bytes += q.bytes.as_bytes().len();
        self.items.push_front(q);
    }

    /// The queued messages, in order.
    #[cfg(feature = "persistence")]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.items.iter()
    }

    /// Take the next to go out.
    pub(crate) fn pop_front(&mut self) -> Option<Queued> {
        let q = self.items.pop_front()?;
        self.bytes -= q.bytes.as_bytes().len();
        Some(q)
    }

    /// Room left under `max_messages` and `max_bytes`: (messages, bytes).
    pub(crate) fn room(&self, max_messages: usize, max_bytes: usize) -> (usize, usize) {
        (max_messages.saturating_sub(self.items.len()), max_bytes.saturating_sub(self.bytes))
    }

    /// Whether one more message of `size` bytes exceeds the bounds (an empty queue takes any:
    /// whether a message larger than the byte bound may wait is the caller's decision).
    pub(crate) fn full_for(&self, size: usize, max_messages: usize, max_bytes: usize) -> bool {
        !self.items.is_empty() && (self.items.len() >= max_messages || self.bytes + size > max_bytes)
    }

    /// A publish was refused: the queue was full.
    pub(crate) fn note_refusal(&mut self) {
        self.refused = true;
    }

    /// Whether to announce room now (once per refusal): after a refusal, once the queue has
    /// drained to half of both bounds (hysteresis: a fast producer is woken once per batch).
    pub(crate) fn room_to_announce(&mut self, max_messages: usize, max_bytes: usize) -> bool {
        let announce = self.refused && self.items.len() <= max_messages / 2 && self.bytes <= max_bytes / 2;
        if announce {
            self.refused = false;
        }
        announce
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use sansmqtt_proto::{Bin, Delivery, ProtocolVersion, Publish, TopicName};

    fn queued(token: u64, payload: &[u8]) -> Queued {
        let mut p = Publish::new(TopicName::new("t").expect("topic"), payload);
        p.delivery = Delivery::AtMostOnce;
        p.payload = Bin::new(payload);
        let bytes = EncodedPublish::encode(&p, ProtocolVersion::V3_1_1, &mut Vec::new()).expect("encodes");
        Queued { token: Token(token), bytes, expiry: None, seq: 0 }
    }

    #[test]
    fn the_byte_count_follows_every_push_and_pop() {
        let mut q = PublishQueue::default();
        q.push_back(queued(1, b"abc")); // 2 + 3 + 2 + 1 = 8 bytes
        q.push_front(queued(2, b"abcdef"));
        assert_eq!((q.len(), q.bytes()), (2, 8 + 11));
        assert!(q.full_for(1, 2, 1000));
        assert!(q.full_for(2, 10, 20));
        assert!(!q.full_for(1, 10, 20));
        assert_eq!(q.room(10, 20), (8, 1));
        assert_eq!(q.pop_front().map(|q| q.token), Some(Token(2)));
        assert_eq!(q.bytes(), 8);
        assert!(!q.room_to_announce(2, 16), "nothing was refused");
        q.note_refusal();
        assert!(!q.room_to_announce(1, 16), "above half the message bound");
        assert!(q.room_to_announce(2, 16));
        assert!(!q.room_to_announce(2, 16), "announced once per refusal");
        assert_eq!(q.pop_front().map(|q| q.token), Some(Token(1)));
        assert_eq!((q.len(), q.bytes()), (0, 0));
        assert!(!q.full_for(usize::MAX, 0, 0), "an empty queue takes any message");
    }
}
