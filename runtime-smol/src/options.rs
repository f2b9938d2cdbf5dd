//! [`Options`]: where to connect, the session [`Config`], transport settings and handlers.

use crate::client::Client;
use crate::error::Error;
use crate::event::Message;
use crate::handlers::Handlers;
use crate::url::BrokerUrl;
use sansmqtt_proto::{ProtocolVersion, ReasonCode};
use sansmqtt_session::{
    AckMode, Authenticator, Backoff, Config, DisconnectReason, PublishFailure, Secret, Token, WillConfig,
};
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Everything a [`Client`] needs: build with [`Options::new`] and the chained setters; anything
/// not covered is a field of the session [`Config`] ([`Options::config_mut`]).
///
/// Defaults: the session's ([`Config::new`], where each is stated and justified), with MQTT
/// 5.0, a random client id, and the reconnect jitter seeded from the OS. Messages waiting for
/// the application are bounded by the event queue ([`event_capacity`](Self::event_capacity)).
///
/// `Debug` shows no secret: the password is a [`Secret`], the URL's is elided, and of an
/// [`authenticator`](Self::authenticator) only the method is shown.
pub struct Options {
    pub(crate) url: BrokerUrl,
    pub(crate) config: Config,
    pub(crate) event_capacity: usize,
    pub(crate) handlers: Handlers,
    pub(crate) authenticator: Option<Box<dyn Authenticator>>,
    /// The file store (`store.rs`), if any.
    pub(crate) store: crate::store::StoreOptions,
    pub(crate) net: crate::net::NetOptions,
    #[cfg(feature = "tls")]
    pub(crate) tls: crate::tls::TlsOptions,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Options");
        d.field("url", &self.url)
            .field("config", &self.config)
            .field("event_capacity", &self.event_capacity)
            .field("handlers", &self.handlers)
            // The authenticator's own `Debug` may show its token.
            .field("authenticator", &self.authenticator.as_ref().map(|a| a.method()))
            .field("store", &self.store)
            .field("net", &self.net);
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls);
        d.finish()
    }
}

/// A random number from the OS (through std's hasher keys), for client ids and jitter seeds.
pub(crate) fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

impl Options {
    /// Options for the broker at `url` (`mqtt://user:pass@host:port`, `mqtts://`, `ws://`, `wss://`).
    /// A user name or password holding `/`, `?`, `#`, `@`, `:` or `%` must have it
    /// percent-encoded (`S3c/ret` as `S3c%2Fret`); see [`BrokerUrl`]. Or pass the password
    /// unencoded with [`credentials`](Self::credentials).
    pub fn new(url: &str) -> Result<Self, Error> {
        Ok(Self::from_url(url.parse()?))
    }

    /// Options for an already parsed URL.
    pub fn from_url(url: BrokerUrl) -> Self {
        let mut config = Config::new(ProtocolVersion::V5, format!("sansmqtt-{:012x}", random_u64() >> 16));
        config.username.clone_from(&url.username);
        config.password = url.password.as_deref().map(Secret::from);
        config.reconnect = Some(Backoff::default().with_seed(random_u64()));
        Self {
            url,
            config,
            event_capacity: 1024,
            handlers: Handlers::default(),
            authenticator: None,
            store: crate::store::StoreOptions::default(),
            net: crate::net::NetOptions::default(),
            #[cfg(feature = "tls")]
            tls: crate::tls::TlsOptions::default(),
        }
    }

    /// The broker address.
    pub fn url(&self) -> &BrokerUrl {
        &self.url
    }

