//! What both clients of the many-sessions benchmark share: the scenario's constants, the
//! process's resident memory and CPU time, and the line of figures printed for the parent.

use std::time::Duration;

/// The topic every session publishes its one QoS 1 message to (nobody subscribes).
pub(crate) const TOPIC: &str = "bench/sessions";
/// The payload of that message.
pub(crate) const PAYLOAD: [u8; 16] = [b'x'; 16];
/// Keep-alive of every session (both clients): nothing is due while the sessions idle.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(60);
/// Connections opened at once: Mosquitto's listen backlog is 100 here, and SYNs beyond it
/// would be retransmitted after a second, which would measure the kernel's retry timer.
pub(crate) const CONNECT_WINDOW: usize = 64;

/// Resident memory of this process in KiB: (VmRSS, RssAnon) from /proc/self/status.
pub(crate) fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:"), kib("RssAnon:"))
}

/// CPU time of the whole process (every thread, user + system: what getrusage(RUSAGE_SELF)
/// adds up, read from CLOCK_PROCESS_CPUTIME_ID at nanosecond resolution).
pub(crate) fn cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The child's arguments: `N PORT IDLE-SECONDS` after `--child NAME`.
pub(crate) struct Args {
    /// Sessions to open.
    pub(crate) n: usize,
    /// The broker's loopback port.
    pub(crate) port: u16,
    /// How long the sessions idle while CPU time is measured.
    pub(crate) idle: Duration,
}

/// What a child measured, printed as one line for the parent.
#[derive(Default, Debug)]
pub(crate) struct Figures {
    /// From the first connect to the last CONNACK.
    pub(crate) connect: Duration,
    /// Resident KiB per session once the clients exist, before they connect.
    pub(crate) created_kib: f64,
    /// Resident KiB per session, connected and idle.
    pub(crate) idle_kib: f64,
    /// Anonymous resident KiB per session, connected and idle.
    pub(crate) idle_anon_kib: f64,
    /// CPU time spent while idling, as a percentage of one core.
    pub(crate) idle_cpu_pct: f64,
    /// From the first publish to the last PUBACK.
    pub(crate) acked: Duration,
}

impl Figures {
    /// Per-session figures from the resident memory at the start, once the clients exist and
    /// once they are connected and idle.
    pub(crate) fn memory(&mut self, n: usize, start: (u64, u64), created: (u64, u64), idle: (u64, u64)) {
        let per = |after: u64, before: u64| after.saturating_sub(before) as f64 / n as f64;
        self.created_kib = per(created.0, start.0);
        self.idle_kib = per(idle.0, start.0);
        self.idle_anon_kib = per(idle.1, start.1);
    }

    /// The line the parent reads.
    pub(crate) fn print(&self) {
        println!(
            "figures {} {} {} {} {} {}",
            self.connect.as_secs_f64(),
            self.created_kib,
            self.idle_kib,
            self.idle_anon_kib,
            self.idle_cpu_pct,
            self.acked.as_secs_f64()
        );
    }

    /// Parse a line printed by [`Figures::print`].
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("figures ")?;
        let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().ok()).collect::<Option<_>>()?;
        let [connect, created_kib, idle_kib, idle_anon_kib, idle_cpu_pct, acked] = f[..] else { return None };
        Some(Self {
            connect: Duration::from_secs_f64(connect),
            created_kib,
            idle_kib,
            idle_anon_kib,
            idle_cpu_pct,
            acked: Duration::from_secs_f64(acked),
        })
    }
}
