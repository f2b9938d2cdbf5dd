//! Start Mosquitto on a free loopback port with a configuration of the test's own.

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
    dir: PathBuf,
    bin: PathBuf,
}

/// The mosquitto binary, if installed.
pub fn binary() -> Option<PathBuf> {
    ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Whether a missing broker must fail the test (CI) instead of skipping it.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

impl Mosquitto {
    /// Start a broker with `extra` configuration lines, or `None` (after printing why) when
    /// mosquitto is not installed outside CI. Panics in CI when it is missing.
    pub fn start(name: &str, extra: &str) -> Option<Self> {
        let Some(bin) = binary() else {
            assert!(!required(), "mosquitto is not installed (CI=true): apt-get install -y mosquitto");
            eprintln!("skipping {name}: mosquitto is not installed (apt-get install -y mosquitto)");
            return None;
        };
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("sansmqtt-{name}-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        // Started as root, mosquitto drops to the `mosquitto` user: let it write its
        // persistence file there.
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777));
        }
        let conf = dir.join("mosquitto.conf");
        let mut f = std::fs::File::create(&conf).expect("config file");
        writeln!(
            f,
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence_location {}/\n{extra}",
            dir.display()
        )
        .expect("write config");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = spawn(&bin, &dir, addr);
        Some(Self { child, addr, dir, bin })
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
        self.child = spawn(&self.bin, &self.dir, self.addr);
    }
}

fn spawn(bin: &std::path::Path, dir: &std::path::Path, addr: SocketAddr) -> Child {
    let child = Command::new(bin)
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mosquitto");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start listening on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
