//! Messages larger than the receive buffer are streamed: head, payload chunks in order, end;
//! the ack only after the end (in manual mode, after the application's ack); a message cut
//! by a lost connection is reported aborted, never complete, and arrives again. 3.1.1 and 5.0.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Delivery, Packet, ProtocolVersion, Publish, QoS, TopicName};
use sansmqtt_session::{AckMode, Config, DisconnectReason};
use support::{Ev, Harness, VERSIONS, pid};

const BUFFER: u32 = 256;

fn config(v: ProtocolVersion) -> Config {
    let mut c = Harness::config(v);
    c.receive_buffer_size = Some(BUFFER);
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c
}

fn encode(v: ProtocolVersion, topic: &str, payload: &[u8], qos: QoS, id: u16, dup: bool) -> Vec<u8> {
    let mut p = Publish::new(TopicName::new(topic).expect("topic"), payload);
    p.delivery = match qos {
        QoS::AtMostOnce => Delivery::AtMostOnce,
        QoS::AtLeastOnce => Delivery::AtLeastOnce(pid(id)),
        QoS::ExactlyOnce => Delivery::ExactlyOnce(pid(id)),
    };
    p.dup = dup;
    let mut bytes = Vec::new();
    Packet::Publish(p).encode_to_vec(v, &mut bytes).expect("encodes");
    bytes
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The streamed message in `events`: (start, payload reassembled, end seen).
fn reassemble(events: &[Ev]) -> (Option<Ev>, Vec<u8>, Option<Ev>) {
    let mut start = None;
    let mut payload = Vec::new();
    let mut end = None;
    for e in events {
        match e {
            Ev::MessageStart { .. } => start = Some(e.clone()),
            Ev::MessageChunk(c) => {
                assert!(start.is_some() && end.is_none(), "chunk outside a message: {events:?}");
                assert!(c.len() <= BUFFER as usize, "a chunk larger than the buffer");
                payload.extend_from_slice(c);
            }
            Ev::MessageEnd(_) => end = Some(e.clone()),
            _ => {}
        }
    }
    (start, payload, end)
}

#[test]
fn a_message_larger_than_the_buffer_arrives_in_order_and_is_acked_after_its_end() {
    for v in VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut h = Harness::new(config(v));
            h.connect(false);
            h.take_inbox();
            let payload = pattern(10_000);
            let bytes = encode(v, "big/file", &payload, qos, 7, false);
            // All but the last byte: no ack yet.
            h.feed(&bytes[..bytes.len() - 1]);
            assert!(h.take_inbox().is_empty(), "{v} {qos:?}: ack before the end");
            h.feed(&bytes[bytes.len() - 1..]);
            let events = h.take_events();
            let (start, got, end) = reassemble(&events);
            assert_eq!(
                start,
                Some(Ev::MessageStart {
                    topic: "big/file".into(),
                    qos,
                    id: (qos != QoS::AtMostOnce).then_some(7),
                    payload_len: 10_000
                }),
                "{v} {qos:?}"
            );
            assert!(got == payload, "{v} {qos:?}: payload differs ({} bytes)", got.len());
            assert_eq!(end, Some(Ev::MessageEnd(None)), "{v} {qos:?}");
            let acks = h.take_inbox();
            match qos {
                QoS::AtMostOnce => assert!(acks.is_empty(), "{v}"),
                QoS::AtLeastOnce => {
                    assert!(matches!(acks.as_slice(), [Packet::PubAck(a)] if a.packet_id == pid(7)))
                }
                QoS::ExactlyOnce => {
                    assert!(matches!(acks.as_slice(), [Packet::PubRec(a)] if a.packet_id == pid(7)))
                }
            }
            // A small message still arrives whole.
            h.publish_to_client("small", b"s", QoS::AtMostOnce, 0);
            assert!(
                matches!(h.take_events().as_slice(), [Ev::Message { topic, .. }] if topic == "small"),
                "{v}"
            );
        }
    }
}

