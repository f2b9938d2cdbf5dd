//! `sansmqtt-sub`: subscribe and print messages, with mosquitto_sub's options and exit codes.
//! Reconnects when the broker goes away (the session restores the subscriptions); `-C` and
//! `-W` end it, saying why.
//!
//! ```sh
//! cargo install --path runtime-smol --features cli
//! sansmqtt-sub -t 'hello/#' -q 1 -v
//! sansmqtt-sub -t sensors/+ -C 10 -W 60 -V 5
//! ```

#[path = "common.rs"]
mod common;
#[path = "format.rs"]
mod format;
#[path = "json.rs"]
mod json;
#[path = "net.rs"]
mod net;
#[path = "out.rs"]
mod out;
#[path = "props.rs"]
#[allow(dead_code)] // The PUBLISH properties are sansmqtt-pub's.
mod props;
#[path = "store.rs"]
#[allow(dead_code)] // Draining restored publishes is sansmqtt-pub's.
mod store;
#[path = "tls.rs"]
mod tls;

use clap::{Arg, ArgAction, ArgMatches, Command};
use common::{Connection, fail, refuse};
use sansmqtt_smol::sansmqtt_session::sansmqtt_proto::topic::{matches, validate_topic_filter};
use sansmqtt_smol::{
    Client, DisconnectOptions, Event, Events, Message, PublishToken, QoS, SubscriptionOptions,
};
use std::io::Write;
use std::time::Duration;

const TOOL: &str = "sansmqtt-sub";
/// mosquitto_sub's exit code when `-W` expires.
const EXIT_TIMED_OUT: i32 = 27;

fn command() -> Command {
    let cmd = Command::new(TOOL)
        .about("Subscribe to MQTT topics and print the messages; the options of mosquitto_sub 2.0")
        .arg(Arg::new("count").short('C').num_args(1).help("exit after this many messages"))
        .arg(Arg::new("timeout").short('W').num_args(1).help("exit after this many seconds (exit code 27)"))
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::SetTrue)
                .help("print the topic before the payload"),
        )
        .arg(
            Arg::new("no-eol").short('N').action(ArgAction::SetTrue).help("no end of line after the payload"),
        )
        .arg(
            Arg::new("no-retained")
                .short('R')
                .action(ArgAction::SetTrue)
                .help("do not print retained messages"),
        )
        .arg(
            Arg::new("filter-out")
                .short('T')
                .num_args(1)
                .action(ArgAction::Append)
                .help("do not print topics matching this filter"),
        )
        .arg(
            Arg::new("unsubscribe")
                .short('U')
                .num_args(1)
                .action(ArgAction::Append)
                .help("unsubscribe from this filter"),
        )
        .arg(
            Arg::new("format")
                .short('F')
                .num_args(1)
                .allow_hyphen_values(true)
                .help("output format (%t topic, %p payload, @H hour, ...)"),
        )
        .arg(
            Arg::new("pretty")
                .long("pretty")
                .action(ArgAction::SetTrue)
                .help("lay out the JSON of -F %j / %J on several lines"),
        )
        .arg(
            Arg::new("random-filter")
                .long("random-filter")
                .num_args(1)
                .allow_hyphen_values(true)
                .help("print only this percentage of messages, chosen at random (0.1 to 100)"),
        )
        .arg(
            Arg::new("retained-only")
                .long("retained-only")
                .action(ArgAction::SetTrue)
                .help("print only retained messages; exit at the first that is not"),
        )
        .arg(
            Arg::new("remove-retained")
                .long("remove-retained")
                .action(ArgAction::SetTrue)
                .help("clear the retained messages received (not those -T or -R leave out)"),
        )
        .arg(Arg::new("out").long("out").num_args(1).help(
            "write each message's payload to a file of its own in this directory, streamed as it \
             arrives (messages of any size; never held whole): NNNNNN-TOPIC, a sequence number and \
             the topic with bytes other than letters, digits, '-', '_', '.' as %XX ('/' is %2F); \
             written as .NAME.part and renamed when complete (a message cut off leaves no file). \
             The file's path is printed where the payload would be (-v: topic and path)",
        ))
        .arg(
            Arg::new("exit-on-suback")
                .short('E')
                .action(ArgAction::SetTrue)
                .help("exit once the subscriptions are acknowledged"),
        );
    common::connection_args(cmd)
}

