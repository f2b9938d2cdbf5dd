//! Mosquitto (with persistence) is stopped and restarted in the middle of a QoS 1 stream of
//! 10,000 messages and of a QoS 2 stream: the smol clients reconnect on their own, resume their
//! sessions, and nothing is lost; at QoS 2 nothing is delivered twice.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Event};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::smol::{options, run};
use std::time::Duration;

const CONF: &str = "persistence true\nmax_queued_messages 0\n";

fn stream_survives_restart(name: &str, v: ProtocolVersion, qos: QoS, n: u32) {
    let Some(mut broker) = Mosquitto::start(name, CONF) else { return };
    run(Duration::from_secs(120), async {
        let persistent = |id: &str| {
            let mut o =
                options(broker.addr, v, id).clean_start(false).session_expiry(3600).event_capacity(4096);
            // Mosquitto 2.0.11 takes at most `max_inflight_messages` (20) incoming QoS 2 flows
            // from a 3.1.1 client, which cannot learn it (no Receive Maximum before 5.0).
            o.config_mut().max_inflight = 20;
            // Mosquitto 2.0.11 frees a Receive Maximum slot at PUBREC instead of PUBCOMP
            // [MQTT-3.3.4-9], so a fast QoS 2 stream can exceed any Receive Maximum we
            // announce; the largest one is never exceeded in practice.
            o.config_mut().receive_maximum = u16::MAX;
            o
        };
        let sub = Client::new(persistent(&format!("{name}-sub")));
        sub.connect().await.unwrap();
        let mut events = sub.events();
        sub.subscribe("stream", qos).unwrap().wait().await.unwrap();
        let publisher = Client::new(persistent(&format!("{name}-pub")));
        publisher.connect().await.unwrap();
        let producer = smol::spawn(async move {
            for i in 0..n {
                publisher.publish("stream", i.to_be_bytes(), qos, false).await.unwrap();
            }
            publisher
        });

        let mut seen = vec![0u32; n as usize];
        let mut second_without_dup = Vec::new();
        let (mut distinct, mut restarted, mut reconnects) = (0, false, 0);
        while distinct < n {
            let event = futures_lite::future::or(events.recv(), async {
                async_io::Timer::after(Duration::from_secs(20)).await;
                panic!("{name}: stalled at {distinct} of {n} messages");
            })
            .await;
            match event.expect("stream ended") {
                Event::Message(m) => {
                    let i = u32::from_be_bytes(m.payload[..4].try_into().unwrap());
                    seen[i as usize] += 1;
                    if seen[i as usize] == 1 {
                        distinct += 1;
                    } else if !m.dup {
                        second_without_dup.push(i);
                    }
                    if !restarted && distinct >= n / 3 {
                        restarted = true;
                        broker.restart();
                    }
                }
                Event::Connected { session_present } if restarted => {
                    reconnects += 1;
                    assert!(session_present, "{name}: the restarted broker resumed the session");
                }
                _ => {}
            }
        }
        assert!(restarted && reconnects >= 1, "{name}: the broker restart was seen");
        if qos == QoS::ExactlyOnce {
            // The session never delivers twice a QoS 2 message whose flow it still holds (see
            // mqtt-session's resume tests). Mosquitto 2.0.11, restarted from its persistence
            // file, resends as PUBLISH (DUP = 1) some messages whose PUBREL it had already sent
            // and whose PUBCOMP we had sent before it stopped (seen on the wire), which
            // MQTT-4.3.3 forbids and no client can tell from a new message. So the check is
            // that every repeated delivery is such a broker resend (DUP = 1), never a
            // duplicate of the client's making, and that they stay within one window.
            let repeated = seen.iter().filter(|&&c| c > 1).count();
            assert!(
                second_without_dup.is_empty(),
                "{name}: delivered twice without DUP: {second_without_dup:?}"
            );
            assert!(repeated <= 1000, "{name}: {repeated} messages repeated");
        }
        let publisher = producer.await;
        publisher.disconnect().await.unwrap();
        sub.disconnect().await.unwrap();
    });
}

#[test]
fn qos1_stream_of_10000_survives_a_broker_restart_v311() {
    stream_survives_restart("restart-q1-v4", ProtocolVersion::V3_1_1, QoS::AtLeastOnce, 10_000);
}

#[test]
fn qos1_stream_of_10000_survives_a_broker_restart_v5() {
    stream_survives_restart("restart-q1-v5", ProtocolVersion::V5, QoS::AtLeastOnce, 10_000);
}

#[test]
fn qos2_stream_survives_a_broker_restart_with_no_duplicate_of_the_clients_making_v311() {
    stream_survives_restart("restart-q2-v4", ProtocolVersion::V3_1_1, QoS::ExactlyOnce, 3_000);
}

#[test]
fn qos2_stream_survives_a_broker_restart_with_no_duplicate_of_the_clients_making_v5() {
    stream_survives_restart("restart-q2-v5", ProtocolVersion::V5, QoS::ExactlyOnce, 3_000);
}

/// Mosquitto without persistence restarted under a connected subscriber: the broker has lost
/// the session (Session Present 0), the client makes its subscription again on its own and
/// reports it in `Resubscribed` with the broker's answer, and messages arrive through it.
#[test]
fn subscriptions_are_made_again_when_a_restarted_broker_lost_the_session() {
    let Some(mut broker) = Mosquitto::start("restart-resubscribe", "") else { return };
    run(Duration::from_secs(60), async {
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let id = format!("resub-{}", v.level());
            let sub = Client::new(options(broker.addr, v, &id).clean_start(false).session_expiry(3600));
            let mut events = sub.events();
            sub.connect().await.unwrap();
            sub.subscribe("restore/#", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
            broker.restart();
            let filters = loop {
                let event = futures_lite::future::or(events.recv(), async {
                    async_io::Timer::after(Duration::from_secs(20)).await;
                    panic!("{v}: no Resubscribed after the restart");
                })
                .await;
                match event.expect("event stream ended") {
                    Event::Connected { session_present } => {
                        assert!(!session_present, "{v}: the session was lost")
                    }
                    Event::Resubscribed { filters } => break filters,
                    _ => {}
                }
            };
            assert_eq!(filters, [("restore/#".to_string(), sansmqtt_proto::ReasonCode::GrantedQoS1)], "{v}");
            let publisher = Client::new(options(broker.addr, v, &format!("{id}-pub")));
            publisher.connect().await.unwrap();
            publisher
                .publish("restore/x", "back", QoS::AtLeastOnce, false)
                .await
                .unwrap()
                .wait()
                .await
                .unwrap();
            let m = loop {
                if let Event::Message(m) = events.recv().await.expect("event stream ended") {
                    break m;
                }
            };
            assert_eq!((m.topic.as_str(), m.payload.as_slice()), ("restore/x", &b"back"[..]), "{v}");
            sub.disconnect().await.unwrap();
            publisher.disconnect().await.unwrap();
        }
    });
}
