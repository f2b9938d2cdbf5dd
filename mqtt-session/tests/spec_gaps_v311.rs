//! Conformance gaps of the MQTT 3.1.1 statement list (TRACEABILITY.md): the client's side of
//! statements about packet identifiers of the server, Clean Session, client identifiers,
//! retained messages, overlapping and refused subscriptions, UNSUBSCRIBE, DISCONNECT and
//! transient errors. Each scenario runs for every version the behaviour applies to.
mod support;

use sansmqtt_proto::{DecodeError, Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{Action, DisconnectOptions, DisconnectReason, Outgoing, Violation};
use support::{Body, Ev, Harness, VERSIONS, frames, publishes};

fn connected(v: ProtocolVersion) -> Harness {
    let mut h = Harness::new(Harness::config(v));
    h.connect(false);
    h
}

/// The messages in `ev`, as (topic, payload, qos, retain).
fn messages(ev: &[Ev]) -> Vec<(String, Vec<u8>, QoS, bool)> {
    ev.iter()
        .filter_map(|e| match e {
            Ev::Message { topic, payload, qos, retain, .. } => {
                Some((topic.clone(), payload.clone(), *qos, *retain))
            }
            _ => None,
        })
        .collect()
}

/// The acks in `packets`, as (packet type byte, id).
fn acks(packets: &[Packet<'_>]) -> Vec<(&'static str, u16)> {
    packets
        .iter()
        .map(|p| match p {
            Packet::PubAck(a) => ("PUBACK", a.packet_id.get()),
            Packet::PubRec(a) => ("PUBREC", a.packet_id.get()),
            Packet::PubRel(a) => ("PUBREL", a.packet_id.get()),
            Packet::PubComp(a) => ("PUBCOMP", a.packet_id.get()),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// Subscribe and have the broker grant `codes`; the SUBSCRIBE's packet identifier.
fn subscribe(h: &mut Harness, filters: &[(&str, QoS)], codes: &[ReasonCode]) -> u16 {
    let subs: Vec<(&str, SubscriptionOptions)> =
        filters.iter().map(|(f, q)| (*f, SubscriptionOptions::new(*q))).collect();
    let t = h.session.subscribe(h.now, &subs).unwrap();
    h.drive();
    let id = match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => s.packet_id.get(),
        other => panic!("expected SUBSCRIBE, got {other:?}"),
    };
    h.suback(id, codes);
    assert_eq!(h.take_events(), vec![Ev::Subscribed(t, codes.to_vec())]);
    id
}

/// The filters of the SUBSCRIBE packets in `packets`.
fn subscribed_filters(packets: &[Packet<'_>]) -> Vec<String> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(s.subscriptions.iter().map(|s| s.filter.as_str().to_string())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Drop the link and reconnect after the backoff; the broker answers `session_present`.
fn reconnect(h: &mut Harness, session_present: bool) -> sansmqtt_proto::Connect<'static> {
    h.drop_link();
    h.take_events();
    h.advance(500);
    let c = h.expect_connect();
    h.connack(session_present, Default::default());
    c
}

/// 3.1.1: [MQTT-2.3.1-4]
///
/// The server's packet identifiers follow the same rules as the client's, in a space of their
/// own: a server PUBLISH may carry an identifier the client's own flows use at the same time
/// (each flow completes on its own), and once the server's QoS 1 / QoS 2 flow is complete
/// (PUBACK / PUBCOMP sent) the server may reuse the identifier for a new message, which is
/// delivered as new.
#[test]
fn server_packet_ids_are_their_own_space_and_reusable_after_each_flow() {
    for v in VERSIONS {
        let mut h = connected(v);
        let t2 = h.session.publish(h.now, &Outgoing::new("out", b"two", QoS::ExactlyOnce)).unwrap();
        let t1 = h.session.publish(h.now, &Outgoing::new("out", b"one", QoS::AtLeastOnce)).unwrap();
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().filter_map(|p| p.0).collect();
        let (a, b) = (ids[0], ids[1]);
        // The server's own PUBLISHes with the same identifiers.
        h.publish_to_client("in", b"s2", QoS::ExactlyOnce, a);
        h.publish_to_client("in", b"s1", QoS::AtLeastOnce, b);
        assert_eq!(
            messages(&h.take_events()),
            vec![
                ("in".into(), b"s2".to_vec(), QoS::ExactlyOnce, false),
                ("in".into(), b"s1".to_vec(), QoS::AtLeastOnce, false)
            ],
            "{v}"
        );
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", a), ("PUBACK", b)], "{v}");
        // The client's flows with the same identifiers are untouched and complete.
        h.pubrec(a);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREL", a)], "{v}");
        h.pubrel(a);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBCOMP", a)], "{v}");
        assert_eq!(h.take_events(), [Ev::Released(a)], "{v}: the server's QoS 2 flow ended");
        h.puback(b);
        h.pubcomp(a);
        assert_eq!(
            h.take_events(),
            vec![Ev::Published(t1, ReasonCode::Success), Ev::Published(t2, ReasonCode::Success)],
            "{v}"
        );
        // The server reuses both identifiers after its flows completed: new messages.
        h.publish_to_client("in", b"s2 again", QoS::ExactlyOnce, a);
        h.publish_to_client("in", b"s1 again", QoS::AtLeastOnce, b);
        assert_eq!(
            messages(&h.take_events()),
            vec![
                ("in".into(), b"s2 again".to_vec(), QoS::ExactlyOnce, false),
                ("in".into(), b"s1 again".to_vec(), QoS::AtLeastOnce, false)
            ],
            "{v}"
        );
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", a), ("PUBACK", b)], "{v}");
        h.pubrel(a);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBCOMP", a)], "{v}");
        assert_eq!(h.session.inflight(), 0);
    }
}

/// 3.1.1: [MQTT-3.1.2-6]
///
/// Clean Session 1: nothing of the previous session is reused by the next one. A reconnect
/// again says Clean Session 1; no unacknowledged PUBLISH is resent as a continuation (DUP = 1,
/// or its old packet identifier) and no PUBREL for a flow of the old session goes out; the
/// QoS 2 receive state is gone, so a new PUBLISH with an identifier the old session was
/// still waiting on a PUBREL for is a new message and is delivered.
#[test]
fn clean_session_state_is_not_reused_by_the_next_session() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.clean_start = true;
        // The default policy: the rule above holds without asking for it.
        let mut h = Harness::new(cfg);
        h.connect(false);
        let t1 = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
        let t2 = h.session.publish(h.now, &Outgoing::new("a", b"2", QoS::ExactlyOnce)).unwrap();
        let t3 = h.session.publish(h.now, &Outgoing::new("a", b"3", QoS::ExactlyOnce)).unwrap();
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().filter_map(|p| p.0).collect();
        h.pubrec(ids[2]);
        h.publish_to_client("in", b"old", QoS::ExactlyOnce, 42);
        assert_eq!(messages(&h.take_events()).len(), 1);
        h.take_inbox();

        let c = reconnect(&mut h, false);
        assert!(c.clean_start, "{v}: the next connection is clean again");
        let ev = h.take_events();
        assert!(ev.contains(&Ev::SessionLost(vec![t1, t2, t3])), "{v}: {ev:?}");
        let after = h.take_inbox();
        assert!(
            !after.iter().any(|p| matches!(p, Packet::Publish(_) | Packet::PubRel(_))),
            "{v}: state of the previous session reused: {after:?}"
        );
        assert_eq!(h.session.inflight(), 0, "{v}");
        // Packet id 42 is not remembered from the old session: a new message.
        h.publish_to_client("in", b"new", QoS::ExactlyOnce, 42);
        assert_eq!(messages(&h.take_events()), vec![("in".into(), b"new".to_vec(), QoS::ExactlyOnce, false)]);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", 42)], "{v}");
    }
}

/// 3.1.1: [MQTT-3.1.3-5] 5.0: [MQTT-3.1.3-5]
///
/// A client identifier of 1 to 23 bytes drawn from "0-9a-zA-Z" (the identifiers every
/// server must accept) goes out verbatim as the first payload field of CONNECT.
#[test]
fn client_ids_of_1_to_23_allowed_characters_are_sent_verbatim() {
    const ALLOWED: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for v in VERSIONS {
        let mut ids: Vec<String> =
            ALLOWED.as_bytes().chunks(23).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
        ids.push("Z".into());
        ids.push("q".repeat(23));
        for id in ids {
            assert!((1..=23).contains(&id.len()));
            let mut cfg = Harness::config(v);
            cfg.client_id = id.clone();
            let mut h = Harness::new(cfg);
            h.session.connect(h.now).unwrap();
            h.drive();
            let raw = h.take_raw();
            let f = frames(&raw);
            let mut b = Body(&f[0].1);
            b.field();
            b.u8();
            b.u8();
            b.u16();
            if v.is_v5() {
                b.properties();
            }
            assert_eq!(b.field(), id.as_bytes(), "{v}");
            assert_eq!(h.session.client_id(), id);
        }
    }
}

/// 3.1.1: [MQTT-3.1.3-9]
///
/// The server rejects the client identifier with CONNACK return code 0x02 and closes the
/// connection: the client reports the refusal (Identifier rejected), sends nothing after its
/// CONNECT and closes its side.
#[test]
fn v311_identifier_rejected_is_reported_and_the_connection_closed() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V3_1_1));
    h.session.publish(h.now, &Outgoing::new("q", b"x", QoS::AtLeastOnce)).unwrap();
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    h.take_raw();
    h.actions.clear();
    // CONNACK, session present 0, return code 2.
    h.feed(&[0x20, 0x02, 0x00, 0x02]);
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::Refused(ReasonCode::ClientIdentifierNotValid))]
    );
    assert!(h.take_raw().is_empty(), "nothing is sent after a refused CONNECT");
    assert_eq!(h.actions, vec![Action::Close]);
    assert!(!h.open);
}

