//! QoS 0/1/2 flows in both directions, manual acks, subscriptions.
mod support;

use sansmqtt_proto::{Packet, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{AckMode, Error, Outgoing};
use support::{Ev, Harness, VERSIONS, publishes};

#[test]
fn qos0_publish_completes_when_written() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let t = h.session.publish(h.now, &Outgoing::new("a/b", b"x", QoS::AtMostOnce)).unwrap();
        h.drive();
        assert_eq!(publishes(&h.take_inbox()), vec![(None, false, "a/b".into(), b"x".to_vec())]);
        assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v}");
    }
}

/// 5.0: [MQTT-4.3.2-3]
#[test]
fn qos1_publish_completes_on_puback() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let t = h.session.publish(h.now, &Outgoing::new("a/b", b"x", QoS::AtLeastOnce)).unwrap();
        h.drive();
        let sent = publishes(&h.take_inbox());
        let id = sent[0].0.unwrap();
        assert!(h.take_events().is_empty());
        assert_eq!(h.session.inflight(), 1);
        h.puback(id);
        assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v}");
        assert_eq!(h.session.inflight(), 0);
    }
}

/// 3.1.1: [MQTT-2.3.1-6] 5.0: [MQTT-2.2.1-5] [MQTT-4.3.3-3] [MQTT-4.3.3-4] [MQTT-4.3.3-5]
#[test]
fn qos2_publish_pubrec_pubrel_pubcomp() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let t = h.session.publish(h.now, &Outgoing::new("a/b", b"x", QoS::ExactlyOnce)).unwrap();
        h.drive();
        let id = publishes(&h.take_inbox())[0].0.unwrap();
        h.pubrec(id);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(a)] if a.packet_id.get() == id), "{v}");
        assert!(h.take_events().is_empty());
        h.pubcomp(id);
        assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)]);
    }
}

/// 5.0: [MQTT-4.3.3-4] [MQTT-4.4.0-2]
#[test]
fn v5_pubrec_with_error_ends_the_flow_without_pubrel() {
    let mut h = Harness::new(Harness::config(sansmqtt_proto::ProtocolVersion::V5));
    h.connect(false);
    let t = h.session.publish(h.now, &Outgoing::new("a/b", b"x", QoS::ExactlyOnce)).unwrap();
    h.drive();
    let id = publishes(&h.take_inbox())[0].0.unwrap();
    let mut a = sansmqtt_proto::Ack::new(support::pid(id));
    a.reason = ReasonCode::QuotaExceeded;
    h.send(Packet::PubRec(a));
    assert!(h.take_inbox().is_empty(), "no PUBREL after an error PUBREC");
    assert_eq!(
        h.take_events(),
        vec![Ev::PublishFailed(t, sansmqtt_session::PublishFailure::Rejected(ReasonCode::QuotaExceeded))]
    );
    assert_eq!(h.session.inflight(), 0);
}

/// 3.1.1: [MQTT-2.3.1-1] 5.0: [MQTT-2.2.1-3]
/// 3.1.1: [MQTT-2.3.1-2]
#[test]
fn packet_ids_are_unique_and_never_zero_while_in_use() {
    for v in VERSIONS {
        let mut c = Harness::config(v);
        c.max_inflight = 64; // 50 in flight at once
        let mut h = Harness::new(c);
        h.connect(false);
        for i in 0..50 {
            h.session.publish(h.now, &Outgoing::new("t", &[i], QoS::AtLeastOnce)).unwrap();
        }
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().map(|p| p.0.unwrap()).collect();
        assert_eq!(ids.len(), 50);
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 50, "{v}: ids reused: {ids:?}");
        assert!(!ids.contains(&0));
    }
}

#[test]
fn stray_acks_are_ignored() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.puback(77);
        h.pubcomp(78);
        assert!(h.take_events().is_empty(), "{v}");
        assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
    }
}

/// 3.1.1: [MQTT-3.3.4-1] [MQTT-2.3.1-6] 5.0: [MQTT-3.3.4-1] [MQTT-4.3.2-4] [MQTT-2.2.1-5] [MQTT-3.4.2-1]
#[test]
fn incoming_qos1_is_delivered_and_acked() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.publish_to_client("s/1", b"hello", QoS::AtLeastOnce, 9);
        let ev = h.take_events();
        assert!(
            matches!(&ev[..], [Ev::Message { topic, payload, qos: QoS::AtLeastOnce, .. }] if topic == "s/1" && payload == b"hello"),
            "{v}: {ev:?}"
        );
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubAck(a)] if a.packet_id.get() == 9));
    }
}

/// 3.1.1: [MQTT-3.3.4-1] [MQTT-2.3.1-6] 5.0: [MQTT-3.3.4-1] [MQTT-2.2.1-5] [MQTT-4.3.3-8] [MQTT-4.3.3-10]
/// 5.0: [MQTT-4.3.3-11] [MQTT-4.3.3-12] [MQTT-3.5.2-1] [MQTT-3.7.2-1]
/// 3.1.1: [MQTT-4.1.0-2]
#[test]
fn incoming_qos2_is_delivered_exactly_once() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.publish_to_client("s/2", b"once", QoS::ExactlyOnce, 5);
        assert_eq!(h.take_events().len(), 1);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(a)] if a.packet_id.get() == 5));
        // The broker resends the PUBLISH (e.g. PUBREC lost): acknowledged, not delivered again.
        h.publish_to_client("s/2", b"once", QoS::ExactlyOnce, 5);
        assert!(h.take_events().is_empty(), "{v}: duplicate delivered");
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]));
        h.pubrel(5);
        assert!(
            matches!(h.take_inbox().as_slice(), [Packet::PubComp(a)] if a.packet_id.get() == 5 && a.reason == ReasonCode::Success)
        );
        // The end of the exchange is reported (paho's delivery point), once.
        assert_eq!(h.take_events(), [Ev::Released(5)], "{v}");
        // After PUBCOMP the id is free: a new message with id 5 is delivered.
        h.publish_to_client("s/2", b"again", QoS::ExactlyOnce, 5);
        assert_eq!(h.take_events().len(), 1);
    }
}

