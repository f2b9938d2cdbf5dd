//! Conformance: subscriptions and topics as encoded by the client, delivery of what the
//! server sends (flags and v5 properties unaltered, packet ids reused by the server), byte
//! streams cut anywhere, and acks that never carry what the receiver may not want.
mod support;

use sansmqtt_proto::property::{ConnAckProperties, UserProperty};
use sansmqtt_proto::{
    Bin, Packet, PayloadFormat, ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling,
    SubscriptionOptions, TopicName, Utf8,
};
use sansmqtt_session::{DisconnectReason, Event, Outgoing, Violation};
use support::{Body, Ev, Harness, VERSIONS, frames, publishes};

fn connected(v: ProtocolVersion) -> Harness {
    let mut h = Harness::new(Harness::config(v));
    h.connect(false);
    h
}

/// 3.1.1: [MQTT-3.3.4-1] 5.0: [MQTT-4.3.2-5] [MQTT-3.3.4-1]
///
/// After the client has sent PUBACK, a PUBLISH with the same packet identifier is a new
/// message, whatever its DUP flag: delivered and acknowledged again.
#[test]
fn qos1_with_an_id_already_acknowledged_is_a_new_message() {
    for v in VERSIONS {
        let mut h = connected(v);
        h.publish_to_client("t", b"first", QoS::AtLeastOnce, 3);
        let mut again = Publish::new(TopicName::new("t").unwrap(), b"second");
        again.delivery = sansmqtt_proto::Delivery::AtLeastOnce(support::pid(3));
        again.dup = true;
        h.send(Packet::Publish(again));
        let payloads: Vec<Vec<u8>> = h
            .take_events()
            .into_iter()
            .filter_map(|e| if let Ev::Message { payload, .. } = e { Some(payload) } else { None })
            .collect();
        assert_eq!(payloads, vec![b"first".to_vec(), b"second".to_vec()], "{v}");
        let acks = h.take_inbox();
        assert!(
            matches!(acks.as_slice(), [Packet::PubAck(a), Packet::PubAck(b)] if a.packet_id.get() == 3 && b.packet_id.get() == 3),
            "{v}: {acks:?}"
        );
    }
}

/// 3.1.1: [MQTT-3.8.3-1] 5.0: [MQTT-3.8.3-1] [MQTT-3.3.1-9] [MQTT-3.3.1-10]
///
/// The subscription options byte: Maximum QoS in bits 0-1, and in 5.0 No Local (bit 2),
/// Retain As Published (bit 3) and Retain Handling (bits 4-5) exactly as asked; reserved bits 0.
#[test]
fn subscription_options_byte_is_encoded_exactly() {
    for v in VERSIONS {
        let mut h = connected(v);
        h.take_raw();
        let mut opts: Vec<(&str, SubscriptionOptions)> =
            vec![("a", SubscriptionOptions::new(QoS::ExactlyOnce))];
        if v.is_v5() {
            let mut o = SubscriptionOptions::new(QoS::AtLeastOnce);
            o.no_local = true;
            o.retain_handling = RetainHandling::SendIfNew;
            opts.push(("b", o));
            let mut o = SubscriptionOptions::new(QoS::AtMostOnce);
            o.retain_as_published = true;
            o.retain_handling = RetainHandling::DoNotSend;
            opts.push(("c", o));
        }
        h.session.subscribe(h.now, &opts).unwrap();
        h.drive();
        let raw = h.take_raw();
        let f = frames(&raw);
        assert_eq!(f.len(), 1);
        let mut b = Body(&f[0].1);
        b.u16();
        if v.is_v5() {
            assert_eq!(b.properties(), &[] as &[u8]);
        }
        let mut got = Vec::new();
        while !b.rest().is_empty() {
            let filter = b.field().to_vec();
            got.push((filter, b.u8()));
        }
        let mut want = vec![(b"a".to_vec(), 0x02)];
        if v.is_v5() {
            want.push((b"b".to_vec(), 0x01 | 0x04 | 0x10));
            want.push((b"c".to_vec(), 0x08 | 0x20));
        }
        assert_eq!(got, want, "{v}");
    }
}

