//! embassy-net over a Linux TAP device inside a private network namespace, against a real
//! Mosquitto listening on the host side of the TAP. Needs root (or CAP_SYS_ADMIN and
//! CAP_NET_ADMIN) and /dev/net/tun: skipped with the reason printed elsewhere, a failure when
//! CI=true.
mod common;

use std::process::Command;
use std::time::Duration;

use common::flow::{check_messages, flow};
use common::{block_on, run_limited};
use embassy_futures::select::{Either, select};
use embassy_net::{IpAddress, IpEndpoint, Ipv4Address, Ipv4Cidr, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use sansmqtt_embassy::sansmqtt_session::{Config, Session};
use sansmqtt_embassy::{Client, TcpTransport};
use sansmqtt_proto::ProtocolVersion;
use sansmqtt_tests::mosquitto::{Mosquitto, required};

const LIMIT: Duration = Duration::from_secs(90);

fn sh(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0]).args(&args[1..]).output().map_err(|e| format!("{}: {e}", args[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Why the test cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun is missing".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("the `ip` command (iproute2) is missing".into());
    }
    None
}

/// On this thread: a private network namespace with tap0 = 10.42.0.1/24 (up and carrying),
/// opened as an embassy-net device.
fn namespace_with_tap() -> Result<TunTapDevice, String> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))?;
    sh(&["ip", "link", "set", "lo", "up"])?;
    sh(&["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"])?;
    sh(&["ip", "addr", "add", "10.42.0.1/24", "dev", "tap0"])?;
    let device = TunTapDevice::new("tap0").map_err(|e| format!("open tap0: {e}"))?;
    sh(&["ip", "link", "set", "tap0", "up"])?;
    // Starting before the kernel reports the link up costs smoltcp 1 s retransmit stalls.
    for _ in 0..500 {
        let out =
            Command::new("ip").args(["-o", "link", "show", "tap0"]).output().map_err(|e| e.to_string())?;
        if String::from_utf8_lossy(&out.stdout).contains("state UP") {
            return Ok(device);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("tap0 never reported state UP".into())
}

fn full_flow_over_tap(version: ProtocolVersion, name: &'static str) {
    if let Some(why) = unavailable() {
        assert!(!required(), "{name}: cannot run in CI: {why}");
        eprintln!("skipping {name}: {why}");
        return;
    }
    run_limited(name, LIMIT, move || {
        let device = match namespace_with_tap() {
            Ok(d) => d,
            Err(why) => {
                assert!(!required(), "{name}: cannot run in CI: {why}");
                eprintln!("skipping {name}: {why} (needs root or CAP_SYS_ADMIN + CAP_NET_ADMIN)");
                return;
            }
        };
        let Some(_broker) = Mosquitto::start(name, "listener 1883 10.42.0.1") else { return };
        let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
            address: Ipv4Cidr::new(Ipv4Address::new(10, 42, 0, 2), 24),
            gateway: None,
            dns_servers: Default::default(),
        });
        let resources = Box::leak(Box::new(StackResources::<4>::new()));
        let (stack, mut runner) = embassy_net::new(device, config, resources, 0x5eed);
        let rx = Box::leak(vec![0u8; 2048].into_boxed_slice());
        let tx = Box::leak(vec![0u8; 2048].into_boxed_slice());
        let broker = IpEndpoint { addr: IpAddress::Ipv4(Ipv4Address::new(10, 42, 0, 1)), port: 1883 };
        let mut session_config = Config::new(version, name);
        session_config.max_packet_size = 2048;
        let mut out = [0u8; 512];
        let mut client =
            Client::new(Session::new(session_config), TcpTransport::new(stack, rx, tx, broker), &mut out);
        let seen = block_on(async {
            match select(runner.run(), flow(&mut client, name)).await {
                Either::Second(seen) => seen,
                Either::First(never) => never,
            }
        });
        check_messages(&seen, name);
    });
}

#[test]
fn v311_full_flow_over_tap_in_a_network_namespace() {
    full_flow_over_tap(ProtocolVersion::V3_1_1, "embassy-tap-v311");
}

#[test]
fn v5_full_flow_over_tap_in_a_network_namespace() {
    full_flow_over_tap(ProtocolVersion::V5, "embassy-tap-v5");
}
