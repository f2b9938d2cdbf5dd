//! An async MQTT 3.1.1 / 5.0 client for embedded targets: a thin driver of the sans-IO
//! [`sansmqtt_session::Session`] over any [`embedded_io_async`] stream, with
//! [`embassy_time`] for deadlines. `no_std`, no `unsafe`, no allocation per message, no
//! executor or chip dependency; the optional `embassy-net` feature adds `TcpTransport` over
//! an `embassy_net::Stack`, and the optional `tls` feature TLS 1.3 over any transport
//! (module `tls`: certificate checking on by default). Optional too: `persistence` (module
//! `store`: the session's journal on NOR flash or RTC memory), `streaming` (module `stream`: a
//! message larger than the receive buffer handed to a sink chunk by chunk, acked after its end)
//! and `ota` (module `ota`: such a message written into a flash partition, marked complete only
//! after its end).
//!
//! # Shape
//!
//! One task owns a [`Client`]: the session, a [`Transport`] and a transmit buffer.
//! [`Client::next_event`] writes what the session has to send, reads into the session's
//! receive buffer, sends keep-alives, opens and closes the transport when the session says so
//! (`Action::Connect` / `Action::Close`, including reconnects after its backoff) and returns
//! the next [`Event`](sansmqtt_session::Event). It is cancel-safe: race it with the
//! application's own futures and drop it whenever they win.
//!
//! Protocol decisions are the session's; this crate only moves bytes and time:
//! - time: [`now`] is `embassy_time::Instant::now()` in milliseconds, and the session's
//!   `poll_timeout` becomes an `embassy_time` deadline on the read (or write);
//! - a transport error or end of stream closes the transport gracefully and becomes
//!   `Event::Disconnected(DisconnectReason::Transport(kind))`, with the error kept in
//!   [`Client::take_transport_error`];
//! - opening the transport is bounded by the session's `connect_timeout`.
//!
//! The session's receive buffer (`Session::new_recv_buffer`) is sized by
//! `Config::receive_buffer_size`, or `max_packet_size` without it; with the `streaming` feature a
//! PUBLISH larger than it arrives through `next_event` in chunks (see the `stream` module).
//!
//! # Example
//!
//! ```no_run
//! use sansmqtt_embassy::{Client, Transport};
//! use sansmqtt_embassy::sansmqtt_session::{Config, Event, Outgoing, Session};
//! use sansmqtt_embassy::sansmqtt_session::sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
//!
//! async fn run<T: Transport>(transport: T) -> Result<(), sansmqtt_embassy::Error> {
//!     let mut config = Config::new(ProtocolVersion::V5, "sensor-1");
//!     config.max_packet_size = 2048; // sizes the receive buffer
//!     let mut tx = [0u8; 1024];
//!     let mut client = Client::new(Session::new(config), transport, &mut tx);
//!     client.connect(|_| {}).await?;
//!     client.subscribe(&[("cmd/#", SubscriptionOptions::new(QoS::AtLeastOnce))], |_| {}).await?;
//!     client.publish(&Outgoing::new("sensor/1", b"21.5", QoS::AtLeastOnce), |_| {}).await?;
//!     loop {
//!         if let Event::Message(m) = client.next_event().await? {
//!             let _ = (m.topic, m.payload);
//!         }
//!     }
//! }
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

extern crate alloc;

mod fmt;

mod client;
mod error;
mod journal;
#[cfg(feature = "embassy-net")]
mod net;
mod ops;
#[cfg(feature = "ota")]
#[cfg_attr(docsrs, doc(cfg(feature = "ota")))]
pub mod ota;
#[cfg(feature = "persistence")]
#[cfg_attr(docsrs, doc(cfg(feature = "persistence")))]
pub mod store;
#[cfg(feature = "streaming")]
#[cfg_attr(docsrs, doc(cfg(feature = "streaming")))]
pub mod stream;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;
mod transport;

pub use client::Client;
pub use error::Error;
pub use journal::{FlashErrorKind, Journal, NoJournal, StoreError};
#[cfg(feature = "embassy-net")]
pub use net::{TcpError, TcpTransport};
pub use ops::Completion;
pub use sansmqtt_session;
pub use transport::{Connector, Dial, DialError, Transport};

/// The time in the session's terms: milliseconds of `embassy_time::Instant::now()`.
// Out of line: the tick conversion (a 64-bit division) once, not at every call.
#[inline(never)]
pub fn now() -> sansmqtt_session::Instant {
    sansmqtt_session::Instant::from_millis(embassy_time::Instant::now().as_millis())
}
