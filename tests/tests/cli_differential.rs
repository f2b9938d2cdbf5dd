//! `sansmqtt-pub` / `sansmqtt-sub` against `mosquitto_pub` / `mosquitto_sub`: the same
//! argument lists run through both against one Mosquitto of the test's own, comparing exit
//! codes and what arrives. For pub, an observer (the library client, subscribed with
//! retain-as-published) records topic, payload, QoS, retain and v5 properties of what each
//! tool published; for sub, the tools' standard output is compared. Topics carry a per-tool
//! prefix (`m/` or `s/`, replaced by `{T}` in the argument lists) so the two runs never mix.
//!
//! Our binaries are built once by the test itself (`cargo build -p sansmqtt-smol --features
//! cli --bins`, into the test's own target directory): a test crate cannot name another
//! package's binaries through `CARGO_BIN_EXE_*`.
#![allow(clippy::disallowed_methods)] // A test harness: it reads the clock for its guards.

use sansmqtt_proto::QoS;
use sansmqtt_smol::{Client, Options};
use sansmqtt_tests::cli::{Observer, Run, finish, free_port, our_binaries, run, spawn, tools_present};
use sansmqtt_tests::mosquitto::Mosquitto;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// `args` with `{T}` replaced by `prefix` and `{P}` by the broker's port, `{A}` by the port of
/// the broker that refuses anonymous clients, `{X}` by a closed port.
fn expand(args: &[&str], prefix: &str, ports: &Ports) -> Vec<String> {
    args.iter()
        .map(|a| {
            a.replace("{T}", prefix)
                .replace("{P}", &ports.open.to_string())
                .replace("{A}", &ports.auth.to_string())
                .replace("{X}", &ports.closed.to_string())
        })
        .collect()
}

struct Ports {
    open: u16,
    auth: u16,
    closed: u16,
}

struct Brokers {
    open: Mosquitto,
    _auth: Mosquitto,
    ports: Ports,
}

fn brokers(name: &str) -> Brokers {
    let open = Mosquitto::start(name, "").expect("mosquitto");
    let auth = Mosquitto::start(&format!("{name}-auth"), "allow_anonymous false").expect("mosquitto");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ports = Ports { open: open.addr.port(), auth: auth.addr.port(), closed };
    Brokers { open, _auth: auth, ports }
}

/// A pub case: the arguments (without host and port, added here unless the case names a
/// port or URL), and standard input.
struct PubCase {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
}

const fn p(args: &'static [&'static str]) -> PubCase {
    PubCase { args, stdin: None }
}

