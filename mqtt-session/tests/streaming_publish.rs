//! Publishing a payload written in pieces (`publish_streamed` + `write_payload`): the wire
//! bytes are the packet `publish` would send; nothing interleaves with the payload; a QoS 1 / 2
//! resend after a reconnect asks for the payload again; a streamed flow is never re-queued
//! without its payload. 3.1.1 and 5.0.
mod support;

use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode};
use sansmqtt_session::{Action, Config, DisconnectReason, Error, Outgoing, SessionLostPolicy};
use support::{Ev, Harness, VERSIONS, frames, publishes};

fn config(v: ProtocolVersion) -> Config {
    let mut c = Harness::config(v);
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c.tx_buffer_size = 1024;
    c
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 251) as u8).collect()
}

/// Write all of `payload`, handing bytes to the wire whenever the session takes no more.
/// The broker's side of a publish's flow at `qos`: PUBACK, or PUBREC then PUBCOMP.
fn acknowledge(h: &mut Harness, id: Option<u16>, qos: QoS) {
    match (qos, id) {
        (QoS::AtLeastOnce, Some(id)) => h.puback(id),
        (QoS::ExactlyOnce, Some(id)) => {
            h.pubrec(id);
            h.pubcomp(id);
        }
        _ => {}
    }
}

fn write_all(h: &mut Harness, payload: &[u8]) -> usize {
    let (mut at, mut rounds) = (0, 0);
    while at < payload.len() {
        let n = h.session.write_payload(h.now, &payload[at..]);
        if n == 0 {
            h.drive();
            rounds += 1;
            assert!(rounds < 10_000, "no progress");
        }
        at += n;
    }
    h.drive();
    rounds
}

#[test]
fn the_wire_carries_the_packet_publish_would_send() {
    for v in VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let payload = pattern(20_000);
            let mut h = Harness::new(config(v));
            h.connect(false);
            h.take_inbox();
            h.take_raw();
            let token =
                h.session.publish_streamed(h.now, &Outgoing::new("big/up", b"", qos), payload.len()).unwrap();
            assert_eq!(h.session.payload_remaining(), Some(payload.len()));
            let rounds = write_all(&mut h, &payload);
            assert!(rounds > 0, "{v} {qos:?}: 20 KB through a 1 KiB transmit buffer needs backpressure");
            assert_eq!(h.session.payload_remaining(), None);
            let raw = h.take_raw();
            // The same message through `publish`, in a second session, for comparison.
            let mut r = Harness::new(config(v));
            r.connect(false);
            r.take_raw();
            r.session.publish(r.now, &Outgoing::new("big/up", &payload, qos)).unwrap();
            r.drive();
            assert!(raw == r.take_raw(), "{v} {qos:?}: streamed bytes differ from publish's");
            let sent = publishes(&h.take_inbox());
            acknowledge(&mut h, sent[0].0, qos);
            assert!(h.take_events().contains(&Ev::Published(token, ReasonCode::Success)), "{v} {qos:?}");
        }
    }
}

#[test]
fn nothing_interleaves_with_the_payload() {
    for v in VERSIONS {
        let mut h = Harness::new(config(v));
        h.connect(false);
        h.take_inbox();
        h.take_raw();
        let payload = pattern(3000);
        h.session.publish_streamed(h.now, &Outgoing::new("t", b"", QoS::AtMostOnce), payload.len()).unwrap();
        let half = h.session.write_payload(h.now, &payload[..1000]);
        h.drive();
        // A QoS 1 message arrives mid-payload: its PUBACK must wait for the payload's end.
        h.publish_to_client("in", b"x", QoS::AtLeastOnce, 5);
        assert!(
            h.take_inbox().iter().all(|p| !matches!(p, Packet::PubAck(_))),
            "{v}: PUBACK inside a payload"
        );
        write_all(&mut h, &payload[half..]);
        let raw = h.take_raw();
        let kinds: Vec<u8> = frames(&raw).iter().map(|(first, _)| first >> 4).collect();
        assert_eq!(kinds, [3, 4], "{v}: the PUBLISH whole, then the PUBACK");
    }
}

