//! Flow control, packet size limits, topic aliases, server limits, queue bounds, and
//! protocol violations from the broker.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Packet, ProtocolVersion, Publish, QoS, ReasonCode, TopicName};
use sansmqtt_session::{DisconnectReason, Error, Outgoing, PublishFailure, QueueFullPolicy, Violation};
use support::{Ev, Harness, VERSIONS, publishes};

fn v5() -> Harness {
    Harness::new(Harness::config(ProtocolVersion::V5))
}

fn expect_violation(h: &mut Harness, v: Violation) {
    let ev = h.take_events();
    assert_eq!(ev, vec![Ev::Disconnected(DisconnectReason::Protocol(v))]);
}

/// 5.0: [MQTT-3.3.4-7]
#[test]
fn v5_server_receive_maximum_caps_the_window() {
    let mut h = v5();
    let mut p = ConnAckProperties::default();
    p.receive_maximum = std::num::NonZeroU16::new(2);
    h.connect_with(false, p);
    for i in 0..5u8 {
        h.session.publish(h.now, &Outgoing::new("t", &[i], QoS::AtLeastOnce)).unwrap();
    }
    h.drive();
    let sent = publishes(&h.take_inbox());
    assert_eq!(sent.len(), 2, "never more unacked than the server's Receive Maximum");
    assert_eq!(h.session.queued(), 3);
    h.puback(sent[0].0.unwrap());
    assert_eq!(publishes(&h.take_inbox()).len(), 1, "one slot freed, one more sent");
}

/// 5.0: [MQTT-3.3.4-9]
#[test]
fn v5_our_receive_maximum_exceeded_is_disconnect_0x93() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.receive_maximum = 2;
    cfg.ack_mode = sansmqtt_session::AckMode::Manual;
    let mut h = Harness::new(cfg);
    h.connect(false);
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    h.publish_to_client("a", b"2", QoS::AtLeastOnce, 2);
    h.take_events();
    h.publish_to_client("a", b"3", QoS::AtLeastOnce, 3);
    let inbox = h.take_inbox();
    assert!(
        matches!(inbox.last(), Some(Packet::Disconnect(d)) if d.reason == ReasonCode::ReceiveMaximumExceeded),
        "{inbox:?}"
    );
    expect_violation(&mut h, Violation::ReceiveMaximumExceeded);
}

/// 5.0: [MQTT-3.1.2-24]
#[test]
fn incoming_packet_over_our_maximum_is_disconnect_0x95_from_the_header() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.max_packet_size = 128;
        let mut h = Harness::new(cfg);
        h.connect(false);
        // Only the fixed header of a 1000-byte PUBLISH arrives: rejected at once.
        h.feed(&[0x30, 0xE8, 0x07]);
        let inbox = h.take_inbox();
        if v.is_v5() {
            assert!(
                matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::PacketTooLarge),
                "{inbox:?}"
            );
        } else {
            assert!(inbox.is_empty());
        }
        let ev = h.take_events();
        assert!(
            matches!(
                &ev[..],
                [Ev::Disconnected(DisconnectReason::Protocol(Violation::Decode(
                    sansmqtt_proto::DecodeError::PacketTooLarge { size: 1003, max: 128 }
                )))]
            ),
            "{v}: {ev:?}"
        );
    }
}

/// 5.0: [MQTT-3.2.2-15]
#[test]
fn outgoing_packet_over_server_maximum_is_an_error_and_the_link_is_unaffected() {
    let mut h = v5();
    let mut p = ConnAckProperties::default();
    p.maximum_packet_size = std::num::NonZeroU32::new(64);
    h.connect_with(false, p);
    let big = [0u8; 100];
    let r = h.session.publish(h.now, &Outgoing::new("t", &big, QoS::AtLeastOnce));
    assert!(matches!(r, Err(Error::PacketTooLarge { max: 64, .. })), "{r:?}");
    h.session.publish(h.now, &Outgoing::new("t", b"small", QoS::AtMostOnce)).unwrap();
    h.drive();
    assert_eq!(publishes(&h.take_inbox()).len(), 1);
    assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
}

