//! The resend rule of a reconnect that asks to keep the session (Clean Session 0 / Clean Start
//! 0), for both answers the server may give, and the packet id of received messages.
//!
//! MQTT 3.1.1 [MQTT-4.4.0-1] has no Session Present condition: the client re-sends its
//! unacknowledged PUBLISH (DUP 1) and PUBREL packets with their original ids either way. MQTT
//! 5.0 re-sends only "if a session is present" and otherwise discards the state
//! [MQTT-3.2.2-5].
mod support;

use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{DisconnectReason, Outgoing, Token};
use support::{Ev, Harness, VERSIONS, publishes};

fn persistent(v: ProtocolVersion) -> Harness {
    let mut cfg = Harness::config(v);
    cfg.clean_start = false;
    cfg.session_expiry_interval = 3600;
    Harness::new(cfg)
}

/// Connected with a session that holds: a QoS 1 publish awaiting PUBACK, a QoS 2 publish
/// awaiting PUBREC, a QoS 2 publish awaiting PUBCOMP (PUBREL sent), a received QoS 2 message
/// (id 5) awaiting PUBREL, and the subscription `s/#`. Returns the three tokens and the ids.
fn session_with_state(v: ProtocolVersion) -> (Harness, [Token; 3], [u16; 3]) {
    let mut h = persistent(v);
    h.connect(false);
    h.session.subscribe(h.now, &[("s/#", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
    h.drive();
    let sub = match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => s.packet_id.get(),
        other => panic!("{v}: {other:?}"),
    };
    h.suback(sub, &[ReasonCode::GrantedQoS1]);
    let ta = h.session.publish(h.now, &Outgoing::new("a", b"A", QoS::AtLeastOnce)).unwrap();
    let tb = h.session.publish(h.now, &Outgoing::new("b", b"B", QoS::ExactlyOnce)).unwrap();
    let tc = h.session.publish(h.now, &Outgoing::new("c", b"C", QoS::ExactlyOnce)).unwrap();
    h.drive();
    let sent = publishes(&h.take_inbox());
    let ids = [sent[0].0.unwrap(), sent[1].0.unwrap(), sent[2].0.unwrap()];
    h.pubrec(ids[2]);
    h.publish_to_client("s/in", b"once", QoS::ExactlyOnce, 5);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_), Packet::PubRec(_)]), "{v}");
    h.take_events();
    h.drop_link();
    assert_eq!(
        h.take_events(),
        [Ev::Disconnected(DisconnectReason::Transport(sansmqtt_session::TransportError::Closed))]
    );
    h.advance(500);
    assert!(!h.expect_connect().clean_start, "{v}: the reconnect asks to keep the session");
    (h, [ta, tb, tc], ids)
}

/// 3.1.1: [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-3]
///
/// A Clean Session 0 reconnect re-sends the unacknowledged PUBLISH packets (DUP 1) and the
/// PUBREL with their original ids whether the server answers Session Present 1 or 0. On 0 the
/// server lost its half: the application is told (`Connected { session_present: false }`),
/// the subscriptions are made again, and a received QoS 2 id that awaited PUBREL starts a new
/// message instead of being taken for a duplicate.
#[test]
fn v311_clean_session_0_reconnect_resends_whatever_session_present_says() {
    for present in [true, false] {
        let (mut h, tokens, ids) = session_with_state(ProtocolVersion::V3_1_1);
        h.connack(present, Default::default());
        let events = h.take_events();
        assert!(
            matches!(events.as_slice(), [Ev::Connected { session_present, .. }] if *session_present == present),
            "present {present}: {events:?}"
        );
        let inbox = h.take_inbox();
        let resent: Vec<(u16, bool, &str)> = inbox
            .iter()
            .filter_map(|p| match p {
                Packet::Publish(p) => Some((p.packet_id().unwrap().get(), p.dup, p.topic.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(resent, [(ids[0], true, "a"), (ids[1], true, "b")], "present {present}");
        let pubrels: Vec<u16> = inbox
            .iter()
            .filter_map(|p| match p {
                Packet::PubRel(r) => Some(r.packet_id.get()),
                _ => None,
            })
            .collect();
        assert_eq!(pubrels, [ids[2]], "present {present}");
        let resubscribed = inbox.iter().any(|p| matches!(p, Packet::Subscribe(_)));
        assert_eq!(resubscribed, !present, "present {present}: {inbox:?}");
        // The flows complete as usual.
        h.puback(ids[0]);
        h.pubrec(ids[1]);
        h.pubcomp(ids[1]);
        h.pubcomp(ids[2]);
        let done: Vec<Token> = h
            .take_events()
            .into_iter()
            .filter_map(|e| match e {
                Ev::Published(t, _) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(done, tokens, "present {present}");
        // The server's QoS 2 id 5: a duplicate of the stored flow if the session is present,
        // a new message if it was lost with the server's session.
        h.take_inbox();
        h.publish_to_client("s/in", b"next", QoS::ExactlyOnce, 5);
        let delivered =
            h.take_events().iter().any(|e| matches!(e, Ev::Message { payload, .. } if payload == b"next"));
        assert_eq!(delivered, !present, "present {present}");
    }
}

/// 5.0: [MQTT-4.4.0-1] [MQTT-3.2.2-5]
///
/// A Clean Start 0 reconnect re-sends only if the session is present; Session Present 0
/// discards the state: the publishes are handed back in `SessionLost`, nothing is re-sent.
#[test]
fn v5_clean_start_0_reconnect_resends_only_when_the_session_is_present() {
    for present in [true, false] {
        let (mut h, tokens, ids) = session_with_state(ProtocolVersion::V5);
        h.connack(present, Default::default());
        let events = h.take_events();
        let inbox = h.take_inbox();
        if present {
            assert!(!events.iter().any(|e| matches!(e, Ev::SessionLost(_))), "{events:?}");
            let resent: Vec<Option<u16>> = publishes(&inbox).into_iter().map(|p| p.0).collect();
            assert_eq!(resent, [Some(ids[0]), Some(ids[1])]);
            assert!(inbox.iter().any(|p| matches!(p, Packet::PubRel(r) if r.packet_id.get() == ids[2])));
        } else {
            assert!(events.contains(&Ev::SessionLost(tokens.to_vec())), "{events:?}");
            assert!(publishes(&inbox).is_empty(), "{inbox:?}");
            assert!(!inbox.iter().any(|p| matches!(p, Packet::PubRel(_))), "{inbox:?}");
            assert_eq!(h.session.inflight(), 0);
        }
    }
}

/// A received QoS 1 / QoS 2 message carries the server's packet id (paho's `mid`); QoS 0 none.
#[test]
fn received_messages_carry_their_packet_id() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.publish_to_client("t", b"0", QoS::AtMostOnce, 0);
        h.publish_to_client("t", b"1", QoS::AtLeastOnce, 41);
        h.publish_to_client("t", b"2", QoS::ExactlyOnce, 42);
        let ids: Vec<Option<u16>> = h
            .take_events()
            .into_iter()
            .filter_map(|e| match e {
                Ev::Message { id, .. } => Some(id),
                _ => None,
            })
            .collect();
        assert_eq!(ids, [None, Some(41), Some(42)], "{v}");
    }
}
