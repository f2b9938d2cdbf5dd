//! Persistence: the client's half of a session survives a crash (the process is gone; only
//! what `poll_store` handed out, and the driver made durable, is left) and a restore resumes
//! it against the broker's half. For 3.1.1 and 5.0.
mod support;

use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode};
use sansmqtt_session::persist::complete_prefix;
use sansmqtt_session::{Config, Outgoing, RestoreError, Session};
use support::{Ev, Harness, VERSIONS, pid, publishes};

/// A configuration that asks the broker to keep the session.
fn persistent(v: ProtocolVersion) -> Config {
    let mut c = Harness::config(v);
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c
}

/// A connected harness whose session journals from the start (its snapshot first in the store).
fn journaled(v: ProtocolVersion) -> Harness {
    let mut h = Harness::new(persistent(v));
    let mut store = Vec::new();
    h.session.start_journal(&mut store);
    h.store = store;
    h.connect(false);
    h.take_inbox();
    h
}

/// The process dies: a new one restores from what was durable and connects to a broker that
/// kept the session. Returns the harness, the restored publish tokens, and the CONNECT's
/// clean-start flag.
fn crash_and_restore(h: &Harness) -> (Harness, Vec<sansmqtt_session::Token>, bool) {
    let (session, tokens) = Session::restore(persistent(h.version), &h.store).expect("restores");
    let mut r = Harness::with_session(session);
    r.store = h.store.clone();
    r.now = h.now;
    r.session.connect(r.now).expect("connect");
    r.drive();
    let connect = r.expect_connect();
    r.connack(true, Default::default());
    (r, tokens, connect.clean_start)
}

#[test]
fn the_stored_format_is_pinned() {
    let mut s = Session::new(Config::new(ProtocolVersion::V5, "client-1"));
    let mut store = Vec::new();
    s.start_journal(&mut store);
    assert_eq!(store, b"SMQS\x01\x05\x00\x08client-1", "header: marker, format 1, level 5, client id");
    let token = s.publish(sansmqtt_session::Instant::ZERO, &Outgoing::new("t", b"x", QoS::AtLeastOnce));
    assert!(token.is_ok());
    let mut records = Vec::new();
    assert!(s.poll_store(&mut records));
    // tag 0x10 (queued), length 13, seq 1, the PUBLISH (QoS 1, packet id placeholder), CRC-32.
    let publish = [0x32, 0x07, 0x00, 0x01, b't', 0x00, 0x01, 0x00, b'x'];
    let mut expected = vec![0x10, 0, 0, 0, 13, 0, 0, 0, 1];
    expected.extend_from_slice(&publish);
    expected.extend_from_slice(&crc32(&expected).to_be_bytes());
    assert_eq!(records, expected);
    // Both together restore.
    store.extend_from_slice(&records);
    let (restored, tokens) =
        Session::restore(Config::new(ProtocolVersion::V5, "client-1"), &store).expect("restores");
    assert_eq!((restored.queued(), tokens.len()), (1, 1));
}

/// CRC-32 (IEEE), written independently of the crate's.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_packet_waits_for_the_record_it_depends_on() {
    for v in VERSIONS {
        let mut h = journaled(v);
        h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::ExactlyOnce)).expect("publish");
        // The SENT record is pending: the PUBLISH is in the transmit buffer but not handed out.
        let mut buf = [0u8; 64];
        assert_eq!(h.session.poll_transmit(h.now, &mut buf), 0, "{v}: PUBLISH before its record");
        assert!(h.session.has_store_records());
        let mut records = Vec::new();
        assert!(h.session.poll_store(&mut records));
        assert!(h.session.poll_transmit(h.now, &mut buf) > 0, "{v}: PUBLISH after its record");
    }
}