    /// The session configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The session configuration, to change anything the setters do not cover.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Client identifier (empty: let a 5.0 broker assign one).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_id = id.into();
        self
    }

    /// Protocol version (3.1.1 or 5.0).
    pub fn version(mut self, version: ProtocolVersion) -> Self {
        self.config.version = version;
        self
    }

    /// Keep-alive interval (whole seconds; zero disables). A dead link is noticed within 1.5 × this
    /// (while the application reads its events; see [`event_capacity`](Self::event_capacity)).
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.config.keep_alive = keep_alive;
        self
    }

    /// Clean session (3.1.1) / clean start (5.0) on the first connection. A new process that
    /// should take up the session an earlier one left with the broker also needs
    /// [`resume_stored_session`](Self::resume_stored_session) in MQTT 5.0.
    pub fn clean_start(mut self, clean: bool) -> Self {
        self.config.clean_start = clean;
        self
    }

    /// Take up a session the broker stored for this client id on the first connection, though
    /// this client holds no state of it (a restarted process): see
    /// [`Config::resume_stored_session`](sansmqtt_session::Config::resume_stored_session).
    /// Without it, MQTT 5.0 requires the client to refuse such a session [MQTT-3.2.2-4].
    pub fn resume_stored_session(mut self) -> Self {
        self.config.resume_stored_session = true;
        self
    }

    /// v5 Session Expiry Interval in seconds (a persistent session for 5.0 when > 0).
    pub fn session_expiry(mut self, secs: u32) -> Self {
        self.config.session_expiry_interval = secs;
        self
    }

    /// User name and password (overrides the URL's). The password is a [`Secret`]: from `&str`,
    /// `String`, `&[u8]` or `Vec<u8>`, and printed as `***`.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.config.username = Some(username.into());
        self.config.password = Some(password.into());
        self
    }

    /// Will message, published by the broker if the connection ends without DISCONNECT.
    pub fn will(mut self, will: WillConfig) -> Self {
        self.config.will = Some(will);
        self
    }

    /// Add a v5 User Property to CONNECT (in order; ignored in 3.x).
    pub fn user_property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.user_properties.push((name.into(), value.into()));
        self
    }

    /// v5 Request Problem Information (default on). Off, the broker must not send Reason
    /// Strings or User Properties except on PUBLISH, CONNACK and DISCONNECT, and a broker that
    /// does is disconnected with 0x82 (Protocol Error).
    pub fn request_problem_information(mut self, on: bool) -> Self {
        self.config.request_problem_information = on;
        self
    }

    /// v5 Request Response Information (default off): the broker may answer with Response
    /// Information in CONNACK (`ServerCapabilities::response_information`).
    pub fn request_response_information(mut self, on: bool) -> Self {
        self.config.request_response_information = on;
        self
    }

    /// Automatic reconnect schedule (`None`: stay disconnected after a loss).
    pub fn reconnect(mut self, backoff: Option<Backoff>) -> Self {
        self.config.reconnect = backoff;
        self
    }

    /// How long a connection attempt may take: opening the transport (TCP connect, TLS and
    /// WebSocket handshakes), and then again the wait for CONNACK. The session's
    /// [`Config::connect_timeout`], which the embassy adapter applies the same way.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Events buffered for an [`Events`](crate::Events) stream that is not keeping up; when
    /// full, the client stops reading from the socket until the stream is polled (memory stays
    /// bounded and the broker sees TCP backpressure). A slow reader keeps its connection: while
    /// input waits for the application, keep-alive PINGREQs still go out and the wait for their
    /// PINGRESP (unread behind the messages) is not enforced.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// Receive through a buffer of `bytes` (at least 64) instead of one as large as the
    /// largest packet accepted: a message that does not fit arrives in pieces,
    /// [`Event::MessageStart`](crate::Event::MessageStart), chunks and
    /// [`Event::MessageEnd`](crate::Event::MessageEnd), through the event stream (handlers see
    /// only whole messages). The largest message accepted is still bounded by
    /// `config_mut().max_packet_size`.
    pub fn receive_buffer_size(mut self, bytes: u32) -> Self {
        self.config.receive_buffer_size = Some(bytes);
        self
    }

    /// Acknowledge QoS 1 and 2 messages yourself: each [`Message`] then carries an
    /// [`ack_token`](Message::ack_token) to pass to [`Client::ack`] once the message is
    /// processed (paho's manual acks). Acks go out in arrival order, so a message not yet
    /// acked holds back the acks of later ones; once Receive Maximum messages wait for an ack,
    /// the broker sends no more QoS 1 / 2 messages, and the client stops reading when its
    /// queue of pending acks is full. Unacked messages are sent again by the broker after a
    /// reconnect that resumes the session.
    pub fn manual_acks(mut self) -> Self {
        self.config.ack_mode = AckMode::Manual;
        self
    }

    /// MQTT 5.0 enhanced authentication (§4.12): `auth` answers the broker's AUTH challenges
    /// during every CONNECT and on [`Client::reauthenticate`].
    pub fn authenticator(mut self, auth: impl Authenticator + 'static) -> Self {
        self.authenticator = Some(Box::new(auth));
        self
    }

    /// Connect from this local address (mosquitto's `-A`): the socket is bound to it, with a
    /// port the system picks, before connecting; only the broker's addresses of its family
    /// (IPv4 or IPv6) are tried. Also applies to the connection to a
    /// [`socks5_proxy`](Self::socks5_proxy).
    pub fn bind_address(mut self, local: std::net::IpAddr) -> Self {
        self.net.bind = Some(local);
        self
    }

    /// `TCP_NODELAY` on the TCP socket: on (the default), each write goes out at once; off,
    /// Nagle's algorithm may hold back small writes while earlier data is unacknowledged
    /// (mosquitto's tools leave it on unless given `--nodelay`).
    pub fn tcp_nodelay(mut self, on: bool) -> Self {
        self.net.nodelay = on;
        self
    }

    /// Connect through the Unix domain socket at `path` instead of TCP (mosquitto's
    /// `--unix`; Mosquitto listens on one with `listener 0 /path`). The URL's scheme still
    /// chooses TLS and / or WebSocket over it, and its host names the TLS server and the
    /// WebSocket `Host`; its port is unused. Cannot be combined with a SOCKS5 proxy (each
    /// connection attempt then fails). Unix only.
    pub fn unix_socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.net.unix = Some(path.into());
        self
    }

    /// Reach the broker through this SOCKS5 proxy (mosquitto's `--proxy socks5h://...`): the
    /// TCP connection goes to the proxy, which connects to the URL's host and port (resolving
    /// the host name itself); TLS and WebSocket run end to end through it.
    pub fn socks5_proxy(mut self, proxy: crate::socks::Socks5Proxy) -> Self {
        self.net.proxy = Some(proxy);
        self
    }

    /// TLS settings for `mqtts://` and `wss://`.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// `on_connect(client, session_present)`: each accepted connection.
    pub fn on_connect(mut self, f: impl FnMut(&Client, bool) + Send + 'static) -> Self {
        self.handlers.on_connect = Some(Box::new(f));
        self
    }

    /// `on_disconnect(client, reason)`: each lost or closed connection.
    pub fn on_disconnect(mut self, f: impl FnMut(&Client, &DisconnectReason) + Send + 'static) -> Self {
        self.handlers.on_disconnect = Some(Box::new(f));
        self
    }

    /// `on_subscribe(client, token, reasons)`: each SUBACK.
    pub fn on_subscribe(mut self, f: impl FnMut(&Client, Token, &[ReasonCode]) + Send + 'static) -> Self {
        self.handlers.on_subscribe = Some(Box::new(f));
        self
    }

    /// `on_unsubscribe(client, token, reasons)`: each UNSUBACK.
    pub fn on_unsubscribe(mut self, f: impl FnMut(&Client, Token, &[ReasonCode]) + Send + 'static) -> Self {
        self.handlers.on_unsubscribe = Some(Box::new(f));
        self
    }

    /// `on_publish(client, token, outcome)`: each publish completed or failed.
    pub fn on_publish(
        mut self,
        f: impl FnMut(&Client, Token, Result<ReasonCode, PublishFailure>) + Send + 'static,
    ) -> Self {
        self.handlers.on_publish = Some(Box::new(f));
        self
    }

    /// `on_message(client, message)`: each message no topic handler matched.
    pub fn on_message(mut self, f: impl FnMut(&Client, &Message) + Send + 'static) -> Self {
        self.handlers.on_message = Some(Box::new(f));
        self
    }

    /// A handler for messages whose topic matches `filter` (paho's `message_callback_add`,
    /// MiniMQTT's `add_topic_callback`).
    pub fn on_topic(
        mut self,
        filter: &str,
        f: impl FnMut(&Client, &Message) + Send + 'static,
    ) -> Result<Self, Error> {
        self.handlers
            .routes
            .add(filter, Box::new(f))
            .map_err(|e| Error::Session(sansmqtt_session::Error::InvalidTopic(e)))?;
        Ok(self)
    }
}
