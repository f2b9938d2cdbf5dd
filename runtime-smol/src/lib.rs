//! An MQTT 3.1.1 / 5.0 client over [smol](https://docs.rs/smol) / async-io, driven by the
//! sans-IO [`sansmqtt_session`] state machine.
//!
//! One task (the [`Driver`]) owns the socket and the session; [`Client`] handles issue
//! commands to it and are cheap to clone. All protocol logic (keep-alive, QoS flows,
//! resending, backoff, limits) is the session's: this crate only opens transports, moves
//! bytes, reads the clock and hands out events.
//!
//! - **Connect** with [`Options`] (broker URL `mqtt://user:pass@host:port`, `mqtts://`,
//!   `ws://`, `wss://`; client id, version, keep-alive, will, credentials, reconnect backoff)
//!   and [`Client::connect`]; through a Unix socket ([`Options::unix_socket`]), a SOCKS5
//!   proxy ([`Options::socks5_proxy`]), from a local address ([`Options::bind_address`]).
//! - **Publish** with [`Client::publish`]: returns a [`PublishToken`] whose
//!   [`wait`](PublishToken::wait) resolves on completion (QoS 0 written, PUBACK, PUBCOMP) with
//!   the reason code, and always ends: [`Error::ConnectionLost`] when the connection ends
//!   first and no reconnect follows. A payload too large to hold goes out from an `AsyncRead`
//!   source with [`Client::publish_stream`], a chunk at a time, read again for a QoS 1 / 2
//!   resend; one larger than the receive buffer ([`Options::receive_buffer_size`]) arrives
//!   in pieces ([`Event::MessageStart`], chunks, [`Event::MessageEnd`]).
//! - **Subscribe / unsubscribe** with [`Client::subscribe`] / [`Client::unsubscribe`] (v5
//!   properties: [`Client::subscribe_with`] / [`Client::unsubscribe_with`]): a
//!   [`RequestToken`] whose [`wait`](RequestToken::wait) gives one reason code per filter.
//! - **Events** as an async stream ([`Client::events`]), or **handlers** in the paho / MiniMQTT
//!   style ([`Options::on_connect`], [`Options::on_message`], [`Options::on_topic`], ...).
//! - **Manual acks** ([`Options::manual_acks`], [`Client::ack`]) and MQTT 5.0 enhanced
//!   authentication ([`Options::authenticator`], [`Client::reauthenticate`]).
//! - **Reconnect** automatically after the session's backoff; when the broker resumes the
//!   session, unacknowledged QoS 1/2 messages are resent; when it does not, they fail with
//!   [`Error::SessionLost`] (never resent behind the application's back) and subscriptions
//!   are restored.
//! - **Persist** the session in a file ([`Options::store`], [`StoreSync`]): a process killed
//!   with QoS 1 / 2 messages in flight resends them when started again on the file.
//!
//! Cancel safety: every future of the API can be dropped at any `.await` without losing or
//! corrupting anything; a command either took effect (its future returned `Ok`) or did not.
//!
//! Performance: everything `poll_transmit` hands out is written with one `write` call, and
//! every complete packet of a read is decoded before the next read; TCP_NODELAY is set. For
//! the lowest latency run the application with [`block_on`]: the driver and the application
//! as one future on the calling thread.
//!
//! Features: `tls` (rustls through futures-rustls: `mqtts://`, `wss://`), `ws`
//! (async-tungstenite WebSocket, subprotocol `mqtt`: `ws://`, `wss://`), `cli` (the
//! `sansmqtt-pub` and `sansmqtt-sub` tools, mosquitto_pub / mosquitto_sub's options).

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod buffers;
mod client;
mod driver;
mod error;
mod event;
mod handlers;
mod local;
mod net;
mod notify;
mod options;
mod publish_stream;
mod shared;
mod socks;
mod store;
mod stream;
#[cfg(feature = "tls")]
mod tls;
mod token_map;
mod transport;
mod url;
#[cfg(feature = "ws")]
mod ws;

pub use client::{Client, PublishToken, RequestToken};
pub use driver::Driver;
pub use error::{Error, TransportFailure};
pub use event::{Event, Message};
pub use handlers::{AckHandler, ConnectHandler, DisconnectHandler, MessageHandler, PublishHandler};
pub use local::block_on;
pub use options::Options;
pub use publish_stream::PayloadError;
pub use sansmqtt_proto::{ProtocolVersion, QoS, ReasonCode, SubscriptionId, SubscriptionOptions};
pub use sansmqtt_session::{
    self, AckToken, Authenticator, Backoff, Config, DisconnectOptions, DisconnectReason, Outgoing,
    PublishFailure, Secret, State, Token, WillConfig,
};
pub use socks::Socks5Proxy;
pub use store::{StoreError, StoreSync};
pub use stream::Events;
#[cfg(feature = "tls")]
pub use tls::TlsOptions;
pub use url::{BrokerUrl, Scheme, UrlError};