/// 3.1.1: [MQTT-3.8.3-3] [MQTT-3.10.3-2] [MQTT-4.7.3-1] [MQTT-4.7.3-2] [MQTT-4.7.3-3]
/// 5.0: [MQTT-3.8.3-2] [MQTT-3.10.3-2] [MQTT-4.7.3-1] [MQTT-4.7.3-2] [MQTT-4.7.3-3]
///
/// Refused locally, nothing sent: SUBSCRIBE / UNSUBSCRIBE without filters, and topic names or
/// filters that are empty, contain U+0000, or encode to more than 65,535 bytes.
#[test]
fn empty_requests_and_invalid_topics_are_refused_locally() {
    let long = "a".repeat(65_536);
    for v in VERSIONS {
        let mut h = connected(v);
        assert!(h.session.subscribe(h.now, &[]).is_err(), "{v}");
        assert!(h.session.unsubscribe(h.now, &[]).is_err(), "{v}");
        for topic in ["", "a\0b", long.as_str()] {
            let o = SubscriptionOptions::new(QoS::AtMostOnce);
            assert!(h.session.publish(h.now, &Outgoing::new(topic, b"x", QoS::AtMostOnce)).is_err(), "{v}");
            assert!(h.session.subscribe(h.now, &[(topic, o)]).is_err(), "{v}");
            assert!(h.session.unsubscribe(h.now, &[topic]).is_err(), "{v}");
        }
        // 65,535 bytes is the limit, not over it.
        let max = "a".repeat(65_535);
        assert!(h.session.unsubscribe(h.now, &[max.as_str()]).is_ok(), "{v}");
        h.drive();
        let sent = h.take_inbox();
        assert!(matches!(sent.as_slice(), [Packet::Unsubscribe(_)]), "{v}: {sent:?}");
    }
}

/// 5.0: [MQTT-3.8.3-4] [MQTT-4.8.2-1] [MQTT-4.8.2-2]
///
/// No Local on a shared subscription, and malformed `$share/` filters (empty share name, a
/// wildcard in it, nothing after it), are refused locally.
#[test]
fn v5_invalid_shared_subscriptions_are_refused_locally() {
    let mut h = connected(ProtocolVersion::V5);
    let mut nl = SubscriptionOptions::new(QoS::AtMostOnce);
    nl.no_local = true;
    assert!(h.session.subscribe(h.now, &[("$share/g/a", nl)]).is_err());
    let o = SubscriptionOptions::new(QoS::AtMostOnce);
    for bad in ["$share//a", "$share/g+/a", "$share/g#/a", "$share/g", "$share/g/"] {
        assert!(h.session.subscribe(h.now, &[(bad, o)]).is_err(), "{bad}");
    }
    h.drive();
    assert!(h.take_inbox().is_empty());
    assert!(h.session.subscribe(h.now, &[("$share/g/a/#", o)]).is_ok());
    h.drive();
    assert!(matches!(h.take_inbox().as_slice(), [Packet::Subscribe(_)]));
}

/// 3.1.1: [MQTT-3.3.1-5] [MQTT-3.3.1-12] [MQTT-3.3.1-8] [MQTT-3.3.1-9]
/// 5.0: [MQTT-3.3.1-5] [MQTT-3.3.1-8]
///
/// The client's side of retained messages: RETAIN goes out exactly as the application asks
/// (1 or 0), and the RETAIN flag of a received PUBLISH is reported as received.
#[test]
fn retain_flag_is_sent_as_asked_and_reported_as_received() {
    for v in VERSIONS {
        let mut h = connected(v);
        h.take_raw();
        h.session.publish(h.now, &Outgoing::new("r", b"1", QoS::AtMostOnce).retain(true)).unwrap();
        h.session.publish(h.now, &Outgoing::new("r", b"0", QoS::AtMostOnce)).unwrap();
        h.drive();
        let raw = h.take_raw();
        let firsts: Vec<u8> = frames(&raw).iter().map(|f| f.0).collect();
        assert_eq!(firsts, vec![0x31, 0x30], "{v}");
        assert_eq!(h.take_events().len(), 2, "{v}: both published");
        for retain in [true, false] {
            let mut p = Publish::new(TopicName::new("r").unwrap(), b"m");
            p.retain = retain;
            h.send(Packet::Publish(p));
            assert!(
                matches!(h.take_events().as_slice(), [Ev::Message { retain: r, .. }] if *r == retain),
                "{v}"
            );
        }
    }
}

