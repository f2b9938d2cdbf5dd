//! Receiving a PUBLISH larger than the receive buffer: its head is handed out
//! (`Event::MessageStart`), then its payload in pieces as it arrives (`Event::MessageChunk`),
//! then `Event::MessageEnd`. The ack (PUBACK / PUBREC) is owed only at the end — in manual-ack
//! mode only once the application acks — so a message cut short by a lost connection is
//! resent by the server; the application then sees `Event::MessageAborted` and the message
//! again, whole, after the reconnect. `max_packet_size` still bounds what is accepted.

use crate::error::Violation;
use crate::event::Event;
use crate::inbound::AckKind;
use crate::incoming::{ReadyKind, ReadyMessage, Step};
use crate::recv::RecvBuffer;
use crate::session::Session;
use sansmqtt_proto::{FixedHeader, PacketId, Publish, Status};

/// The PUBLISH being streamed in.
#[derive(Debug)]
pub(crate) struct InStream {
    /// Payload bytes still to come.
    pub(crate) remaining: usize,
    /// The ack it needs at the end.
    pub(crate) ack: Option<(PacketId, AckKind)>,
    /// A QoS 2 message already received: its payload is skipped, then acknowledged again.
    pub(crate) duplicate: bool,
}

impl Session {
    /// A PUBLISH larger than the receive buffer begins: once its head is in the buffer, check
    /// it as any PUBLISH and hand the head out.
    pub(crate) fn start_stream(&mut self, header: FixedHeader, rx: &mut RecvBuffer) -> Step {
        let capacity = rx.capacity();
        let RecvBuffer { bytes, alias_topic, .. } = rx;
        let data = bytes.data();
        let head = match Publish::decode_head(data, header, self.conn.version) {
            Ok(Status::Complete(h)) => h,
            Ok(Status::Incomplete { .. }) if data.len() < capacity => {
                self.conn.keep_alive.input_drained();
                return Step::Stop;
            }
            Ok(Status::Incomplete { .. }) => {
                // Topic and properties alone fill the buffer: this message cannot be taken.
                let size = header.packet_len();
                let max = u32::try_from(capacity).unwrap_or(u32::MAX);
                self.violation(Violation::Decode(sansmqtt_proto::DecodeError::PacketTooLarge { size, max }));
                return Step::Stop;
            }
            Err(e) => {
                self.violation(Violation::Decode(e));
                return Step::Stop;
            }
        };
        let admitted = match self.admit_publish(&head.publish, alias_topic) {
            Ok(a) => a,
            Err(step) => return step,
        };
        let topic_start = usize::from(header.header_len) + 2;
        let topic = topic_start..topic_start + head.publish.topic.as_utf8().as_bytes().len();
        self.inb.stream =
            Some(InStream { remaining: head.payload_len, ack: admitted.ack, duplicate: admitted.duplicate });
        if admitted.duplicate {
            bytes.consume(head.head_len);
            return Step::Consumed;
        }
        Step::Deliver(ReadyMessage {
            kind: ReadyKind::Head { payload_len: head.payload_len },
            len: head.head_len,
            aliased: admitted.aliased,
            topic,
            ack_token: None,
        })
    }

    /// The next piece of the payload being streamed, or its end.
    pub(crate) fn next_chunk(&mut self, rx: &mut RecvBuffer) -> Step {
        let Some(stream) = self.inb.stream.as_mut() else { return Step::Stop };
        if stream.remaining == 0 {
            let Some(stream) = self.inb.stream.take() else { return Step::Stop };
            let ack_token = match stream.ack {
                Some((id, kind)) if stream.duplicate => {
                    self.owe_ack(id, kind, true);
                    return Step::Consumed;
                }
                Some((id, kind)) => self.owe_message_ack(id, kind),
                None => None,
            };
            self.events.push_back(Event::MessageEnd { ack_token });
            return Step::Consumed;
        }
        let available = rx.bytes.data().len();
        if available == 0 {
            self.conn.keep_alive.input_drained();
            return Step::Stop;
        }
        let n = available.min(stream.remaining);
        stream.remaining -= n;
        if stream.duplicate {
            rx.bytes.consume(n);
            return Step::Consumed;
        }
        Step::Deliver(ReadyMessage {
            kind: ReadyKind::Chunk,
            len: n,
            aliased: false,
            topic: 0..0,
            ack_token: None,
        })
    }

    /// The connection ended in the middle of a streamed message: the application is told
    /// that what it received of it is not a message (the server sends it again).
    pub(crate) fn abort_stream(&mut self) {
        if let Some(s) = self.inb.stream.take()
            && !s.duplicate
        {
            self.events.push_back(Event::MessageAborted);
        }
    }
}
