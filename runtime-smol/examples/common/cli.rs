//! Options shared by the `pub` and `sub` examples, in the spirit of mosquitto_pub / mosquitto_sub.
#![allow(dead_code, missing_docs)]

use sansmqtt_smol::{Options, ProtocolVersion, QoS, WillConfig};
use std::time::Duration;

/// Parsed command line.
#[derive(Debug, Default)]
pub(crate) struct Cli {
    pub(crate) broker: Option<String>,
    pub(crate) topics: Vec<String>,
    pub(crate) qos: u8,
    pub(crate) retain: bool,
    pub(crate) message: Option<String>,
    pub(crate) file: Option<String>,
    pub(crate) stdin_lines: bool,
    pub(crate) null_message: bool,
    pub(crate) count: Option<u64>,
    pub(crate) version: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) persistent: bool,
    pub(crate) session_expiry: Option<u32>,
    pub(crate) keep_alive: Option<u64>,
    pub(crate) receive_maximum: Option<u16>,
    pub(crate) max_inflight: Option<u16>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) will_topic: Option<String>,
    pub(crate) will_payload: Option<String>,
    pub(crate) will_qos: u8,
    pub(crate) will_retain: bool,
    pub(crate) cafile: Option<String>,
    pub(crate) cert: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) verbose: bool,
    pub(crate) quiet: bool,
}

pub(crate) const COMMON_HELP: &str = "\
  -L, --broker URL       mqtt://[user:pass@]host[:port], mqtts://, ws://, wss:// (default mqtt://127.0.0.1:1883)
  -t, --topic TOPIC      topic (sub: filter; repeatable)
  -q, --qos 0|1|2        QoS (default 0)
  -V, --mqtt-version V   3.1.1 or 5 (default 5)
  -i, --id ID            client id (default: random)
  -c, --persistent       no clean session (3.1.1) / clean start 0 and session expiry (5.0)
  -x, --session-expiry S session expiry interval in seconds with -c (default 3600)
  -k, --keepalive S      keep-alive seconds (default 60)
  --receive-maximum N    QoS 1/2 messages the broker may have unacknowledged (5.0; default 65535)
  --max-inflight N       QoS 1/2 messages this client has unacknowledged at most (default 20)
  -u, --username U       user name;  -P, --pw PASS  password
  --will-topic T --will-payload P --will-qos Q --will-retain    will message
  --cafile F --cert F --key F    TLS: CA, client certificate and key (PEM; feature `tls`)
  -d                     log the client's events (to stderr)";