#[test]
fn outgoing_qos1_and_qos2_flows_survive_a_crash_and_are_resent_with_dup() {
    for v in VERSIONS {
        let mut h = journaled(v);
        let t1 = h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).expect("publish");
        let t2 = h.session.publish(h.now, &Outgoing::new("b", b"2", QoS::ExactlyOnce)).expect("publish");
        let t3 = h.session.publish(h.now, &Outgoing::new("c", b"3", QoS::ExactlyOnce)).expect("publish");
        h.drive();
        let sent = publishes(&h.take_inbox());
        assert_eq!(sent.len(), 3, "{v}");
        let ids: Vec<u16> = sent.iter().map(|p| p.0.expect("id")).collect();
        // The third reached PUBREC: PUBREL is what a resend sends for it.
        h.pubrec(ids[2]);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRel(_)]), "{v}");
        let _ = (t1, t2, t3);

        let (mut r, tokens, clean_start) = crash_and_restore(&h);
        assert!(!clean_start, "{v}: the restored session resumes");
        assert_eq!(tokens.len(), 3, "{v}");
        let inbox = r.take_inbox();
        let resent = publishes(&inbox);
        assert_eq!(
            resent.iter().map(|p| (p.0, p.1, p.2.as_str())).collect::<Vec<_>>(),
            [(Some(ids[0]), true, "a"), (Some(ids[1]), true, "b")],
            "{v}: PUBLISH resent with DUP 1 and the original ids"
        );
        assert!(
            inbox.iter().any(|p| matches!(p, Packet::PubRel(a) if a.packet_id == pid(ids[2]))),
            "{v}: PUBREL resent: {inbox:?}"
        );
        r.puback(ids[0]);
        r.pubrec(ids[1]);
        r.pubcomp(ids[1]);
        r.pubcomp(ids[2]);
        let done: Vec<_> = r.take_events().into_iter().filter(|e| matches!(e, Ev::Published(..))).collect();
        assert_eq!(
            done,
            tokens.iter().map(|&t| Ev::Published(t, ReasonCode::Success)).collect::<Vec<_>>(),
            "{v}: every restored flow completes with its restored token"
        );
        // And a second crash now restores nothing in flight.
        let (session, tokens) = Session::restore(persistent(v), &r.store).expect("restores");
        assert_eq!((session.inflight(), session.queued(), tokens.len()), (0, 0, 0), "{v}");
    }
}

#[test]
fn an_incoming_qos2_message_is_not_delivered_again_after_a_crash() {
    for v in VERSIONS {
        let mut h = journaled(v);
        h.publish_to_client("in", b"once", QoS::ExactlyOnce, 7);
        assert!(h.take_events().iter().any(|e| matches!(e, Ev::Message { .. })), "{v}");
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PubRec(_)]), "{v}");

        let (mut r, _, _) = crash_and_restore(&h);
        r.take_events();
        // The broker did not see PUBREL's answer: it resends the PUBLISH (DUP), then PUBREL.
        r.publish_to_client("in", b"once", QoS::ExactlyOnce, 7);
        assert!(
            !r.take_events().iter().any(|e| matches!(e, Ev::Message { .. })),
            "{v}: the resend is not delivered again"
        );
        assert!(matches!(r.take_inbox().as_slice(), [Packet::PubRec(_)]), "{v}");
        r.pubrel(7);
        assert!(matches!(r.take_inbox().as_slice(), [Packet::PubComp(_)]), "{v}");
        // Released: the id is free; a new message with it is delivered.
        let (mut r2, _, _) = crash_and_restore(&r);
        r2.take_events();
        r2.publish_to_client("in", b"new", QoS::ExactlyOnce, 7);
        assert!(r2.take_events().iter().any(|e| matches!(e, Ev::Message { .. })), "{v}");
    }
}