/// 3.1.1: [MQTT-3.3.1-6]
///
/// When a subscription is made the server sends the matching retained messages, RETAIN = 1,
/// possibly before its SUBACK: the client delivers them, with RETAIN reported, and
/// acknowledges them, whether they come before or after the SUBACK.
#[test]
fn retained_messages_of_a_new_subscription_are_delivered_before_or_after_the_suback() {
    for v in VERSIONS {
        let mut h = connected(v);
        let t = h.session.subscribe(h.now, &[("r/#", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        h.drive();
        let id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => s.packet_id.get(),
            other => panic!("{other:?}"),
        };
        let retained = |h: &mut Harness, topic: &str, payload: &[u8], pid: u16| {
            let mut p = sansmqtt_proto::Publish::new(sansmqtt_proto::TopicName::new(topic).unwrap(), payload);
            p.retain = true;
            p.delivery = sansmqtt_proto::Delivery::AtLeastOnce(support::pid(pid));
            h.send(Packet::Publish(p));
        };
        retained(&mut h, "r/1", b"before", 7);
        h.suback(id, &[ReasonCode::GrantedQoS1]);
        retained(&mut h, "r/2", b"after", 8);
        let ev = h.take_events();
        assert_eq!(
            messages(&ev),
            vec![
                ("r/1".into(), b"before".to_vec(), QoS::AtLeastOnce, true),
                ("r/2".into(), b"after".to_vec(), QoS::AtLeastOnce, true)
            ],
            "{v}"
        );
        assert!(ev.contains(&Ev::Subscribed(t, vec![ReasonCode::GrantedQoS1])), "{v}: {ev:?}");
        assert_eq!(acks(&h.take_inbox()), vec![("PUBACK", 7), ("PUBACK", 8)], "{v}");
    }
}

/// 3.1.1: [MQTT-3.3.2-3] 5.0: [MQTT-3.3.2-3]
///
/// The server sends the Topic Name of the message, which matches the subscription's filter
/// (wildcards included) without being equal to it: the client delivers it under that Topic
/// Name.
#[test]
fn messages_matching_a_wildcard_filter_are_delivered_under_their_topic_name() {
    for v in VERSIONS {
        let mut h = connected(v);
        subscribe(&mut h, &[("sport/+/player1/#", QoS::AtMostOnce)], &[ReasonCode::Success]);
        for topic in ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport//player1/a/b"] {
            h.publish_to_client(topic, b"x", QoS::AtMostOnce, 0);
            assert_eq!(
                messages(&h.take_events()),
                vec![(topic.into(), b"x".to_vec(), QoS::AtMostOnce, false)]
            );
        }
    }
}

/// 3.1.1: [MQTT-3.3.5-1] 5.0: [MQTT-3.3.4-2]
///
/// Overlapping subscriptions: the server delivers the message at the maximum QoS of the
/// matching subscriptions, and may deliver further copies, one per subscription. The client
/// delivers every copy and acknowledges each by its own QoS.
#[test]
fn overlapping_subscriptions_every_copy_is_delivered_and_acknowledged_by_its_qos() {
    for v in VERSIONS {
        let mut h = connected(v);
        subscribe(
            &mut h,
            &[("a/+", QoS::AtLeastOnce), ("a/#", QoS::ExactlyOnce)],
            &[ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS2],
        );
        h.publish_to_client("a/b", b"m", QoS::ExactlyOnce, 3);
        h.publish_to_client("a/b", b"m", QoS::AtLeastOnce, 4);
        assert_eq!(
            messages(&h.take_events()),
            vec![
                ("a/b".into(), b"m".to_vec(), QoS::ExactlyOnce, false),
                ("a/b".into(), b"m".to_vec(), QoS::AtLeastOnce, false)
            ],
            "{v}"
        );
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", 3), ("PUBACK", 4)], "{v}");
        h.pubrel(3);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBCOMP", 3)], "{v}");
    }
}

/// 3.1.1: [MQTT-3.8.3-2]
///
/// A server without wildcard support rejects a subscription whose filter has one (SUBACK
/// 0x80; 5.0: 0xA2): the client reports the failure for that filter alone, and does not
/// count it among its subscriptions (a lost session is restored without it).
#[test]
fn refused_wildcard_subscription_is_reported_and_not_restored() {
    for v in VERSIONS {
        let refused = if v.is_v5() {
            ReasonCode::WildcardSubscriptionsNotSupported
        } else {
            ReasonCode::UnspecifiedError
        };
        let mut h = connected(v);
        subscribe(
            &mut h,
            &[("a/+", QoS::AtLeastOnce), ("a/b", QoS::AtLeastOnce)],
            &[refused, ReasonCode::GrantedQoS1],
        );
        reconnect(&mut h, false);
        assert_eq!(subscribed_filters(&h.take_inbox()), vec!["a/b".to_string()], "{v}");
    }
}

/// 3.1.1: [MQTT-3.10.4-1] 5.0: [MQTT-3.10.4-1]
///
/// UNSUBSCRIBE filters are compared character by character with the subscriptions: the
/// client sends each filter byte for byte as given, and drops from its own subscriptions
/// exactly the filters that are equal (not the ones a wildcard would match, not another
/// case); a lost session is restored with the others.
#[test]
fn unsubscribe_removes_exactly_the_filters_named() {
    for v in VERSIONS {
        let mut h = connected(v);
        let granted = [ReasonCode::GrantedQoS1; 4];
        subscribe(
            &mut h,
            &[
                ("a/+", QoS::AtLeastOnce),
                ("a/b", QoS::AtLeastOnce),
                ("a/#", QoS::AtLeastOnce),
                ("A/b", QoS::AtLeastOnce),
            ],
            &granted,
        );
        h.take_raw();
        let t = h.session.unsubscribe(h.now, &["a/b", "x/#"]).unwrap();
        h.drive();
        let raw = h.take_raw();
        let f = frames(&raw);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, 0xA2);
        let mut b = Body(&f[0].1);
        let id = b.u16();
        if v.is_v5() {
            b.properties();
        }
        assert_eq!(b.field(), b"a/b");
        assert_eq!(b.field(), b"x/#");
        assert!(b.rest().is_empty());
        h.take_inbox();
        h.unsuback(id, &[ReasonCode::Success, ReasonCode::NoSubscriptionExisted]);
        assert!(matches!(h.take_events().as_slice(), [Ev::Unsubscribed(u, _)] if *u == t));
        reconnect(&mut h, false);
        assert_eq!(subscribed_filters(&h.take_inbox()), vec!["a/+", "a/#", "A/b"], "{v}");
    }
}

