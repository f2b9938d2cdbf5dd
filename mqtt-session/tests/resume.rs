//! Reconnect with and without a stored session: resend with DUP, PUBREL, session lost,
//! incoming QoS 2 state across connections, resubscription.
mod support;

use sansmqtt_proto::{Packet, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{DisconnectReason, Outgoing, SessionLostPolicy};
use support::{Ev, Harness, VERSIONS, packet_ids, publishes};

fn persistent(v: sansmqtt_proto::ProtocolVersion) -> Harness {
    let mut cfg = Harness::config(v);
    cfg.clean_start = false;
    cfg.session_expiry_interval = 3600;
    Harness::new(cfg)
}

fn reconnect(h: &mut Harness, session_present: bool) -> Vec<Ev> {
    h.drop_link();
    let ev = h.take_events();
    assert_eq!(
        ev,
        vec![Ev::Disconnected(DisconnectReason::Transport(sansmqtt_session::TransportError::Closed))]
    );
    h.advance(500);
    h.expect_connect();
    h.connack(session_present, Default::default());
    h.take_events()
}

/// 3.1.1: [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-1] 5.0: [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-1]
/// 3.1.1: [MQTT-2.3.1-3] [MQTT-3.1.2-4] [MQTT-3.2.2-2] [MQTT-4.1.0-1] 5.0: [MQTT-4.3.2-3] [MQTT-3.1.2-23] [MQTT-4.1.0-1]
///
/// Clean Session 0 / Session Expiry > 0: the session outlives the connection, and an
/// unacknowledged QoS 1 PUBLISH is resent with its original packet identifier and DUP = 1.
#[test]
fn v311_v5_qos1_unacked_is_resent_with_dup_same_id_in_order() {
    for v in VERSIONS {
        let mut h = persistent(v);
        h.connect(false);
        let t1 = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
        let t2 = h.session.publish(h.now, &Outgoing::new("a", b"2", QoS::AtLeastOnce)).unwrap();
        h.drive();
        let first = publishes(&h.take_inbox());
        reconnect(&mut h, true);
        let again = publishes(&h.take_inbox());
        assert_eq!(again.len(), 2, "{v}");
        for (a, b) in first.iter().zip(&again) {
            assert_eq!(a.0, b.0, "same packet id");
            assert!(!a.1 && b.1, "DUP=0 first, DUP=1 on resend");
            assert_eq!(a.3, b.3);
        }
        h.puback(again[0].0.unwrap());
        h.puback(again[1].0.unwrap());
        assert_eq!(
            h.take_events(),
            vec![Ev::Published(t1, ReasonCode::Success), Ev::Published(t2, ReasonCode::Success)]
        );
    }
}

/// 3.1.1: [MQTT-4.4.0-1] [MQTT-4.6.0-1] 5.0: [MQTT-4.4.0-1] [MQTT-4.3.3-4] [MQTT-4.6.0-1]
/// 3.1.1: [MQTT-2.3.1-3] 5.0: [MQTT-4.3.3-3] [MQTT-4.3.3-5] [MQTT-4.3.3-6]
#[test]
fn qos2_before_pubrec_resends_publish_after_pubrec_resends_pubrel_only() {
    for v in VERSIONS {
        let mut h = persistent(v);
        h.connect(false);
        let ta = h.session.publish(h.now, &Outgoing::new("a", b"A", QoS::ExactlyOnce)).unwrap();
        let tb = h.session.publish(h.now, &Outgoing::new("b", b"B", QoS::ExactlyOnce)).unwrap();
        h.drive();
        let sent = publishes(&h.take_inbox());
        let (ida, idb) = (sent[0].0.unwrap(), sent[1].0.unwrap());
        h.pubrec(ida);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_)]));
        reconnect(&mut h, true);
        let inbox = h.take_inbox();
        // Original order: A (now PUBREL), then B (PUBLISH with DUP).
        match inbox.as_slice() {
            [Packet::PubRel(r), Packet::Publish(p)] => {
                assert_eq!(r.packet_id.get(), ida);
                assert_eq!(p.packet_id().unwrap().get(), idb);
                assert!(p.dup);
            }
            other => panic!("{v}: {other:?}"),
        }
        h.pubcomp(ida);
        h.pubrec(idb);
        h.pubcomp(idb);
        assert_eq!(
            h.take_events(),
            vec![Ev::Published(ta, ReasonCode::Success), Ev::Published(tb, ReasonCode::Success)]
        );
    }
}

