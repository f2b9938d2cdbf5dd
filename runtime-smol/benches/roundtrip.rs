//! End-to-end benchmark: one client publishes N messages of 64 B to its own subscription
//! through a Mosquitto started here on loopback, and waits until all have come back. Each
//! (client, QoS) runs in a child process of its own, so that CPU time (user + sys, from
//! /proc/self/stat, the same accounting as getrusage) and peak RSS (VmHWM) are the client's
//! alone; rumqttc runs the same scenario in the same invocation, so the figures are ratios.
//!
//! `cargo bench -p sansmqtt-smol --bench roundtrip` (N can be scaled: `-- --scale 0.1`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const PAYLOAD: [u8; 64] = [b'x'; 64];
const TOPIC: &str = "bench/roundtrip";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let (client, qos, n, port) = (
            &args[i + 1],
            args[i + 2].parse().unwrap(),
            args[i + 3].parse().unwrap(),
            args[i + 4].parse().unwrap(),
        );
        child(client, qos, n, port);
        return;
    }
    let scale: f64 = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let Some(broker) = Broker::start() else {
        eprintln!("mosquitto is not installed: apt-get install -y mosquitto");
        return;
    };
    println!("| client | QoS | messages | msg/s | client CPU µs/msg | peak RSS MiB | anon RSS MiB |");
    println!("|---|---|---|---|---|---|---|");
    for (qos, n) in [(0u8, 200_000u64), (1, 50_000), (2, 50_000)] {
        let n = ((n as f64) * scale).max(1000.0) as u64;
        for client in ["sansmqtt-smol", "rumqttc"] {
            let out = Command::new(&args[0])
                .args(["--child", client, &qos.to_string(), &n.to_string(), &broker.port.to_string()])
                .stderr(Stdio::inherit())
                .output()
                .expect("run child");
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

/// CPU seconds (user + sys) of this process so far, its peak RSS and its current anonymous
/// RSS (heap, stacks, written data: the memory the client itself uses, without the shared
/// libraries' and the binary's code), in bytes.
fn usage() -> (f64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    // Fields after the command: state is [0], utime is field 14 overall = [11], stime [12].
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (cpu, kib("VmHWM:"), kib("RssAnon:"))
}

#[allow(clippy::disallowed_methods)] // the benchmark's clock
fn child(client: &str, qos: u8, n: u64, port: u16) {
    let (cpu0, _, _) = usage();
    let start = std::time::Instant::now();
    match client {
        "sansmqtt-smol" => run_sansmqtt(qos, n, port),
        _ => run_rumqttc(qos, n, port),
    }
    let secs = start.elapsed().as_secs_f64();
    let (cpu1, hwm, anon) = usage();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("{} {} {} {}", n as f64 / secs, (cpu1 - cpu0) * 1e6 / n as f64, mib(hwm), mib(anon));
}

fn run_sansmqtt(qos: u8, n: u64, port: u16) {
    use sansmqtt_smol::{Client, Options, Outgoing, ProtocolVersion, QoS};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(qos)];
    let received = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = smol::channel::bounded::<()>(1);
    let r = received.clone();
    let mut options = Options::new(&format!("mqtt://127.0.0.1:{port}"))
        .unwrap()
        .version(ProtocolVersion::V3_1_1)
        .client_id("bench-sansmqtt")
        .on_message(move |_, _| {
            if r.fetch_add(1, Ordering::Relaxed) + 1 == n {
                let _ = done_tx.try_send(());
            }
        });
    let config = options.config_mut();
    config.max_inflight = 100;
    config.receive_maximum = 100;
    // As much buffering as rumqttc gets below: 100 requests waiting, 100 in flight.
    config.max_queued_messages = 100;
    let (client, driver) = Client::with_driver(options);
    // One thread: the driver and the application share it, as rumqttc's current-thread runtime does.
    smol::block_on(futures_lite::future::or(
        async {
            driver.run().await;
            panic!("driver stopped");
        },
        async {
            client.connect().await.unwrap();
            client.subscribe(TOPIC, qos).unwrap().wait().await.unwrap();
            let msg = Outgoing::new(TOPIC, &PAYLOAD, qos);
            for _ in 0..n {
                let _ = client.publish_message(&msg).await.unwrap();
            }
            futures_lite::future::or(async { done_rx.recv().await.unwrap() }, async {
                async_io::Timer::after(Duration::from_secs(120)).await;
                panic!("only {} of {n} messages came back", received.load(Ordering::Relaxed));
            })
            .await;
            client.disconnect().await.unwrap();
        },
    ));
}

fn run_rumqttc(qos: u8, n: u64, port: u16) {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(qos)];
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut options = MqttOptions::new("bench-rumqttc", "127.0.0.1", port);
        options.set_keep_alive(Duration::from_secs(60));
        options.set_inflight(100);
        let (client, mut eventloop) = AsyncClient::new(options, 100);
        client.subscribe(TOPIC, qos).await.unwrap();
        let publisher = tokio::task::spawn(async move {
            for _ in 0..n {
                client.publish(TOPIC, qos, false, PAYLOAD.to_vec()).await.unwrap();
            }
            client
        });
        let mut received = 0;
        while received < n {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(_))) => received += 1,
                Ok(_) => {}
                Err(e) => panic!("rumqttc: {e}"),
            }
        }
        let client = publisher.await.unwrap();
        client.disconnect().await.unwrap();
        // Let DISCONNECT go out.
        let _ = tokio::time::timeout(Duration::from_millis(100), eventloop.poll()).await;
    });
}

/// Mosquitto on a free loopback port, with a configuration of the benchmark's own.
struct Broker {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Broker {
    fn start() -> Option<Self> {
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir = std::env::temp_dir().join(format!("sansmqtt-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 100\nmax_queued_messages 0\n"),
        )
        .ok()?;
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..500 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self { child, port, dir });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
