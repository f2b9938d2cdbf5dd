//! Start Mosquitto on a free loopback port with a configuration of the test's own; or, for
//! scenarios any broker serves, fall back to the in-process rumqttd on a developer's machine
//! without mosquitto ([`TestBroker`]). With `CI=true` a missing mosquitto is a failure.

use sansmqtt_proto::{ProtocolVersion, QoS};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Mosquitto, killed (by PID) when dropped.
pub struct Mosquitto {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its directory (configuration, persistence, `{DIR}` in the extra configuration).
    pub dir: PathBuf,
    bin: PathBuf,
}

/// The mosquitto binary, if installed. `SANSMQTT_NO_MOSQUITTO=1` pretends it is not (to try
/// the fallbacks on a machine that has it).
pub fn binary() -> Option<PathBuf> {
    if std::env::var_os("SANSMQTT_NO_MOSQUITTO").is_some_and(|v| !v.is_empty() && v != "0") {
        return None;
    }
    ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A broker for a scenario that does not depend on Mosquitto's specifics: Mosquitto, or on a
/// developer's machine without it the in-process rumqttd.
pub enum TestBroker {
    /// A Mosquitto of the test's own.
    Mosquitto(Mosquitto),
    /// The in-process rumqttd, which serves 3.1.1 and 5.0 on separate listeners.
    Rumqttd {
        /// The MQTT 3.1.1 listener.
        v311: SocketAddr,
        /// The MQTT 5.0 listener.
        v5: SocketAddr,
    },
}

impl TestBroker {
    /// Mosquitto with `extra` configuration lines; when mosquitto is not installed, the
    /// in-process rumqttd (after printing why). With `CI=true` a missing mosquitto fails.
    pub fn start(name: &str, extra: &str) -> Self {
        if binary().is_some() {
            return Self::Mosquitto(Mosquitto::start(name, extra).expect("mosquitto is installed"));
        }
        assert!(!required(), "mosquitto is not installed (CI=true): apt-get install -y mosquitto");
        eprintln!(
            "{name}: mosquitto is not installed (apt-get install -y mosquitto): running against the in-process rumqttd"
        );
        Self::Rumqttd {
            v311: crate::rumqttd::start(ProtocolVersion::V3_1_1),
            v5: crate::rumqttd::start(ProtocolVersion::V5),
        }
    }

    /// Where to connect with protocol `version`.
    pub fn addr(&self, version: ProtocolVersion) -> SocketAddr {
        match self {
            Self::Mosquitto(m) => m.addr,
            Self::Rumqttd { v5, .. } if version == ProtocolVersion::V5 => *v5,
            Self::Rumqttd { v311, .. } => *v311,
        }
    }

    /// Whether this is the in-process fallback, printing that `what` is skipped on it (for
    /// the parts of a scenario rumqttd does not serve).
    pub fn skips(&self, what: &str) -> bool {
        let fallback = matches!(self, Self::Rumqttd { .. });
        if fallback {
            eprintln!("skipping {what}: rumqttd (the fallback broker) does not serve it; install mosquitto");
        }
        fallback
    }

    /// The messages a round-trip scenario received (`got`) are the `expected` ones. On
    /// mosquitto every field is compared. The fallback delivers at the subscription's QoS
    /// instead of the lower of the two (the broker's job, not the client's): there the
    /// delivered QoS is not compared, and the test says it skips that part; topics and
    /// payloads still are. Observed values are never rewritten.
    pub fn assert_delivered<T: PartialEq + std::fmt::Debug>(
        &self,
        got: &[(String, T, QoS)],
        expected: &[(String, T, QoS)],
        what: &str,
    ) {
        if self.skips("the delivered QoS (rumqttd delivers at the subscription's QoS)") {
            fn strip<T>(l: &[(String, T, QoS)]) -> Vec<(&str, &T)> {
                l.iter().map(|(t, p, _)| (t.as_str(), p)).collect()
            }
            assert_eq!(strip(got), strip(expected), "{what}");
        } else {
            assert_eq!(got, expected, "{what}");
        }
    }
}

/// Whether a missing broker must fail the test (CI) instead of skipping it.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A loopback port for a broker that binds it itself (Mosquitto, rumqttd), free now. Taken
/// below the kernel's ephemeral range (32768 and up here): a port from `bind(0)`, released and
/// bound again by the broker a moment later, can meanwhile become the source port of some
/// test's outgoing connection (or another broker's pick), and the broker then fails to bind
/// while the readiness probe reaches whoever holds the port. Picked at random per process and
/// call, checked free, and never handed out twice by one process (two tests of one binary
/// could otherwise both pick a port before either broker binds it, or one could pick the port
/// of a broker that another test has stopped to restart).
pub fn free_port() -> u16 {
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seed = u64::from(std::process::id()) << 20 ^ clock.as_nanos() as u64;
    for _ in 0..1000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut x = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 29;
        let port = 20_000 + (x % 12_000) as u16;
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        let given = given.get_or_insert_with(HashSet::new);
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return port;
        }
    }
    panic!("no free loopback port in 20000..32000")
}

