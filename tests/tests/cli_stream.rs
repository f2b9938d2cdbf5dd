//! `sansmqtt-pub -f` streams its file, `sansmqtt-sub --out DIR` streams each message into a
//! file, through Mosquitto, 3.1.1 and 5.0, QoS 0, 1 and 2: an 8 MiB file published twice
//! (`--repeat 2`: the second sending opens the file again) arrives as two files in DIR,
//! byte-identical, named as documented, with no part file left; the subscriber prints topic
//! and path (`-v`). The publisher's peak RSS (VmHWM from /proc, sampled every millisecond while
//! it runs) stays within 2 MiB of its own run with a 5-byte message (it read the file whole
//! before: 8 MiB more). `-f` of a missing file or a directory fails as mosquitto_pub does.
//! A 32 MiB message cut off in the middle (the subscriber, on a persistent session through a
//! proxy, is stopped with SIGSTOP once its part file appears, the link is cut, and it goes on)
//! leaves only its part file, which is deleted when the stream is reported aborted; the broker
//! sends the message again after the reconnect and it is written whole, under the same number.
#![allow(clippy::disallowed_methods)] // A test harness: it reads the clock for its guards.

use sansmqtt_tests::cli::{GUARD, our_binaries, run, tools_present};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::payload::byte;
use sansmqtt_tests::proxy::Proxy;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILE: usize = 8 << 20;
/// How far above its run with a small message the publisher's peak RSS may go.
const RSS_BOUND_KB: u64 = 2 * 1024;

/// Start a `sansmqtt-sub -d` and return once it says it is subscribed, with a thread that
/// collects the rest of its standard error.
fn subscribed(mut cmd: Command, what: &str) -> (std::process::Child, std::thread::JoinHandle<String>) {
    let mut sub = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the subscriber");
    let mut stderr = BufReader::new(sub.stderr.take().expect("piped"));
    let mut line = String::new();
    while !line.starts_with("Subscribed") {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("read stderr") > 0, "{what}: the subscriber ended");
    }
    (sub, std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default()))
}

/// A fresh directory `sansmqtt-NAME-PID` in the temporary directory, with `content` in its
/// `big.bin`: the directory and the file's path.
fn dir_with_file(name: &str, content: &[u8]) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("sansmqtt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.bin");
    std::fs::write(&file, content).unwrap();
    (dir, file)
}

/// The peak RSS in KiB of `bin` run with `args`, sampled from /proc every millisecond until
/// it exits, and its exit code. A run over before its first sample (a small publish can be)
/// is run again, up to 10 times.
fn peak_rss(bin: &Path, args: &[String]) -> (u64, i32) {
    for _ in 0..10 {
        let (peak, code) = sample_peak_rss(bin, args);
        if peak > 0 {
            return (peak, code);
        }
    }
    panic!("no VmHWM sample of {args:?} in 10 runs");
}

/// One run of `bin` for [`peak_rss`]: its peak RSS (0 if it ended before a sample) and exit
/// code.
fn sample_peak_rss(bin: &Path, args: &[String]) -> (u64, i32) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the publisher");
    let status = format!("/proc/{}/status", child.id());
    let (mut peak, start) = (0, Instant::now());
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s.code().unwrap_or(-1);
        }
        if start.elapsed() > GUARD {
            let _ = child.kill();
            panic!("{} {args:?} still running after {GUARD:?}", bin.display());
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    (peak, code)
}

