//! Conformance: how the client reacts to malformed or unexpected packets from the broker.
//! A malformed packet or a protocol error closes the connection; in 5.0 a DISCONNECT with the
//! reason code (0x81 Malformed Packet, 0x82 Protocol Error, ...) goes first, in 3.1.1 nothing
//! does. No message is delivered from a bad packet.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Packet, PacketType, ProtocolVersion, QoS, ReasonCode};
use sansmqtt_session::{Action, DisconnectReason, Violation};
use support::{Ev, Harness, VERSIONS};

/// A PUBLISH frame from raw parts: `flags` is the fixed header's low nibble, `topic` the raw
/// topic bytes, `id` the packet identifier if any; v5 gets an empty property block.
fn publish(v: ProtocolVersion, flags: u8, topic: &[u8], id: Option<u16>, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    body.extend_from_slice(topic);
    if let Some(id) = id {
        body.extend_from_slice(&id.to_be_bytes());
    }
    if v.is_v5() {
        body.push(0);
    }
    body.extend_from_slice(payload);
    let mut f = vec![0x30 | flags, body.len() as u8];
    f.extend_from_slice(&body);
    f
}

/// Connected, then `bytes` arrive: the connection is closed as a protocol violation, with a
/// v5 DISCONNECT carrying `code` first, and nothing delivered.
fn expect_closed(h: &mut Harness, bytes: &[u8], code: ReasonCode, what: &str) -> Violation {
    let v = h.version;
    h.feed(bytes);
    let inbox = h.take_inbox();
    if v.is_v5() {
        assert!(
            matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == code),
            "{v} {what}: expected DISCONNECT {code:?}, got {inbox:?}"
        );
    } else {
        assert!(inbox.is_empty(), "{v} {what}: {inbox:?}");
    }
    assert_eq!(h.actions.last(), Some(&Action::Close), "{v} {what}");
    assert!(!h.open, "{v} {what}: transport still open");
    match h.take_events().as_slice() {
        [Ev::Disconnected(DisconnectReason::Protocol(violation))] => *violation,
        other => panic!("{v} {what}: {other:?}"),
    }
}

fn connected(v: ProtocolVersion) -> Harness {
    let mut h = Harness::new(Harness::config(v));
    h.connect(false);
    h
}

/// 3.1.1: [MQTT-3.3.1-4] [MQTT-3.3.1-2] [MQTT-1.5.3-1] [MQTT-1.5.3-2] [MQTT-4.8.0-1]
/// 5.0: [MQTT-3.3.1-4] [MQTT-3.3.1-2] [MQTT-1.5.4-1] [MQTT-1.5.4-2]
///
/// Malformed PUBLISH packets (QoS 3, DUP on QoS 0, ill-formed UTF-8, a surrogate, U+0000 in
/// the topic) close the connection; 5.0 says 0x81 Malformed Packet first.
#[test]
fn malformed_publish_closes_the_connection_0x81() {
    for v in VERSIONS {
        let cases: [(&str, Vec<u8>); 5] = [
            ("QoS 3", publish(v, 0x06, b"a", Some(1), b"x")),
            ("DUP on QoS 0", publish(v, 0x08, b"a", None, b"x")),
            ("ill-formed UTF-8", publish(v, 0, &[b'a', 0xC3, 0x28], None, b"x")),
            ("surrogate U+D800", publish(v, 0, &[0xED, 0xA0, 0x80], None, b"x")),
            ("U+0000", publish(v, 0, &[b'a', 0x00, b'b'], None, b"x")),
        ];
        for (what, bytes) in cases {
            let mut h = connected(v);
            let violation = expect_closed(&mut h, &bytes, ReasonCode::MalformedPacket, what);
            assert!(matches!(violation, Violation::Decode(_)), "{v} {what}: {violation:?}");
        }
    }
}