/// 3.1.1: [MQTT-3.14.4-3] 5.0: [MQTT-3.14.4-3]
///
/// DISCONNECT (5.0: with 0x00 Normal disconnection) makes the server discard the Will, so
/// the client sends it only when it ends the connection on purpose: a graceful disconnect
/// sends it; a keep-alive timeout or a protocol violation closes without it in 3.1.1 (5.0:
/// at most a DISCONNECT with an error code, which publishes the Will); 5.0 0x04 asks for the
/// Will to be published.
#[test]
fn only_a_graceful_disconnect_sends_disconnect_so_the_will_is_kept_otherwise() {
    for v in VERSIONS {
        let will = |v| {
            let mut c = Harness::config(v);
            c.will = Some(sansmqtt_session::WillConfig::new("w", b"gone".to_vec(), QoS::AtLeastOnce));
            c
        };
        let disconnects = |raw: &[u8]| -> Vec<Vec<u8>> {
            frames(raw).into_iter().filter(|(b, _)| *b == 0xE0).map(|(_, body)| body).collect()
        };
        // Graceful.
        let mut h = Harness::new(will(v));
        h.connect(false);
        h.take_raw();
        h.session.disconnect(h.now, &DisconnectOptions::default()).unwrap();
        h.drive();
        let d = disconnects(&h.take_raw());
        assert_eq!(d.len(), 1, "{v}: {d:?}");
        if v.is_v5() {
            // Reason 0x00 Normal disconnection (which may be left out when nothing follows).
            assert!(d[0].first().is_none_or(|&r| r == 0x00), "{v}: {d:?}");
        } else {
            assert!(d[0].is_empty(), "{v}: {d:?}");
        }
        assert_eq!(h.take_events(), vec![Ev::Disconnected(DisconnectReason::ByClient)]);

        // Keep-alive timeout.
        let mut h = Harness::new(will(v));
        h.connect(false);
        h.take_raw();
        let mut ev = Vec::new();
        for _ in 0..3 {
            h.advance_to_timeout();
            ev.extend(h.take_events());
            if !ev.is_empty() {
                break;
            }
        }
        assert_eq!(ev, vec![Ev::Disconnected(DisconnectReason::KeepAliveTimeout)], "{v}");
        // No DISCONNECT (5.0: none with a reason below 0x80, which would discard the Will).
        let d = disconnects(&h.take_raw());
        assert!(d.iter().all(|d| v.is_v5() && d.first().is_some_and(|&r| r >= 0x80)), "{v}: {d:?}");

        // A protocol violation (PUBLISH with QoS 3).
        let mut h = Harness::new(will(v));
        h.connect(false);
        h.take_raw();
        let mut bad = vec![0x36, 3, 0, 1, b't'];
        if v.is_v5() {
            bad[1] += 1;
            bad.push(0);
        }
        h.feed(&bad);
        let d = disconnects(&h.take_raw());
        if v.is_v5() {
            assert_eq!(d.len(), 1, "{v}");
            assert!(d[0][0] >= 0x80, "{v}: an error reason keeps the Will: {d:?}");
        } else {
            assert!(d.is_empty(), "{v}: DISCONNECT after a protocol violation discards the Will");
        }

        // 5.0: Disconnect with Will Message.
        if v.is_v5() {
            let mut h = Harness::new(will(v));
            h.connect(false);
            h.take_raw();
            let mut o = DisconnectOptions::default();
            o.reason = ReasonCode::DisconnectWithWillMessage;
            h.session.disconnect(h.now, &o).unwrap();
            h.drive();
            let d = disconnects(&h.take_raw());
            assert_eq!(d.len(), 1);
            assert_eq!(d[0][0], 0x04);
        }
    }
}

