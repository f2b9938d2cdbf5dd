//! `Client::publish_stream` when things go wrong, through Mosquitto, 3.1.1 and 5.0:
//! - the link breaks in the middle of a QoS 1 / 2 payload (the proxy cuts it when 1 MiB of the
//!   source is read): after the reconnect, which resumes the session, the source is opened
//!   again and the message arrives exactly once, complete and byte-exact;
//! - a source that ends early or yields more than announced (QoS 0, 1 and 2): the publish fails
//!   with the typed error, the subscriber receives nothing for it (not even the start of a
//!   streamed message: the packet was never completed), it is not sent again after the
//!   reconnect, and the same client then publishes, streamed and not;
//! - a source that cannot be opened: the error at once, nothing started;
//! - the broker restarts (without persistence) in the middle of a QoS 1 / 2 payload: in 5.0
//!   the reconnect finds the session lost, the publish fails with `Error::SessionLost` and the
//!   source is not opened again; in 3.1.1 a Clean Session 0 client resends whatever Session
//!   Present says [MQTT-4.4.0-1], so the source is opened again and the publish completes;
//!   either way the client publishes on.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, DisconnectReason, Error, Event, Outgoing, PayloadError};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::payload::{Generated, Received, expected_hash, receive};
use sansmqtt_tests::proxy::Proxy;
use sansmqtt_tests::smol::{EVENT_TIMEOUT, expect, options, run};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const BUFFER: u32 = 4096;

/// A subscriber to `topic` with a 4 KiB receive buffer, and its event stream.
async fn subscriber(
    addr: std::net::SocketAddr,
    v: ProtocolVersion,
    name: &str,
    topic: &str,
) -> (Client, sansmqtt_smol::Events) {
    let mut o = options(addr, v, &format!("{name}-sub")).receive_buffer_size(BUFFER).event_capacity(8);
    o.config_mut().max_packet_size = 16 << 20;
    let sub = Client::new(o);
    let events = sub.events();
    sub.connect().await.expect("subscriber connects");
    sub.subscribe(topic, QoS::ExactlyOnce).expect("subscribe").wait().await.expect("suback");
    (sub, events)
}

#[test]
fn a_link_broken_in_the_middle_of_the_payload_reopens_the_source_and_the_message_arrives_once() {
    const LEN: usize = 4 << 20;
    let Some(broker) = Mosquitto::start("pubstream-cut", "") else { return };
    let expected = expected_hash(LEN);
    for v in VERSIONS {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let name = format!("pubstream-cut-{}-{}", v.level(), qos as u8);
            let topic = format!("{name}/x");
            let proxy = Arc::new(Proxy::start(broker.addr));
            run(Duration::from_secs(60), async {
                let (sub, mut events) = subscriber(broker.addr, v, &name, &topic).await;
                let publisher = Client::new(
                    options(proxy.addr, v, &format!("{name}-pub")).clean_start(false).session_expiry(300),
                );
                publisher.connect().await.expect("publisher connects");
                let opened = Arc::new(AtomicUsize::new(0));
                let open = {
                    let (opened, proxy) = (opened.clone(), proxy.clone());
                    move || {
                        let first = opened.fetch_add(1, Ordering::SeqCst) == 0;
                        let proxy = proxy.clone();
                        let mut cut = false;
                        async move {
                            Ok(Generated::new(LEN).on_read(move |at| {
                                // The first time only, once 1 MiB is read: the link breaks.
                                if first && !cut && at >= 1 << 20 {
                                    cut = true;
                                    proxy.cut();
                                }
                            }))
                        }
                    }
                };
                let token = publisher
                    .publish_stream(&Outgoing::new(&topic, b"", qos), LEN, open)
                    .await
                    .expect("publish_stream");
                token.wait().await.expect("completed after the reconnect");
                assert_eq!(opened.load(Ordering::SeqCst), 2, "{name}: opened again for the resend");
                let got = receive(&mut events, EVENT_TIMEOUT, || {}).await.expect("the message");
                assert_eq!(
                    (got.topic.as_str(), got.len, got.hash),
                    (topic.as_str(), LEN, expected),
                    "{name}"
                );
                assert!(got.chunks > 1, "{name}: streamed in");
                assert_eq!(
                    receive(&mut events, Duration::from_millis(500), || {}).await,
                    None,
                    "{name}: the message arrived once"
                );
                publisher.disconnect().await.expect("publisher disconnects");
                sub.disconnect().await.expect("subscriber disconnects");
            });
        }
    }
}

