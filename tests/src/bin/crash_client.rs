//! A publisher or subscriber process for `tests/tests/smol_crash.rs`, killed with SIGKILL at
//! random moments and started again on its files. It keeps its session in a file store and
//! its application's progress in files of its own, in the directory it is given.
//!
//! ```text
//! crash_client pub ADDR QOS N DIR V   publish 0..N on topic "crash" at QOS, then exit 0 once
//!                                     all are acknowledged (V: MQTT version, 4 or 5)
//! crash_client sub ADDR QOS N DIR V   receive until every one of 0..N was seen, then exit 0
//! ```
//!
//! The publisher's payload is `i` and its incarnation (how many times it started), both u32
//! big-endian: a message published again by a later incarnation (its progress counter was
//! not yet written when it was killed) is told from a duplicate of the protocol's making.
//! `DIR/pub.counter` holds the first `i` not known to be in the store: written (atomically)
//! after [`Client::flush_store`] returned for a batch. `DIR/pub.restarts` logs each start's
//! incarnation and counter.
//!
//! The subscriber acknowledges by hand. For each batch of messages it takes from the event
//! stream it appends their entries (`i`, incarnation, dup flag) to `DIR/sub.log` and syncs (the
//! application's effect is durable), then acks them, waits for the store
//! ([`Client::flush_store`]: the PUBREC's record is durable), then appends a seal entry and
//! syncs; each start appends a start entry. A message logged but not sealed before a kill may be delivered again (the effect was
//! durable, the ack's record not yet): the window `sansmqtt_session::persist` describes.
//! `DIR/sub.ready` appears once the subscription is acknowledged.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Backoff, Client, Event, Options};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// The seal entry's first word.
const SEAL: u32 = u32::MAX;
/// The first word of the entry written at each start.
const START: u32 = u32::MAX - 1;
/// Messages the publisher publishes between two writes of its counter.
const BATCH: u32 = 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, role, addr, qos, n, dir, version] = args.as_slice() else {
        eprintln!("usage: crash_client pub|sub ADDR QOS N DIR 4|5");
        std::process::exit(2);
    };
    let version = if version == "4" { ProtocolVersion::V3_1_1 } else { ProtocolVersion::V5 };
    let qos = match qos.as_str() {
        "1" => QoS::AtLeastOnce,
        "2" => QoS::ExactlyOnce,
        _ => QoS::AtMostOnce,
    };
    let n: u32 = n.parse().expect("N");
    let dir = Path::new(dir);
    let result = smol::block_on(async {
        match role.as_str() {
            "pub" => publisher(addr, version, qos, n, dir).await,
            _ => subscriber(addr, version, qos, n, dir).await,
        }
    });
    if let Err(e) = result {
        eprintln!("crash_client {role}: {e}");
        std::process::exit(1);
    }
}

/// Options for a persistent session with a store.
fn options(addr: &str, version: ProtocolVersion, id: &str, store: &Path) -> Options {
    let mut o = Options::new(&format!("mqtt://{addr}"))
        .expect("url")
        .version(version)
        .client_id(id)
        .clean_start(false)
        .session_expiry(3600)
        .keep_alive(Duration::from_secs(5))
        .event_capacity(4096)
        .reconnect(Some(Backoff::new(Duration::from_millis(20), Duration::from_millis(200))));
    // CRASH_NO_STORE=1: the check of the check (without a store, the QoS 2 test must fail).
    o = if std::env::var_os("CRASH_NO_STORE").is_some() { o.resume_stored_session() } else { o.store(store) };
    // Mosquitto 2.0.11 frees a Receive Maximum slot at PUBREC instead of PUBCOMP (see
    // smol_restart.rs): announce the largest.
    o.config_mut().receive_maximum = u16::MAX;
    o
}

fn read_u32(path: &Path) -> u32 {
    std::fs::read(path).ok().and_then(|b| b.get(..4)?.try_into().ok()).map_or(0, u32::from_be_bytes)
}

/// Replace the file at `path` with `bytes`, durably.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    File::open(path.parent().unwrap_or(Path::new(".")))?.sync_all()
}

