//! The benchmark's sansmqtt-smol client, a binary of its own (linking neither rumqttc nor
//! tokio), run by `benches/roundtrip.rs`: `QOS N PORT`. The driver and the application share
//! the calling thread, as rumqttc's current-thread runtime does.

#[path = "child.rs"]
mod child;

use child::{PATIENCE, PAYLOAD, TOPIC, WINDOW};
use sansmqtt_smol::{Client, Options, Outgoing, ProtocolVersion, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn main() {
    let (qos, n, port) = child::args();
    child::measure(n, || run(qos, n, port));
}

fn run(qos: u8, n: u64, port: u16) {
    let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(qos)];
    let received = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = smol::channel::bounded::<()>(1);
    let r = received.clone();
    let mut options = Options::new(&format!("mqtt://127.0.0.1:{port}"))
        .unwrap()
        .version(ProtocolVersion::V3_1_1)
        .client_id("bench-sansmqtt")
        .on_message(move |_, _| {
            if r.fetch_add(1, Ordering::Relaxed) + 1 == n {
                let _ = done_tx.try_send(());
            }
        });
    let config = options.config_mut();
    config.max_inflight = WINDOW;
    config.receive_maximum = WINDOW;
    config.max_queued_messages = usize::from(WINDOW);
    let (client, driver) = Client::with_driver(options);
    smol::block_on(futures_lite::future::or(
        async {
            driver.run().await;
            panic!("driver stopped");
        },
        async {
            client.connect().await.unwrap();
            client.subscribe(TOPIC, qos).unwrap().wait().await.unwrap();
            let msg = Outgoing::new(TOPIC, &PAYLOAD, qos);
            for _ in 0..n {
                let _ = client.publish_message(&msg).await.unwrap();
            }
            futures_lite::future::or(async { done_rx.recv().await.unwrap() }, async {
                async_io::Timer::after(PATIENCE).await;
                panic!("only {} of {n} messages came back", received.load(Ordering::Relaxed));
            })
            .await;
            client.disconnect().await.unwrap();
        },
    ));
}
