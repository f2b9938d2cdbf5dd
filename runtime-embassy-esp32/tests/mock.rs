//! The client against a scripted in-memory transport: partial reads and writes, end of
//! stream, I/O errors, timeouts, and cancellation at every await point.
mod common;

use std::time::Duration;

use common::mock::{Handle, Mock};
use common::{Ev, block_on, detach, poll_once_and_drop, run_limited};
use sansmqtt_embassy::sansmqtt_session::{
    Backoff, Config, DisconnectReason, Event, Outgoing, Session, State, TransportError,
};
use sansmqtt_embassy::{Client, Error};
use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const LIMIT: Duration = Duration::from_secs(30);

fn config(v: ProtocolVersion) -> Config {
    let mut c = Config::new(v, "mock-client");
    c.max_packet_size = 4096;
    c.keep_alive = Duration::from_secs(60);
    c.reconnect = Some(Backoff::new(Duration::from_millis(20), Duration::from_millis(50)).with_jitter(0.0));
    c
}

/// Connect, subscribe, publish at QoS 0/1/2 and receive each echo, unsubscribe, disconnect.
fn full_flow(client: &mut Client<'_, Mock>) -> Vec<Ev> {
    let mut seen = Vec::new();
    block_on(async {
        let present = client.connect(|e| seen.push(detach(e))).await.expect("connect");
        assert!(!present);
        let granted = client
            .subscribe(&[("flow/#", SubscriptionOptions::new(QoS::ExactlyOnce))], |e| seen.push(detach(e)))
            .await
            .expect("subscribe");
        assert_eq!(granted, [ReasonCode::GrantedQoS2]);
        for (qos, payload) in
            [(QoS::AtMostOnce, b"zero"), (QoS::AtLeastOnce, b"one!"), (QoS::ExactlyOnce, b"two!")]
        {
            let reason = client
                .publish(&Outgoing::new("flow/t", payload, qos), |e| seen.push(detach(e)))
                .await
                .expect("publish");
            assert_eq!(reason, ReasonCode::Success);
        }
        while seen.iter().filter(|e| matches!(e, Ev::Message { .. })).count() < 3 {
            let e = client.next_event().await.expect("event");
            seen.push(detach(e));
        }
        client.unsubscribe(&["flow/#"], |e| seen.push(detach(e))).await.expect("unsubscribe");
        client.disconnect(|e| seen.push(detach(e))).await.expect("disconnect");
        assert_eq!(client.next_event().await.err(), Some(Error::Disconnected));
    });
    seen
}

fn messages(seen: &[Ev]) -> Vec<(Vec<u8>, QoS)> {
    seen.iter()
        .filter_map(|e| match e {
            Ev::Message { payload, qos, .. } => Some((payload.clone(), *qos)),
            _ => None,
        })
        .collect()
}

fn check_flow(h: &Handle, seen: &[Ev], v: ProtocolVersion) {
    assert_eq!(
        messages(seen),
        [
            (b"zero".to_vec(), QoS::AtMostOnce),
            (b"one!".to_vec(), QoS::AtLeastOnce),
            (b"two!".to_vec(), QoS::ExactlyOnce)
        ],
        "{v}: {seen:?}"
    );
    // Exactly one of each packet: nothing lost, nothing written twice.
    for (prefix, n) in [
        ("Connect", 1),
        ("Subscribe", 1),
        ("Publish", 3),
        ("PubAck", 1),
        ("PubRec", 1),
        ("PubRel", 1),
        ("PubComp", 1),
        ("Unsubscribe", 1),
        ("Disconnect", 1),
    ] {
        assert_eq!(h.sent(prefix).len(), n, "{v}: {prefix}: {:?}", h.with(|s| s.sent.clone()));
    }
    let log = h.with(|s| s.log.clone());
    assert_eq!(log.first().map(String::as_str), Some("connect"));
    assert_eq!(
        log.last().map(String::as_str),
        Some("close"),
        "{v}: graceful close after the last write: {log:?}"
    );
    assert_eq!(log.iter().filter(|l| *l == "close").count(), 1, "{v}: {log:?}");
}