fn qos(v: u8) -> QoS {
    match v {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

impl Cli {
    /// Parse `std::env::args`, or print `usage` and exit.
    pub(crate) fn parse(usage: &str) -> Self {
        let mut c = Self::default();
        let mut args = std::env::args().skip(1);
        let fail = |msg: String| -> ! {
            eprintln!("{msg}\n\n{usage}\n{COMMON_HELP}");
            std::process::exit(2)
        };
        while let Some(a) = args.next() {
            let mut val = || args.next().unwrap_or_else(|| fail(format!("{a} needs a value")));
            let num = |s: String| -> u64 { s.parse().unwrap_or_else(|_| fail(format!("not a number: {s}"))) };
            match a.as_str() {
                "-L" | "--broker" | "--url" => c.broker = Some(val()),
                "-t" | "--topic" => c.topics.push(val()),
                "-q" | "--qos" => c.qos = num(val()).min(2) as u8,
                "-r" | "--retain" => c.retain = true,
                "-m" | "--message" => c.message = Some(val()),
                "-f" | "--file" => c.file = Some(val()),
                "-l" | "--stdin-line" => c.stdin_lines = true,
                "-n" | "--null-message" => c.null_message = true,
                "-C" | "--count" | "--repeat" => c.count = Some(num(val())),
                "-V" | "--mqtt-version" => c.version = Some(val()),
                "-i" | "--id" => c.client_id = Some(val()),
                "-c" | "--persistent" | "--disable-clean-session" => c.persistent = true,
                "-x" | "--session-expiry" => c.session_expiry = Some(num(val()) as u32),
                "-k" | "--keepalive" => c.keep_alive = Some(num(val())),
                "--receive-maximum" => c.receive_maximum = Some(num(val()).clamp(1, 65_535) as u16),
                "--max-inflight" => c.max_inflight = Some(num(val()).clamp(1, 65_535) as u16),
                "-u" | "--username" => c.username = Some(val()),
                "-P" | "--pw" => c.password = Some(val()),
                "--will-topic" => c.will_topic = Some(val()),
                "--will-payload" => c.will_payload = Some(val()),
                "--will-qos" => c.will_qos = num(val()).min(2) as u8,
                "--will-retain" => c.will_retain = true,
                "--cafile" => c.cafile = Some(val()),
                "--cert" => c.cert = Some(val()),
                "--key" => c.key = Some(val()),
                "-v" | "--verbose" => c.verbose = true,
                "--quiet" => c.quiet = true,
                "-d" | "--debug" => init_log(),
                "-h" | "--help" => {
                    println!("{usage}\n{COMMON_HELP}");
                    std::process::exit(0)
                }
                other => fail(format!("unknown option {other}")),
            }
        }
        if c.topics.is_empty() {
            fail("a topic is required (-t)".into());
        }
        c
    }

    pub(crate) fn qos(&self) -> QoS {
        qos(self.qos)
    }

    /// Client options from the command line.
    pub(crate) fn options(&self, default_id: &str) -> Result<Options, Box<dyn std::error::Error>> {
        let url = self.broker.clone().unwrap_or_else(|| "mqtt://127.0.0.1:1883".into());
        let mut o = Options::new(&url)?
            .version(match self.version.as_deref() {
                Some("3.1.1" | "311" | "4" | "mqttv311") => ProtocolVersion::V3_1_1,
                _ => ProtocolVersion::V5,
            })
            .keep_alive(Duration::from_secs(self.keep_alive.unwrap_or(60)))
            .reconnect(None);
        if let Some(max) = self.receive_maximum {
            o.config_mut().receive_maximum = max;
        }
        if let Some(max) = self.max_inflight {
            o.config_mut().max_inflight = max;
        }
        o = o.client_id(
            self.client_id.clone().unwrap_or_else(|| format!("{default_id}-{}", std::process::id())),
        );
        if self.persistent {
            // Like mosquitto_sub -c: a new process takes up the session a previous one left.
            o = o
                .clean_start(false)
                .session_expiry(self.session_expiry.unwrap_or(3600))
                .resume_stored_session();
        }
        if let Some(u) = &self.username {
            o = o.credentials(u.clone(), self.password.clone().unwrap_or_default());
        }
        if let Some(t) = &self.will_topic {
            o = o.will({
                let mut w = WillConfig::new(
                    t.clone(),
                    self.will_payload.clone().unwrap_or_default().into_bytes(),
                    qos(self.will_qos),
                );
                w.retain = self.will_retain;
                w
            });
        }
        #[cfg(feature = "tls")]
        if self.cafile.is_some() || self.cert.is_some() {
            let mut tls = sansmqtt_smol::TlsOptions::new();
            if let Some(ca) = &self.cafile {
                tls = tls.ca_file(ca)?;
            }
            if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
                tls = tls.client_auth_pem(&std::fs::read(cert)?, &std::fs::read(key)?)?;
            }
            o = o.tls(tls);
        }
        #[cfg(not(feature = "tls"))]
        if self.cafile.is_some() || self.cert.is_some() {
            return Err("TLS options need the `tls` feature (--features tls)".into());
        }
        Ok(o)
    }
}

/// Elapsed-time and rate bookkeeping for the progress and summary lines.
pub(crate) struct Meter {
    start: std::time::Instant,
    last: std::time::Instant,
}

impl Meter {
    #[allow(clippy::disallowed_methods)] // the examples' clock
    pub(crate) fn new() -> Self {
        let now = std::time::Instant::now();
        Self { start: now, last: now }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// True once per second (for a progress line).
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn tick(&mut self) -> bool {
        if self.last.elapsed() >= Duration::from_secs(1) {
            self.last = std::time::Instant::now();
            true
        } else {
            false
        }
    }

    pub(crate) fn rate(&self, n: u64) -> f64 {
        n as f64 / self.elapsed().as_secs_f64().max(1e-9)
    }
}

struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        eprintln!("{} {}: {}", r.level(), r.target(), r.args());
    }
    fn flush(&self) {}
}

fn init_log() {
    let _ = log::set_logger(&StderrLog);
    log::set_max_level(log::LevelFilter::Debug);
}
