//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK byte vectors for MQTT 3.1, 3.1.1 and 5.0:
//! subscription options, topic filters, shared subscriptions and the 3.x SUBACK codes.

mod common;

use common::*;
use sansmqtt_proto::property::{AckProperties, UnsubscribeProperties, UserProperty};
use sansmqtt_proto::{
    DecodeError, EncodeError, Packet, PacketType, ProtocolVersion, QoS, ReasonCode, ReasonCodes,
    RetainHandling, SubAck, Subscribe, Subscription, SubscriptionId, SubscriptionOptions, TopicError,
    TopicFilter, UnsubAck, Unsubscribe, Utf8,
};

fn sub(filter: &str, qos: QoS) -> Subscription<'_> {
    Subscription { filter: TopicFilter::new(filter).unwrap(), options: SubscriptionOptions::new(qos) }
}

fn suback<'a>(id: u16, reasons: &'a [ReasonCode]) -> Packet<'a> {
    Packet::SubAck(SubAck {
        packet_id: pid(id),
        properties: AckProperties::default(),
        reasons: reasons.into(),
    })
}

fn unsuback<'a>(id: u16, reasons: &'a [ReasonCode]) -> Packet<'a> {
    Packet::UnsubAck(UnsubAck {
        packet_id: pid(id),
        properties: AckProperties::default(),
        reasons: reasons.into(),
    })
}

/// A SUBSCRIBE (packet id 10; v5: no properties) with one filter and options byte.
fn subscribe_raw(v: ProtocolVersion, filter: &[u8], options: u8) -> Vec<u8> {
    let mut body = vec![0x00, 0x0A];
    if v == V5 {
        body.push(0x00);
    }
    body.extend([0x00, filter.len() as u8]);
    body.extend_from_slice(filter);
    body.push(options);
    frame(0x82, &body)
}

/// An UNSUBSCRIBE (packet id 11; v5: no properties) with one filter.
fn unsubscribe_raw(v: ProtocolVersion, filter: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x0B];
    if v == V5 {
        body.push(0x00);
    }
    body.extend([0x00, filter.len() as u8]);
    body.extend_from_slice(filter);
    frame(0xA2, &body)
}

// ---------------------------------------------------------------- SUBSCRIBE vectors

#[test]
fn v31_and_v311_subscribe_vectors() {
    let one = [sub("a/b", QoS::AtLeastOnce)];
    let two = [sub("a/b", QoS::AtLeastOnce), sub("c/#", QoS::ExactlyOnce)];
    for v in [V3_1, V3_1_1] {
        vector(
            &Packet::Subscribe(Subscribe::new(pid(10), &one)),
            v,
            &[0x82, 0x08, 0x00, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x01],
        );
        #[rustfmt::skip]
        let bytes = [0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x01,
            0x00, 0x03, b'c', b'/', b'#', 0x02];
        vector(&Packet::Subscribe(Subscribe::new(pid(10), &two)), v, &bytes);
    }
}

#[test]
fn v5_subscribe_vector() {
    let one = [sub("a/b", QoS::AtLeastOnce)];
    let p = Packet::Subscribe(Subscribe::new(pid(10), &one));
    vector(&p, V5, &[0x82, 0x09, 0x00, 0x0A, 0x00, 0x00, 0x03, b'a', b'/', b'b', 0x01]);
}

#[test]
fn v5_subscribe_options_and_subscription_identifier_vector() {
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let subs = [
        Subscription { filter: TopicFilter::new("a/b").unwrap(), options: opts },
        Subscription {
            filter: TopicFilter::new("+").unwrap(),
            options: SubscriptionOptions {
                retain_handling: RetainHandling::SendIfNew,
                ..SubscriptionOptions::new(QoS::AtMostOnce)
            },
        },
    ];
    let mut s = Subscribe::new(pid(10), &subs);
    s.properties.subscription_identifier = SubscriptionId::new(5);
    #[rustfmt::skip]
    let bytes = [0x82, 0x0F, 0x00, 0x0A, 0x02, 0x0B, 0x05,
        0x00, 0x03, b'a', b'/', b'b', 0x2D,
        0x00, 0x01, b'+', 0x10];
    vector(&Packet::Subscribe(s), V5, &bytes);
}

