//! End-to-end benchmark in one run: `cargo bench -p sansmqtt-smol --bench e2e`
//! (`-- --scale 0.2` for a quicker run, `-- --strace` to count system calls with `strace -c -f`;
//! `-- --rtt N` sets the number of round trips apart from the scale (rumqttc, which cannot set
//! TCP_NODELAY, waits about 40 ms for the peer's delayed ACK in some of them);
//! `-- --callgrind` prints only instructions per round trip and per client-bound message,
//! counted by callgrind, which the machine's load does not change (`benches/e2e/instructions.rs`);
//! `-- --fake-only` runs just the fake broker, for profiling a child by hand, as in
//! `E2E_NO_CPU=1 valgrind --tool=callgrind e2e-* --child bound sansmqtt-smol 0 200000 PORT`).
//!
//! Brokers: Mosquitto as installed (Nagle's algorithm on its sockets: it batches small
//! writes), Mosquitto with `set_tcp_nodelay true`, and a fake broker that answers as fast as
//! it can (`benches/common/fake.rs`). Every client runs in a child process of its own (this
//! binary again, `--child ...`), so CPU time (user + system, every thread) is its own.
//!
//! 1. Client-bound: the fake broker sends N messages of 64 B at QoS 0 / 1 / 2 (100 in flight);
//!    msg/s and CPU per message of a raw socket loop (the floor, `benches/e2e/raw.rs`),
//!    sansmqtt-smol and rumqttc, as a share of the raw loop's msg/s.
//! 2. Round trip: publish one 64 B message to the client's own subscription and wait until it
//!    is back, N times, against each broker: p50 and p99 of the round trip and CPU per round
//!    trip, sansmqtt-smol and rumqttc.
//! 3. With `--strace`: system calls per round trip (QoS 1, fake broker) by name, and per
//!    wake-up (a wake-up being one wait of the reactor: `epoll_wait` / `epoll_pwait`).

#[path = "common/broker.rs"]
mod broker;
#[path = "common/fake.rs"]
mod fake;
#[path = "common/frames.rs"]
mod frames;
#[path = "e2e/instructions.rs"]
mod instructions;
#[path = "e2e/raw.rs"]
mod raw;
#[path = "e2e/rumqttc.rs"]
mod rumqttc_client;
#[path = "e2e/sansmqtt.rs"]
mod sansmqtt_client;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
    if args.iter().any(|a| a == "--fake-only") {
        // For profiling a child by hand: the fake broker alone, until killed.
        println!("fake broker on port {}", fake::Fake::start().port);
        loop {
            std::thread::park();
        }
    }
    let scale: f64 = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let strace = args.iter().any(|a| a == "--strace");
    if args.iter().any(|a| a == "--callgrind") {
        // Instructions only: the fake broker, each child twice under callgrind.
        let fake = fake::Fake::start();
        instructions::print_tables(fake.port, 2000, 50_000);
        return;
    }
    let rtt: Option<u64> =
        args.iter().position(|a| a == "--rtt").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok());
    let extra = "max_inflight_messages 100\nmax_queued_messages 1000\npersistence false";
    let (Some(nagle), Some(nodelay)) =
        (broker::Broker::start(extra), broker::Broker::start(&format!("{extra}\nset_tcp_nodelay true")))
    else {
        eprintln!("mosquitto is not installed: apt-get install -y mosquitto");
        return;
    };
    let fake = fake::Fake::start();
    let scaled = |n: u64| ((n as f64 * scale) as u64).max(500);

    println!("Client-bound: the fake broker sends N messages of 64 B, 100 in flight");
    println!();
    println!("| client | QoS | messages | msg/s | % of the raw loop | client CPU µs/msg |");
    println!("|---|---|---|---|---|---|");
    for (qos, n) in [(0u8, scaled(1_000_000)), (1, scaled(300_000)), (2, scaled(200_000))] {
        let mut floor = None;
        for client in ["raw socket loop", "sansmqtt-smol", "rumqttc"] {
            let f = run(&["bound", client, &qos.to_string(), &n.to_string(), &fake.port.to_string()], None);
            let Some(f) = f else {
                println!("| {client} | {qos} | {n} | failed | | |");
                continue;
            };
            let rate = n as f64 / f.wall;
            let floor = *floor.get_or_insert(rate);
            println!(
                "| {client} | {qos} | {n} | {rate:.0} | {:.0} % | {:.3} |",
                rate * 100.0 / floor,
                f.cpu * 1e6 / n as f64
            );
            std::io::stdout().flush().ok();
        }
    }

    println!();
    println!("Round trip: publish one 64 B message to the client's own subscription, wait until it is back");
    println!();
    println!(
        "| broker | QoS | client | round trips | p50 µs | p99 µs | CPU µs per round trip | p50 / rumqttc | CPU / rumqttc |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let brokers = [
        ("Mosquitto (Nagle)", nagle.port),
        ("Mosquitto, set_tcp_nodelay true", nodelay.port),
        ("fake broker", fake.port),
    ];
    let n = rtt.unwrap_or_else(|| scaled(20_000));
    for (name, port) in brokers {
        for qos in 0..3u8 {
            let ours =
                run(&["rtt", "sansmqtt-smol", &qos.to_string(), &n.to_string(), &port.to_string()], None);
            let theirs = run(&["rtt", "rumqttc", &qos.to_string(), &n.to_string(), &port.to_string()], None);
            for (client, f) in [("sansmqtt-smol", &ours), ("rumqttc", &theirs)] {
                let Some(f) = f else {
                    println!("| {name} | {qos} | {client} | {n} | failed | | | | |");
                    continue;
                };
                let ratio = |a: f64, b: Option<f64>| b.map_or(String::new(), |b| format!("{:.2}", a / b));
                println!(
                    "| {name} | {qos} | {client} | {n} | {:.1} | {:.1} | {:.2} | {} | {} |",
                    f.p50 * 1e6,
                    f.p99 * 1e6,
                    f.cpu * 1e6 / n as f64,
                    ratio(f.p50, theirs.as_ref().map(|t| t.p50)),
                    ratio(f.cpu, theirs.as_ref().map(|t| t.cpu)),
                );
                std::io::stdout().flush().ok();
            }
        }
    }

    if strace {
        println!();
        println!("System calls, QoS 1 round trips against the fake broker (strace -c -f)");
        println!();
        let n = rtt.unwrap_or_else(|| scaled(5_000));
        for client in ["sansmqtt-smol", "rumqttc"] {
            let file =
                std::env::temp_dir().join(format!("sansmqtt-e2e-strace-{}-{client}", std::process::id()));
            let traced = run(&["rtt", client, "1", &n.to_string(), &fake.port.to_string()], Some(&file));
            let table = std::fs::read_to_string(&file).unwrap_or_default();
            let _ = std::fs::remove_file(&file);
            if traced.is_none() || table.is_empty() {
                println!("{client}: strace failed (apt-get install -y strace)");
                continue;
            }
            print_syscalls(client, n, &table);
        }
    }
}

