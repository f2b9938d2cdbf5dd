//! Helpers for the tests of `sansmqtt-pub` / `sansmqtt-sub`: building them, running them and
//! mosquitto's tools with a guard against hangs, and an observer that records what a tool
//! published.
#![allow(clippy::disallowed_methods)] // A test harness: it reads the clock for its guards.

use crate::mosquitto;
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_smol::{Client, Options};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A hung tool is killed after this (a failure guard, not a timing assertion).
pub const GUARD: Duration = Duration::from_secs(20);

/// What the observer saw of one message, comparable across the two tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The topic without the tool's prefix.
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// QoS.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// v5 properties as text: content type, response topic, correlation data, payload format,
    /// user properties, and whether a message expiry was present (the remaining seconds
    /// depend on when the broker forwards it).
    pub properties: Vec<String>,
}

/// The binaries under test, built once.
pub fn our_binaries() -> (PathBuf, PathBuf) {
    static BUILT: Mutex<Option<(PathBuf, PathBuf)>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap();
    if let Some(b) = built.as_ref() {
        return b.clone();
    }
    // target/<profile>/deps/<this test> → target
    let exe = std::env::current_exe().expect("current exe");
    let target =
        exe.parent().and_then(Path::parent).and_then(Path::parent).expect("target dir").to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "sansmqtt-smol", "--features", "cli", "--bins", "--target-dir"])
        .arg(&target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building sansmqtt-pub / sansmqtt-sub failed");
    let b = (target.join("debug/sansmqtt-pub"), target.join("debug/sansmqtt-sub"));
    *built = Some(b.clone());
    b
}

/// Whether mosquitto and its clients are here; outside CI their absence skips the test.
pub fn tools_present(name: &str) -> bool {
    let clients = Command::new("mosquitto_pub").arg("--help").output().is_ok();
    if mosquitto::binary().is_some() && clients {
        return true;
    }
    assert!(!mosquitto::required(), "{name}: mosquitto and mosquitto-clients are needed (CI=true)");
    eprintln!("skipping {name}: apt-get install -y mosquitto mosquitto-clients");
    false
}

/// One run of a tool: exit code, stdout, stderr.
pub struct Run {
    /// Exit code (-1: killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Run `bin` with `args` (and `stdin`), killing it after [`GUARD`].
pub fn run(bin: &Path, args: &[String], stdin: Option<&str>) -> Run {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > GUARD {
            let _ = child.kill();
            panic!("{} {args:?} still running after {GUARD:?}", bin.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The observer: the library client, subscribed to `m/#` and `s/#` with retain-as-published,
/// recording every message by prefix.
pub struct Observer {
    _client: Client,
    seen: Arc<Mutex<BTreeMap<String, Vec<Seen>>>>,
}

impl Observer {
    /// Connect and subscribe; returns once subscribed.
    pub fn start(port: u16) -> Self {
        let seen: Arc<Mutex<BTreeMap<String, Vec<Seen>>>> = Arc::default();
        let s = seen.clone();
        let options = Options::new(&format!("mqtt://127.0.0.1:{port}"))
            .expect("url")
            .version(ProtocolVersion::V5)
            .client_id("cli-observer")
            .on_message(move |_, m| {
                let (prefix, topic) = m.topic.split_at(2);
                let p = &m.properties;
                let mut properties = Vec::new();
                if let Some(c) = &p.content_type {
                    properties.push(format!("content-type={}", c.as_str()));
                }
                if let Some(r) = &p.response_topic {
                    properties.push(format!("response-topic={}", r.as_str()));
                }
                if let Some(d) = &p.correlation_data {
                    properties.push(format!("correlation-data={}", String::from_utf8_lossy(d.as_bytes())));
                }
                if let Some(f) = p.payload_format_indicator {
                    properties.push(format!("payload-format={f:?}"));
                }
                if p.message_expiry_interval.is_some() {
                    properties.push("message-expiry".into());
                }
                for u in p.user_properties.iter() {
                    properties.push(format!("user {}={}", u.name.as_str(), u.value.as_str()));
                }
                let msg = Seen {
                    topic: topic.to_string(),
                    payload: m.payload.clone(),
                    qos: m.qos,
                    retain: m.retain,
                    properties,
                };
                s.lock().unwrap().entry(prefix.to_string()).or_default().push(msg);
            });
        let client = Client::new(options);
        smol::block_on(async {
            client.connect().await.expect("observer connects");
            let mut o = SubscriptionOptions::new(QoS::ExactlyOnce);
            o.retain_as_published = true;
            client
                .subscribe_many(&[("m/#", o), ("s/#", o)])
                .expect("subscribe")
                .wait()
                .await
                .expect("suback");
        });
        Self { _client: client, seen }
    }

    /// What arrived under `prefix` once nothing more comes for 300 ms (at most 10 s).
    pub fn take(&self, prefix: &str) -> Vec<Seen> {
        let start = Instant::now();
        let (mut last, mut since) = (usize::MAX, Instant::now());
        loop {
            let n = self.seen.lock().unwrap().get(prefix).map_or(0, Vec::len);
            if n != last {
                (last, since) = (n, Instant::now());
            }
            if since.elapsed() > Duration::from_millis(300) || start.elapsed() > Duration::from_secs(10) {
                return self.seen.lock().unwrap().remove(prefix).unwrap_or_default();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Start `bin` with `args`; [`finish`] collects it.
pub fn spawn(bin: &Path, args: &[String]) -> std::process::Child {
    Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()))
}

/// Wait for `child` (killed after [`GUARD`]): exit code, stdout, stderr.
pub fn finish(mut child: std::process::Child) -> Run {
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > GUARD {
            let _ = child.kill();
            panic!("a tool still runs after {GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A loopback port free now (for a listener the test binds itself, or a closed port): the
/// brokers' picker, below the kernel's ephemeral range, so that no outgoing connection of
/// another test takes it meanwhile.
pub use crate::mosquitto::free_port;