#[test]
fn v5_mqtt_4_8_2_1_shared_subscription_vector() {
    let subs = [sub("$share/g/a/+", QoS::AtMostOnce)];
    let mut bytes = vec![0x82, 0x12, 0x00, 0x0A, 0x00, 0x00, 0x0C];
    bytes.extend_from_slice(b"$share/g/a/+");
    bytes.push(0x00);
    vector(&Packet::Subscribe(Subscribe::new(pid(10), &subs)), V5, &bytes);
}

// ---------------------------------------------------------------- SUBSCRIBE errors

#[test]
fn v311_mqtt_3_8_3_3_v5_mqtt_3_8_3_2_subscribe_without_filters_is_a_protocol_error() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0x82, 0x02, 0x00, 0x0A], v), DecodeError::EmptyPayload, "{v}");
    }
    let e = dec_err(&[0x82, 0x03, 0x00, 0x0A, 0x00], V5);
    assert_eq!(e, DecodeError::EmptyPayload);
    assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
    for v in ProtocolVersion::ALL {
        assert_eq!(enc_err(&Packet::Subscribe(Subscribe::new(pid(1), &[])), v), EncodeError::EmptyPayload);
    }
}

#[test]
fn v311_mqtt_2_3_1_1_v5_mqtt_2_2_1_3_subscribe_packet_id_0_is_rejected() {
    for v in ProtocolVersion::ALL {
        let mut bytes = subscribe_raw(v, b"a", 0x00);
        bytes[3] = 0x00;
        assert_eq!(dec_err(&bytes, v), DecodeError::ZeroPacketId, "{v}");
    }
}

#[test]
fn v311_mqtt_4_7_1_2_and_4_7_1_3_v5_mqtt_4_7_1_1_and_4_7_1_2_misplaced_wildcards_in_filters_are_rejected() {
    for v in ProtocolVersion::ALL {
        for filter in ["a/#/b", "a+", "#a", "a/b#", "+a/b", "a/+b", "##", "a/#/", "#/"] {
            let want = DecodeError::InvalidTopicFilter(TopicError::MisplacedWildcard);
            assert_eq!(dec_err(&subscribe_raw(v, filter.as_bytes(), 0x00), v), want, "{v} {filter}");
            assert_eq!(dec_err(&unsubscribe_raw(v, filter.as_bytes()), v), want, "{v} {filter}");
            assert_eq!(
                TopicFilter::new(filter),
                Err(EncodeError::InvalidTopicFilter(TopicError::MisplacedWildcard))
            );
        }
        for filter in ["#", "+", "+/+", "a/+/b", "/", "a//b", "sport/#", "$SYS/#", "/+", "+/#"] {
            let Packet::Subscribe(s) = dec(&subscribe_raw(v, filter.as_bytes(), 0x00), v).into_owned() else {
                panic!()
            };
            assert_eq!(s.subscriptions.iter().next().unwrap().filter.as_str(), filter);
        }
    }
}

#[test]
fn all_versions_mqtt_4_7_3_1_empty_topic_filter_is_rejected() {
    for v in ProtocolVersion::ALL {
        let want = DecodeError::InvalidTopicFilter(TopicError::Empty);
        assert_eq!(dec_err(&subscribe_raw(v, b"", 0x00), v), want, "{v}");
        assert_eq!(dec_err(&unsubscribe_raw(v, b""), v), want, "{v}");
    }
}

#[test]
fn v5_mqtt_4_8_2_1_and_4_8_2_2_malformed_shared_subscription_filters_are_rejected() {
    for filter in
        ["$share/", "$share/g", "$share//a", "$share/g+/a", "$share/g#/a", "$share/+/a", "$share/g/"]
    {
        let want = DecodeError::InvalidTopicFilter(TopicError::InvalidSharedSubscription);
        assert_eq!(dec_err(&subscribe_raw(V5, filter.as_bytes(), 0x00), V5), want, "{filter}");
        assert_eq!(dec_err(&unsubscribe_raw(V5, filter.as_bytes()), V5), want, "{filter}");
        assert_eq!(want.reason_code(), ReasonCode::ProtocolError);
        assert_eq!(
            TopicFilter::new(filter),
            Err(EncodeError::InvalidTopicFilter(TopicError::InvalidSharedSubscription))
        );
    }
    // The inner filter follows the usual wildcard rules.
    let e = dec_err(&subscribe_raw(V5, b"$share/g/a#", 0x00), V5);
    assert_eq!(e, DecodeError::InvalidTopicFilter(TopicError::MisplacedWildcard));
}

