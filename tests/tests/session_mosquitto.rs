//! The session, driven by a blocking TCP driver, against a real Mosquitto: every scenario for
//! MQTT 3.1.1 and 5.0. Without mosquitto (outside CI) they run against the in-process rumqttd.

use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Config, DisconnectOptions, DisconnectReason, Outgoing};
use sansmqtt_tests::mosquitto::TestBroker;
use sansmqtt_tests::{BlockingClient, Seen};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const T: Duration = Duration::from_secs(10);

fn config(v: ProtocolVersion, id: &str) -> Config {
    let mut c = Config::new(v, id);
    c.keep_alive = Duration::from_secs(5);
    c
}

fn connected(seen: &[Seen]) -> bool {
    seen.iter().any(|s| matches!(s, Seen::Connected { .. }))
}

fn count(seen: &[Seen], which: impl Fn(&Seen) -> bool) -> usize {
    seen.iter().filter(|s| which(s)).count()
}

#[test]
fn publish_subscribe_roundtrip_qos_0_1_2() {
    let broker = TestBroker::start("roundtrip", "");
    // rumqttd 0.20 gives its topic aliases per subscription filter, not per topic: with a
    // wildcard, a message on another topic would arrive under the first one's alias.
    let no_aliases = broker.skips("incoming topic aliases (rumqttd aliases per filter, not per topic)");
    for v in VERSIONS {
        let mut cfg = config(v, &format!("rt-{}", v.level()));
        if no_aliases {
            cfg.topic_alias_maximum = 0;
        }
        let mut c = BlockingClient::connect(broker.addr(v), cfg);
        assert!(c.run_until(T, connected), "{v}: no CONNACK");
        let now = c.now();
        c.session.subscribe(now, &[("rt/#", SubscriptionOptions::new(QoS::ExactlyOnce))]).unwrap();
        assert!(c.run_until(T, |s| count(s, |e| matches!(e, Seen::Subscribed(_))) == 1), "{v}: no SUBACK");
        for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce].into_iter().enumerate() {
            let now = c.now();
            let payload = format!("message {i}");
            c.session.publish(now, &Outgoing::new(&format!("rt/{i}"), payload.as_bytes(), qos)).unwrap();
        }
        assert!(
            c.run_until(T, |s| count(s, |e| matches!(e, Seen::Published(_))) == 3
                && s.iter().filter(|x| matches!(x, Seen::Message { .. })).count() == 3),
            "{v}: {:?}",
            c.seen
        );
        let mut got = c.messages();
        got.sort();
        broker.assert_delivered(
            &got,
            &[
                ("rt/0".to_string(), b"message 0".to_vec(), QoS::AtMostOnce),
                ("rt/1".to_string(), b"message 1".to_vec(), QoS::AtLeastOnce),
                ("rt/2".to_string(), b"message 2".to_vec(), QoS::ExactlyOnce),
            ],
            &v.to_string(),
        );
        let now = c.now();
        c.session.disconnect(now, &DisconnectOptions::default()).unwrap();
        assert!(
            c.run_until(T, |s| count(s, |e| *e == Seen::Disconnected(DisconnectReason::ByClient)) == 1),
            "{v}"
        );
    }
}

