//! The benchmark's rumqttc client, a binary of its own (linking neither sansmqtt nor smol),
//! run by `benches/roundtrip.rs`: `QOS N PORT`. One current-thread tokio runtime; a task
//! publishes through rumqttc's request channel while the event loop is polled.

#[path = "child.rs"]
mod child;

use child::{PATIENCE, PAYLOAD, TOPIC, WINDOW};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::time::Duration;

fn main() {
    let (qos, n, port) = child::args();
    child::measure(n, || run(qos, n, port));
}

fn run(qos: u8, n: u64, port: u16) {
    let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(qos)];
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut options = MqttOptions::new("bench-rumqttc", "127.0.0.1", port);
        options.set_keep_alive(Duration::from_secs(60));
        options.set_inflight(WINDOW);
        let (client, mut eventloop) = AsyncClient::new(options, usize::from(WINDOW));
        client.subscribe(TOPIC, qos).await.unwrap();
        let publisher = tokio::task::spawn(async move {
            for _ in 0..n {
                client.publish(TOPIC, qos, false, PAYLOAD.to_vec()).await.unwrap();
            }
            client
        });
        let mut received = 0;
        let all_back = async {
            while received < n {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(_))) => received += 1,
                    Ok(_) => {}
                    Err(e) => panic!("rumqttc: {e}"),
                }
            }
        };
        if tokio::time::timeout(PATIENCE, all_back).await.is_err() {
            panic!("only {received} of {n} messages came back");
        }
        let client = publisher.await.unwrap();
        client.disconnect().await.unwrap();
        // Let DISCONNECT go out.
        let _ = tokio::time::timeout(Duration::from_millis(100), eventloop.poll()).await;
    });
}
