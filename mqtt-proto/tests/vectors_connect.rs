//! CONNECT and CONNACK byte vectors for MQTT 3.1, 3.1.1 and 5.0, and every way they can be
//! malformed.

mod common;

use common::*;
use core::num::NonZeroU16;
use sansmqtt_proto::property::{ConnAckProperties, ConnectProperties, WillProperties};
use sansmqtt_proto::{
    Bin, ConnAck, Connect, DecodeError, EncodeError, Packet, PacketType, ProtocolVersion, QoS, ReasonCode,
    TopicError, TopicName, Utf8, Will,
};

fn u(s: &str) -> Utf8<'_> {
    Utf8::new(s).unwrap()
}

fn will<'a>(topic: &'a str, payload: &'a [u8], qos: QoS, retain: bool) -> Will<'a> {
    Will {
        topic: TopicName::new(topic).unwrap(),
        payload: Bin::new(payload),
        qos,
        retain,
        properties: WillProperties::default(),
    }
}

/// A CONNECT for `v` with these connect flags and keep alive 60 (v5: no properties), then `payload`.
fn connect(v: ProtocolVersion, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = match v {
        V3_1 => vec![0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03],
        V3_1_1 => vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04],
        V5 => vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05],
    };
    body.extend([flags, 0x00, 0x3C]);
    if v == V5 {
        body.push(0x00);
    }
    body.extend_from_slice(payload);
    frame(0x10, &body)
}

const ABC: &[u8] = &[0x00, 0x03, b'a', b'b', b'c'];

// ---------------------------------------------------------------- CONNECT vectors

#[test]
fn v31_connect_minimal_vector() {
    let p = Packet::Connect(Connect::new(u("abc"), 60));
    #[rustfmt::skip]
    let bytes = [0x10, 0x11, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x02, 0x00, 0x3C,
        0x00, 0x03, b'a', b'b', b'c'];
    vector(&p, V3_1, &bytes);
}

#[test]
fn v31_connect_will_qos1_retain_username_password_vector() {
    let mut c = Connect::new(u("abc"), 60);
    c.will = Some(will("w", b"bye", QoS::AtLeastOnce, true));
    c.username = Some(u("u"));
    c.password = Some(Bin::new(b"p"));
    #[rustfmt::skip]
    let bytes = [0x10, 0x1F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0xEE, 0x00, 0x3C,
        0x00, 0x03, b'a', b'b', b'c', 0x00, 0x01, b'w', 0x00, 0x03, b'b', b'y', b'e',
        0x00, 0x01, b'u', 0x00, 0x01, b'p'];
    vector(&Packet::Connect(c), V3_1, &bytes);
}

#[test]
fn v311_connect_minimal_vector() {
    let p = Packet::Connect(Connect::new(u("abc"), 60));
    #[rustfmt::skip]
    let bytes = [0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C,
        0x00, 0x03, b'a', b'b', b'c'];
    vector(&p, V3_1_1, &bytes);
}

#[test]
fn v311_connect_will_qos2_username_password_vector() {
    let mut c = Connect::new(u("abc"), 60);
    c.will = Some(will("w", b"bye", QoS::ExactlyOnce, false));
    c.username = Some(u("u"));
    c.password = Some(Bin::new(b"p"));
    #[rustfmt::skip]
    let bytes = [0x10, 0x1D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xD6, 0x00, 0x3C,
        0x00, 0x03, b'a', b'b', b'c', 0x00, 0x01, b'w', 0x00, 0x03, b'b', b'y', b'e',
        0x00, 0x01, b'u', 0x00, 0x01, b'p'];
    vector(&Packet::Connect(c), V3_1_1, &bytes);
}

#[test]
fn v311_connect_clean_session_0_keep_alive_0_vector() {
    let mut c = Connect::new(u("abc"), 0);
    c.clean_start = false;
    #[rustfmt::skip]
    let expected = [0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x00, 0x00, 0x00,
        0x00, 0x03, b'a', b'b', b'c'];
    vector(&Packet::Connect(c), V3_1_1, &expected);
}