const PUB_CASES: &[PubCase] = &[
    p(&["-t", "{T}a", "-m", "hello"]),
    p(&["-t", "{T}a", "-m", "hello", "-q", "1"]),
    p(&["-t", "{T}a", "-m", "hello", "-q", "2"]),
    p(&["-t", "{T}a", "-m", "kept", "-r", "-q", "1"]),
    p(&["-t", "{T}a", "-n", "-q", "1"]),
    p(&["-t", "{T}a", "-m", "old", "-V", "mqttv31", "-q", "1"]),
    p(&["-t", "{T}a", "-m", "old", "-V", "31", "-q", "2", "-r"]),
    p(&["-t", "{T}a", "-m", "five", "-V", "mqttv5", "-q", "2"]),
    p(&["-t", "{T}a", "-m", "five", "-V", "5", "-r"]),
    p(&[
        "-t",
        "{T}u",
        "-m",
        "x",
        "-V",
        "5",
        "-D",
        "publish",
        "user-property",
        "k",
        "v",
        "-D",
        "publish",
        "user-property",
        "k",
        "w",
    ]),
    p(&[
        "-t",
        "{T}c",
        "-m",
        "x",
        "-V",
        "5",
        "-q",
        "1",
        "-D",
        "publish",
        "content-type",
        "text/plain",
        "-D",
        "publish",
        "message-expiry-interval",
        "60",
    ]),
    p(&[
        "-t",
        "{T}r",
        "-m",
        "x",
        "-V",
        "5",
        "-D",
        "publish",
        "response-topic",
        "answers/here",
        "-D",
        "publish",
        "correlation-data",
        "id-42",
    ]),
    p(&["-t", "{T}f", "-m", "x", "-V", "5", "-D", "publish", "payload-format-indicator", "1"]),
    // -D after -V switches to 5.0, in mosquitto_pub as here.
    p(&["-t", "{T}a", "-m", "x", "-V", "311", "-D", "publish", "content-type", "text/plain"]),
    p(&[
        "-t",
        "{T}a",
        "-m",
        "x",
        "-V",
        "5",
        "-D",
        "connect",
        "user-property",
        "a",
        "b",
        "-D",
        "connect",
        "session-expiry-interval",
        "5",
    ]),
    p(&["-t", "{T}a", "-m", "again", "--repeat", "3", "-q", "1"]),
    PubCase { args: &["-t", "{T}l", "-l", "-q", "1"], stdin: Some("one\ntwo\nthree\n") },
    PubCase { args: &["-t", "{T}s", "-s", "-q", "2"], stdin: Some("all of\nstdin\n") },
    p(&["-t", "{T}a", "-m", "x", "-i", "cli-fixed-id", "-c", "-q", "1"]),
    p(&["-t", "{T}a", "-m", "x", "-I", "cli-prefix-", "-V", "5", "-c", "-x", "30"]),
    p(&["-t", "{T}a", "-m", "x", "-x", "30", "-V", "5"]),
    p(&["-t", "{T}a", "-m", "x", "-u", "someone", "-P", "secret", "-k", "30"]),
    p(&["-t", "{T}a", "-m", "x", "--will-topic", "{T}will", "--will-payload", "bye", "--will-qos", "1"]),
    p(&["-t", "{T}a", "-m", "x", "--will-qos", "1"]),
    p(&["-t", "{T}a", "-m", "x", "-x", "30", "-V", "311"]),
    p(&["-L", "mqtt://127.0.0.1:{P}/{T}url", "-m", "from a URL", "-q", "1"]),
    // Refused by the command line: exit code 1, nothing published.
    p(&["-t", "{T}a", "-m", "x", "-q", "3"]),
    p(&["-t", "{T}a", "-m", "x", "-P", "secret"]),
    p(&["-t", "{T}a", "-m", "x", "--will-payload", "bye"]),
    p(&["-t", "{T}a", "-m", "x", "--will-retain"]),
    p(&["-t", "{T}a", "-m", "x", "-V", "7"]),
    p(&["-t", "{T}#", "-m", "x"]),
    p(&["-t", "{T}a", "-m", "x", "-n"]),
    p(&["-t", "{T}a", "-m", "x", "-c"]),
    p(&["-t", "{T}a", "-m", "x", "-k", "3"]),
    p(&["-t", "{T}a"]),
    p(&["-m", "x"]),
    p(&["-t", "{T}a", "-m", "x", "--no-such-option"]),
    p(&["-t", "{T}a", "-m", "x", "-V", "5", "-D", "connect", "content-type", "x"]),
    p(&["-t", "{T}a", "-m", "x", "-V", "5", "-D", "publish", "no-such-property", "x"]),
    // Refused by the network or the broker.
    p(&["-t", "{T}a", "-m", "x", "-p", "{X}"]),
    p(&["-t", "{T}a", "-m", "x", "-p", "{A}"]),
    p(&["-t", "{T}a", "-m", "x", "-p", "{A}", "-V", "mqttv5"]),
    p(&["-t", "{T}a", "-m", "x", "-p", "{A}", "-V", "mqttv31"]),
];

/// The broker to use, first on the line so that a case's own `-p` wins (for both tools the
/// last of a repeated option counts); none when the case gives a URL.
fn with_port(args: &[&str]) -> Vec<&'static str> {
    if args.contains(&"-L") { vec![] } else { vec!["-h", "127.0.0.1", "-p", "{P}"] }
}