/// 3.1.1: [MQTT-4.8.0-2]
///
/// A packet the client cannot take in (larger than its receive buffer, `max_packet_size`) is
/// a transient error: the connection it came on is closed, nothing of it is delivered or
/// acknowledged. A packet of exactly the buffer's size is processed.
#[test]
fn v311_packet_larger_than_the_receive_buffer_closes_the_connection() {
    let v = ProtocolVersion::V3_1_1;
    let frame = |total: usize| {
        // PUBLISH QoS 1, topic "t", id 1: 2 + 3 + 2 bytes before the payload.
        let payload = vec![b'p'; total - 7];
        let mut f = vec![0x32, (total - 2) as u8, 0, 1, b't', 0, 1];
        f.extend_from_slice(&payload);
        f
    };
    let mut cfg = Harness::config(v);
    cfg.max_packet_size = 64;
    let mut h = Harness::new(cfg);
    h.connect(false);
    h.take_raw();
    h.feed(&frame(64));
    assert_eq!(messages(&h.take_events()).len(), 1);
    assert_eq!(acks(&h.take_inbox()), vec![("PUBACK", 1)]);
    h.actions.clear();
    h.feed(&frame(65));
    let ev = h.take_events();
    assert!(messages(&ev).is_empty(), "{ev:?}");
    assert!(
        matches!(
            ev.as_slice(),
            [Ev::Disconnected(DisconnectReason::Protocol(Violation::Decode(
                DecodeError::PacketTooLarge { .. }
            )))]
        ),
        "{ev:?}"
    );
    assert!(h.take_inbox().is_empty(), "nothing acknowledged, no DISCONNECT in 3.1.1");
    assert!(h.actions.contains(&Action::Close));
}