/// 5.0: [MQTT-3.3.2-4] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.4-3]
/// [MQTT-3.3.2-13] [MQTT-3.3.2-19]
///
/// What the server sends with a message reaches the application unaltered: Payload Format
/// Indicator, Content Type, Response Topic, Correlation Data, Subscription Identifiers, and the
/// User Properties in order. The client's own PUBLISH carries them unaltered too.
#[test]
fn v5_publish_properties_pass_through_unaltered_both_ways() {
    let mut h = connected(ProtocolVersion::V5);
    let users = [
        UserProperty { name: Utf8::new("z").unwrap(), value: Utf8::new("1").unwrap() },
        UserProperty { name: Utf8::new("a").unwrap(), value: Utf8::new("2").unwrap() },
        UserProperty { name: Utf8::new("z").unwrap(), value: Utf8::new("3").unwrap() },
    ];
    let ids =
        [sansmqtt_proto::SubscriptionId::new(7).unwrap(), sansmqtt_proto::SubscriptionId::new(300).unwrap()];
    let mut p = Publish::new(TopicName::new("req").unwrap(), b"{}");
    p.properties.payload_format_indicator = Some(PayloadFormat::Utf8);
    p.properties.content_type = Some(Utf8::new("application/json").unwrap());
    p.properties.response_topic = Some(TopicName::new("resp/1").unwrap());
    p.properties.correlation_data = Some(Bin::new(b"\x00\x01"));
    p.properties.user_properties = sansmqtt_proto::property::UserProperties::new(&users);
    p.properties.subscription_identifiers = sansmqtt_proto::property::SubscriptionIds::new(&ids);
    let mut bytes = Vec::new();
    Packet::Publish(p.clone()).encode_to_vec(ProtocolVersion::V5, &mut bytes).unwrap();
    h.session.handle_data(h.now, &mut h.rx, &bytes);
    match h.session.poll_event(&mut h.rx) {
        Some(Event::Message(m)) => {
            let q = &m.properties;
            assert_eq!(q.payload_format_indicator, Some(PayloadFormat::Utf8));
            assert_eq!(q.content_type.as_ref().map(|s| s.as_str()), Some("application/json"));
            assert_eq!(q.response_topic.as_ref().map(|s| s.as_str()), Some("resp/1"));
            assert_eq!(q.correlation_data.as_ref().map(|d| d.as_bytes()), Some(&b"\x00\x01"[..]));
            let got: Vec<(String, String)> =
                q.user_properties.iter().map(|u| (u.name.as_str().into(), u.value.as_str().into())).collect();
            let want: Vec<(String, String)> = [("z", "1"), ("a", "2"), ("z", "3")]
                .iter()
                .map(|(a, b)| ((*a).into(), (*b).into()))
                .collect();
            assert_eq!(got, want);
            assert_eq!(q.subscription_identifiers.iter().map(|i| i.get()).collect::<Vec<_>>(), vec![7, 300]);
        }
        other => panic!("{other:?}"),
    }
    // The client's own PUBLISH: the same properties (but no Subscription Identifier).
    let mut out = Outgoing::new("req", b"{}", QoS::AtMostOnce);
    out.properties = p.properties.clone();
    out.properties.subscription_identifiers = sansmqtt_proto::property::SubscriptionIds::EMPTY;
    h.session.publish(h.now, &out).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Publish(s)] => {
            assert_eq!(s.properties.content_type.as_ref().map(|s| s.as_str()), Some("application/json"));
            assert_eq!(s.properties.correlation_data.as_ref().map(|d| d.as_bytes()), Some(&b"\x00\x01"[..]));
            let names: Vec<String> =
                s.properties.user_properties.iter().map(|u| u.value.as_str().to_string()).collect();
            assert_eq!(names, ["1", "2", "3"]);
        }
        other => panic!("{other:?}"),
    }
}