#[test]
fn resend_comes_before_new_traffic() {
    for v in VERSIONS {
        let mut h = persistent(v);
        h.connect(false);
        h.session.publish(h.now, &Outgoing::new("old", b"1", QoS::AtLeastOnce)).unwrap();
        h.drive();
        h.take_inbox();
        h.drop_link();
        // Published while offline: queued.
        h.session.publish(h.now, &Outgoing::new("new", b"2", QoS::AtLeastOnce)).unwrap();
        h.advance(500);
        h.expect_connect();
        h.connack(true, Default::default());
        let order: Vec<String> = publishes(&h.take_inbox()).into_iter().map(|p| p.2).collect();
        assert_eq!(order, ["old", "new"], "{v}");
    }
}

/// 5.0: [MQTT-3.2.2-5]
/// 3.1.1: [MQTT-3.2.2-3] 5.0: [MQTT-3.1.2-4]
///
/// Session Present 0: the client's session state is discarded (in-flight flows end, handed
/// back by default; the `ResendAsNew` policy publishes not-yet-received messages again as new
/// ones).
#[test]
fn session_not_present_hands_back_or_resends_as_new() {
    for v in VERSIONS {
        // HandBack (the default): every unacked token is reported, nothing resent.
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let t = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
        h.drive();
        h.take_inbox();
        let ev = reconnect(&mut h, false);
        assert!(ev.contains(&Ev::SessionLost(vec![t])), "{v}: {ev:?}");
        assert!(publishes(&h.take_inbox()).is_empty());
        assert_eq!(h.session.inflight(), 0);

        // ResendAsNew: sent again as a new message, DUP = 0; a PUBREC'd QoS 2 is handed back.
        let mut cfg = Harness::config(v);
        cfg.session_lost_policy = SessionLostPolicy::ResendAsNew;
        let mut h = Harness::new(cfg);
        h.connect(false);
        let t1 = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
        let t2 = h.session.publish(h.now, &Outgoing::new("b", b"2", QoS::ExactlyOnce)).unwrap();
        h.drive();
        let sent = publishes(&h.take_inbox());
        h.pubrec(sent[1].0.unwrap());
        h.take_inbox();
        let ev = reconnect(&mut h, false);
        assert!(ev.contains(&Ev::SessionLost(vec![t2])), "{v}: {ev:?}");
        let again = publishes(&h.take_inbox());
        assert_eq!(again.len(), 1);
        assert!(!again[0].1, "a new message has DUP = 0");
        h.puback(again[0].0.unwrap());
        assert_eq!(h.take_events(), vec![Ev::Published(t1, ReasonCode::Success)]);
    }
}

/// 5.0: a message already resent once (DUP = 1) and then re-queued by `ResendAsNew` after
/// the server lost the session goes out as a new message: DUP = 0. (3.1.1 with Clean Session 0
/// resends with DUP = 1 whatever Session Present says.)
#[test]
fn v5_resent_message_requeued_as_new_has_dup_0() {
    let v = sansmqtt_proto::ProtocolVersion::V5;
    let mut cfg = Harness::config(v);
    cfg.clean_start = false;
    cfg.session_expiry_interval = 3600;
    cfg.session_lost_policy = SessionLostPolicy::ResendAsNew;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let t = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::ExactlyOnce)).unwrap();
    h.drive();
    let first = publishes(&h.take_inbox());
    reconnect(&mut h, true);
    let resent = publishes(&h.take_inbox());
    assert_eq!(resent.len(), 1, "{v}");
    assert!(!first[0].1 && resent[0].1, "{v}: DUP = 1 on the resend");
    reconnect(&mut h, false);
    let again = publishes(&h.take_inbox());
    assert_eq!(again.len(), 1, "{v}");
    assert!(!again[0].1, "{v}: a new message has DUP = 0");
    assert_eq!(again[0].3, first[0].3, "{v}");
    h.pubrec(again[0].0.unwrap());
    h.take_inbox();
    h.pubcomp(again[0].0.unwrap());
    assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v}");
}