#[test]
fn v5_connect_minimal_vector() {
    let p = Packet::Connect(Connect::new(u("abc"), 60));
    #[rustfmt::skip]
    let bytes = [0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x3C, 0x00,
        0x00, 0x03, b'a', b'b', b'c'];
    vector(&p, V5, &bytes);
}

#[test]
fn v5_connect_properties_will_properties_and_username_vector() {
    let mut c = Connect::new(u("abc"), 60);
    let mut props = ConnectProperties::default();
    props.session_expiry_interval = Some(120);
    props.receive_maximum = NonZeroU16::new(20);
    c.properties = props;
    let mut w = will("w", b"x", QoS::AtMostOnce, false);
    w.properties.will_delay_interval = Some(5);
    c.will = Some(w);
    c.username = Some(u("u"));
    #[rustfmt::skip]
    let bytes = [0x10, 0x27, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x86, 0x00, 0x3C,
        0x08, 0x11, 0x00, 0x00, 0x00, 0x78, 0x21, 0x00, 0x14,
        0x00, 0x03, b'a', b'b', b'c',
        0x05, 0x18, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x01, b'w', 0x00, 0x01, b'x',
        0x00, 0x01, b'u'];
    vector(&Packet::Connect(c), V5, &bytes);
}

#[test]
fn v5_connect_password_without_username_is_allowed() {
    let mut c = Connect::new(u("abc"), 60);
    c.password = Some(Bin::new(b"pw"));
    #[rustfmt::skip]
    let bytes = [0x10, 0x14, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x42, 0x00, 0x3C, 0x00,
        0x00, 0x03, b'a', b'b', b'c', 0x00, 0x02, b'p', b'w'];
    vector(&Packet::Connect(c), V5, &bytes);
}

#[test]
fn v5_mqtt_3_1_3_6_connect_empty_client_id_allowed_even_without_clean_start() {
    let mut c = Connect::new(Utf8::EMPTY, 60);
    c.clean_start = false;
    let bytes = connect(V5, 0x00, &[0x00, 0x00]);
    assert_eq!(bytes, [0x10, 0x0D, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x00]);
    vector(&Packet::Connect(c), V5, &bytes);
}

#[test]
fn v311_mqtt_3_1_3_6_connect_empty_client_id_with_clean_session_is_allowed() {
    let c = Connect::new(Utf8::EMPTY, 60);
    let bytes = [0x10, 0x0C, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00];
    vector(&Packet::Connect(c), V3_1_1, &bytes);
}

// ---------------------------------------------------------------- CONNECT errors

#[test]
fn v311_mqtt_3_1_3_7_and_3_1_3_8_connect_empty_client_id_with_clean_session_0_is_rejected() {
    let e = dec_err(&connect(V3_1_1, 0x00, &[0x00, 0x00]), V3_1_1);
    assert_eq!(e, DecodeError::EmptyClientId);
    assert_eq!(e.reason_code(), ReasonCode::ClientIdentifierNotValid);
    assert_eq!(e.reason_code().to_u8(), 0x85);
    assert_eq!(ReasonCode::ClientIdentifierNotValid.to_v3_connack(), Some(2));
    let mut c = Connect::new(Utf8::EMPTY, 60);
    c.clean_start = false;
    assert_eq!(enc_err(&Packet::Connect(c), V3_1_1), EncodeError::EmptyClientId);
}

#[test]
fn v31_connect_empty_client_id_is_rejected_even_with_clean_session() {
    assert_eq!(dec_err(&connect(V3_1, 0x02, &[0x00, 0x00]), V3_1), DecodeError::EmptyClientId);
    let c = Connect::new(Utf8::EMPTY, 60);
    assert_eq!(enc_err(&Packet::Connect(c), V3_1), EncodeError::EmptyClientId);
}