/// 3.1.1: [MQTT-6.0.0-2] [MQTT-7.1.2-1] 5.0: [MQTT-6.0.0-2] [MQTT-4.2-1] [MQTT-4.2.0-1]
///
/// The session reads an ordered byte stream and assumes nothing about how it is cut: the same
/// packets give the same result delivered one byte at a time or all in one read.
#[test]
fn packets_are_not_assumed_aligned_on_reads() {
    for v in VERSIONS {
        let mut stream = Vec::new();
        for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce].into_iter().enumerate() {
            let mut p = Publish::new(TopicName::new("s/t").unwrap(), b"payload");
            p.delivery = match qos {
                QoS::AtMostOnce => sansmqtt_proto::Delivery::AtMostOnce,
                QoS::AtLeastOnce => sansmqtt_proto::Delivery::AtLeastOnce(support::pid(i as u16 + 1)),
                QoS::ExactlyOnce => sansmqtt_proto::Delivery::ExactlyOnce(support::pid(i as u16 + 1)),
            };
            Packet::Publish(p).encode_to_vec(v, &mut stream).unwrap();
        }
        Packet::PingResp.encode_to_vec(v, &mut stream).unwrap();
        let mut results = Vec::new();
        for chunk in [1, stream.len()] {
            let mut h = connected(v);
            for piece in stream.chunks(chunk) {
                assert_eq!(h.session.handle_data(h.now, &mut h.rx, piece), piece.len());
                h.drive();
            }
            let msgs = h.take_events();
            assert_eq!(msgs.len(), 3, "{v}, reads of {chunk}: {msgs:?}");
            results.push((msgs, h.take_inbox()));
        }
        assert_eq!(results[0], results[1], "{v}");
    }
}

/// 3.1.1: [MQTT-3.1.4-5] 5.0: [MQTT-3.1.4-6]
///
/// The client sends nothing after CONNECT until the CONNACK accepts it: when the server
/// refuses, CONNECT was the only packet on the connection.
#[test]
fn nothing_follows_connect_before_the_connack_accepts_it() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.publish(h.now, &Outgoing::new("q", b"x", QoS::AtLeastOnce)).unwrap();
        h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
        h.session.connect(h.now).unwrap();
        h.drive();
        h.advance(9_000);
        h.send(Packet::ConnAck(sansmqtt_proto::ConnAck {
            session_present: false,
            reason: ReasonCode::NotAuthorized,
            properties: Default::default(),
        }));
        let sent = h.take_inbox();
        assert!(matches!(sent.as_slice(), [Packet::Connect(_)]), "{v}: {sent:?}");
        assert!(!h.open);
    }
}

/// 5.0: [MQTT-3.4.2-2] [MQTT-3.4.2-3] [MQTT-3.5.2-2] [MQTT-3.5.2-3] [MQTT-3.6.2-2]
/// [MQTT-3.6.2-3] [MQTT-3.7.2-2] [MQTT-3.7.2-3] [MQTT-3.14.2-4]
///
/// The client's PUBACK, PUBREC, PUBREL, PUBCOMP and error DISCONNECT carry no Reason String
/// or User Property, so they never grow past a small Maximum Packet Size of the server: a
/// successful ack is 4 bytes, a DISCONNECT 3.
#[test]
fn v5_client_acks_and_disconnect_carry_no_optional_properties() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    let mut p = ConnAckProperties::default();
    p.maximum_packet_size = std::num::NonZeroU32::new(16);
    h.connect_with(false, p);
    h.take_raw();
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    h.publish_to_client("a", b"2", QoS::ExactlyOnce, 2);
    h.pubrel(2);
    h.session.publish(h.now, &Outgoing::new("a", b"3", QoS::ExactlyOnce)).unwrap();
    h.drive();
    let id = publishes(&h.take_inbox())[0].0.unwrap();
    h.pubrec(id);
    // A malformed packet: DISCONNECT 0x81.
    h.feed(&[0x41, 0x02, 0x00, 0x01]);
    let raw = h.take_raw();
    let [hi, lo] = id.to_be_bytes();
    let acks: Vec<Vec<u8>> = frames(&raw)
        .into_iter()
        .filter(|f| f.0 != 0x34)
        .map(|(b, body)| [vec![b, body.len() as u8], body].concat())
        .collect();
    assert_eq!(
        acks,
        vec![
            vec![0x40, 2, 0, 1],
            vec![0x50, 2, 0, 2],
            vec![0x70, 2, 0, 2],
            vec![0x62, 2, hi, lo],
            vec![0xE0, 1, 0x81]
        ]
    );
    assert!(matches!(
        h.take_events().last(),
        Some(Ev::Disconnected(DisconnectReason::Protocol(Violation::Decode(_))))
    ));
}