#[test]
fn v5_mqtt_3_8_3_4_no_local_on_a_shared_subscription_is_a_protocol_error() {
    let e = dec_err(&subscribe_raw(V5, b"$share/g/a", 0x04), V5);
    assert_eq!(e, DecodeError::NoLocalOnSharedSubscription);
    assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
    let subs = [Subscription {
        filter: TopicFilter::new("$share/g/a").unwrap(),
        options: SubscriptionOptions { no_local: true, ..SubscriptionOptions::new(QoS::AtMostOnce) },
    }];
    let p = Packet::Subscribe(Subscribe::new(pid(1), &subs));
    assert_eq!(enc_err(&p, V5), EncodeError::NoLocalOnSharedSubscription);
}

#[test]
fn v311_mqtt_3_8_3_4_v5_3_8_3_1_subscription_maximum_qos_3_is_rejected_as_a_protocol_error() {
    for v in ProtocolVersion::ALL {
        let bytes: &[u8] = if v == V5 { &[0x03, 0x07, 0x2B] } else { &[0x03] };
        for &b in bytes {
            let e = dec_err(&subscribe_raw(v, b"a", b), v);
            assert_eq!(e, DecodeError::InvalidSubscriptionQoS, "{v}");
            // MQTT 5.0 §3.8.3.1: "It is a Protocol Error if the Maximum QoS field has the value 3."
            assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
        }
    }
}

#[test]
fn v311_mqtt_3_8_3_4_reserved_bits_of_the_requested_qos_byte_are_malformed() {
    for v in [V3_1, V3_1_1] {
        for b in [0x04u8, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFC, 0x2D] {
            let e = dec_err(&subscribe_raw(v, b"a", b), v);
            assert_eq!(e, DecodeError::InvalidSubscriptionOptions(b), "{v} {b:#04x}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
    }
}

#[test]
fn v5_mqtt_3_8_3_5_reserved_bits_of_subscription_options_are_malformed() {
    for b in [0x40u8, 0x80, 0xC0, 0x41] {
        let e = dec_err(&subscribe_raw(V5, b"a", b), V5);
        assert_eq!(e, DecodeError::InvalidSubscriptionOptions(b), "{b:#04x}");
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
}

#[test]
fn v5_retain_handling_3_is_a_protocol_error() {
    let e = dec_err(&subscribe_raw(V5, b"a", 0x30), V5);
    assert_eq!(e, DecodeError::InvalidRetainHandling);
    assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
}

#[test]
fn subscribe_filter_without_options_byte_or_cut_short_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        let full = subscribe_raw(v, b"a/b", 0x00);
        let cut = frame(0x82, &full[2..full.len() - 1]);
        assert_eq!(dec_err(&cut, v), DecodeError::UnexpectedEnd, "{v}");
        let cut = frame(0x82, &full[2..full.len() - 3]);
        assert_eq!(dec_err(&cut, v), DecodeError::UnexpectedEnd, "{v}");
    }
}

#[test]
fn v3_subscription_options_beyond_qos_are_unsupported_when_encoding() {
    let variants = [
        SubscriptionOptions { no_local: true, ..SubscriptionOptions::new(QoS::AtMostOnce) },
        SubscriptionOptions { retain_as_published: true, ..SubscriptionOptions::new(QoS::AtMostOnce) },
        SubscriptionOptions {
            retain_handling: RetainHandling::SendIfNew,
            ..SubscriptionOptions::new(QoS::AtMostOnce)
        },
        SubscriptionOptions {
            retain_handling: RetainHandling::DoNotSend,
            ..SubscriptionOptions::new(QoS::AtMostOnce)
        },
    ];
    for v in [V3_1, V3_1_1] {
        for options in variants {
            let subs = [Subscription { filter: TopicFilter::new("a").unwrap(), options }];
            let e = enc_err(&Packet::Subscribe(Subscribe::new(pid(1), &subs)), v);
            assert_eq!(
                e,
                EncodeError::Unsupported { version: v, field: "subscription options" },
                "{options:?}"
            );
        }
        let subs = [sub("a", QoS::AtMostOnce)];
        let mut s = Subscribe::new(pid(1), &subs);
        s.properties.subscription_identifier = SubscriptionId::new(1);
        assert_eq!(
            enc_err(&Packet::Subscribe(s), v),
            EncodeError::Unsupported { version: v, field: "properties" }
        );
    }
}

// ---------------------------------------------------------------- SUBACK

#[test]
fn v31_suback_vector() {
    use ReasonCode::*;
    vector(
        &suback(10, &[Success, GrantedQoS1, GrantedQoS2]),
        V3_1,
        &[0x90, 0x05, 0x00, 0x0A, 0x00, 0x01, 0x02],
    );
}

#[test]
fn v311_suback_vector_with_failure_0x80_as_unspecified_error() {
    use ReasonCode::*;
    let p = suback(10, &[Success, GrantedQoS2, UnspecifiedError]);
    vector(&p, V3_1_1, &[0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80]);
}

#[test]
fn v31_suback_failure_0x80_does_not_exist() {
    let e = dec_err(&[0x90, 0x03, 0x00, 0x0A, 0x80], V3_1);
    assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::SubAck, code: 0x80 });
    let e = enc_err(&suback(10, &[ReasonCode::UnspecifiedError]), V3_1);
    assert_eq!(
        e,
        EncodeError::InvalidReasonCode { packet: PacketType::SubAck, code: ReasonCode::UnspecifiedError }
    );
}