#[test]
fn full_flow_with_one_byte_reads_and_three_byte_writes() {
    run_limited("full_flow_partial", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            h.with(|s| {
                s.read_chunk = Some(1);
                s.write_chunk = Some(3);
            });
            let mut tx = [0u8; 64];
            let mut client = Client::new(Session::new(config(v)), h.transport(), &mut tx);
            let seen = full_flow(&mut client);
            check_flow(&h, &seen, v);
            assert!(
                h.with(|s| s.log.iter().filter(|l| *l == "write 3").count()) > 10,
                "{v}: writes were split"
            );
        }
    });
}

#[test]
fn full_flow_with_a_one_byte_transmit_buffer() {
    run_limited("full_flow_tiny_tx", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut tx = [0u8; 1];
            let mut client = Client::new(Session::new(config(v)), h.transport(), &mut tx);
            let seen = full_flow(&mut client);
            check_flow(&h, &seen, v);
        }
    });
}

/// Every `next_event` is first polled once and dropped, several times, while every transport
/// call returns `Pending` on alternate calls: cancellation hits connect, write, read and the
/// timers at every await point. Nothing may be lost or written twice.
#[test]
fn cancelling_poll_at_every_await_point_loses_nothing() {
    run_limited("cancel_everywhere", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            h.with(|s| {
                s.flaky = true;
                s.read_chunk = Some(2);
                s.write_chunk = Some(5);
            });
            let mut tx = [0u8; 16];
            let mut client = Client::new(Session::new(config(v)), h.transport(), &mut tx);
            let mut seen = Vec::new();
            client.session().connect(sansmqtt_embassy::now()).unwrap();
            let mut subscribed = false;
            let mut published = false;
            let mut cancelled = 0;
            while messages(&seen).len() < 3 {
                for _ in 0..3 {
                    match poll_once_and_drop(client.next_event()) {
                        Some(Ok(e)) => seen.push(detach(e)),
                        Some(Err(e)) => panic!("{e}"),
                        None => cancelled += 1,
                    }
                }
                let e = detach(block_on(client.next_event()).expect("event"));
                seen.push(e);
                if !subscribed && seen.iter().any(|e| matches!(e, Ev::Connected { .. })) {
                    subscribed = true;
                    client
                        .session()
                        .subscribe(
                            sansmqtt_embassy::now(),
                            &[("c/#", SubscriptionOptions::new(QoS::ExactlyOnce))],
                        )
                        .unwrap();
                }
                if !published && seen.iter().any(|e| matches!(e, Ev::Subscribed(..))) {
                    published = true;
                    for (qos, p) in
                        [(QoS::AtMostOnce, b"zero"), (QoS::AtLeastOnce, b"one!"), (QoS::ExactlyOnce, b"two!")]
                    {
                        client
                            .session()
                            .publish(sansmqtt_embassy::now(), &Outgoing::new("c/t", p, qos))
                            .unwrap();
                    }
                }
            }
            // The last echo's QoS 2 exchange (PUBREC, PUBREL, PUBCOMP) finishes in later polls.
            for _ in 0..50 {
                if !h.sent("PubComp").is_empty() {
                    break;
                }
                if let Some(r) = poll_once_and_drop(client.next_event()) {
                    seen.push(detach(r.expect("event")));
                }
            }
            assert!(cancelled > 10, "{v}: the test cancelled only {cancelled} times");
            let mut got = messages(&seen);
            got.sort();
            assert_eq!(got.len(), 3, "{v}: {seen:?}");
            assert_eq!(h.with(|s| s.completed_connects), 1, "{v}");
            assert_eq!(h.sent("Publish").len(), 3, "{v}");
            assert_eq!(h.sent("Subscribe").len(), 1, "{v}");
            assert_eq!(h.sent("PubRel").len(), 1, "{v}");
            assert_eq!(h.sent("PubComp").len(), 1, "{v}");
            assert!(!seen.iter().any(|e| matches!(e, Ev::Disconnected(_))), "{v}: {seen:?}");
        }
    });
}