/// 3.1.1: [MQTT-2.2.2-2] [MQTT-4.8.0-1] 5.0: [MQTT-2.1.3-1]
#[test]
fn malformed_packet_is_disconnect_0x81_in_v5_and_close_in_v3() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        // PUBACK with reserved flags set.
        h.feed(&[0x41, 0x02, 0x00, 0x01]);
        let inbox = h.take_inbox();
        if v.is_v5() {
            assert!(
                matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::MalformedPacket)
            );
        } else {
            assert!(inbox.is_empty());
        }
        let ev = h.take_events();
        assert!(
            matches!(&ev[..], [Ev::Disconnected(DisconnectReason::Protocol(Violation::Decode(_)))]),
            "{ev:?}"
        );
        assert_eq!(h.actions.last(), Some(&sansmqtt_session::Action::Close));
        // It reconnects after the backoff.
        h.advance(500);
        h.expect_connect();
    }
}

/// 3.1.1: [MQTT-3.2.0-1] 5.0: [MQTT-3.2.0-1]
#[test]
fn publish_before_connack_is_a_protocol_error() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        h.publish_to_client("a", b"x", QoS::AtMostOnce, 0);
        expect_violation(&mut h, Violation::UnexpectedPacket(sansmqtt_proto::PacketType::Publish));
    }
}

#[test]
fn a_packet_only_clients_send_is_a_protocol_error() {
    use sansmqtt_proto::PacketType;
    let cases: [(&[u8], PacketType); 3] = [
        (&[0xC0, 0x00], PacketType::PingReq),
        (&[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b't', 0x00], PacketType::Subscribe),
        (&[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, b't'], PacketType::Unsubscribe),
    ];
    for v in VERSIONS {
        for (bytes, t) in cases {
            let mut h = Harness::new(Harness::config(v));
            h.connect(false);
            let mut frame = bytes.to_vec();
            if v == ProtocolVersion::V5 && t != PacketType::PingReq {
                // An empty property block after the packet id.
                frame.insert(4, 0x00);
                frame[1] += 1;
            }
            h.feed(&frame);
            expect_violation(&mut h, Violation::UnexpectedPacket(t));
            if v == ProtocolVersion::V5 {
                let inbox = h.take_inbox();
                assert!(
                    matches!(inbox.last(), Some(Packet::Disconnect(d)) if d.reason == ReasonCode::ProtocolError),
                    "{t} {inbox:?}"
                );
            }
        }
    }
}

