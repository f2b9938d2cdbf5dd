//! CONNECT's optional v5 properties: Request Problem Information, Request Response Information
//! and User Properties; what each one changes on the wire and in what the session accepts.
mod support;

use sansmqtt_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, UserProperties, UserProperty,
};
use sansmqtt_proto::{
    Ack, Auth, EncodeError, Packet, PacketType, ProtocolVersion, QoS, ReasonCode, SubAck,
    SubscriptionOptions, UnsubAck, Utf8,
};
use sansmqtt_session::{Action, Config, DisconnectReason, Error, Outgoing, Violation};
use support::{Ev, Harness, VERSIONS, packet_ids, pid};

fn harness(v: ProtocolVersion, cfg: impl FnOnce(&mut Config)) -> Harness {
    let mut c = Harness::config(v);
    cfg(&mut c);
    Harness::new(c)
}

/// Brings the session to where the packet is due (given the ids of its own requests), then
/// builds it.
type MakePacket<'a> = &'a dyn Fn(&mut Harness, &[u16]) -> Packet<'static>;

fn users(c: &mut Config) {
    c.user_properties = vec![("a".into(), "1".into()), ("b".into(), "2".into()), ("a".into(), "3".into())];
}

/// 5.0: [MQTT-3.1.2-28] [MQTT-3.1.2-29]
///
/// Defaults leave both request properties out of CONNECT (problem information requested,
/// response information not: the values an absent property means) and send no user
/// properties; set otherwise, CONNECT carries exactly what was configured, user properties in
/// their order and with repeated names kept.
#[test]
fn v5_connect_carries_the_configured_properties_only() {
    let mut h = harness(ProtocolVersion::V5, |_| {});
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.request_problem_information, None);
    assert_eq!(c.properties.request_response_information, None);
    assert!(c.properties.user_properties.is_empty());

    let mut h = harness(ProtocolVersion::V5, |c| {
        c.request_problem_information = false;
        c.request_response_information = true;
        users(c);
    });
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.request_problem_information, Some(false));
    assert_eq!(c.properties.request_response_information, Some(true));
    let sent: Vec<_> = c
        .properties
        .user_properties
        .iter()
        .map(|u| (u.name.as_str().to_owned(), u.value.as_str().to_owned()))
        .collect();
    let expected = [("a", "1"), ("b", "2"), ("a", "3")].map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!(sent, expected);
    // The property identifiers and values on the wire: 0x17 0, 0x19 1.
    let raw = h.take_raw();
    assert!(raw.windows(2).any(|w| w == [0x17, 0x00]), "{raw:02x?}");
    assert!(raw.windows(2).any(|w| w == [0x19, 0x01]), "{raw:02x?}");
}