/// What to do with messages, checked.
struct Output {
    count: Option<u64>,
    verbose: bool,
    no_eol: bool,
    no_retained: bool,
    filter_out: Vec<String>,
    /// `-F`.
    format: Option<format::Format>,
    retained_only: bool,
    remove_retained: bool,
    /// `--random-filter`: messages printed per 1,000 (1,000 and above: all).
    random_filter: Option<RandomFilter>,
    /// `--out DIR`.
    out_dir: Option<String>,
}

/// `--random-filter`: keeps `per_mille` of 1,000 messages (mosquitto's resolution, 0.1 %),
/// chosen by a xorshift generator seeded from the OS.
struct RandomFilter {
    per_mille: u64,
    state: std::cell::Cell<u64>,
}

impl RandomFilter {
    /// mosquitto_sub's reading of the option: a percentage, 0.1 at least.
    fn parse(s: &str) -> Self {
        let chance: f64 = s.trim().parse().unwrap_or(0.0);
        if chance.is_nan() || chance * 10.0 < 1.0 {
            refuse("--random-filter chance must be between 0.1-100.0");
        }
        let seed = std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0u8);
        Self { per_mille: (chance * 10.0).min(1_000.0) as u64, state: std::cell::Cell::new(seed | 1) }
    }

    /// Whether to print the next message.
    fn keep(&self) -> bool {
        let mut x = self.state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.set(x);
        self.per_mille >= 1_000 || x % 1_000 < self.per_mille
    }
}

fn filters(m: &ArgMatches, id: &str, what: &str) -> Vec<String> {
    let list: Vec<String> = m.get_many::<String>(id).map(|v| v.cloned().collect()).unwrap_or_default();
    for f in &list {
        if validate_topic_filter(f).is_err() {
            refuse(format_args!("Invalid {what} topic '{f}', are all '+' and '#' wildcards correct?"));
        }
    }
    list
}

fn main() {
    let m = common::parse(command());
    let qos = common::qos_arg(&m, "qos", "");
    let (options, conn) = common::connection(&m, TOOL);
    let mut topics = filters(&m, "topic", "subscription");
    topics.extend(conn.url_topic.clone());
    let unsubscribe = filters(&m, "unsubscribe", "unsubscribe");
    if topics.is_empty() && unsubscribe.is_empty() {
        refuse(format_args!("You must specify a topic to subscribe to. (see '{TOOL} --help')"));
    }
    // mosquitto reads these with atoi: what is not a positive number is refused alike.
    let positive = |id: &str, what: &str| {
        m.get_one::<String>(id).map(|s| match s.parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => refuse(format_args!("Invalid {what} \"{s}\".")),
        })
    };
    if m.get_flag("no-retained") && m.get_flag("retained-only") {
        refuse("Combining '-R' and '--retained-only' makes no sense.");
    }
    let count = positive("count", "message count");
    let timeout = positive("timeout", "timeout");
    let out = Output {
        count,
        verbose: m.get_flag("verbose"),
        no_eol: m.get_flag("no-eol"),
        no_retained: m.get_flag("no-retained"),
        filter_out: filters(&m, "filter-out", "filter"),
        format: m.get_one::<String>("format").map(|f| format::Format::parse(f, m.get_flag("pretty"))),
        retained_only: m.get_flag("retained-only"),
        remove_retained: m.get_flag("remove-retained"),
        random_filter: m.get_one::<String>("random-filter").map(|s| RandomFilter::parse(s)),
        out_dir: m.get_one::<String>("out").cloned(),
    };
    if out.out_dir.is_some() && out.format.is_some() {
        refuse("--out and -F cannot be combined (the payload goes to a file).");
    }
    // With a store, a message is acknowledged once printed: one killed before that comes again.
    let mut options = if store::requested(&m) { options.manual_acks() } else { options };
    if let Some(dir) = &out.out_dir {
        out::OutDir::new(dir); // Refused now if it is not a directory.
        // Large messages stream through a small buffer to their files; the largest accepted
        // is MQTT's (unless `-D connect maximum-packet-size` says otherwise).
        let default_max = sansmqtt_smol::Config::new(conn.version, "").max_packet_size;
        if options.config().max_packet_size == default_max {
            options.config_mut().max_packet_size = 268_435_455;
        }
        options = options.receive_buffer_size(out::RECEIVE_BUFFER).event_capacity(out::EVENT_CAPACITY);
    }
    let client = Client::new(options);
    let code = smol::block_on(async {
        let run = run(&client, &conn, qos, &topics, &unsubscribe, m.get_flag("exit-on-suback"), &out);
        match timeout {
            None => run.await,
            Some(secs) => {
                let timer = async {
                    async_io::Timer::after(Duration::from_secs(secs)).await;
                    if client.is_connected() {
                        eprintln!("Timed out");
                    } else {
                        let why = match (client.last_transport_failure(), client.last_disconnect()) {
                            (Some(e), _) => e.to_string(),
                            (None, Some(r)) => r.to_string(),
                            (None, None) => "connecting".into(),
                        };
                        eprintln!("Timed out (not connected: {why})");
                    }
                    EXIT_TIMED_OUT
                };
                futures_lite::future::or(run, timer).await
            }
        }
    });
    if client.is_connected() {
        let mut d = DisconnectOptions::default();
        d.session_expiry_interval = conn.properties.disconnect_session_expiry();
        d.reason_string = conn.properties.disconnect_reason_string();
        let _ = smol::block_on(client.disconnect_with(&d));
    }
    std::process::exit(code)
}