/// 5.0: [MQTT-4.3.3-11] [MQTT-3.7.2-1]
#[test]
fn unknown_pubrel_gets_pubcomp() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.pubrel(42);
        let inbox = h.take_inbox();
        let expected = if v.is_v5() { ReasonCode::PacketIdentifierNotFound } else { ReasonCode::Success };
        assert!(matches!(inbox.as_slice(), [Packet::PubComp(a)] if a.reason == expected), "{v}: {inbox:?}");
        assert!(h.take_events().is_empty(), "{v}: no message of this id: nothing released");
    }
}

/// 3.1.1: [MQTT-4.6.0-2] [MQTT-4.6.0-3] 5.0: [MQTT-4.6.0-2] [MQTT-4.6.0-3]
#[test]
fn manual_acks_are_sent_in_arrival_order() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.ack_mode = AckMode::Manual;
        let mut h = Harness::new(cfg);
        h.connect(false);
        h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
        h.publish_to_client("a", b"2", QoS::ExactlyOnce, 2);
        h.publish_to_client("a", b"3", QoS::AtLeastOnce, 3);
        let tokens: Vec<_> = h
            .take_events()
            .into_iter()
            .map(|e| match e {
                Ev::Message { ack: Some(t), .. } => t,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(h.take_inbox().is_empty(), "nothing acked before the application acks");
        // Ack out of order: 3, then 1, then 2.
        h.session.ack(h.now, tokens[2]).unwrap();
        h.drive();
        assert!(h.take_inbox().is_empty(), "{v}: ack 3 must wait for 1 and 2");
        h.session.ack(h.now, tokens[0]).unwrap();
        h.drive();
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubAck(a)] if a.packet_id.get() == 1));
        h.session.ack(h.now, tokens[1]).unwrap();
        h.drive();
        let inbox = h.take_inbox();
        assert!(
            matches!(inbox.as_slice(), [Packet::PubRec(a), Packet::PubAck(b)] if a.packet_id.get() == 2 && b.packet_id.get() == 3),
            "{v}: {inbox:?}"
        );
        assert_eq!(h.session.ack(h.now, tokens[1]), Err(Error::UnknownAckToken));
    }
}

/// 3.1.1: [MQTT-3.8.3-1] [MQTT-3.10.3-1] [MQTT-3.8.4-2] [MQTT-3.9.3-1] 5.0: [MQTT-3.8.3-1] [MQTT-3.10.3-1]
/// 5.0: [MQTT-2.2.1-6] [MQTT-3.8.4-2] [MQTT-3.9.3-1] [MQTT-3.11.3-1]
/// 3.1.1: [MQTT-2.3.1-7]
///
/// SUBSCRIBE / UNSUBSCRIBE carry the filters in order; the acks are matched by packet
/// identifier and their codes reported per filter, in order.
#[test]
fn subscribe_and_unsubscribe_complete_with_reasons() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let t = h
            .session
            .subscribe(
                h.now,
                &[
                    ("a/+", SubscriptionOptions::new(QoS::AtLeastOnce)),
                    ("b/#", SubscriptionOptions::new(QoS::ExactlyOnce)),
                ],
            )
            .unwrap();
        h.drive();
        let id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => {
                let f: Vec<_> = s.subscriptions.iter().map(|s| s.filter.as_str().to_string()).collect();
                assert_eq!(f, ["a/+", "b/#"]);
                s.packet_id.get()
            }
            other => panic!("{other:?}"),
        };
        h.suback(id, &[ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError]);
        assert_eq!(
            h.take_events(),
            vec![Ev::Subscribed(t, vec![ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError])]
        );
        let t = h.session.unsubscribe(h.now, &["a/+"]).unwrap();
        h.drive();
        let id = match h.take_inbox().as_slice() {
            [Packet::Unsubscribe(u)] => u.packet_id.get(),
            other => panic!("{other:?}"),
        };
        h.unsuback(id, &[ReasonCode::Success]);
        let expected = if v.is_v5() { vec![ReasonCode::Success] } else { vec![] };
        assert_eq!(h.take_events(), vec![Ev::Unsubscribed(t, expected)], "{v}");
    }
}

/// 3.1.1: [MQTT-3.3.2-2] [MQTT-4.7.1-1] [MQTT-4.7.1-2] 5.0: [MQTT-3.3.2-2] [MQTT-4.7.0-1] [MQTT-4.7.1-1]
#[test]
fn invalid_topics_are_refused_locally() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        assert!(matches!(
            h.session.publish(h.now, &Outgoing::new("a/+", b"", QoS::AtMostOnce)),
            Err(Error::InvalidTopic(_))
        ));
        assert!(matches!(
            h.session.subscribe(h.now, &[("a/#/b", SubscriptionOptions::new(QoS::AtMostOnce))]),
            Err(Error::InvalidTopic(_))
        ));
        h.drive();
        assert!(h.take_inbox().is_empty());
    }
}