#[test]
fn dropping_poll_mid_read_then_data_arrives() {
    run_limited("cancel_mid_read", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(config(v)), h.transport(), &mut tx);
            block_on(client.connect(|_| {})).expect("connect");
            // Waiting in read: cancelled.
            assert!(poll_once_and_drop(client.next_event()).is_none());
            let mut p =
                sansmqtt_proto::Publish::new(sansmqtt_proto::TopicName::new("late").unwrap(), b"arrived");
            p.delivery = sansmqtt_proto::Delivery::AtLeastOnce(sansmqtt_proto::PacketId::new(5).unwrap());
            h.push(Packet::Publish(p));
            // Parts of it are read by polls that are then dropped (3 bytes per read, and
            // every other transport call pending).
            h.with(|s| {
                s.read_chunk = Some(3);
                s.flaky = true;
            });
            for _ in 0..3 {
                assert!(poll_once_and_drop(client.next_event()).is_none());
            }
            let e = detach(block_on(client.next_event()).expect("event"));
            assert_eq!(
                e,
                Ev::Message {
                    topic: "late".into(),
                    payload: b"arrived".to_vec(),
                    qos: QoS::AtLeastOnce,
                    dup: false
                },
                "{v}"
            );
            // Its PUBACK goes out with the next polls.
            h.with(|s| s.flaky = false);
            assert!(poll_once_and_drop(client.next_event()).is_none());
            assert_eq!(h.sent("PubAck").len(), 1, "{v}");
        }
    });
}

#[test]
fn end_of_stream_reconnects_and_resends_unacknowledged_publishes() {
    run_limited("eof_reconnect", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut c = config(v);
            c.clean_start = false;
            c.session_expiry_interval = 300;
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(c), h.transport(), &mut tx);
            let mut seen = Vec::new();
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                h.with(|s| s.eof_instead_of_puback = true);
                let r = client
                    .publish(&Outgoing::new("r/t", b"again", QoS::AtLeastOnce), |e| seen.push(detach(e)))
                    .await;
                assert_eq!(r, Ok(ReasonCode::Success), "{v}");
            });
            assert_eq!(
                seen[0],
                Ev::Disconnected(DisconnectReason::Transport(TransportError::Closed)),
                "{v}: {seen:?}"
            );
            assert_eq!(seen[1], Ev::Connected { session_present: true }, "{v}: {seen:?}");
            let publishes = h.sent("Publish");
            assert_eq!(publishes.len(), 2, "{v}");
            assert!(publishes[1].contains("dup: true"), "{v}: resent with DUP: {publishes:?}");
            assert_eq!(h.with(|s| s.completed_connects), 2);
            let log = h.with(|s| s.log.clone());
            let first_close = log.iter().position(|l| l == "close").expect("closed after EOF");
            let second_connect = log.iter().rposition(|l| l == "connect").unwrap();
            assert!(first_close < second_connect, "{v}: closed before reconnecting: {log:?}");
        }
    });
}

#[test]
fn read_and_write_errors_are_disconnects_with_the_error_kept() {
    run_limited("io_errors", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(config(v)), h.transport(), &mut tx);
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                h.push_error();
                let e = detach(client.next_event().await.expect("event"));
                assert_eq!(e, Ev::Disconnected(DisconnectReason::Transport(TransportError::Reset)), "{v}");
                assert!(client.take_transport_error().is_some());
                assert!(client.take_transport_error().is_none(), "taken once");
                // The session reconnects after its backoff.
                assert_eq!(
                    detach(client.next_event().await.unwrap()),
                    Ev::Connected { session_present: false }
                );
                h.with(|s| s.fail_next_write = true);
                client
                    .session()
                    .publish(sansmqtt_embassy::now(), &Outgoing::new("w/e", b"x", QoS::AtMostOnce))
                    .unwrap();
                let mut evs = Vec::new();
                loop {
                    let e = detach(client.next_event().await.unwrap());
                    let done = matches!(e, Ev::Disconnected(_));
                    evs.push(e);
                    if done {
                        break;
                    }
                }
                assert_eq!(
                    evs.last(),
                    Some(&Ev::Disconnected(DisconnectReason::Transport(TransportError::Reset))),
                    "{v}: {evs:?}"
                );
                assert!(client.take_transport_error().is_some());
                assert_eq!(
                    detach(client.next_event().await.unwrap()),
                    Ev::Connected { session_present: false }
                );
            });
            assert_eq!(h.with(|s| s.completed_connects), 3, "{v}");
        }
    });
}