/// 5.0: [MQTT-3.3.2-7]
/// 5.0: [MQTT-3.1.2-27] [MQTT-3.3.2-10]
#[test]
fn v5_topic_aliases_are_resolved_and_reset_per_connection() {
    let mut h = v5();
    h.connect(false);
    let mut p = Publish::new(TopicName::new("long/topic/name").unwrap(), b"1");
    p.properties.topic_alias = std::num::NonZeroU16::new(3);
    h.send(Packet::Publish(p));
    let mut p = Publish::new(TopicName::EMPTY, b"2");
    p.properties.topic_alias = std::num::NonZeroU16::new(3);
    h.send(Packet::Publish(p.clone()));
    let topics: Vec<String> = h
        .take_events()
        .into_iter()
        .map(|e| match e {
            Ev::Message { topic, .. } => topic,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(topics, ["long/topic/name", "long/topic/name"]);
    // New connection: the alias is gone [MQTT-3.3.2-7]; using it is a protocol error (0x82).
    h.drop_link();
    h.take_events();
    h.advance(500);
    h.expect_connect();
    h.connack(false, Default::default());
    h.take_events();
    h.send(Packet::Publish(p));
    let inbox = h.take_inbox();
    assert!(
        matches!(inbox.last(), Some(Packet::Disconnect(d)) if d.reason == ReasonCode::ProtocolError),
        "{inbox:?}"
    );
    expect_violation(&mut h, Violation::UnknownTopicAlias(3));
}

/// 5.0: [MQTT-3.1.2-26] [MQTT-3.3.2-10]
#[test]
fn v5_topic_alias_above_our_maximum_is_0x94() {
    let mut h = v5();
    h.connect(false);
    let mut p = Publish::new(TopicName::new("t").unwrap(), b"1");
    p.properties.topic_alias = std::num::NonZeroU16::new(1000);
    h.send(Packet::Publish(p));
    let inbox = h.take_inbox();
    assert!(matches!(inbox.last(), Some(Packet::Disconnect(d)) if d.reason == ReasonCode::TopicAliasInvalid));
    expect_violation(&mut h, Violation::TopicAliasOutOfRange(1000));
}

/// 5.0: [MQTT-3.2.2-11] [MQTT-3.2.2-14]
#[test]
fn v5_server_maximum_qos_and_retain_are_respected_locally() {
    let mut h = v5();
    let mut p = ConnAckProperties::default();
    p.maximum_qos = Some(QoS::AtMostOnce);
    p.retain_available = Some(false);
    h.connect_with(false, p);
    h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::ExactlyOnce).retain(true)).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Publish(p)] => {
            assert_eq!(p.qos(), QoS::AtMostOnce, "downgraded");
            assert!(!p.retain, "retain cleared");
        }
        other => panic!("{other:?}"),
    }
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.limit_policy = sansmqtt_session::LimitPolicy::Reject;
    let mut h = Harness::new(cfg);
    let mut p = ConnAckProperties::default();
    p.maximum_qos = Some(QoS::AtMostOnce);
    h.connect_with(false, p);
    assert_eq!(
        h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtLeastOnce)),
        Err(Error::QoSNotSupported { max: QoS::AtMostOnce })
    );
}

/// `ReadyToPublish` comes once the queue has drained to half, not at the first free slot.
#[test]
fn ready_to_publish_waits_until_the_queue_is_half_empty() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.max_queued_messages = 4;
        cfg.max_inflight = 1;
        let mut h = Harness::new(cfg);
        for i in 0..4u8 {
            h.session.publish(h.now, &Outgoing::new("t", &[i], QoS::AtLeastOnce)).unwrap();
        }
        assert_eq!(
            h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtLeastOnce)),
            Err(Error::QueueFull)
        );
        // One in flight, three queued: not yet.
        let ev = h.connect(false);
        assert!(!ev.contains(&Ev::ReadyToPublish), "{v}: {ev:?}");
        let sent = publishes(&h.take_inbox());
        assert_eq!(sent.len(), 1, "{v}");
        h.puback(sent[0].0.unwrap());
        // Two queued: half of 4.
        h.drive();
        assert!(h.take_events().contains(&Ev::ReadyToPublish), "{v}");
        assert_eq!(h.session.queued(), 2, "{v}");
    }
}

#[test]
fn queue_full_rejects_then_reports_ready_to_publish() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.max_queued_messages = 2;
        let mut h = Harness::new(cfg);
        // Not connected: messages queue.
        h.session.publish(h.now, &Outgoing::new("t", b"1", QoS::AtLeastOnce)).unwrap();
        h.session.publish(h.now, &Outgoing::new("t", b"2", QoS::AtLeastOnce)).unwrap();
        assert_eq!(
            h.session.publish(h.now, &Outgoing::new("t", b"3", QoS::AtLeastOnce)),
            Err(Error::QueueFull)
        );
        let ev = h.connect(false);
        assert!(ev.contains(&Ev::ReadyToPublish), "{v}: {ev:?}");
        assert_eq!(publishes(&h.take_inbox()).len(), 2);
    }
}