/// Connect, subscribe, print until `-C` is reached; the exit code.
async fn run(
    client: &Client,
    conn: &Connection,
    qos: QoS,
    topics: &[String],
    unsubscribe: &[String],
    exit_on_suback: bool,
    out: &Output,
) -> i32 {
    let mut events = client.events();
    let present = match client.connect().await {
        Ok(p) => p,
        Err(e) => fail(&e, conn),
    };
    let id = conn.id_for_debug(client);
    if conn.debug {
        eprintln!(
            "Client {id} connected ({}, session present {})",
            common::version_name(conn.version),
            u8::from(present)
        );
    }
    if !topics.is_empty() {
        let subs: Vec<(&str, SubscriptionOptions)> =
            topics.iter().map(|t| (t.as_str(), SubscriptionOptions::new(qos))).collect();
        let (sub_id, users) = if conn.version.is_v5() {
            (conn.properties.subscription_identifier(), conn.properties.subscribe_users(true))
        } else {
            (None, Vec::new())
        };
        let reasons = match client.subscribe_with(&subs, sub_id, &users) {
            Ok(t) => t.wait().await.unwrap_or_else(|e| fail(&e, conn)),
            Err(e) => fail(&e, conn),
        };
        if conn.debug {
            let list: Vec<String> = reasons.iter().map(|r| (*r as u8).to_string()).collect();
            eprintln!("Subscribed: {}", list.join(", "));
            for (t, r) in topics.iter().zip(&reasons) {
                let g = *r as u8;
                if !r.is_error() && g < qos as u8 {
                    eprintln!(
                        "Client {id} subscribe '{t}': QoS {} downgraded to {g} by the broker",
                        qos as u8
                    );
                }
            }
        }
        if reasons.iter().all(|r| r.is_error()) {
            if !conn.quiet {
                eprintln!("Error: all subscription requests were denied ({})", reasons[0]);
            }
            return common::EXIT_FAILURE;
        }
    }
    if !unsubscribe.is_empty() {
        let filters: Vec<&str> = unsubscribe.iter().map(String::as_str).collect();
        let users = if conn.version.is_v5() { conn.properties.subscribe_users(false) } else { Vec::new() };
        match client.unsubscribe_with(&filters, &users) {
            Ok(t) => {
                t.wait().await.unwrap_or_else(|e| fail(&e, conn));
            }
            Err(e) => fail(&e, conn),
        }
    }
    if exit_on_suback {
        return 0;
    }
    print_messages(client, &mut events, conn, &id, out).await
}

/// Wait until the broker has the clearing publishes of `--remove-retained`; the exit code.
async fn finish_removals(removals: &[PublishToken], conn: &Connection) -> i32 {
    for t in removals {
        if let Err(e) = t.wait().await {
            fail(&e, conn);
        }
    }
    0
}

