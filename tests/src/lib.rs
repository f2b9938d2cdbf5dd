//! Helpers for tests against real brokers: a Mosquitto process per test on a free loopback
//! port with its own configuration, an in-process rumqttd, a TCP proxy that fakes network
//! failures, a TLS-terminating proxy (for `wss://`), a scripted fake broker, a small blocking
//! driver for the session, helpers for the smol client, for running the CLI tools, a SOCKS5
//! proxy, and generated payload sources for streamed publishes.
#![allow(clippy::disallowed_methods)] // test drivers and helpers read the clock.

pub mod certs;
pub mod cli;
pub mod fake;
pub mod mosquitto;
pub mod payload;
pub mod proxy;
pub mod rumqttd;
pub mod smol;
pub mod socks;
pub mod tls_proxy;

mod blocking;
pub use blocking::{BlockingClient, Seen};
