//! What `sansmqtt-pub` and `sansmqtt-sub` share: the mosquitto_pub / mosquitto_sub 2.0
//! options for the connection (host, port, URL, version, client id, credentials, will, TLS,
//! v5 properties), their checks (mosquitto's messages and exit codes), the client options they
//! make, and the debug lines of `-d`.

use crate::props::Properties;
use clap::{Arg, ArgAction, ArgMatches, Command};
use sansmqtt_smol::{DisconnectReason, Error, Options, ProtocolVersion, QoS, WillConfig};
use std::time::Duration;

/// Exit code of mosquitto's tools for a bad command line or a failure without a code of its own.
pub(crate) const EXIT_FAILURE: i32 = 1;

/// Print `Error: msg` (one line) on stderr and exit with mosquitto's code for it.
pub(crate) fn refuse(msg: impl std::fmt::Display) -> ! {
    eprintln!("Error: {msg}");
    std::process::exit(EXIT_FAILURE)
}

/// The options both tools take, added to `cmd`.
pub(crate) fn connection_args(cmd: Command) -> Command {
    let value = |id: &'static str, short: Option<char>, long: Option<&'static str>, help: &'static str| {
        let mut a = Arg::new(id).num_args(1).action(ArgAction::Set).help(help).allow_hyphen_values(true);
        if let Some(s) = short {
            a = a.short(s);
        }
        if let Some(l) = long {
            a = a.long(l);
        }
        a
    };
    let flag = |id: &'static str, short: Option<char>, long: Option<&'static str>, help: &'static str| {
        let mut a = Arg::new(id).action(ArgAction::SetTrue).help(help);
        if let Some(s) = short {
            a = a.short(s);
        }
        if let Some(l) = long {
            a = a.long(l);
        }
        a
    };
    crate::store::args(cmd)
        .disable_help_flag(true)
        .args_override_self(true)
        .disable_version_flag(true)
        .arg(Arg::new("help").long("help").action(ArgAction::Help).help("print this help"))
        .arg(value("host", Some('h'), Some("host"), "broker host (default localhost)"))
        .arg(value("port", Some('p'), Some("port"), "broker port (default 1883, 8883 with TLS)"))
        .arg(value(
            "url",
            Some('L'),
            Some("url"),
            "mqtt(s)://[user[:password]@]host[:port]/topic, or ws(s)://host[:port]/path",
        ))
        .arg(
            value("topic", Some('t'), Some("topic"), "topic (sub: filter, repeatable)")
                .action(ArgAction::Append),
        )
        .arg(value("qos", Some('q'), Some("qos"), "QoS 0, 1 or 2 (default 0)"))
        .arg(value(
            "version",
            Some('V'),
            Some("protocol-version"),
            "mqttv5, mqttv311 or mqttv31 (5, 311, 31; default 311)",
        ))
        .arg(value("id", Some('i'), Some("id"), "client id (default: random; broker-assigned in 5.0)"))
        .arg(value("id-prefix", Some('I'), Some("id-prefix"), "client id: this prefix and the process id"))
        .arg(value("username", Some('u'), Some("username"), "user name"))
        .arg(value("password", Some('P'), Some("pw"), "password (needs -u)"))
        .arg(value("keepalive", Some('k'), Some("keepalive"), "keep-alive seconds, 5 to 65535 (default 60)"))
        .arg(flag("clean", Some('c'), Some("disable-clean-session"), "persistent session (needs -i or -I)"))
        .arg(value(
            "session-expiry",
            Some('x'),
            Some("session-expiry-interval"),
            "v5 session expiry seconds (-1: never)",
        ))
        .arg(flag("debug", Some('d'), Some("debug"), "print what the client does on stderr"))
        .arg(flag("quiet", None, Some("quiet"), "print no error messages"))
        .arg(value(
            "max-inflight",
            Some('M'),
            None,
            "outgoing QoS 1/2 messages in flight at most (default 20)",
        ))
        .arg(
            Arg::new("property")
                .short('D')
                .long("property")
                .num_args(3..=4)
                .action(ArgAction::Append)
                .value_names(["COMMAND", "NAME", "VALUE"])
                .help("v5 property: connect|publish|will|disconnect NAME VALUE (user-property NAME VALUE)"),
        )
        .arg(value("will-topic", None, Some("will-topic"), "will topic"))
        .arg(value("will-payload", None, Some("will-payload"), "will payload (needs --will-topic)"))
        .arg(value("will-qos", None, Some("will-qos"), "will QoS"))
        .arg(flag("will-retain", None, Some("will-retain"), "retain the will (needs --will-topic)"))
        .arg(value("cafile", None, Some("cafile"), "TLS: trusted CA certificates (PEM file)"))
        .arg(value("capath", None, Some("capath"), "TLS: directory of trusted CA certificates (PEM)"))
        .arg(value("cert", None, Some("cert"), "TLS: client certificate (PEM)"))
        .arg(value("key", None, Some("key"), "TLS: client private key (PEM)"))
        .arg(flag("insecure", None, Some("insecure"), "TLS: do not check the server certificate's host name"))
        .arg(flag(
            "tls-use-os-certs",
            None,
            Some("tls-use-os-certs"),
            "TLS: trust the system's CA certificates",
        ))
        .arg(value("tls-version", None, Some("tls-version"), "TLS: tlsv1.3 (only) or tlsv1.2 (and up)"))
        .arg(value("ciphers", None, Some("ciphers"), "TLS 1.2: OpenSSL names of the cipher suites to offer"))
        .arg(value("tls-alpn", None, Some("tls-alpn"), "TLS: the ALPN protocol to offer"))
        .arg(value("keyform", None, Some("keyform"), "TLS: the --key file's form: pem (engine: refused)"))
        .arg(value("tls-engine", None, Some("tls-engine"), "OpenSSL engine (not supported: refused)"))
        .arg(value(
            "tls-engine-kpass-sha1",
            None,
            Some("tls-engine-kpass-sha1"),
            "OpenSSL engine key password (not supported: refused)",
        ))
        .arg(value("psk", None, Some("psk"), "TLS-PSK key (not supported: refused)"))
        .arg(value("psk-identity", None, Some("psk-identity"), "TLS-PSK identity (not supported: refused)"))
        .arg(value("bind", Some('A'), None, "bind the outgoing socket to this host / IP address"))
        .arg(value("unix", None, Some("unix"), "connect through this Unix domain socket instead of TCP"))
        .arg(flag("nodelay", None, Some("nodelay"), "disable Nagle's algorithm (TCP_NODELAY)"))
        .arg(value("proxy", None, Some("proxy"), "SOCKS5 proxy: socks5h://[user[:password]@]host[:port]"))
}

