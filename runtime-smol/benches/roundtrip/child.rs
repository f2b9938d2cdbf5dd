//! What both benchmark clients share: the scenario's constants, the arguments, and the
//! measurement printed for the parent.

use std::time::Duration;

/// The payload of every message.
pub(crate) const PAYLOAD: [u8; 64] = [b'x'; 64];
/// The topic published to and subscribed to.
pub(crate) const TOPIC: &str = "bench/roundtrip";
/// Messages in flight (and, for sansmqtt, waiting in its queue: rumqttc's request channel
/// holds as many).
pub(crate) const WINDOW: u16 = 100;
/// How long the messages may take to come back.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

/// `QOS N PORT` from the command line.
pub(crate) fn args() -> (u8, u64, u16) {
    let a: Vec<String> = std::env::args().collect();
    let get = |i: usize| a.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or_else(|| usage());
    (get(1) as u8, get(2), get(3) as u16)
}

fn usage() -> ! {
    eprintln!("run by the roundtrip benchmark: QOS N PORT");
    std::process::exit(2)
}

/// CPU seconds (user + sys) of this process so far, its peak RSS and its current anonymous
/// RSS (heap, stacks, written data: the memory the client itself uses, without the shared
/// libraries' and the binary's code pages), in bytes.
fn usage_now() -> (f64, u64, u64) {
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

/// Run `scenario` for `n` messages and print `msg/s CPU-µs/msg peak-RSS-MiB anon-RSS-MiB`.
#[allow(clippy::disallowed_methods)] // the benchmark's clock
pub(crate) fn measure(n: u64, scenario: impl FnOnce()) {
    let (cpu0, _, _) = usage_now();
    let start = std::time::Instant::now();
    scenario();
    let secs = start.elapsed().as_secs_f64();
    let (cpu1, hwm, anon) = usage_now();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("{} {} {} {}", n as f64 / secs, (cpu1 - cpu0) * 1e6 / n as f64, mib(hwm), mib(anon));
}
