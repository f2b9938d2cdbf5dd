//! `-A`, `--unix`, `--nodelay`, `--proxy`: how the tools reach the broker, as mosquitto's do.

use crate::common::refuse;
use clap::ArgMatches;
use sansmqtt_smol::{Options, Socks5Proxy};
use std::net::{IpAddr, ToSocketAddrs};

/// Apply the socket options of `m` to `options`.
pub(crate) fn apply(m: &ArgMatches, mut options: Options) -> Options {
    // Like mosquitto's tools, Nagle's algorithm stays on unless --nodelay.
    options = options.tcp_nodelay(m.get_flag("nodelay"));
    if let Some(host) = m.get_one::<String>("bind") {
        // A host name is resolved as mosquitto does (its first address).
        let ip = host
            .parse::<IpAddr>()
            .ok()
            .or_else(|| (host.as_str(), 0).to_socket_addrs().ok().and_then(|mut a| a.next()).map(|a| a.ip()));
        match ip {
            Some(ip) => options = options.bind_address(ip),
            None => refuse(format_args!("Unable to connect (cannot resolve bind address {host:?}).")),
        }
    }
    let proxy = m.get_one::<String>("proxy");
    if let Some(url) = proxy {
        match url.parse::<Socks5Proxy>() {
            Ok(p) => options = options.socks5_proxy(p),
            Err(sansmqtt_smol::UrlError::UnknownScheme(_)) => {
                refuse(format_args!("Unsupported proxy protocol: {url}"))
            }
            Err(e) => refuse(format_args!("Invalid proxy URL: {e}")),
        }
    }
    if let Some(path) = m.get_one::<String>("unix") {
        if proxy.is_some() {
            refuse("--unix and --proxy cannot be combined.");
        }
        if !cfg!(unix) {
            refuse("--unix needs a system with Unix domain sockets.");
        }
        options = options.unix_socket(path);
    }
    options
}
