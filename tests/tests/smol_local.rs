//! `sansmqtt_smol::block_on` against Mosquitto: the application and the driver as one future
//! on the calling thread. A round trip through the broker works, the application's
//! output comes back, and when the application ends without calling `disconnect` the driver
//! still disconnects cleanly (the broker does not publish the will) before `block_on` returns.
//! 3.1.1 and 5.0.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Event, WillConfig};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::smol::{expect, options};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

#[test]
fn the_application_and_the_driver_share_the_thread_and_end_cleanly() {
    let Some(broker) = Mosquitto::start("local-block-on", "") else { return };
    for v in VERSIONS {
        // A watcher on the will topic, on its own driver (smol's global executor).
        let watcher = Client::new(options(broker.addr, v, &format!("local-watch-{}", v.level())));
        let mut seen = watcher.events();
        smol::block_on(async {
            watcher.connect().await.unwrap();
            watcher.subscribe("local/will", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
        });

        let id = format!("local-app-{}", v.level());
        let app_options = options(broker.addr, v, &id).will(WillConfig::new(
            "local/will",
            b"gone".to_vec(),
            QoS::AtLeastOnce,
        ));
        let back = sansmqtt_smol::block_on(app_options, |client| async move {
            let mut events = client.events();
            client.connect().await.unwrap();
            client.subscribe("local/echo", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
            let mut payloads = Vec::new();
            for i in 0..20u8 {
                client
                    .publish("local/echo", [i], QoS::AtLeastOnce, false)
                    .await
                    .unwrap()
                    .wait()
                    .await
                    .unwrap();
                match expect(&mut events, "the message back", |e| matches!(e, Event::Message(_))).await {
                    Event::Message(m) => payloads.push(m.payload[0]),
                    other => panic!("{v}: {other:?}"),
                }
            }
            // No `disconnect`: the client handles are dropped here.
            payloads
        });
        assert_eq!(back, (0..20).collect::<Vec<u8>>(), "{v}: every round trip came back, in order");

        // The driver disconnected cleanly: no will. The will would come at once after an
        // unclean end (no Will Delay).
        let will = smol::block_on(futures_lite::future::or(
            async {
                loop {
                    if let Some(Event::Message(m)) = seen.recv().await {
                        return Some(m.topic.clone());
                    }
                }
            },
            async {
                async_io::Timer::after(Duration::from_millis(700)).await;
                None
            },
        ));
        assert_eq!(will, None, "{v}: the will was published: the driver did not disconnect cleanly");
        smol::block_on(watcher.disconnect()).unwrap();
    }
}
