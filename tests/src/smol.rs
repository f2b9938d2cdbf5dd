//! Helpers for tests of the smol client: a hard timeout around every test body, options
//! with a fast reconnect, and waiting for an event.

use sansmqtt_proto::ProtocolVersion;
use sansmqtt_smol::{Backoff, Event, Events, Options};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// How long one expected event may take.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Run `f` to completion on the current thread, failing the test after `limit`.
pub fn run<T>(limit: Duration, f: impl Future<Output = T>) -> T {
    init_log();
    smol::block_on(futures_lite::future::or(f, async move {
        async_io::Timer::after(limit).await;
        panic!("test exceeded its hard timeout of {limit:?}");
    }))
}

/// Options for `addr` with `version`, client id `id`, keep-alive 5 s and a fast reconnect
/// (50 ms doubling to 500 ms).
pub fn options(addr: SocketAddr, version: ProtocolVersion, id: &str) -> Options {
    Options::new(&format!("mqtt://{addr}"))
        .expect("url")
        .version(version)
        .client_id(id)
        .keep_alive(Duration::from_secs(5))
        .reconnect(Some(
            Backoff::new(Duration::from_millis(50), Duration::from_millis(500)).with_jitter(0.2).with_seed(7),
        ))
}

/// The next event satisfying `pred` (others are skipped), or a panic naming `what`.
pub async fn expect(events: &mut Events, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
    let wait = async {
        loop {
            match events.recv().await {
                Some(e) if pred(&e) => return e,
                Some(_) => {}
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    };
    futures_lite::future::or(wait, async {
        async_io::Timer::after(EVENT_TIMEOUT).await;
        panic!("no {what} within {EVENT_TIMEOUT:?}");
    })
    .await
}

struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        if r.target().starts_with("sansmqtt") {
            eprintln!("[{:?}] {} {}: {}", std::thread::current().id(), r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

/// Print the client's `log` records to stderr when `SANSMQTT_LOG` is set (debug, info, warn).
pub fn init_log() {
    if let Ok(level) = std::env::var("SANSMQTT_LOG") {
        let _ = log::set_logger(&StderrLog);
        log::set_max_level(level.parse().unwrap_or(log::LevelFilter::Debug));
    }
}
