//! Framing and field primitives for every version: fixed-header flags, variable byte
//! integers, the size limit, `Status::Incomplete`, UTF-8 strings, buffers, and the mapping
//! of every error onto a reason code.

mod common;

use common::*;
use sansmqtt_proto::frame::{MAX_VARINT, decode_varint, varint_len};
use sansmqtt_proto::property::PropertyId;
use sansmqtt_proto::{
    Ack, Auth, ConnAck, Connect, DecodeError, Delivery, Disconnect, EncodeError, FixedHeader, Packet,
    PacketType, ProtocolVersion, Publish, QoS, ReasonCode, Status, SubAck, Subscribe, Subscription,
    SubscriptionOptions, TopicError, TopicFilter, TopicName, UnsubAck, Unsubscribe, Utf8,
};

/// A valid body of packet type `t` for `v` (PUBLISH and 3.x AUTH excepted).
fn body(t: PacketType, v: ProtocolVersion) -> Vec<u8> {
    use PacketType::*;
    let props: &[u8] = if v == V5 { &[0x00] } else { &[] };
    let mut b = Vec::new();
    match t {
        Connect => {
            b.extend_from_slice(match v {
                V3_1 => &[0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03][..],
                V3_1_1 => &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04],
                V5 => &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05],
            });
            b.extend([0x02, 0x00, 0x00]);
            b.extend_from_slice(props);
            b.extend([0x00, 0x01, b'c']);
        }
        ConnAck => {
            b.extend([0x00, 0x00]);
            b.extend_from_slice(props);
        }
        PubAck | PubRec | PubRel | PubComp => b.extend([0x00, 0x01]),
        Subscribe => {
            b.extend([0x00, 0x01]);
            b.extend_from_slice(props);
            b.extend([0x00, 0x01, b't', 0x00]);
        }
        SubAck => {
            b.extend([0x00, 0x01]);
            b.extend_from_slice(props);
            b.push(0x00);
        }
        Unsubscribe => {
            b.extend([0x00, 0x01]);
            b.extend_from_slice(props);
            b.extend([0x00, 0x01, b't']);
        }
        UnsubAck => {
            b.extend([0x00, 0x01]);
            if v == V5 {
                b.extend([0x00, 0x00]);
            }
        }
        PingReq | PingResp | Disconnect | Auth => {}
        Publish => unreachable!(),
    }
    b
}

// ---------------------------------------------------------------- client-side decoding

#[test]
fn all_versions_decode_body_client_refuses_exactly_the_packets_only_clients_send() {
    for v in [V3_1, V3_1_1, V5] {
        for t in PacketType::ALL {
            if t == PacketType::Publish || (t == PacketType::Auth && v != V5) {
                continue;
            }
            let b = body(t, v);
            let mut f = vec![(t as u8) << 4 | t.required_flags()];
            f.push(b.len() as u8);
            f.extend_from_slice(&b);
            let Ok(Status::Complete(h)) = FixedHeader::parse(&f) else { panic!("{t} {v}") };
            let client = Packet::decode_body_client(h, &b, v);
            if t.is_client_only() {
                assert_eq!(client, Err(DecodeError::ClientOnlyPacket(t)), "{t} {v}");
                assert!(Packet::decode_body(h, &b, v).is_ok(), "{t} {v}");
            } else {
                assert_eq!(client, Packet::decode_body(h, &b, v), "{t} {v}");
                assert!(client.is_ok(), "{t} {v}");
            }
        }
    }
    let publish = [0x30, 0x03, 0x00, 0x01, b't'];
    let Ok(Status::Complete(h)) = FixedHeader::parse(&publish) else { panic!() };
    assert_eq!(Packet::decode_body_client(h, &publish[2..], V5), Packet::decode_body(h, &publish[2..], V5));
    let clients: Vec<_> = PacketType::ALL.into_iter().filter(|t| t.is_client_only()).collect();
    assert_eq!(
        clients,
        [PacketType::Connect, PacketType::Subscribe, PacketType::Unsubscribe, PacketType::PingReq]
    );
}

// ---------------------------------------------------------------- fixed header flags