#[test]
fn the_offline_queue_and_subscriptions_survive_a_crash() {
    for v in VERSIONS {
        let mut h = journaled(v);
        h.session
            .subscribe(h.now, &[("s/#", sansmqtt_proto::SubscriptionOptions::new(QoS::AtLeastOnce))])
            .expect("subscribe");
        h.drive();
        let sub_id = match h.take_inbox().as_slice() {
            [Packet::Subscribe(s)] => s.packet_id.get(),
            other => panic!("{v}: {other:?}"),
        };
        h.suback(sub_id, &[ReasonCode::GrantedQoS1]);
        h.drop_link();
        h.session.publish(h.now, &Outgoing::new("q", b"queued", QoS::AtLeastOnce)).expect("queued");
        h.drive();

        let (session, tokens) = Session::restore(persistent(v), &h.store).expect("restores");
        assert_eq!((session.queued(), tokens.len()), (1, 1), "{v}");
        let mut r = Harness::with_session(session);
        r.now = h.now;
        r.session.connect(r.now).expect("connect");
        r.drive();
        r.expect_connect();
        // The broker lost the session: the subscription is made again, the message sent.
        r.connack(false, Default::default());
        let inbox = r.take_inbox();
        assert!(
            inbox.iter().any(|p| matches!(p, Packet::Subscribe(s) if s.subscriptions.iter().any(|f| f.filter.as_str() == "s/#"))),
            "{v}: resubscribed: {inbox:?}"
        );
        assert_eq!(publishes(&inbox).iter().map(|p| p.2.as_str()).collect::<Vec<_>>(), ["q"], "{v}");
    }
}

#[test]
fn damaged_truncated_or_foreign_state_is_refused_without_panic() {
    let v = ProtocolVersion::V5;
    let mut h = journaled(v);
    h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::ExactlyOnce)).expect("publish");
    h.drive();
    h.publish_to_client("in", b"x", QoS::ExactlyOnce, 9);
    let good = h.store.clone();
    assert!(Session::restore(persistent(v), &good).is_ok());
    // A cut between records is an earlier state, which restores; a cut inside the header or a
    // record is refused.
    let mut boundaries = 0;
    for cut in 0..good.len() {
        let restored = Session::restore(persistent(v), &good[..cut]);
        if cut > 0 && complete_prefix(&good[..cut]) == cut {
            boundaries += 1;
            assert!(restored.is_ok(), "cut at record boundary {cut} refused");
        } else {
            let expected = if cut < 4 { RestoreError::NotASession } else { RestoreError::Truncated };
            assert_eq!(restored.err(), Some(expected), "cut at {cut}");
        }
    }
    assert!(boundaries >= 3, "header + 3 records: {boundaries} inner boundaries");
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x41;
        assert!(Session::restore(persistent(v), &bad).is_err(), "byte {at} changed, accepted");
    }
    let mut future = good.clone();
    future[4] = 2;
    assert_eq!(Session::restore(persistent(v), &future).err(), Some(RestoreError::UnsupportedFormat(2)));
    assert_eq!(Session::restore(persistent(v), b"{}").err(), Some(RestoreError::NotASession));
    assert_eq!(
        Session::restore(persistent(ProtocolVersion::V3_1_1), &good).err(),
        Some(RestoreError::Mismatch)
    );
    // A record torn by the crash is cut by complete_prefix; the rest restores.
    let torn = &good[..good.len() - 3];
    assert!(Session::restore(persistent(v), &torn[..complete_prefix(torn)]).is_ok());
}

/// A store that retries an append it believed cancelled may hold a batch of records twice in
/// a row: it restores as if stored once.
#[test]
fn a_batch_of_records_stored_twice_restores_as_once() {
    for v in VERSIONS {
        let mut h = journaled(v);
        let before = h.store.len();
        h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::ExactlyOnce)).expect("publish");
        h.session.publish(h.now, &Outgoing::new("b", b"2", QoS::AtLeastOnce)).expect("publish");
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().map(|p| p.0.expect("id")).collect();
        h.pubrec(ids[0]);
        // And one queued while offline: its record stored twice must not queue it twice.
        h.drop_link();
        h.session.publish(h.now, &Outgoing::new("c", b"3", QoS::AtLeastOnce)).expect("queued");
        h.drive();
        let batch = h.store[before..].to_vec();
        let mut twice = h.store.clone();
        twice.extend_from_slice(&batch);
        let snapshot = |log: &[u8]| {
            let (s, _) = Session::restore(persistent(v), log).expect("restores");
            let mut out = Vec::new();
            s.snapshot(&mut out);
            out
        };
        assert_eq!(snapshot(&twice), snapshot(&h.store), "{v}");
    }
}