/// What a child measured.
struct Figures {
    wall: f64,
    cpu: f64,
    p50: f64,
    p99: f64,
}

/// Run a child (`MODE CLIENT QOS N PORT`), under `strace -c -f -o FILE` if asked.
fn run(args: &[&str], strace: Option<&std::path::Path>) -> Option<Figures> {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut cmd = match strace {
        Some(file) => {
            let mut c = Command::new("strace");
            c.arg("-c").arg("-f").arg("-o").arg(file).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let out = cmd.arg("--child").args(args).stderr(Stdio::inherit()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("figures "))?;
    let f: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let [wall, cpu, p50, p99] = f[..] else { return None };
    Some(Figures { wall, cpu, p50, p99 })
}

/// Print strace's summary per round trip and per reactor wait.
fn print_syscalls(client: &str, n: u64, table: &str) {
    let mut rows: Vec<(u64, String)> = table
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // % time, seconds, usecs/call, calls, [errors], syscall
            let calls = f.get(3)?.parse::<u64>().ok()?;
            let name = f.last()?.to_string();
            (name != "total").then_some((calls, name))
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let total: u64 = rows.iter().map(|r| r.0).sum();
    let waits: u64 =
        rows.iter().filter(|r| r.1.starts_with("epoll_wait") || r.1 == "epoll_pwait").map(|r| r.0).sum();
    println!(
        "{client}: {:.2} system calls per round trip, {} reactor waits ({:.2} per round trip), {:.2} calls per wait",
        total as f64 / n as f64,
        waits,
        waits as f64 / n as f64,
        total as f64 / waits.max(1) as f64
    );
    let top: Vec<String> = rows
        .iter()
        .filter(|r| r.0 >= n / 2)
        .map(|r| format!("{} {:.2}", r.1, r.0 as f64 / n as f64))
        .collect();
    println!("  per round trip: {}", top.join(", "));
}

/// A child: `MODE CLIENT QOS N PORT`; prints `figures WALL CPU P50 P99` (seconds).
#[allow(clippy::disallowed_methods)] // the benchmark's clock
fn child(a: &[String]) {
    let (mode, client) = (a[0].as_str(), a[1].as_str());
    let qos: u8 = a[2].parse().expect("QOS");
    let n: u64 = a[3].parse().expect("N");
    let port: u16 = a[4].parse().expect("PORT");
    let cpu0 = cpu();
    let t = std::time::Instant::now();
    let mut times = match (mode, client) {
        ("bound", "raw socket loop") => {
            raw::client_bound(qos, n, port);
            Vec::new()
        }
        ("bound", "sansmqtt-smol") => {
            sansmqtt_client::client_bound(qos, n, port);
            Vec::new()
        }
        ("bound", "rumqttc") => {
            rumqttc_client::client_bound(qos, n, port);
            Vec::new()
        }
        ("rtt", "sansmqtt-smol") => sansmqtt_client::round_trips(qos, n, port),
        ("rtt", "rumqttc") => rumqttc_client::round_trips(qos, n, port),
        other => panic!("unknown child {other:?}"),
    };
    let wall = t.elapsed().as_secs_f64();
    let cpu = (cpu() - cpu0).as_secs_f64();
    times.sort();
    let pct = |p: f64| times.get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)));
    let secs = |d: Option<&Duration>| d.map_or(0.0, Duration::as_secs_f64);
    println!("figures {wall} {cpu} {} {}", secs(pct(0.5)), secs(pct(0.99)));
}

/// CPU time of the whole process (user + system, every thread). Zero with `E2E_NO_CPU` set, for
/// running a child under valgrind (whose vDSO rustix cannot read).
fn cpu() -> Duration {
    if std::env::var_os("E2E_NO_CPU").is_some() {
        return Duration::ZERO;
    }
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
