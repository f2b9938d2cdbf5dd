//! MQTT 3.1 (protocol name "MQIsdp", level 3), which the README promises: connect, QoS 0/1/2
//! both ways, and a resumed session resending with DUP, on the scripted broker.
mod support;

use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{Action, Outgoing};
use support::{Ev, Harness, publishes};

const V31: ProtocolVersion = ProtocolVersion::V3_1;

#[test]
fn v31_connect_names_mqisdp_level_3() {
    let mut h = Harness::new(Harness::config(V31));
    h.session.connect(h.now).unwrap();
    h.drive();
    assert_eq!(h.actions, [Action::Connect]);
    let raw = h.raw.clone();
    // Fixed header (2 bytes here), then the protocol name and level.
    assert_eq!(&raw[2..11], b"\x00\x06MQIsdp\x03", "{raw:02x?}");
    let c = h.expect_connect();
    assert_eq!(c.client_id.as_str(), "client-1");
    h.connack(false, Default::default());
    assert!(matches!(h.take_events().as_slice(), [Ev::Connected { session_present: false, .. }]));
}

#[test]
fn v31_qos_0_1_2_both_ways() {
    let mut h = Harness::new(Harness::config(V31));
    h.connect(false);
    h.session.subscribe(h.now, &[("in/#", SubscriptionOptions::new(QoS::ExactlyOnce))]).unwrap();
    h.drive();
    let sub = match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => s.packet_id.get(),
        other => panic!("{other:?}"),
    };
    h.suback(sub, &[ReasonCode::GrantedQoS2]);
    h.take_events();
    // Out: QoS 0 completes when written, QoS 1 on PUBACK, QoS 2 on PUBCOMP.
    let t: Vec<_> = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .map(|q| h.session.publish(h.now, &Outgoing::new("out", b"x", q)).unwrap())
        .collect();
    h.drive();
    let sent = publishes(&h.take_inbox());
    assert_eq!(sent.len(), 3);
    h.puback(sent[1].0.unwrap());
    h.pubrec(sent[2].0.unwrap());
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_)]));
    h.pubcomp(sent[2].0.unwrap());
    let done: Vec<_> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Published(t, _) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(done, t);
    // In: each delivered once, acknowledged as its QoS asks; a resent QoS 2 not again.
    h.publish_to_client("in/0", b"0", QoS::AtMostOnce, 0);
    h.publish_to_client("in/1", b"1", QoS::AtLeastOnce, 7);
    h.publish_to_client("in/2", b"2", QoS::ExactlyOnce, 8);
    h.publish_to_client("in/2", b"2", QoS::ExactlyOnce, 8);
    h.pubrel(8);
    let acks: Vec<&str> = h
        .take_inbox()
        .iter()
        .map(|p| match p {
            Packet::PubAck(_) => "PUBACK",
            Packet::PubRec(_) => "PUBREC",
            Packet::PubComp(_) => "PUBCOMP",
            _ => "other",
        })
        .collect();
    assert_eq!(acks, ["PUBACK", "PUBREC", "PUBREC", "PUBCOMP"]);
    let got: Vec<_> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Message { topic, qos, .. } => Some((topic, qos)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [
            ("in/0".to_string(), QoS::AtMostOnce),
            ("in/1".to_string(), QoS::AtLeastOnce),
            ("in/2".to_string(), QoS::ExactlyOnce)
        ]
    );
}

#[test]
fn v31_a_resumed_session_resends_with_dup() {
    let mut cfg = Harness::config(V31);
    cfg.clean_start = false;
    let mut h = Harness::new(cfg);
    h.connect(false);
    h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
    h.drive();
    let first = publishes(&h.take_inbox());
    h.drop_link();
    h.take_events();
    h.advance(500);
    assert!(!h.expect_connect().clean_start);
    // 3.1's CONNACK cannot say Session Present: the reconnect is taken as resuming.
    h.connack(false, Default::default());
    let again = publishes(&h.take_inbox());
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].0, first[0].0, "same packet id");
    assert!(!first[0].1 && again[0].1, "DUP 0 first, 1 on the resend");
    assert!(!h.take_events().iter().any(|e| matches!(e, Ev::SessionLost(_))));
}

/// A received QoS 2 message whose PUBREL was still owed when the connection dropped is not
/// delivered again when the server resends it on the resumed 3.1 session.
#[test]
fn v31_incoming_qos2_stays_exactly_once_across_a_reconnect() {
    let mut cfg = Harness::config(V31);
    cfg.clean_start = false;
    let mut h = Harness::new(cfg);
    h.connect(false);
    h.publish_to_client("in", b"once", QoS::ExactlyOnce, 4);
    assert_eq!(h.take_events().len(), 1);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]));
    h.drop_link();
    h.take_events();
    h.advance(500);
    h.expect_connect();
    h.connack(false, Default::default());
    h.take_events();
    h.publish_to_client("in", b"once", QoS::ExactlyOnce, 4);
    assert!(!h.take_events().iter().any(|e| matches!(e, Ev::Message { .. })), "delivered twice");
}
