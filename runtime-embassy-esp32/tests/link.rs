//! The client over embassy-net: two stacks joined by an in-memory link, the far one relaying
//! to a real Mosquitto. The full flow for 3.1.1 and 5.0, and a cut link that the keep-alive
//! must detect.
mod common;

use std::time::Duration;

use common::flow::{check_messages, flow};
use common::link::{End, Link, relay, stack};
use common::{Ev, block_on, detach, run_limited};
use embassy_futures::join::join;
use embassy_futures::select::{Either3, select3};
use embassy_net::{IpAddress, IpEndpoint, Ipv4Address, Runner, Stack};
use sansmqtt_embassy::sansmqtt_session::{Config, DisconnectReason, Session};
use sansmqtt_embassy::{Client, Error, TcpTransport};
use sansmqtt_proto::ProtocolVersion;
use sansmqtt_tests::mosquitto::Mosquitto;

const LIMIT: Duration = Duration::from_secs(60);
const BROKER: IpEndpoint = IpEndpoint { addr: IpAddress::Ipv4(Ipv4Address::new(10, 0, 0, 2)), port: 1883 };

type TestClient = Client<'static, TcpTransport<'static>>;

/// A client on stack 10.0.0.1; 10.0.0.2 relays port 1883 to a fresh Mosquitto.
struct Rig {
    broker: Mosquitto,
    link: Link,
    client: TestClient,
    runners: (Runner<'static, End>, Runner<'static, End>),
    relay_stack: Stack<'static>,
}

fn rig(name: &str, version: ProtocolVersion, keep_alive: Duration) -> Option<Rig> {
    let broker = Mosquitto::start(name, "")?;
    let link = Link::default();
    let (client_stack, client_runner) = stack(link.end(0), 1);
    let (relay_stack, relay_runner) = stack(link.end(1), 2);
    let rx = Box::leak(vec![0u8; 2048].into_boxed_slice());
    let tx = Box::leak(vec![0u8; 2048].into_boxed_slice());
    let transport = TcpTransport::new(client_stack, rx, tx, BROKER)
        .with_close_timeout(embassy_time::Duration::from_millis(300));
    let mut config = Config::new(version, name);
    config.max_packet_size = 2048;
    config.keep_alive = keep_alive;
    config.ping_timeout = Some(Duration::from_millis(500));
    config.reconnect = None;
    let out = Box::leak(vec![0u8; 512].into_boxed_slice());
    let client = Client::new(Session::new(config), transport, out);
    Some(Rig { broker, link, client, runners: (client_runner, relay_runner), relay_stack })
}

/// Run `test` while both stacks and the relay run.
fn drive<R>(rig: Rig, test: impl AsyncFnOnce(&mut TestClient, &Link) -> R) -> R {
    let Rig { broker, link, mut client, runners: (mut a, mut b), relay_stack } = rig;
    let addr = broker.addr;
    block_on(async {
        match select3(join(a.run(), b.run()), relay(relay_stack, 1883, addr), test(&mut client, &link)).await
        {
            Either3::Third(r) => r,
            _ => unreachable!("the runners and the relay never return"),
        }
    })
}

#[test]
fn full_flow_over_two_embassy_net_stacks() {
    for (v, name) in
        [(ProtocolVersion::V3_1_1, "embassy-link-v311"), (ProtocolVersion::V5, "embassy-link-v5")]
    {
        run_limited(name, LIMIT, move || {
            let Some(rig) = rig(name, v, Duration::from_secs(60)) else { return };
            let seen = drive(rig, async |client, _| flow(client, name).await);
            check_messages(&seen, name);
            assert!(
                !seen.iter().any(|e| matches!(e, Ev::Disconnected(r) if *r != DisconnectReason::ByClient))
            );
        });
    }
}

#[test]
fn a_cut_link_is_detected_by_the_keep_alive() {
    for (v, name) in [(ProtocolVersion::V3_1_1, "embassy-cut-v311"), (ProtocolVersion::V5, "embassy-cut-v5")]
    {
        run_limited(name, LIMIT, move || {
            let Some(rig) = rig(name, v, Duration::from_secs(1)) else { return };
            drive(rig, async |client, link| {
                client.connect(|_| {}).await.expect("connect");
                link.cut();
                // No FIN, no RST: only the missing PINGRESP tells (1 s keep-alive + 0.5 s).
                let e = detach(client.next_event().await.expect("event"));
                assert_eq!(e, Ev::Disconnected(DisconnectReason::KeepAliveTimeout), "{v}");
                assert_eq!(client.next_event().await.err(), Some(Error::Disconnected));
                assert!(!client.is_open());
            });
        });
    }
}
