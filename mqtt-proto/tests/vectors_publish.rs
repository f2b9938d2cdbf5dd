//! PUBLISH byte vectors for MQTT 3.1, 3.1.1 and 5.0: flags, topic names, packet ids, the
//! v5 empty-topic-with-alias form, the payload-free header encoding, and zero copy.

mod common;

use common::*;
use core::num::NonZeroU16;
use sansmqtt_proto::property::{PublishProperties, UserProperty};
use sansmqtt_proto::{
    Bin, DecodeError, Delivery, EncodeError, Packet, ProtocolVersion, Publish, ReasonCode, Status,
    SubscriptionId, TopicError, TopicName, Utf8,
};

fn publish<'a>(topic: &'a str, payload: &'a [u8], delivery: Delivery) -> Publish<'a> {
    let mut p = Publish::new(TopicName::new(topic).unwrap(), payload);
    p.delivery = delivery;
    p
}

/// A PUBLISH with these fixed-header flags whose body is `body`.
fn raw(flags: u8, body: &[u8]) -> Vec<u8> {
    frame(0x30 | flags, body)
}

// ---------------------------------------------------------------- vectors

#[test]
fn v31_and_v311_publish_qos0_vector() {
    let p = Packet::Publish(publish("a/b", b"hi", Delivery::AtMostOnce));
    for v in [V3_1, V3_1_1] {
        vector(&p, v, &[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
    }
}

#[test]
fn v31_and_v311_publish_qos1_dup_retain_vector() {
    let mut p = publish("a/b", b"hi", Delivery::AtLeastOnce(pid(10)));
    p.dup = true;
    p.retain = true;
    for v in [V3_1, V3_1_1] {
        vector(
            &Packet::Publish(p.clone()),
            v,
            &[0x3B, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i'],
        );
    }
}

#[test]
fn v31_and_v311_publish_qos2_vector() {
    let p = Packet::Publish(publish("a/b", b"hi", Delivery::ExactlyOnce(pid(0x1234))));
    for v in [V3_1, V3_1_1] {
        vector(&p, v, &[0x34, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x12, 0x34, b'h', b'i']);
    }
}

#[test]
fn v311_publish_retained_empty_payload_vector() {
    let mut p = publish("a/b", b"", Delivery::AtMostOnce);
    p.retain = true;
    vector(&Packet::Publish(p), V3_1_1, &[0x31, 0x05, 0x00, 0x03, b'a', b'/', b'b']);
}

#[test]
fn v5_publish_qos0_vector() {
    let p = Packet::Publish(publish("a/b", b"hi", Delivery::AtMostOnce));
    vector(&p, V5, &[0x30, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'h', b'i']);
}

#[test]
fn v5_publish_qos1_dup_vector() {
    let mut p = publish("a/b", b"hi", Delivery::AtLeastOnce(pid(10)));
    p.dup = true;
    vector(
        &Packet::Publish(p),
        V5,
        &[0x3A, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, 0x00, b'h', b'i'],
    );
}

#[test]
fn v5_publish_qos2_with_every_publish_property_vector() {
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let ids = [SubscriptionId::new(7).unwrap()];
    let mut props = PublishProperties::default();
    props.payload_format_indicator = Some(sansmqtt_proto::PayloadFormat::Utf8);
    props.message_expiry_interval = Some(60);
    props.topic_alias = NonZeroU16::new(5);
    props.response_topic = Some(TopicName::new("r").unwrap());
    props.correlation_data = Some(Bin::new(&[1, 2]));
    props.content_type = Some(Utf8::new("j").unwrap());
    props.user_properties = (&users[..]).into();
    props.subscription_identifiers = (&ids[..]).into();
    let mut p = publish("a/b", b"hi", Delivery::ExactlyOnce(pid(10)));
    p.properties = props;
    #[rustfmt::skip]
    let bytes = [0x34, 0x2A, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A,
        0x20,
        0x01, 0x01,
        0x02, 0x00, 0x00, 0x00, 0x3C,
        0x23, 0x00, 0x05,
        0x08, 0x00, 0x01, b'r',
        0x09, 0x00, 0x02, 0x01, 0x02,
        0x03, 0x00, 0x01, b'j',
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v',
        0x0B, 0x07,
        b'h', b'i'];
    vector(&Packet::Publish(p), V5, &bytes);
}

#[test]
fn v5_publish_empty_topic_with_topic_alias_is_allowed() {
    let mut p = Publish::new(TopicName::EMPTY, b"x");
    p.properties.topic_alias = NonZeroU16::new(1);
    vector(&Packet::Publish(p), V5, &[0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, b'x']);
}

#[test]
fn v5_publish_empty_topic_without_topic_alias_is_a_protocol_error() {
    let e = dec_err(&[0x30, 0x04, 0x00, 0x00, 0x00, b'x'], V5);
    assert_eq!(e, DecodeError::EmptyTopicWithoutAlias);
    assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
    let p = Packet::Publish(Publish::new(TopicName::EMPTY, b"x"));
    assert_eq!(enc_err(&p, V5), EncodeError::EmptyTopicWithoutAlias);
}

#[test]
fn v311_mqtt_4_7_3_1_publish_empty_topic_is_rejected() {
    for v in [V3_1, V3_1_1] {
        let e = dec_err(&[0x30, 0x03, 0x00, 0x00, b'x'], v);
        assert_eq!(e, DecodeError::InvalidTopicName(TopicError::Empty), "{v}");
        let p = Packet::Publish(Publish::new(TopicName::EMPTY, b"x"));
        assert_eq!(enc_err(&p, v), EncodeError::InvalidTopicName(TopicError::Empty), "{v}");
        // A topic alias does not exist before 5.0.
        let mut aliased = Publish::new(TopicName::EMPTY, b"x");
        aliased.properties.topic_alias = NonZeroU16::new(1);
        assert_eq!(enc_err(&Packet::Publish(aliased), v), EncodeError::InvalidTopicName(TopicError::Empty));
    }
}

#[test]
fn v311_mqtt_3_3_1_4_v5_mqtt_3_3_1_4_publish_qos_3_is_malformed() {
    for v in ProtocolVersion::ALL {
        for flags in [0x06u8, 0x07, 0x0E, 0x0F] {
            let e = dec_err(&raw(flags, &[0x00, 0x01, b't', 0x00, 0x01, 0x00]), v);
            assert_eq!(e, DecodeError::InvalidQoS, "{v} {flags:#x}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
    }
}

#[test]
fn v311_mqtt_3_3_1_2_v5_mqtt_3_3_1_2_dup_on_qos0_is_malformed() {
    for v in ProtocolVersion::ALL {
        let body: &[u8] = if v == V5 { &[0x00, 0x01, b't', 0x00] } else { &[0x00, 0x01, b't'] };
        for flags in [0x08u8, 0x09] {
            let e = dec_err(&raw(flags, body), v);
            assert_eq!(e, DecodeError::DupWithQoS0, "{v}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
        let mut p = publish("t", b"", Delivery::AtMostOnce);
        p.dup = true;
        assert_eq!(enc_err(&Packet::Publish(p.clone()), v), EncodeError::DupWithQoS0);
        let mut head = [0u8; 16];
        assert_eq!(p.encode_header(v, &mut head), Err(EncodeError::DupWithQoS0));
    }
}

#[test]
fn v311_mqtt_2_3_1_1_v5_mqtt_2_2_1_3_publish_qos1_and_qos2_packet_id_0_is_rejected() {
    for v in ProtocolVersion::ALL {
        for flags in [0x02u8, 0x04, 0x0A, 0x0C] {
            let e = dec_err(&raw(flags, &[0x00, 0x01, b't', 0x00, 0x00, 0x00]), v);
            assert_eq!(e, DecodeError::ZeroPacketId, "{v} {flags:#x}");
            assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
        }
    }
}

#[test]
fn v311_mqtt_2_3_1_5_v5_mqtt_2_2_1_2_qos0_publish_has_no_packet_id() {
    // The two bytes after the topic are payload at QoS 0, the packet id at QoS 1.
    let body = [0x00, 0x01, b't', 0x00, 0x07];
    let (b0, b1) = (raw(0x00, &body), raw(0x02, &body));
    let Packet::Publish(p0) = dec(&b0, V3_1_1) else { panic!() };
    assert_eq!(p0.packet_id(), None);
    assert_eq!(p0.payload.as_bytes(), [0x00, 0x07]);
    let Packet::Publish(p1) = dec(&b1, V3_1_1) else { panic!() };
    assert_eq!(p1.packet_id(), Some(pid(7)));
    assert!(p1.payload.is_empty());
}

#[test]
fn v311_mqtt_3_3_2_2_v5_mqtt_3_3_2_2_wildcard_in_publish_topic_is_rejected() {
    for v in ProtocolVersion::ALL {
        for topic in ["a/+", "a/#", "#", "+", "a+", "sport/tennis/#", "+/x"] {
            let mut body = vec![0x00, topic.len() as u8];
            body.extend_from_slice(topic.as_bytes());
            if v == V5 {
                body.push(0x00);
            }
            let e = dec_err(&raw(0x00, &body), v);
            assert_eq!(e, DecodeError::InvalidTopicName(TopicError::Wildcard), "{v} {topic}");
            assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
        }
    }
    assert_eq!(TopicName::new("a/+"), Err(EncodeError::InvalidTopicName(TopicError::Wildcard)));
    assert_eq!(TopicName::new("#"), Err(EncodeError::InvalidTopicName(TopicError::Wildcard)));
}

#[test]
fn publish_topic_wildcard_or_nul_is_found_at_every_position() {
    // The topic check scans 8 bytes at a time: put the bad byte at every offset of topics of
    // several lengths, with and without a non-ASCII character in front.
    for len in 1..=24usize {
        for at in 0..len {
            for (bad, want) in [
                (b'+', DecodeError::InvalidTopicName(TopicError::Wildcard)),
                (b'#', DecodeError::InvalidTopicName(TopicError::Wildcard)),
                (0x00, DecodeError::NullCharacter),
            ] {
                for prefix in [&b""[..], "é".as_bytes()] {
                    let mut topic = prefix.to_vec();
                    topic.extend(std::iter::repeat_n(b'a', len));
                    topic[prefix.len() + at] = bad;
                    let mut body = vec![0x00, topic.len() as u8];
                    body.extend_from_slice(&topic);
                    body.extend_from_slice(b"payload");
                    assert_eq!(dec_err(&raw(0x00, &body), V3_1_1), want, "{topic:02X?}");
                }
            }
        }
    }
}

#[test]
fn publish_topic_is_not_normalised() {
    // [MQTT-4.7.3-4] no normalisation; [MQTT-1.5.4-3] a BOM is kept.
    let topic = "\u{FEFF}A/ b/é";
    let mut body = vec![0x00, topic.len() as u8];
    body.extend_from_slice(topic.as_bytes());
    let bytes = raw(0x00, &body);
    let Packet::Publish(p) = dec(&bytes, V3_1_1) else { panic!() };
    assert_eq!(p.topic.as_str(), topic);
}

#[test]
fn publish_missing_packet_id_or_short_topic_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        // QoS 1 without a packet id.
        assert_eq!(dec_err(&raw(0x02, &[0x00, 0x03, b'a', b'/', b'b']), v), DecodeError::UnexpectedEnd);
        // Topic length 5 with 1 byte of topic.
        assert_eq!(dec_err(&raw(0x00, &[0x00, 0x05, b'a']), v), DecodeError::UnexpectedEnd);
        // Only half a length prefix.
        assert_eq!(dec_err(&raw(0x00, &[0x00]), v), DecodeError::UnexpectedEnd);
    }
    // v5: the property length is not optional.
    assert_eq!(dec_err(&raw(0x00, &[0x00, 0x01, b't']), V5), DecodeError::UnexpectedEnd);
    // v5: a property length longer than what is left.
    assert_eq!(dec_err(&raw(0x00, &[0x00, 0x01, b't', 0x05, 0x01]), V5), DecodeError::UnexpectedEnd);
}

#[test]
fn v3_publish_properties_are_unsupported_when_encoding() {
    let mut p = publish("t", b"", Delivery::AtMostOnce);
    p.properties.message_expiry_interval = Some(1);
    for v in [V3_1, V3_1_1] {
        let e = enc_err(&Packet::Publish(p.clone()), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "properties" });
    }
}

#[test]
fn publish_remaining_length_128_and_16384_use_two_and_three_length_bytes() {
    // "a/b" (5) + payload: remaining length 128 needs 0x80 0x01.
    let payload = vec![0x55u8; 123];
    let p = Packet::Publish(publish("a/b", &payload, Delivery::AtMostOnce));
    let bytes = enc(&p, V3_1_1);
    assert_eq!(bytes[..7], [0x30, 0x80, 0x01, 0x00, 0x03, b'a', b'/']);
    assert_eq!(bytes.len(), 3 + 128);
    assert_eq!(dec(&bytes, V3_1_1), p);
    // Remaining length 127 still fits in one byte.
    let p127 = Packet::Publish(publish("a/b", &payload[..122], Delivery::AtMostOnce));
    assert_eq!(enc(&p127, V3_1_1)[..2], [0x30, 0x7F]);
    // Remaining length 16,384 needs 0x80 0x80 0x01; 16,383 is 0xFF 0x7F.
    let big = vec![0x55u8; 16_384 - 5];
    let p = Packet::Publish(publish("a/b", &big, Delivery::AtMostOnce));
    let bytes = enc(&p, V3_1_1);
    assert_eq!(bytes[..4], [0x30, 0x80, 0x80, 0x01]);
    assert_eq!(dec(&bytes, V3_1_1), p);
    let p = Packet::Publish(publish("a/b", &big[1..], Delivery::AtMostOnce));
    assert_eq!(enc(&p, V3_1_1)[..3], [0x30, 0xFF, 0x7F]);
}

#[test]
fn publish_remaining_length_over_268435455_is_packet_too_large_when_encoding() {
    // Zeroed allocations are mapped lazily: only the length is ever looked at.
    let payload = vec![0u8; 268_435_455 - 5 + 1];
    let p = Packet::Publish(publish("a/b", &payload, Delivery::AtMostOnce));
    let e = p.encoded_len(V3_1_1).unwrap_err();
    assert_eq!(e, EncodeError::PacketTooLarge { remaining_length: 268_435_456 });
    let mut small = [0u8; 8];
    assert_eq!(p.encode(V3_1_1, &mut small), Err(e));
    let Packet::Publish(inner) = &p else { unreachable!() };
    assert_eq!(inner.encode_header(V3_1_1, &mut small), Err(e));
    // The largest remaining length is fine.
    let p = Packet::Publish(publish("a/b", &payload[1..], Delivery::AtMostOnce));
    assert_eq!(p.encoded_len(V3_1_1), Ok(1 + 4 + 268_435_455));
}

// ---------------------------------------------------------------- encode_header, buffers, zero copy

#[test]
fn publish_encode_header_leaves_the_payload_out() {
    let p = publish("a/b", b"hi", Delivery::AtLeastOnce(pid(10)));
    for (v, head) in [
        (V3_1_1, &[0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A][..]),
        (V5, &[0x32, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, 0x00][..]),
    ] {
        let mut buf = [0u8; 32];
        let n = p.encode_header(v, &mut buf).unwrap();
        assert_eq!(&buf[..n], head);
        let mut whole = [0u8; 32];
        let m = p.encode(v, &mut whole).unwrap();
        assert_eq!(&whole[..m], [head, b"hi"].concat());
        assert_eq!(p.encoded_len(v), Ok(m));
    }
}

#[test]
fn publish_buffer_too_small_leaves_the_buffer_untouched() {
    let p = publish("a/b", b"hi", Delivery::AtLeastOnce(pid(10)));
    let mut buf = [0xEEu8; 10];
    assert_eq!(p.encode(V3_1_1, &mut buf), Err(EncodeError::BufferTooSmall { needed: 11 }));
    assert_eq!(buf, [0xEE; 10]);
    let mut head = [0xEEu8; 8];
    assert_eq!(p.encode_header(V3_1_1, &mut head), Err(EncodeError::BufferTooSmall { needed: 9 }));
    assert_eq!(head, [0xEE; 8]);
    let mut out: &mut [u8] = &mut buf[..];
    assert_eq!(
        Packet::Publish(p).encode_to(V3_1_1, &mut out),
        Err(EncodeError::BufferTooSmall { needed: 11 })
    );
    assert_eq!(buf, [0xEE; 10]);
}

#[test]
fn decoded_publish_borrows_topic_and_payload_from_the_input() {
    let bytes = [0x32, 0x0B, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'e', b'l', b'l'];
    let range = bytes.as_ptr_range();
    let Packet::Publish(p) = dec(&bytes, V3_1_1) else { panic!() };
    assert_eq!(p.payload.as_bytes(), b"hell");
    assert_eq!(p.payload.as_bytes().as_ptr(), bytes[9..].as_ptr());
    assert!(range.contains(&p.payload.as_bytes().as_ptr()));
    assert_eq!(p.topic.as_str().as_ptr(), bytes[4..].as_ptr());
}

#[test]
fn decode_shared_publish_payload_is_a_slice_of_the_input_bytes() {
    let wire = bytes::Bytes::from(vec![
        0x30, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'd', b'a', b't', b'a', 0xC0, 0x00,
    ]);
    let range = wire.as_ptr_range();
    let Ok(Status::Complete(d)) = Packet::decode_shared(&wire, V5) else { panic!() };
    assert_eq!(d.len, 12);
    let Packet::Publish(p) = d.packet else { panic!() };
    let payload = p.payload.to_bytes();
    assert_eq!(&payload[..], b"data");
    assert_eq!(payload.as_ptr(), wire[8..].as_ptr(), "payload was copied");
    assert!(range.contains(&p.topic.as_str().as_ptr()), "topic was copied");
    // The packet outlives the caller's handle: it holds its own reference.
    drop(wire);
    assert_eq!(p.topic.as_str(), "a/b");
    assert_eq!(p.payload.as_bytes(), b"data");
}

#[test]
fn publish_into_owned_is_static_and_equal() {
    let bytes = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
    let owned: Packet<'static> = dec(&bytes, V3_1_1).into_owned();
    assert_eq!(owned, dec(&bytes, V3_1_1));
    let Packet::Publish(p) = owned else { panic!() };
    assert!(!bytes.as_ptr_range().contains(&p.payload.as_bytes().as_ptr()));
}