/// 3.1.1: [MQTT-3.3.2-2] [MQTT-4.7.1-1] [MQTT-4.7.3-1] [MQTT-4.8.0-1]
/// 5.0: [MQTT-3.3.2-2] [MQTT-4.7.0-1] [MQTT-4.7.3-1] [MQTT-2.2.1-3]
///
/// A PUBLISH whose topic name has a wildcard or is empty (without a topic alias), or a QoS 1
/// PUBLISH with packet identifier 0, is a protocol error: the connection is closed (5.0: 0x82).
#[test]
fn publish_with_an_invalid_topic_name_or_id_is_a_protocol_error_0x82() {
    for v in VERSIONS {
        let cases: [(&str, Vec<u8>); 4] = [
            ("'+' in the topic", publish(v, 0, b"a/+", None, b"x")),
            ("'#' in the topic", publish(v, 0, b"a/#", None, b"x")),
            ("empty topic", publish(v, 0, b"", None, b"x")),
            ("packet id 0", publish(v, 0x02, b"a", Some(0), b"x")),
        ];
        for (what, bytes) in cases {
            let mut h = connected(v);
            expect_closed(&mut h, &bytes, ReasonCode::ProtocolError, what);
        }
    }
}

/// 3.1.1: [MQTT-2.2.2-1] [MQTT-2.2.2-2] 5.0: [MQTT-2.1.3-1] [MQTT-3.14.1-1] [MQTT-3.15.1-1]
///
/// Reserved fixed-header flags set on any packet the server sends (PUBACK, PUBREC, PUBREL
/// without 0b0010, PUBCOMP, SUBACK, UNSUBACK, PINGRESP; 5.0 also DISCONNECT and AUTH):
/// malformed, the connection is closed (5.0: DISCONNECT 0x81 first).
#[test]
fn reserved_fixed_header_flags_on_any_server_packet_are_malformed() {
    for v in VERSIONS {
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("PUBACK", vec![0x41, 0x02, 0x00, 0x01]),
            ("PUBREC", vec![0x58, 0x02, 0x00, 0x01]),
            ("PUBREL", vec![0x60, 0x02, 0x00, 0x01]),
            ("PUBCOMP", vec![0x72, 0x02, 0x00, 0x01]),
            ("SUBACK", vec![0x92, 0x03, 0x00, 0x01, 0x00]),
            ("UNSUBACK", vec![0xB4, 0x02, 0x00, 0x01]),
            ("PINGRESP", vec![0xD1, 0x00]),
        ];
        if v.is_v5() {
            cases.push(("DISCONNECT", vec![0xE1, 0x00]));
            cases.push(("AUTH", vec![0xF1, 0x00]));
        }
        for (what, bytes) in cases {
            let mut h = connected(v);
            let violation = expect_closed(&mut h, &bytes, ReasonCode::MalformedPacket, what);
            assert!(
                matches!(violation, Violation::Decode(sansmqtt_proto::DecodeError::InvalidFlags { .. })),
                "{v} {what}: {violation:?}"
            );
        }
    }
}

/// 5.0: [MQTT-3.2.2-1]
///
/// CONNACK acknowledge flags with a reserved bit set are malformed.
#[test]
fn v5_connack_reserved_flag_bits_are_malformed() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    // Acknowledge flags 0x02 (bit 1 reserved), reason 0, no properties.
    expect_closed(&mut h, &[0x20, 0x03, 0x02, 0x00, 0x00], ReasonCode::MalformedPacket, "CONNACK flags");
}

/// 5.0: [MQTT-2.1.3-1] [MQTT-3.2.1-1 area]
///
/// A CONNACK with reserved fixed-header flags and the 2-byte body of a 3.1.1 "unacceptable
/// protocol version" refusal is malformed, not a refusal: DISCONNECT 0x81, and no fallback to
/// 3.1.1 even when it is allowed.
#[test]
fn v5_connack_with_reserved_flags_is_malformed_not_a_version_refusal() {
    for fallback in [false, true] {
        let mut cfg = Harness::config(ProtocolVersion::V5);
        cfg.fallback_to_v3_1_1 = fallback;
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        let violation =
            expect_closed(&mut h, &[0x29, 0x02, 0x00, 0x01], ReasonCode::MalformedPacket, "CONNACK");
        assert!(
            matches!(violation, Violation::Decode(sansmqtt_proto::DecodeError::InvalidFlags { .. })),
            "fallback {fallback}: {violation:?}"
        );
        assert_eq!(h.session.protocol_version(), ProtocolVersion::V5, "fallback {fallback}");
    }
}