#[test]
fn failed_and_hanging_connects_end_in_disconnected_and_are_retried() {
    run_limited("connect_failures", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut c = config(v);
            c.connect_timeout = Duration::from_millis(100);
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(c), h.transport(), &mut tx);
            h.with(|s| s.connect_results.push_back(Err(())));
            let r = block_on(client.connect(|_| {}));
            assert_eq!(r, Err(Error::Connect(DisconnectReason::Transport(TransportError::Refused))), "{v}");
            assert!(client.take_transport_error().is_some());
            assert_eq!(client.session().state(), State::WaitingToReconnect);
            // A connect that never completes is cut by the session's connect timeout.
            h.with(|s| s.connect_hangs = true);
            let e = detach(block_on(client.next_event()).unwrap());
            assert_eq!(e, Ev::Disconnected(DisconnectReason::Transport(TransportError::TimedOut)), "{v}");
            assert!(client.take_transport_error().is_none(), "a timeout has no transport error");
            h.with(|s| s.connect_hangs = false);
            let e = detach(block_on(client.next_event()).unwrap());
            assert_eq!(e, Ev::Connected { session_present: false }, "{v}");
        }
    });
}

#[test]
fn keepalive_pings_then_detects_a_silent_broker() {
    run_limited("keepalive", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut c = config(v);
            c.keep_alive = Duration::from_secs(1);
            c.ping_timeout = Some(Duration::from_millis(300));
            c.reconnect = None;
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(c), h.transport(), &mut tx);
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                // First keep-alive: PINGREQ answered; no event.
                while h.sent("PingReq").is_empty() {
                    assert!(poll_once_and_drop(client.next_event()).is_none());
                    embassy_time::Timer::after_millis(50).await;
                }
                h.with(|s| s.silent = true);
                let e = detach(client.next_event().await.unwrap());
                assert_eq!(e, Ev::Disconnected(DisconnectReason::KeepAliveTimeout), "{v}");
                assert!(h.sent("PingReq").len() >= 2, "{v}");
                assert_eq!(client.next_event().await.err(), Some(Error::Disconnected));
            });
            assert_eq!(h.with(|s| s.log.last().cloned()), Some("close".into()));
        }
    });
}

#[test]
fn keepalive_pings_while_a_flood_of_messages_keeps_every_read_ready() {
    // QoS 0 messages need no answer: PINGREQ is all the client sends. Every read finds bytes
    // waiting, so the keep-alive deadline must be handled without waiting for a timer.
    run_limited("flood", LIMIT, || {
        for v in VERSIONS {
            let h = Handle::new();
            let mut c = config(v);
            c.keep_alive = Duration::from_secs(1);
            c.reconnect = None;
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(c), h.transport(), &mut tx);
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                let start = embassy_time::Instant::now();
                let mut received = 0;
                while start.elapsed() < embassy_time::Duration::from_millis(2500) {
                    h.push(Packet::Publish(sansmqtt_proto::Publish::new(
                        sansmqtt_proto::TopicName::new("flood").unwrap(),
                        b"x",
                    )));
                    let e = detach(client.next_event().await.unwrap());
                    assert!(matches!(e, Ev::Message { .. }), "{v}: {e:?}");
                    received += 1;
                }
                assert!(received > 10, "{v}: the flood flowed ({received})");
                assert!(!h.sent("PingReq").is_empty(), "{v}: no PINGREQ during a flood");
            });
        }
    });
}

