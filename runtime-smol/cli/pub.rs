//! `sansmqtt-pub`: publish messages, with mosquitto_pub's options and exit codes.
//!
//! ```sh
//! cargo install --path runtime-smol --features cli
//! sansmqtt-pub -t hello -m "Hello Broker!" -q 1
//! seq 1000 | sansmqtt-pub -t lines -l -q 2 -V mqttv5 -D publish user-property k v
//! ```

#[path = "common.rs"]
mod common;
#[path = "net.rs"]
mod net;
#[path = "props.rs"]
#[allow(dead_code)] // The SUBSCRIBE properties are sansmqtt-sub's.
mod props;
#[path = "store.rs"]
mod store;
#[path = "tls.rs"]
mod tls;

use clap::{Arg, ArgAction, Command};
use common::{Connection, fail, refuse};
use sansmqtt_smol::sansmqtt_session::sansmqtt_proto::topic::validate_topic_name;
use sansmqtt_smol::{Client, DisconnectOptions, Outgoing, PublishToken};
use sansmqtt_smol::{QoS, ReasonCode};
use std::io::{BufRead, Read};
use std::time::Duration;

const TOOL: &str = "sansmqtt-pub";
/// `-f`: the file is read ahead at most this far while it is sent.
const FILE_PIPE: usize = 64 * 1024;

fn command() -> Command {
    let cmd = Command::new(TOOL)
        .about("Publish MQTT messages; the options of mosquitto_pub 2.0")
        .arg(
            Arg::new("message")
                .short('m')
                .long("message")
                .num_args(1)
                .allow_hyphen_values(true)
                .help("payload"),
        )
        .arg(Arg::new("file").short('f').long("file").num_args(1).help(
            "payload: the contents of a file, read in chunks as it is sent (never held whole; \
             with --store it is read whole, as the store keeps the payload)",
        ))
        .arg(
            Arg::new("stdin-line")
                .short('l')
                .long("stdin-line")
                .action(ArgAction::SetTrue)
                .help("one message per line of stdin"),
        )
        .arg(
            Arg::new("stdin-file")
                .short('s')
                .long("stdin-file")
                .action(ArgAction::SetTrue)
                .help("payload: all of stdin"),
        )
        .arg(
            Arg::new("null").short('n').long("null-message").action(ArgAction::SetTrue).help("empty payload"),
        )
        .arg(
            Arg::new("retain")
                .short('r')
                .long("retain")
                .action(ArgAction::SetTrue)
                .help("retain the message"),
        )
        .arg(Arg::new("repeat").long("repeat").num_args(1).help("publish the message N times (-m, -f, -s)"))
        .arg(Arg::new("repeat-delay").long("repeat-delay").num_args(1).help("seconds between repeats"));
    common::connection_args(cmd)
}

/// Where the payloads come from.
enum Source {
    Fixed(Vec<u8>),
    /// `-f`: the file, opened, and its length; streamed from disk by each publish.
    File(std::path::PathBuf, std::fs::File, usize),
    Lines,
}

/// `-f FILE`, opened and checked as mosquitto_pub reads it (a file it cannot open or read,
/// such as a directory, is refused before connecting): the file and its length, or `None`
/// when it is not a regular file (a pipe, a device: its length is not known beforehand).
fn open_file(f: &str) -> Option<(std::fs::File, usize)> {
    let fail = |e: std::io::Error| -> ! { refuse(format_args!("Unable to open file \"{f}\": {e}")) };
    let file = std::fs::File::open(f).unwrap_or_else(|e| fail(e));
    let meta = file.metadata().unwrap_or_else(|e| fail(e));
    if meta.is_dir() {
        // What reading it would say (EISDIR), before any connection is made.
        fail(std::io::Error::from(std::io::ErrorKind::IsADirectory));
    }
    if !meta.is_file() {
        return None;
    }
    let len =
        usize::try_from(meta.len()).unwrap_or_else(|_| refuse(format_args!("File \"{f}\" is too large.")));
    Some((file, len))
}

fn source(m: &clap::ArgMatches) -> Source {
    let given = ["message", "file"].iter().filter(|k| m.contains_id(k)).count()
        + ["stdin-line", "stdin-file", "null"].iter().filter(|k| m.get_flag(k)).count();
    if given > 1 {
        refuse("Only one type of message can be sent at once.");
    }
    if let Some(msg) = m.get_one::<String>("message") {
        Source::Fixed(msg.clone().into_bytes())
    } else if let Some(f) = m.get_one::<String>("file") {
        match open_file(f) {
            // The store keeps each payload it journals: with one, the file is read whole.
            Some((file, len)) if !store::requested(m) => Source::File(f.into(), file, len),
            // Not a regular file (or a store): read whole, as before.
            _ => Source::Fixed(
                std::fs::read(f).unwrap_or_else(|e| refuse(format_args!("Unable to open file \"{f}\": {e}"))),
            ),
        }
    } else if m.get_flag("stdin-file") {
        let mut all = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut all)
            .unwrap_or_else(|e| refuse(format_args!("reading stdin: {e}")));
        Source::Fixed(all)
    } else if m.get_flag("null") {
        Source::Fixed(Vec::new())
    } else if m.get_flag("stdin-line") {
        Source::Lines
    } else {
        refuse(format_args!("Both topic and message must be supplied. (see '{TOOL} --help')"))
    }
}

