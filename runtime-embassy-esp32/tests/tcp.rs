//! The client over a std `TcpStream` (async-io + embedded-io-adapters) against a real
//! Mosquitto on loopback: the whole flow at QoS 0, 1 and 2, for MQTT 3.1.1 and 5.0.
mod common;

use std::time::Duration;

use common::flow::{check_messages, flow};
use common::{Ev, Loopback, block_on, run_limited};
use sansmqtt_embassy::sansmqtt_session::{Config, DisconnectReason, Outgoing, Session};
use sansmqtt_embassy::{Client, Dial, Error};
use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_tests::mosquitto::Mosquitto;

const LIMIT: Duration = Duration::from_secs(60);

fn full_flow(version: ProtocolVersion, name: &'static str) {
    run_limited(name, LIMIT, move || {
        let Some(broker) = Mosquitto::start(name, "") else { return };
        let mut config = Config::new(version, name);
        config.max_packet_size = 4096;
        let mut tx = [0u8; 512];
        let mut client = Client::new(Session::new(config), Dial::new(Loopback(broker.addr)), &mut tx);
        let seen = block_on(flow(&mut client, name));
        check_messages(&seen, name);
        assert!(!seen.iter().any(|e| matches!(e, Ev::Disconnected(r) if *r != DisconnectReason::ByClient)));
        assert!(client.transport().io().is_none(), "closed after DISCONNECT");
    });
}

#[test]
fn v311_full_flow_qos_0_1_2_against_mosquitto() {
    full_flow(ProtocolVersion::V3_1_1, "embassy-tcp-v311");
}

#[test]
fn v5_full_flow_qos_0_1_2_against_mosquitto() {
    full_flow(ProtocolVersion::V5, "embassy-tcp-v5");
}

/// Secrets never printed (issue 20): against a Mosquitto that admits one user by password,
/// the session's `Debug` through the client (before, connected, after disconnect or refusal)
/// and the connect error of a wrong password show neither the password nor its bytes. (The
/// `Debug` of the client itself, which needs a `Debug` transport, is checked in `mock.rs`.)
#[test]
fn password_shown_nowhere_against_mosquitto() {
    const PASSWORD: &str = "S3cretPW-0xDEAD";
    run_limited("embassy-secrets", LIMIT, || {
        let Some(broker) = Mosquitto::start_with_password("embassy-secrets", "alice", PASSWORD) else {
            return;
        };
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            // The right password, and a wrong one holding it.
            for (password, accepted) in [(PASSWORD.to_string(), true), (format!("{PASSWORD}!"), false)] {
                let mut config = Config::new(v, "embassy-secrets");
                config.username = Some("alice".into());
                config.password = Some(password.into());
                config.reconnect = None;
                let mut tx = [0u8; 512];
                let mut client = Client::new(Session::new(config), Dial::new(Loopback(broker.addr)), &mut tx);
                let mut shown = vec![format!("{:?}", client.session())];
                block_on(async {
                    let r = client.connect(|_| {}).await;
                    shown.push(format!("{:#?}", client.session()));
                    match r {
                        Ok(_) => {
                            assert!(accepted, "{v}: a wrong password accepted");
                            let out = Outgoing::new("secrets/e", b"payload", QoS::AtLeastOnce);
                            client.publish(&out, |_| {}).await.expect("publish");
                            shown.push(format!("{:?}", client.session()));
                            client.disconnect(|_| {}).await.expect("disconnect");
                        }
                        Err(e) => {
                            assert!(!accepted, "{v}: {e:?}");
                            assert!(matches!(e, Error::Connect(DisconnectReason::Refused(_))), "{v}: {e:?}");
                            shown.extend([format!("{e:?}"), format!("{e:#?}"), e.to_string()]);
                        }
                    }
                });
                shown.push(format!("{:?}", client.session()));
                for s in &shown {
                    assert!(!s.contains("S3cretPW") && !s.contains("83, 51, 99, 114"), "{v}: {s}");
                }
            }
        }
    });
}
