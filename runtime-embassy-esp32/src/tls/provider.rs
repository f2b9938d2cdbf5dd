//! The `embedded-tls` crypto provider: the random source, the certificate verifier (unless
//! turned off by name) and the client certificate with its signing key.

use crate::tls::options::{ClientIdentity, TlsOptions, Trust};
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, CryptoRngCore, SignatureScheme, TlsClock, TlsError,
    TlsVerifier,
};
use p256::ecdsa::{DerSignature, SigningKey};

/// The most bytes of the broker's certificate chain the verifier keeps during a handshake.
pub(crate) const CERT_CHAIN_MAX: usize = 4096;

/// One handshake's provider.
pub(crate) struct Provider<'o, 'r, R, C: TlsClock> {
    rng: &'r mut R,
    verifier: Option<CertVerifier<'o, Aes128GcmSha256, C, CERT_CHAIN_MAX>>,
    client: Option<ClientIdentity<'o>>,
}

impl<'o, 'r, R: CryptoRngCore, C: TlsClock> Provider<'o, 'r, R, C> {
    /// The provider for `options`: a verifier unless they accept any certificate.
    pub(crate) fn new(options: &TlsOptions<'o, C>, rng: &'r mut R) -> Self {
        let verifier = match options.trust {
            Trust::Ca(ca) => Some(CertVerifier::new(Certificate::X509(ca))),
            Trust::AnyCertificate => None,
        };
        Self { rng, verifier, client: options.client }
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
