//! End-to-end benchmark: one client publishes N messages of 64 B to its own subscription
//! through a Mosquitto started here on loopback, and waits until all have come back. Each
//! (client, QoS) runs in a child process of its own, so that CPU time (user + sys, from
//! /proc/self/stat, the same accounting as getrusage) and peak RSS (VmHWM) are the client's
//! alone; rumqttc runs the same scenario in the same invocation, so the figures are ratios.
//!
//! Each client is a binary of its own (`benches/roundtrip/{sansmqtt,rumqttc}.rs`, built here
//! as the examples `roundtrip-sansmqtt` and `roundtrip-rumqttc`), so that neither's peak RSS
//! counts the other's code pages. A third row, the floor, runs the same session under a plain
//! blocking loop on one thread (`benches/roundtrip/blocking.rs`, no async runtime): what the
//! exchange with the broker costs the kernel plus the session's own work.
//!
//! `cargo bench -p sansmqtt-smol --bench roundtrip` (N can be scaled: `-- --scale 0.1`).
//! With `-- --static` every client is linked statically (`+crt-static`, in a target
//! directory of their own) and built in the `bench-lean` profile (fat LTO, one code unit,
//! abort on panic): glibc's dynamic loading alone makes a "hello world" peak at about 1.9 MB
//! here, 1.2 MB when static, so the static figures show the clients' own share.

#[path = "common/broker.rs"]
mod broker;
use broker::Broker;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// (name in the table, example binary). The last is the floor: the same session under a
/// blocking loop with no async runtime (see `benches/roundtrip/blocking.rs`).
const CLIENTS: [(&str, &str); 3] = [
    ("sansmqtt-smol", "roundtrip-sansmqtt"),
    ("rumqttc", "roundtrip-rumqttc"),
    ("floor: session, blocking loop", "roundtrip-blocking"),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: f64 = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let Some(broker) = Broker::start("max_inflight_messages 100\nmax_queued_messages 0") else {
        eprintln!("mosquitto is not installed: apt-get install -y mosquitto");
        return;
    };
    let binaries = build_clients(args.iter().any(|a| a == "--static"));
    println!("| client | QoS | messages | msg/s | client CPU µs/msg | peak RSS MiB | anon RSS MiB |");
    println!("|---|---|---|---|---|---|---|");
    for (qos, n) in [(0u8, 200_000u64), (1, 50_000), (2, 50_000)] {
        let n = ((n as f64) * scale).max(1000.0) as u64;
        for ((client, _), binary) in CLIENTS.iter().zip(&binaries) {
            let out = Command::new(binary)
                .args([qos.to_string(), n.to_string(), broker.port.to_string()])
                .stderr(Stdio::inherit())
                .output()
                .expect("run a client");
            let line = String::from_utf8_lossy(&out.stdout);
            let f: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            if f.len() == 4 {
                println!(
                    "| {client} | {qos} | {n} | {:.0} | {:.2} | {:.2} | {:.2} |",
                    f[0], f[1], f[2], f[3]
                );
            } else {
                println!("| {client} | {qos} | {n} | failed: {line} | | | |");
            }
            std::io::stdout().flush().ok();
        }
    }
}

/// Build the client binaries in this profile (with the cargo running the benchmark), or linked
/// statically in the lean profile if asked, and return their paths, in the order of `CLIENTS`.
fn build_clients(statically: bool) -> Vec<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    if statically {
        // An explicit --target keeps the flag off build scripts and proc macros.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-static");
        cmd.env("RUSTFLAGS", "-C target-feature=+crt-static").env("CARGO_TARGET_DIR", dir);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--quiet",
        "--profile",
        if statically { "bench-lean" } else { "bench" },
        "-p",
        "sansmqtt-smol",
        "--message-format=json",
    ]);
    for (_, example) in CLIENTS {
        cmd.args(["--example", example]);
    }
    if statically {
        cmd.args(["--target", "x86_64-unknown-linux-gnu"]);
    }
    let out = cmd.stderr(Stdio::inherit()).output().expect("run cargo");
    assert!(out.status.success(), "building the benchmark clients failed");
    let json = String::from_utf8_lossy(&out.stdout);
    CLIENTS
        .iter()
        .map(|(_, example)| {
            json.lines()
                .filter(|l| l.contains(&format!("\"name\":\"{example}\"")))
                .find_map(|l| l.split("\"executable\":\"").nth(1)?.split('"').next().map(PathBuf::from))
                .unwrap_or_else(|| panic!("cargo built no {example}"))
        })
        .collect()
}
