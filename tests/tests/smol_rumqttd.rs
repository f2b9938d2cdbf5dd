//! The smol client against the in-process rumqttd (the broker every machine has): connect,
//! QoS 0/1 round trips, handlers, unsubscribe and disconnect, for 3.1.1 and 5.0; a payload
//! larger than every buffer.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, DisconnectReason, Event, Outgoing};
use sansmqtt_tests::rumqttd;
use sansmqtt_tests::smol::{expect, options, run};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn roundtrip_qos0_qos1_and_events_against_rumqttd() {
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let addr = rumqttd::start(v);
        run(LIMIT, async {
            let mut opts = options(addr, v, &format!("rumq-rt-{}", v.level()));
            // rumqttd 0.20 assigns topic aliases per subscription filter, not per topic: it
            // sends "rumq/1" as the alias it set for "rumq/0" (seen on the wire). The client
            // resolves aliases as the spec says, so announce none to this broker.
            opts.config_mut().topic_alias_maximum = 0;
            let client = Client::new(opts);
            let mut events = client.events();
            assert!(!client.connect().await.unwrap());
            client.subscribe("rumq/#", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
            for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce].into_iter().enumerate() {
                client
                    .publish(&format!("rumq/{i}"), format!("m{i}"), qos, false)
                    .await
                    .unwrap()
                    .wait()
                    .await
                    .unwrap();
            }
            let mut got = Vec::new();
            for _ in 0..2 {
                let Event::Message(m) =
                    expect(&mut events, "message", |e| matches!(e, Event::Message(_))).await
                else {
                    unreachable!()
                };
                got.push((m.topic.clone(), m.payload.clone()));
            }
            got.sort();
            assert_eq!(
                got,
                vec![("rumq/0".into(), b"m0".to_vec()), ("rumq/1".into(), b"m1".to_vec())],
                "{v}"
            );
            client.unsubscribe(&["rumq/#"]).unwrap().wait().await.unwrap();
            client.disconnect().await.unwrap();
            let e = expect(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected(_))).await;
            assert_eq!(e, Event::Disconnected(DisconnectReason::ByClient));
        });
    }
}

#[test]
fn handlers_fire_in_order_for_the_guide_flow_against_rumqttd() {
    let v = ProtocolVersion::V5;
    let addr = rumqttd::start(v);
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let l = |log: &Arc<Mutex<Vec<String>>>| log.clone();
    let (l1, l2, l3, l4, l5, l6, l7) = (l(&log), l(&log), l(&log), l(&log), l(&log), l(&log), l(&log));
    let options = options(addr, v, "rumq-handlers")
        .on_connect(move |c, _| {
            l1.lock().unwrap().push("connect".into());
            let _ = c.subscribe("guide/#", QoS::AtLeastOnce);
        })
        .on_subscribe(move |c, _, _| {
            l2.lock().unwrap().push("subscribe".into());
            let _ = c.try_publish(&Outgoing::new("guide/special", b"routed", QoS::AtLeastOnce));
            let _ = c.try_publish(&Outgoing::new("guide/x", b"Hello Broker!", QoS::AtLeastOnce));
        })
        .on_publish(move |_, _, outcome| l3.lock().unwrap().push(format!("publish {outcome:?}")))
        .on_topic("guide/special", move |_, m| l4.lock().unwrap().push(format!("topic {}", m.payload_str())))
        .unwrap()
        .on_message(move |c, m| {
            l5.lock().unwrap().push(format!("message {}", m.payload_str()));
            let _ = c.unsubscribe(&["guide/#"]);
        })
        .on_unsubscribe(move |c, _, _| {
            l6.lock().unwrap().push("unsubscribe".into());
            let _ = c.try_disconnect(&Default::default());
        })
        .on_disconnect(move |_, r| l7.lock().unwrap().push(format!("disconnect {r}")));
    run(LIMIT, async {
        let client = Client::new(options);
        let mut events = client.events();
        client.connect().await.unwrap();
        expect(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected(_))).await;
    });
    let log = log.lock().unwrap().clone();
    let pos =
        |needle: &str| log.iter().position(|x| x == needle).unwrap_or_else(|| panic!("{needle} in {log:?}"));
    assert!(pos("connect") < pos("subscribe"), "{log:?}");
    assert!(pos("subscribe") < pos("topic routed"), "{log:?}");
    assert!(pos("subscribe") < pos("message Hello Broker!"), "{log:?}");
    assert!(pos("message Hello Broker!") < pos("unsubscribe"), "{log:?}");
    assert_eq!(log.last().map(String::as_str), Some("disconnect disconnected by client"), "{log:?}");
    assert_eq!(log.iter().filter(|x| x.starts_with("publish Ok")).count(), 2, "{log:?}");
    assert!(!log.contains(&"message routed".to_string()), "a routed message skips on_message: {log:?}");
}

