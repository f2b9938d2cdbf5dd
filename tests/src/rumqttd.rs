//! An in-process rumqttd broker on a free loopback port: the broker a fresh machine has.
//! It runs on its own threads until the test process exits (rumqttd has no stop).

use rumqttd::{Broker, Config, ConnectionSettings, ServerSettings};
use sansmqtt_proto::ProtocolVersion;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Start a broker speaking `version` (rumqttd serves 3.1.1 and 5.0 on separate listeners);
/// returns its address once it accepts connections.
pub fn start(version: ProtocolVersion) -> SocketAddr {
    start_listener(if version == ProtocolVersion::V5 { Listener::V5 } else { Listener::V4 })
}

/// Which rumqttd listener to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// MQTT 3.1.1 over TCP.
    V4,
    /// MQTT 5.0 over TCP.
    V5,
    /// MQTT 3.1.1 over WebSocket (any path, subprotocol `mqtt`).
    WebSocket,
}

/// Start a broker with one `listener`; returns its address once it accepts connections.
pub fn start_listener(listener: Listener) -> SocketAddr {
    let addr: SocketAddr = ([127, 0, 0, 1], crate::mosquitto::free_port()).into();
    let server = ServerSettings {
        name: format!("test-{}", addr.port()),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 10_000,
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
    match listener {
        Listener::V4 => config.v4 = listeners,
        Listener::V5 => config.v5 = listeners,
        Listener::WebSocket => config.ws = listeners,
    }
    std::thread::spawn(move || {
        if let Err(e) = Broker::new(config).start() {
            eprintln!("rumqttd stopped: {e}");
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(Instant::now() < deadline, "rumqttd did not start listening on {addr}");
        std::thread::sleep(Duration::from_millis(10));
    }
    addr
}