#[test]
fn all_versions_mqtt_3_1_2_3_connect_reserved_flag_is_malformed() {
    for v in ProtocolVersion::ALL {
        let e = dec_err(&connect(v, 0x03, ABC), v);
        assert_eq!(e, DecodeError::ConnectReservedFlag, "{v}");
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
}

#[test]
fn v311_mqtt_3_1_2_13_v5_mqtt_3_1_2_11_will_qos_without_will_flag_is_malformed() {
    for v in ProtocolVersion::ALL {
        for flags in [0x0A, 0x12] {
            assert_eq!(dec_err(&connect(v, flags, ABC), v), DecodeError::InvalidWillFlags, "{v} {flags:#x}");
        }
    }
}

#[test]
fn v311_mqtt_3_1_2_15_v5_mqtt_3_1_2_13_will_retain_without_will_flag_is_malformed() {
    for v in ProtocolVersion::ALL {
        let e = dec_err(&connect(v, 0x22, ABC), v);
        assert_eq!(e, DecodeError::InvalidWillFlags, "{v}");
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
}

#[test]
fn v311_mqtt_3_1_2_14_v5_mqtt_3_1_2_12_will_qos_3_is_malformed() {
    let will_payload = [0x00, 0x03, b'a', b'b', b'c', 0x00, 0x01, b'w', 0x00, 0x00];
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&connect(v, 0x1E, &will_payload), v), DecodeError::InvalidQoS, "{v}");
    }
    let v5_payload = [0x00, 0x03, b'a', b'b', b'c', 0x00, 0x00, 0x01, b'w', 0x00, 0x00];
    let e = dec_err(&connect(V5, 0x1E, &v5_payload), V5);
    assert_eq!(e, DecodeError::InvalidQoS);
    assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
}

#[test]
fn v311_mqtt_3_1_2_22_password_without_username_is_malformed() {
    let payload = [0x00, 0x03, b'a', b'b', b'c', 0x00, 0x01, b'p'];
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&connect(v, 0x42, &payload), v), DecodeError::PasswordWithoutUsername, "{v}");
        let mut c = Connect::new(u("abc"), 60);
        c.password = Some(Bin::new(b"p"));
        assert_eq!(enc_err(&Packet::Connect(c), v), EncodeError::PasswordWithoutUsername, "{v}");
    }
}

#[test]
fn v311_mqtt_3_1_2_1_wrong_protocol_name_is_unsupported_protocol() {
    #[rustfmt::skip]
    let bytes = [0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'X', 0x04, 0x02, 0x00, 0x3C,
        0x00, 0x03, b'a', b'b', b'c'];
    for v in ProtocolVersion::ALL {
        let e = dec_err(&bytes, v);
        assert!(matches!(e, DecodeError::UnsupportedProtocol { .. }), "{v}: {e:?}");
        assert_eq!(e.reason_code(), ReasonCode::UnsupportedProtocolVersion);
    }
    // "MQIsdp" belongs to level 3 only, "MQTT" to levels 4 and 5 only.
    let mut mqisdp_4 = connect(V3_1, 0x02, ABC);
    mqisdp_4[10] = 0x04;
    assert_eq!(dec_err(&mqisdp_4, V3_1), DecodeError::UnsupportedProtocol { level: 4 });
}

#[test]
fn v311_mqtt_3_1_2_2_unknown_protocol_level_is_unsupported_protocol_0x84() {
    for level in [0u8, 1, 2, 3, 6, 0xFF] {
        let mut bytes = connect(V3_1_1, 0x02, ABC);
        bytes[8] = level;
        for v in ProtocolVersion::ALL {
            let e = dec_err(&bytes, v);
            assert_eq!(e, DecodeError::UnsupportedProtocol { level }, "{v}");
            assert_eq!(e.reason_code().to_u8(), 0x84);
        }
    }
}