#[test]
fn queue_full_drop_oldest_reports_the_dropped_message() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.max_queued_messages = 1;
        cfg.queue_full_policy = QueueFullPolicy::DropOldest;
        let mut h = Harness::new(cfg);
        let t1 = h.session.publish(h.now, &Outgoing::new("t", b"1", QoS::AtLeastOnce)).unwrap();
        h.session.publish(h.now, &Outgoing::new("t", b"2", QoS::AtLeastOnce)).unwrap();
        h.drive();
        assert_eq!(h.take_events(), vec![Ev::PublishFailed(t1, PublishFailure::Dropped)], "{v}");
    }
}

#[test]
fn v5_message_expiry_while_queued() {
    let mut h = v5();
    let mut out = Outgoing::new("t", b"x", QoS::AtLeastOnce);
    out.properties.message_expiry_interval = Some(10);
    let expired = h.session.publish(h.now, &out).unwrap();
    out.properties.message_expiry_interval = Some(100);
    h.session.publish(h.now, &out).unwrap();
    h.advance(30_000);
    let ev = h.connect(false);
    assert!(
        ev.contains(&Ev::PublishFailed(expired, PublishFailure::Expired)),
        "expired message reported: {ev:?}"
    );
    match h.take_inbox().as_slice() {
        [Packet::Publish(p)] => {
            assert_eq!(p.properties.message_expiry_interval, Some(70), "remaining interval sent")
        }
        other => panic!("{other:?}"),
    }
}

/// 5.0: [MQTT-3.3.4-7] [MQTT-4.9.0-1]
#[test]
fn v5_resend_after_reconnect_respects_the_new_receive_maximum() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry_interval = 60;
    let mut h = Harness::new(cfg);
    h.connect(false);
    for i in 0..3u8 {
        h.session.publish(h.now, &Outgoing::new("t", &[i], QoS::AtLeastOnce)).unwrap();
    }
    h.drive();
    assert_eq!(publishes(&h.take_inbox()).len(), 3);
    h.drop_link();
    h.advance(500);
    h.expect_connect();
    let mut p = ConnAckProperties::default();
    p.receive_maximum = std::num::NonZeroU16::new(1);
    h.connack(true, p);
    // [MQTT-4.9.0-2]: the resends count against the new connection's quota, in order.
    let first = publishes(&h.take_inbox());
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].1 && first[0].3 == [0]);
    h.puback(first[0].0.unwrap());
    let second = publishes(&h.take_inbox());
    assert_eq!(second.len(), 1);
    assert!(second[0].1 && second[0].3 == [1]);
}

/// [MQTT-3.2.2-15]
#[test]
fn v5_mqtt_3_2_2_15_subscribe_over_server_maximum_packet_size_is_refused_locally() {
    let mut h = v5();
    let mut p = ConnAckProperties::default();
    p.maximum_packet_size = std::num::NonZeroU32::new(32);
    h.connect_with(false, p);
    let long = "a".repeat(40);
    let opts = sansmqtt_proto::SubscriptionOptions::new(QoS::AtMostOnce);
    assert!(matches!(
        h.session.subscribe(h.now, &[(&long, opts)]),
        Err(Error::PacketTooLarge { max: 32, .. })
    ));
    assert!(matches!(h.session.unsubscribe(h.now, &[&long]), Err(Error::PacketTooLarge { max: 32, .. })));
    h.drive();
    assert!(h.take_inbox().is_empty());
    assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
}

/// A driver of many idle connections gives back the memory of empty queues before waiting
/// (`release_idle_memory`); the session then works on as before, taking memory again.
#[test]
fn releasing_idle_memory_changes_nothing_the_peer_or_application_sees() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.take_inbox();
        for round in 0..3 {
            h.session.release_idle_memory();
            let t = h
                .session
                .publish(h.now, &sansmqtt_session::Outgoing::new("t", b"x", QoS::AtLeastOnce))
                .unwrap();
            h.drive();
            let sent = support::publishes(&h.take_inbox());
            assert_eq!(sent.len(), 1, "{v} round {round}");
            h.session.release_idle_memory();
            h.puback(sent[0].0.unwrap());
            assert!(h.take_events().contains(&Ev::Published(t, ReasonCode::Success)), "{v} round {round}");
        }
    }
}