async fn publisher(
    addr: &str,
    version: ProtocolVersion,
    qos: QoS,
    n: u32,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let counter = dir.join("pub.counter");
    let incarnation = read_u32(&dir.join("pub.incarnation")) + 1;
    write_atomic(&dir.join("pub.incarnation"), &incarnation.to_be_bytes())?;
    let mut next = read_u32(&counter);
    let mut restarts = OpenOptions::new().create(true).append(true).open(dir.join("pub.restarts"))?;
    restarts.write_all(&[incarnation.to_be_bytes(), next.to_be_bytes()].concat())?;
    restarts.sync_all()?;

    let client = Client::new(options(addr, version, "crash-pub", &dir.join("pub.store")));
    client.connect().await?;
    while next < n {
        let end = (next + BATCH).min(n);
        for i in next..end {
            let payload = [i.to_be_bytes(), incarnation.to_be_bytes()].concat();
            client.publish("crash", payload, qos, false).await?;
        }
        client.flush_store().await?;
        write_atomic(&counter, &end.to_be_bytes())?;
        next = end;
    }
    while client.inflight() + client.queued() > 0 {
        async_io::Timer::after(Duration::from_millis(10)).await;
    }
    client.disconnect().await?;
    Ok(())
}

/// A subscriber log entry: `i`, the publisher's incarnation, flags (bit 0: DUP).
fn entry(a: u32, b: u32, c: u32) -> [u8; 12] {
    let mut e = [0; 12];
    e[..4].copy_from_slice(&a.to_be_bytes());
    e[4..8].copy_from_slice(&b.to_be_bytes());
    e[8..].copy_from_slice(&c.to_be_bytes());
    e
}

async fn subscriber(
    addr: &str,
    version: ProtocolVersion,
    qos: QoS,
    n: u32,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let log_path = dir.join("sub.log");
    let mut seen: HashSet<u32> = std::fs::read(&log_path)
        .unwrap_or_default()
        .chunks_exact(12)
        .map(|e| u32::from_be_bytes([e[0], e[1], e[2], e[3]]))
        .filter(|&i| i != SEAL && i != START)
        .collect();
    let mut log = OpenOptions::new().create(true).append(true).open(&log_path)?;
    // Entries are whole: a kill mid-write leaves a partial one; cut it.
    let len = log.metadata()?.len();
    log.set_len(len - len % 12)?;
    log.write_all(&entry(START, 0, 0))?;
    log.sync_data()?;

    let client = Client::new(options(addr, version, "crash-sub", &dir.join("sub.store")).manual_acks());
    let mut events = client.events();
    client.connect().await?;
    client.subscribe("crash", qos)?.wait().await?;
    File::create(dir.join("sub.ready"))?.sync_all()?;
    while (seen.len() as u32) < n {
        let mut batch = Vec::new();
        match events.recv().await {
            Some(e) => batch.push(e),
            None => return Err("event stream ended".into()),
        }
        while let Some(Some(e)) = futures_lite::future::poll_once(events.recv()).await {
            batch.push(e);
        }
        let mut bytes = Vec::new();
        let mut acks = Vec::new();
        for e in batch {
            if let Event::Message(m) = e {
                let p = &m.payload;
                let (i, inc) = (
                    u32::from_be_bytes([p[0], p[1], p[2], p[3]]),
                    u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
                );
                bytes.extend_from_slice(&entry(i, inc, u32::from(m.dup)));
                seen.insert(i);
                acks.extend(m.ack_token);
            }
        }
        if bytes.is_empty() {
            continue;
        }
        log.write_all(&bytes)?;
        log.sync_data()?;
        for a in acks {
            // A token from before a reconnect is unknown: the broker sends that message again.
            if let Err(e @ sansmqtt_smol::Error::Store(_)) = client.ack(a) {
                return Err(e.into());
            }
        }
        client.flush_store().await?;
        log.write_all(&entry(SEAL, 0, 0))?;
        log.sync_data()?;
    }
    client.disconnect().await?;
    Ok(())
}