/// 3.1.1: [MQTT-4.4.0-1] 5.0: [MQTT-4.4.0-1]
/// 3.1.1: [MQTT-3.1.2-4] 5.0: [MQTT-4.3.3-10] [MQTT-3.1.2-23]
#[test]
fn incoming_qos2_state_survives_a_resumed_session() {
    for v in VERSIONS {
        let mut h = persistent(v);
        h.connect(false);
        h.publish_to_client("x", b"once", QoS::ExactlyOnce, 11);
        assert_eq!(h.take_events().len(), 1);
        h.take_inbox();
        reconnect(&mut h, true);
        // The broker resends the PUBLISH (it never saw our PUBREC): not delivered again.
        h.publish_to_client("x", b"once", QoS::ExactlyOnce, 11);
        assert!(h.take_events().is_empty(), "{v}: QoS 2 delivered twice across reconnect");
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]));
        h.pubrel(11);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubComp(c)] if c.reason == ReasonCode::Success));
    }
}

#[test]
fn v5_qos2_awaiting_pubrel_from_an_earlier_connection_does_not_count_toward_receive_maximum() {
    // The server's send quota is reset on each new connection [MQTT-4.9.0]: after a resume it
    // may send Receive Maximum new messages while PUBRELs of the old ones are still to come.
    let mut cfg = Harness::config(sansmqtt_proto::ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry_interval = 3600;
    cfg.receive_maximum = 2;
    let mut h = Harness::new(cfg);
    h.connect(false);
    h.publish_to_client("x", b"a", QoS::ExactlyOnce, 1);
    h.publish_to_client("x", b"b", QoS::ExactlyOnce, 2);
    assert_eq!(h.take_events().len(), 2);
    h.take_inbox();
    reconnect(&mut h, true);
    h.publish_to_client("x", b"c", QoS::ExactlyOnce, 3);
    h.publish_to_client("x", b"d", QoS::ExactlyOnce, 4);
    let ev = h.take_events();
    assert_eq!(ev.len(), 2, "two new messages within the new connection's quota: {ev:?}");
    assert!(ev.iter().all(|e| matches!(e, Ev::Message { .. })), "{ev:?}");
    // The old flows still complete, and are still not delivered twice.
    h.publish_to_client("x", b"a", QoS::ExactlyOnce, 1);
    assert!(h.take_events().is_empty(), "QoS 2 delivered twice across reconnect");
    h.pubrel(1);
    h.pubrel(2);
    assert_eq!(h.take_events(), [Ev::Released(1), Ev::Released(2)]);
    let comps = h
        .take_inbox()
        .iter()
        .filter(|p| matches!(p, Packet::PubComp(c) if c.reason == ReasonCode::Success))
        .count();
    assert_eq!(comps, 2);
    // A third new one while two are unreleased on this connection exceeds the maximum.
    h.publish_to_client("x", b"e", QoS::ExactlyOnce, 5);
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::Protocol(
            sansmqtt_session::Violation::ReceiveMaximumExceeded
        ))]
    );
}

/// The restored subscriptions complete with `Resubscribed`, which names each filter with the
/// server's answer (the application made no request on this connection: no `Subscribed`).
#[test]
fn lost_session_is_resubscribed() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.session.subscribe(h.now, &[("s/#", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        h.drive();
        let id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => s.packet_id.get(),
            other => panic!("{other:?}"),
        };
        h.suback(id, &[ReasonCode::GrantedQoS1]);
        h.take_events();
        reconnect(&mut h, false);
        let id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => {
                assert_eq!(s.subscriptions.iter().next().unwrap().filter.as_str(), "s/#", "{v}");
                s.packet_id.get()
            }
            other => panic!("{v}: expected a re-subscribe, got {other:?}"),
        };
        h.take_events();
        h.suback(id, &[ReasonCode::UnspecifiedError]);
        assert_eq!(
            h.take_events(),
            [Ev::Resubscribed(vec![("s/#".to_string(), ReasonCode::UnspecifiedError)])],
            "{v}"
        );
    }
}