#[test]
fn v311_mqtt_3_9_3_2_reserved_suback_return_codes_are_rejected() {
    for code in [0x03u8, 0x04, 0x7F, 0x81, 0x87, 0xFF] {
        let e = dec_err(&[0x90, 0x03, 0x00, 0x0A, code], V3_1_1);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::SubAck, code });
    }
    let e = enc_err(&suback(10, &[ReasonCode::NotAuthorized]), V3_1_1);
    assert_eq!(
        e,
        EncodeError::InvalidReasonCode { packet: PacketType::SubAck, code: ReasonCode::NotAuthorized }
    );
}

#[test]
fn v5_suback_vectors() {
    use ReasonCode::*;
    vector(&suback(10, &[GrantedQoS1, TopicFilterInvalid]), V5, &[0x90, 0x05, 0x00, 0x0A, 0x00, 0x01, 0x8F]);
    let reasons = [WildcardSubscriptionsNotSupported];
    let mut s =
        SubAck { packet_id: pid(10), properties: AckProperties::default(), reasons: (&reasons[..]).into() };
    s.properties.reason_string = Some(Utf8::new("x").unwrap());
    vector(&Packet::SubAck(s), V5, &[0x90, 0x08, 0x00, 0x0A, 0x04, 0x1F, 0x00, 0x01, b'x', 0xA2]);
}

#[test]
fn v5_mqtt_3_9_3_2_suback_reason_code_outside_the_suback_table_is_malformed() {
    for code in [0x03u8, 0x04, 0x10, 0x11, 0x81, 0x92, 0xA3] {
        let e = dec_err(&[0x90, 0x04, 0x00, 0x0A, 0x00, code], V5);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::SubAck, code });
    }
    let e = enc_err(&suback(10, &[ReasonCode::NoMatchingSubscribers]), V5);
    assert!(matches!(e, EncodeError::InvalidReasonCode { packet: PacketType::SubAck, .. }));
}

