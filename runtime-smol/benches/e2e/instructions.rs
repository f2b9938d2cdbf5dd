//! `--callgrind`: instructions executed per round trip and per client-bound message, counted
//! by callgrind (user space only: a system call counts as the instructions that issue it).
//! Unlike wall and CPU time these do not depend on the machine's load. Each child runs twice
//! with different counts and the difference is divided by the difference in count, so start-up
//! and connecting cancel out.

use std::process::{Command, Stdio};

/// Instructions a child executed in total (`None` if it or valgrind failed).
fn instructions(args: &[&str]) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(&exe)
        .arg("--child")
        .args(args)
        // rustix cannot read valgrind's vDSO: the child skips its CPU clock.
        .env("E2E_NO_CPU", "1")
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.contains("Collected :"))?;
    line.rsplit(' ').next()?.trim().parse().ok().filter(|_| out.status.success())
}

/// Instructions per unit of `mode` (`rtt` or `bound`) for `client` at `qos`: runs of `n` and
/// `2 n`.
fn per_unit(mode: &str, client: &str, qos: u8, n: u64, port: u16) -> Option<f64> {
    let (q, p) = (qos.to_string(), port.to_string());
    let one = instructions(&[mode, client, &q, &n.to_string(), &p])?;
    let two = instructions(&[mode, client, &q, &(2 * n).to_string(), &p])?;
    Some(two.saturating_sub(one) as f64 / n as f64)
}

/// Print both tables against the fake broker on `port`.
pub(crate) fn print_tables(port: u16, rtt: u64, bound: u64) {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("valgrind is not installed: apt-get install -y valgrind");
        return;
    }
    let fmt = |x: Option<f64>| x.map_or("failed".to_string(), |x| format!("{x:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => String::new(),
    };
    println!(
        "Instructions per round trip (callgrind), fake broker: publish one 64 B message, wait until it is back"
    );
    println!();
    println!("| QoS | sansmqtt-smol | rumqttc | sansmqtt-smol / rumqttc |");
    println!("|---|---|---|---|");
    for qos in 0..3u8 {
        let ours = per_unit("rtt", "sansmqtt-smol", qos, rtt, port);
        let theirs = per_unit("rtt", "rumqttc", qos, rtt, port);
        println!("| {qos} | {} | {} | {} |", fmt(ours), fmt(theirs), ratio(ours, theirs));
    }
    println!();
    println!(
        "Instructions per message received (callgrind), client-bound: the fake broker's flood of 64 B messages"
    );
    println!();
    println!(
        "| QoS | raw socket loop | sansmqtt-smol | rumqttc | sansmqtt-smol / rumqttc | sansmqtt-smol / raw loop |"
    );
    println!("|---|---|---|---|---|---|");
    for qos in 0..3u8 {
        let raw = per_unit("bound", "raw socket loop", qos, bound, port);
        let ours = per_unit("bound", "sansmqtt-smol", qos, bound, port);
        let theirs = per_unit("bound", "rumqttc", qos, bound, port);
        println!(
            "| {qos} | {} | {} | {} | {} | {} |",
            fmt(raw),
            fmt(ours),
            fmt(theirs),
            ratio(ours, theirs),
            ratio(ours, raw)
        );
    }
}
