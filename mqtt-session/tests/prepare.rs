//! `prepare_event`: processing input ahead of `poll_event` without borrowing, for drivers that
//! return the borrowed event from a loop.
mod support;

use sansmqtt_proto::property::PublishProperties;
use sansmqtt_proto::{Delivery, Packet, ProtocolVersion, Publish, QoS, TopicName};
use sansmqtt_session::{DisconnectReason, Event, Outgoing};
use std::num::NonZeroU16;
use support::{Ev, Harness, VERSIONS, pid};

fn encode(h: &Harness, p: Packet<'_>) -> Vec<u8> {
    let mut v = Vec::new();
    p.encode_to_vec(h.version, &mut v).unwrap();
    v
}

fn publish(topic: &str, payload: &'static [u8], qos: QoS, id: u16) -> Packet<'static> {
    let mut p = Publish::new(TopicName::new(topic).unwrap().into_owned(), payload);
    p.delivery = match qos {
        QoS::AtMostOnce => Delivery::AtMostOnce,
        QoS::AtLeastOnce => Delivery::AtLeastOnce(pid(id)),
        QoS::ExactlyOnce => Delivery::ExactlyOnce(pid(id)),
    };
    Packet::Publish(p)
}

/// Bytes go in with `handle_data`, nothing drains them: only `prepare_event` processes them.
fn put(h: &mut Harness, bytes: &[u8]) {
    assert_eq!(h.session.handle_data(h.now, &mut h.rx, bytes), bytes.len());
}

fn message(e: Option<Event<'_>>) -> (String, Vec<u8>, QoS, bool) {
    match e {
        Some(Event::Message(m)) => (m.topic.to_string(), m.payload.to_vec(), m.qos, m.dup),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn prepare_event_is_true_exactly_when_poll_event_returns_some() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        assert!(!h.session.prepare_event(&mut h.rx), "{v}: nothing buffered");
        assert!(h.session.poll_event(&mut h.rx).is_none());
        // Half a packet: still nothing.
        let bytes = encode(&h, publish("a/b", b"one", QoS::AtLeastOnce, 7));
        let (head, tail) = bytes.split_at(4);
        put(&mut h, head);
        assert!(!h.session.prepare_event(&mut h.rx), "{v}: partial frame");
        put(&mut h, tail);
        let two = encode(&h, publish("a/c", b"two", QoS::AtMostOnce, 0));
        put(&mut h, &two);
        assert!(h.session.prepare_event(&mut h.rx), "{v}");
        assert!(h.session.has_event(), "{v}: a prepared message counts as an event");
        // Asking again changes nothing.
        assert!(h.session.prepare_event(&mut h.rx), "{v}");
        assert_eq!(
            message(h.session.poll_event(&mut h.rx)),
            ("a/b".into(), b"one".to_vec(), QoS::AtLeastOnce, false)
        );
        assert!(h.session.prepare_event(&mut h.rx), "{v}");
        assert_eq!(
            message(h.session.poll_event(&mut h.rx)),
            ("a/c".into(), b"two".to_vec(), QoS::AtMostOnce, false)
        );
        assert!(!h.session.prepare_event(&mut h.rx), "{v}");
        assert!(h.session.poll_event(&mut h.rx).is_none());
        // The QoS 1 message was acknowledged once.
        h.drive();
        let acks: Vec<_> = h.take_inbox().into_iter().filter(|p| matches!(p, Packet::PubAck(_))).collect();
        assert_eq!(acks.len(), 1, "{v}: {acks:?}");
    }
}

#[test]
fn prepare_event_sees_events_from_packets_that_carry_no_message() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let token = h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtLeastOnce)).unwrap();
        h.drive();
        h.take_inbox();
        let ping = encode(&h, Packet::PingResp);
        put(&mut h, &ping);
        assert!(!h.session.prepare_event(&mut h.rx), "{v}: PINGRESP makes no event");
        let ack = encode(&h, Packet::PubAck(sansmqtt_proto::Ack::new(pid(1))));
        put(&mut h, &ack);
        assert!(h.session.prepare_event(&mut h.rx), "{v}");
        assert!(
            matches!(h.session.poll_event(&mut h.rx), Some(Event::Published { token: t, .. }) if t == token)
        );
        assert!(!h.session.prepare_event(&mut h.rx));
    }
}