/// 5.0: [MQTT-4.3.3-4 area] A PUBREC with an error reason code ends the QoS 2 flow: for an
/// unknown packet id too, nothing is sent in answer (no PUBREL 0x92), and the connection stays.
#[test]
fn v5_an_error_pubrec_for_an_unknown_id_is_not_answered() {
    let mut h = connected(ProtocolVersion::V5);
    for code in [ReasonCode::UnspecifiedError, ReasonCode::QuotaExceeded] {
        h.send(Packet::PubRec(sansmqtt_proto::Ack {
            reason: code,
            ..sansmqtt_proto::Ack::new(support::pid(7))
        }));
        assert!(h.take_inbox().is_empty(), "{code:?}");
    }
    // A successful PUBREC for an unknown id is still answered with PUBREL 0x92.
    h.send(Packet::PubRec(sansmqtt_proto::Ack::new(support::pid(8))));
    assert!(matches!(
        h.take_inbox().as_slice(),
        [Packet::PubRel(a)] if a.reason == ReasonCode::PacketIdentifierNotFound && a.packet_id.get() == 8
    ));
    assert!(h.open);
    assert!(h.take_events().is_empty());
}

/// 5.0: [MQTT-1.5.7-1]
///
/// A User Property whose value is not well-formed UTF-8 makes the packet malformed (0x81).
#[test]
fn v5_ill_formed_user_property_pair_is_malformed() {
    let mut h = connected(ProtocolVersion::V5);
    // PUBLISH "a", properties: User Property ("k", 0xFF), payload "x".
    let bytes = [0x30, 12, 0x00, 0x01, b'a', 7, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, 0xFF, b'x'];
    expect_closed(&mut h, &bytes, ReasonCode::MalformedPacket, "user property");
}

/// 3.1.1: [MQTT-1.5.3-3] 5.0: [MQTT-1.5.4-3]
///
/// U+FEFF (0xEF 0xBB 0xBF) in a string is kept as it is, not skipped or stripped.
#[test]
fn zero_width_no_break_space_is_not_stripped() {
    for v in VERSIONS {
        let mut h = connected(v);
        let topic = "\u{FEFF}a/\u{FEFF}";
        h.feed(&publish(v, 0, topic.as_bytes(), None, b"x"));
        let ev = h.take_events();
        assert!(matches!(&ev[..], [Ev::Message { topic: t, .. }] if t == topic), "{v}: {ev:?}");
        assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
    }
}

/// 3.1.1: [MQTT-3.2.0-1] [MQTT-4.8.0-1] 5.0: [MQTT-3.2.0-1]
///
/// Before CONNACK, any packet other than CONNACK (5.0: or AUTH) is a protocol error.
#[test]
fn packets_before_connack_are_a_protocol_error() {
    for v in VERSIONS {
        for (what, bytes) in [("PUBACK", vec![0x40, 0x02, 0x00, 0x01]), ("PINGRESP", vec![0xD0, 0x00])] {
            let mut h = Harness::new(Harness::config(v));
            h.session.connect(h.now).unwrap();
            h.drive();
            h.expect_connect();
            let violation = expect_closed(&mut h, &bytes, ReasonCode::ProtocolError, what);
            assert!(matches!(violation, Violation::UnexpectedPacket(_)), "{v} {what}: {violation:?}");
        }
    }
}

/// 3.1.1: [MQTT-4.8.0-1] 5.0: [MQTT-3.2.0-2]
///
/// A second CONNACK on the same connection is a protocol error (5.0: 0x82).
#[test]
fn a_second_connack_is_a_protocol_error() {
    for v in VERSIONS {
        let mut h = connected(v);
        let bytes: &[u8] =
            if v.is_v5() { &[0x20, 0x03, 0x00, 0x00, 0x00] } else { &[0x20, 0x02, 0x00, 0x00] };
        let violation = expect_closed(&mut h, bytes, ReasonCode::ProtocolError, "second CONNACK");
        assert_eq!(violation, Violation::UnexpectedPacket(PacketType::ConnAck));
    }
}

