//! rumqttc in the end-to-end benchmark: one current-thread tokio runtime, the event loop
//! polled by the application's task.

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use std::time::Duration;

fn qos_of(q: u8) -> QoS {
    [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(q)]
}

fn client(port: u16) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new("bench-rumqttc", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(60));
    options.set_inflight(100);
    AsyncClient::new(options, 100)
}

/// Poll until a PUBLISH arrives.
async fn next_message(eventloop: &mut EventLoop) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::Publish(_))) => return,
            Ok(_) => {}
            Err(e) => panic!("rumqttc: {e}"),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Receive `n` messages at `qos` from the fake broker's flood.
pub(crate) fn client_bound(qos: u8, n: u64, port: u16) {
    runtime().block_on(async {
        let (client, mut eventloop) = client(port);
        client.subscribe(format!("bench/flood/{qos}/{n}"), qos_of(qos)).await.expect("subscribe");
        for _ in 0..n {
            next_message(&mut eventloop).await;
        }
        client.disconnect().await.expect("disconnect");
        let _ = tokio::time::timeout(Duration::from_millis(100), eventloop.poll()).await;
    });
}

/// `n` round trips: publish one message at `qos` to the client's own subscription and wait
/// until it is back. Returns each round trip's time.
#[allow(clippy::disallowed_methods)] // the benchmark's clock
pub(crate) fn round_trips(qos: u8, n: u64, port: u16) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n as usize);
    runtime().block_on(async {
        let (client, mut eventloop) = client(port);
        client.subscribe("bench/echo", qos_of(qos)).await.expect("subscribe");
        loop {
            if let Ok(Event::Incoming(Packet::SubAck(_))) = eventloop.poll().await {
                break;
            }
        }
        for _ in 0..n {
            let t = std::time::Instant::now();
            client.try_publish("bench/echo", qos_of(qos), false, vec![b'x'; 64]).expect("publish");
            next_message(&mut eventloop).await;
            times.push(t.elapsed());
        }
        client.disconnect().await.expect("disconnect");
        let _ = tokio::time::timeout(Duration::from_millis(100), eventloop.poll()).await;
    });
    times
}
