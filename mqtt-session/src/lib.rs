//! The client side of an MQTT 3.1.1 / 5.0 session as a sans-IO state machine: it consumes
//! bytes and time and produces bytes, events, actions and deadlines. No I/O, no clock, no
//! async, no threads, no `unsafe`; `no_std` with `alloc`.
//!
//! # The driving contract
//!
//! A driver owns a [`Session`], its [`RecvBuffer`] ([`Session::new_recv_buffer`]) and a
//! transport (TCP, TLS, WebSocket, an embassy socket...).
//!
//! 1. Call [`Session::connect`]. The session answers [`Action::Connect`] from
//!    [`Session::poll_action`]: open the transport, then call [`Session::handle_connected`]
//!    (or [`Session::handle_closed`] with the [`TransportError`] if opening failed).
//! 2. After **every** input (`handle_*`) or command (`publish`, `subscribe`, ...), drain the
//!    outputs until each returns nothing:
//!    - [`Session::poll_event`] → [`Event`]s for the application (messages, completions,
//!      connection changes). Incoming packets are processed here, lazily. A [`Message`]
//!      borrows the receive buffer — not the session — until the next `poll_event`, so the
//!      application may call any command while it handles one (publish a reply to its topic,
//!      forward its payload). Its ack is queued when it is pulled (or when [`Session::ack`] is
//!      called in [`AckMode::Manual`]). [`Session::prepare_event`] does the processing without
//!      borrowing and says whether `poll_event` will return `Some`, for drivers that return
//!      the borrowed event from a loop.
//!    - [`Session::poll_transmit`] → bytes to write, many packets coalesced per call. A
//!      failed write ends the connection: drop the transport and call `handle_closed`.
//!    - [`Session::poll_action`] → [`Action::Connect`] / [`Action::Close`]. `Close` comes
//!      only after everything to send has been handed out; close the transport, then call
//!      [`Session::handle_closed`] with [`TransportError::ClosedByClient`].
//! 3. Then wait for whichever comes first: bytes from the transport, a command from the
//!    application, or the deadline [`Session::poll_timeout`] (call
//!    [`Session::handle_timeout`]; calling it early is harmless). Read into
//!    [`Session::recv_buf`] — never an empty slice: it is `None` while the buffer holds
//!    unprocessed packets, and if it is still `None` after `poll_event` returned `None` the
//!    session is holding back (transmit buffer or manual acks full), so wait for the deadline
//!    or the transport's write readiness instead of reading — then call
//!    [`Session::handle_recv`]; or copy bytes in with [`Session::handle_data`]. End of file or
//!    an error is [`Session::handle_closed`] with its cause. With no transport (waiting to
//!    reconnect), sleep until the deadline: `poll_timeout` is `Some` whenever the session
//!    waits for time.
//!
//! Time is an [`Instant`] passed with every input; the session never reads a clock. Local
//! misuse returns an [`Error`] at once and changes nothing. Everything the peer does —
//! refusals, protocol violations (answered in 5.0 with DISCONNECT and the right reason code),
//! timeouts, transport loss with the driver's cause — arrives once, as
//! [`Event::Disconnected`]; with [`Config::reconnect`] set, the session then asks for a new
//! transport when its backoff expires, resends unacknowledged messages (DUP = 1) and restores
//! what it can.
//!
//! Panic policy: nothing a peer sends can make the session panic (fuzzed). Memory is
//! bounded by [`Config`]: the receive buffer is `max_packet_size` (or
//! [`Config::receive_buffer_size`]), queues and windows have limits, and a peer cannot grow
//! any of them past those.
//!
//! A slow application keeps its connection: while received bytes wait for `poll_event`, the
//! PINGREQs still go out on schedule and the wait for their PINGRESP (unread behind the
//! messages) is not enforced; it is again once the application has caught up.
//!
//! # Optional features
//!
//! - `persistence`: the client's half of the session survives a crash or a deep sleep. One
//!   more output joins the loop: with a journal started (`Session::start_journal`), call
//!   `Session::poll_store` before `poll_transmit` and make what it appends durable first;
//!   `Session::restore` rebuilds a session from the store. The contract, the guarantees and
//!   the stored format are in [`persist`].
//! - `streaming`: with [`Config::receive_buffer_size`] below `max_packet_size`, a message
//!   that does not fit the buffer arrives as [`Event::MessageStart`], [`Event::MessageChunk`]s
//!   and [`Event::MessageEnd`] (or [`Event::MessageAborted`] if the connection is lost; the
//!   server then resends it), its ack sent only after its end. A firmware image can arrive
//!   through a 4 KiB buffer.
//!
//! Without them, their hooks compile to nothing (no flash is spent on a microcontroller).
//!
//! # A complete run loop over `std::net::TcpStream`
//!
//! It asks the broker a question and answers it itself: the reply is published from inside
//! the `Message` arm. (This example runs under `cargo test` against a Mosquitto it starts;
//! `examples/blocking.rs` is the same loop as a reusable driver.)
//!
//! ```
//! use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
//! use sansmqtt_session::{Action, Config, DisconnectReason, Event, Instant, Outgoing, Session, TransportError};
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::TcpStream;
//! use std::time::{Duration, Instant as Clock};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # struct Broker(std::process::Child);
//! # impl Drop for Broker { fn drop(&mut self) { let _ = self.0.kill(); let _ = self.0.wait(); } }
//! # let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| std::path::Path::new(p).exists());
//! # let Some(bin) = bin else { assert!(std::env::var_os("CI").is_none(), "mosquitto is not installed"); return Ok(()) };
//! # let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
//! # let conf = std::env::temp_dir().join(format!("sansmqtt-doc-{port}.conf"));
//! # std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\n"))?;
//! # let _broker = Broker(std::process::Command::new(bin).arg("-c").arg(&conf).stderr(std::process::Stdio::null()).spawn()?);
//! # while TcpStream::connect(("127.0.0.1", port)).is_err() { std::thread::sleep(Duration::from_millis(20)); }
//! # let broker_addr = format!("127.0.0.1:{port}");
//!
//! let epoch = Clock::now();
//! let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
//! let mut session = Session::new(Config::new(ProtocolVersion::V5, "doc-client"));
//! let mut rx = session.new_recv_buffer();
//! let mut out = vec![0u8; 16 * 1024];
//! let mut stream: Option<TcpStream> = None;
//! session.connect(now())?;
//! 'run: loop {
//! #   assert!(epoch.elapsed() < Duration::from_secs(30), "the exchange did not finish");
//!     // 1. Events. `m` borrows `rx`, not `session`: any command can be called in an arm.
//!     while let Some(event) = session.poll_event(&mut rx) {
//!         match event {
//!             Event::Connected { .. } => {
//!                 session.subscribe(now(), &[("doc/#", SubscriptionOptions::new(QoS::AtLeastOnce))])?;
//!                 session.publish(now(), &Outgoing::new("doc/request", b"ping", QoS::AtLeastOnce))?;
//!             }
//!             Event::Message(m) if m.topic == "doc/request" => {
//!                 session.publish(now(), &Outgoing::new("doc/reply", m.payload, QoS::AtLeastOnce))?;
//!             }
//!             Event::Message(m) => {
//!                 println!("{}: {:?}", m.topic, m.payload);
//!                 session.disconnect(now(), &Default::default())?;
//!             }
//!             Event::Disconnected(DisconnectReason::ByClient) => break 'run,
//!             Event::Disconnected(reason) => println!("disconnected ({reason}); reconnecting"),
//!             _ => {}
//!         }
//!     }
//!     // 2. Bytes to send. A failed write ends the connection.
//!     while let Some(s) = stream.as_mut() {
//!         let n = session.poll_transmit(now(), &mut out);
//!         if n == 0 {
//!             break;
//!         }
//!         if s.write_all(&out[..n]).is_err() {
//!             stream = None;
//!             session.handle_closed(now(), TransportError::Reset);
//!         }
//!     }
//!     // 3. Transport work.
//!     let mut acted = false;
//!     while let Some(action) = session.poll_action() {
//!         acted = true;
//!         match action {
//!             Action::Connect => match TcpStream::connect(&broker_addr) {
//!                 Ok(s) => {
//!                     stream = Some(s);
//!                     session.handle_connected(now());
//!                 }
//!                 Err(_) => session.handle_closed(now(), TransportError::Refused),
//!             },
//!             _ => {
//!                 stream = None;
//!                 session.handle_closed(now(), TransportError::ClosedByClient);
//!             }
//!         }
//!     }
//!     if acted || session.has_event() {
//!         continue;
//!     }
//!     // 4. Wait for bytes or the session's deadline, whichever comes first.
//!     let wait = session.poll_timeout().map_or(1000, |t| t.as_millis().saturating_sub(now().as_millis()));
//!     let wait = Duration::from_millis(wait.clamp(1, 1000));
//!     match (stream.as_mut(), session.recv_buf(&mut rx)) {
//!         (Some(s), Some(buf)) => {
//!             s.set_read_timeout(Some(wait))?;
//!             match s.read(buf) {
//!                 Ok(0) => {
//!                     stream = None;
//!                     session.handle_closed(now(), TransportError::Closed);
//!                 }
//!                 Ok(n) => session.handle_recv(now(), &mut rx, n),
//!                 Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
//!                     session.handle_timeout(now())
//!                 }
//!                 Err(_) => {
//!                     stream = None;
//!                     session.handle_closed(now(), TransportError::Io);
//!                 }
//!             }
//!         }
//!         // No connection (waiting to reconnect), or the session holds back: sleep.
//!         _ => {
//!             std::thread::sleep(wait);
//!             session.handle_timeout(now());
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

