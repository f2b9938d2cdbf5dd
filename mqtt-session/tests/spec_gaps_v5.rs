//! Conformance gaps of the MQTT 5.0 statement list (TRACEABILITY.md): the client's side of
//! Request Problem Information, assigned client identifiers, session take-over, zero-byte
//! retained messages, Message Expiry, topic aliases, subscription identifiers, No Local, the
//! QoS 2 exchange after expiry, ordering, and shared-subscription QoS 2 delivery across a
//! reconnect.
mod support;

use sansmqtt_proto::property::{AckProperties, ConnAckProperties, UserProperties, UserProperty};
use sansmqtt_proto::{
    Ack, Delivery, Disconnect, Packet, ProtocolVersion, Publish, QoS, ReasonCode, SubAck, SubscriptionId,
    SubscriptionOptions, TopicName, UnsubAck, Utf8,
};
use sansmqtt_session::{AckMode, DisconnectReason, Event, Outgoing, Violation};
use support::{Body, Ev, Harness, VERSIONS, frames, packet_ids, pid, publishes};

const V5: ProtocolVersion = ProtocolVersion::V5;

fn v5(cfg: impl FnOnce(&mut sansmqtt_session::Config)) -> Harness {
    let mut c = Harness::config(V5);
    cfg(&mut c);
    Harness::new(c)
}