#[test]
fn a_qos1_or_2_resend_asks_for_the_payload_again() {
    for v in VERSIONS {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let payload = pattern(5000);
            let mut h = Harness::new(config(v));
            h.connect(false);
            h.take_inbox();
            let token =
                h.session.publish_streamed(h.now, &Outgoing::new("t", b"", qos), payload.len()).unwrap();
            // The connection drops after part of the payload.
            h.session.write_payload(h.now, &payload[..700]);
            h.drive();
            h.drop_link();
            h.take_events();
            h.take_inbox();
            h.advance_to_timeout();
            h.expect_connect();
            h.connack(true, Default::default());
            assert!(
                h.take_events().contains(&Ev::ResendPayload { token, payload_len: 5000 }),
                "{v} {qos:?}: asked for the payload again"
            );
            write_all(&mut h, &payload);
            let sent = publishes(&h.take_inbox());
            assert_eq!(sent.len(), 1, "{v} {qos:?}");
            assert!(sent[0].1, "{v} {qos:?}: DUP 1 on the resend");
            assert!(sent[0].3 == payload, "{v} {qos:?}: the payload as written again");
        }
    }
}

#[test]
fn a_streamed_flow_of_a_lost_session_is_handed_back_not_requeued() {
    let v = ProtocolVersion::V5;
    let mut c = config(v);
    c.session_lost_policy = SessionLostPolicy::ResendAsNew;
    let mut h = Harness::new(c);
    h.connect(false);
    h.take_inbox();
    let token = h.session.publish_streamed(h.now, &Outgoing::new("t", b"", QoS::AtLeastOnce), 10).unwrap();
    write_all(&mut h, &[1; 10]);
    h.take_inbox();
    assert!(h.reconnect(false).contains(&Ev::SessionLost(vec![token])));
    assert_eq!(h.session.queued(), 0);
}

#[test]
fn a_streamed_publish_is_refused_when_it_cannot_go_at_once() {
    for v in VERSIONS {
        let mut h = Harness::new(config(v));
        let msg = Outgoing::new("t", b"", QoS::AtLeastOnce);
        assert_eq!(h.session.publish_streamed(h.now, &msg, 10), Err(Error::NotConnected));
        h.session.publish(h.now, &Outgoing::new("q", b"queued", QoS::AtLeastOnce)).unwrap();
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        h.connack(false, Default::default());
        h.session.publish_streamed(h.now, &msg, 10).unwrap();
        assert_eq!(
            h.session.publish_streamed(h.now, &msg, 10),
            Err(Error::InvalidState),
            "{v}: one at a time"
        );
        let mut j = Harness::new(config(v));
        j.session.start_journal(&mut Vec::new());
        j.connect(false);
        assert_eq!(j.session.publish_streamed(j.now, &msg, 10), Err(Error::InvalidState), "{v}: journaled");
    }
}

#[test]
fn an_aborted_payload_forgets_its_publish_and_the_connection_ends() {
    for v in VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut h = Harness::new(config(v));
            h.connect(false);
            h.take_inbox();
            h.take_events();
            assert_eq!(h.session.abort_payload(h.now), None, "{v} {qos:?}: nothing being written");
            let token = h.session.publish_streamed(h.now, &Outgoing::new("t", b"", qos), 5000).unwrap();
            h.session.write_payload(h.now, &pattern(700));
            h.drive();
            // A message whose ack waits behind the payload.
            h.publish_to_client("in", b"m", QoS::AtLeastOnce, 9);
            assert_eq!(h.session.abort_payload(h.now), Some(token), "{v} {qos:?}");
            assert_eq!(h.session.payload_remaining(), None, "{v} {qos:?}");
            assert_eq!(h.session.inflight(), 0, "{v} {qos:?}: the flow is forgotten");
            // Nothing more goes out on this connection (the broker would read it as payload),
            // not the held ack, not a new request; the session asks for the close itself.
            let _ = h
                .session
                .subscribe(h.now, &[("u", sansmqtt_proto::SubscriptionOptions::new(QoS::AtMostOnce))]);
            let mut buf = [0u8; 256];
            assert_eq!(h.session.poll_transmit(h.now, &mut buf), 0, "{v} {qos:?}: nothing after the abort");
            assert_eq!(h.session.poll_action(), Some(Action::Close), "{v} {qos:?}");
            h.drop_link();
            let events = h.take_events();
            assert!(
                events.iter().all(|e| !matches!(e, Ev::Published(..) | Ev::PublishFailed(..))),
                "{v} {qos:?}: no completion is reported for it: {events:?}"
            );
            assert!(
                events.contains(&Ev::Disconnected(DisconnectReason::PayloadAborted)),
                "{v} {qos:?}: the connection ends for the abort: {events:?}"
            );
            // The next connection resumes the session and sends nothing of it again.
            h.take_inbox();
            h.advance_to_timeout();
            h.expect_connect();
            h.connack(true, Default::default());
            let events = h.take_events();
            assert!(
                events.iter().all(|e| !matches!(e, Ev::ResendPayload { .. })),
                "{v} {qos:?}: not asked for again: {events:?}"
            );
            assert!(publishes(&h.take_inbox()).is_empty(), "{v} {qos:?}: not resent");
            // The session works on: a whole streamed publish goes out and completes.
            let payload = pattern(3000);
            let t2 = h.session.publish_streamed(h.now, &Outgoing::new("t", b"", qos), payload.len()).unwrap();
            write_all(&mut h, &payload);
            let sent = publishes(&h.take_inbox());
            assert_eq!(sent.len(), 1, "{v} {qos:?}");
            assert!(sent[0].3 == payload, "{v} {qos:?}");
            acknowledge(&mut h, sent[0].0, qos);
            assert!(h.take_events().contains(&Ev::Published(t2, ReasonCode::Success)), "{v} {qos:?}");
        }
    }
}

