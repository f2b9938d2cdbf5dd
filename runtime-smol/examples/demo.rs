//! The MiniMQTT guide's flow: connect, subscribe, publish "Hello Broker!", receive it,
//! unsubscribe, disconnect — printing each callback as it fires.
//!
//! ```sh
//! cargo run -p sansmqtt-smol --example demo                                  # in-process broker
//! cargo run -p sansmqtt-smol --example demo -- --broker mqtt://127.0.0.1:1883 # a real broker
//! cargo run -p sansmqtt-smol --example demo -- --mqtt-version 3.1.1
//! ```
//!
//! With no `--broker`, an in-process rumqttd broker listens on a free loopback port.
use sansmqtt_smol::{Client, DisconnectOptions, Options, ProtocolVersion, QoS};
use std::time::Duration;

const TOPIC: &str = "sansmqtt/demo";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut broker, mut version) = (None, ProtocolVersion::V5);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--broker" => broker = args.next(),
            "--mqtt-version" => {
                version = match args.next().as_deref() {
                    Some("3.1.1" | "4") => ProtocolVersion::V3_1_1,
                    _ => ProtocolVersion::V5,
                }
            }
            _ => {
                return Err(
                    format!("usage: demo [--broker URL] [--mqtt-version 3.1.1|5]; got {arg:?}").into()
                );
            }
        }
    }
    let url = match broker {
        Some(url) => url,
        None => in_process_broker::start(version)?,
    };
    smol::block_on(demo(&url, version))
}

async fn demo(url: &str, version: ProtocolVersion) -> Result<(), Box<dyn std::error::Error>> {
    let (done_tx, done_rx) = smol::channel::bounded::<()>(1);
    let options = Options::new(url)?
        .version(version)
        .client_id("sansmqtt-demo")
        .keep_alive(Duration::from_secs(60))
        .on_connect(|client, session_present| {
            println!("Connected to MQTT broker! (session present: {session_present})");
            println!("Subscribing to {TOPIC} with QoS level 1");
            client.subscribe(TOPIC, QoS::AtLeastOnce).expect("subscribe");
        })
        .on_subscribe(|client, token, reasons| {
            println!("Subscribed to {TOPIC} (request {}) with QoS level {reasons:?}", token.get());
            println!("Publishing to {TOPIC}");
            let msg = sansmqtt_smol::Outgoing::new(TOPIC, b"Hello Broker!", QoS::AtLeastOnce);
            client.try_publish(&msg).expect("publish");
        })
        .on_publish(|_, token, outcome| {
            println!("Published to {TOPIC} (request {}): {outcome:?}", token.get());
        })
        .on_message(|client, message| {
            println!("New message on topic {}: {}", message.topic, message.payload_str());
            println!("Unsubscribing from {TOPIC}");
            client.unsubscribe(&[TOPIC]).expect("unsubscribe");
        })
        .on_unsubscribe(|client, token, _| {
            println!("Unsubscribed from {TOPIC} (request {})", token.get());
            println!("Disconnecting from MQTT broker");
            client.try_disconnect(&DisconnectOptions::default()).expect("disconnect");
        })
        .on_disconnect(move |_, reason| {
            println!("Disconnected from MQTT broker: {reason}");
            let _ = done_tx.try_send(());
        });
    let client = Client::new(options);
    println!("Connecting to {url} with {version}");
    client.connect().await?;
    let timeout = async {
        async_io::Timer::after(Duration::from_secs(30)).await;
        Err("the demo did not finish within 30 s".into())
    };
    futures_lite::future::or(async { done_rx.recv().await.map_err(Into::into) }, timeout).await
}

/// An in-process rumqttd on a free loopback port (3.1.1 and 5.0 listen on separate ports).
mod in_process_broker {
    use rumqttd::{Broker, Config, ConnectionSettings, ServerSettings};
    use sansmqtt_smol::ProtocolVersion;
    use std::collections::HashMap;
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    pub(super) fn start(version: ProtocolVersion) -> Result<String, Box<dyn std::error::Error>> {
        let addr: SocketAddr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let server = ServerSettings {
            name: "demo".into(),
            listen: addr,
            tls: None,
            next_connection_delay_ms: 1,
            connections: ConnectionSettings {
                connection_timeout_ms: 60_000,
                max_payload_size: 1 << 20,
                max_inflight_count: 100,
                auth: None,
                external_auth: None,
                dynamic_filters: true,
            },
        };
        let mut config = Config::default();
        config.router.max_connections = 100;
        config.router.max_outgoing_packet_count = 200;
        config.router.max_segment_size = 1 << 20;
        config.router.max_segment_count = 10;
        let listeners = Some(HashMap::from([("1".to_string(), server)]));
        if version == ProtocolVersion::V5 {
            config.v5 = listeners;
        } else {
            config.v4 = listeners;
        }
        std::thread::spawn(move || {
            if let Err(e) = Broker::new(config).start() {
                eprintln!("in-process broker stopped: {e}");
            }
        });
        for _ in 0..500 {
            if TcpStream::connect(addr).is_ok() {
                println!("In-process broker (rumqttd) listening on {addr}");
                return Ok(format!("mqtt://{addr}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("the in-process broker did not start on {addr}").into())
    }
}