/// The packets in `packets` other than PUBLISH, by name and packet identifier.
fn acks(packets: &[Packet<'_>]) -> Vec<(&'static str, u16, ReasonCode)> {
    packets
        .iter()
        .map(|p| match p {
            Packet::PubAck(a) => ("PUBACK", a.packet_id.get(), a.reason),
            Packet::PubRec(a) => ("PUBREC", a.packet_id.get(), a.reason),
            Packet::PubRel(a) => ("PUBREL", a.packet_id.get(), a.reason),
            Packet::PubComp(a) => ("PUBCOMP", a.packet_id.get(), a.reason),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// CONNACK with Session Present 1: the one unacknowledged PUBLISH `id` is resent, DUP 1.
fn resent_on_resume(h: &mut Harness, id: Option<u16>) {
    h.connack(true, ConnAckProperties::default());
    let again = publishes(&h.take_inbox());
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].0, again[0].1), (id, true));
}

fn messages(ev: &[Ev]) -> Vec<(String, Vec<u8>, QoS)> {
    ev.iter()
        .filter_map(|e| match e {
            Ev::Message { topic, payload, qos, .. } => Some((topic.clone(), payload.clone(), *qos)),
            _ => None,
        })
        .collect()
}

/// Pull the next event straight from the session (for a message's v5 properties).
fn next_message<R>(h: &mut Harness, f: impl FnOnce(&sansmqtt_session::Message<'_>) -> R) -> R {
    let r = match h.session.poll_event(&mut h.rx) {
        Some(Event::Message(m)) => f(&m),
        other => panic!("expected a message, got {other:?}"),
    };
    h.drive();
    r
}

/// 5.0: [MQTT-3.1.2-29]
///
/// By default the client does not send Request Problem Information 0, so the server may put a Reason
/// String and User Properties on any packet: on PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and
/// UNSUBACK they are accepted and the exchanges complete (no DISCONNECT 0x82).
#[test]
fn v5_reason_strings_and_user_properties_on_acks_are_accepted() {
    let mut h = v5(|_| {});
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.request_problem_information, None, "Request Problem Information is left at 1");
    h.connack(false, ConnAckProperties::default());
    h.take_events();
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let mut props = AckProperties::default();
    props.reason_string = Some(Utf8::new("because").unwrap());
    props.user_properties = UserProperties::new(&users);
    let ack = |id: u16| {
        let mut a = Ack::new(pid(id));
        a.properties = props.clone();
        a
    };
    let t1 = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
    let t2 = h.session.publish(h.now, &Outgoing::new("a", b"2", QoS::ExactlyOnce)).unwrap();
    let ts = h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
    let tu = h.session.unsubscribe(h.now, &["s"]).unwrap();
    h.drive();
    let ids = packet_ids(&h.take_inbox());
    h.send(Packet::PubAck(ack(ids[0])));
    h.send(Packet::PubRec(ack(ids[1])));
    assert_eq!(acks(&h.take_inbox()), vec![("PUBREL", ids[1], ReasonCode::Success)]);
    h.send(Packet::PubComp(ack(ids[1])));
    h.send(Packet::SubAck(SubAck {
        packet_id: pid(ids[2]),
        properties: props.clone(),
        reasons: sansmqtt_proto::ReasonCodes::new(&[ReasonCode::Success]),
    }));
    h.send(Packet::UnsubAck(UnsubAck {
        packet_id: pid(ids[3]),
        properties: props.clone(),
        reasons: sansmqtt_proto::ReasonCodes::new(&[ReasonCode::Success]),
    }));
    // The server's QoS 2 message: PUBREL with properties.
    h.publish_to_client("in", b"x", QoS::ExactlyOnce, 9);
    h.send(Packet::PubRel(ack(9)));
    assert_eq!(
        acks(&h.take_inbox()),
        vec![("PUBREC", 9, ReasonCode::Success), ("PUBCOMP", 9, ReasonCode::Success)]
    );
    let ev = h.take_events();
    assert_eq!(
        ev[..4],
        [
            Ev::Published(t1, ReasonCode::Success),
            Ev::Published(t2, ReasonCode::Success),
            Ev::Subscribed(ts, vec![ReasonCode::Success]),
            Ev::Unsubscribed(tu, vec![ReasonCode::Success]),
        ]
    );
    assert_eq!(messages(&ev[4..5]), vec![("in".into(), b"x".to_vec(), QoS::ExactlyOnce)]);
    // The PUBREL with a reason string and user properties ends the exchange.
    assert_eq!(ev[5..], [Ev::Released(9)], "{ev:?}");
    assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
}

/// 5.0: [MQTT-3.1.3-7]
///
/// With a zero-length Client Identifier the server assigns one and returns it in CONNACK:
/// the client takes it, and uses it in the CONNECT that resumes the session (Clean Start 0),
/// where the unacknowledged PUBLISH is resent.
#[test]
fn v5_assigned_client_identifier_is_used_to_resume_the_session() {
    let mut h = v5(|c| {
        c.client_id = String::new();
        c.clean_start = true;
        c.session_expiry_interval = 300;
    });
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.client_id.as_str(), "");
    let mut p = ConnAckProperties::default();
    p.assigned_client_identifier = Some(Utf8::new("auto-4F2A").unwrap());
    h.connack(false, p);
    match h.take_events().as_slice() {
        [Ev::Connected { caps, .. }] => {
            assert_eq!(caps.assigned_client_identifier.as_deref(), Some("auto-4F2A"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.session.client_id(), "auto-4F2A");
    h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtLeastOnce)).unwrap();
    h.drive();
    let sent = publishes(&h.take_inbox());
    h.drop_link();
    h.take_events();
    h.advance(500);
    let c = h.expect_connect();
    assert_eq!(c.client_id.as_str(), "auto-4F2A", "the assigned identifier names the session");
    assert!(!c.clean_start);
    resent_on_resume(&mut h, sent[0].0);
}

/// 5.0: [MQTT-3.1.4-3]
///
/// Another connection took the session over: the server sends DISCONNECT 0x8E and closes.
/// The client reports it, sends nothing back, closes its side, and keeps its session state
/// (the unacknowledged PUBLISH is resent when it connects again and the session is present).
#[test]
fn v5_session_taken_over_is_reported_and_closed_without_answering() {
    let mut h = v5(|c| {
        c.clean_start = false;
        c.session_expiry_interval = 300;
    });
    h.connect(false);
    h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtLeastOnce)).unwrap();
    h.drive();
    let sent = publishes(&h.take_inbox());
    h.take_raw();
    let mut d = Disconnect::new(ReasonCode::SessionTakenOver);
    d.properties.reason_string = Some(Utf8::new("taken over").unwrap());
    h.send(Packet::Disconnect(d));
    assert!(h.take_raw().is_empty(), "nothing is sent after the server's DISCONNECT");
    assert!(!h.open, "the connection is closed");
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::ByServer {
            reason: ReasonCode::SessionTakenOver,
            reason_string: Some("taken over".into()),
            server_reference: None,
        })]
    );
    assert_eq!(h.session.inflight(), 1);
    h.advance(500);
    let c = h.expect_connect();
    assert!(!c.clean_start);
    resent_on_resume(&mut h, sent[0].0);
}