/// 3.1.1: [MQTT-3.10.4-1] 5.0: [MQTT-3.10.4-1]
///
/// A filter unsubscribed while its SUBSCRIBE still awaited the SUBACK is deleted for good: the
/// late SUBACK does not bring it back, and a lost session does not subscribe to it again.
#[test]
fn a_filter_unsubscribed_before_its_suback_is_not_resubscribed() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let both = [
            ("x", SubscriptionOptions::new(QoS::AtLeastOnce)),
            ("y", SubscriptionOptions::new(QoS::AtMostOnce)),
        ];
        h.session.subscribe(h.now, &both).unwrap();
        h.session.unsubscribe(h.now, &["x"]).unwrap();
        h.drive();
        let ids = packet_ids(&h.take_inbox());
        assert_eq!(ids.len(), 2, "{v}");
        h.suback(ids[0], &[ReasonCode::GrantedQoS1, ReasonCode::Success]);
        h.unsuback(ids[1], &[ReasonCode::Success]);
        h.take_events();
        reconnect(&mut h, false);
        match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => {
                let filters: Vec<String> =
                    s.subscriptions.iter().map(|x| x.filter.as_str().to_string()).collect();
                assert_eq!(filters, ["y"], "{v}: only the filter still wanted is restored");
            }
            other => panic!("{v}: expected one re-subscribe, got {other:?}"),
        }
    }
}

/// 5.0 §3.8.2.1.2 (Subscription Identifier), §4.8 (session state)
///
/// A lost session is restored with the Subscription Identifiers the filters were made with: one
/// SUBSCRIBE per identifier, so that messages keep arriving tagged as the application expects.
#[test]
fn v5_lost_session_is_resubscribed_with_its_subscription_identifiers() {
    let mut h = Harness::new(Harness::config(sansmqtt_proto::ProtocolVersion::V5));
    h.connect(false);
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    let seven = sansmqtt_proto::SubscriptionId::new(7);
    h.session.subscribe_with_id(h.now, &[("a", o), ("b", o)], seven).unwrap();
    h.session.subscribe(h.now, &[("c", o)]).unwrap();
    h.drive();
    let ids = packet_ids(&h.take_inbox());
    h.suback(ids[0], &[ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS1]);
    h.suback(ids[1], &[ReasonCode::GrantedQoS1]);
    h.take_events();
    reconnect(&mut h, false);
    let got: Vec<(Option<u32>, Vec<String>)> = h
        .take_inbox()
        .iter()
        .map(|p| match p {
            Packet::Subscribe(s) => (
                s.properties.subscription_identifier.map(|i| i.get()),
                s.subscriptions.iter().map(|x| x.filter.as_str().to_string()).collect(),
            ),
            other => panic!("expected re-subscribes, got {other:?}"),
        })
        .collect();
    assert_eq!(got, [(Some(7), vec!["a".to_string(), "b".to_string()]), (None, vec!["c".to_string()])]);
}

/// 3.1.1: [MQTT-3.8.4-1] 5.0: [MQTT-3.8.4-1]
///
/// A SUBSCRIBE completes only with its SUBACK: one still waiting is sent again after a reconnect.
#[test]
fn pending_subscribe_is_resent_after_reconnect() {
    for v in VERSIONS {
        let mut h = persistent(v);
        h.connect(false);
        let t = h.session.subscribe(h.now, &[("q", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
        h.drive();
        h.take_inbox();
        reconnect(&mut h, true);
        let id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => s.packet_id.get(),
            other => panic!("{v}: {other:?}"),
        };
        h.suback(id, &[ReasonCode::Success]);
        assert_eq!(h.take_events(), vec![Ev::Subscribed(t, vec![ReasonCode::Success])]);
    }
}

/// Outgoing QoS 2, connection cut after each step: the message completes exactly once, the
/// PUBLISH is never sent after PUBREL, and the resumed flow continues where it stopped.
/// 5.0: [MQTT-4.3.3-5] [MQTT-4.3.3-6] 3.1.1: [MQTT-4.4.0-1] 5.0: [MQTT-4.4.0-1]
#[test]
fn outgoing_qos2_resumes_from_every_step() {
    for v in VERSIONS {
        for cut in 0..3 {
            let mut h = persistent(v);
            h.connect(false);
            let t = h.session.publish(h.now, &Outgoing::new("q2", b"x", QoS::ExactlyOnce)).unwrap();
            h.drive();
            let id = publishes(&h.take_inbox())[0].0.unwrap();
            if cut >= 1 {
                h.pubrec(id);
                assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_)]));
            }
            if cut >= 2 {
                h.pubcomp(id);
                assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)]);
            }
            reconnect(&mut h, true);
            let inbox = h.take_inbox();
            match cut {
                0 => assert!(
                    matches!(inbox.as_slice(), [Packet::Publish(p)] if p.dup && p.packet_id().unwrap().get() == id)
                ),
                1 => assert!(
                    matches!(inbox.as_slice(), [Packet::PubRel(r)] if r.packet_id.get() == id),
                    "{v}: {inbox:?}"
                ),
                _ => assert!(inbox.is_empty(), "{v}: nothing to resend after PUBCOMP: {inbox:?}"),
            }
            if cut == 0 {
                h.pubrec(id);
                h.take_inbox();
            }
            if cut < 2 {
                h.pubcomp(id);
                assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v} cut {cut}");
            }
            assert_eq!(h.session.inflight(), 0);
        }
    }
}