#[test]
fn a_source_that_ends_early_or_has_more_fails_typed_and_the_broker_sees_no_message() {
    const LEN: usize = 256 << 10;
    let Some(broker) = Mosquitto::start("pubstream-wrong-len", "") else { return };
    for v in VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            for (what, actual) in [("short", LEN - 1000), ("long", LEN + 1)] {
                let name = format!("pubstream-{what}-{}-{}", v.level(), qos as u8);
                let topic = format!("{name}/x");
                run(Duration::from_secs(60), async {
                    let (sub, mut events) = subscriber(broker.addr, v, &name, &topic).await;
                    let publisher = Client::new(
                        options(broker.addr, v, &format!("{name}-pub"))
                            .clean_start(false)
                            .session_expiry(300),
                    );
                    let mut publisher_events = publisher.events();
                    publisher.connect().await.expect("publisher connects");
                    let msg = Outgoing::new(&topic, b"", qos);
                    let token = publisher
                        .publish_stream(&msg, LEN, move || async move { Ok(Generated::new(actual)) })
                        .await
                        .expect("started");
                    match (what, token.wait().await) {
                        ("short", Err(Error::Payload(PayloadError::TooShort { expected, read }))) => {
                            assert_eq!((expected, read), (LEN, actual), "{name}");
                        }
                        ("long", Err(Error::Payload(PayloadError::TooLong { expected }))) => {
                            assert_eq!(expected, LEN, "{name}");
                        }
                        (_, other) => panic!("{name}: {other:?}"),
                    }
                    // The session ended the connection for the abort, not the transport.
                    let ended = expect(&mut publisher_events, "Disconnected", |e| {
                        matches!(e, Event::Disconnected(_))
                    })
                    .await;
                    assert!(
                        matches!(ended, Event::Disconnected(DisconnectReason::PayloadAborted)),
                        "{name}: {ended:?}"
                    );
                    // The client reconnects (resuming its session) and works on: a message and
                    // a streamed payload of the right length.
                    let marker = publisher
                        .publish(&topic, "after", qos, false)
                        .await
                        .expect("publish after the failure");
                    let good = publisher
                        .publish_stream(&msg, LEN, move || async move { Ok(Generated::new(LEN)) })
                        .await
                        .expect("publish_stream after the failure");
                    marker.wait().await.expect("marker completed");
                    good.wait().await.expect("streamed publish completed");
                    // The subscriber's first message is the marker: nothing of the failed one.
                    let first = receive(&mut events, EVENT_TIMEOUT, || {}).await.expect("the marker");
                    assert_eq!(
                        (first.topic.as_str(), first.len, first.chunks),
                        (topic.as_str(), 5, 0),
                        "{name}: the first message is the marker: {first:?}"
                    );
                    let second = receive(&mut events, EVENT_TIMEOUT, || {}).await.expect("the good payload");
                    assert_eq!(
                        (second.len, second.hash),
                        (LEN, expected_hash(LEN)),
                        "{name}: the streamed publish after the failure"
                    );
                    let rest: Option<Received> =
                        receive(&mut events, Duration::from_millis(500), || {}).await;
                    assert_eq!(rest, None, "{name}: the failed publish is not sent again");
                    assert!(publisher.last_disconnect().is_some(), "{name}: the connection was closed");
                    publisher.disconnect().await.expect("publisher disconnects");
                    sub.disconnect().await.expect("subscriber disconnects");
                });
            }
        }
    }
}

#[test]
fn a_source_that_cannot_be_opened_fails_at_once() {
    let Some(broker) = Mosquitto::start("pubstream-open", "") else { return };
    for v in VERSIONS {
        run(Duration::from_secs(20), async {
            let publisher = Client::new(options(broker.addr, v, &format!("pubstream-open-{}", v.level())));
            publisher.connect().await.expect("connects");
            let open = || async { Err::<Generated, _>(std::io::Error::from(std::io::ErrorKind::NotFound)) };
            match publisher.publish_stream(&Outgoing::new("t", b"", QoS::AtLeastOnce), 10, open).await {
                Err(Error::Payload(PayloadError::Io(e))) => {
                    assert_eq!(e.kind(), std::io::ErrorKind::NotFound)
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(publisher.inflight(), 0, "nothing started");
            assert!(publisher.is_connected(), "the connection is untouched");
            publisher.disconnect().await.expect("disconnects");
        });
    }
}

#[test]
fn a_payload_whose_session_the_broker_lost_fails_in_5_and_is_resent_in_3_1_1() {
    const LEN: usize = 4 << 20;
    for v in VERSIONS {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let name = format!("pubstream-lost-{}-{}", v.level(), qos as u8);
            // No persistence: a restarted broker has forgotten every session.
            let Some(broker) = Mosquitto::start(&name, "") else { return };
            let addr = broker.addr;
            let broker = Arc::new(std::sync::Mutex::new(broker));
            run(Duration::from_secs(60), async {
                let publisher = Client::new(
                    options(addr, v, &format!("{name}-pub")).clean_start(false).session_expiry(300),
                );
                publisher.connect().await.expect("publisher connects");
                let opened = Arc::new(AtomicUsize::new(0));
                let open = {
                    let (opened, broker) = (opened.clone(), broker.clone());
                    move || {
                        let first = opened.fetch_add(1, Ordering::SeqCst) == 0;
                        let broker = broker.clone();
                        let mut restarted = false;
                        async move {
                            Ok(Generated::new(LEN).on_read(move |at| {
                                // Once 1 MiB is read, the broker restarts under the publish (on
                                // the driver's thread: nothing is written meanwhile).
                                if first && !restarted && at >= 1 << 20 {
                                    restarted = true;
                                    broker.lock().unwrap().restart();
                                }
                            }))
                        }
                    }
                };
                let msg = Outgoing::new("lost/x", b"", qos);
                let token = publisher.publish_stream(&msg, LEN, open).await.expect("publish_stream");
                match (v, token.wait().await) {
                    (ProtocolVersion::V5, Err(Error::SessionLost)) => {
                        assert_eq!(
                            opened.load(Ordering::SeqCst),
                            1,
                            "{name}: the source is not opened again"
                        );
                    }
                    (ProtocolVersion::V3_1_1, Ok(_)) => {
                        assert_eq!(opened.load(Ordering::SeqCst), 2, "{name}: opened again for the resend");
                    }
                    (_, other) => panic!("{name}: {other:?}"),
                }
                assert_eq!(publisher.inflight(), 0, "{name}");
                // The client works on.
                let again = publisher
                    .publish_stream(&msg, LEN, || async { Ok(Generated::new(LEN)) })
                    .await
                    .expect("publish_stream on the new session");
                again.wait().await.expect("completed");
                publisher.disconnect().await.expect("disconnects");
            });
        }
    }
}
