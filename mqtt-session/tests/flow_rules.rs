//! Conformance: flow control (Receive Maximum both ways), the server's limits (Maximum QoS,
//! Retain Available, Maximum Packet Size) applied to everything sent, and acknowledgements.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Ack, Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{LimitPolicy, Outgoing, PublishFailure};
use support::{Ev, Harness, VERSIONS, frames, packet_ids, pid, publishes};

fn v5() -> Harness {
    Harness::new(Harness::config(ProtocolVersion::V5))
}

fn receive_maximum(n: u16) -> ConnAckProperties<'static> {
    let mut p = ConnAckProperties::default();
    p.receive_maximum = std::num::NonZeroU16::new(n);
    p
}

fn ack_with(h: &mut Harness, kind: u8, id: u16, reason: ReasonCode) {
    let mut a = Ack::new(pid(id));
    a.reason = reason;
    h.send(match kind {
        4 => Packet::PubAck(a),
        5 => Packet::PubRec(a),
        _ => Packet::PubComp(a),
    });
}

/// 5.0: [MQTT-3.2.2-11] [MQTT-3.2.2-14]
///
/// Messages queued before the CONNACK (or before a reconnect to a server with other limits)
/// are brought within the Maximum QoS and Retain Available the server announces when they are
/// sent: with `LimitPolicy::Downgrade` the QoS is lowered (QoS 0 loses its packet identifier,
/// the Message Expiry Interval stays right) and RETAIN cleared.
#[test]
fn v5_queued_messages_are_downgraded_to_the_servers_maximum_qos_and_retain() {
    for (max, expect_first) in [(QoS::AtMostOnce, 0x30u8), (QoS::AtLeastOnce, 0x32)] {
        let mut h = v5();
        let mut m = Outgoing::new("q", b"two", QoS::ExactlyOnce).retain(true);
        m.properties.message_expiry_interval = Some(100);
        h.session.publish(h.now, &m).unwrap();
        h.session.publish(h.now, &Outgoing::new("q", b"zero", QoS::AtMostOnce).retain(true)).unwrap();
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        h.take_raw();
        let mut p = ConnAckProperties::default();
        p.maximum_qos = Some(max);
        p.retain_available = Some(false);
        h.advance(3_000);
        h.connack(false, p);
        let raw = h.take_raw();
        let f = frames(&raw);
        assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), vec![expect_first, 0x30], "max {max:?}");
        let sent = h.take_inbox();
        match &sent[0] {
            Packet::Publish(p) => {
                assert_eq!(p.qos(), max);
                assert!(!p.retain);
                assert_eq!(p.payload.as_bytes(), b"two");
                assert_eq!(p.properties.message_expiry_interval, Some(97), "3 s spent queued");
            }
            other => panic!("{other:?}"),
        }
        if max == QoS::AtLeastOnce {
            let id = publishes(&sent)[0].0.unwrap();
            h.puback(id);
        }
        let ev = h.take_events();
        assert_eq!(ev.iter().filter(|e| matches!(e, Ev::Published(..))).count(), 2, "{ev:?}");
    }
}

/// 5.0: [MQTT-3.2.2-11] [MQTT-3.2.2-14]
///
/// With `LimitPolicy::Reject`, a queued message the server cannot take is not sent: it fails
/// with the server's limit as the reason.
#[test]
fn v5_queued_messages_over_the_servers_limits_fail_with_limit_policy_reject() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.limit_policy = LimitPolicy::Reject;
    let mut h = Harness::new(cfg);
    let a = h.session.publish(h.now, &Outgoing::new("q", b"2", QoS::ExactlyOnce)).unwrap();
    let b = h.session.publish(h.now, &Outgoing::new("q", b"r", QoS::AtMostOnce).retain(true)).unwrap();
    let c = h.session.publish(h.now, &Outgoing::new("q", b"ok", QoS::AtLeastOnce)).unwrap();
    let mut p = ConnAckProperties::default();
    p.maximum_qos = Some(QoS::AtLeastOnce);
    p.retain_available = Some(false);
    let ev = h.connect_with(false, p);
    assert!(
        ev.contains(&Ev::PublishFailed(a, PublishFailure::Rejected(ReasonCode::QoSNotSupported))),
        "{ev:?}"
    );
    assert!(ev.contains(&Ev::PublishFailed(b, PublishFailure::Rejected(ReasonCode::RetainNotSupported))));
    let sent = publishes(&h.take_inbox());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].3, b"ok");
    h.puback(sent[0].0.unwrap());
    assert_eq!(h.take_events(), vec![Ev::Published(c, ReasonCode::Success)]);
}

