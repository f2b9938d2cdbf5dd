//! Publish messages, like mosquitto_pub.
//!
//! ```sh
//! cargo run -p sansmqtt-smol --example pub -- -t hello -m "Hello Broker!" -q 1
//! seq 1000 | cargo run -p sansmqtt-smol --example pub -- -t lines -l -q 2
//! cargo run -p sansmqtt-smol --example pub -- -t load -m x -C 100000 -q 1   # repeat, with progress
//! ```
#[path = "common/cli.rs"]
mod cli;

use sansmqtt_smol::{Client, Outgoing};
use std::io::BufRead;

const USAGE: &str = "usage: pub -t TOPIC (-m MESSAGE | -f FILE | -l | -n) [-C COUNT] [-r] [options]
  -m, --message M        payload;  -f, --file F  payload from a file;  -n, --null-message  empty payload
  -l, --stdin-line       one message per line of standard input
  -C, --repeat N         publish the message N times (default 1)
  -r, --retain           retain";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = cli::Cli::parse(USAGE);
    let payload: Option<Vec<u8>> = match (&cli.message, &cli.file) {
        (Some(m), _) => Some(m.clone().into_bytes()),
        (None, Some(f)) => Some(std::fs::read(f)?),
        _ if cli.null_message => Some(Vec::new()),
        _ if cli.stdin_lines => None,
        _ => {
            eprintln!("one of -m, -f, -l or -n is needed\n\n{USAGE}\n{}", cli::COMMON_HELP);
            std::process::exit(2)
        }
    };
    let client = Client::new(cli.options("sansmqtt-pub")?);
    smol::block_on(async {
        client.connect().await?;
        let (topic, qos) = (cli.topics[0].as_str(), cli.qos());
        let mut meter = cli::Meter::new();
        let (mut n, mut bytes, mut last) = (0u64, 0u64, None);
        let mut lines = std::io::stdin().lock().lines();
        let repeat = cli.count.unwrap_or(1);
        loop {
            let line;
            let body: &[u8] = match &payload {
                Some(p) if n < repeat => p,
                Some(_) => break,
                None => match lines.next() {
                    Some(l) => {
                        line = l?;
                        line.as_bytes()
                    }
                    None => break,
                },
            };
            last = Some(client.publish_message(&Outgoing::new(topic, body, qos).retain(cli.retain)).await?);
            n += 1;
            bytes += body.len() as u64;
            if meter.tick() && !cli.quiet {
                eprintln!("... {n} published, {:.0} msg/s", meter.rate(n));
            }
        }
        // Completions arrive in order per QoS: waiting for the last one waits for all.
        if let Some(last) = last {
            last.wait().await?;
        }
        let secs = meter.elapsed().as_secs_f64();
        client.disconnect().await?;
        if !cli.quiet {
            eprintln!(
                "published {n} messages ({bytes} bytes) to {topic} at QoS {} in {secs:.3} s: {:.0} msg/s",
                cli.qos,
                meter.rate(n)
            );
        }
        Ok(())
    })
}
