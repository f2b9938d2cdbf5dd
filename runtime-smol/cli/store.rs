//! `--store PATH` and `--store-sync every-round|none` (not in mosquitto's tools): keep the
//! session in a file ([`Options::store`]), so that a run killed with messages in flight leaves
//! them to the next run on the same file, which sends them first. Implies `-c` (a persistent
//! session: Clean Start 0 and, in 5.0, a Session Expiry that never ends unless `-x` says).

use clap::{Arg, ArgAction, ArgMatches, Command};
use sansmqtt_smol::{Client, Options, StoreSync};

/// The two options, added to `cmd`.
pub(crate) fn args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("store")
            .long("store")
            .num_args(1)
            .action(ArgAction::Set)
            .help("keep the session in this file (persistent session, like -c; needs -i)"),
    )
    .arg(
        Arg::new("store-sync").long("store-sync").num_args(1).action(ArgAction::Set).help(
            "every-round (default: fdatasync before sending) or none (survives a kill, not a power loss)",
        ),
    )
}

/// Whether `--store` was given.
pub(crate) fn requested(m: &ArgMatches) -> bool {
    m.contains_id("store")
}

/// `options` with the store, if `--store` was given.
pub(crate) fn apply(m: &ArgMatches, options: Options) -> Options {
    let Some(path) = m.get_one::<String>("store") else {
        if m.contains_id("store-sync") {
            crate::common::refuse("--store-sync needs --store.");
        }
        return options;
    };
    let sync = match m.get_one::<String>("store-sync").map(String::as_str) {
        None | Some("every-round") => StoreSync::EveryRound,
        Some("none") => StoreSync::None,
        Some(s) => crate::common::refuse(format_args!("Invalid store sync '{s}': every-round or none.")),
    };
    options.store(path).store_sync(sync)
}

/// With `-d`, the publishes the store gave back.
pub(crate) fn report_restored(client: &Client, debug: bool, id: &str) {
    let n = client.restored_tokens().len();
    if debug && n > 0 {
        eprintln!("Client {id} restored {n} unacknowledged publishes from its store; sending them first");
    }
}

/// Wait until nothing is queued or in flight (the publishes restored from the store included).
pub(crate) async fn drain(client: &Client) {
    while client.inflight() + client.queued() > 0 && client.is_connected() {
        async_io::Timer::after(std::time::Duration::from_millis(10)).await;
    }
}