#[test]
fn a_prepared_message_survives_a_connection_loss_and_comes_before_the_disconnect() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let bytes = encode(&h, publish("keep/me", b"payload", QoS::AtMostOnce, 0));
        put(&mut h, &bytes);
        // A second, unprepared frame is dropped with the connection, as before.
        let other = encode(&h, publish("dropped", b"x", QoS::AtMostOnce, 0));
        put(&mut h, &other);
        assert!(h.session.prepare_event(&mut h.rx));
        h.open = false;
        h.session.handle_closed(h.now, sansmqtt_session::TransportError::Closed);
        assert_eq!(
            message(h.session.poll_event(&mut h.rx)),
            ("keep/me".into(), b"payload".to_vec(), QoS::AtMostOnce, false)
        );
        assert!(matches!(
            h.session.poll_event(&mut h.rx),
            Some(Event::Disconnected(DisconnectReason::Transport(sansmqtt_session::TransportError::Closed)))
        ));
        assert!(
            h.session.poll_event(&mut h.rx).is_none(),
            "{v}: the unprepared frame went with the connection"
        );
        // The next connection starts with an empty buffer.
        h.advance(500);
        h.expect_connect();
        h.connack(false, Default::default());
        h.publish_to_client("next", b"y", QoS::AtMostOnce, 0);
        let ev = h.take_events();
        assert!(ev.iter().any(|e| matches!(e, Ev::Message { topic, .. } if topic == "next")), "{v}: {ev:?}");
    }
}

#[test]
fn v5_prepared_message_with_topic_alias_keeps_its_topic_across_a_loss() {
    let mut c = Harness::config(ProtocolVersion::V5);
    c.topic_alias_maximum = 4;
    let mut h = Harness::new(c);
    h.connect(false);
    let mut first = Publish::new(TopicName::new("aliased/topic").unwrap(), b"1");
    first.properties = PublishProperties::default();
    first.properties.topic_alias = NonZeroU16::new(2);
    let set = encode(&h, Packet::Publish(first));
    put(&mut h, &set);
    assert!(h.session.prepare_event(&mut h.rx));
    assert_eq!(message(h.session.poll_event(&mut h.rx)).0, "aliased/topic");
    let mut second = Publish::new(TopicName::EMPTY, b"2");
    second.properties.topic_alias = NonZeroU16::new(2);
    let used = encode(&h, Packet::Publish(second));
    put(&mut h, &used);
    assert!(h.session.prepare_event(&mut h.rx));
    h.open = false;
    h.session.handle_closed(h.now, sansmqtt_session::TransportError::Closed);
    assert_eq!(
        message(h.session.poll_event(&mut h.rx)),
        ("aliased/topic".into(), b"2".to_vec(), QoS::AtMostOnce, false)
    );
    assert!(matches!(h.session.poll_event(&mut h.rx), Some(Event::Disconnected(_))));
}

#[test]
fn a_prepared_qos2_message_lost_with_its_connection_is_delivered_once() {
    for v in VERSIONS {
        let mut c = Harness::config(v);
        c.clean_start = false;
        c.session_expiry_interval = 600;
        let mut h = Harness::new(c);
        h.connect(false);
        let bytes = encode(&h, publish("q2", b"once", QoS::ExactlyOnce, 9));
        put(&mut h, &bytes);
        assert!(h.session.prepare_event(&mut h.rx));
        h.open = false;
        h.session.handle_closed(h.now, sansmqtt_session::TransportError::Closed);
        assert_eq!(message(h.session.poll_event(&mut h.rx)).1, b"once".to_vec());
        h.drive();
        h.take_events();
        // The broker never saw the PUBREC: it resends with DUP after the session resumes.
        h.advance(500);
        h.expect_connect();
        h.connack(true, Default::default());
        let mut again = publish("q2", b"once", QoS::ExactlyOnce, 9);
        if let Packet::Publish(p) = &mut again {
            p.dup = true;
        }
        h.send(again);
        let ev = h.take_events();
        assert!(!ev.iter().any(|e| matches!(e, Ev::Message { .. })), "{v}: delivered twice: {ev:?}");
        let inbox = h.take_inbox();
        assert!(
            inbox.iter().any(|p| matches!(p, Packet::PubRec(a) if a.packet_id == pid(9))),
            "{v}: {inbox:?}"
        );
    }
}
