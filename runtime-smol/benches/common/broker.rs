//! Mosquitto for the benchmarks: started on a free loopback port below the kernel's ephemeral
//! range (as the tests' brokers are), with the benchmark's configuration lines, and killed when
//! dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Mosquitto process of the benchmark's own.
pub(crate) struct Broker {
    child: Child,
    /// Its loopback port.
    pub(crate) port: u16,
    dir: PathBuf,
}

/// A port in 20000..32000 that is free now (bound and released), picked at random.
#[allow(clippy::disallowed_methods)] // a seed, not the protocol's clock
fn free_port() -> u16 {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut x = (u64::from(std::process::id()) << 20) ^ clock.as_nanos() as u64;
    for _ in 0..1000 {
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 29;
        let port = 20_000 + (x % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in 20000..32000")
}

impl Broker {
    /// Start Mosquitto with `extra` configuration lines (`None` if it is not installed).
    pub(crate) fn start(extra: &str) -> Option<Self> {
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("sansmqtt-bench-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let conf = dir.join("mosquitto.conf");
        std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\n{extra}\n")).ok()?;
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