/// Parse the command line with `cmd`; a clap error is refused in one line (help exits 0).
pub(crate) fn parse(cmd: Command) -> ArgMatches {
    match cmd.clone().try_get_matches() {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            let _ = e.print();
            std::process::exit(0)
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            refuse(format_args!("{first} (see '{} --help')", cmd.get_name()))
        }
    }
}

/// A QoS as typed, or mosquitto's message.
pub(crate) fn qos_arg(m: &ArgMatches, id: &str, what: &str) -> QoS {
    match m.get_one::<String>(id) {
        None => QoS::AtMostOnce,
        Some(s) => s
            .parse::<u8>()
            .ok()
            .and_then(QoS::from_u8)
            .unwrap_or_else(|| refuse(format_args!("Invalid {what}QoS given: {s}"))),
    }
}

/// A number option as typed, or `Error: Invalid <what>`.
pub(crate) fn num_arg<T: std::str::FromStr>(m: &ArgMatches, id: &str, what: &str) -> Option<T> {
    m.get_one::<String>(id)
        .map(|s| s.parse().unwrap_or_else(|_| refuse(format_args!("Invalid {what} given: {s}"))))
}

/// Everything about the connection, checked.
pub(crate) struct Connection {
    /// The version in use.
    pub(crate) version: ProtocolVersion,
    /// The client id as configured (empty: the broker assigns one).
    pub(crate) client_id: String,
    /// The topic named by `-L mqtt://host/topic`, if any.
    pub(crate) url_topic: Option<String>,
    /// `-D publish ...` (and the other commands), checked.
    pub(crate) properties: Properties,
    /// `-d`.
    pub(crate) debug: bool,
    /// `--quiet`.
    pub(crate) quiet: bool,
}