#[test]
fn local_misuse_is_an_error_not_a_hang() {
    run_limited("misuse", LIMIT, || {
        let h = Handle::new();
        let mut empty: [u8; 0] = [];
        let mut client = Client::new(Session::new(config(ProtocolVersion::V5)), h.transport(), &mut empty);
        assert_eq!(block_on(client.next_event()).err(), Some(Error::EmptyBuffer));
        let mut tx = [0u8; 64];
        let mut client = Client::new(Session::new(config(ProtocolVersion::V5)), h.transport(), &mut tx);
        // Never connected: nothing can happen.
        assert_eq!(block_on(client.next_event()).err(), Some(Error::Disconnected));
        let r = block_on(client.publish(&Outgoing::new("bad/#", b"", QoS::AtMostOnce), |_| {}));
        assert!(matches!(r, Err(Error::Session(_))), "{r:?}");
    });
}

/// Manual acks through `Client::session()`: a refused message's PUBACK carries the reason
/// (5.0), an accepted one's Success, in arrival order; the adapter sends them on its next turn.
#[test]
fn v5_manual_acks_and_refusals_through_the_session() {
    run_limited("embassy_manual_acks", LIMIT, || {
        let h = Handle::new();
        let mut c = config(ProtocolVersion::V5);
        c.ack_mode = sansmqtt_embassy::sansmqtt_session::AckMode::Manual;
        let mut tx = [0u8; 512];
        let mut client = Client::new(Session::new(c), h.transport(), &mut tx);
        block_on(async {
            client.connect(|_| {}).await.expect("connect");
            let sub = [("m/#", SubscriptionOptions::new(QoS::AtLeastOnce))];
            client.subscribe(&sub, |_| {}).await.expect("subscribe");
            let mut tokens = Vec::new();
            for payload in [b"one", b"two"] {
                let mut keep = |e: Event<'_>| {
                    if let Event::Message(m) = e {
                        tokens.push(m.ack_token);
                    }
                };
                client
                    .publish(&Outgoing::new("m/t", payload, QoS::AtLeastOnce), &mut keep)
                    .await
                    .expect("publish");
            }
            while tokens.len() < 2 {
                if let Event::Message(m) = client.next_event().await.expect("event") {
                    tokens.push(m.ack_token);
                }
            }
            assert!(h.sent("PubAck").is_empty(), "nothing acknowledged before the application decides");
            let now = sansmqtt_embassy::now();
            client.session().reject(now, tokens[0].expect("QoS 1"), ReasonCode::NotAuthorized).unwrap();
            client.session().ack(now, tokens[1].expect("QoS 1")).unwrap();
            client.disconnect(|_| {}).await.expect("disconnect");
        });
        let acks = h.sent("PubAck");
        assert_eq!(acks.len(), 2, "{acks:?}");
        assert!(acks[0].contains("NotAuthorized") && acks[1].contains("Success"), "{acks:?}");
    });
}

/// Secrets never printed: the client's `Debug`, with the CONNECT (and its password) written
/// through the transmit buffer, shows neither the password nor its bytes (issue 20).
#[test]
fn client_debug_shows_no_password() {
    const PASSWORD: &str = "S3cretPW-0xDEAD";
    run_limited("secrets", LIMIT, || {
        for v in VERSIONS {
            let mut cfg = config(v);
            cfg.username = Some("alice".into());
            cfg.password = Some(PASSWORD.into());
            let h = Handle::new();
            let mut tx = [0u8; 256];
            let mut client = Client::new(Session::new(cfg), h.transport(), &mut tx);
            let mut shown = vec![format!("{client:?}")];
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                shown.push(format!("{client:?}"));
                shown.push(format!("{client:#?}"));
                client.disconnect(|_| {}).await.expect("disconnect");
            });
            shown.push(format!("{client:?}"));
            assert!(
                h.sent("Connect").iter().any(|c| c.contains("password: Some")),
                "{v}: a password was sent"
            );
            for s in &shown {
                assert!(!s.contains(PASSWORD) && !s.contains("83, 51, 99, 114"), "{v}: {s}");
            }
        }
    });
}