#[test]
fn retained_message_is_delivered_to_a_later_subscriber() {
    let broker = TestBroker::start("retained", "");
    for v in VERSIONS {
        let topic = format!("retained/{}", v.level());
        let mut a = BlockingClient::connect(broker.addr(v), config(v, "ret-pub"));
        assert!(a.run_until(T, connected));
        let now = a.now();
        a.session.publish(now, &Outgoing::new(&topic, b"kept", QoS::AtLeastOnce).retain(true)).unwrap();
        assert!(a.run_until(T, |s| count(s, |e| matches!(e, Seen::Published(_))) == 1));
        let mut b = BlockingClient::connect(broker.addr(v), config(v, "ret-sub"));
        assert!(b.run_until(T, connected));
        let now = b.now();
        b.session.subscribe(now, &[(&topic, SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        assert!(
            b.run_until(T, |s| s.iter().any(|x| matches!(x, Seen::Message { retain: true, .. }))),
            "{v}: {:?}",
            b.seen
        );
    }
}

#[test]
fn persistent_session_receives_messages_published_while_offline() {
    let broker = TestBroker::start("persistent", "");
    for v in VERSIONS {
        let topic = format!("offline/{}", v.level());
        let id = format!("persist-{}", v.level());
        let mut cfg = config(v, &id);
        cfg.clean_start = false;
        cfg.session_expiry_interval = 300;
        cfg.reconnect = None;
        let mut sub = BlockingClient::connect(broker.addr(v), cfg.clone());
        assert!(sub.run_until(T, connected));
        let now = sub.now();
        sub.session.subscribe(now, &[(&topic, SubscriptionOptions::new(QoS::ExactlyOnce))]).unwrap();
        assert!(sub.run_until(T, |s| count(s, |e| matches!(e, Seen::Subscribed(_))) == 1));
        let now = sub.now();
        sub.session.disconnect(now, &DisconnectOptions::default()).unwrap();
        assert!(sub.run_until(T, |s| count(s, |e| matches!(e, Seen::Disconnected(_))) == 1));

        let mut publ = BlockingClient::connect(broker.addr(v), config(v, "offline-pub"));
        assert!(publ.run_until(T, connected));
        for (i, qos) in [QoS::AtLeastOnce, QoS::ExactlyOnce].into_iter().enumerate() {
            let now = publ.now();
            publ.session.publish(now, &Outgoing::new(&topic, format!("m{i}").as_bytes(), qos)).unwrap();
        }
        assert!(publ.run_until(T, |s| count(s, |e| matches!(e, Seen::Published(_))) == 2));

        // A new client taking up the stored session (5.0 [MQTT-3.2.2-4] needs the opt-in).
        cfg.resume_stored_session = true;
        let mut again = BlockingClient::connect(broker.addr(v), cfg);
        assert!(
            again.run_until(T, |s| s.contains(&Seen::Connected { session_present: true })),
            "{v}: {:?}",
            again.seen
        );
        again.run_until(T, |s| s.iter().filter(|x| matches!(x, Seen::Message { .. })).count() >= 2);
        let got: Vec<Vec<u8>> = again.messages().into_iter().map(|m| m.1).collect();
        assert_eq!(got, vec![b"m0".to_vec(), b"m1".to_vec()], "{v}");
    }
}

#[test]
fn will_is_published_after_abnormal_disconnect_only() {
    let broker = TestBroker::start("will", "");
    for v in VERSIONS {
        let topic = format!("will/{}", v.level());
        let mut watcher = BlockingClient::connect(broker.addr(v), config(v, "will-watcher"));
        assert!(watcher.run_until(T, connected));
        let now = watcher.now();
        watcher.session.subscribe(now, &[(&topic, SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        assert!(watcher.run_until(T, |s| count(s, |e| matches!(e, Seen::Subscribed(_))) == 1));

        let with_will = |id: &str| {
            let mut c = config(v, id);
            c.reconnect = None;
            c.will = Some(sansmqtt_session::WillConfig::new(
                topic.clone(),
                id.as_bytes().to_vec(),
                QoS::AtLeastOnce,
            ));
            c
        };
        // Clean disconnect: no will.
        let mut clean = BlockingClient::connect(broker.addr(v), with_will("clean"));
        assert!(clean.run_until(T, connected));
        let now = clean.now();
        clean.session.disconnect(now, &DisconnectOptions::default()).unwrap();
        assert!(clean.run_until(T, |s| count(s, |e| matches!(e, Seen::Disconnected(_))) == 1));
        // Abnormal disconnect: the will is published.
        let mut dies = BlockingClient::connect(broker.addr(v), with_will("dies"));
        assert!(dies.run_until(T, connected));
        dies.kill_connection();
        assert!(
            watcher.run_until(T, |s| s.iter().any(|x| matches!(x, Seen::Message { .. }))),
            "{v}: no will"
        );
        watcher.run_until(Duration::from_millis(300), |_| false);
        let wills: Vec<Vec<u8>> = watcher.messages().into_iter().map(|m| m.1).collect();
        assert_eq!(wills, vec![b"dies".to_vec()], "{v}");
    }
}
