//! [`TlsTransportError`]: why a TLS connection failed.

use embedded_io_async::ErrorKind;
use embedded_tls::TlsError;

/// A [`TlsTransport`](crate::tls::TlsTransport) failure, kept by the client
/// ([`Client::take_transport_error`](crate::Client::take_transport_error)).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum TlsTransportError {
    /// The underlying stream failed (connect, read or write), with its error kind.
    Io(ErrorKind),
    /// The TLS layer failed: the handshake was refused (the broker's certificate is not signed
    /// by the CA or does not name the host: `InvalidCertificate` / `InvalidSignature`; an
    /// alert from the broker, e.g. for a missing or refused client certificate:
    /// `HandshakeAborted`), or a record was malformed.
    Tls(TlsError),
    /// Read or write without an open connection.
    NotConnected,
}

impl core::fmt::Display for TlsTransportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Io(k) => write!(f, "stream failed: {k:?}"),
            Self::Tls(e) => write!(f, "TLS failed: {e:?}"),
            Self::NotConnected => f.write_str("not connected"),
        }
    }
}

impl core::error::Error for TlsTransportError {}

impl embedded_io_async::Error for TlsTransportError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Io(k) => *k,
            Self::Tls(_) => ErrorKind::Other,
            Self::NotConnected => ErrorKind::NotConnected,
        }
    }
}

impl TlsTransportError {
    /// The error of a TLS call, with the stream's own failure (its kind) when it caused it.
    pub(crate) fn from_tls(e: TlsError) -> Self {
        match e {
            TlsError::Io(k) => Self::Io(k),
            other => Self::Tls(other),
        }
    }
}
