//! MQTT 5.0 properties: one byte vector per property identifier with its wire type, the
//! per-packet allow table (§2.2.2.2) swept over every packet, duplicates, repeatable
//! properties, unknown identifiers and out-of-range values.

mod common;

use common::*;
use core::num::{NonZeroU16, NonZeroU32};
use sansmqtt_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PropertyId,
    PublishProperties, SubscribeProperties, UserProperty, WillProperties, WireType,
};
use sansmqtt_proto::{
    Ack, Auth, Bin, ConnAck, Connect, DecodeError, Disconnect, EncodeError, Packet, PacketType,
    PayloadFormat, Publish, QoS, ReasonCode, Subscribe, Subscription, SubscriptionId, SubscriptionOptions,
    TopicError, TopicFilter, TopicName, Utf8, Will,
};

fn u(s: &str) -> Utf8<'_> {
    Utf8::new(s).unwrap()
}

/// QoS 0 PUBLISH to "t", empty payload.
fn publish_t(properties: PublishProperties<'_>) -> Packet<'_> {
    let mut p = Publish::new(TopicName::new("t").unwrap(), b"");
    p.properties = properties;
    Packet::Publish(p)
}

fn connack_p(properties: ConnAckProperties<'_>) -> Packet<'_> {
    Packet::ConnAck(ConnAck { session_present: false, reason: ReasonCode::Success, properties })
}

/// CONNECT, client id "c", keep alive 0, clean start.
fn connect_p(properties: ConnectProperties<'_>) -> Packet<'_> {
    let mut c = Connect::new(u("c"), 0);
    c.properties = properties;
    Packet::Connect(c)
}

const CONNECT_HEAD: [u8; 10] = [0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x00];

// ---------------------------------------------------------------- one vector per property

#[test]
fn v5_property_0x01_payload_format_indicator_byte_in_publish() {
    let mut p = PublishProperties::default();
    p.payload_format_indicator = Some(PayloadFormat::Utf8);
    vector(&publish_t(p), V5, &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x01, 0x01]);
    let mut p = PublishProperties::default();
    p.payload_format_indicator = Some(PayloadFormat::Unspecified);
    vector(&publish_t(p), V5, &[0x30, 0x06, 0x00, 0x01, b't', 0x02, 0x01, 0x00]);
}

#[test]
fn v5_property_0x02_message_expiry_interval_four_byte_integer_in_publish() {
    let mut p = PublishProperties::default();
    p.message_expiry_interval = Some(0x0001_0203);
    vector(&publish_t(p), V5, &[0x30, 0x09, 0x00, 0x01, b't', 0x05, 0x02, 0x00, 0x01, 0x02, 0x03]);
}

#[test]
fn v5_mqtt_3_3_2_19_property_0x03_content_type_utf8_in_publish() {
    let mut p = PublishProperties::default();
    p.content_type = Some(u("json"));
    vector(
        &publish_t(p),
        V5,
        &[0x30, 0x0B, 0x00, 0x01, b't', 0x07, 0x03, 0x00, 0x04, b'j', b's', b'o', b'n'],
    );
}

#[test]
fn v5_mqtt_3_3_2_13_property_0x08_response_topic_utf8_in_publish() {
    let mut p = PublishProperties::default();
    p.response_topic = Some(TopicName::new("r/1").unwrap());
    vector(&publish_t(p), V5, &[0x30, 0x0A, 0x00, 0x01, b't', 0x06, 0x08, 0x00, 0x03, b'r', b'/', b'1']);
}

#[test]
fn v5_property_0x09_correlation_data_binary_in_publish() {
    let mut p = PublishProperties::default();
    p.correlation_data = Some(Bin::new(&[0x00, 0xFF]));
    vector(&publish_t(p), V5, &[0x30, 0x09, 0x00, 0x01, b't', 0x05, 0x09, 0x00, 0x02, 0x00, 0xFF]);
}

#[test]
fn v5_property_0x0b_subscription_identifier_varint_in_publish_and_subscribe() {
    let ids = [SubscriptionId::new(200).unwrap()];
    let mut p = PublishProperties::default();
    p.subscription_identifiers = (&ids[..]).into();
    vector(&publish_t(p), V5, &[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x0B, 0xC8, 0x01]);
    let subs = [Subscription {
        filter: TopicFilter::new("t").unwrap(),
        options: SubscriptionOptions::new(QoS::AtMostOnce),
    }];
    let mut s = Subscribe::new(pid(1), &subs);
    s.properties.subscription_identifier = SubscriptionId::new(268_435_455);
    #[rustfmt::skip]
    let bytes = [0x82, 0x0C, 0x00, 0x01, 0x05, 0x0B, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, b't', 0x00];
    vector(&Packet::Subscribe(s), V5, &bytes);
    assert_eq!(SubscriptionId::new(268_435_456), None);
}

#[test]
fn v5_property_0x11_session_expiry_interval_four_byte_integer_in_connect() {
    let mut p = ConnectProperties::default();
    p.session_expiry_interval = Some(u32::MAX);
    let mut bytes = vec![0x10, 0x13];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x05, 0x11, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x12_assigned_client_identifier_utf8_in_connack() {
    let mut p = ConnAckProperties::default();
    p.assigned_client_identifier = Some(u("id"));
    vector(&connack_p(p), V5, &[0x20, 0x08, 0x00, 0x00, 0x05, 0x12, 0x00, 0x02, b'i', b'd']);
}

#[test]
fn v5_property_0x13_server_keep_alive_two_byte_integer_in_connack() {
    let mut p = ConnAckProperties::default();
    p.server_keep_alive = Some(0x0102);
    vector(&connack_p(p), V5, &[0x20, 0x06, 0x00, 0x00, 0x03, 0x13, 0x01, 0x02]);
}

#[test]
fn v5_property_0x15_authentication_method_utf8_in_auth() {
    let mut p = AuthProperties::default();
    p.authentication_method = Some(u("m"));
    let a = Packet::Auth(Auth { reason: ReasonCode::Success, properties: p });
    vector(&a, V5, &[0xF0, 0x06, 0x00, 0x04, 0x15, 0x00, 0x01, b'm']);
}

#[test]
fn v5_property_0x16_authentication_data_binary_in_connack() {
    let mut p = ConnAckProperties::default();
    p.authentication_data = Some(Bin::new(&[1, 2, 3]));
    vector(&connack_p(p), V5, &[0x20, 0x09, 0x00, 0x00, 0x06, 0x16, 0x00, 0x03, 0x01, 0x02, 0x03]);
}

#[test]
fn v5_property_0x17_request_problem_information_byte_in_connect() {
    let mut p = ConnectProperties::default();
    p.request_problem_information = Some(false);
    let mut bytes = vec![0x10, 0x10];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x02, 0x17, 0x00, 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x18_will_delay_interval_four_byte_integer_in_will_properties() {
    let mut w = WillProperties::default();
    w.will_delay_interval = Some(30);
    let mut c = Connect::new(u("c"), 0);
    c.will = Some(Will {
        topic: TopicName::new("w").unwrap(),
        payload: Bin::EMPTY,
        qos: QoS::AtMostOnce,
        retain: false,
        properties: w,
    });
    #[rustfmt::skip]
    let bytes = [0x10, 0x19, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x06, 0x00, 0x00, 0x00,
        0x00, 0x01, b'c', 0x05, 0x18, 0x00, 0x00, 0x00, 0x1E, 0x00, 0x01, b'w', 0x00, 0x00];
    vector(&Packet::Connect(c), V5, &bytes);
}

#[test]
fn v5_property_0x19_request_response_information_byte_in_connect() {
    let mut p = ConnectProperties::default();
    p.request_response_information = Some(true);
    let mut bytes = vec![0x10, 0x10];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x02, 0x19, 0x01, 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x1a_response_information_utf8_in_connack() {
    let mut p = ConnAckProperties::default();
    p.response_information = Some(u("ri"));
    vector(&connack_p(p), V5, &[0x20, 0x08, 0x00, 0x00, 0x05, 0x1A, 0x00, 0x02, b'r', b'i']);
}

#[test]
fn v5_property_0x1c_server_reference_utf8_in_disconnect() {
    let mut p = DisconnectProperties::default();
    p.server_reference = Some(u("s"));
    let d = Packet::Disconnect(Disconnect { reason: ReasonCode::UseAnotherServer, properties: p });
    vector(&d, V5, &[0xE0, 0x06, 0x9C, 0x04, 0x1C, 0x00, 0x01, b's']);
}

#[test]
fn v5_property_0x1f_reason_string_utf8_in_puback() {
    let mut p = AckProperties::default();
    p.reason_string = Some(u("why"));
    let a = Packet::PubAck(Ack { packet_id: pid(1), reason: ReasonCode::UnspecifiedError, properties: p });
    vector(&a, V5, &[0x40, 0x0A, 0x00, 0x01, 0x80, 0x06, 0x1F, 0x00, 0x03, b'w', b'h', b'y']);
}

#[test]
fn v5_property_0x21_receive_maximum_two_byte_integer_in_connect() {
    let mut p = ConnectProperties::default();
    p.receive_maximum = NonZeroU16::new(u16::MAX);
    let mut bytes = vec![0x10, 0x11];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x03, 0x21, 0xFF, 0xFF, 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x22_topic_alias_maximum_two_byte_integer_in_connack_0_is_allowed() {
    let mut p = ConnAckProperties::default();
    p.topic_alias_maximum = Some(0);
    vector(&connack_p(p), V5, &[0x20, 0x06, 0x00, 0x00, 0x03, 0x22, 0x00, 0x00]);
}

#[test]
fn v5_property_0x23_topic_alias_two_byte_integer_in_publish() {
    let mut p = PublishProperties::default();
    p.topic_alias = NonZeroU16::new(0xFFFF);
    vector(&publish_t(p), V5, &[0x30, 0x07, 0x00, 0x01, b't', 0x03, 0x23, 0xFF, 0xFF]);
}

#[test]
fn v5_property_0x24_maximum_qos_byte_in_connack() {
    for (qos, b) in [(QoS::AtMostOnce, 0x00), (QoS::AtLeastOnce, 0x01)] {
        let mut p = ConnAckProperties::default();
        p.maximum_qos = Some(qos);
        vector(&connack_p(p), V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x24, b]);
    }
}

#[test]
fn v5_property_0x25_retain_available_byte_in_connack() {
    let mut p = ConnAckProperties::default();
    p.retain_available = Some(false);
    vector(&connack_p(p), V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x00]);
}

#[test]
fn v5_mqtt_1_5_7_1_property_0x26_user_property_string_pair_in_connect() {
    let users = [UserProperty { name: u("a"), value: u("b") }];
    let mut p = ConnectProperties::default();
    p.user_properties = (&users[..]).into();
    let mut bytes = vec![0x10, 0x15];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x07, 0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b', 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x27_maximum_packet_size_four_byte_integer_in_connect() {
    let mut p = ConnectProperties::default();
    p.maximum_packet_size = NonZeroU32::new(1);
    let mut bytes = vec![0x10, 0x13];
    bytes.extend(CONNECT_HEAD);
    bytes.extend([0x05, 0x27, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b'c']);
    vector(&connect_p(p), V5, &bytes);
}

#[test]
fn v5_property_0x28_0x29_0x2a_availability_bytes_in_connack() {
    let mut p = ConnAckProperties::default();
    p.wildcard_subscription_available = Some(true);
    vector(&connack_p(p), V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x28, 0x01]);
    let mut p = ConnAckProperties::default();
    p.subscription_identifiers_available = Some(false);
    vector(&connack_p(p), V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x29, 0x00]);
    let mut p = ConnAckProperties::default();
    p.shared_subscription_available = Some(true);
    vector(&connack_p(p), V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x2A, 0x01]);
}

// ---------------------------------------------------------------- repeatable properties

#[test]
fn v5_mqtt_3_3_2_18_repeated_user_properties_keep_their_order() {
    let users = [
        UserProperty { name: u("k"), value: u("2") },
        UserProperty { name: u("k"), value: u("1") },
        UserProperty { name: u("a"), value: u("") },
    ];
    let mut p = PublishProperties::default();
    p.user_properties = (&users[..]).into();
    #[rustfmt::skip]
    let bytes = [0x30, 0x18, 0x00, 0x01, b't', 0x14,
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'2',
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'1',
        0x26, 0x00, 0x01, b'a', 0x00, 0x00];
    vector(&publish_t(p), V5, &bytes);
    // Interleaved with other properties on the wire: still in order.
    #[rustfmt::skip]
    let bytes = [0x30, 0x15, 0x00, 0x01, b't', 0x11,
        0x26, 0x00, 0x01, b'x', 0x00, 0x01, b'1',
        0x23, 0x00, 0x07,
        0x26, 0x00, 0x01, b'y', 0x00, 0x01, b'2'];
    let Packet::Publish(p) = dec(&bytes, V5) else { panic!() };
    let got: Vec<(String, String)> =
        p.properties.user_properties.iter().map(|e| (e.name.to_string(), e.value.to_string())).collect();
    assert_eq!(got, [("x".into(), "1".into()), ("y".into(), "2".into())]);
    assert_eq!(p.properties.topic_alias, NonZeroU16::new(7));
}

#[test]
fn v5_mqtt_3_3_4_3_publish_carries_several_subscription_identifiers_in_order() {
    let ids = [1, 127, 128, 16_384].map(|v| SubscriptionId::new(v).unwrap());
    let mut p = PublishProperties::default();
    p.subscription_identifiers = (&ids[..]).into();
    #[rustfmt::skip]
    let bytes = [0x30, 0x0F, 0x00, 0x01, b't', 0x0B,
        0x0B, 0x01, 0x0B, 0x7F, 0x0B, 0x80, 0x01, 0x0B, 0x80, 0x80, 0x01];
    vector(&publish_t(p), V5, &bytes);
    let Packet::Publish(d) = dec(&bytes, V5) else { panic!() };
    assert_eq!(
        d.properties.subscription_identifiers.iter().map(SubscriptionId::get).collect::<Vec<_>>(),
        [1, 127, 128, 16_384]
    );
}

// ---------------------------------------------------------------- the allow table, swept

#[derive(Clone, Copy, PartialEq, Debug)]
enum Host {
    Packet(PacketType),
    Will,
}

/// MQTT 5.0 §2.2.2.2 Table 2-4, typed in from the specification: identifier, wire type,
/// the packets that may carry it, and whether the Will Properties may.
#[rustfmt::skip]
const SPEC: &[(u8, WireType, &[PacketType], bool)] = {
    use PacketType::*;
    use WireType::*;
    &[
        (0x01, Byte, &[Publish], true),
        (0x02, FourByte, &[Publish], true),
        (0x03, Utf8, &[Publish], true),
        (0x08, Utf8, &[Publish], true),
        (0x09, Binary, &[Publish], true),
        (0x0B, VarInt, &[Publish, Subscribe], false),
        (0x11, FourByte, &[Connect, ConnAck, Disconnect], false),
        (0x12, Utf8, &[ConnAck], false),
        (0x13, TwoByte, &[ConnAck], false),
        (0x15, Utf8, &[Connect, ConnAck, Auth], false),
        (0x16, Binary, &[Connect, ConnAck, Auth], false),
        (0x17, Byte, &[Connect], false),
        (0x18, FourByte, &[], true),
        (0x19, Byte, &[Connect], false),
        (0x1A, Utf8, &[ConnAck], false),
        (0x1C, Utf8, &[ConnAck, Disconnect], false),
        (0x1F, Utf8, &[ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth], false),
        (0x21, TwoByte, &[Connect, ConnAck], false),
        (0x22, TwoByte, &[Connect, ConnAck], false),
        (0x23, TwoByte, &[Publish], false),
        (0x24, Byte, &[ConnAck], false),
        (0x25, Byte, &[ConnAck], false),
        (0x26, Utf8Pair, &[Connect, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck,
            Unsubscribe, UnsubAck, Disconnect, Auth], true),
        (0x27, FourByte, &[Connect, ConnAck], false),
        (0x28, Byte, &[ConnAck], false),
        (0x29, Byte, &[ConnAck], false),
        (0x2A, Byte, &[ConnAck], false),
    ]
};

const HOSTS: [Host; 14] = {
    use PacketType::*;
    [
        Host::Packet(Connect),
        Host::Will,
        Host::Packet(ConnAck),
        Host::Packet(Publish),
        Host::Packet(PubAck),
        Host::Packet(PubRec),
        Host::Packet(PubRel),
        Host::Packet(PubComp),
        Host::Packet(Subscribe),
        Host::Packet(SubAck),
        Host::Packet(Unsubscribe),
        Host::Packet(UnsubAck),
        Host::Packet(Disconnect),
        Host::Packet(PacketType::Auth),
    ]
};

/// A valid value of `id` (identifier included).
fn sample(id: u8, wire: WireType) -> Vec<u8> {
    let mut v = vec![id];
    v.extend_from_slice(match wire {
        WireType::Byte => &[0x01][..],
        WireType::TwoByte => &[0x00, 0x01],
        WireType::FourByte => &[0x00, 0x00, 0x00, 0x01],
        WireType::VarInt => &[0x01],
        WireType::Utf8 | WireType::Binary => &[0x00, 0x01, b'a'],
        WireType::Utf8Pair => &[0x00, 0x01, b'a', 0x00, 0x01, b'b'],
    });
    v
}

/// A minimal valid v5 packet of kind `host` carrying the property block `props` (< 128 bytes).
fn host(h: Host, props: &[u8]) -> Vec<u8> {
    use PacketType::*;
    let block = |v: &mut Vec<u8>| {
        v.push(props.len() as u8);
        v.extend_from_slice(props);
    };
    let mut body = Vec::new();
    let first = match h {
        Host::Packet(Connect) => {
            body.extend(CONNECT_HEAD);
            block(&mut body);
            body.extend([0x00, 0x01, b'c']);
            0x10
        }
        Host::Will => {
            body.extend([0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, b'c']);
            block(&mut body);
            body.extend([0x00, 0x01, b'w', 0x00, 0x00]);
            0x10
        }
        Host::Packet(ConnAck) => {
            body.extend([0x00, 0x00]);
            block(&mut body);
            0x20
        }
        Host::Packet(Publish) => {
            body.extend([0x00, 0x01, b't']);
            block(&mut body);
            0x30
        }
        Host::Packet(t @ (PubAck | PubRec | PubRel | PubComp)) => {
            body.extend([0x00, 0x01, 0x00]);
            block(&mut body);
            (t as u8) << 4 | t.required_flags()
        }
        Host::Packet(Subscribe) => {
            body.extend([0x00, 0x01]);
            block(&mut body);
            body.extend([0x00, 0x01, b't', 0x00]);
            0x82
        }
        Host::Packet(Unsubscribe) => {
            body.extend([0x00, 0x01]);
            block(&mut body);
            body.extend([0x00, 0x01, b't']);
            0xA2
        }
        Host::Packet(t @ (SubAck | UnsubAck)) => {
            body.extend([0x00, 0x01]);
            block(&mut body);
            body.push(0x00);
            (t as u8) << 4
        }
        Host::Packet(t @ (Disconnect | Auth)) => {
            body.push(0x00);
            block(&mut body);
            (t as u8) << 4
        }
        Host::Packet(other) => unreachable!("{other} has no properties"),
    };
    frame(first, &body)
}

/// CONNECT may carry Authentication Data only after an Authentication Method (§3.1.2.11.10).
fn with_method(h: Host, id: u8, props: Vec<u8>) -> Vec<u8> {
    if h == Host::Packet(PacketType::Connect) && id == 0x16 {
        [&[0x15, 0x00, 0x01, b'm'][..], &props].concat()
    } else {
        props
    }
}

fn allowed(h: Host, packets: &[PacketType], will: bool) -> bool {
    match h {
        Host::Will => will,
        Host::Packet(t) => packets.contains(&t),
    }
}

fn packet_of(h: Host) -> PacketType {
    match h {
        Host::Will => PacketType::Connect,
        Host::Packet(t) => t,
    }
}

#[test]
fn v5_property_ids_wire_types_and_allow_table_match_the_specification() {
    let ids: Vec<u8> = SPEC.iter().map(|s| s.0).collect();
    assert_eq!(PropertyId::ALL.iter().map(|&p| p as u8).collect::<Vec<_>>(), ids);
    for &(id, wire, packets, will) in SPEC {
        let p = PropertyId::from_u32(u32::from(id)).unwrap();
        assert_eq!(p.wire_type(), wire, "{p:?}");
        assert_eq!(p.allowed_in_will(), will, "{p:?}");
        for h in HOSTS {
            if let Host::Packet(t) = h {
                assert_eq!(p.allowed_in(t), packets.contains(&t), "{p:?} in {t}");
            }
        }
    }
}

#[test]
fn v5_every_property_decodes_where_allowed_and_is_property_not_allowed_elsewhere() {
    for &(id, wire, packets, will) in SPEC {
        let property = PropertyId::from_u32(u32::from(id)).unwrap();
        for h in HOSTS {
            let bytes = host(h, &with_method(h, id, sample(id, wire)));
            if allowed(h, packets, will) {
                let p = dec(&bytes, V5);
                assert_eq!(enc(&p, V5), bytes, "{property:?} in {h:?} re-encodes");
            } else {
                let e = dec_err(&bytes, V5);
                assert_eq!(e, DecodeError::PropertyNotAllowed { packet: packet_of(h), property }, "{h:?}");
                assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
            }
        }
    }
}

#[test]
fn v5_every_single_use_property_twice_is_duplicate_property() {
    for &(id, wire, packets, will) in SPEC {
        let property = PropertyId::from_u32(u32::from(id)).unwrap();
        for h in HOSTS.into_iter().filter(|&h| allowed(h, packets, will)) {
            let twice = with_method(h, id, [sample(id, wire), sample(id, wire)].concat());
            let bytes = host(h, &twice);
            let repeatable = property == PropertyId::UserProperty
                || (property == PropertyId::SubscriptionIdentifier && h == Host::Packet(PacketType::Publish));
            if repeatable {
                let p = dec(&bytes, V5);
                assert_eq!(enc(&p, V5), bytes, "{property:?} twice in {h:?}");
            } else {
                let e = dec_err(&bytes, V5);
                assert_eq!(e, DecodeError::DuplicateProperty(property), "{h:?}");
                assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
            }
        }
    }
}

#[test]
fn v5_named_property_not_allowed_cases() {
    use PacketType::*;
    let cases: [(Host, &[u8], PropertyId); 6] = [
        (Host::Packet(Connect), &[0x23, 0x00, 0x01], PropertyId::TopicAlias),
        (Host::Packet(Publish), &[0x1F, 0x00, 0x00], PropertyId::ReasonString),
        (Host::Will, &[0x11, 0x00, 0x00, 0x00, 0x01], PropertyId::SessionExpiryInterval),
        (Host::Packet(Connect), &[0x18, 0x00, 0x00, 0x00, 0x01], PropertyId::WillDelayInterval),
        (Host::Packet(Unsubscribe), &[0x0B, 0x01], PropertyId::SubscriptionIdentifier),
        (Host::Packet(Disconnect), &[0x13, 0x00, 0x01], PropertyId::ServerKeepAlive),
    ];
    for (h, props, property) in cases {
        let e = dec_err(&host(h, props), V5);
        assert_eq!(e, DecodeError::PropertyNotAllowed { packet: packet_of(h), property });
    }
}

// ---------------------------------------------------------------- unknown ids and bad values

#[test]
fn v5_unknown_property_identifiers_are_malformed() {
    for id in [0x00u8, 0x04, 0x0A, 0x10, 0x14, 0x1B, 0x20, 0x2B, 0x7F] {
        let e = dec_err(&host(Host::Packet(PacketType::Publish), &[id, 0x00]), V5);
        assert_eq!(e, DecodeError::UnknownProperty(u32::from(id)), "{id:#04x}");
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
    // Identifiers are variable byte integers: 0x80 0x01 is 128.
    let e = dec_err(&host(Host::Packet(PacketType::PubAck), &[0x80, 0x01, 0x00]), V5);
    assert_eq!(e, DecodeError::UnknownProperty(128));
    // A non-minimal identifier encoding is a malformed variable byte integer.
    let e = dec_err(&host(Host::Packet(PacketType::PubAck), &[0x9F, 0x00, 0x00, 0x00]), V5);
    assert_eq!(e, DecodeError::MalformedVarInt);
}

#[test]
fn v5_out_of_range_property_values_are_invalid_property_value() {
    use PacketType::*;
    let cases: [(Host, &[u8], PropertyId); 16] = [
        (Host::Packet(Connect), &[0x21, 0x00, 0x00], PropertyId::ReceiveMaximum),
        (Host::Packet(ConnAck), &[0x21, 0x00, 0x00], PropertyId::ReceiveMaximum),
        (Host::Packet(Publish), &[0x23, 0x00, 0x00], PropertyId::TopicAlias),
        (Host::Packet(Connect), &[0x27, 0x00, 0x00, 0x00, 0x00], PropertyId::MaximumPacketSize),
        (Host::Packet(ConnAck), &[0x27, 0x00, 0x00, 0x00, 0x00], PropertyId::MaximumPacketSize),
        (Host::Packet(ConnAck), &[0x24, 0x02], PropertyId::MaximumQoS),
        (Host::Packet(ConnAck), &[0x24, 0x03], PropertyId::MaximumQoS),
        (Host::Packet(ConnAck), &[0x25, 0x02], PropertyId::RetainAvailable),
        (Host::Packet(ConnAck), &[0x28, 0x02], PropertyId::WildcardSubscriptionAvailable),
        (Host::Packet(ConnAck), &[0x29, 0xFF], PropertyId::SubscriptionIdentifierAvailable),
        (Host::Packet(ConnAck), &[0x2A, 0x02], PropertyId::SharedSubscriptionAvailable),
        (Host::Packet(Connect), &[0x17, 0x02], PropertyId::RequestProblemInformation),
        (Host::Packet(Connect), &[0x19, 0x02], PropertyId::RequestResponseInformation),
        (Host::Packet(Publish), &[0x01, 0x02], PropertyId::PayloadFormatIndicator),
        (Host::Packet(Publish), &[0x0B, 0x00], PropertyId::SubscriptionIdentifier),
        (Host::Packet(Subscribe), &[0x0B, 0x00], PropertyId::SubscriptionIdentifier),
    ];
    for (h, props, property) in cases {
        let e = dec_err(&host(h, props), V5);
        assert_eq!(e, DecodeError::InvalidPropertyValue(property), "{h:?} {props:02X?}");
        assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
    }
    let e = dec_err(&host(Host::Will, &[0x01, 0x02]), V5);
    assert_eq!(e, DecodeError::InvalidPropertyValue(PropertyId::PayloadFormatIndicator));
}

#[test]
fn v5_out_of_range_property_values_are_rejected_when_encoding() {
    let mut p = ConnAckProperties::default();
    p.maximum_qos = Some(QoS::ExactlyOnce);
    assert_eq!(enc_err(&connack_p(p), V5), EncodeError::InvalidPropertyValue(PropertyId::MaximumQoS));
    let mut p = PublishProperties::default();
    p.response_topic = Some(TopicName::EMPTY);
    assert_eq!(enc_err(&publish_t(p), V5), EncodeError::InvalidPropertyValue(PropertyId::ResponseTopic));
}

#[test]
fn v5_mqtt_1_5_7_1_and_3_3_2_14_string_property_contents_are_validated() {
    use PacketType::*;
    let cases: [(Host, &[u8], DecodeError); 6] = [
        (Host::Packet(Publish), &[0x26, 0x00, 0x01, 0x00, 0x00, 0x00], DecodeError::NullCharacter),
        (Host::Packet(PubAck), &[0x26, 0x00, 0x00, 0x00, 0x01, 0xFF], DecodeError::InvalidUtf8),
        (Host::Packet(Publish), &[0x03, 0x00, 0x03, 0xED, 0xA0, 0x80], DecodeError::InvalidUtf8),
        (Host::Packet(Disconnect), &[0x1F, 0x00, 0x01, 0x00], DecodeError::NullCharacter),
        (
            Host::Packet(Publish),
            &[0x08, 0x00, 0x03, b'a', b'/', b'#'],
            DecodeError::InvalidTopicName(TopicError::Wildcard),
        ),
        (Host::Packet(Publish), &[0x08, 0x00, 0x00], DecodeError::InvalidTopicName(TopicError::Empty)),
    ];
    for (h, props, want) in cases {
        assert_eq!(dec_err(&host(h, props), V5), want, "{h:?} {props:02X?}");
    }
}

#[test]
fn v5_property_block_framing_errors() {
    let puback = Host::Packet(PacketType::PubAck);
    // Property length 0x80 0x00 is not minimal.
    let e = dec_err(&[0x40, 0x05, 0x00, 0x01, 0x00, 0x80, 0x00], V5);
    assert_eq!(e, DecodeError::MalformedVarInt);
    assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    // A value that runs past the end of the property block (the block ends before the
    // reason string does, even though the packet has more bytes).
    let bytes = [0x90, 0x09, 0x00, 0x01, 0x03, 0x1F, 0x00, 0x02, b'a', b'b', 0x00];
    assert_eq!(dec_err(&bytes, V5), DecodeError::UnexpectedEnd);
    // A four-byte value with two bytes left.
    assert_eq!(
        dec_err(&host(Host::Packet(PacketType::ConnAck), &[0x11, 0x00, 0x00]), V5),
        DecodeError::UnexpectedEnd
    );
    // A string pair missing its value.
    assert_eq!(dec_err(&host(puback, &[0x26, 0x00, 0x01, b'k']), V5), DecodeError::UnexpectedEnd);
}

#[test]
fn v5_property_strings_over_65535_bytes_are_too_long_when_encoding() {
    let long = "x".repeat(65_536);
    assert_eq!(Utf8::new(&long).unwrap_err(), EncodeError::TooLong { len: 65_536 });
    let big = vec![0u8; 65_536];
    let mut p = PublishProperties::default();
    p.correlation_data = Some(Bin::new(&big));
    assert_eq!(enc_err(&publish_t(p), V5), EncodeError::TooLong { len: 65_536 });
}

#[test]
fn v5_property_set_is_empty_tracks_every_field() {
    assert!(PublishProperties::default().is_empty());
    let mut p = PublishProperties::default();
    p.topic_alias = NonZeroU16::new(1);
    assert!(!p.is_empty());
    let ids = [SubscriptionId::new(1).unwrap()];
    let mut p = PublishProperties::default();
    p.subscription_identifiers = (&ids[..]).into();
    assert!(!p.is_empty());
    let mut s = SubscribeProperties::default();
    assert!(s.is_empty());
    s.subscription_identifier = SubscriptionId::new(3);
    assert!(!s.is_empty());
}
