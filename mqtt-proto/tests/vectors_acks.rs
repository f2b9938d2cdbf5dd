//! PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP, DISCONNECT and AUTH byte vectors for
//! MQTT 3.1, 3.1.1 and 5.0: the v5 short forms, the reason-code tables, and malformed acks.

mod common;

use common::*;
use sansmqtt_proto::property::{AckProperties, AuthProperties, DisconnectProperties};
use sansmqtt_proto::{
    Ack, Auth, Bin, DecodeError, Disconnect, EncodeError, Packet, PacketType, ProtocolVersion, ReasonCode,
    Utf8,
};

const ACKS: [PacketType; 4] =
    [PacketType::PubAck, PacketType::PubRec, PacketType::PubRel, PacketType::PubComp];

fn ack(t: PacketType, a: Ack<'_>) -> Packet<'_> {
    match t {
        PacketType::PubAck => Packet::PubAck(a),
        PacketType::PubRec => Packet::PubRec(a),
        PacketType::PubRel => Packet::PubRel(a),
        PacketType::PubComp => Packet::PubComp(a),
        _ => unreachable!(),
    }
}

/// The first byte of each ack: PUBREL carries flags 0b0010.
fn first(t: PacketType) -> u8 {
    (t as u8) << 4 | if t == PacketType::PubRel { 0x02 } else { 0x00 }
}

fn with_reason(id: u16, reason: ReasonCode) -> Ack<'static> {
    Ack { packet_id: pid(id), reason, properties: AckProperties::default() }
}

fn reason_string(s: &str) -> AckProperties<'_> {
    let mut p = AckProperties::default();
    p.reason_string = Some(Utf8::new(s).unwrap());
    p
}

// ---------------------------------------------------------------- PUBACK / PUBREC / PUBREL / PUBCOMP

#[test]
fn v31_puback_pubrec_pubrel_pubcomp_vectors() {
    vector(&Packet::PubAck(Ack::new(pid(7))), V3_1, &[0x40, 0x02, 0x00, 0x07]);
    vector(&Packet::PubRec(Ack::new(pid(7))), V3_1, &[0x50, 0x02, 0x00, 0x07]);
    vector(&Packet::PubRel(Ack::new(pid(7))), V3_1, &[0x62, 0x02, 0x00, 0x07]);
    vector(&Packet::PubComp(Ack::new(pid(0xBEEF))), V3_1, &[0x70, 0x02, 0xBE, 0xEF]);
}

#[test]
fn v311_puback_pubrec_pubrel_pubcomp_vectors() {
    vector(&Packet::PubAck(Ack::new(pid(7))), V3_1_1, &[0x40, 0x02, 0x00, 0x07]);
    vector(&Packet::PubRec(Ack::new(pid(7))), V3_1_1, &[0x50, 0x02, 0x00, 0x07]);
    vector(&Packet::PubRel(Ack::new(pid(7))), V3_1_1, &[0x62, 0x02, 0x00, 0x07]);
    vector(&Packet::PubComp(Ack::new(pid(0xBEEF))), V3_1_1, &[0x70, 0x02, 0xBE, 0xEF]);
}

#[test]
fn v5_mqtt_3_4_2_1_success_without_properties_encodes_as_remaining_length_2() {
    for t in ACKS {
        vector(&ack(t, Ack::new(pid(7))), V5, &[first(t), 0x02, 0x00, 0x07]);
    }
}

#[test]
fn v5_puback_pubrec_pubrel_pubcomp_with_reason_code_vectors() {
    let cases = [
        (PacketType::PubAck, ReasonCode::NoMatchingSubscribers, 0x10u8),
        (PacketType::PubRec, ReasonCode::UnspecifiedError, 0x80),
        (PacketType::PubRel, ReasonCode::PacketIdentifierNotFound, 0x92),
        (PacketType::PubComp, ReasonCode::PacketIdentifierNotFound, 0x92),
    ];
    for (t, reason, code) in cases {
        vector(&ack(t, with_reason(7, reason)), V5, &[first(t), 0x03, 0x00, 0x07, code]);
    }
}

#[test]
fn v5_acks_with_reason_string_property_vectors() {
    for t in ACKS {
        let mut a = with_reason(7, ReasonCode::Success);
        a.properties = reason_string("x");
        vector(&ack(t, a), V5, &[first(t), 0x08, 0x00, 0x07, 0x00, 0x04, 0x1F, 0x00, 0x01, b'x']);
    }
    let mut a = with_reason(7, ReasonCode::QuotaExceeded);
    a.properties = reason_string("x");
    vector(&Packet::PubAck(a), V5, &[0x40, 0x08, 0x00, 0x07, 0x97, 0x04, 0x1F, 0x00, 0x01, b'x']);
}