/// 5.0: [MQTT-3.3.1-6] [MQTT-3.3.1-7]
///
/// The retained message of a topic is removed by a retained PUBLISH with a zero-byte
/// payload: the client sends one exactly as asked (RETAIN 1, nothing after the topic and
/// property block, QoS 0 or 1), and it completes like any other.
#[test]
fn zero_byte_retained_publish_is_sent_as_asked() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.take_raw();
        let t0 = h.session.publish(h.now, &Outgoing::new("r/t", b"", QoS::AtMostOnce).retain(true)).unwrap();
        let t1 = h.session.publish(h.now, &Outgoing::new("r/t", b"", QoS::AtLeastOnce).retain(true)).unwrap();
        h.drive();
        let raw = h.take_raw();
        let f = frames(&raw);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].0, 0x31, "{v}: QoS 0, RETAIN 1");
        assert_eq!(f[1].0, 0x33, "{v}: QoS 1, RETAIN 1");
        for (i, (_, body)) in f.iter().enumerate() {
            let mut b = Body(body);
            assert_eq!(b.field(), b"r/t");
            if i == 1 {
                b.u16();
            }
            if v.is_v5() {
                assert_eq!(b.properties(), &[] as &[u8]);
            }
            assert!(b.rest().is_empty(), "{v}: zero-byte payload");
        }
        let id = publishes(&h.take_inbox())[1].0.unwrap();
        h.puback(id);
        assert_eq!(
            h.take_events(),
            vec![Ev::Published(t0, ReasonCode::Success), Ev::Published(t1, ReasonCode::Success)],
            "{v}"
        );
    }
}

/// 5.0: [MQTT-3.3.2-6]
///
/// The Message Expiry Interval the server sends (the received value less the time the message
/// waited in the server) reaches the application as sent, and its absence as absence.
#[test]
fn v5_message_expiry_interval_from_the_server_is_reported_as_sent() {
    let mut h = v5(|_| {});
    h.connect(false);
    for expiry in [Some(1), Some(7), Some(u32::MAX), None] {
        let mut p = Publish::new(TopicName::new("t").unwrap(), b"x");
        p.delivery = Delivery::AtLeastOnce(pid(1));
        p.properties.message_expiry_interval = expiry;
        let mut bytes = Vec::new();
        Packet::Publish(p).encode_to_vec(V5, &mut bytes).unwrap();
        h.session.handle_data(h.now, &mut h.rx, &bytes);
        let got = next_message(&mut h, |m| m.properties.message_expiry_interval);
        assert_eq!(got, expiry);
        h.take_inbox();
    }
}

/// 5.0: [MQTT-3.3.2-11]
///
/// The server may not send a Topic Alias above the Topic Alias Maximum of CONNECT: the client
/// enforces the maximum it announced. With 3 announced, alias 3 is accepted and 4 is 0x94
/// Topic Alias invalid; with 0 (no Topic Alias Maximum sent) any alias is 0x94.
#[test]
fn v5_topic_alias_above_the_maximum_in_connect_is_topic_alias_invalid() {
    for (max, ok, bad) in [(3u16, Some(3u16), 4u16), (0, None, 1)] {
        let mut h = v5(|c| c.topic_alias_maximum = max);
        h.session.connect(h.now).unwrap();
        h.drive();
        let c = h.expect_connect();
        assert_eq!(c.properties.topic_alias_maximum, if max == 0 { None } else { Some(max) });
        h.connack(false, ConnAckProperties::default());
        h.take_events();
        if let Some(a) = ok {
            h.send(aliased(a, "t/full"));
            h.send(aliased(a, ""));
            assert_eq!(messages(&h.take_events()).len(), 2, "alias {a} within the maximum {max}");
        }
        h.take_raw();
        h.send(aliased(bad, "t/x"));
        let inbox = h.take_inbox();
        assert!(
            matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::TopicAliasInvalid),
            "max {max}: {inbox:?}"
        );
        assert_eq!(
            h.take_events(),
            vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::TopicAliasOutOfRange(bad)))]
        );
    }
}

fn aliased(alias: u16, topic: &str) -> Packet<'_> {
    let topic = if topic.is_empty() { TopicName::EMPTY } else { TopicName::new(topic).unwrap() };
    let mut p = Publish::new(topic, b"x");
    p.properties.topic_alias = std::num::NonZeroU16::new(alias);
    Packet::Publish(p)
}