/// Publish QoS 1 messages one at a time, each acknowledged, through one full turn of the
/// packet-id space; the ids used.
fn cycle_ids(h: &mut Harness) -> std::collections::HashSet<u16> {
    let mut used = std::collections::HashSet::new();
    for _ in 0..u16::MAX {
        h.session.publish(h.now, &Outgoing::new("c", b"", QoS::AtLeastOnce)).unwrap();
        h.drive();
        for (id, ..) in publishes(&h.take_inbox()) {
            let id = id.unwrap();
            used.insert(id);
            h.puback(id);
        }
    }
    h.take_events();
    used
}

#[test]
fn an_aborted_resend_keeps_its_packet_id_out_of_use_until_the_servers_session_ends() {
    for (v, qos) in VERSIONS.into_iter().flat_map(|v| [(v, QoS::AtLeastOnce), (v, QoS::ExactlyOnce)]) {
        let payload = pattern(3000);
        let mut h = Harness::new(config(v));
        h.connect(false);
        h.take_inbox();
        h.session.publish_streamed(h.now, &Outgoing::new("t", b"", qos), payload.len()).unwrap();
        // Sent whole; the connection drops before PUBACK / PUBREC: the server may hold the id.
        write_all(&mut h, &payload);
        let id = publishes(&h.take_inbox())[0].0.unwrap();
        h.reconnect(true);
        // The resend is given up part-way.
        h.session.write_payload(h.now, &payload[..100]);
        assert!(h.session.abort_payload(h.now).is_some(), "{v} {qos:?}");
        h.reconnect(true);
        let used = cycle_ids(&mut h);
        assert_eq!(used.len(), usize::from(u16::MAX) - 1, "{v} {qos:?}: every other id was used");
        assert!(!used.contains(&id), "{v} {qos:?}: id {id} used again while the server may hold it");
        // A connection without the session: the server holds nothing, the id is free again.
        h.reconnect(false);
        assert!(
            cycle_ids(&mut h).contains(&id),
            "{v} {qos:?}: id {id} free once the server's session is gone"
        );
    }
}

#[test]
fn an_aborted_first_sending_frees_its_packet_id() {
    // Cut part-way on its first connection, the PUBLISH never reached the server whole.
    let v = ProtocolVersion::V5;
    let mut h = Harness::new(config(v));
    h.connect(false);
    h.take_inbox();
    h.session.publish_streamed(h.now, &Outgoing::new("t", b"", QoS::ExactlyOnce), 3000).unwrap();
    h.session.write_payload(h.now, &pattern(100));
    h.drive();
    let raw = h.take_raw();
    assert!(!raw.is_empty());
    assert!(h.session.abort_payload(h.now).is_some());
    h.reconnect(true);
    let used = cycle_ids(&mut h);
    assert_eq!(used.len(), usize::from(u16::MAX), "every id is usable");
}