#[test]
fn v5_acks_short_forms_decode_and_encode_picks_the_shortest() {
    for t in ACKS {
        let canonical = [first(t), 0x02, 0x00, 0x07];
        let success = ack(t, Ack::new(pid(7)));
        // Remaining length 3: reason code only; 4: reason code and empty properties.
        decodes_to_canonical(&[first(t), 0x03, 0x00, 0x07, 0x00], &success, V5, &canonical);
        decodes_to_canonical(&[first(t), 0x04, 0x00, 0x07, 0x00, 0x00], &success, V5, &canonical);
        let code = if matches!(t, PacketType::PubRel | PacketType::PubComp) { 0x92 } else { 0x10 };
        let failed = ack(t, with_reason(7, ReasonCode::from_u8(code).unwrap()));
        let short = [first(t), 0x03, 0x00, 0x07, code];
        decodes_to_canonical(&[first(t), 0x04, 0x00, 0x07, code, 0x00], &failed, V5, &short);
    }
}

#[test]
fn v5_mqtt_3_4_2_1_to_3_7_2_1_reason_code_not_allowed_in_the_ack_is_malformed() {
    let cases: [(PacketType, &[u8]); 4] = [
        (PacketType::PubAck, &[0x01, 0x04, 0x11, 0x18, 0x81, 0x8F, 0x92, 0x95, 0xFF]),
        (PacketType::PubRec, &[0x01, 0x04, 0x11, 0x18, 0x81, 0x8F, 0x92, 0x95, 0xFF]),
        (PacketType::PubRel, &[0x01, 0x10, 0x80, 0x83, 0x87, 0x91, 0x97, 0xFF]),
        (PacketType::PubComp, &[0x01, 0x10, 0x80, 0x83, 0x87, 0x91, 0x97, 0xFF]),
    ];
    for (t, codes) in cases {
        for &code in codes {
            let e = dec_err(&[first(t), 0x03, 0x00, 0x07, code], V5);
            assert_eq!(e, DecodeError::InvalidReasonCode { packet: t, code }, "{t}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
            if let Some(reason) = ReasonCode::from_u8(code) {
                let e = enc_err(&ack(t, with_reason(7, reason)), V5);
                assert_eq!(e, EncodeError::InvalidReasonCode { packet: t, code: reason });
            }
        }
    }
}

#[test]
fn all_versions_ack_packet_id_0_is_rejected() {
    for v in ProtocolVersion::ALL {
        for t in ACKS {
            let e = dec_err(&[first(t), 0x02, 0x00, 0x00], v);
            assert_eq!(e, DecodeError::ZeroPacketId, "{v} {t}");
            assert_eq!(e.reason_code(), ReasonCode::ProtocolError);
        }
    }
}

#[test]
fn v3_ack_with_three_bytes_is_trailing_bytes() {
    for v in [V3_1, V3_1_1] {
        for t in ACKS {
            assert_eq!(
                dec_err(&[first(t), 0x03, 0x00, 0x07, 0x00], v),
                DecodeError::TrailingBytes,
                "{v} {t}"
            );
        }
    }
}

#[test]
fn ack_missing_bytes_is_unexpected_end() {
    for v in ProtocolVersion::ALL {
        for t in ACKS {
            assert_eq!(dec_err(&[first(t), 0x01, 0x00], v), DecodeError::UnexpectedEnd, "{v} {t}");
            assert_eq!(dec_err(&[first(t), 0x00], v), DecodeError::UnexpectedEnd, "{v} {t}");
        }
    }
    // v5: a property length that runs past the end of the packet.
    assert_eq!(dec_err(&[0x40, 0x05, 0x00, 0x07, 0x00, 0x05, 0x1F], V5), DecodeError::UnexpectedEnd);
    // v5: a property whose value runs past the end of the property block.
    assert_eq!(dec_err(&[0x40, 0x06, 0x00, 0x07, 0x00, 0x02, 0x1F, 0x00], V5), DecodeError::UnexpectedEnd);
}

#[test]
fn v3_ack_reason_code_and_properties_are_unsupported_when_encoding() {
    for v in [V3_1, V3_1_1] {
        for t in ACKS {
            let e = enc_err(&ack(t, with_reason(7, ReasonCode::UnspecifiedError)), v);
            assert_eq!(e, EncodeError::Unsupported { version: v, field: "reason code" });
            let mut a = Ack::new(pid(7));
            a.properties = reason_string("x");
            assert_eq!(enc_err(&ack(t, a), v), EncodeError::Unsupported { version: v, field: "properties" });
        }
    }
}

// ---------------------------------------------------------------- PINGREQ / PINGRESP

#[test]
fn all_versions_pingreq_and_pingresp_vectors() {
    for v in ProtocolVersion::ALL {
        vector(&Packet::PingReq, v, &[0xC0, 0x00]);
        vector(&Packet::PingResp, v, &[0xD0, 0x00]);
    }
}

#[test]
fn all_versions_pingreq_and_pingresp_with_remaining_length_1_are_trailing_bytes() {
    for v in ProtocolVersion::ALL {
        assert_eq!(dec_err(&[0xC0, 0x01, 0x00], v), DecodeError::TrailingBytes, "{v}");
        assert_eq!(dec_err(&[0xD0, 0x01, 0x00], v), DecodeError::TrailingBytes, "{v}");
        assert_eq!(DecodeError::TrailingBytes.reason_code(), ReasonCode::MalformedPacket);
    }
}

// ---------------------------------------------------------------- DISCONNECT

#[test]
fn v31_and_v311_disconnect_vector() {
    for v in [V3_1, V3_1_1] {
        vector(&Packet::Disconnect(Disconnect::default()), v, &[0xE0, 0x00]);
    }
}

#[test]
fn v3_disconnect_with_a_body_is_trailing_bytes() {
    for v in [V3_1, V3_1_1] {
        assert_eq!(dec_err(&[0xE0, 0x01, 0x00], v), DecodeError::TrailingBytes, "{v}");
    }
}

#[test]
fn v3_disconnect_reason_code_and_properties_are_unsupported_when_encoding() {
    let mut props = DisconnectProperties::default();
    props.session_expiry_interval = Some(0);
    for v in [V3_1, V3_1_1] {
        let e = enc_err(&Packet::Disconnect(Disconnect::new(ReasonCode::ServerBusy)), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "reason code" });
        let d = Disconnect { reason: ReasonCode::Success, properties: props.clone() };
        assert_eq!(
            enc_err(&Packet::Disconnect(d), v),
            EncodeError::Unsupported { version: v, field: "properties" }
        );
    }
}

