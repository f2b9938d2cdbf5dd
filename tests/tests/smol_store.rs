//! The smol client's file store (`Options::store`) against Mosquitto: a client whose driver
//! dies with QoS 1 and QoS 2 publishes in flight (sent into a link that delivers nothing, so
//! the broker has not seen them) is started again on its store file by a new client, which
//! resends them on its own; the subscriber gets each exactly once. A damaged store is refused.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Error, Event, Options, StoreError, StoreSync};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::proxy::Proxy;
use sansmqtt_tests::smol::{expect, options, run};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// A fresh directory for store files.
fn store_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sansmqtt-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("store dir");
    dir
}

/// A publisher with a persistent session and a store at `path`.
fn stored(addr: SocketAddr, v: ProtocolVersion, id: &str, path: &Path, sync: StoreSync) -> Options {
    options(addr, v, id).clean_start(false).session_expiry(3600).store(path).store_sync(sync)
}

/// Publish 3 QoS 1 and 3 QoS 2 messages into a frozen link, make them durable, then kill the
/// driver (no DISCONNECT; the broker never saw them). A new client on the same store resends
/// them: the subscriber receives each once, and every restored publish completes.
fn in_flight_publishes_survive_a_killed_driver(sync: StoreSync) {
    let Some(broker) = Mosquitto::start(&format!("store-resend-{sync:?}"), "") else { return };
    let dir = store_dir(&format!("resend-{sync:?}"));
    run(Duration::from_secs(60), async {
        for v in VERSIONS {
            let tag = format!("{v}-{sync:?}");
            let sub = Client::new(options(broker.addr, v, &format!("store-sub-{}", v.level())));
            let mut inbox = sub.events();
            sub.connect().await.unwrap();
            sub.subscribe("store/#", QoS::ExactlyOnce).unwrap().wait().await.unwrap();

            let path = dir.join(format!("pub-{}.store", v.level()));
            let id = format!("store-pub-{}", v.level());
            let proxy = Proxy::start(broker.addr);
            let (first, driver) = Client::with_driver(stored(proxy.addr, v, &id, &path, sync));
            let task = smol::spawn(driver.run());
            assert!(!first.connect().await.unwrap(), "{tag}: a new session");
            proxy.freeze();
            let mut sent = Vec::new();
            for (i, qos) in [QoS::AtLeastOnce, QoS::ExactlyOnce].into_iter().cycle().take(6).enumerate() {
                let payload = format!("m{i}");
                first.publish(&format!("store/{i}"), payload.as_bytes(), qos, false).await.unwrap();
                sent.push(payload);
            }
            first.flush_store().await.unwrap();
            // Sent (into the frozen link), not acknowledged.
            for _ in 0..1000 {
                if first.inflight() == 6 {
                    break;
                }
                async_io::Timer::after(Duration::from_millis(5)).await;
            }
            assert_eq!(first.inflight(), 6, "{tag}: sent, not acknowledged");
            // The process dies: its driver stops mid-flight, the broker's link is cut.
            task.cancel().await;
            drop(first);
            proxy.cut();
            drop(proxy);

            let second = Client::new(stored(broker.addr, v, &id, &path, sync));
            let restored = second.restored_tokens();
            assert_eq!(restored.len(), 6, "{tag}: every unacknowledged publish is restored");
            let mut events = second.events();
            assert!(second.connect().await.unwrap(), "{tag}: the broker resumed the session");
            let mut done = Vec::new();
            while done.len() < restored.len() {
                match expect(&mut events, "Published", |e| {
                    matches!(e, Event::Published { .. } | Event::PublishFailed { .. })
                })
                .await
                {
                    Event::Published { token, .. } => done.push(token),
                    other => panic!("{tag}: {other:?}"),
                }
            }
            done.sort();
            assert_eq!(done, restored, "{tag}: each restored publish completes");
            let mut got = Vec::new();
            while got.len() < sent.len() {
                if let Event::Message(m) =
                    expect(&mut inbox, "a message", |e| matches!(e, Event::Message(_))).await
                {
                    got.push(String::from_utf8(m.payload.clone()).unwrap());
                }
            }
            got.sort();
            assert_eq!(got, sent, "{tag}: each message delivered");
            // Nothing more comes (no duplicate of the QoS 2 ones, none of the QoS 1 ones here:
            // the broker saw each once).
            let extra = futures_lite::future::or(
                async {
                    loop {
                        if let Some(Event::Message(m)) = inbox.recv().await {
                            return Some(m);
                        }
                    }
                },
                async {
                    async_io::Timer::after(Duration::from_millis(500)).await;
                    None
                },
            )
            .await;
            assert!(extra.is_none(), "{tag}: delivered again: {extra:?}");
            second.disconnect().await.unwrap();
            drop(second);
            // Everything completed: a third start restores nothing.
            let third = Client::new(stored(broker.addr, v, &id, &path, sync));
            assert!(third.restored_tokens().is_empty(), "{tag}: nothing left in the store");
            drop(third);
            sub.disconnect().await.unwrap();
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn in_flight_publishes_survive_a_killed_driver_synced() {
    in_flight_publishes_survive_a_killed_driver(StoreSync::EveryRound);
}

#[test]
fn in_flight_publishes_survive_a_killed_driver_unsynced() {
    in_flight_publishes_survive_a_killed_driver(StoreSync::None);
}

/// A store file that does not restore is refused with a typed error and left as it is; a
/// record torn by a crash at the end is cut and the rest restores.
#[test]
fn a_damaged_store_is_refused_and_a_torn_tail_is_cut() {
    let Some(broker) = Mosquitto::start("store-damaged", "") else { return };
    let dir = store_dir("damaged");
    run(Duration::from_secs(30), async {
        let path = dir.join("c.store");
        let opts = || stored(broker.addr, ProtocolVersion::V5, "store-damaged", &path, StoreSync::EveryRound);
        // A session with one publish queued while disconnected.
        let c = Client::new(opts());
        c.publish("store/q", "queued", QoS::AtLeastOnce, false).await.unwrap();
        c.flush_store().await.unwrap();
        drop(c);
        let good = std::fs::read(&path).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the store holds payloads: its owner's only");

        // A torn record at the end (a tag and half a length): cut, the rest restores.
        let mut torn = good.clone();
        torn.extend_from_slice(&[0x10, 0, 0]);
        std::fs::write(&path, &torn).unwrap();
        // And a half-written snapshot left beside it by a crash during a compaction: ignored.
        std::fs::write(dir.join("c.store.tmp"), b"SMQS\x01 half a snapshot").unwrap();
        let c = Client::new(opts());
        assert_eq!(c.restored_tokens().len(), 1, "the queued publish is restored");
        assert!(c.store_error().is_none());
        drop(c);
        async_io::Timer::after(Duration::from_millis(100)).await;

        // A flipped byte inside a record: refused, every command fails, the file is kept.
        let mut bad = std::fs::read(&path).unwrap();
        let at = bad.len() - 6;
        bad[at] ^= 0x41;
        std::fs::write(&path, &bad).unwrap();
        let c = Client::new(opts());
        match c.connect().await {
            Err(Error::Store(StoreError::Restore { .. })) => {}
            other => panic!("a damaged store must be refused: {other:?}"),
        }
        assert!(matches!(c.publish("store/x", "y", QoS::AtLeastOnce, false).await, Err(Error::Store(_))));
        assert!(matches!(c.flush_store().await, Err(Error::Store(_))));
        drop(c);
        assert_eq!(std::fs::read(&path).unwrap(), bad, "the refused file is left as it is");

        // Another client id's store: refused too.
        std::fs::write(&path, &good).unwrap();
        let other = stored(broker.addr, ProtocolVersion::V5, "someone-else", &path, StoreSync::EveryRound);
        let c = Client::new(other);
        assert!(matches!(c.start(), Err(Error::Store(StoreError::Restore { .. }))));
        // A session the broker would not keep: refused before the file is touched.
        let clean = options(broker.addr, ProtocolVersion::V5, "store-damaged").store(&path);
        assert!(matches!(Client::new(clean).start(), Err(Error::Store(StoreError::NotPersistent))));
        let no_expiry =
            options(broker.addr, ProtocolVersion::V5, "store-damaged").clean_start(false).store(&path);
        assert!(matches!(Client::new(no_expiry).start(), Err(Error::Store(StoreError::NotPersistent))));
        assert_eq!(std::fs::read(&path).unwrap(), good);
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// The log is compacted: 3,000 QoS 1 publishes write some 200 KB of records, the file stays
/// within the bound (4 × the last snapshot + 64 KiB, plus one round's records), and it still
/// restores (to nothing in flight once all are acknowledged).
#[test]
fn the_log_is_compacted() {
    let Some(broker) = Mosquitto::start("store-compact", "") else { return };
    let dir = store_dir("compact");
    run(Duration::from_secs(60), async {
        let path = dir.join("c.store");
        let opts = || stored(broker.addr, ProtocolVersion::V5, "store-compact", &path, StoreSync::EveryRound);
        let c = Client::new(opts());
        c.connect().await.unwrap();
        let mut largest = 0;
        // In batches of 20 (the in-flight window), each waited for: the snapshot stays small
        // (a snapshot holds the queue too, and the bound grows with it).
        for batch in 0..150u32 {
            let mut tokens = Vec::new();
            for i in batch * 20..batch * 20 + 20 {
                tokens.push(c.publish("store/c", i.to_be_bytes(), QoS::AtLeastOnce, false).await.unwrap());
            }
            for t in tokens {
                t.wait().await.unwrap();
            }
            largest = largest.max(std::fs::metadata(&path).unwrap().len());
        }
        c.flush_store().await.unwrap();
        largest = largest.max(std::fs::metadata(&path).unwrap().len());
        // 20 flows make a snapshot of about 1 KiB: the bound is some 68 KiB.
        assert!(largest < 96 * 1024, "the log grew to {largest} bytes");
        assert!(largest > 32 * 1024, "the log did grow ({largest} bytes): the test means something");
        c.disconnect().await.unwrap();
        drop(c);
        let c = Client::new(opts());
        assert!(c.store_error().is_none());
        assert!(c.restored_tokens().is_empty(), "everything was acknowledged");
    });
    let _ = std::fs::remove_dir_all(dir);
}