#[test]
fn pub_publishes_what_mosquitto_pub_publishes_and_exits_alike() {
    if !tools_present("pub differential") {
        return;
    }
    let b = brokers("cli-pub");
    let (ours, _) = our_binaries();
    let observer = Observer::start(b.open.addr.port());
    let mut compared = 0;
    for (i, case) in PUB_CASES.iter().enumerate() {
        let mut args: Vec<&str> = with_port(case.args);
        args.extend_from_slice(case.args);
        let theirs =
            run(Path::new("mosquitto_pub"), &expand(&args, &format!("m/{i}/"), &b.ports), case.stdin);
        let got_theirs = observer.take("m/");
        let mine = run(&ours, &expand(&args, &format!("s/{i}/"), &b.ports), case.stdin);
        let got_mine = observer.take("s/");
        assert_eq!(
            mine.code, theirs.code,
            "case {i} {:?}: exit code (ours: {:?}; mosquitto_pub: {:?})",
            case.args, mine.stderr, theirs.stderr
        );
        assert_eq!(got_mine, got_theirs, "case {i} {:?}: what was published", case.args);
        if mine.code != 0 {
            // Refusals are one line on stderr, in words.
            assert_eq!(mine.stderr.lines().count(), 1, "case {i} {:?}: {:?}", case.args, mine.stderr);
            assert!(mine.stderr.starts_with("Error: "), "case {i}: {:?}", mine.stderr);
        }
        compared += 1;
    }
    assert_eq!(compared, PUB_CASES.len());
}

/// A sub case: arguments (host and port added unless named), and whether messages are also
/// published live once the subscriber had time to subscribe (retained ones are always there).
struct SubCase {
    args: &'static [&'static str],
    live: bool,
}

const fn s(args: &'static [&'static str]) -> SubCase {
    SubCase { args, live: false }
}

const SUB_CASES: &[SubCase] = &[
    s(&["-t", "{T}#", "-C", "3", "-v"]),
    s(&["-t", "{T}#", "-C", "3"]),
    s(&["-t", "{T}#", "-C", "3", "-N"]),
    s(&["-t", "{T}#", "-C", "3", "-v", "-V", "mqttv5", "-q", "2"]),
    s(&["-t", "{T}#", "-C", "3", "-v", "-V", "mqttv31", "-q", "1"]),
    s(&["-t", "{T}a", "-t", "{T}b/+", "-C", "2", "-v"]),
    s(&["-t", "{T}#", "-T", "{T}a", "-C", "2", "-v"]),
    s(&["-t", "{T}#", "-W", "1", "-v"]),
    SubCase { args: &["-t", "{T}#", "-R", "-C", "1", "-v"], live: true },
    s(&["-t", "{T}#", "-C", "3", "-v", "-i", "cli-sub-fixed", "-c", "-V", "5"]),
    // Refusals.
    s(&["-t", "{T}#", "-q", "3"]),
    s(&["-t", "{T}a/#/b"]),
    s(&["-t", "{T}#", "-C", "0"]),
    s(&["-t", "{T}#", "-W", "0"]),
    s(&["-t", "{T}#", "-P", "secret"]),
    s(&["-t", "{T}#", "-c"]),
    s(&["-t", "{T}#", "-V", "6"]),
    s(&["-t", "{T}#", "-p", "{X}"]),
    s(&["-t", "{T}#", "-p", "{A}"]),
    s(&["-t", "{T}#", "-p", "{A}", "-V", "5"]),
];

/// Publish the retained messages a sub case finds: `a`, `b/1`, `c` under `prefix`.
fn publish_retained(client: &Client, prefix: &str) {
    smol::block_on(async {
        for (t, m) in [("a", "first"), ("b/1", "second"), ("c", "third")] {
            let token =
                client.publish(&format!("{prefix}{t}"), m, QoS::AtLeastOnce, true).await.expect("publish");
            token.wait().await.expect("puback");
        }
    });
}