#[test]
fn a_payload_larger_than_every_buffer_makes_the_round_trip_intact() {
    // 300 kB: many times the driver's 16 KiB read and write buffers and the session's
    // 64 KiB transmit batch, so both directions go through many partial reads and writes.
    let v = ProtocolVersion::V3_1_1;
    let addr = rumqttd::start(v);
    run(LIMIT, async {
        let client = Client::new(options(addr, v, "rumq-big"));
        let mut events = client.events();
        client.connect().await.unwrap();
        client.subscribe("big/1", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
        let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for _ in 0..2 {
            client.publish("big/1", &payload, QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
            let Event::Message(m) =
                expect(&mut events, "the large message", |e| matches!(e, Event::Message(_))).await
            else {
                unreachable!()
            };
            assert_eq!((m.topic.as_str(), m.payload.len()), ("big/1", payload.len()));
            assert!(m.payload == payload, "the payload came back altered");
        }
        client.disconnect().await.unwrap();
    });
}

#[test]
fn a_publisher_faster_than_the_queue_waits_for_room_and_loses_nothing() {
    // A queue of 8 behind a window of 4: the publisher is held back hundreds of times and
    // woken each time the queue has drained to half; every message comes back, in order.
    let v = ProtocolVersion::V3_1_1;
    let addr = rumqttd::start(v);
    run(LIMIT, async {
        let mut opts = options(addr, v, "rumq-backpressure");
        opts.config_mut().max_queued_messages = 8;
        opts.config_mut().max_inflight = 4;
        let client = Client::new(opts);
        let mut events = client.events();
        client.connect().await.unwrap();
        client.subscribe("bp/1", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
        const N: u32 = 2000;
        let send = async {
            for i in 0..N {
                // The token is dropped: no completion wakes the publisher, only queue room.
                let _ = client.publish("bp/1", i.to_be_bytes(), QoS::AtLeastOnce, false).await.unwrap();
            }
        };
        let mut next = 0u32;
        let receive = async {
            while next < N {
                let Event::Message(m) =
                    expect(&mut events, "message", |e| matches!(e, Event::Message(_))).await
                else {
                    unreachable!()
                };
                assert_eq!(m.payload, next.to_be_bytes(), "in order, none lost");
                next += 1;
            }
        };
        futures_lite::future::zip(send, receive).await;
        assert_eq!(client.queued(), 0);
        client.disconnect().await.unwrap();
    });
}

#[test]
fn a_topic_handler_added_while_running_to_a_client_without_handlers_fires() {
    // The driver makes its handler set only when the first handler arrives: a client built
    // with none gets one at run time, and removing it stops the calls.
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let addr = rumqttd::start(v);
        run(LIMIT, async {
            let client = Client::new(options(addr, v, &format!("rumq-late-{}", v.level())));
            let mut events = client.events();
            let (tx, rx) = smol::channel::unbounded::<String>();
            client.connect().await.unwrap();
            client
                .add_topic_handler("late/+", move |_, m| {
                    let _ = tx.try_send(m.payload_str().into_owned());
                })
                .unwrap();
            client.subscribe("late/#", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
            client.publish("late/1", b"one", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
            assert_eq!(rx.recv().await.unwrap(), "one", "{v}");
            client.remove_topic_handler("late/+");
            client.publish("late/2", b"two", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
            // The stream sees both messages; the removed handler saw only the first.
            for want in ["one", "two"] {
                let Event::Message(m) = expect(&mut events, want, |e| matches!(e, Event::Message(_))).await
                else {
                    unreachable!()
                };
                assert_eq!(m.payload_str(), want, "{v}");
            }
            assert!(rx.try_recv().is_err(), "{v}: the removed handler was called");
            client.disconnect().await.unwrap();
        });
    }
}
