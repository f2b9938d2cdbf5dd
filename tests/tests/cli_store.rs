//! `sansmqtt-pub --store` / `sansmqtt-sub --store` against Mosquitto: a publish left in a
//! store file by an earlier run is sent by the next `sansmqtt-pub` on that file before its own
//! message; `sansmqtt-sub --store` keeps a persistent session (messages published while it
//! was not running are printed by its next run); a damaged store is refused with an error.
//! (Built like `cli_differential.rs` builds the tools.)

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, StoreSync};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::smol::{options, run};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn tool(bin: &Path, port: u16, args: &[&str]) -> Output {
    Command::new(bin)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-V", "mqttv5"])
        .args(args)
        .output()
        .expect("run the tool")
}

#[test]
fn pub_and_sub_take_up_their_store() {
    let Some(broker) = Mosquitto::start("cli-store", "") else { return };
    let (publisher, subscriber) = sansmqtt_tests::cli::our_binaries();
    let dir = std::env::temp_dir().join(format!("sansmqtt-cli-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (pub_store, sub_store) = (dir.join("pub.store"), dir.join("sub.store"));
    let port = broker.addr.port();
    let (ps, ss) = (pub_store.to_str().unwrap(), sub_store.to_str().unwrap());

    // The subscriber's first run makes its persistent session and exits.
    let out = tool(&subscriber, port, &["-i", "cli-sub", "--store", ss, "-t", "cli/#", "-q", "2", "-E"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // An earlier publisher run that died with a message in its store (made here with the
    // library: queued while disconnected, then durable).
    run(Duration::from_secs(20), async {
        let c = Client::new(
            options(broker.addr, ProtocolVersion::V5, "cli-pub")
                .clean_start(false)
                .session_expiry(u32::MAX)
                .store(&pub_store)
                .store_sync(StoreSync::EveryRound),
        );
        c.publish("cli/left", "left behind", QoS::ExactlyOnce, false).await.unwrap();
        c.flush_store().await.unwrap();
    });

    let out = tool(
        &publisher,
        port,
        &["-i", "cli-pub", "--store", ps, "-t", "cli/new", "-m", "new", "-q", "2", "-d"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("restored 1 unacknowledged publishes"), "{stderr}");

    // The subscriber's next run prints both (queued for its session while it was away).
    let out = tool(
        &subscriber,
        port,
        &["-i", "cli-sub", "--store", ss, "-t", "cli/#", "-q", "2", "-v", "-C", "2", "-W", "10"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<&str> = stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["cli/left left behind", "cli/new new"]);

    // Both stores are drained: the publisher's restores nothing now.
    let out =
        tool(&publisher, port, &["-i", "cli-pub", "--store", ps, "-t", "cli/x", "-m", "x", "-q", "1", "-d"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("restored"), "nothing left to restore");

    // A damaged store: refused, with the reason.
    std::fs::write(&pub_store, b"not a store").unwrap();
    let out = tool(&publisher, port, &["-i", "cli-pub", "--store", ps, "-t", "cli/x", "-m", "x", "-q", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("not a stored session"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A store that cannot be written (the file size limit, `ulimit -f`, reached with SIGXFSZ
/// ignored: writes fail with EFBIG) stops the client with the store's error; what it held
/// restores on the next run (a record half written is cut) and is sent then.
#[test]
fn a_store_that_cannot_be_written_stops_the_client_and_restores_later() {
    let Some(broker) = Mosquitto::start("cli-store-full", "") else { return };
    let (publisher, _) = sansmqtt_tests::cli::our_binaries();
    let dir = std::env::temp_dir().join(format!("sansmqtt-cli-store-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("pub.store");
    let port = broker.addr.port().to_string();
    // 8 KiB at most (bash's ulimit -f counts 1024-byte blocks); 2,000 messages need more.
    let script = format!(
        "trap '' XFSZ; ulimit -f 8; exec '{}' -h 127.0.0.1 -p {port} -V mqttv5 -i cli-full --store '{}' -t cli/full -m 0123456789abcdef -q 1 --repeat 2000",
        publisher.display(),
        store.display()
    );
    let out = Command::new("bash").arg("-c").arg(&script).output().expect("bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the run must fail: {stderr}");
    assert!(stderr.contains("session store") && stderr.contains("failed"), "{stderr}");
    let size = std::fs::metadata(&store).unwrap().len();
    assert!(size <= 8 * 1024, "{size}");
    // Without the limit: restored and sent.
    let out = tool(
        &publisher,
        broker.addr.port(),
        &[
            "-i",
            "cli-full",
            "--store",
            store.to_str().unwrap(),
            "-t",
            "cli/full",
            "-m",
            "last",
            "-q",
            "1",
            "-d",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("restored"), "what the full store held is taken up: {stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
