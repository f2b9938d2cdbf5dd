//! MQTT 5.0 negative acknowledgements: with manual acks the application may refuse a message
//! (`Session::reject`), which sends its PUBACK or PUBREC with an error reason code.
mod support;

use sansmqtt_proto::{EncodeError, Packet, PacketType, ProtocolVersion, QoS, ReasonCode};
use sansmqtt_session::{AckMode, AckToken, Config, Error};
use support::{Ev, Harness};

fn manual(v: ProtocolVersion, cfg: impl FnOnce(&mut Config)) -> Harness {
    let mut c = Harness::config(v);
    c.ack_mode = AckMode::Manual;
    cfg(&mut c);
    let mut h = Harness::new(c);
    h.connect(false);
    h
}

/// The ack tokens of the messages among `events`, in order.
fn tokens(events: Vec<Ev>) -> Vec<AckToken> {
    events
        .into_iter()
        .map(|e| match e {
            Ev::Message { ack: Some(t), .. } => t,
            other => panic!("expected a message with an ack token, got {other:?}"),
        })
        .collect()
}

/// (packet, id, reason) of the acks the client sent.
fn acks(packets: &[Packet<'_>]) -> Vec<(PacketType, u16, ReasonCode)> {
    packets
        .iter()
        .map(|p| match p {
            Packet::PubAck(a) => (PacketType::PubAck, a.packet_id.get(), a.reason),
            Packet::PubRec(a) => (PacketType::PubRec, a.packet_id.get(), a.reason),
            Packet::PubComp(a) => (PacketType::PubComp, a.packet_id.get(), a.reason),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// 5.0: [MQTT-4.6.0-2] [MQTT-4.6.0-3]
///
/// A refused message's PUBACK / PUBREC carries the application's reason code, and goes out in
/// arrival order with the others: refusing the second message first sends nothing until the
/// first is acknowledged. A token settles once.
#[test]
fn v5_rejected_messages_are_acked_with_the_reason_in_arrival_order() {
    let mut h = manual(ProtocolVersion::V5, |_| {});
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    h.publish_to_client("a", b"2", QoS::AtLeastOnce, 2);
    h.publish_to_client("a", b"3", QoS::ExactlyOnce, 3);
    let t = tokens(h.take_events());
    h.session.reject(h.now, t[1], ReasonCode::NotAuthorized).unwrap();
    h.drive();
    assert!(h.take_inbox().is_empty(), "the refusal of 2 waits for 1");
    h.session.ack(h.now, t[0]).unwrap();
    h.session.reject(h.now, t[2], ReasonCode::PayloadFormatInvalid).unwrap();
    h.drive();
    assert_eq!(
        acks(&h.take_inbox()),
        [
            (PacketType::PubAck, 1, ReasonCode::Success),
            (PacketType::PubAck, 2, ReasonCode::NotAuthorized),
            (PacketType::PubRec, 3, ReasonCode::PayloadFormatInvalid),
        ]
    );
    assert_eq!(h.session.reject(h.now, t[1], ReasonCode::NotAuthorized), Err(Error::UnknownAckToken));
    assert_eq!(h.session.ack(h.now, t[2]), Err(Error::UnknownAckToken));
}

/// 5.0: [MQTT-4.3.3-9]
///
/// After a PUBREC with a reason code of 0x80 or more, a PUBLISH with the same Packet
/// Identifier is a new Application Message: delivered, not taken for a duplicate.
#[test]
fn v5_after_a_refused_qos2_message_its_packet_id_starts_a_new_message() {
    let mut h = manual(ProtocolVersion::V5, |_| {});
    h.publish_to_client("a", b"first", QoS::ExactlyOnce, 7);
    let t = tokens(h.take_events());
    h.session.reject(h.now, t[0], ReasonCode::QuotaExceeded).unwrap();
    h.drive();
    assert_eq!(acks(&h.take_inbox()), [(PacketType::PubRec, 7, ReasonCode::QuotaExceeded)]);
    h.publish_to_client("a", b"second", QoS::ExactlyOnce, 7);
    let events = h.take_events();
    assert!(
        matches!(events.as_slice(), [Ev::Message { payload, dup: false, ack: Some(_), .. }] if payload == b"second"),
        "{events:?}"
    );
    h.session.ack(h.now, tokens(events)[0]).unwrap();
    h.drive();
    assert_eq!(acks(&h.take_inbox()), [(PacketType::PubRec, 7, ReasonCode::Success)]);
    // A PUBREL for it completes the flow as usual.
    h.pubrel(7);
    assert_eq!(acks(&h.take_inbox()), [(PacketType::PubComp, 7, ReasonCode::Success)]);
}

/// 5.0: [MQTT-3.3.4-9]
///
/// A refused QoS 2 message no longer counts against the Receive Maximum the client announced
/// (the server frees its quota on a PUBREC of 0x80 or more): with Receive Maximum 1, the next
/// QoS 2 message is accepted, not a violation.
#[test]
fn v5_a_refused_qos2_message_frees_its_receive_maximum_slot() {
    let mut h = manual(ProtocolVersion::V5, |c| c.receive_maximum = 1);
    h.publish_to_client("a", b"1", QoS::ExactlyOnce, 1);
    let t = tokens(h.take_events());
    h.session.reject(h.now, t[0], ReasonCode::UnspecifiedError).unwrap();
    h.drive();
    h.take_inbox();
    h.publish_to_client("a", b"2", QoS::ExactlyOnce, 2);
    let events = h.take_events();
    assert!(matches!(events.as_slice(), [Ev::Message { payload, .. }] if payload == b"2"), "{events:?}");
}

/// MQTT 3.1.1 acks carry no reason code, and in 5.0 only an error code a PUBACK may carry is
/// a refusal: both are refused at once, and the message can still be acknowledged. Without
/// manual acks there is nothing to refuse.
#[test]
fn reject_needs_v5_an_ack_error_code_and_manual_acks() {
    let mut h = manual(ProtocolVersion::V3_1_1, |_| {});
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    let t = tokens(h.take_events());
    let refused =
        |code| Err(Error::Encode(EncodeError::InvalidReasonCode { packet: PacketType::PubAck, code }));
    assert_eq!(
        h.session.reject(h.now, t[0], ReasonCode::UnspecifiedError),
        refused(ReasonCode::UnspecifiedError)
    );
    h.session.ack(h.now, t[0]).unwrap();
    h.drive();
    assert_eq!(acks(&h.take_inbox()), [(PacketType::PubAck, 1, ReasonCode::Success)]);

    let mut h = manual(ProtocolVersion::V5, |_| {});
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    let t = tokens(h.take_events());
    for code in [ReasonCode::Success, ReasonCode::NoMatchingSubscribers, ReasonCode::PacketIdentifierNotFound]
    {
        assert_eq!(h.session.reject(h.now, t[0], code), refused(code), "{code:?}");
    }
    h.drive();
    assert!(h.take_inbox().is_empty(), "nothing sent by a refused call");
    h.session.ack(h.now, t[0]).unwrap();

    let mut c = Harness::config(ProtocolVersion::V5);
    c.ack_mode = AckMode::Auto;
    let mut h = Harness::new(c);
    h.connect(false);
    h.publish_to_client("a", b"1", QoS::AtLeastOnce, 1);
    assert!(matches!(h.take_events().as_slice(), [Ev::Message { ack: None, .. }]));
    assert_eq!(h.session.reject(h.now, t[0], ReasonCode::UnspecifiedError), Err(Error::NotManualAckMode));
}

/// 5.0: [MQTT-4.3.3-9] [MQTT-4.6.0-2]
///
/// A QoS 2 message refused while its PUBREC still waits behind an older ack, when the
/// connection drops before the refusal goes out: the server's resend (DUP) on the resumed
/// session is handed to the application again, to decide anew, instead of being taken for a
/// duplicate and acknowledged with success.
#[test]
fn v5_a_refusal_lost_with_the_connection_is_asked_again() {
    let mut h = manual(ProtocolVersion::V5, |c| {
        c.clean_start = false;
        c.session_expiry_interval = 60;
    });
    h.publish_to_client("a", b"older", QoS::AtLeastOnce, 1);
    h.publish_to_client("a", b"refused", QoS::ExactlyOnce, 2);
    let t = tokens(h.take_events());
    h.session.reject(h.now, t[1], ReasonCode::NotAuthorized).unwrap();
    h.drive();
    assert!(h.take_inbox().is_empty(), "the refusal waits for the older ack");
    h.drop_link();
    h.take_events();
    h.advance(500);
    h.expect_connect();
    h.connack(true, sansmqtt_proto::property::ConnAckProperties::default());
    h.take_events();
    let mut p = sansmqtt_proto::Publish::new(sansmqtt_proto::TopicName::new("a").unwrap(), b"refused");
    p.delivery = sansmqtt_proto::Delivery::ExactlyOnce(support::pid(2));
    p.dup = true;
    h.send(Packet::Publish(p));
    let events = h.take_events();
    assert!(
        matches!(events.as_slice(), [Ev::Message { payload, dup: true, ack: Some(_), .. }] if payload == b"refused"),
        "{events:?}"
    );
    assert!(h.take_inbox().is_empty(), "no PUBREC before the application decides");
    h.session.reject(h.now, tokens(events)[0], ReasonCode::NotAuthorized).unwrap();
    h.drive();
    assert_eq!(acks(&h.take_inbox()), [(PacketType::PubRec, 2, ReasonCode::NotAuthorized)]);
}