/// 5.0: [MQTT-3.3.4-7] [MQTT-4.9.0-1] [MQTT-4.9.0-2] [MQTT-4.9.0-3]
///
/// The send quota comes back on PUBACK, on PUBCOMP and on a PUBREC with a reason code of 0x80
/// or more, and not on a successful PUBREC (the QoS 2 flow is still open).
#[test]
fn v5_send_quota_returns_on_puback_pubcomp_and_failed_pubrec_only() {
    let mut h = v5();
    h.connect_with(false, receive_maximum(1));
    for i in 0..4u8 {
        h.session.publish(h.now, &Outgoing::new("q", &[i], QoS::ExactlyOnce)).unwrap();
    }
    h.drive();
    let first = publishes(&h.take_inbox());
    assert_eq!(first.len(), 1, "quota 1");
    let id = first[0].0.unwrap();
    h.pubrec(id);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_)]), "PUBREC: no quota back");
    h.pubcomp(id);
    let second = publishes(&h.take_inbox());
    assert_eq!(second.len(), 1, "PUBCOMP gives the quota back");
    ack_with(&mut h, 5, second[0].0.unwrap(), ReasonCode::QuotaExceeded);
    let third = publishes(&h.take_inbox());
    assert_eq!(third.len(), 1, "a failed PUBREC gives the quota back (and gets no PUBREL)");
    assert_eq!(third[0].3, vec![2]);
}

/// 5.0: [MQTT-4.4.0-2] [MQTT-4.3.2-3]
///
/// A PUBACK or PUBREC with an error reason acknowledges the PUBLISH: it is not resent after
/// a reconnect, while an unacknowledged one is (DUP = 1, same id).
#[test]
fn v5_publish_acknowledged_with_an_error_is_not_retransmitted() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.session_expiry_interval = 300;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let a = h.session.publish(h.now, &Outgoing::new("q", b"a", QoS::AtLeastOnce)).unwrap();
    h.session.publish(h.now, &Outgoing::new("q", b"b", QoS::ExactlyOnce)).unwrap();
    h.session.publish(h.now, &Outgoing::new("q", b"c", QoS::AtLeastOnce)).unwrap();
    h.drive();
    let ids: Vec<u16> = publishes(&h.take_inbox()).iter().map(|p| p.0.unwrap()).collect();
    ack_with(&mut h, 4, ids[0], ReasonCode::NotAuthorized);
    ack_with(&mut h, 5, ids[1], ReasonCode::ImplementationSpecificError);
    let ev = h.take_events();
    assert!(
        ev.contains(&Ev::PublishFailed(a, PublishFailure::Rejected(ReasonCode::NotAuthorized))),
        "{ev:?}"
    );
    assert!(h.take_inbox().is_empty(), "no PUBREL after a failed PUBREC");
    h.drop_link();
    h.advance(500);
    h.expect_connect();
    h.connack(true, Default::default());
    let again = publishes(&h.take_inbox());
    assert_eq!(again, vec![(Some(ids[2]), true, "q".into(), b"c".to_vec())]);
}