#[test]
fn v311_mqtt_2_2_2_1_and_2_2_2_2_v5_mqtt_2_1_3_1_reserved_flags_of_every_non_publish_type() {
    for v in ProtocolVersion::ALL {
        for t in PacketType::ALL {
            if t == PacketType::Publish || (t == PacketType::Auth && v != V5) {
                continue;
            }
            let b = body(t, v);
            let required = t.required_flags();
            dec(&frame((t as u8) << 4 | required, &b), v);
            for flags in (0..16u8).filter(|&f| f != required) {
                if v == V3_1 && required == 0b0010 && flags == 0b1010 {
                    continue;
                }
                let e = dec_err(&frame((t as u8) << 4 | flags, &b), v);
                assert_eq!(e, DecodeError::InvalidFlags { packet: t, flags }, "{v} {t} {flags:#06b}");
                assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
            }
        }
    }
}

#[test]
fn all_versions_mqtt_3_6_1_1_3_8_1_1_3_10_1_1_pubrel_subscribe_unsubscribe_need_flags_0010() {
    assert_eq!(PacketType::PubRel.required_flags(), 0b0010);
    assert_eq!(PacketType::Subscribe.required_flags(), 0b0010);
    assert_eq!(PacketType::Unsubscribe.required_flags(), 0b0010);
    for v in ProtocolVersion::ALL {
        for t in [PacketType::PubRel, PacketType::Subscribe, PacketType::Unsubscribe] {
            let e = dec_err(&frame((t as u8) << 4, &body(t, v)), v);
            assert_eq!(e, DecodeError::InvalidFlags { packet: t, flags: 0 }, "{v} {t}");
        }
    }
}

#[test]
fn v31_pubrel_subscribe_unsubscribe_dup_flags_1010_are_accepted_only_for_3_1() {
    for t in [PacketType::PubRel, PacketType::Subscribe, PacketType::Unsubscribe] {
        let first = (t as u8) << 4 | 0b1010;
        let b = body(t, V3_1);
        let bytes = frame(first, &b);
        let p = dec(&bytes, V3_1);
        // Re-encoded without DUP, and equal to the plain form.
        assert_eq!(enc(&p, V3_1), frame((t as u8) << 4 | 0b0010, &b));
        for v in [V3_1_1, V5] {
            let e = dec_err(&frame(first, &body(t, v)), v);
            assert_eq!(e, DecodeError::InvalidFlags { packet: t, flags: 0b1010 }, "{v} {t}");
        }
    }
}

#[test]
fn all_versions_packet_type_0_is_reserved() {
    for v in ProtocolVersion::ALL {
        for first in [0x00u8, 0x0F] {
            let e = dec_err(&[first, 0x00], v);
            assert_eq!(e, DecodeError::ReservedPacketType(0));
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
        // Known from the first byte alone.
        assert_eq!(dec_err(&[0x00], v), DecodeError::ReservedPacketType(0));
    }
    assert_eq!(PacketType::from_u8(0), None);
    assert_eq!(PacketType::from_u8(15), Some(PacketType::Auth));
}

// ---------------------------------------------------------------- variable byte integers

#[test]
fn v5_mqtt_1_5_5_1_variable_byte_integer_boundaries() {
    let table: [(&[u8], u32); 8] = [
        (&[0x00], 0),
        (&[0x7F], 127),
        (&[0x80, 0x01], 128),
        (&[0xFF, 0x7F], 16_383),
        (&[0x80, 0x80, 0x01], 16_384),
        (&[0xFF, 0xFF, 0x7F], 2_097_151),
        (&[0x80, 0x80, 0x80, 0x01], 2_097_152),
        (&[0xFF, 0xFF, 0xFF, 0x7F], 268_435_455),
    ];
    for (bytes, value) in table {
        assert_eq!(decode_varint(bytes), Ok(Status::Complete((value, bytes.len() as u8))), "{value}");
        assert_eq!(varint_len(value), bytes.len());
        // Trailing bytes after the integer are not part of it.
        let mut more = bytes.to_vec();
        more.push(0xAB);
        assert_eq!(decode_varint(&more), Ok(Status::Complete((value, bytes.len() as u8))));
    }
    assert_eq!(MAX_VARINT, 268_435_455);
}

#[test]
fn v5_mqtt_1_5_5_1_non_minimal_variable_byte_integers_are_malformed() {
    for bytes in [&[0x80, 0x00][..], &[0xFF, 0x00], &[0x80, 0x80, 0x00], &[0x80, 0x80, 0x80, 0x00]] {
        assert_eq!(decode_varint(bytes), Err(DecodeError::MalformedVarInt), "{bytes:02X?}");
        let mut packet = vec![0x30];
        packet.extend_from_slice(bytes);
        let e = dec_err(&packet, V3_1_1);
        assert_eq!(e, DecodeError::MalformedVarInt);
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
}

#[test]
fn remaining_length_longer_than_4_bytes_is_malformed_without_waiting_for_more() {
    for bytes in
        [&[0xFF, 0xFF, 0xFF, 0xFF, 0x01][..], &[0x80, 0x80, 0x80, 0x80, 0x00], &[0xFF, 0xFF, 0xFF, 0xFF]]
    {
        assert_eq!(decode_varint(bytes), Err(DecodeError::MalformedVarInt));
        for v in ProtocolVersion::ALL {
            let mut packet = vec![0xC0];
            packet.extend_from_slice(bytes);
            assert_eq!(dec_err(&packet, v), DecodeError::MalformedVarInt, "{packet:02X?}");
            assert_eq!(FixedHeader::parse(&packet), Err(DecodeError::MalformedVarInt));
        }
    }
}

#[test]
fn largest_remaining_length_268435455_is_accepted_in_the_fixed_header() {
    let h = FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F]).unwrap();
    let Status::Complete(h) = h else { panic!() };
    assert_eq!(
        h,
        FixedHeader {
            packet_type: PacketType::Publish,
            flags: 0,
            remaining_length: 268_435_455,
            header_len: 5
        }
    );
    assert_eq!(h.packet_len(), 268_435_460);
    let Ok(Status::Incomplete { needed }) = Packet::decode(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], V5) else {
        panic!()
    };
    assert_eq!(needed.get(), 268_435_455);
}