/// 5.0: [MQTT-3.3.4-4] [MQTT-3.3.4-5]
///
/// Overlapping subscriptions with Subscription Identifiers: a single copy carries the
/// identifiers of every matching subscription, and each of several copies carries its own;
/// the application gets exactly those identifiers with each message.
#[test]
fn v5_subscription_identifiers_of_overlapping_subscriptions_reach_the_application() {
    let mut h = v5(|_| {});
    h.connect(false);
    let opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    for (filter, id) in [("a/+", 1u32), ("a/#", 2)] {
        h.session.subscribe_with_id(h.now, &[(filter, opts)], SubscriptionId::new(id)).unwrap();
    }
    h.drive();
    for p in h.take_inbox() {
        match p {
            Packet::Subscribe(s) => h.suback(s.packet_id.get(), &[ReasonCode::GrantedQoS1]),
            other => panic!("{other:?}"),
        }
    }
    h.take_events();
    let send = |h: &mut Harness, ids: &[u32], packet_id: u16| {
        let ids: Vec<SubscriptionId> = ids.iter().map(|&i| SubscriptionId::new(i).unwrap()).collect();
        let mut p = Publish::new(TopicName::new("a/b").unwrap(), b"m");
        p.delivery = Delivery::AtLeastOnce(pid(packet_id));
        p.properties.subscription_identifiers = sansmqtt_proto::property::SubscriptionIds::new(&ids);
        let mut bytes = Vec::new();
        Packet::Publish(p).encode_to_vec(V5, &mut bytes).unwrap();
        h.session.handle_data(h.now, &mut h.rx, &bytes);
        next_message(h, |m| m.properties.subscription_identifiers.iter().map(|i| i.get()).collect::<Vec<_>>())
    };
    assert_eq!(send(&mut h, &[2, 1], 5), vec![2, 1], "one copy: every identifier");
    assert_eq!(send(&mut h, &[1], 6), vec![1], "first copy: its own");
    assert_eq!(send(&mut h, &[2], 7), vec![2], "second copy: its own");
    let a: Vec<u16> = h
        .take_inbox()
        .iter()
        .map(|p| match p {
            Packet::PubAck(a) => a.packet_id.get(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(a, vec![5, 6, 7]);
}

/// 5.0: [MQTT-3.8.3-3]
///
/// No Local is bit 2 of the Subscription Options: set exactly when the application asks for
/// it (the server then does not send the client its own messages), clear otherwise.
#[test]
fn v5_no_local_is_bit_2_of_the_subscription_options() {
    let mut h = v5(|_| {});
    h.connect(false);
    h.take_raw();
    let mut on = SubscriptionOptions::new(QoS::AtLeastOnce);
    on.no_local = true;
    let off = SubscriptionOptions::new(QoS::AtLeastOnce);
    h.session.subscribe(h.now, &[("mine", on), ("theirs", off)]).unwrap();
    h.drive();
    let raw = h.take_raw();
    let f = frames(&raw);
    assert_eq!(f.len(), 1);
    let mut b = Body(&f[0].1);
    b.u16();
    b.properties();
    assert_eq!(b.field(), b"mine");
    assert_eq!(b.u8(), 0b0000_0101);
    assert_eq!(b.field(), b"theirs");
    assert_eq!(b.u8(), 0b0000_0001);
    assert!(b.rest().is_empty());
}

/// 5.0: [MQTT-4.3.3-13]
///
/// The client as QoS 2 receiver continues the acknowledgement sequence whatever the
/// message's expiry: a message whose Message Expiry Interval has passed before the
/// application acknowledges it still gets its PUBREC; a resend of it after that is answered
/// PUBREC again (not delivered twice); the PUBREL long after the expiry gets PUBCOMP.
#[test]
fn v5_qos2_acknowledgement_continues_after_the_message_expired() {
    let mut h = v5(|c| c.ack_mode = AckMode::Manual);
    h.connect(false);
    let send = |h: &mut Harness, dup: bool| {
        let mut p = Publish::new(TopicName::new("t").unwrap(), b"x");
        p.delivery = Delivery::ExactlyOnce(pid(4));
        p.dup = dup;
        p.properties.message_expiry_interval = Some(1);
        h.send(Packet::Publish(p));
    };
    send(&mut h, false);
    let token = match h.take_events().as_slice() {
        [Ev::Message { ack: Some(t), .. }] => *t,
        other => panic!("{other:?}"),
    };
    assert!(h.take_inbox().is_empty(), "manual ack: nothing yet");
    // Three seconds later, the message has expired: still acknowledged.
    h.advance(3_000);
    h.take_inbox();
    h.session.ack(h.now, token).unwrap();
    h.drive();
    assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", 4, ReasonCode::Success)]);
    h.advance(3_000);
    h.take_inbox();
    send(&mut h, true);
    assert!(messages(&h.take_events()).is_empty(), "not delivered twice");
    assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", 4, ReasonCode::Success)]);
    h.advance(3_000);
    h.take_inbox();
    h.pubrel(4);
    assert_eq!(acks(&h.take_inbox()), vec![("PUBCOMP", 4, ReasonCode::Success)]);
}

/// 5.0: [MQTT-4.6.0-5]
///
/// The server sends the messages of a topic in the order it received them; the client hands
/// them to the application in the order they arrive, whatever their QoS, and acknowledges
/// them in that order.
#[test]
fn messages_reach_the_application_in_the_order_they_arrive() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let qos = [QoS::ExactlyOnce, QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce, QoS::AtLeastOnce];
        let mut bytes = Vec::new();
        for (i, q) in qos.iter().enumerate() {
            let payload = [i as u8];
            let mut p = Publish::new(TopicName::new("ordered").unwrap(), &payload[..]);
            let id = pid(10 + i as u16);
            p.delivery = match q {
                QoS::AtMostOnce => Delivery::AtMostOnce,
                QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
                QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
            };
            Packet::Publish(p).encode_to_vec(v, &mut bytes).unwrap();
        }
        h.feed(&bytes);
        let got: Vec<Vec<u8>> = messages(&h.take_events()).into_iter().map(|m| m.1).collect();
        assert_eq!(got, vec![vec![0], vec![1], vec![2], vec![3], vec![4]], "{v}");
        let a: Vec<(&str, u16)> = acks(&h.take_inbox()).into_iter().map(|(n, i, _)| (n, i)).collect();
        assert_eq!(a, vec![("PUBREC", 10), ("PUBACK", 12), ("PUBREC", 13), ("PUBACK", 14)], "{v}");
    }
}

/// 5.0: [MQTT-4.8.2-4]
///
/// A QoS 2 message of a shared subscription whose delivery the connection loss interrupted
/// is completed by the server when the client reconnects to the session: the client answers
/// the resent PUBLISH (DUP 1) with PUBREC without delivering it again, and the PUBREL with
/// PUBCOMP; with PUBREC already seen, the PUBREL alone completes it.
#[test]
fn v5_interrupted_shared_subscription_qos2_delivery_completes_after_reconnect() {
    let mut h = v5(|c| {
        c.clean_start = false;
        c.session_expiry_interval = 600;
    });
    h.connect(false);
    h.session.subscribe(h.now, &[("$share/g/jobs/#", SubscriptionOptions::new(QoS::ExactlyOnce))]).unwrap();
    h.drive();
    let id = match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => s.packet_id.get(),
        other => panic!("{other:?}"),
    };
    h.suback(id, &[ReasonCode::GrantedQoS2]);
    h.take_events();
    h.publish_to_client("jobs/1", b"one", QoS::ExactlyOnce, 21);
    h.publish_to_client("jobs/2", b"two", QoS::ExactlyOnce, 22);
    assert_eq!(messages(&h.take_events()).len(), 2);
    assert_eq!(acks(&h.take_inbox()).len(), 2);
    h.drop_link();
    h.take_events();
    h.advance(500);
    assert!(!h.expect_connect().clean_start);
    h.connack(true, ConnAckProperties::default());
    h.take_events();
    // 21: the server never saw the PUBREC; 22: it did and only PUBREL is left.
    let mut p = Publish::new(TopicName::new("jobs/1").unwrap(), b"one");
    p.delivery = Delivery::ExactlyOnce(pid(21));
    p.dup = true;
    h.send(Packet::Publish(p));
    h.pubrel(22);
    assert!(messages(&h.take_events()).is_empty(), "delivered once only");
    assert_eq!(
        acks(&h.take_inbox()),
        vec![("PUBREC", 21, ReasonCode::Success), ("PUBCOMP", 22, ReasonCode::Success)]
    );
    h.pubrel(21);
    assert_eq!(acks(&h.take_inbox()), vec![("PUBCOMP", 21, ReasonCode::Success)]);
}