#[test]
fn v5_mqtt_3_14_2_1_disconnect_vectors() {
    vector(&Packet::Disconnect(Disconnect::default()), V5, &[0xE0, 0x00]);
    vector(
        &Packet::Disconnect(Disconnect::new(ReasonCode::DisconnectWithWillMessage)),
        V5,
        &[0xE0, 0x01, 0x04],
    );
    vector(&Packet::Disconnect(Disconnect::new(ReasonCode::ServerShuttingDown)), V5, &[0xE0, 0x01, 0x8B]);
    let mut props = DisconnectProperties::default();
    props.reason_string = Some(Utf8::new("x").unwrap());
    let d = Disconnect { reason: ReasonCode::SessionTakenOver, properties: props };
    vector(&Packet::Disconnect(d), V5, &[0xE0, 0x06, 0x8E, 0x04, 0x1F, 0x00, 0x01, b'x']);
}

#[test]
fn v5_disconnect_short_forms_decode_and_encode_picks_the_shortest() {
    let normal = Packet::Disconnect(Disconnect::default());
    // Remaining length 0 means Normal disconnection; 1 means no properties.
    decodes_to_canonical(&[0xE0, 0x01, 0x00], &normal, V5, &[0xE0, 0x00]);
    decodes_to_canonical(&[0xE0, 0x02, 0x00, 0x00], &normal, V5, &[0xE0, 0x00]);
    let will = Packet::Disconnect(Disconnect::new(ReasonCode::DisconnectWithWillMessage));
    decodes_to_canonical(&[0xE0, 0x02, 0x04, 0x00], &will, V5, &[0xE0, 0x01, 0x04]);
}

#[test]
fn v5_mqtt_3_14_2_1_disconnect_reason_code_outside_the_disconnect_table_is_malformed() {
    let not_allowed = [
        0x01u8, 0x02, 0x03, 0x10, 0x11, 0x18, 0x19, 0x84, 0x85, 0x86, 0x88, 0x8A, 0x8C, 0x91, 0x92, 0xA3,
        0xFF,
    ];
    for code in not_allowed {
        let e = dec_err(&[0xE0, 0x01, code], V5);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::Disconnect, code }, "{code:#04x}");
        if let Some(reason) = ReasonCode::from_u8(code) {
            let e = enc_err(&Packet::Disconnect(Disconnect::new(reason)), V5);
            assert_eq!(e, EncodeError::InvalidReasonCode { packet: PacketType::Disconnect, code: reason });
        }
    }
}

// ---------------------------------------------------------------- AUTH