#[test]
fn suback_without_reason_codes_or_with_packet_id_0_is_rejected() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0x90, 0x02, 0x00, 0x0A], v), DecodeError::EmptyPayload);
        assert_eq!(dec_err(&[0x90, 0x03, 0x00, 0x00, 0x00], v), DecodeError::ZeroPacketId);
    }
    assert_eq!(dec_err(&[0x90, 0x03, 0x00, 0x0A, 0x00], V5), DecodeError::EmptyPayload);
    assert_eq!(dec_err(&[0x90, 0x04, 0x00, 0x00, 0x00, 0x00], V5), DecodeError::ZeroPacketId);
    for v in ProtocolVersion::ALL {
        assert_eq!(enc_err(&suback(10, &[]), v), EncodeError::EmptyPayload);
    }
}

#[test]
fn v3_suback_properties_are_unsupported_when_encoding() {
    let reasons = [ReasonCode::Success];
    let mut s =
        SubAck { packet_id: pid(10), properties: AckProperties::default(), reasons: (&reasons[..]).into() };
    s.properties.reason_string = Some(Utf8::new("x").unwrap());
    for v in [V3_1, V3_1_1] {
        let e = enc_err(&Packet::SubAck(s.clone()), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "properties" });
    }
}

// ---------------------------------------------------------------- UNSUBSCRIBE

#[test]
fn v31_and_v311_unsubscribe_vectors() {
    let one = [TopicFilter::new("a/b").unwrap()];
    let two = [TopicFilter::new("a/b").unwrap(), TopicFilter::new("+").unwrap()];
    for v in [V3_1, V3_1_1] {
        let p = Packet::Unsubscribe(Unsubscribe::new(pid(11), &one));
        vector(&p, v, &[0xA2, 0x07, 0x00, 0x0B, 0x00, 0x03, b'a', b'/', b'b']);
        let p = Packet::Unsubscribe(Unsubscribe::new(pid(11), &two));
        vector(&p, v, &[0xA2, 0x0A, 0x00, 0x0B, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'+']);
    }
}

#[test]
fn v5_unsubscribe_vectors() {
    let one = [TopicFilter::new("a/b").unwrap()];
    let p = Packet::Unsubscribe(Unsubscribe::new(pid(11), &one));
    vector(&p, V5, &[0xA2, 0x08, 0x00, 0x0B, 0x00, 0x00, 0x03, b'a', b'/', b'b']);
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let mut props = UnsubscribeProperties::default();
    props.user_properties = (&users[..]).into();
    let u = Unsubscribe { packet_id: pid(11), properties: props, filters: (&one[..]).into() };
    #[rustfmt::skip]
    let bytes = [0xA2, 0x0F, 0x00, 0x0B, 0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v',
        0x00, 0x03, b'a', b'/', b'b'];
    vector(&Packet::Unsubscribe(u), V5, &bytes);
}

#[test]
fn v311_mqtt_3_10_3_2_v5_mqtt_3_10_3_2_unsubscribe_without_filters_is_a_protocol_error() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0xA2, 0x02, 0x00, 0x0B], v), DecodeError::EmptyPayload, "{v}");
    }
    assert_eq!(dec_err(&[0xA2, 0x03, 0x00, 0x0B, 0x00], V5), DecodeError::EmptyPayload);
    for v in ProtocolVersion::ALL {
        assert_eq!(
            enc_err(&Packet::Unsubscribe(Unsubscribe::new(pid(1), &[])), v),
            EncodeError::EmptyPayload
        );
    }
}

#[test]
fn v311_mqtt_2_3_1_1_v5_mqtt_2_2_1_3_unsubscribe_packet_id_0_is_rejected() {
    for v in ProtocolVersion::ALL {
        let mut bytes = unsubscribe_raw(v, b"a");
        bytes[3] = 0x00;
        assert_eq!(dec_err(&bytes, v), DecodeError::ZeroPacketId, "{v}");
    }
}

#[test]
fn unsubscribe_filter_cut_short_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        let full = unsubscribe_raw(v, b"a/b");
        assert_eq!(dec_err(&frame(0xA2, &full[2..full.len() - 1]), v), DecodeError::UnexpectedEnd, "{v}");
    }
}

#[test]
fn v3_unsubscribe_properties_are_unsupported_when_encoding() {
    let one = [TopicFilter::new("a").unwrap()];
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::EMPTY }];
    let mut u = Unsubscribe::new(pid(1), &one);
    u.properties.user_properties = (&users[..]).into();
    for v in [V3_1, V3_1_1] {
        let e = enc_err(&Packet::Unsubscribe(u.clone()), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "properties" });
    }
}

