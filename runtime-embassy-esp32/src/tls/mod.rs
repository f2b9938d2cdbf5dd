//! TLS 1.3 with `embedded-tls` (feature `tls`): a [`TlsTransport`] for the [`Client`](crate::Client)
//! over any plain [`Transport`](crate::Transport) (embassy-net's `TcpTransport`, a std stream
//! through [`Dial`](crate::Dial)...).
//!
//! Three pieces, made in this order:
//! 1. a [`TlsLink`], the state the other two share;
//! 2. the engine, [`run`]`(&link, tcp, &options, rng, &mut read_record, &mut write_record)`, a
//!    future the application pins (`core::pin::pin!`); it owns every connection from handshake
//!    to close and lends the record buffers to each one;
//! 3. [`TlsTransport::new`]`(&link, engine)`, given to [`Client::new`](crate::Client::new).
//!
//! The client reconnects on the session's backoff as over TCP: each connection is a scope
//! inside the engine, so the record buffers come back when it ends (no leak, whatever the
//! number of reconnects: [`TlsLink::buffers_lent`] / [`TlsLink::buffers_returned`]).
//!
//! The broker's certificate is checked by default against a CA and the host name (also sent
//! as SNI); expiry only with a clock ([`TlsOptions`] explains); turning checking off takes
//! [`TlsOptions::danger_accept_any_certificate`]. TLS 1.3 only, cipher suite
//! TLS_AES_128_GCM_SHA256, key exchange secp256r1, ECDSA P-256 certificates.
//!
//! ```rust,no_run
//! use sansmqtt_embassy::sansmqtt_session::{Config, Session};
//! use sansmqtt_embassy::sansmqtt_session::sansmqtt_proto::ProtocolVersion;
//! use sansmqtt_embassy::tls::{self, CryptoRngCore, TlsLink, TlsOptions, TlsTransport};
//! use sansmqtt_embassy::{Client, Transport};
//!
//! async fn run(tcp: impl Transport, rng: impl CryptoRngCore, ca_der: &[u8]) {
//!     let mut read_record = [0u8; 16_640];
//!     let mut write_record = [0u8; 2048];
//!     let link = TlsLink::<512>::new();
//!     let options = TlsOptions::new("broker.example.com", ca_der);
//!     let engine = core::pin::pin!(tls::run(&link, tcp, &options, rng, &mut read_record, &mut write_record));
//!     let mut tx = [0u8; 512];
//!     let session = Session::new(Config::new(ProtocolVersion::V5, "sensor-1"));
//!     let mut client = Client::new(session, TlsTransport::new(&link, engine), &mut tx);
//!     let _ = client.connect(|_| {}).await;
//! }
//! ```

mod engine;
mod error;
mod link;
mod options;
mod pipe;
mod provider;
mod transport;

pub use embedded_tls::{CryptoRngCore, NoClock, TlsClock, TlsError};
pub use engine::run;
pub use error::TlsTransportError;
pub use link::TlsLink;
pub use options::TlsOptions;
pub use transport::TlsTransport;