#[test]
fn connect_declaring_another_version_names_the_declared_version() {
    for declared in ProtocolVersion::ALL {
        let bytes = connect(declared, 0x02, ABC);
        for v in ProtocolVersion::ALL.into_iter().filter(|&v| v != declared) {
            let e = dec_err(&bytes, v);
            assert_eq!(e, DecodeError::UnexpectedProtocolVersion(declared), "decoded as {v}");
            assert_eq!(e.reason_code(), ReasonCode::UnsupportedProtocolVersion);
        }
        // ...and the named version decodes it.
        assert_eq!(dec(&bytes, declared), Packet::Connect(Connect::new(u("abc"), 60)));
    }
}

#[test]
fn all_versions_mqtt_3_1_3_11_will_topic_with_wildcard_is_invalid_topic_name() {
    for (v, payload) in [
        (V3_1, &[0x00, 0x01, b'c', 0x00, 0x03, b'a', b'/', b'+', 0x00, 0x00][..]),
        (V3_1_1, &[0x00, 0x01, b'c', 0x00, 0x03, b'a', b'/', b'#', 0x00, 0x00][..]),
        (V5, &[0x00, 0x01, b'c', 0x00, 0x00, 0x03, b'a', b'/', b'+', 0x00, 0x00][..]),
    ] {
        let e = dec_err(&connect(v, 0x06, payload), v);
        assert_eq!(e, DecodeError::InvalidTopicName(TopicError::Wildcard), "{v}");
    }
}

#[test]
fn all_versions_mqtt_4_7_3_1_empty_will_topic_is_invalid_topic_name() {
    for v in [V3_1, V3_1_1] {
        let payload = [0x00, 0x01, b'c', 0x00, 0x00, 0x00, 0x00];
        assert_eq!(dec_err(&connect(v, 0x06, &payload), v), DecodeError::InvalidTopicName(TopicError::Empty));
    }
    let payload = [0x00, 0x01, b'c', 0x00, 0x00, 0x00, 0x00, 0x00];
    assert_eq!(dec_err(&connect(V5, 0x06, &payload), V5), DecodeError::InvalidTopicName(TopicError::Empty));
    let mut c = Connect::new(u("c"), 60);
    c.will = Some(Will {
        topic: TopicName::EMPTY,
        payload: Bin::EMPTY,
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties::default(),
    });
    for v in ProtocolVersion::ALL {
        assert_eq!(enc_err(&Packet::Connect(c.clone()), v), EncodeError::InvalidTopicName(TopicError::Empty));
    }
}

#[test]
fn v311_mqtt_3_1_2_9_19_21_flagged_fields_missing_from_payload_are_unexpected_end() {
    for v in ProtocolVersion::ALL {
        // Will flag, user name flag, password flag (with user name): the field is absent.
        for flags in [0x06, 0x82, 0xC2] {
            let payload: &[u8] =
                if flags == 0xC2 { &[0x00, 0x03, b'a', b'b', b'c', 0x00, 0x01, b'u'] } else { ABC };
            assert_eq!(dec_err(&connect(v, flags, payload), v), DecodeError::UnexpectedEnd, "{v} {flags:#x}");
        }
    }
}

#[test]
fn connect_with_bytes_after_the_last_field_is_trailing_bytes() {
    for v in ProtocolVersion::ALL {
        let e = dec_err(&connect(v, 0x02, &[0x00, 0x03, b'a', b'b', b'c', 0x00]), v);
        assert_eq!(e, DecodeError::TrailingBytes, "{v}");
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
}

#[test]
fn connect_cut_inside_the_variable_header_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        let full = connect(v, 0x02, ABC);
        // Keep only the protocol name and level, with a matching remaining length.
        let cut = if v == V3_1 { 9 } else { 7 };
        let bytes = frame(0x10, &full[2..2 + cut]);
        assert_eq!(dec_err(&bytes, v), DecodeError::UnexpectedEnd, "{v}");
    }
}

