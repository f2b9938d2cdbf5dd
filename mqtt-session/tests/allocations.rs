//! A steady stream of messages allocates nothing per message: after a warm-up, publish-ack
//! cycles both ways at QoS 0, 1 and 2 make no heap allocation at all, in 3.1.1 and 5.0.
//!
//! `allocation-counter`'s global allocator counts the allocations of the test's own thread
//! (the test harness runs other tests on other threads) while the measured loop runs. The
//! loop drives the session as a driver does, through its byte API, with the broker's packets
//! written into stack buffers, so every allocation counted is the session's.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_session::{Action, Config, Event, Instant, Outgoing, Session};

/// Heap allocations made on this thread while `f` runs (reallocations included).
fn allocations_in(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

const TOPIC: &str = "bench/steady";
const PAYLOAD: [u8; 64] = [b'x'; 64];

/// The session under a minimal driver: bytes in, bytes out, events dropped.
struct Driver {
    session: Session,
    version: ProtocolVersion,
    now: Instant,
    rx: sansmqtt_session::RecvBuffer,
    out: [u8; 1024],
    len: usize,
    published: usize,
    received: usize,
}

impl Driver {
    fn connected(version: ProtocolVersion) -> Self {
        let mut config = Config::new(version, "steady");
        config.reconnect = None;
        let session = Session::new(config);
        let mut d = Self {
            rx: session.new_recv_buffer(),
            session,
            version,
            now: Instant::from_millis(1_000),
            out: [0; 1024],
            len: 0,
            published: 0,
            received: 0,
        };
        d.session.connect(d.now).expect("connect");
        assert!(matches!(d.session.poll_action(), Some(Action::Connect)));
        d.session.handle_connected(d.now);
        d.transmit();
        assert_eq!(d.out[0], 0x10, "CONNECT first");
        if version.is_v5() {
            d.feed(&[0x20, 3, 0, 0, 0]);
        } else {
            d.feed(&[0x20, 2, 0, 0]);
        }
        d.events();
        assert_eq!(d.session.state(), sansmqtt_session::State::Connected);
        d
    }

    /// Everything the session has to send, into `out` (one packet at a time here).
    fn transmit(&mut self) {
        self.len = self.session.poll_transmit(self.now, &mut self.out);
    }

    fn feed(&mut self, bytes: &[u8]) {
        assert_eq!(self.session.handle_data(self.now, &mut self.rx, bytes), bytes.len());
    }

    fn events(&mut self) {
        while let Some(e) = self.session.poll_event(&mut self.rx) {
            match e {
                Event::Published { .. } => self.published += 1,
                Event::Message(m) => {
                    assert_eq!(m.payload, &PAYLOAD[..]);
                    self.received += 1;
                }
                Event::Disconnected(reason) => panic!("disconnected: {reason:?}"),
                _ => {}
            }
        }
    }

    /// The packet id of the PUBLISH, PUBREC or PUBREL just transmitted.
    fn sent_id(&self, first: u8) -> [u8; 2] {
        assert_eq!(self.out[0] & 0xF0, first, "sent {:02x?}", &self.out[..self.len]);
        if first == 0x30 {
            // PUBLISH: header (2 bytes here), topic length and topic, then the id.
            let at = 2 + 2 + TOPIC.len();
            [self.out[at], self.out[at + 1]]
        } else {
            [self.out[2], self.out[3]]
        }
    }

    /// One message out and back: publish it, the broker acknowledges it, the broker sends it
    /// to us with packet id `id`, we acknowledge it.
    fn cycle(&mut self, qos: QoS, id: u16) {
        self.now = self.now + core::time::Duration::from_millis(1);
        let msg = Outgoing::new(TOPIC, &PAYLOAD, qos);
        self.session.publish(self.now, &msg).expect("publish");
        self.transmit();
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => {
                let [h, l] = self.sent_id(0x30);
                self.feed(&[0x40, 2, h, l]);
            }
            QoS::ExactlyOnce => {
                let [h, l] = self.sent_id(0x30);
                self.feed(&[0x50, 2, h, l]);
                self.events();
                self.transmit();
                let [h, l] = self.sent_id(0x60);
                self.feed(&[0x70, 2, h, l]);
            }
        }
        self.events();
        // The broker's PUBLISH: topic, the id for QoS 1/2, v5 empty properties, payload.
        let mut p = [0u8; 128];
        let mut n = 2;
        p[n..n + 2].copy_from_slice(&(TOPIC.len() as u16).to_be_bytes());
        n += 2;
        p[n..n + TOPIC.len()].copy_from_slice(TOPIC.as_bytes());
        n += TOPIC.len();
        if qos != QoS::AtMostOnce {
            p[n..n + 2].copy_from_slice(&id.to_be_bytes());
            n += 2;
        }
        if self.version.is_v5() {
            n += 1;
        }
        p[n..n + PAYLOAD.len()].copy_from_slice(&PAYLOAD);
        n += PAYLOAD.len();
        p[0] = 0x30 | (qos as u8) << 1;
        p[1] = (n - 2) as u8;
        self.feed(&p[..n]);
        self.events();
        self.transmit();
        match qos {
            QoS::AtMostOnce => assert_eq!(self.len, 0),
            QoS::AtLeastOnce => assert_eq!(self.sent_id(0x40), id.to_be_bytes()),
            QoS::ExactlyOnce => {
                assert_eq!(self.sent_id(0x50), id.to_be_bytes());
                let [h, l] = id.to_be_bytes();
                self.feed(&[0x62, 2, h, l]);
                self.events();
                self.transmit();
                assert_eq!(self.sent_id(0x70), id.to_be_bytes());
            }
        }
    }
}

#[test]
fn steady_publish_and_receive_allocate_nothing_per_message() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut d = Driver::connected(version);
            for i in 0..100u16 {
                d.cycle(qos, i + 1);
            }
            let counted = allocations_in(|| {
                for i in 100..1100u16 {
                    d.cycle(qos, i + 1);
                }
            });
            assert_eq!((d.published, d.received), (1100, 1100), "{version:?} {qos:?}");
            assert_eq!(counted, 0, "{version:?} {qos:?}: allocations in 1,000 cycles");
        }
    }
}