#[test]
fn an_8_mib_file_streams_from_pub_f_to_sub_out_with_bounded_memory() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipping: the peak RSS is read from /proc");
        return;
    }
    let Some(broker) = Mosquitto::start("cli-stream", "") else { return };
    let (publisher, subscriber) = our_binaries();
    let content: Vec<u8> = (0..FILE).map(byte).collect();
    let (dir, file) = dir_with_file("cli-stream", &content);
    let port = broker.addr.port().to_string();
    for v in ["mqttv311", "mqttv5"] {
        for qos in ["0", "1", "2"] {
            let name = format!("{v}-q{qos}");
            let out = dir.join(&name);
            std::fs::create_dir_all(&out).unwrap();
            let topic = format!("cli/{name}/big");
            let common = |extra: &[&str]| -> Vec<String> {
                let mut a: Vec<String> = ["-h", "127.0.0.1", "-p", &port, "-V", v, "-q", qos]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                a.extend(extra.iter().map(|s| s.to_string()));
                a
            };
            // The subscriber, once it says it is subscribed (-d).
            let mut cmd = Command::new(&subscriber);
            cmd.args(common(&["-t", &topic, "-C", "2", "-v", "-d", "--out", out.to_str().unwrap()]));
            let (mut sub, drain) = subscribed(cmd, &name);

            let (baseline, code) = peak_rss(&publisher, &common(&["-t", "cli/other", "-m", "small"]));
            assert_eq!(code, 0, "{name}: the small publish");
            let args = common(&[
                "-t",
                &topic,
                "-f",
                file.to_str().unwrap(),
                "--repeat",
                "2",
                "--repeat-delay",
                "0.2",
            ]);
            let (peak, code) = peak_rss(&publisher, &args);
            assert_eq!(code, 0, "{name}: sansmqtt-pub -f");

            let start = Instant::now();
            while sub.try_wait().unwrap().is_none() {
                assert!(start.elapsed() < GUARD, "{name}: the subscriber did not end");
                std::thread::sleep(Duration::from_millis(10));
            }
            let stdout = std::io::read_to_string(sub.stdout.take().unwrap()).unwrap();
            let stderr = drain.join().unwrap();
            assert!(sub.wait().unwrap().success(), "{name}: {stderr}");
            let escaped = topic.replace('/', "%2F");
            let names = [format!("000001-{escaped}"), format!("000002-{escaped}")];
            let expected: String =
                names.iter().map(|n| format!("{topic} {}\n", out.join(n).display())).collect();
            assert_eq!(stdout, expected, "{name}: what the subscriber printed");
            let mut listed: Vec<String> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            listed.sort();
            assert_eq!(listed, names, "{name}: the two files, no part file");
            for n in &names {
                let got = std::fs::read(out.join(n)).unwrap();
                assert!(
                    got.len() == FILE && got == content,
                    "{name}: {n} differs from the file ({} bytes)",
                    got.len()
                );
            }
            eprintln!("{name}: publisher peak RSS {peak} KiB, with a 5-byte message {baseline} KiB");
            assert!(
                peak < baseline + RSS_BOUND_KB,
                "{name}: the publisher's peak RSS {peak} KiB is more than {RSS_BOUND_KB} KiB above {baseline} KiB"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pub_f_of_a_missing_file_or_a_directory_fails_as_mosquitto_pub_does() {
    if !tools_present("pub -f errors") {
        return;
    }
    let (publisher, _) = our_binaries();
    let dir = std::env::temp_dir().join(format!("sansmqtt-cli-stream-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.bin");
    for path in [&missing, &dir] {
        // No broker is needed: the file is refused before connecting (port 1 is closed).
        let args: Vec<String> =
            ["-p", "1", "-t", "t", "-f", path.to_str().unwrap()].iter().map(|s| s.to_string()).collect();
        let ours = run(&publisher, &args, None);
        let theirs = run(Path::new("mosquitto_pub"), &args, None);
        assert_eq!(ours.code, theirs.code, "{path:?}: exit code ({} / {})", ours.stderr, theirs.stderr);
        assert_ne!(ours.code, 0, "{path:?}");
        assert!(
            ours.stderr.starts_with(&format!("Error: Unable to open file \"{}\"", path.display())),
            "{path:?}: {}",
            ours.stderr
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `kill -SIGNAL pid`.
fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill").args([sig, &pid.to_string()]).status().expect("kill").success();
    assert!(ok, "kill {sig} {pid}");
}

#[test]
fn sub_out_leaves_no_complete_looking_file_for_a_message_cut_off_and_writes_it_when_it_comes_again() {
    const BIG: usize = 32 << 20; // More than the loopback sockets and the proxy hold.
    if !cfg!(target_os = "linux") {
        eprintln!("skipping: stops the subscriber with SIGSTOP");
        return;
    }
    let Some(broker) = Mosquitto::start("cli-stream-cut", "") else { return };
    let (publisher, subscriber) = our_binaries();
    let content: Vec<u8> = (0..BIG).map(|i| byte(i * 3)).collect();
    let (dir, file) = dir_with_file("cli-stream-cut", &content);
    for v in ["mqttv311", "mqttv5"] {
        let proxy = Proxy::start(broker.addr);
        let out = dir.join(v);
        std::fs::create_dir_all(&out).unwrap();
        let topic = format!("cli/cut/{v}");
        // A persistent session (-c): the broker sends the message again after the reconnect.
        let mut cmd = Command::new(&subscriber);
        cmd.args(["-h", "127.0.0.1", "-p", &proxy.addr.port().to_string(), "-V", v, "-q", "1"])
            .args(["-c", "-i", &format!("cut-sub-{v}"), "-t", &topic, "-C", "1", "-v", "-d"])
            .args(["--out", out.to_str().unwrap()]);
        let (mut sub, drain) = subscribed(cmd, v);
        let port = broker.addr.port().to_string();
        let pubr = Command::new(&publisher)
            .args(["-h", "127.0.0.1", "-p", &port, "-V", v, "-q", "1", "-t", &topic])
            .args(["-f", file.to_str().unwrap()])
            .status()
            .expect("run the publisher");
        assert!(pubr.success(), "{v}: sansmqtt-pub -f");
        // Once the message starts arriving: the subscriber stops, the link is cut, and it
        // goes on with what it had received.
        let part = out.join(format!(".000001-{}.part", topic.replace('/', "%2F")));
        let start = Instant::now();
        while !part.exists() {
            assert!(start.elapsed() < GUARD, "{v}: no part file appeared");
            std::thread::sleep(Duration::from_millis(1));
        }
        signal(sub.id(), "-STOP");
        proxy.cut();
        let listed = |p: &Path| -> Vec<String> {
            let mut l: Vec<String> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            l.sort();
            l
        };
        assert_eq!(listed(&out), [part.file_name().unwrap().to_str().unwrap()], "{v}: only the part file");
        signal(sub.id(), "-CONT");

        let start = Instant::now();
        while sub.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < GUARD, "{v}: the subscriber did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
        let stdout = std::io::read_to_string(sub.stdout.take().unwrap()).unwrap();
        let stderr = drain.join().unwrap();
        assert!(sub.wait().unwrap().success(), "{v}: {stderr}");
        assert!(stderr.contains("cut off by the lost connection"), "{v}: the stream was aborted: {stderr}");
        assert!(stderr.contains("reconnected (session present 1)"), "{v}: {stderr}");
        let name = format!("000001-{}", topic.replace('/', "%2F"));
        assert_eq!(stdout, format!("{topic} {}\n", out.join(&name).display()), "{v}");
        assert_eq!(listed(&out), std::slice::from_ref(&name), "{v}: the message's file, no part file");
        let got = std::fs::read(out.join(&name)).unwrap();
        assert!(got.len() == BIG && got == content, "{v}: the file differs ({} bytes)", got.len());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