#[test]
fn v3_connect_properties_and_will_properties_are_unsupported_when_encoding() {
    let mut with_props = Connect::new(u("c"), 60);
    with_props.properties.session_expiry_interval = Some(1);
    let mut with_will_props = Connect::new(u("c"), 60);
    let mut w = will("w", b"", QoS::AtMostOnce, false);
    w.properties.message_expiry_interval = Some(1);
    with_will_props.will = Some(w);
    for v in [V3_1, V3_1_1] {
        for c in [&with_props, &with_will_props] {
            let e = enc_err(&Packet::Connect(c.clone()), v);
            assert_eq!(e, EncodeError::Unsupported { version: v, field: "properties" });
        }
    }
}

#[test]
fn connect_password_over_65535_bytes_is_too_long_when_encoding() {
    let big = vec![b'p'; 65_536];
    let mut c = Connect::new(u("c"), 60);
    c.username = Some(u("u"));
    c.password = Some(Bin::new(&big));
    for v in ProtocolVersion::ALL {
        assert_eq!(enc_err(&Packet::Connect(c.clone()), v), EncodeError::TooLong { len: 65_536 });
    }
    // 65,535 bytes is the largest that fits.
    c.password = Some(Bin::new(&big[..65_535]));
    let n = Packet::Connect(c).encoded_len(V3_1_1).unwrap();
    assert_eq!(n, 1 + 3 + 10 + 3 + 3 + 2 + 65_535);
}

// ---------------------------------------------------------------- CONNACK vectors

fn connack(session_present: bool, reason: ReasonCode) -> Packet<'static> {
    Packet::ConnAck(ConnAck { session_present, reason, properties: ConnAckProperties::default() })
}

#[test]
fn v31_connack_vector() {
    vector(&connack(false, ReasonCode::Success), V3_1, &[0x20, 0x02, 0x00, 0x00]);
}

#[test]
fn v311_connack_session_present_vector() {
    vector(&connack(true, ReasonCode::Success), V3_1_1, &[0x20, 0x02, 0x01, 0x00]);
    vector(&connack(false, ReasonCode::Success), V3_1_1, &[0x20, 0x02, 0x00, 0x00]);
}

#[test]
fn v3_connack_return_codes_0_to_5_map_onto_reason_codes() {
    let table = [
        (0u8, ReasonCode::Success, 0x00u8),
        (1, ReasonCode::UnsupportedProtocolVersion, 0x84),
        (2, ReasonCode::ClientIdentifierNotValid, 0x85),
        (3, ReasonCode::ServerUnavailable, 0x88),
        (4, ReasonCode::BadUserNameOrPassword, 0x86),
        (5, ReasonCode::NotAuthorized, 0x87),
    ];
    for v in [V3_1, V3_1_1] {
        for (rc, reason, v5_byte) in table {
            assert_eq!(reason.to_u8(), v5_byte);
            vector(&connack(false, reason), v, &[0x20, 0x02, 0x00, rc]);
        }
    }
}

#[test]
fn v3_connack_return_code_6_and_above_is_invalid_reason_code() {
    for v in [V3_1, V3_1_1] {
        for rc in [6u8, 0x80, 0x84, 0xFF] {
            let e = dec_err(&[0x20, 0x02, 0x00, rc], v);
            assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: rc });
        }
        // A reason with no 3.x return code cannot be encoded.
        let e = enc_err(&connack(false, ReasonCode::Banned), v);
        assert_eq!(
            e,
            EncodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: ReasonCode::Banned }
        );
    }
}

#[test]
fn v311_connack_reserved_acknowledge_flag_bits_are_malformed() {
    for flags in [0x02u8, 0x80, 0xFE, 0x03] {
        let e = dec_err(&[0x20, 0x02, flags, 0x00], V3_1_1);
        assert_eq!(e, DecodeError::InvalidConnAckFlags, "{flags:#x}");
    }
}

#[test]
fn v5_mqtt_3_2_2_1_connack_reserved_acknowledge_flag_bits_are_malformed() {
    let e = dec_err(&[0x20, 0x03, 0x02, 0x00, 0x00], V5);
    assert_eq!(e, DecodeError::InvalidConnAckFlags);
    assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
}

