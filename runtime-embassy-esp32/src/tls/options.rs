//! [`TlsOptions`]: what the TLS connection checks and presents: the broker's host name (SNI and
//! the certificate's name), the trusted CA, ALPN, a client certificate, the clock.

use core::marker::PhantomData;
use embassy_time::Duration;
use embedded_tls::{NoClock, TlsClock};

/// How the broker's certificate is checked.
#[derive(Clone, Copy)]
pub(crate) enum Trust<'a> {
    /// Its chain must end at this CA certificate (DER) and name the host.
    Ca(&'a [u8]),
    /// Not checked at all (only through the option whose name says so).
    AnyCertificate,
}

/// A client certificate (DER) with its ECDSA P-256 private key (SEC1 or PKCS#8 DER).
#[derive(Clone, Copy)]
pub(crate) struct ClientIdentity<'a> {
    pub(crate) certificate: &'a [u8],
    pub(crate) key: &'a [u8],
}

/// What a TLS 1.3 connection to the broker checks and presents.
///
/// The broker's certificate is checked by default: [`TlsOptions::new`] takes the CA
/// certificate its chain must end at and the host name it must carry (a DNS name of its
/// Subject Alternative Names, or its Common Name when it has none; IP addresses are not
/// matched). The host name is also sent as SNI. Checking can be turned off only with
/// [`TlsOptions::danger_accept_any_certificate`].
///
/// **Expiry needs a clock.** A board has no wall clock unless the application sets one
/// (SNTP, an RTC, GNSS); without it ([`NoClock`], the default) the validity dates of the
/// certificates are **not** checked: an expired or not-yet-valid certificate signed by the CA
/// is accepted. An application that knows the time supplies it with
/// [`TlsOptions::with_clock`], a type whose [`TlsClock::now`] returns seconds since the Unix
/// epoch (or `None` while unknown, which skips the check for that connection).
///
/// Key types: the `rustpki` verifier of `embedded-tls` 0.19 checks ECDSA P-256 signatures
/// (certificate chains and the server's handshake signature); RSA chains need `embedded-tls`'s
/// `rsa` feature (and an allocator), not enabled by this crate.
pub struct TlsOptions<'a, Clock: TlsClock = NoClock> {
    pub(crate) server_name: &'a str,
    pub(crate) trust: Trust<'a>,
    pub(crate) alpn: Option<&'a [&'a [u8]]>,
    pub(crate) client: Option<ClientIdentity<'a>>,
    pub(crate) close_timeout: Duration,
    clock: PhantomData<fn() -> Clock>,
}

impl<'a> TlsOptions<'a, NoClock> {
    /// Check the broker's certificate against `ca_der` (one CA certificate, DER) and
    /// `server_name`, which is also sent as SNI. No client certificate, no ALPN, no clock.
    ///
    /// A self-signed broker certificate is pinned by giving it here as `ca_der`: only a
    /// certificate signed with its key (itself) is accepted.
    pub fn new(server_name: &'a str, ca_der: &'a [u8]) -> Self {
        Self::with_trust(server_name, Trust::Ca(ca_der))
    }

    /// **Accept any certificate**: the connection is encrypted but the broker is not
    /// authenticated, so anyone on the path can impersonate it and read everything (the
    /// password included). For a lab broker only. `server_name` is still sent as SNI.
    pub fn danger_accept_any_certificate(server_name: &'a str) -> Self {
        Self::with_trust(server_name, Trust::AnyCertificate)
    }

    fn with_trust(server_name: &'a str, trust: Trust<'a>) -> Self {
        Self {
            server_name,
            trust,
            alpn: None,
            client: None,
            close_timeout: Duration::from_secs(2),
            clock: PhantomData,
        }
    }
}

impl<'a, Clock: TlsClock> TlsOptions<'a, Clock> {
    /// Offer these ALPN protocol names (AWS IoT Core on port 443: `&[b"x-amzn-mqtt-ca"]`).
    #[must_use]
    pub fn with_alpn(mut self, protocols: &'a [&'a [u8]]) -> Self {
        self.alpn = Some(protocols);
        self
    }

    /// Present this client certificate (DER) when the broker asks for one, signing with its
    /// ECDSA P-256 private key (`key_der`: SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY", DER).
    #[must_use]
    pub fn with_client_certificate(mut self, certificate_der: &'a [u8], key_der: &'a [u8]) -> Self {
        self.client = Some(ClientIdentity { certificate: certificate_der, key: key_der });
        self
    }

    /// Check certificate validity dates against `C::now()` (seconds since the Unix epoch).
    #[must_use]
    pub fn with_clock<C: TlsClock>(self) -> TlsOptions<'a, C> {
        TlsOptions {
            server_name: self.server_name,
            trust: self.trust,
            alpn: self.alpn,
            client: self.client,
            close_timeout: self.close_timeout,
            clock: PhantomData,
        }
    }

    /// How long a graceful close (TLS close_notify, then the stream's own close) may take
    /// before the connection is dropped; 2 s by default.
    #[must_use]
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The host name sent as SNI and checked in the certificate.
    pub fn server_name(&self) -> &'a str {
        self.server_name
    }

    /// Whether the broker's certificate is checked (false only after
    /// [`TlsOptions::danger_accept_any_certificate`]).
    pub fn verifies_certificate(&self) -> bool {
        matches!(self.trust, Trust::Ca(_))
    }
}

/// No key material: the host name, whether the certificate is checked, ALPN, and whether a
/// client certificate is set.
impl<Clock: TlsClock> core::fmt::Debug for TlsOptions<'_, Clock> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("server_name", &self.server_name)
            .field("verifies_certificate", &self.verifies_certificate())
            .field("alpn", &self.alpn)
            .field("client_certificate", &self.client.is_some())
            .field("close_timeout", &self.close_timeout)
            .finish()
    }
}
