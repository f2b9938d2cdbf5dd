//! The client side of an MQTT 3.1.1 / 5.0 session as a sans-IO state machine: it consumes
//! bytes and time and produces bytes, events, actions and deadlines. No I/O, no clock, no
//! async, no threads, no `unsafe`; `no_std` with `alloc`.
//!
//! # The driving contract
//!
//! A driver owns a [`Session`] and a transport (TCP, TLS, WebSocket, an embassy socket...).
//!
//! 1. Call [`Session::connect`]. The session answers [`Action::Connect`] from
//!    [`Session::poll_action`]: open the transport, then call [`Session::handle_connected`]
//!    (or [`Session::handle_closed`] if opening failed).
//! 2. After **every** input (`handle_*`) or command (`publish`, `subscribe`, ...), drain the
//!    outputs until each returns nothing, in any order:
//!    - [`Session::poll_event`] → [`Event`]s for the application (messages, completions,
//!      connection changes). Incoming packets are processed here, lazily: a [`Message`]
//!      borrows the receive buffer until the next `poll_event` call, and its ack is queued
//!      when it is pulled (or when [`Session::ack`] is called in [`AckMode::Manual`]).
//!      [`Session::prepare_event`] does the processing without borrowing and says whether
//!      `poll_event` will return `Some`, for drivers that return the borrowed event from a loop.
//!    - [`Session::poll_transmit`] → bytes to write, many packets coalesced per call.
//!    - [`Session::poll_action`] → [`Action::Connect`] / [`Action::Close`]. `Close` comes
//!      only after everything to send has been handed out; close the transport, then call
//!      [`Session::handle_closed`].
//! 3. Then wait for whichever comes first: bytes from the transport (read them into
//!    [`Session::recv_buf`] and call [`Session::handle_recv`], or copy them in with
//!    [`Session::handle_data`]; end of file or an error is [`Session::handle_closed`]), a
//!    command from the application, or the deadline [`Session::poll_timeout`]
//!    (call [`Session::handle_timeout`]; calling it early is harmless).
//!
//! Time is an [`Instant`] passed with every input; the session never reads a clock. Local
//! misuse returns an [`Error`] at once and changes nothing. Everything the peer does —
//! refusals, protocol violations (answered in 5.0 with DISCONNECT and the right reason code),
//! timeouts, transport loss — arrives once, as [`Event::Disconnected`]; with
//! [`Config::reconnect`] set, the session then asks for a new transport when its backoff
//! expires, resends unacknowledged messages (DUP = 1) and restores what it can.
//!
//! Panic policy: nothing a peer sends can make the session panic (fuzzed). Memory is
//! bounded by [`Config`]: the receive buffer is `max_packet_size`, queues and windows have
//! limits, and a peer cannot grow any of them past those.
//!
//! # A complete run loop over `std::net::TcpStream`
//!
//! ```no_run
//! use sansmqtt_session::{Action, Config, Event, Instant, Outgoing, Session};
//! use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::TcpStream;
//! use std::time::{Duration, Instant as StdInstant};
//!
//! let epoch = StdInstant::now();
//! let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
//! let mut session = Session::new(Config::new(ProtocolVersion::V5, "doc-client"));
//! session.connect(now())?;
//! let mut stream: Option<TcpStream> = None;
//! let mut out = vec![0u8; 16 * 1024];
//! loop {
//!     // Drain events.
//!     while let Some(event) = session.poll_event() {
//!         match event {
//!             Event::Connected { .. } => {
//!                 let _ = session.subscribe(now(), &[("hello/#", SubscriptionOptions::new(QoS::AtLeastOnce))]);
//!                 let _ = session.publish(now(), &Outgoing::new("hello/world", b"Hello Broker!", QoS::AtLeastOnce));
//!             }
//!             Event::Message(m) => println!("{}: {:?}", m.topic, m.payload),
//!             Event::Disconnected(reason) => println!("disconnected: {reason}"),
//!             _ => {}
//!         }
//!     }
//!     // Drain actions.
//!     while let Some(action) = session.poll_action() {
//!         match action {
//!             Action::Connect => match TcpStream::connect("127.0.0.1:1883") {
//!                 Ok(s) => { stream = Some(s); session.handle_connected(now()); }
//!                 Err(_) => session.handle_closed(now()),
//!             },
//!             Action::Close => { stream = None; session.handle_closed(now()); }
//!             _ => {}
//!         }
//!     }
//!     // Drain bytes to send.
//!     if let Some(s) = stream.as_mut() {
//!         loop {
//!             let n = session.poll_transmit(now(), &mut out);
//!             if n == 0 { break; }
//!             if s.write_all(&out[..n]).is_err() { session.handle_closed(now()); break; }
//!         }
//!     }
//!     if session.has_event() { continue; }
//!     // Wait for input or the deadline.
//!     let timeout = session.poll_timeout().map(|t| Duration::from_millis(t.as_millis().saturating_sub(now().as_millis()).max(1)));
//!     match stream.as_mut() {
//!         Some(s) => {
//!             s.set_read_timeout(timeout.or(Some(Duration::from_secs(1))))?;
//!             match s.read(session.recv_buf()) {
//!                 Ok(0) => session.handle_closed(now()),
//!                 Ok(n) => session.handle_recv(now(), n),
//!                 Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => session.handle_timeout(now()),
//!                 Err(_) => session.handle_closed(now()),
//!             }
//!         }
//!         None => { std::thread::sleep(timeout.unwrap_or(Duration::from_millis(100))); session.handle_timeout(now()); }
//!     }
//! }
//! # #[allow(unreachable_code)] Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
// `arbitrary`'s derive expands to `::std` paths; the feature is for host-side fuzzing only.
#[cfg(feature = "fuzzing")]
extern crate std;

mod alias;
mod auth;
mod backoff;
mod commands;
mod config;
mod error;
mod event;
mod idmap;
mod inbound;
mod incoming;
mod outbound;
mod requests;
mod router;
mod secret;
mod session;
mod time;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use auth::Authenticator;
pub use commands::{DisconnectOptions, Outgoing};
pub use config::{AckMode, Backoff, Config, LimitPolicy, QueueFullPolicy, SessionLostPolicy, WillConfig};
pub use error::{DisconnectReason, Error, Violation};
pub use event::{AckToken, Event, Message, PublishFailure, ServerCapabilities, Token};
pub use router::Router;
pub use sansmqtt_proto;
pub use secret::Secret;
pub use session::{Action, Session, State};
pub use time::{Duration, Instant};