/// What to do with a message (decided from its topic and flags, before its payload).
enum Admit {
    Print,
    Skip,
    /// `--retained-only` met a message that is not retained: the run ends.
    Stop,
}

/// The filters of `-R`, `-T`, `--random-filter` and `--retained-only`, and the clearing
/// publish of `--remove-retained`.
async fn admit(
    client: &Client,
    conn: &Connection,
    out: &Output,
    msg: &Message,
    removals: &mut Vec<PublishToken>,
) -> Admit {
    if out.retained_only && !msg.retain {
        // mosquitto_sub: the first message that is not retained ends the run.
        return Admit::Stop;
    }
    if (out.no_retained && msg.retain) || out.filter_out.iter().any(|f| matches(f, &msg.topic)) {
        return Admit::Skip;
    }
    if out.random_filter.as_ref().is_some_and(|f| !f.keep()) {
        return Admit::Skip;
    }
    if out.remove_retained && msg.retain {
        // An empty retained message clears the topic's (QoS 1, as mosquitto_sub).
        match client.publish(&msg.topic, [], QoS::AtLeastOnce, true).await {
            Ok(t) => removals.push(t),
            Err(e) => fail(&e, conn),
        }
    }
    Admit::Print
}

/// The line printed for `msg` (its payload: `payload`, or with `--out` its file's `path`).
fn render(out: &Output, msg: &Message, path: Option<&std::path::Path>) -> Vec<u8> {
    let mut line = Vec::with_capacity(msg.topic.len() + msg.payload.len() + 2);
    let body = match path {
        Some(p) => p.as_os_str().as_encoded_bytes(),
        None => &msg.payload[..],
    };
    match &out.format {
        Some(f) => {
            for problem in f.render(msg, &mut line) {
                eprintln!("{problem}");
            }
        }
        // mosquitto_sub 2.0 prints an empty message as nothing at all, or with -v
        // as `topic (null)` (nothing either with -N).
        None if body.is_empty() => {
            if out.verbose && !out.no_eol {
                line.extend_from_slice(msg.topic.as_bytes());
                line.extend_from_slice(b" (null)");
            }
        }
        None => {
            if out.verbose {
                line.extend_from_slice(msg.topic.as_bytes());
                line.push(b' ');
            }
            line.extend_from_slice(body);
        }
    }
    if !out.no_eol && (!body.is_empty() || out.verbose || out.format.is_some()) {
        line.push(b'\n');
    }
    line
}

/// With `-d`, a message's arrival, as mosquitto_sub's debug output has it.
fn debug_received(conn: &Connection, id: &str, msg: &Message, len: usize) {
    if conn.debug {
        eprintln!(
            "Client {id} received PUBLISH (d{}, q{}, r{}, '{}', ... ({len} bytes))",
            u8::from(msg.dup),
            msg.qos as u8,
            u8::from(msg.retain),
            msg.topic,
        );
    }
}

/// A file of `--out` could not be written: the run ends.
fn write_failed(dir: &mut Option<out::OutDir>, e: &std::io::Error, conn: &Connection) -> i32 {
    if let Some(d) = dir.as_mut() {
        d.abort();
    }
    if !conn.quiet {
        eprintln!("Error: writing to --out: {e}");
    }
    common::EXIT_FAILURE
}