fn main() {
    let m = common::parse(command());
    let qos = common::qos_arg(&m, "qos", "");
    let (options, conn) = common::connection(&m, TOOL);
    if conn.properties.has_subscribe_properties() {
        refuse("subscribe and unsubscribe properties are not used by sansmqtt-pub.");
    }
    let topic = match m
        .get_many::<String>("topic")
        .and_then(|mut t| t.next_back().cloned())
        .or(conn.url_topic.clone())
    {
        Some(t) => t,
        None => refuse(format_args!("Both topic and message must be supplied. (see '{TOOL} --help')")),
    };
    if validate_topic_name(&topic).is_err() {
        refuse(format_args!("Invalid publish topic '{topic}', does it contain '+' or '#'?"));
    }
    let source = source(&m);
    let repeat: u64 = common::num_arg(&m, "repeat", "repeat count").unwrap_or(1).max(1);
    let delay: f64 = common::num_arg(&m, "repeat-delay", "repeat delay").unwrap_or(0.0);
    let retain = m.get_flag("retain");

    // `mosquitto_pub` does not reconnect: a lost connection ends the run with an error.
    let mut options = options.reconnect(None);
    if conn.debug {
        options = options.on_disconnect(|_, reason| eprintln!("Client disconnected: {reason}"));
    }
    let client = Client::new(options);
    let code = smol::block_on(async {
        let present = match client.connect().await {
            Ok(p) => p,
            Err(e) => fail(&e, &conn),
        };
        if conn.debug {
            eprintln!(
                "Client {} connected ({}, session present {})",
                conn.id_for_debug(&client),
                common::version_name(conn.version),
                u8::from(present)
            );
        }
        store::report_restored(&client, conn.debug, &conn.id_for_debug(&client));
        debug_downgrade(&conn, &client, qos, "publish");
        let users = conn.properties.publish_users().unwrap_or_else(|e| refuse(e));
        let properties = if conn.version.is_v5() {
            conn.properties.publish(&users).unwrap_or_else(|e| refuse(e))
        } else {
            Default::default()
        };
        let mut tokens: Vec<(PublishToken, usize)> = Vec::new();
        let mut send = async |body: &[u8]| {
            let mut msg = Outgoing::new(&topic, body, qos).retain(retain);
            msg.properties = properties.clone();
            match client.publish_message(&msg).await {
                Ok(t) => tokens.push((t, body.len())),
                Err(e) => fail(&e, &conn),
            }
        };
        match source {
            Source::Fixed(body) => {
                for i in 0..repeat {
                    if i > 0 && delay > 0.0 {
                        async_io::Timer::after(Duration::from_secs_f64(delay)).await;
                    }
                    send(&body).await;
                }
            }
            Source::File(path, file, len) => {
                // The file opened at the start for the first sending; opened again for each
                // repeat and for each resend the session asks for after a reconnect.
                let mut first = Some(file);
                for i in 0..repeat {
                    if i > 0 && delay > 0.0 {
                        async_io::Timer::after(Duration::from_secs_f64(delay)).await;
                    }
                    let mut msg = Outgoing::new(&topic, b"", qos).retain(retain);
                    msg.properties = properties.clone();
                    let (opened, path) = (first.take(), path.clone());
                    let mut opened = Some(opened);
                    let open = move || {
                        let (file, path) = (opened.take().flatten(), path.clone());
                        async move {
                            let file = match file {
                                Some(f) => f,
                                None => smol::unblock(move || std::fs::File::open(path)).await?,
                            };
                            // Read on a blocking thread through a small pipe (`smol::fs::File`'s
                            // is 8 MiB: it would read that far ahead, into memory).
                            Ok(smol::Unblock::with_capacity(FILE_PIPE, file))
                        }
                    };
                    match client.publish_stream(&msg, len, open).await {
                        Ok(t) => tokens.push((t, len)),
                        Err(e) => fail(&e, &conn),
                    }
                }
            }
            Source::Lines => {
                let stdin = std::io::stdin();
                for line in stdin.lock().lines() {
                    let line = line.unwrap_or_else(|e| refuse(format_args!("reading stdin: {e}")));
                    send(line.as_bytes()).await;
                }
            }
        }
        // What the broker allows (the session lowered the QoS to it, as `-d` said).
        let sent_qos = qos.min(client.capabilities().maximum_qos);
        for (n, (token, len)) in tokens.iter().enumerate() {
            match token.wait().await {
                Ok(reason) if conn.debug => eprintln!(
                    "Client {} published message {} to '{topic}' (q{}, r{}, {len} bytes): {}",
                    conn.id_for_debug(&client),
                    n + 1,
                    sent_qos as u8,
                    u8::from(retain),
                    if reason == ReasonCode::Success { "acknowledged".into() } else { reason.to_string() }
                ),
                Ok(_) => {}
                Err(e) => fail(&e, &conn),
            }
        }
        store::drain(&client).await;
        let mut d = DisconnectOptions::default();
        d.session_expiry_interval = conn.properties.disconnect_session_expiry();
        d.reason_string = conn.properties.disconnect_reason_string();
        if let Err(e) = client.disconnect_with(&d).await {
            fail(&e, &conn);
        }
        0
    });
    std::process::exit(code)
}

/// With `-d`, how the broker's limits change what was asked: QoS above its Maximum QoS.
fn debug_downgrade(conn: &Connection, client: &sansmqtt_smol::Client, asked: QoS, what: &str) {
    let max = client.capabilities().maximum_qos;
    if conn.debug && asked > max {
        eprintln!(
            "Client {} {what}: QoS {} downgraded to {} (the broker's Maximum QoS)",
            conn.id_for_debug(client),
            asked as u8,
            max as u8
        );
    }
}