#[test]
fn sub_prints_what_mosquitto_sub_prints_and_exits_alike() {
    if !tools_present("sub differential") {
        return;
    }
    let b = brokers("cli-sub");
    let (_, ours) = our_binaries();
    let publisher = Client::new(
        Options::new(&format!("mqtt://127.0.0.1:{}", b.open.addr.port()))
            .expect("url")
            .client_id("cli-publisher"),
    );
    smol::block_on(publisher.connect()).expect("publisher connects");
    for (i, case) in SUB_CASES.iter().enumerate() {
        let mut args: Vec<&str> = with_port(case.args);
        args.extend_from_slice(case.args);
        let mut outcome = Vec::new();
        for (tool, prefix) in
            [(Path::new("mosquitto_sub"), format!("m/{i}/")), (ours.as_path(), format!("s/{i}/"))]
        {
            publish_retained(&publisher, &prefix);
            let args = expand(&args, &prefix, &b.ports);
            let live = case.live.then(|| {
                let (publisher, prefix) = (publisher.clone(), prefix.clone());
                std::thread::spawn(move || {
                    // Time for the subscriber to subscribe; the case ends with -C either way.
                    std::thread::sleep(Duration::from_millis(1500));
                    smol::block_on(async {
                        let t =
                            publisher.publish(&format!("{prefix}live"), "now", QoS::AtLeastOnce, false).await;
                        t.expect("publish").wait().await.expect("puback");
                    });
                })
            });
            let r = run(tool, &args, None);
            if let Some(h) = live {
                h.join().expect("live publisher");
            }
            outcome.push((r.code, r.stdout.replace(&prefix, "{T}"), r.stderr));
        }
        let (theirs, mine) = (&outcome[0], &outcome[1]);
        assert_eq!(
            mine.0, theirs.0,
            "case {i} {:?}: exit code (ours: {:?}; mosquitto_sub: {:?})",
            case.args, mine.2, theirs.2
        );
        assert_eq!(mine.1, theirs.1, "case {i} {:?}: standard output", case.args);
        if mine.0 == 1 {
            assert_eq!(mine.2.lines().count(), 1, "case {i} {:?}: {:?}", case.args, mine.2);
        }
    }
}