/// 5.0: [MQTT-3.3.4-8] [MQTT-4.6.0-1] [MQTT-4.6.0-4]
///
/// With the server's Receive Maximum used up, only PUBLISH packets wait: PUBRELs being resent
/// after a reconnect, PINGREQ, SUBSCRIBE and acks still go out at once. Resent PUBLISHes keep
/// their order.
#[test]
fn v5_only_publish_waits_for_the_receive_maximum() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.session_expiry_interval = 300;
    let mut h = Harness::new(cfg);
    h.connect_with(false, receive_maximum(10));
    let msgs =
        [("a", QoS::AtLeastOnce), ("b", QoS::ExactlyOnce), ("c", QoS::AtLeastOnce), ("d", QoS::ExactlyOnce)];
    for (p, q) in msgs {
        h.session.publish(h.now, &Outgoing::new("q", p.as_bytes(), q)).unwrap();
    }
    h.drive();
    let ids: Vec<u16> = publishes(&h.take_inbox()).iter().map(|p| p.0.unwrap()).collect();
    h.pubrec(ids[3]);
    h.pubrec(ids[1]);
    h.take_inbox();
    // Reconnect to a server that now allows one message in flight.
    h.drop_link();
    h.advance(500);
    h.expect_connect();
    h.connack(true, receive_maximum(1));
    let out = h.take_inbox();
    let rels: Vec<u16> = out
        .iter()
        .filter_map(|p| if let Packet::PubRel(a) = p { Some(a.packet_id.get()) } else { None })
        .collect();
    assert_eq!(rels, vec![ids[1], ids[3]], "both PUBRELs at once, in their original order");
    assert_eq!(
        publishes(&out),
        vec![(Some(ids[0]), true, "q".into(), b"a".to_vec())],
        "one PUBLISH: quota 1"
    );
    // The window is full: a subscription, an incoming message's ack and a PINGREQ still go.
    h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
    h.drive();
    assert!(matches!(h.take_inbox().as_slice(), [Packet::Subscribe(_)]));
    h.publish_to_client("s", b"in", QoS::AtLeastOnce, 9);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PubAck(a)] if a.packet_id.get() == 9));
    h.advance(10_000);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]));
    h.send(Packet::PingResp);
    // The resent PUBLISHes continue in order as the quota comes back.
    h.puback(ids[0]);
    assert_eq!(publishes(&h.take_inbox()), vec![(Some(ids[2]), true, "q".into(), b"c".to_vec())]);
}

/// 3.1.1: [MQTT-4.5.0-2] [MQTT-3.10.4-2] [MQTT-3.10.4-3] 5.0: [MQTT-4.5.0-2] [MQTT-3.10.4-2]
/// 5.0: [MQTT-3.10.4-3]
///
/// The client's side of UNSUBSCRIBE: messages keep being acknowledged by their QoS rules whatever the subscriptions: a QoS 2
/// delivery started before UNSUBSCRIBE completes, and a message on a topic never subscribed
/// (or no longer subscribed) is still acknowledged.
#[test]
fn messages_are_acknowledged_whatever_the_subscriptions() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.session.subscribe(h.now, &[("s/#", SubscriptionOptions::new(QoS::ExactlyOnce))]).unwrap();
        h.drive();
        let sid = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => s.packet_id.get(),
            other => panic!("{other:?}"),
        };
        h.suback(sid, &[ReasonCode::GrantedQoS2]);
        h.publish_to_client("s/1", b"q2", QoS::ExactlyOnce, 4);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(a)] if a.packet_id.get() == 4));
        h.session.unsubscribe(h.now, &["s/#"]).unwrap();
        h.drive();
        let uid = match h.take_inbox().as_slice() {
            [Packet::Unsubscribe(u)] => u.packet_id.get(),
            other => panic!("{other:?}"),
        };
        h.unsuback(uid, &[ReasonCode::Success]);
        h.pubrel(4);
        assert!(
            matches!(h.take_inbox().as_slice(), [Packet::PubComp(a)] if a.packet_id.get() == 4 && a.reason == ReasonCode::Success),
            "{v}"
        );
        h.publish_to_client("s/2", b"late", QoS::AtLeastOnce, 5);
        h.publish_to_client("never/subscribed", b"x", QoS::ExactlyOnce, 6);
        let acks = h.take_inbox();
        assert!(
            matches!(acks.as_slice(), [Packet::PubAck(a), Packet::PubRec(b)] if a.packet_id.get() == 5 && b.packet_id.get() == 6),
            "{v}: {acks:?}"
        );
        let msgs = h.take_events().into_iter().filter(|e| matches!(e, Ev::Message { .. })).count();
        assert_eq!(msgs, 3, "{v}");
    }
}

