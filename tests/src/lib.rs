//! Helpers for tests against real brokers: a Mosquitto process per test on a free loopback
//! port with its own configuration, and a small blocking driver for the session.
#![allow(clippy::disallowed_methods)] // test drivers read the clock, in `BlockingClient::now`.

pub mod mosquitto;

mod blocking;
pub use blocking::{BlockingClient, Seen};