impl Mosquitto {
    /// Start a broker with `extra` configuration lines (`{DIR}` in them stands for the broker's
    /// own directory, writable by it: `listener 0 {DIR}/mqtt.sock` adds a Unix socket), or
    /// `None` (after printing why) when mosquitto is not installed outside CI. Panics in CI
    /// when it is missing.
    pub fn start(name: &str, extra: &str) -> Option<Self> {
        Self::start_with(name, extra, None)
    }

    /// Start a broker that admits only `user` with `password` (a password file made with
    /// `mosquitto_passwd -b -c`; anonymous clients are refused), or `None` as
    /// [`Mosquitto::start`] does.
    pub fn start_with_password(name: &str, user: &str, password: &str) -> Option<Self> {
        Self::start_with(name, "", Some((user, password)))
    }

    fn start_with(name: &str, extra: &str, login: Option<(&str, &str)>) -> Option<Self> {
        let Some(bin) = binary() else {
            assert!(!required(), "mosquitto is not installed (CI=true): apt-get install -y mosquitto");
            eprintln!(
                "skipping {name}: it needs mosquitto itself, which is not installed (apt-get install -y mosquitto)"
            );
            return None;
        };
        // A port another process took between the pick and mosquitto's bind: pick again.
        for _ in 0..5 {
            let port = free_port();
            let dir = std::env::temp_dir().join(format!("sansmqtt-{name}-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            // Started as root, mosquitto drops to the `mosquitto` user: let it write its
            // persistence file and its log there.
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777));
            }
            let access = match login {
                None => "allow_anonymous true".to_string(),
                Some((user, password)) => {
                    let file = dir.join("passwords");
                    let made = Command::new("mosquitto_passwd")
                        .arg("-b")
                        .arg("-c")
                        .arg(&file)
                        .arg(user)
                        .arg(password)
                        .stdout(Stdio::null())
                        .status()
                        .expect("run mosquitto_passwd (package mosquitto)");
                    assert!(made.success(), "mosquitto_passwd failed");
                    {
                        use std::os::unix::fs::PermissionsExt;
                        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644));
                    }
                    format!("allow_anonymous false\npassword_file {}", file.display())
                }
            };
            let conf = dir.join("mosquitto.conf");
            let mut f = std::fs::File::create(&conf).expect("config file");
            let extra = extra.replace("{DIR}", &dir.display().to_string());
            writeln!(
                f,
                "listener {port} 127.0.0.1\n{access}\npersistence_location {}/\nlog_dest file {}/mosquitto.log\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n{extra}",
                dir.display(),
                dir.display()
            )
            .expect("write config");
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            match spawn(&bin, &dir, addr) {
                Ok(child) => return Some(Self { child, addr, dir, bin }),
                Err(log) if log.contains("in use") => {
                    eprintln!("{name}: port {port} was taken before mosquitto bound it; picking another");
                    let _ = std::fs::remove_dir_all(&dir);
                }
                Err(log) => panic!("mosquitto ({name}) exited while starting on {addr}:\n{log}"),
            }
        }
        panic!("mosquitto ({name}) found no free port in 5 tries")
    }

    /// Stop the broker with SIGTERM (by PID), so that a `persistence true` broker saves its
    /// state, and wait for it to exit.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.wait();
    }

    /// Start the broker again on the same port with the same configuration and data.
    pub fn restart(&mut self) {
        self.terminate();
        self.start_again();
    }

    /// After [`Mosquitto::terminate`]: start it again on the same port, configuration and data.
    pub fn start_again(&mut self) {
        self.child = spawn(&self.bin, &self.dir, self.addr)
            .unwrap_or_else(|log| panic!("mosquitto exited while starting again on {}:\n{log}", self.addr));
    }
}

/// Start mosquitto on the configuration in `dir` and wait until it serves `addr`: its own
/// log says it is running (after its listeners are open) and a connection to `addr` is
/// accepted. A probe alone could reach another process on the port while this mosquitto
/// failed to bind it. `Err` holds the log of a mosquitto that exited instead.
fn spawn(bin: &std::path::Path, dir: &std::path::Path, addr: SocketAddr) -> Result<Child, String> {
    let log = dir.join("mosquitto.log");
    let _ = std::fs::remove_file(&log);
    let mut child = Command::new(bin)
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mosquitto");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{status}\n{text}"));
        }
        if text.contains(" running") && TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
        {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mosquitto did not start listening on {addr}; its log:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