// ---------------------------------------------------------------- Status::Incomplete

fn needed(bytes: &[u8], v: ProtocolVersion) -> usize {
    match Packet::decode(bytes, v) {
        Ok(Status::Incomplete { needed }) => needed.get(),
        other => panic!("{bytes:02X?}: {other:?}"),
    }
}

#[test]
fn incomplete_needed_for_an_empty_buffer_and_a_partial_fixed_header() {
    for v in ProtocolVersion::ALL {
        assert_eq!(needed(&[], v), 2);
        assert_eq!(needed(&[0x30], v), 1);
        assert_eq!(needed(&[0x30, 0x80], v), 1);
        assert_eq!(needed(&[0x30, 0x80, 0x80], v), 1);
        assert_eq!(needed(&[0x30, 0xFF, 0xFF, 0xFF], v), 1);
        assert_eq!(FixedHeader::parse(&[]), Ok(Status::Incomplete { needed: 2.try_into().unwrap() }));
    }
}

#[test]
fn incomplete_needed_is_the_exact_missing_byte_count_once_the_header_is_complete() {
    for v in ProtocolVersion::ALL {
        assert_eq!(needed(&[0x30, 0x07], v), 7);
        assert_eq!(needed(&[0x30, 0x07, 0x00], v), 6);
        assert_eq!(needed(&[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h'], v), 1);
        let mut long = vec![0x30, 0x80, 0x01];
        assert_eq!(needed(&long, v), 128);
        long.extend([0u8; 100]);
        assert_eq!(needed(&long, v), 28);
    }
    // Every strict prefix of a real packet, cut anywhere.
    let bytes = [0x32, 0x0B, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'e', b'l', b'l'];
    for cut in 0..bytes.len() {
        let n = needed(&bytes[..cut], V3_1_1);
        if cut >= 2 {
            assert_eq!(n, bytes.len() - cut, "cut at {cut}");
        } else {
            assert!(n >= 1 && cut + n <= bytes.len(), "cut at {cut}: {n}");
        }
    }
}

#[test]
fn decode_takes_one_packet_from_the_front_of_a_stream() {
    let stream = [0xC0, 0x00, 0xD0, 0x00, 0x40];
    let Ok(Status::Complete(d)) = Packet::decode(&stream, V3_1_1) else { panic!() };
    assert_eq!((d.packet, d.len), (Packet::PingReq, 2));
    let Ok(Status::Complete(d)) = Packet::decode(&stream[2..], V3_1_1) else { panic!() };
    assert_eq!((d.packet, d.len), (Packet::PingResp, 2));
    assert_eq!(needed(&stream[4..], V3_1_1), 1);
}

// ---------------------------------------------------------------- size limit

#[test]
fn fixed_header_check_size_rejects_from_the_header_alone() {
    let Ok(Status::Complete(h)) = FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0x03]) else { panic!() };
    assert_eq!(h.remaining_length, 65_535);
    assert_eq!(h.header_len, 4);
    assert_eq!(h.packet_len(), 65_539);
    assert_eq!(h.check_size(65_538), Err(DecodeError::PacketTooLarge { size: 65_539, max: 65_538 }));
    assert_eq!(h.check_size(65_539), Ok(()));
}

#[test]
fn v5_mqtt_3_1_2_24_decode_with_limit_rejects_before_the_body_arrives_with_0x95() {
    for v in ProtocolVersion::ALL {
        let header_only = [0x30, 0xFF, 0xFF, 0x03];
        let e = match Packet::decode_with_limit(&header_only, v, 1_000) {
            Err(e) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(e, DecodeError::PacketTooLarge { size: 65_539, max: 1_000 });
        assert_eq!(e.reason_code(), ReasonCode::PacketTooLarge);
        assert_eq!(e.reason_code().to_u8(), 0x95);
        let Ok(Status::Incomplete { needed }) = Packet::decode_with_limit(&header_only, v, 65_539) else {
            panic!()
        };
        assert_eq!(needed.get(), 65_535);
        // The limit counts the whole packet, fixed header included.
        assert!(matches!(Packet::decode_with_limit(&[0xC0, 0x00], v, 2), Ok(Status::Complete(_))));
        let e = Packet::decode_with_limit(&[0xC0, 0x00], v, 1).unwrap_err();
        assert_eq!(e, DecodeError::PacketTooLarge { size: 2, max: 1 });
    }
}

// ---------------------------------------------------------------- UTF-8 strings

type Field = fn(&[u8]) -> (Vec<u8>, ProtocolVersion);

fn str16(s: &[u8]) -> Vec<u8> {
    let mut v = vec![0x00, s.len() as u8];
    v.extend_from_slice(s);
    v
}

/// Every kind of field that carries a UTF-8 string, in some version, around `s`.
const FIELDS: [(&str, Field); 8] = [
    ("v311 CONNECT client id", |s| {
        let mut b = body(PacketType::Connect, V3_1_1);
        b.truncate(b.len() - 3);
        b.extend(str16(s));
        (frame(0x10, &b), V3_1_1)
    }),
    ("v5 CONNECT user name", |s| {
        let mut b = body(PacketType::Connect, V5);
        b[7] = 0x82;
        b.extend(str16(s));
        (frame(0x10, &b), V5)
    }),
    ("v31 CONNECT will topic", |s| {
        let mut b = body(PacketType::Connect, V3_1);
        b[9] = 0x06;
        b.extend(str16(s));
        b.extend([0x00, 0x00]);
        (frame(0x10, &b), V3_1)
    }),
    ("v311 PUBLISH topic", |s| (frame(0x30, &str16(s)), V3_1_1)),
    ("v5 SUBSCRIBE filter", |s| {
        let mut b = vec![0x00, 0x01, 0x00];
        b.extend(str16(s));
        b.push(0x00);
        (frame(0x82, &b), V5)
    }),
    ("v311 UNSUBSCRIBE filter", |s| (frame(0xA2, &[&[0x00, 0x01][..], &str16(s)].concat()), V3_1_1)),
    ("v5 PUBACK user property value", |s| {
        let mut props = vec![0x26, 0x00, 0x01, b'k'];
        props.extend(str16(s));
        let mut b = vec![0x00, 0x01, 0x00, props.len() as u8];
        b.extend(props);
        (frame(0x40, &b), V5)
    }),
    ("v5 DISCONNECT reason string", |s| {
        let mut props = vec![0x1F];
        props.extend(str16(s));
        let mut b = vec![0x00, props.len() as u8];
        b.extend(props);
        (frame(0xE0, &b), V5)
    }),
];

#[test]
fn v311_mqtt_1_5_3_1_v5_mqtt_1_5_4_1_ill_formed_utf8_and_surrogates_are_malformed() {
    let bad: [&[u8]; 10] = [
        &[0xC3, 0x28],             // bad continuation
        &[0xFF],                   // never valid
        &[0x80],                   // lone continuation byte
        &[b'a', 0xE2, 0x82],       // truncated sequence
        &[0xC0, 0x80],             // overlong U+0000
        &[0xE0, 0x80, 0xAF],       // overlong '/'
        &[0xED, 0xA0, 0x80],       // U+D800 surrogate
        &[0xED, 0xBF, 0xBF],       // U+DFFF surrogate
        &[0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
        &[b'x', b'/', 0xED, 0xB0, 0x80, b'y'],
    ];
    for (name, field) in FIELDS {
        for s in bad {
            let (bytes, v) = field(s);
            let e = dec_err(&bytes, v);
            assert_eq!(e, DecodeError::InvalidUtf8, "{name} {s:02X?}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
    }
}

#[test]
fn v311_mqtt_1_5_3_2_v5_mqtt_1_5_4_2_u0000_in_a_string_is_malformed() {
    for (name, field) in FIELDS {
        for s in [&[0x00][..], &[b'a', 0x00, b'b'], &[b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h', 0x00]] {
            let (bytes, v) = field(s);
            let e = dec_err(&bytes, v);
            assert_eq!(e, DecodeError::NullCharacter, "{name} {s:02X?}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
    }
    assert_eq!(Utf8::new("a\0b").unwrap_err(), EncodeError::NullCharacter);
    assert_eq!(TopicName::new("a\0b").unwrap_err(), EncodeError::InvalidTopicName(TopicError::NullCharacter));
    assert_eq!(
        TopicFilter::new("a/\0").unwrap_err(),
        EncodeError::InvalidTopicFilter(TopicError::NullCharacter)
    );
}

#[test]
fn v5_mqtt_1_5_4_3_well_formed_strings_are_kept_byte_for_byte() {
    for s in ["é", "\u{FEFF}x", "\u{10FFFF}", "\u{FFFF}", "a\u{1}b", "日本/語"] {
        for (name, field) in FIELDS {
            let (bytes, v) = field(s.as_bytes());
            let p = dec(&bytes, v);
            assert_eq!(enc(&p, v), bytes, "{name} {s:?}");
        }
    }
}

// ---------------------------------------------------------------- buffers

fn samples<'a>(
    v: ProtocolVersion,
    subs: &'a [Subscription<'a>],
    filters: &'a [TopicFilter<'a>],
) -> Vec<Packet<'a>> {
    let unsuback: &[ReasonCode] = if v == V5 { &[ReasonCode::NoSubscriptionExisted] } else { &[] };
    let mut publish = Publish::new(TopicName::new("a/b").unwrap(), b"payload");
    publish.delivery = Delivery::ExactlyOnce(pid(3));
    vec![
        Packet::Connect(Connect::new(Utf8::new("abc").unwrap(), 60)),
        Packet::ConnAck(ConnAck {
            session_present: false,
            reason: ReasonCode::Success,
            properties: Default::default(),
        }),
        Packet::Publish(publish),
        Packet::PubAck(Ack::new(pid(1))),
        Packet::PubRec(Ack::new(pid(1))),
        Packet::PubRel(Ack::new(pid(1))),
        Packet::PubComp(Ack::new(pid(1))),
        Packet::Subscribe(Subscribe::new(pid(1), subs)),
        Packet::SubAck(SubAck {
            packet_id: pid(1),
            properties: Default::default(),
            reasons: (&[ReasonCode::Success][..]).into(),
        }),
        Packet::Unsubscribe(Unsubscribe::new(pid(1), filters)),
        Packet::UnsubAck(UnsubAck {
            packet_id: pid(1),
            properties: Default::default(),
            reasons: unsuback.into(),
        }),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect(Disconnect::default()),
        Packet::Auth(Auth::default()),
    ]
}

#[test]
fn buffer_too_small_leaves_the_buffer_untouched_for_every_packet_type() {
    let subs = [Subscription {
        filter: TopicFilter::new("a").unwrap(),
        options: SubscriptionOptions::new(QoS::AtMostOnce),
    }];
    let filters = [TopicFilter::new("a").unwrap()];
    for v in ProtocolVersion::ALL {
        for p in samples(v, &subs, &filters) {
            if matches!(p, Packet::Auth(_)) && v != V5 {
                continue;
            }
            let n = p.encoded_len(v).unwrap();
            for short in [0, 1, n - 1] {
                let mut buf = vec![0x5Au8; short];
                assert_eq!(
                    p.encode(v, &mut buf),
                    Err(EncodeError::BufferTooSmall { needed: n }),
                    "{v} {p:?}"
                );
                assert!(buf.iter().all(|&b| b == 0x5A), "{v} {p:?} wrote into a short buffer");
                let mut out: &mut [u8] = &mut buf[..];
                assert_eq!(p.encode_to(v, &mut out), Err(EncodeError::BufferTooSmall { needed: n }));
                assert!(buf.iter().all(|&b| b == 0x5A), "{v} {p:?} wrote into a short BufMut");
            }
            let mut exact = vec![0u8; n];
            assert_eq!(p.encode(v, &mut exact), Ok(n));
            let mut out = bytes::BytesMut::new();
            assert_eq!(p.encode_to(v, &mut out), Ok(n));
            assert_eq!(&out[..], &exact[..]);
            assert_eq!(dec(&exact, v), p);
        }
    }
}

// ---------------------------------------------------------------- reason codes of errors

#[test]
fn v5_decode_error_reason_code_for_every_variant() {
    use DecodeError::*;
    use ReasonCode::UnsupportedProtocolVersion as U84;
    use ReasonCode::{
        ClientIdentifierNotValid as C85, MalformedPacket as M, PacketTooLarge as L, ProtocolError as P,
    };
    let table = [
        (MalformedVarInt, M),
        (DecodeError::PacketTooLarge { size: 10, max: 5 }, L),
        (ReservedPacketType(0), M),
        (InvalidFlags { packet: PacketType::PubRel, flags: 0 }, M),
        (UnexpectedEnd, M),
        (TrailingBytes, M),
        (InvalidUtf8, M),
        (NullCharacter, M),
        (InvalidQoS, M),
        (DupWithQoS0, M),
        (ZeroPacketId, P),
        (UnsupportedProtocol { level: 6 }, U84),
        (UnexpectedProtocolVersion(V3_1_1), U84),
        (ConnectReservedFlag, M),
        (InvalidWillFlags, M),
        (PasswordWithoutUsername, M),
        (EmptyClientId, C85),
        (InvalidConnAckFlags, M),
        (InvalidReasonCode { packet: PacketType::PubAck, code: 0x92 }, M),
        (UnknownProperty(0x7F), M),
        (PropertyNotAllowed { packet: PacketType::Connect, property: PropertyId::TopicAlias }, M),
        (DuplicateProperty(PropertyId::ReasonString), P),
        (InvalidPropertyValue(PropertyId::ReceiveMaximum), P),
        (InvalidTopicName(TopicError::Wildcard), P),
        (InvalidTopicFilter(TopicError::MisplacedWildcard), P),
        (EmptyTopicWithoutAlias, P),
        (EmptyPayload, P),
        (InvalidSubscriptionOptions(0x40), M),
        (InvalidRetainHandling, P),
        (InvalidSubscriptionQoS, P),
        (NoLocalOnSharedSubscription, P),
        (ClientOnlyPacket(PacketType::Subscribe), P),
    ];
    for (e, rc) in table {
        assert_eq!(e.reason_code(), rc, "{e:?}");
        assert!(e.reason_code().is_error());
        assert!(e.reason_code().allowed_in(PacketType::Disconnect) || rc == C85 || rc == U84, "{e:?}");
        assert!(e.reason_code().allowed_in(PacketType::ConnAck), "{e:?}");
        assert!(!e.to_string().is_empty());
    }
    assert_eq!([M, P, L, U84, C85].map(ReasonCode::to_u8), [0x81, 0x82, 0x95, 0x84, 0x85]);
}

#[test]
fn encode_errors_display_what_went_wrong() {
    use EncodeError::*;
    let all = [
        BufferTooSmall { needed: 3 },
        Unsupported { version: V3_1_1, field: "properties" },
        PacketTooLarge { remaining_length: 268_435_456 },
        TooLong { len: 65_536 },
        NullCharacter,
        InvalidTopicName(TopicError::Empty),
        InvalidTopicFilter(TopicError::InvalidSharedSubscription),
        EmptyTopicWithoutAlias,
        EmptyClientId,
        PasswordWithoutUsername,
        EmptyPayload,
        InvalidReasonCode { packet: PacketType::PubRel, code: ReasonCode::NoMatchingSubscribers },
        NoLocalOnSharedSubscription,
        InvalidPropertyValue(PropertyId::MaximumQoS),
        DupWithQoS0,
        ServerOnlyPacket(PacketType::SubAck),
    ];
    for e in all {
        assert!(!e.to_string().is_empty(), "{e:?}");
    }
    assert_eq!(
        Unsupported { version: V3_1_1, field: "properties" }.to_string(),
        "MQTT 3.1.1 cannot carry properties"
    );
}