#[test]
fn v31_connack_reserved_byte_must_be_zero_and_session_present_is_unsupported() {
    assert_eq!(dec_err(&[0x20, 0x02, 0x01, 0x00], V3_1), DecodeError::InvalidConnAckFlags);
    let e = enc_err(&connack(true, ReasonCode::Success), V3_1);
    assert_eq!(e, EncodeError::Unsupported { version: V3_1, field: "session_present" });
}

#[test]
fn v311_mqtt_3_2_2_4_session_present_with_a_refusal_is_rejected() {
    for rc in 1..=5u8 {
        assert_eq!(dec_err(&[0x20, 0x02, 0x01, rc], V3_1_1), DecodeError::InvalidConnAckFlags);
    }
    let e = enc_err(&connack(true, ReasonCode::NotAuthorized), V3_1_1);
    assert!(matches!(e, EncodeError::Unsupported { field: "session_present", .. }), "{e:?}");
}

#[test]
fn v5_mqtt_3_2_2_6_session_present_with_a_refusal_is_rejected() {
    assert_eq!(dec_err(&[0x20, 0x03, 0x01, 0x87, 0x00], V5), DecodeError::InvalidConnAckFlags);
    let e = enc_err(&connack(true, ReasonCode::NotAuthorized), V5);
    assert!(matches!(e, EncodeError::Unsupported { field: "session_present", .. }), "{e:?}");
}

#[test]
fn v5_connack_minimal_and_refusal_vectors() {
    vector(&connack(false, ReasonCode::Success), V5, &[0x20, 0x03, 0x00, 0x00, 0x00]);
    vector(&connack(true, ReasonCode::Success), V5, &[0x20, 0x03, 0x01, 0x00, 0x00]);
    vector(&connack(false, ReasonCode::NotAuthorized), V5, &[0x20, 0x03, 0x00, 0x87, 0x00]);
}

#[test]
fn v5_connack_with_properties_vector() {
    let mut props = ConnAckProperties::default();
    props.session_expiry_interval = Some(60);
    props.receive_maximum = NonZeroU16::new(10);
    let p =
        Packet::ConnAck(ConnAck { session_present: true, reason: ReasonCode::Success, properties: props });
    #[rustfmt::skip]
    let bytes = [0x20, 0x0B, 0x01, 0x00, 0x08, 0x11, 0x00, 0x00, 0x00, 0x3C, 0x21, 0x00, 0x0A];
    vector(&p, V5, &bytes);
}

#[test]
fn v5_mqtt_3_2_2_8_connack_reason_code_outside_the_connack_table_is_malformed() {
    for code in [0x01u8, 0x04, 0x10, 0x18, 0x8B, 0x8E, 0x91, 0x92, 0x9E, 0xA0, 0xA3, 0xFF] {
        let e = dec_err(&[0x20, 0x03, 0x00, code, 0x00], V5);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::ConnAck, code });
        assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
    }
    let e = enc_err(&connack(false, ReasonCode::GrantedQoS1), V5);
    assert_eq!(
        e,
        EncodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: ReasonCode::GrantedQoS1 }
    );
}

#[test]
fn v5_connack_without_property_length_is_unexpected_end() {
    assert_eq!(dec_err(&[0x20, 0x02, 0x00, 0x00], V5), DecodeError::UnexpectedEnd);
}

#[test]
fn connack_with_extra_bytes_is_trailing_bytes() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0x20, 0x03, 0x00, 0x00, 0x00], v), DecodeError::TrailingBytes, "{v}");
    }
    assert_eq!(dec_err(&[0x20, 0x04, 0x00, 0x00, 0x00, 0x00], V5), DecodeError::TrailingBytes);
}

#[test]
fn connack_shorter_than_two_bytes_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        assert_eq!(dec_err(&[0x20, 0x01, 0x00], v), DecodeError::UnexpectedEnd, "{v}");
        assert_eq!(dec_err(&[0x20, 0x00], v), DecodeError::UnexpectedEnd, "{v}");
    }
}