#[test]
fn in_manual_mode_the_ack_waits_for_the_application() {
    for v in VERSIONS {
        let mut c = config(v);
        c.ack_mode = AckMode::Manual;
        let mut h = Harness::new(c);
        h.connect(false);
        h.take_inbox();
        h.feed(&encode(v, "t", &pattern(1000), QoS::AtLeastOnce, 3, false));
        let events = h.take_events();
        let Some(Ev::MessageEnd(Some(token))) = reassemble(&events).2 else { panic!("{v}: {events:?}") };
        assert!(h.take_inbox().is_empty(), "{v}: acked before the application did");
        h.session.ack(h.now, token).expect("ack");
        h.drive();
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubAck(_)]), "{v}");
    }
}

#[test]
fn a_stream_cut_by_a_lost_connection_is_aborted_and_arrives_again_whole() {
    for v in VERSIONS {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut h = Harness::new(config(v));
            h.connect(false);
            h.take_inbox();
            let payload = pattern(5000);
            let bytes = encode(v, "t", &payload, qos, 9, false);
            h.feed(&bytes[..2000]);
            h.drop_link();
            let events = h.take_events();
            let tail: Vec<_> = events.iter().filter(|e| !matches!(e, Ev::MessageChunk(_))).collect();
            assert!(
                matches!(
                    tail.as_slice(),
                    [
                        Ev::MessageStart { .. },
                        Ev::MessageAborted,
                        Ev::Disconnected(DisconnectReason::Transport(_))
                    ]
                ),
                "{v} {qos:?}: {tail:?}"
            );
            assert!(h.take_inbox().is_empty(), "{v} {qos:?}: no ack for a cut message");
            // The reconnect resumes; the server sends it again (DUP), whole this time.
            h.advance_to_timeout();
            h.expect_connect();
            h.connack(true, ConnAckProperties::default());
            h.take_events();
            h.feed(&encode(v, "t", &payload, qos, 9, true));
            let events = h.take_events();
            let (start, got, end) = reassemble(&events);
            assert!(start.is_some() && end.is_some() && got == payload, "{v} {qos:?}: {} bytes", got.len());
            assert!(!events.contains(&Ev::MessageAborted));
        }
    }
}

#[test]
fn a_streamed_qos2_resend_already_received_is_acked_not_delivered() {
    for v in VERSIONS {
        let mut h = Harness::new(config(v));
        h.connect(false);
        h.take_inbox();
        let bytes = encode(v, "t", &pattern(3000), QoS::ExactlyOnce, 4, false);
        h.feed(&bytes);
        assert!(reassemble(&h.take_events()).2.is_some(), "{v}");
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]));
        // PUBREC lost; the server resends before PUBREL.
        h.feed(&encode(v, "t", &pattern(3000), QoS::ExactlyOnce, 4, true));
        assert!(h.take_events().is_empty(), "{v}: delivered twice");
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]), "{v}");
    }
}

#[test]
fn max_packet_size_still_bounds_what_is_accepted_and_the_head_must_fit() {
    for v in VERSIONS {
        let mut c = config(v);
        c.max_packet_size = 4096;
        let mut h = Harness::new(c);
        h.connect(false);
        h.take_inbox();
        h.feed(&encode(v, "t", &pattern(5000), QoS::AtMostOnce, 0, false));
        assert!(
            h.take_events().iter().any(|e| matches!(e, Ev::Disconnected(DisconnectReason::Protocol(_)))),
            "{v}: a packet over max_packet_size closes the connection"
        );
        let mut h = Harness::new(config(v));
        h.connect(false);
        h.take_inbox();
        let topic = "t".repeat(300); // longer than the 256-byte buffer
        h.feed(&encode(v, &topic, &pattern(500), QoS::AtMostOnce, 0, false));
        assert!(
            h.take_events().iter().any(|e| matches!(e, Ev::Disconnected(DisconnectReason::Protocol(_)))),
            "{v}: a head that cannot fit the buffer is refused"
        );
    }
}