#[test]
fn v5_auth_vectors() {
    vector(&Packet::Auth(Auth::default()), V5, &[0xF0, 0x00]);
    let cont = Auth { reason: ReasonCode::ContinueAuthentication, properties: AuthProperties::default() };
    vector(&Packet::Auth(cont), V5, &[0xF0, 0x01, 0x18]);
    let mut props = AuthProperties::default();
    props.authentication_method = Some(Utf8::new("m").unwrap());
    let p = Packet::Auth(Auth { reason: ReasonCode::ContinueAuthentication, properties: props });
    vector(&p, V5, &[0xF0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, b'm']);
    let mut props = AuthProperties::default();
    props.authentication_method = Some(Utf8::new("m").unwrap());
    props.authentication_data = Some(Bin::new(&[0xAB]));
    let p = Packet::Auth(Auth { reason: ReasonCode::ReAuthenticate, properties: props });
    #[rustfmt::skip]
    vector(&p, V5, &[0xF0, 0x0A, 0x19, 0x08, 0x15, 0x00, 0x01, b'm', 0x16, 0x00, 0x01, 0xAB]);
}

#[test]
fn v5_auth_short_forms_decode_and_encode_picks_the_shortest() {
    let success = Packet::Auth(Auth::default());
    decodes_to_canonical(&[0xF0, 0x01, 0x00], &success, V5, &[0xF0, 0x00]);
    decodes_to_canonical(&[0xF0, 0x02, 0x00, 0x00], &success, V5, &[0xF0, 0x00]);
    let cont =
        Packet::Auth(Auth { reason: ReasonCode::ContinueAuthentication, properties: Default::default() });
    decodes_to_canonical(&[0xF0, 0x02, 0x18, 0x00], &cont, V5, &[0xF0, 0x01, 0x18]);
}

#[test]
fn v5_mqtt_3_15_2_1_auth_reason_code_other_than_0x00_0x18_0x19_is_malformed() {
    for code in [0x01u8, 0x04, 0x10, 0x80, 0x87, 0x8C, 0xFF] {
        let e = dec_err(&[0xF0, 0x01, code], V5);
        assert_eq!(e, DecodeError::InvalidReasonCode { packet: PacketType::Auth, code });
    }
    let p = Packet::Auth(Auth { reason: ReasonCode::NotAuthorized, properties: Default::default() });
    assert_eq!(
        enc_err(&p, V5),
        EncodeError::InvalidReasonCode { packet: PacketType::Auth, code: ReasonCode::NotAuthorized }
    );
}

#[test]
fn v3_auth_is_a_reserved_packet_type_when_decoding_and_unsupported_when_encoding() {
    for v in [V3_1, V3_1_1] {
        for bytes in [&[0xF0, 0x00][..], &[0xF0, 0x01, 0x18]] {
            let e = dec_err(bytes, v);
            assert_eq!(e, DecodeError::ReservedPacketType(15), "{v}");
            assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
        }
        let e = enc_err(&Packet::Auth(Auth::default()), v);
        assert_eq!(e, EncodeError::Unsupported { version: v, field: "AUTH" });
    }
}

// ---------------------------------------------------------------- the v5 reason-code tables

/// Reason codes each packet may carry, copied from the MQTT 5.0 tables (§3.2.2.2, §3.4.2.1,
/// §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.9.3, §3.11.3, §3.14.2.1, §3.15.2.1).
fn spec_table(t: PacketType) -> &'static [u8] {
    match t {
        PacketType::ConnAck => &[
            0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
            0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
        ],
        PacketType::PubAck | PacketType::PubRec => &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
        PacketType::PubRel | PacketType::PubComp => &[0x00, 0x92],
        PacketType::SubAck => &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2],
        PacketType::UnsubAck => &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91],
        PacketType::Disconnect => &[
            0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95,
            0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
        ],
        PacketType::Auth => &[0x00, 0x18, 0x19],
        _ => &[],
    }
}

#[test]
fn v5_reason_code_tables_match_the_specification_for_every_byte() {
    for t in PacketType::ALL {
        for b in 0..=255u8 {
            let allowed = ReasonCode::from_u8(b).is_some_and(|c| c.allowed_in(t));
            assert_eq!(allowed, spec_table(t).contains(&b), "{t} {b:#04x}");
        }
    }
}

#[test]
fn v5_every_allowed_disconnect_reason_code_roundtrips() {
    for &code in spec_table(PacketType::Disconnect) {
        let reason = ReasonCode::from_u8(code).unwrap();
        let p = Packet::Disconnect(Disconnect::new(reason));
        let bytes: &[u8] = if code == 0 { &[0xE0, 0x00] } else { &[0xE0, 0x01, code] };
        vector(&p, V5, bytes);
    }
}