/// 5.0: [MQTT-4.3.3-7]
///
/// Message expiry applies only while a message waits to be sent: once its PUBLISH is on the
/// wire it is resent after a reconnect however long ago it expired.
#[test]
fn v5_message_expiry_does_not_apply_once_sent() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.session_expiry_interval = 600;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let mut m = Outgoing::new("e", b"x", QoS::ExactlyOnce);
    m.properties.message_expiry_interval = Some(2);
    h.session.publish(h.now, &m).unwrap();
    h.drive();
    let first = publishes(&h.take_inbox());
    h.drop_link();
    h.advance(5_000);
    h.advance(5_000);
    h.take_inbox();
    h.connack(true, Default::default());
    let again = publishes(&h.take_inbox());
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!((again[0].0, again[0].1), (first[0].0, true));
    assert!(!h.take_events().iter().any(|e| matches!(e, Ev::PublishFailed(..))));
}

/// 5.0: [MQTT-3.2.2-19] [MQTT-3.2.2-20] [MQTT-3.9.2-1] [MQTT-3.11.2-1] [MQTT-3.11.2-2]
///
/// A CONNACK, SUBACK or UNSUBACK that a Reason String or User Property makes larger than the
/// client's Maximum Packet Size is refused like any oversized packet: DISCONNECT 0x95.
#[test]
fn v5_acks_grown_past_our_maximum_by_properties_are_0x95() {
    let reason = "r".repeat(200);
    for which in ["CONNACK", "SUBACK", "UNSUBACK"] {
        let mut cfg = Harness::config(ProtocolVersion::V5);
        cfg.max_packet_size = 128;
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        assert_eq!(h.expect_connect().properties.maximum_packet_size.map(|m| m.get()), Some(128));
        let mut bytes = Vec::new();
        if which == "CONNACK" {
            let mut p = ConnAckProperties::default();
            p.reason_string = Some(Utf8::new(&reason).unwrap());
            let c = sansmqtt_proto::ConnAck {
                session_present: false,
                reason: ReasonCode::Success,
                properties: p,
            };
            Packet::ConnAck(c).encode_to_vec(ProtocolVersion::V5, &mut bytes).unwrap();
        } else {
            h.connack(false, Default::default());
            h.take_events();
            let mut props = sansmqtt_proto::property::AckProperties::default();
            props.reason_string = Some(Utf8::new(&reason).unwrap());
            let codes = sansmqtt_proto::ReasonCodes::new(&[ReasonCode::Success]);
            let p = if which == "SUBACK" {
                h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
                Packet::SubAck(sansmqtt_proto::SubAck {
                    packet_id: support::pid(1),
                    properties: props,
                    reasons: codes,
                })
            } else {
                h.session.unsubscribe(h.now, &["s"]).unwrap();
                Packet::UnsubAck(sansmqtt_proto::UnsubAck {
                    packet_id: support::pid(1),
                    properties: props,
                    reasons: codes,
                })
            };
            h.drive();
            h.take_inbox();
            p.encode_to_vec(ProtocolVersion::V5, &mut bytes).unwrap();
        }
        h.feed(&bytes);
        let inbox = h.take_inbox();
        assert!(
            matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::PacketTooLarge),
            "{which}: {inbox:?}"
        );
        assert!(!h.open, "{which}");
    }
}