/// `-V`, and `-D`, which (as in mosquitto) switches to MQTT 5.0 when it comes after `-V` or
/// without it. A `-V` below 5.0 after a `-D` is refused: mosquitto then connects with that
/// version and silently publishes nothing.
fn version_arg(m: &ArgMatches) -> ProtocolVersion {
    let named = match m.get_one::<String>("version").map(String::as_str) {
        None | Some("mqttv311" | "311" | "v311") => ProtocolVersion::V3_1_1,
        Some("mqttv5" | "5" | "v5") => ProtocolVersion::V5,
        Some("mqttv31" | "31" | "v31") => ProtocolVersion::V3_1,
        Some(_) => refuse("Invalid protocol version argument given."),
    };
    let Some(last_property) = m.indices_of("property").and_then(Iterator::max) else { return named };
    match m.index_of("version") {
        Some(v) if v > last_property && named != ProtocolVersion::V5 => {
            refuse("-D properties need MQTT 5.0: give -V mqttv5 (or no -V after -D).")
        }
        _ => ProtocolVersion::V5,
    }
}

/// `-L`: the broker URL (for `mqtt://` and `mqtts://`, without the path, which is the topic).
fn split_url(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_string(), None) };
    if matches!(scheme, "ws" | "wss") {
        return (url.to_string(), None);
    }
    match rest.split_once('/') {
        Some((authority, topic)) => {
            (format!("{scheme}://{authority}"), (!topic.is_empty()).then(|| topic.to_string()))
        }
        None => (url.to_string(), None),
    }
}