/// 3.1.1: [MQTT-3.1.2-5] 5.0: [MQTT-3.1.2-5]
///
/// Clean Session 0 / Clean Start 0 with a stored session: the server resumes from the session
/// state and sends the QoS 1 / QoS 2 messages it stored while the client was away. The client
/// asks to resume (Clean Session 0), and on Session Present 1 continues where it stopped: it
/// resends its unacknowledged PUBLISH (DUP 1, same identifier), delivers and acknowledges the
/// stored messages, and completes the QoS 2 flow the server began before the loss.
#[test]
fn resumed_session_continues_both_ways_and_takes_the_messages_stored_meanwhile() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.clean_start = false;
        cfg.session_expiry_interval = 3600;
        let mut h = Harness::new(cfg);
        h.connect(false);
        let t = h.session.publish(h.now, &Outgoing::new("out", b"mine", QoS::AtLeastOnce)).unwrap();
        h.drive();
        let sent = publishes(&h.take_inbox());
        h.publish_to_client("in", b"before", QoS::ExactlyOnce, 30);
        assert_eq!(messages(&h.take_events()).len(), 1);
        assert_eq!(acks(&h.take_inbox()), vec![("PUBREC", 30)]);

        let c = reconnect(&mut h, true);
        assert!(!c.clean_start, "{v}: the client asks to resume");
        let resent = publishes(&h.take_inbox());
        assert_eq!(resent, vec![(sent[0].0, true, "out".to_string(), b"mine".to_vec())], "{v}");
        // What the server stored meanwhile, and the rest of its QoS 2 flow.
        h.publish_to_client("in", b"stored 1", QoS::AtLeastOnce, 31);
        h.publish_to_client("in", b"stored 2", QoS::ExactlyOnce, 32);
        h.pubrel(30);
        assert_eq!(
            messages(&h.take_events()),
            vec![
                ("in".into(), b"stored 1".to_vec(), QoS::AtLeastOnce, false),
                ("in".into(), b"stored 2".to_vec(), QoS::ExactlyOnce, false)
            ],
            "{v}"
        );
        assert_eq!(acks(&h.take_inbox()), vec![("PUBACK", 31), ("PUBREC", 32), ("PUBCOMP", 30)], "{v}");
        h.puback(sent[0].0.unwrap());
        assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v}");
    }
}