#[test]
fn v3_connack_properties_are_unsupported_when_encoding() {
    let mut props = ConnAckProperties::default();
    props.server_keep_alive = Some(10);
    let p =
        Packet::ConnAck(ConnAck { session_present: false, reason: ReasonCode::Success, properties: props });
    for v in [V3_1, V3_1_1] {
        assert_eq!(enc_err(&p, v), EncodeError::Unsupported { version: v, field: "properties" });
    }
}

#[test]
fn v5_connect_authentication_data_without_authentication_method_is_a_protocol_error() {
    // §3.1.2.11.10: "It is a Protocol Error to include Authentication Data if there is no
    // Authentication Method."
    let mut bytes = vec![0x10, 0x15];
    bytes.extend([0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x3C]);
    bytes.extend([0x05, 0x16, 0x00, 0x02, 0xAB, 0xCD, 0x00, 0x03, b'a', b'b', b'c']);
    let e = dec_err(&bytes, V5);
    assert_eq!(
        e,
        DecodeError::InvalidPropertyValue(sansmqtt_proto::property::PropertyId::AuthenticationData)
    );
    assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
    let mut c = Connect::new(u("abc"), 60);
    c.properties.authentication_data = Some(Bin::new(&[0xAB, 0xCD]));
    let e = enc_err(&Packet::Connect(c.clone()), V5);
    assert_eq!(
        e,
        EncodeError::InvalidPropertyValue(sansmqtt_proto::property::PropertyId::AuthenticationData)
    );
    // With a method it is fine.
    c.properties.authentication_method = Some(u("m"));
    #[rustfmt::skip]
    let bytes = [0x10, 0x19, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x3C,
        0x09, 0x15, 0x00, 0x01, b'm', 0x16, 0x00, 0x02, 0xAB, 0xCD,
        0x00, 0x03, b'a', b'b', b'c'];
    vector(&Packet::Connect(c), V5, &bytes);
}

/// Secrets never printed: a CONNECT's password and the Authentication Data of CONNECT, CONNACK
/// and AUTH show as `***` in `Debug`, decoded or built; everything else still shows.
#[test]
fn debug_elides_the_password_and_authentication_data() {
    use sansmqtt_proto::Auth;
    use sansmqtt_proto::property::AuthProperties;
    let secret: &[u8] = b"S3cretPW-0xDEAD";
    let mut c = Connect::new(u("abc"), 60);
    c.username = Some(u("alice"));
    c.password = Some(Bin::new(secret));
    c.properties.authentication_method = Some(u("TOKEN"));
    c.properties.authentication_data = Some(Bin::new(secret));
    let mut ack = ConnAckProperties::default();
    ack.authentication_method = Some(u("TOKEN"));
    ack.authentication_data = Some(Bin::new(secret));
    let mut auth = AuthProperties::default();
    auth.authentication_method = Some(u("TOKEN"));
    auth.authentication_data = Some(Bin::new(secret));
    let packets = [
        Packet::Connect(c),
        Packet::ConnAck(ConnAck { session_present: false, reason: ReasonCode::Success, properties: ack }),
        Packet::Auth(Auth { reason: ReasonCode::ContinueAuthentication, properties: auth }),
    ];
    for p in &packets {
        let bytes = enc(p, V5);
        let decoded = dec(&bytes, V5);
        assert_eq!(&decoded, p);
        for shown in [format!("{p:?}"), format!("{decoded:?}"), format!("{decoded:#?}")] {
            assert!(!shown.contains("S3cret") && shown.contains("\"TOKEN\""), "{shown}");
        }
        assert!(format!("{decoded:?}").contains("authentication_data: Some(***)"), "{decoded:?}");
    }
    let shown = format!("{:?}", packets[0]);
    assert!(shown.contains("password: Some(***)") && shown.contains("\"alice\""), "{shown}");
}