/// 5.0: [MQTT-3.2.2-15]
///
/// A resumed session's PUBLISH that the server's new Maximum Packet Size no longer admits is
/// not resent: its flow ends with `PublishFailed(TooLarge)`; the others are resent.
#[test]
fn v5_resend_over_the_servers_new_maximum_packet_size_fails_instead() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.session_expiry_interval = 300;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let big = h.session.publish(h.now, &Outgoing::new("q", &[7u8; 100], QoS::AtLeastOnce)).unwrap();
    h.session.publish(h.now, &Outgoing::new("q", b"small", QoS::ExactlyOnce)).unwrap();
    h.drive();
    let ids: Vec<u16> = publishes(&h.take_inbox()).iter().map(|p| p.0.unwrap()).collect();
    h.drop_link();
    h.take_events();
    h.advance(500);
    h.expect_connect();
    h.take_raw();
    let mut p = ConnAckProperties::default();
    p.maximum_packet_size = std::num::NonZeroU32::new(64);
    h.connack(true, p);
    let raw = h.take_raw();
    assert!(frames(&raw).iter().all(|f| f.1.len() + 2 <= 64), "nothing over 64 bytes");
    assert_eq!(publishes(&h.take_inbox()), vec![(Some(ids[1]), true, "q".into(), b"small".to_vec())]);
    let ev = h.take_events();
    assert!(ev.contains(&Ev::PublishFailed(big, PublishFailure::TooLarge)), "{ev:?}");
    assert_eq!(h.session.inflight(), 1);
}

fn subscribe_ids(packets: &[Packet<'_>]) -> Vec<(Vec<String>, Option<u32>)> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some((
                s.subscriptions.iter().map(|x| x.filter.as_str().to_string()).collect(),
                s.properties.subscription_identifier.map(|i| i.get()),
            )),
            _ => None,
        })
        .collect()
}

/// 5.0: [MQTT-3.2.2-15]
///
/// SUBSCRIBE requests made before the CONNACK are checked against what the server then
/// announces: a filter with a wildcard, or a shared one, that it does not support is not sent
/// (sending it is a Protocol Error) and the request completes with the server's limit as the
/// reason for each of its filters; a request over its Maximum Packet
/// Size completes with 0x80; a Subscription Identifier it does not support is dropped
/// (`LimitPolicy::Downgrade`). The rest is sent.
#[test]
fn v5_pending_subscribe_requests_meet_the_servers_limits() {
    let mut h = v5();
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    let wild = h.session.subscribe(h.now, &[("a/+", o), ("b", o)]).unwrap();
    let shared = h.session.subscribe(h.now, &[("$share/g/x", o)]).unwrap();
    let long = "l".repeat(100);
    let big = h.session.subscribe(h.now, &[(long.as_str(), o)]).unwrap();
    let with_id = sansmqtt_proto::SubscriptionId::new(9);
    h.session.subscribe_with_id(h.now, &[("c", o)], with_id).unwrap();
    h.session.unsubscribe(h.now, &["d"]).unwrap();
    let mut p = ConnAckProperties::default();
    p.wildcard_subscription_available = Some(false);
    p.shared_subscription_available = Some(false);
    p.subscription_identifiers_available = Some(false);
    p.maximum_packet_size = std::num::NonZeroU32::new(64);
    let ev = h.connect_with(false, p);
    assert!(ev.contains(&Ev::Subscribed(wild, vec![ReasonCode::WildcardSubscriptionsNotSupported; 2])));
    assert!(ev.contains(&Ev::Subscribed(shared, vec![ReasonCode::SharedSubscriptionsNotSupported])));
    assert!(ev.contains(&Ev::Subscribed(big, vec![ReasonCode::UnspecifiedError])), "{ev:?}");
    let sent = h.take_inbox();
    assert_eq!(subscribe_ids(&sent), vec![(vec!["c".to_string()], None)]);
    assert!(sent.iter().any(|p| matches!(p, Packet::Unsubscribe(_))));
}

/// 5.0: with `LimitPolicy::Reject`, a pending SUBSCRIBE with a Subscription Identifier the
/// server does not support completes with 0xA1 instead of being sent.
#[test]
fn v5_pending_subscribe_with_an_unsupported_identifier_fails_with_limit_policy_reject() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.limit_policy = LimitPolicy::Reject;
    let mut h = Harness::new(cfg);
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    let t = h.session.subscribe_with_id(h.now, &[("c", o)], sansmqtt_proto::SubscriptionId::new(9)).unwrap();
    let mut p = ConnAckProperties::default();
    p.subscription_identifiers_available = Some(false);
    let ev = h.connect_with(false, p);
    assert!(ev.contains(&Ev::Subscribed(t, vec![ReasonCode::SubscriptionIdentifiersNotSupported])), "{ev:?}");
    assert!(subscribe_ids(&h.take_inbox()).is_empty());
}