/// 3.1.1 has no properties: the v5-only settings leave its CONNECT byte for byte unchanged.
#[test]
fn v3_connect_is_unchanged_by_the_v5_only_settings() {
    let bytes = |cfg: fn(&mut Config)| {
        let mut h = harness(ProtocolVersion::V3_1_1, cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        h.take_raw()
    };
    let plain = bytes(|_| {});
    let set = bytes(|c| {
        c.request_problem_information = false;
        c.request_response_information = true;
        users(c);
    });
    assert!(!plain.is_empty());
    assert_eq!(plain, set);
}

/// 3.1.1: [MQTT-1.5.3-2] 5.0: [MQTT-1.5.4-2]
///
/// A user property name or value with U+0000 or over 65,535 bytes cannot be encoded:
/// `connect` refuses the configuration at once instead of sending a broken CONNECT.
#[test]
fn invalid_connect_user_properties_are_refused_by_connect() {
    for v in VERSIONS {
        let cases: [((String, String), Error); 3] = [
            (("a\0b".into(), "v".into()), Error::Encode(EncodeError::NullCharacter)),
            (("k".into(), "\0".into()), Error::Encode(EncodeError::NullCharacter)),
            (("k".into(), "x".repeat(65_536)), Error::Encode(EncodeError::TooLong { len: 65_536 })),
        ];
        for (pair, expected) in cases {
            let mut h = harness(v, |c| c.user_properties = vec![pair.clone()]);
            assert_eq!(h.session.connect(h.now), Err(expected), "{v}");
            h.drive();
            assert!(h.take_raw().is_empty(), "{v}: nothing may be sent");
        }
    }
}

/// 5.0: [MQTT-3.1.2-29]
///
/// With Request Problem Information 0, a Reason String or a User Property on PUBACK, PUBREC,
/// PUBREL, PUBCOMP, SUBACK, UNSUBACK or AUTH is a Protocol Error: DISCONNECT 0x82, the
/// connection closed, the violation named.
#[test]
fn v5_problem_information_not_requested_on_acks_is_a_protocol_error() {
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let mut with_reason = AckProperties::default();
    with_reason.reason_string = Some(Utf8::new("because").unwrap());
    let mut with_user = AckProperties::default();
    with_user.user_properties = UserProperties::new(&users);
    for (what, props) in [("reason string", with_reason), ("user property", with_user)] {
        let ack =
            |id: u16| Ack { packet_id: pid(id), reason: ReasonCode::Success, properties: props.clone() };
        let reasons = sansmqtt_proto::ReasonCodes::new(&[ReasonCode::Success]);
        let mut auth_props = AuthProperties::default();
        auth_props.reason_string = props.reason_string.clone();
        auth_props.user_properties = props.user_properties.clone();
        let cases: [(PacketType, MakePacket<'_>); 7] = [
            (PacketType::PubAck, &|_, ids| Packet::PubAck(ack(ids[0])).into_owned()),
            (PacketType::PubRec, &|_, ids| Packet::PubRec(ack(ids[1])).into_owned()),
            (PacketType::PubComp, &|h, ids| {
                h.pubrec(ids[1]);
                h.take_inbox();
                Packet::PubComp(ack(ids[1])).into_owned()
            }),
            (PacketType::PubRel, &|h, _| {
                h.publish_to_client("in", b"x", QoS::ExactlyOnce, 9);
                h.take_inbox();
                Packet::PubRel(ack(9)).into_owned()
            }),
            (PacketType::SubAck, &|_, ids| {
                Packet::SubAck(SubAck {
                    packet_id: pid(ids[2]),
                    properties: props.clone(),
                    reasons: reasons.clone(),
                })
                .into_owned()
            }),
            (PacketType::UnsubAck, &|_, ids| {
                Packet::UnsubAck(UnsubAck {
                    packet_id: pid(ids[3]),
                    properties: props.clone(),
                    reasons: reasons.clone(),
                })
                .into_owned()
            }),
            (PacketType::Auth, &|_, _| {
                Packet::Auth(Auth { reason: ReasonCode::Success, properties: auth_props.clone() })
                    .into_owned()
            }),
        ];
        for (t, packet) in cases {
            let mut h = harness(ProtocolVersion::V5, |c| c.request_problem_information = false);
            h.connect(false);
            h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
            h.session.publish(h.now, &Outgoing::new("a", b"2", QoS::ExactlyOnce)).unwrap();
            h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
            h.session.unsubscribe(h.now, &["s"]).unwrap();
            h.drive();
            let ids = packet_ids(&h.take_inbox());
            let p = packet(&mut h, &ids);
            h.take_events();
            h.send(p);
            let inbox = h.take_inbox();
            assert!(
                matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError),
                "{t} with a {what}: {inbox:?}"
            );
            assert_eq!(h.actions.last(), Some(&Action::Close), "{t} with a {what}");
            assert_eq!(
                h.take_events(),
                [Ev::Disconnected(DisconnectReason::Protocol(Violation::ProblemInformationNotRequested(t)))],
                "{t} with a {what}"
            );
        }
    }
}

/// 5.0: [MQTT-3.1.2-29]
///
/// With Request Problem Information 0 the server may still put a Reason String and User
/// Properties on CONNACK, PUBLISH and DISCONNECT: accepted, nothing closed early.
#[test]
fn v5_problem_information_not_requested_still_allowed_on_connack_publish_disconnect() {
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let mut h = harness(ProtocolVersion::V5, |c| c.request_problem_information = false);
    let mut props = ConnAckProperties::default();
    props.reason_string = Some(Utf8::new("welcome").unwrap());
    props.user_properties = UserProperties::new(&users);
    let events = h.connect_with(false, props);
    assert!(matches!(events.as_slice(), [Ev::Connected { .. }]), "{events:?}");
    let mut p = sansmqtt_proto::Publish::new(sansmqtt_proto::TopicName::new("t").unwrap(), b"m");
    p.properties.user_properties = UserProperties::new(&users);
    h.send(Packet::Publish(p));
    assert!(matches!(h.take_events().as_slice(), [Ev::Message { topic, .. }] if topic == "t"));
    let mut d = sansmqtt_proto::Disconnect::new(ReasonCode::ServerShuttingDown);
    d.properties.reason_string = Some(Utf8::new("bye").unwrap());
    d.properties.user_properties = UserProperties::new(&users);
    h.send(Packet::Disconnect(d));
    assert_eq!(h.take_inbox(), [], "no DISCONNECT from the client");
    assert!(matches!(
        h.take_events().as_slice(),
        [Ev::Disconnected(DisconnectReason::ByServer { reason: ReasonCode::ServerShuttingDown, reason_string: Some(s), .. })]
            if s == "bye"
    ));
}

/// 5.0: [MQTT-3.1.2-28]
///
/// Response Information the server sends in CONNACK after Request Response Information 1 is
/// handed to the application in the capabilities of `Connected`.
#[test]
fn v5_response_information_reaches_the_application() {
    let mut h = harness(ProtocolVersion::V5, |c| c.request_response_information = true);
    let mut props = ConnAckProperties::default();
    props.response_information = Some(Utf8::new("reply/here").unwrap());
    let events = h.connect_with(false, props);
    match events.as_slice() {
        [Ev::Connected { caps, .. }] => assert_eq!(caps.response_information.as_deref(), Some("reply/here")),
        other => panic!("{other:?}"),
    }
}