#[test]
fn tls_options_mean_what_they_mean_to_mosquitto() {
    if !tools_present("TLS differential") {
        return;
    }
    use sansmqtt_tests::certs::TestPki;
    // One broker with a certificate for 127.0.0.1 that wants client certificates, one whose
    // certificate names another host; each with a plain listener for the observer.
    let good = TestPki::generate("cli-tls-good");
    let other = TestPki::generate_for("cli-tls-other", &["elsewhere.invalid"]);
    let start = |name: &str, pki: &TestPki, require: bool, plain: u16| {
        let conf = format!(
            "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {require}\nlistener {plain} 127.0.0.1",
            pki.ca.display(),
            pki.server_cert.display(),
            pki.server_key.display()
        );
        Mosquitto::start(name, &conf).expect("mosquitto")
    };
    let (plain_good, plain_other) = (free_port(), free_port());
    let broker_good = start("cli-tls-good", &good, true, plain_good);
    let broker_other = start("cli-tls-other", &other, false, plain_other);
    let observers = [Observer::start(plain_good), Observer::start(plain_other)];
    let (ours, _) = our_binaries();
    let path = |p: &Path| p.display().to_string();
    let (ca, cert, key, ca_other) =
        (path(&good.ca), path(&good.client_cert), path(&good.client_key), path(&other.ca));
    let port_good = broker_good.addr.port().to_string();
    let port_other = broker_other.addr.port().to_string();
    let dir = path(&good.dir);
    let mut cases: Vec<(usize, Vec<&str>)> = vec![
        (0, vec!["-p", &port_good, "--cafile", &ca, "--cert", &cert, "--key", &key, "-q", "1"]),
        // The broker wants a client certificate (mosquitto_pub's exit code then depends on
        // timing: 7 "connection lost" or 1 "protocol error"; only failing is compared).
        (0, vec!["-p", &port_good, "--cafile", &ca]),
        // A CA that did not sign the server's certificate.
        (0, vec!["-p", &port_good, "--cafile", &ca_other, "--cert", &cert, "--key", &key]),
        // The certificate names another host: refused, unless --insecure.
        (1, vec!["-p", &port_other, "--cafile", &ca_other]),
        (1, vec!["-p", &port_other, "--cafile", &ca_other, "--insecure", "-q", "2"]),
    ];
    // mosquitto's --capath is OpenSSL's CA path: certificates under their subject hash names.
    let rehashed = Command::new("openssl").args(["rehash", &dir]).status().is_ok_and(|s| s.success());
    if rehashed {
        cases.push((0, vec!["-p", &port_good, "--capath", &dir, "--cert", &cert, "--key", &key, "-V", "5"]));
    } else {
        eprintln!("skipping the --capath case: no `openssl rehash` to lay out a CA path");
    }
    let mut mismatches = Vec::new();
    for (i, (which, args)) in cases.iter().enumerate() {
        let mut outcome = Vec::new();
        for (tool, prefix) in
            [(Path::new("mosquitto_pub"), format!("m/{i}/")), (ours.as_path(), format!("s/{i}/"))]
        {
            let mut full: Vec<String> = ["-h", "127.0.0.1", "-t", &format!("{prefix}tls"), "-m", "secret"]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            full.extend(args.iter().map(|s| (*s).to_string()));
            let r = run(tool, &full, None);
            outcome.push((r.code, observers[*which].take(&prefix[..2]), r.stderr));
        }
        let (theirs, mine) = (&outcome[0], &outcome[1]);
        // mosquitto_pub's exit code for a failed TLS connection depends on timing (seen here:
        // 1 "Unable to connect (A TLS error occurred.)" or 8 "A TLS error occurred." for a
        // certificate it rejects; 7 "The connection was lost." or 1 "Protocol error" when the
        // broker rejects the client's): for failures, both failing is what is compared.
        if (mine.0 == 0) != (theirs.0 == 0) {
            mismatches.push(format!(
                "case {i} {args:?}: exit {} (ours: {:?}) against {} (mosquitto_pub: {:?})",
                mine.0, mine.2, theirs.0, theirs.2
            ));
        }
        if mine.1 != theirs.1 {
            mismatches.push(format!("case {i} {args:?}: published {:?} against {:?}", mine.1, theirs.1));
        }
        if mine.0 != 0 && mine.2.lines().count() != 1 {
            mismatches.push(format!("case {i}: not one line: {:?}", mine.2));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn a_qos_the_broker_lowers_is_shown_with_debug() {
    if !tools_present("QoS downgrade") {
        return;
    }
    let broker = Mosquitto::start("cli-max-qos", "max_qos 1").expect("mosquitto");
    let port = broker.addr.port();
    let observer = Observer::start(port);
    let (ours, sub) = our_binaries();
    let args = |more: &[&str]| -> Vec<String> {
        ["-h", "127.0.0.1", "-p", &port.to_string(), "-V", "5", "-q", "2", "-d"]
            .iter()
            .chain(more)
            .map(|s| (*s).to_string())
            .collect()
    };
    // mosquitto_pub 2.0.11 publishes nothing here (and exits 0); ours publishes at the QoS
    // the broker allows and says so.
    let r = run(&ours, &args(&["-t", "s/q", "-m", "x"]), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("QoS 2 downgraded to 1"), "{}", r.stderr);
    let got = observer.take("s/");
    assert_eq!(got.iter().map(|m| m.qos).collect::<Vec<_>>(), [QoS::AtLeastOnce], "{got:?}");
    let r = run(&sub, &args(&["-t", "s/q", "-E"]), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("QoS 2 downgraded to 1 by the broker"), "{}", r.stderr);
}

#[test]
fn sub_reconnects_like_mosquitto_sub_and_says_why_it_timed_out() {
    if !tools_present("sub reconnect") {
        return;
    }
    let mut broker = Mosquitto::start("cli-reconnect", "").expect("mosquitto");
    let port = broker.addr.port();
    let (_, ours) = our_binaries();
    let args = |prefix: &str, more: &[&str]| -> Vec<String> {
        ["-h", "127.0.0.1", "-p", &port.to_string(), "-t", &format!("{prefix}r"), "-v"]
            .iter()
            .chain(more)
            .map(|s| (*s).to_string())
            .collect()
    };
    // The broker restarts (losing everything: no persistence); a retained message published
    // afterwards reaches each subscriber once it has reconnected and subscribed again.
    let mut outcome = Vec::new();
    for (tool, prefix) in [(Path::new("mosquitto_sub"), "m/"), (ours.as_path(), "s/")] {
        let child = spawn(tool, &args(prefix, &["-C", "1", "-W", "15"]));
        std::thread::sleep(Duration::from_millis(1000));
        broker.restart();
        let publisher = Client::new(Options::new(&format!("mqtt://127.0.0.1:{port}")).expect("url"));
        smol::block_on(async {
            publisher.connect().await.expect("publisher connects");
            let t = publisher.publish(&format!("{prefix}r"), "back", QoS::AtLeastOnce, true).await;
            t.expect("publish").wait().await.expect("puback");
            publisher.disconnect().await.expect("disconnect");
        });
        let r = finish(child);
        outcome.push((r.code, r.stdout.replace(prefix, "{T}"), r.stderr));
    }
    assert_eq!(outcome[0].0, 0, "mosquitto_sub: {:?}", outcome[0].2);
    assert_eq!((outcome[1].0, &outcome[1].1), (outcome[0].0, &outcome[0].1), "ours: {:?}", outcome[1].2);
    // The broker goes away for good: -W ends both with 27, and ours says why.
    let children: Vec<_> = [(Path::new("mosquitto_sub"), "m/"), (ours.as_path(), "s/")]
        .map(|(t, p)| spawn(t, &args(p, &["-W", "3"])))
        .into();
    std::thread::sleep(Duration::from_millis(1000));
    broker.terminate();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();
    assert_eq!(runs[0].code, 27, "mosquitto_sub: {:?}", runs[0].stderr);
    assert_eq!(runs[1].code, 27, "ours: {:?}", runs[1].stderr);
    assert!(runs[1].stderr.contains("Timed out (not connected: "), "{:?}", runs[1].stderr);
    assert!(runs[1].stderr.contains("refused"), "the transport's cause: {:?}", runs[1].stderr);
}

/// `-L ws://` (mosquitto's tools have no WebSocket, and Debian's Mosquitto serves none): ours
/// against the in-process rumqttd's WebSocket listener, sub and pub both over it.
#[test]
fn pub_and_sub_speak_websocket() {
    use sansmqtt_tests::rumqttd::{self, Listener};
    let addr = rumqttd::start_listener(Listener::WebSocket);
    let (publish, subscribe) = our_binaries();
    let url = format!("ws://{addr}/mqtt");
    let strings = |a: &[&str]| -> Vec<String> { a.iter().map(|s| (*s).to_string()).collect() };
    let sub =
        spawn(&subscribe, &strings(&["-L", &url, "-t", "ws/#", "-C", "1", "-v", "-W", "15", "-q", "1"]));
    // Time for the subscriber to subscribe; a message before that is lost and -W fails the test.
    std::thread::sleep(Duration::from_millis(1500));
    let r = run(&publish, &strings(&["-L", &url, "-t", "ws/x", "-m", "over a WebSocket", "-q", "1"]), None);
    assert_eq!(r.code, 0, "pub: {:?}", r.stderr);
    let r = finish(sub);
    assert_eq!((r.code, r.stdout.as_str()), (0, "ws/x over a WebSocket\n"), "sub: {:?}", r.stderr);
}

/// `-L wss://`: ours against rumqttd's WebSocket listener behind a TLS-terminating proxy
/// (Debian's Mosquitto serves no WebSocket), the server certificate checked against
/// `--cafile`; sub and pub both over it. With a CA that did not sign the certificate, pub
/// fails in one line, and nothing arrives.
#[test]
fn pub_and_sub_speak_websocket_over_tls() {
    use sansmqtt_tests::certs::TestPki;
    use sansmqtt_tests::rumqttd::{self, Listener};
    use sansmqtt_tests::tls_proxy;
    let pki = TestPki::generate("cli-wss");
    let other = TestPki::generate("cli-wss-other");
    let addr = tls_proxy::start(rumqttd::start_listener(Listener::WebSocket), &pki);
    let (publish, subscribe) = our_binaries();
    let url = format!("wss://127.0.0.1:{}/mqtt", addr.port());
    let (ca, wrong_ca) = (pki.ca.display().to_string(), other.ca.display().to_string());
    let strings = |a: &[&str]| -> Vec<String> { a.iter().map(|s| (*s).to_string()).collect() };
    let sub = spawn(
        &subscribe,
        &strings(&["-L", &url, "--cafile", &ca, "-t", "wss/#", "-C", "1", "-v", "-W", "15", "-q", "1"]),
    );
    // Time for the subscriber to subscribe; a message before that is lost and -W fails the test.
    std::thread::sleep(Duration::from_millis(1500));
    let r = run(&publish, &strings(&["-L", &url, "--cafile", &wrong_ca, "-t", "wss/x", "-m", "no"]), None);
    assert_eq!((r.code, r.stderr.lines().count()), (1, 1), "pub with the wrong CA: {:?}", r.stderr);
    let args = ["-L", &url, "--cafile", &ca, "-t", "wss/x", "-m", "over TLS", "-q", "2"];
    let r = run(&publish, &strings(&args), None);
    assert_eq!(r.code, 0, "pub: {:?}", r.stderr);
    let r = finish(sub);
    assert_eq!((r.code, r.stdout.as_str()), (0, "wss/x over TLS\n"), "sub: {:?}", r.stderr);
}