/// Print messages as they come until `-C` is reached, reporting reconnects with `-d`.
async fn print_messages(
    client: &Client,
    events: &mut Events,
    conn: &Connection,
    id: &str,
    out: &Output,
) -> i32 {
    let mut n = 0u64;
    // The stream was opened before connecting: its first `Connected` is that connection.
    let mut connects = 0u32;
    let mut stdout = std::io::stdout().lock();
    // --remove-retained: the clearing publishes, waited for before exiting.
    let mut removals: Vec<PublishToken> = Vec::new();
    let mut dir = out.out_dir.as_deref().map(out::OutDir::new);
    // A message streaming in (`--out`), and whether it is written (not filtered out).
    let mut streaming: Option<(Message, bool)> = None;
    while let Some(event) = events.recv().await {
        // A finished message: it, its file (`--out`), and its ack.
        let (msg, path, mut ack) = match event {
            Event::Message(msg) => {
                let ack = Ack(client, msg.ack_token);
                debug_received(conn, id, &msg, msg.payload.len());
                match admit(client, conn, out, &msg, &mut removals).await {
                    Admit::Stop => return finish_removals(&removals, conn).await,
                    Admit::Skip => continue,
                    Admit::Print => {}
                }
                let path = match dir.as_mut().map(|d| d.whole(&msg.topic, &msg.payload)) {
                    None => None,
                    Some(Ok(p)) => Some(p),
                    Some(Err(e)) => return write_failed(&mut dir, &e, conn),
                };
                (msg, path, ack)
            }
            Event::MessageStart { message, payload_len } => {
                debug_received(conn, id, &message, payload_len);
                let take = match admit(client, conn, out, &message, &mut removals).await {
                    Admit::Stop => return finish_removals(&removals, conn).await,
                    Admit::Skip => false,
                    Admit::Print => true,
                };
                if take && let Some(Err(e)) = dir.as_mut().map(|d| d.begin(&message.topic)) {
                    return write_failed(&mut dir, &e, conn);
                }
                streaming = Some((message, take));
                continue;
            }
            Event::MessageChunk(data) => {
                if let Some(Err(e)) = dir.as_mut().filter(|d| d.writing()).map(|d| d.chunk(&data)) {
                    return write_failed(&mut dir, &e, conn);
                }
                continue;
            }
            Event::MessageEnd { ack_token } => {
                let ack = Ack(client, ack_token);
                let Some((msg, true)) = streaming.take() else { continue };
                let path = match dir.as_mut().map(out::OutDir::end) {
                    None => None,
                    Some(Ok(p)) => Some(p),
                    Some(Err(e)) => return write_failed(&mut dir, &e, conn),
                };
                (msg, path, ack)
            }
            Event::MessageAborted => {
                if let Some(d) = dir.as_mut() {
                    d.abort();
                }
                if let Some((msg, _)) = streaming.take()
                    && conn.debug
                {
                    eprintln!("Client {id} PUBLISH on '{}' cut off by the lost connection", msg.topic);
                }
                continue;
            }
            Event::Disconnected(reason) => {
                if conn.debug {
                    match client.last_transport_failure() {
                        Some(e) => eprintln!("Client {id} disconnected: {reason} ({e}); reconnecting"),
                        None => eprintln!("Client {id} disconnected: {reason}; reconnecting"),
                    }
                }
                continue;
            }
            Event::Connected { session_present } => {
                connects += 1;
                if conn.debug && connects > 1 {
                    eprintln!("Client {id} reconnected (session present {})", u8::from(session_present));
                }
                continue;
            }
            Event::Resubscribed { filters } => {
                if conn.debug {
                    for (f, r) in filters {
                        eprintln!("Client {id} subscribed again to '{f}': {}", r as u8);
                    }
                }
                continue;
            }
            _ => continue,
        };
        let line = render(out, &msg, path.as_deref());
        if stdout.write_all(&line).and_then(|()| stdout.flush()).is_err() {
            ack.1 = None; // Not printed: not acknowledged.
            return common::EXIT_FAILURE; // stdout closed
        }
        drop(ack);
        n += 1;
        if out.count.is_some_and(|c| n >= c) {
            return finish_removals(&removals, conn).await;
        }
    }
    if !conn.quiet {
        eprintln!("Error: client closed");
    }
    common::EXIT_FAILURE
}

/// Acknowledges a message (with `--store`: manual acks) when dropped, once it is handled.
struct Ack<'a>(&'a Client, Option<sansmqtt_smol::AckToken>);

impl Drop for Ack<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.1.take() {
            // A token from before a reconnect is unknown: the broker sends that message again.
            let _ = self.0.ack(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RandomFilter;

    #[test]
    fn random_filter_keeps_about_its_share() {
        for (chance, low, high) in [("50", 4_500, 5_500), ("10.5", 850, 1_250), ("100", 10_000, 10_000)] {
            let f = RandomFilter::parse(chance);
            let kept = (0..10_000).filter(|_| f.keep()).count();
            assert!((low..=high).contains(&kept), "{chance}: {kept}");
        }
    }
}