// ---------------------------------------------------------------- UNSUBACK

#[test]
fn v31_and_v311_unsuback_vector() {
    for v in [V3_1, V3_1_1] {
        vector(&unsuback(11, &[]), v, &[0xB0, 0x02, 0x00, 0x0B]);
    }
}

#[test]
fn v3_unsuback_with_extra_bytes_is_trailing_bytes_and_packet_id_0_is_rejected() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0xB0, 0x03, 0x00, 0x0B, 0x00], v), DecodeError::TrailingBytes);
        assert_eq!(dec_err(&[0xB0, 0x02, 0x00, 0x00], v), DecodeError::ZeroPacketId);
    }
    assert_eq!(dec_err(&[0xB0, 0x04, 0x00, 0x00, 0x00, 0x00], V5), DecodeError::ZeroPacketId);
}

#[test]
fn v3_unsuback_reason_codes_are_unsupported_when_encoding() {
    for v in [V3_1, V3_1_1] {
        let e = enc_err(&unsuback(11, &[ReasonCode::Success]), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "UNSUBACK reason codes" });
    }
}

#[test]
fn v5_unsuback_vectors() {
    use ReasonCode::*;
    vector(&unsuback(11, &[Success, NoSubscriptionExisted]), V5, &[0xB0, 0x05, 0x00, 0x0B, 0x00, 0x00, 0x11]);
    vector(&unsuback(11, &[NotAuthorized]), V5, &[0xB0, 0x04, 0x00, 0x0B, 0x00, 0x87]);
}

#[test]
fn v5_mqtt_3_11_3_2_unsuback_reason_code_outside_the_unsuback_table_is_malformed() {
    for code in [0x01u8, 0x02, 0x10, 0x81, 0x92, 0x97] {
        let e = dec_err(&[0xB0, 0x04, 0x00, 0x0B, 0x00, code], V5);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::UnsubAck, code });
    }
    let e = enc_err(&unsuback(11, &[ReasonCode::GrantedQoS1]), V5);
    assert_eq!(
        e,
        EncodeError::InvalidReasonCode { packet: PacketType::UnsubAck, code: ReasonCode::GrantedQoS1 }
    );
}

#[test]
fn v5_unsuback_without_reason_codes_is_rejected() {
    assert_eq!(dec_err(&[0xB0, 0x03, 0x00, 0x0B, 0x00], V5), DecodeError::EmptyPayload);
    assert_eq!(enc_err(&unsuback(11, &[]), V5), EncodeError::EmptyPayload);
    // Without a property length it is cut short.
    assert_eq!(dec_err(&[0xB0, 0x02, 0x00, 0x0B], V5), DecodeError::UnexpectedEnd);
}

#[test]
fn decoded_lists_keep_wire_order() {
    #[rustfmt::skip]
    let bytes = [0x82, 0x10, 0x00, 0x0A, 0x00, 0x01, b'z', 0x02, 0x00, 0x01, b'a', 0x00,
        0x00, 0x03, b'm', b'/', b'#', 0x01];
    let Packet::Subscribe(s) = dec(&bytes, V3_1_1) else { panic!() };
    let got: Vec<(String, QoS)> =
        s.subscriptions.iter().map(|e| (e.filter.as_str().into(), e.options.qos)).collect();
    assert_eq!(
        got,
        [("z".into(), QoS::ExactlyOnce), ("a".into(), QoS::AtMostOnce), ("m/#".into(), QoS::AtLeastOnce)]
    );
    assert_eq!(s.subscriptions.len(), 3);
    let Packet::SubAck(a) = dec(&[0x90, 0x05, 0x00, 0x0A, 0x02, 0x80, 0x00], V3_1_1) else { panic!() };
    let codes: Vec<ReasonCode> = a.reasons.iter().collect();
    assert_eq!(codes, [ReasonCode::GrantedQoS2, ReasonCode::UnspecifiedError, ReasonCode::Success]);
    assert_eq!(a.reasons, ReasonCodes::new(&codes));
}