/// Check the common options and make the client options. `tool` is the binary's name.
pub(crate) fn connection(m: &ArgMatches, tool: &str) -> (Options, Connection) {
    let version = version_arg(m);
    let debug = m.get_flag("debug");
    let quiet = m.get_flag("quiet");
    let tls_files = ["cafile", "capath", "cert", "key"].iter().any(|k| m.contains_id(k))
        || m.get_flag("insecure")
        || m.get_flag("tls-use-os-certs");
    let (url, url_topic) = match m.get_one::<String>("url") {
        Some(u) => split_url(u),
        None => {
            let host = m.get_one::<String>("host").map_or("localhost", String::as_str);
            let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
            let port: u16 = num_arg(m, "port", "port").unwrap_or(if tls_files { 8883 } else { 1883 });
            let scheme = if tls_files { "mqtts" } else { "mqtt" };
            (format!("{scheme}://{host}:{port}"), None)
        }
    };
    let mut options = Options::new(&url).unwrap_or_else(|e| refuse(format_args!("invalid URL: {e}")));

    let keep_alive: u32 = num_arg(m, "keepalive", "keepalive").unwrap_or(60);
    if !(5..=65_535).contains(&keep_alive) {
        refuse("Invalid keepalive given, it must be between 5 and 65535 inclusive.");
    }
    let persistent = m.get_flag("clean") || crate::store::requested(m);
    let client_id = match (m.get_one::<String>("id"), m.get_one::<String>("id-prefix")) {
        (Some(id), _) if id.is_empty() => refuse("Invalid id."),
        (Some(id), _) => id.clone(),
        (None, Some(prefix)) => format!("{prefix}{}", std::process::id()),
        (None, None) if persistent => refuse(format_args!(
            "You must provide a client id if you are using the -c option. (see '{tool} --help')"
        )),
        // Like mosquitto: a 5.0 broker assigns one; 3.x gets a random one.
        (None, None) if version == ProtocolVersion::V5 => String::new(),
        (None, None) => format!("{tool}-{}", std::process::id()),
    };
    if m.contains_id("password") && !m.contains_id("username") {
        refuse("Problem setting username and/or password.");
    }
    let will_topic = m.get_one::<String>("will-topic");
    if will_topic.is_none() {
        if m.contains_id("will-payload") {
            refuse("Will payload given, but no will topic given.");
        }
        if m.get_flag("will-retain") {
            refuse("Will retain given, but no will topic given.");
        }
    }
    let will_qos = m.get_one::<String>("will-qos").map(|s| {
        s.parse::<u8>()
            .ok()
            .and_then(QoS::from_u8)
            .unwrap_or_else(|| refuse(format_args!("Invalid will QoS {s}.")))
    });
    // -x: seconds, or -1 / 4294967295 / ∞ for never.
    let session_expiry = m.get_one::<String>("session-expiry").map(|s| match s.as_str() {
        "-1" | "∞" => u32::MAX,
        s => s
            .parse::<u32>()
            .unwrap_or_else(|_| refuse(format_args!("Invalid session expiry interval given: {s}"))),
    });
    let properties = Properties::parse(m);

    options = options
        .version(version)
        .client_id(client_id.clone())
        .keep_alive(Duration::from_secs(keep_alive.into()))
        .clean_start(!persistent);
    if persistent {
        // Like mosquitto_sub -c: take up the session an earlier process left.
        options = options.resume_stored_session();
    }
    if version == ProtocolVersion::V5 {
        let expiry = session_expiry.or(properties.connect_session_expiry()).unwrap_or(if persistent {
            u32::MAX
        } else {
            0
        });
        options = options.session_expiry(expiry);
        properties.apply_connect(&mut options);
    }
    if let Some(max) = num_arg::<u16>(m, "max-inflight", "max inflight") {
        options.config_mut().max_inflight = max.max(1);
    }
    if let Some(u) = m.get_one::<String>("username") {
        let c = options.config_mut();
        c.username = Some(u.clone());
        c.password = m.get_one::<String>("password").map(|p| p.as_str().into());
    }
    if let Some(t) = will_topic {
        if sansmqtt_smol::sansmqtt_session::sansmqtt_proto::topic::validate_topic_name(t).is_err() {
            refuse(format_args!("Invalid will topic '{t}', does it contain '+' or '#'?"));
        }
        let payload = m.get_one::<String>("will-payload").cloned().unwrap_or_default();
        let mut will = WillConfig::new(t.clone(), payload.into_bytes(), will_qos.unwrap_or(QoS::AtMostOnce));
        will.retain = m.get_flag("will-retain");
        if version == ProtocolVersion::V5 {
            properties.apply_will(&mut will);
        }
        options = options.will(will);
    }
    if options.url().scheme.is_tls() {
        options = crate::tls::apply(m, options);
    } else {
        crate::tls::refuse_without_tls(m);
    }
    options = crate::store::apply(m, options);
    options = crate::net::apply(m, options);
    (options, Connection { version, client_id, url_topic, properties, debug, quiet })
}

impl Connection {
    /// The id to print in debug lines (mosquitto prints `(null)` before the broker assigns one).
    pub(crate) fn id_for_debug(&self, client: &sansmqtt_smol::Client) -> String {
        if !self.client_id.is_empty() {
            return self.client_id.clone();
        }
        client.capabilities().assigned_client_identifier.unwrap_or_else(|| "(null)".into())
    }
}

/// A protocol version as mosquitto names it.
pub(crate) fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V3_1 => "mqttv31",
        ProtocolVersion::V3_1_1 => "mqttv311",
        _ => "mqttv5",
    }
}

/// The exit code mosquitto's tools give for `e`: the CONNACK return code (3.x) or reason code
/// (5.0) for a refused connection, 1 for anything else (mosquitto_pub 2.0.11 gives 1 for most
/// TLS failures too, "Unable to connect (A TLS error occurred.)").
pub(crate) fn exit_code(e: &Error, conn: &Connection) -> i32 {
    match e {
        Error::Connect(DisconnectReason::Refused(r)) if conn.version == ProtocolVersion::V5 => {
            i32::from(*r as u8)
        }
        Error::Connect(DisconnectReason::Refused(r)) => r.to_v3_connack().map_or(EXIT_FAILURE, i32::from),
        _ => EXIT_FAILURE,
    }
}

/// Report `e` (unless `--quiet`) and exit with mosquitto's code for it.
pub(crate) fn fail(e: &Error, conn: &Connection) -> ! {
    if !conn.quiet {
        eprintln!("Error: {e}");
    }
    std::process::exit(exit_code(e, conn))
}