/// Incoming QoS 2, connection cut after each step: delivered exactly once in total.
#[test]
fn incoming_qos2_is_delivered_once_whatever_step_the_connection_is_cut_at() {
    for v in VERSIONS {
        for cut in 0..2 {
            let mut h = persistent(v);
            h.connect(false);
            h.publish_to_client("in", b"x", QoS::ExactlyOnce, 3);
            assert_eq!(h.take_events().len(), 1);
            h.take_inbox();
            if cut == 1 {
                h.pubrel(3);
                assert!(matches!(h.take_inbox().as_slice(), [Packet::PubComp(_)]));
                assert_eq!(h.take_events(), [Ev::Released(3)], "{v}");
            }
            reconnect(&mut h, true);
            if cut == 0 {
                // The broker did not see our PUBREC: it resends the PUBLISH, then PUBREL.
                h.publish_to_client("in", b"x", QoS::ExactlyOnce, 3);
                assert!(h.take_events().is_empty(), "{v}: delivered twice");
                assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]));
                h.pubrel(3);
            } else {
                // The broker did not see our PUBCOMP: it resends PUBREL.
                h.pubrel(3);
            }
            assert!(matches!(h.take_inbox().as_slice(), [Packet::PubComp(_)]), "{v} cut {cut}");
            // Released once in total: the PUBREL resent after PUBCOMP is not a second end.
            let released = if cut == 0 { vec![Ev::Released(3)] } else { vec![] };
            assert_eq!(h.take_events(), released, "{v} cut {cut}");
        }
    }
}

/// Outgoing QoS 1 published while offline, then connected: sent once, DUP = 0.
#[test]
fn qos1_published_offline_is_sent_on_connect() {
    for v in VERSIONS {
        let mut h = persistent(v);
        let t = h.session.publish(h.now, &Outgoing::new("off", b"1", QoS::AtLeastOnce)).unwrap();
        assert_eq!(h.session.queued(), 1);
        h.connect(false);
        let sent = publishes(&h.take_inbox());
        assert_eq!(sent.len(), 1);
        assert!(!sent[0].1);
        h.puback(sent[0].0.unwrap());
        assert_eq!(h.take_events(), vec![Ev::Published(t, ReasonCode::Success)], "{v}");
    }
}

/// Found by the session fuzzer: re-queued flows of a lost session respect the queue's bounds;
/// the newest that do not fit are handed back in `SessionLost`.
#[test]
fn resend_as_new_respects_the_queue_bound() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.max_queued_messages = 2;
        cfg.session_lost_policy = SessionLostPolicy::ResendAsNew;
        let mut h = Harness::new(cfg);
        h.connect(false);
        let tokens: Vec<_> = (0..3u8)
            .map(|i| h.session.publish(h.now, &Outgoing::new("t", &[i], QoS::AtLeastOnce)).unwrap())
            .collect();
        h.drive();
        assert_eq!(publishes(&h.take_inbox()).len(), 3);
        let ev = reconnect(&mut h, false);
        assert!(ev.contains(&Ev::SessionLost(vec![tokens[2]])), "{v}: {ev:?}");
        let again: Vec<Vec<u8>> = publishes(&h.take_inbox()).into_iter().map(|p| p.3).collect();
        assert_eq!(again, [vec![0], vec![1]], "{v}");
        assert!(h.session.queued() <= 2);
    }
}
