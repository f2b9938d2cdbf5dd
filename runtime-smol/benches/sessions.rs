//! Many idle sessions in one process: `cargo bench -p sansmqtt-smol --bench sessions -- N`
//! (N = 1000 by default; `--idle SECONDS` for the idle window, 30 by default).
//!
//! Starts a Mosquitto of its own (`max_connections -1`), raises the file-descriptor limit for
//! itself and the broker (restored at the end), then runs the same scenario with
//! sansmqtt-smol and with rumqttc, each in a child process of its own (this binary again,
//! `--child NAME`), so that memory and CPU are each client's alone:
//!
//! 1. create N clients (keep-alive 60 s, MQTT 3.1.1, clean session), then connect them all,
//!    at most 64 connections being opened at once; the time until the last CONNACK;
//! 2. idle for 30 s: resident memory per session (VmRSS from /proc/self/status, before the
//!    clients exist, once they exist, and connected and idle) and the process's CPU time over
//!    the idle window as a percentage of one core;
//! 3. every session publishes one QoS 1 message: the time until the last PUBACK.

#[path = "common/broker.rs"]
mod broker;
#[path = "sessions/measure.rs"]
mod measure;
#[path = "sessions/rumqttc.rs"]
mod rumqttc_client;
#[path = "sessions/sansmqtt.rs"]
mod sansmqtt_client;

use measure::{Args, Figures};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The clients compared, by the name a child is started with.
const CLIENTS: [&str; 2] = ["sansmqtt-smol", "rumqttc"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    let idle: u64 = args
        .iter()
        .position(|a| a == "--idle")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let _limit = match FdLimit::raise(n as u64 + 1024) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot raise the file-descriptor limit to {}: {e}", n + 1024);
            return;
        }
    };
    let Some(broker) = broker::Broker::start("max_connections -1\npersistence false") else {
        eprintln!("mosquitto is not installed: apt-get install -y mosquitto");
        return;
    };
    println!(
        "{n} idle sessions, keep-alive 60 s, idle window {idle} s, Mosquitto on 127.0.0.1:{}",
        broker.port
    );
    println!();
    println!(
        "| client | sessions | connect s | KiB/session created | KiB/session idle | anon KiB/session idle | idle CPU % of a core | all QoS 1 acked s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("this benchmark's path");
    for client in CLIENTS {
        let out = Command::new(&exe)
            .args(["--child", client, &n.to_string(), &broker.port.to_string(), &idle.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .expect("run a child");
        let text = String::from_utf8_lossy(&out.stdout);
        match text.lines().find_map(Figures::parse) {
            Some(f) => println!(
                "| {client} | {n} | {:.2} | {:.1} | {:.1} | {:.1} | {:.3} | {:.3} |",
                f.connect.as_secs_f64(),
                f.created_kib,
                f.idle_kib,
                f.idle_anon_kib,
                f.idle_cpu_pct,
                f.acked.as_secs_f64()
            ),
            None => println!("| {client} | {n} | failed ({}) | | | | | |", out.status),
        }
        // Let the broker forget the last run's sessions before the next.
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A child: `NAME N PORT IDLE`.
fn child(a: &[String]) {
    let get = |i: usize| a.get(i).and_then(|s| s.parse::<u64>().ok()).expect("--child NAME N PORT IDLE");
    let args = Args { n: get(1) as usize, port: get(2) as u16, idle: Duration::from_secs(get(3)) };
    let figures = match a.first().map(String::as_str) {
        Some("sansmqtt-smol") => sansmqtt_client::run(&args),
        Some("rumqttc") => rumqttc_client::run(&args),
        other => panic!("unknown client {other:?}"),
    };
    figures.print();
    // Exit without closing N connections one by one (the broker sees them all go at once).
    std::process::exit(0);
}

/// The file-descriptor limit, raised for this process and the broker it starts, and restored
/// when dropped.
struct FdLimit(Rlimit);

impl FdLimit {
    fn raise(want: u64) -> std::io::Result<Self> {
        let old = getrlimit(Resource::Nofile);
        let hard = old.maximum.map_or(want, |m| m.max(want));
        let soft = old.current.map_or(want, |c| c.max(want));
        setrlimit(Resource::Nofile, Rlimit { current: Some(soft), maximum: Some(hard) })?;
        Ok(Self(old))
    }
}

impl Drop for FdLimit {
    fn drop(&mut self) {
        let _ = setrlimit(Resource::Nofile, self.0);
    }
}
