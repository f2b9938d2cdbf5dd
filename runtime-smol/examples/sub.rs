//! Subscribe and print messages, like mosquitto_sub.
//!
//! ```sh
//! cargo run -p sansmqtt-smol --example sub -- -t 'hello/#' -q 1 -v
//! cargo run -p sansmqtt-smol --example sub -- -t load -C 100000 --quiet   # count, with progress
//! ```
#[path = "common/cli.rs"]
mod cli;

use sansmqtt_smol::{Client, Event, SubscriptionOptions};
use std::io::Write;

const USAGE: &str = "usage: sub -t FILTER [-t FILTER ...] [-C COUNT] [-v] [options]
  -C, --count N          exit after N messages
  -v, --verbose          print the topic before each payload
  --quiet                print no messages (only progress and the summary)";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = cli::Cli::parse(USAGE);
    let client = Client::new(cli.options("sansmqtt-sub")?);
    smol::block_on(async {
        let mut events = client.events();
        client.connect().await?;
        let filters: Vec<(&str, SubscriptionOptions)> =
            cli.topics.iter().map(|t| (t.as_str(), SubscriptionOptions::new(cli.qos()))).collect();
        let granted = client.subscribe_many(&filters)?.wait().await?;
        eprintln!("subscribed to {:?}: {granted:?}", cli.topics);
        let mut meter = cli::Meter::new();
        let (mut n, mut bytes) = (0u64, 0u64);
        let mut out = std::io::stdout().lock();
        while cli.count.is_none_or(|c| n < c) {
            match events.recv().await {
                Some(Event::Message(m)) => {
                    n += 1;
                    bytes += m.payload.len() as u64;
                    if !cli.quiet {
                        if cli.verbose {
                            write!(out, "{} ", m.topic)?;
                        }
                        out.write_all(&m.payload)?;
                        out.write_all(b"\n")?;
                    }
                    if meter.tick() {
                        eprintln!("... {n} received, {:.0} msg/s", meter.rate(n));
                    }
                }
                Some(Event::Disconnected(reason)) => {
                    eprintln!("disconnected: {reason}");
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
        out.flush()?;
        let secs = meter.elapsed().as_secs_f64();
        if client.is_connected() {
            client.disconnect().await?;
        }
        eprintln!("received {n} messages ({bytes} bytes) in {secs:.3} s: {:.0} msg/s", meter.rate(n));
        Ok(())
    })
}
