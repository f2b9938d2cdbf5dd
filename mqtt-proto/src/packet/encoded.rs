//! An encoded PUBLISH that can be changed in place where a client changes it before (re)sending:
//! packet identifier, DUP, QoS, RETAIN and the remaining Message Expiry Interval.

use super::publish::Layout;
use crate::Publish;
use crate::codec::{CompactSink, Sink};
use crate::error::EncodeError;
use crate::frame::varint_len;
use crate::types::{PacketId, QoS};
use crate::version::ProtocolVersion;
use alloc::vec::Vec;

/// DUP, QoS and RETAIN in the first byte of a PUBLISH (§3.3.1).
const DUP: u8 = 0b1000;
const QOS: u8 = 0b0110;
const RETAIN: u8 = 0b0001;

/// A PUBLISH encoded once into an owned buffer, with the offsets its encoder wrote its parts
/// at, so that a session can set the packet identifier, DUP, QoS, RETAIN and the Message
/// Expiry Interval without parsing the bytes again.
///
/// Every method leaves a valid PUBLISH that decodes as the one encoded, with just that change.
/// The buffer is the caller's: [`EncodedPublish::encode`] takes its allocation and
/// [`EncodedPublish::into_vec`] gives it back, so a stream of messages can reuse buffers.
/// [`EncodedPublish::default`] holds no packet: its bytes are empty and the setters do nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedPublish {
    bytes: Vec<u8>,
    layout: Layout,
}

impl EncodedPublish {
    /// Encode `publish` for `version` into `buf`, which is cleared first (its capacity is
    /// reused). On success the buffer moves into the result and `buf` is left empty with no
    /// capacity; on error `buf` is left empty with its capacity.
    pub fn encode(
        publish: &Publish<'_>,
        version: ProtocolVersion,
        buf: &mut Vec<u8>,
    ) -> Result<Self, EncodeError> {
        buf.clear();
        let mut layout = Layout::default();
        publish.encode_to_vec(version, buf, &mut layout)?;
        Ok(Self { bytes: core::mem::take(buf), layout })
    }

    /// The encoded packet.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The buffer, to be reused.
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }

    fn first(&self) -> u8 {
        self.bytes.first().copied().unwrap_or_default()
    }

    fn set_first(&mut self, clear: u8, set: u8) {
        if let Some(b) = self.bytes.first_mut() {
            *b = (*b & !clear) | set;
        }
    }

    /// The QoS level.
    pub fn qos(&self) -> QoS {
        match self.first() & QOS {
            0 => QoS::AtMostOnce,
            0b0010 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    /// The RETAIN flag.
    pub fn retain(&self) -> bool {
        self.first() & RETAIN != 0
    }

    /// The DUP flag.
    pub fn dup(&self) -> bool {
        self.first() & DUP != 0
    }

    /// The packet identifier (QoS > 0 only).
    pub fn packet_id(&self) -> Option<PacketId> {
        if self.qos() == QoS::AtMostOnce {
            return None;
        }
        let b = self.bytes.get(self.layout.id..self.layout.id + 2)?;
        PacketId::new(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Set the packet identifier; nothing at QoS 0, which has none.
    pub fn set_packet_id(&mut self, id: PacketId) {
        if self.qos() == QoS::AtMostOnce {
            return;
        }
        if let Some(b) = self.bytes.get_mut(self.layout.id..self.layout.id + 2) {
            b.copy_from_slice(&id.get().to_be_bytes());
        }
    }

    /// Set or clear DUP; nothing at QoS 0, where DUP must be 0 [MQTT-3.3.1-2].
    pub fn set_dup(&mut self, dup: bool) {
        if self.qos() != QoS::AtMostOnce {
            self.set_first(DUP, if dup { DUP } else { 0 });
        }
    }

    /// Clear RETAIN.
    pub fn clear_retain(&mut self) {
        self.set_first(RETAIN, 0);
    }

    /// Lower the QoS to `max` when it is higher (nothing otherwise). Going to QoS 0 removes
    /// the packet identifier and DUP, and shortens the Remaining Length (and possibly the
    /// fixed header) by as much.
    pub fn lower_qos(&mut self, max: QoS) {
        if self.qos() <= max {
            return;
        }
        if max != QoS::AtMostOnce {
            self.set_first(QOS, (max as u8) << 1);
            return;
        }
        let Layout { header, id, expiry } = self.layout;
        let len = self.bytes.len();
        if header < 2 || id < header || id + 2 > len {
            return;
        }
        let rl = (len - header - 2) as u32;
        let n = varint_len(rl);
        // The header is as long or one byte shorter: what follows moves forward that much.
        let Some(shift) = (header - 1).checked_sub(n) else { return };
        self.bytes.copy_within(header..id, 1 + n);
        self.bytes.copy_within(id + 2..len, id - shift);
        if let Some(h) = self.bytes.get_mut(1..1 + n) {
            CompactSink::new(h).put_varint(rl);
        }
        self.bytes.truncate(len - 2 - shift);
        self.set_first(QOS | DUP, 0);
        self.layout = Layout {
            header: 1 + n,
            id: id - shift,
            expiry: if expiry == 0 { 0 } else { expiry - 2 - shift },
        };
    }

    /// The Message Expiry Interval (v5), when the packet carries one.
    pub fn message_expiry_interval(&self) -> Option<u32> {
        let at = self.layout.expiry;
        let b = self.bytes.get(at..at + 4).filter(|_| at != 0)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Set the Message Expiry Interval (v5) to `secs` when the packet carries one (the time
    /// left when a queued message is sent); `false`, changing nothing, when it carries none.
    pub fn set_message_expiry_interval(&mut self, secs: u32) -> bool {
        let at = self.layout.expiry;
        match self.bytes.get_mut(at..at + 4).filter(|_| at != 0) {
            Some(b) => {
                b.copy_from_slice(&secs.to_be_bytes());
                true
            }
            None => false,
        }
    }
}