/// 3.1.1: [MQTT-3.9.3-2] [MQTT-3.8.4-5] 5.0: [MQTT-3.8.4-6] [MQTT-3.8.4-7]
///
/// A SUBACK return code outside the allowed set is malformed; a SUBACK with another number of
/// codes than the SUBSCRIBE had filters is a protocol error.
#[test]
fn suback_with_invalid_or_missing_codes_closes_the_connection() {
    for v in VERSIONS {
        let mut h = connected(v);
        h.session
            .subscribe(h.now, &[("a", sansmqtt_proto::SubscriptionOptions::new(QoS::AtMostOnce))])
            .unwrap();
        h.drive();
        h.take_inbox();
        let props: &[u8] = if v.is_v5() { &[0x00] } else { &[] };
        let mut bad = vec![0x90, 3 + props.len() as u8, 0x00, 0x01];
        bad.extend_from_slice(props);
        bad.push(0x03);
        expect_closed(&mut h, &bad, ReasonCode::MalformedPacket, "SUBACK code 3");

        let mut h = connected(v);
        h.session
            .subscribe(
                h.now,
                &[
                    ("a", sansmqtt_proto::SubscriptionOptions::new(QoS::AtMostOnce)),
                    ("b", sansmqtt_proto::SubscriptionOptions::new(QoS::AtMostOnce)),
                ],
            )
            .unwrap();
        h.drive();
        h.take_inbox();
        h.suback(1, &[ReasonCode::Success]);
        assert!(!h.open, "{v}");
        let ev = h.take_events();
        assert_eq!(
            ev,
            vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::AckCountMismatch))],
            "{v}"
        );
    }
}

/// 5.0: [MQTT-3.3.2-8] [MQTT-3.1.2-26] [MQTT-3.1.2-27]
///
/// A Topic Alias of 0 from the server is a protocol error (0x82); one above the Topic Alias
/// Maximum the client sent is 0x94 Topic Alias invalid.
#[test]
fn v5_topic_alias_zero_or_above_our_maximum_closes_the_connection() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.topic_alias_maximum = 2;
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    assert_eq!(h.expect_connect().properties.topic_alias_maximum, Some(2));
    h.connack(false, ConnAckProperties::default());
    h.take_events();
    // PUBLISH "a", properties: Topic Alias (0x23) 0.
    let zero = [0x30, 9, 0x00, 0x01, b'a', 3, 0x23, 0x00, 0x00, b'x', b'y'];
    expect_closed(&mut h, &zero, ReasonCode::ProtocolError, "alias 0");

    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.topic_alias_maximum = 2;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let three = [0x30, 9, 0x00, 0x01, b'a', 3, 0x23, 0x00, 0x03, b'x', b'y'];
    let violation = expect_closed(&mut h, &three, ReasonCode::TopicAliasInvalid, "alias 3");
    assert_eq!(violation, Violation::TopicAliasOutOfRange(3));
}

/// 5.0: [MQTT-4.13.2-1]
///
/// A server DISCONNECT with a reason of 0x80 or more: the client closes the connection at
/// once and sends nothing back.
#[test]
fn v5_server_disconnect_with_an_error_closes_without_answering() {
    let mut h = connected(ProtocolVersion::V5);
    h.take_raw();
    h.send(Packet::Disconnect(sansmqtt_proto::Disconnect::new(ReasonCode::ServerShuttingDown)));
    assert!(h.take_raw().is_empty());
    assert!(!h.open);
    assert!(matches!(
        h.take_events().as_slice(),
        [Ev::Disconnected(DisconnectReason::ByServer { reason: ReasonCode::ServerShuttingDown, .. })]
    ));
}

/// 5.0: [MQTT-3.3.2-14] [MQTT-3.3.2-13]
///
/// A Response Topic is a topic name: one with a wildcard from the server is a protocol error,
/// and the client refuses one in its Will locally.
#[test]
fn v5_response_topic_with_a_wildcard_is_refused_both_ways() {
    let mut h = connected(ProtocolVersion::V5);
    // PUBLISH "a", properties: Response Topic (0x08) "r/#", payload "x".
    let bytes = [0x30, 11, 0x00, 0x01, b'a', 6, 0x08, 0x00, 0x03, b'r', b'/', b'#', b'x'];
    expect_closed(&mut h, &bytes, ReasonCode::ProtocolError, "response topic r/#");

    let mut cfg = Harness::config(ProtocolVersion::V5);
    let mut will = sansmqtt_session::WillConfig::new("w", b"x".to_vec(), QoS::AtMostOnce);
    will.response_topic = Some("replies/+".into());
    cfg.will = Some(will);
    let mut h = Harness::new(cfg);
    assert!(h.session.connect(h.now).is_err());
    h.drive();
    assert!(h.actions.is_empty());
}
