//! The `embedded-tls` crypto provider: the random source, the certificate verifier (unless
//! turned off by name) and the client certificate with its signing key.

use crate::tls::options::{ClientIdentity, TlsOptions, Trust};
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CertificateRef, CertificateVerifyRef, CryptoProvider, CryptoRngCore,
    SignatureScheme, TlsClock, TlsError, TlsVerifier,
};
use p256::ecdsa::{DerSignature, SigningKey};

/// The most bytes of the broker's certificate chain the verifier keeps during a handshake.
pub(crate) const CERT_CHAIN_MAX: usize = 4096;

/// `embedded-tls`'s certificate verifier, with what its handshake does not enforce: in 0.19 the
/// handshake completes on the server's Finished whether or not a Certificate and a
/// CertificateVerify came before it (a server that skips both would never be authenticated),
/// and a CertificateVerify without a Certificate reaches an `unwrap` in the verifier (a panic).
/// This records what was verified, refuses a CertificateVerify that comes first, and the engine
/// fails the connection unless both were verified ([`Provider::authenticated`]) before any
/// application data is sent.
pub(crate) struct Checked<'o, C: TlsClock> {
    inner: CertVerifier<'o, Aes128GcmSha256, C, CERT_CHAIN_MAX>,
    certificate: bool,
    signature: bool,
}

impl<C: TlsClock> TlsVerifier<Aes128GcmSha256> for Checked<'_, C> {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        self.inner.set_hostname_verification(hostname)
    }

    fn verify_certificate(
        &mut self,
        transcript: &<Aes128GcmSha256 as embedded_tls::TlsCipherSuite>::Hash,
        cert: CertificateRef<'_>,
    ) -> Result<(), TlsError> {
        self.certificate = false;
        self.signature = false;
        self.inner.verify_certificate(transcript, cert)?;
        self.certificate = true;
        Ok(())
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        if !self.certificate || self.signature {
            // Out of order (no certificate yet, or a second CertificateVerify).
            return Err(TlsError::InvalidHandshake);
        }
        self.inner.verify_signature(verify)?;
        self.signature = true;
        Ok(())
    }
}

/// One handshake's provider.
pub(crate) struct Provider<'o, 'r, R, C: TlsClock> {
    rng: &'r mut R,
    verifier: Option<Checked<'o, C>>,
    client: Option<ClientIdentity<'o>>,
}

impl<'o, 'r, R: CryptoRngCore, C: TlsClock> Provider<'o, 'r, R, C> {
    /// The provider for `options`: a verifier unless they accept any certificate.
    pub(crate) fn new(options: &TlsOptions<'o, C>, rng: &'r mut R) -> Self {
        let verifier = match options.trust {
            Trust::Ca(ca) => Some(Checked {
                inner: CertVerifier::new(Certificate::X509(ca)),
                certificate: false,
                signature: false,
            }),
            Trust::AnyCertificate => None,
        };
        Self { rng, verifier, client: options.client }
    }

    /// After the handshake: whether the broker proved it holds the certificate's key for a
    /// certificate that checked out (always true with `danger_accept_any_certificate`).
    pub(crate) fn authenticated(&self) -> bool {
        self.verifier.as_ref().is_none_or(|v| v.certificate && v.signature)
    }
}

impl<R: CryptoRngCore, C: TlsClock> CryptoProvider for Provider<'_, '_, R, C> {
    type CipherSuite = Aes128GcmSha256;
    type Signature = DerSignature;

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut *self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, TlsError> {
        // `embedded-tls` skips the checks when there is no verifier: only with
        // `danger_accept_any_certificate`.
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }

    fn signer(
        &mut self,
    ) -> Result<(impl p256::ecdsa::signature::SignerMut<Self::Signature>, SignatureScheme), TlsError> {
        let key = self.client.ok_or(TlsError::InvalidPrivateKey)?.key;
        let secret = p256::SecretKey::from_sec1_der(key)
            .or_else(|_| {
                use p256::pkcs8::DecodePrivateKey;
                p256::SecretKey::from_pkcs8_der(key)
            })
            .map_err(|_| TlsError::InvalidPrivateKey)?;
        Ok((SigningKey::from(&secret), SignatureScheme::EcdsaSecp256r1Sha256))
    }

    fn client_cert(&mut self) -> Option<Certificate<impl AsRef<[u8]>>> {
        self.client.map(|c| Certificate::X509(c.certificate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_tls::NoClock;

    /// A server's CertificateVerify before any Certificate: refused (not the verifier's
    /// `unwrap` panic), and the handshake does not count as authenticated.
    #[test]
    fn a_certificate_verify_before_the_certificate_is_refused() {
        let ca: &[u8] = &[];
        let options = TlsOptions::new("localhost", ca);
        let mut rng = rand_core::OsRng;
        let mut provider = Provider::<_, NoClock>::new(&options, &mut rng);
        assert!(!provider.authenticated(), "nothing verified yet");
        let verifier = provider.verifier().expect("a verifier");
        let verify =
            CertificateVerifyRef { signature_scheme: SignatureScheme::EcdsaSecp256r1Sha256, signature: &[] };
        assert!(matches!(verifier.verify_signature(verify), Err(TlsError::InvalidHandshake)));
        assert!(!provider.authenticated());
    }

    /// Without a verifier (only `danger_accept_any_certificate`) there is nothing to require.
    #[test]
    fn accepting_any_certificate_needs_no_verification() {
        let options = TlsOptions::danger_accept_any_certificate("localhost");
        let mut rng = rand_core::OsRng;
        let mut provider = Provider::<_, NoClock>::new(&options, &mut rng);
        assert!(provider.verifier().is_err());
        assert!(provider.authenticated());
    }
}