/// 5.0: re-subscribing a lost session is held to the new server's limits like any pending
/// request: a wildcard filter the server does not support is not sent, and is reported in
/// `Resubscribed` with 0xA2; the other filter of the same SUBSCRIBE is restored all the same.
#[test]
fn v5_resubscription_after_a_lost_session_meets_the_new_servers_limits() {
    let mut h = v5();
    h.connect(false);
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    h.session.subscribe(h.now, &[("w/#", o), ("plain", o)]).unwrap();
    h.drive();
    let id = match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => s.packet_id.get(),
        other => panic!("{other:?}"),
    };
    h.suback(id, &[ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS1]);
    h.drop_link();
    h.take_events();
    h.advance(500);
    h.expect_connect();
    let mut p = ConnAckProperties::default();
    p.wildcard_subscription_available = Some(false);
    h.connack(false, p);
    let inbox = h.take_inbox();
    assert_eq!(subscribe_ids(&inbox), [(vec!["plain".to_string()], None)], "w/# not sent: no wildcards");
    let ev = h.take_events();
    assert!(
        matches!(&ev[..], [Ev::Connected { .. }, Ev::Resubscribed(r)]
            if r == &[("w/#".to_string(), ReasonCode::WildcardSubscriptionsNotSupported)]),
        "{ev:?}"
    );
    h.suback(packet_ids(&inbox)[0], &[ReasonCode::GrantedQoS1]);
    assert_eq!(h.take_events(), [Ev::Resubscribed(vec![("plain".to_string(), ReasonCode::GrantedQoS1)])]);
}

/// 5.0: [MQTT-3.2.2-11]
///
/// Lowering a queued message to QoS 0 drops its packet identifier; when that shortens the
/// Remaining Length across a byte boundary (128 / 16,384) the packet and its remaining Message
/// Expiry Interval are still exact.
#[test]
fn v5_downgrade_to_qos0_is_exact_across_remaining_length_boundaries() {
    for target in [127usize, 128, 129, 130, 16_383, 16_384, 16_385] {
        let mut h = v5();
        let mut m = Outgoing::new("q", b"", QoS::AtLeastOnce);
        m.properties.message_expiry_interval = Some(50);
        m.properties.payload_format_indicator = Some(sansmqtt_proto::PayloadFormat::Utf8);
        // Remaining Length = topic (3) + id (2) + properties (1 + 2 + 5) + payload.
        let payload = vec![b'p'; target - 13];
        m.payload = &payload;
        h.session.publish(h.now, &m).unwrap();
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        let mut p = ConnAckProperties::default();
        p.maximum_qos = Some(QoS::AtMostOnce);
        h.advance(2_000);
        h.connack(false, p);
        match h.take_inbox().as_slice() {
            [Packet::Publish(p)] => {
                assert_eq!(p.qos(), QoS::AtMostOnce, "{target}");
                assert_eq!(p.topic.as_str(), "q");
                assert_eq!(p.properties.message_expiry_interval, Some(48), "{target}");
                assert_eq!(p.properties.payload_format_indicator, Some(sansmqtt_proto::PayloadFormat::Utf8));
                assert_eq!(p.payload.as_bytes(), &payload[..], "{target}");
            }
            other => panic!("{target}: {other:?}"),
        }
    }
}

/// 5.0: a pending SUBSCRIBE loses its Subscription Identifier exactly, also when that
/// shortens the Remaining Length across the 128 boundary.
#[test]
fn v5_pending_subscribe_without_its_identifier_is_exact_across_a_remaining_length_boundary() {
    for len in [118usize, 119, 120, 121, 122] {
        let mut h = v5();
        let filter = "f".repeat(len);
        let o = SubscriptionOptions::new(QoS::AtLeastOnce);
        let id = sansmqtt_proto::SubscriptionId::new(200);
        h.session.subscribe_with_id(h.now, &[(filter.as_str(), o), ("g", o)], id).unwrap();
        let mut p = ConnAckProperties::default();
        p.subscription_identifiers_available = Some(false);
        h.connect_with(false, p);
        assert_eq!(
            subscribe_ids(&h.take_inbox()),
            vec![(vec![filter.clone(), "g".to_string()], None)],
            "{len}"
        );
    }
}