extern crate alloc;
// `arbitrary`'s derive expands to `::std` paths; the feature is for host-side fuzzing only.
#[cfg(feature = "fuzzing")]
extern crate std;

mod alias;
mod auth;
mod backoff;
mod commands;
mod config;
mod connection;
mod error;
mod event;
mod idmap;
mod inbound;
mod incoming;
mod keepalive;
mod outbound;
pub mod persist;
mod queue;
mod recv;
mod requests;
mod resume;
mod router;
mod secret;
mod session;
#[cfg(feature = "streaming")]
mod stream_in;
#[cfg(feature = "streaming")]
mod stream_out;
mod subscriptions;
mod time;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use auth::Authenticator;
pub use commands::{DisconnectOptions, Outgoing};
pub use config::{AckMode, Backoff, Config, LimitPolicy, QueueFullPolicy, SessionLostPolicy, WillConfig};
pub use error::{ConfigError, DisconnectReason, Error, TransportError, Violation};
pub use event::{AckToken, Event, Message, PublishFailure, ServerCapabilities, Token};
pub use persist::RestoreError;
pub use recv::RecvBuffer;
pub use router::Router;
pub use sansmqtt_proto;
pub use secret::Secret;
pub use session::{Action, Session, State};
pub use time::{Duration, Instant};
