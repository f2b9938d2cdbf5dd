//! Secrets never printed by the command-line examples (issue 20): `pub` and `sub` (in
//! `runtime-smol/examples`, run through `cargo run`, with `-d` logging) fail with a bad URL, a
//! wrong password and a refused connection, and their output (stdout and stderr) holds no
//! part of the password.

use sansmqtt_tests::mosquitto::Mosquitto;
use std::process::Command;

const PASSWORD: &str = "S3cretPW-0xDEAD";

/// Run an example with `args`; its exit status and everything it printed.
fn example(name: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "sansmqtt-smol", "--example", name, "--"])
        .args(args)
        .output()
        .expect("run cargo");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn pub_and_sub_print_no_password_when_they_fail() {
    let Some(broker) = Mosquitto::start_with_password("secrets-cli", "alice", PASSWORD) else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (good, closed) = (broker.addr.to_string(), closed.to_string());
    let wrong = format!("{PASSWORD}!");
    let cases: [(&str, Vec<String>); 4] = [
        ("bad URL", vec!["-L".into(), format!("mqtt://alice:S3cretPW/{}@{good}", &PASSWORD[8..])]),
        ("wrong password in the URL", vec!["-L".into(), format!("mqtt://alice:{wrong}@{good}")]),
        (
            "wrong password in -P",
            vec![
                "-L".into(),
                format!("mqtt://{good}"),
                "-u".into(),
                "alice".into(),
                "-P".into(),
                wrong.clone(),
            ],
        ),
        ("connection refused", vec!["-L".into(), format!("mqtt://alice:{PASSWORD}@{closed}")]),
    ];
    for name in ["pub", "sub"] {
        for (case, args) in &cases {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend(["-t", "secrets/cli", "-d", "-V", "5"]);
            if name == "pub" {
                all.extend(["-m", "payload"]);
            }
            let (ok, text) = example(name, &all);
            assert!(!ok, "{name}, {case}: it failed:\n{text}");
            assert!(!text.trim().is_empty(), "{name}, {case}: it said why");
            for needle in ["S3cretPW", "83, 51, 99, 114"] {
                assert!(!text.contains(needle), "{name}, {case}: the output shows {needle:?}:\n{text}");
            }
        }
    }
}
