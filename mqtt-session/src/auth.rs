//! MQTT 5.0 enhanced authentication (§4.12): a pluggable [`Authenticator`] drives the AUTH
//! exchange during CONNECT and on re-authentication.

use crate::error::{DisconnectReason, Error, Violation};
use crate::event::Event;
use crate::session::{Link, Session};
use crate::time::Instant;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::property::AuthProperties;
use sansmqtt_proto::{Auth, Bin, Packet, PacketType, ReasonCode, Utf8};

/// One side of an enhanced-authentication method (SCRAM, Kerberos, a token scheme...).
///
/// The Authentication Data passes through the session without being kept; the `Debug` of a
/// [`Session`] names only the [`method`](Self::method), never the authenticator's own `Debug`
/// (which may hold a token).
pub trait Authenticator: core::fmt::Debug + Send {
    /// The Authentication Method, sent in CONNECT and every AUTH.
    fn method(&self) -> &str;
    /// Authentication Data to start an exchange (CONNECT, or AUTH "Re-authenticate").
    fn start(&mut self) -> Option<Vec<u8>>;
    /// The server sent AUTH "Continue authentication" with `data`: the data for our answer,
    /// or the reason to give up with.
    fn challenge(&mut self, data: Option<&[u8]>) -> Result<Option<Vec<u8>>, ReasonCode>;
    /// The exchange succeeded (CONNACK or AUTH "Success"), with the server's final data.
    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), ReasonCode> {
        let _ = data;
        Ok(())
    }
}

/// The session's authenticator; its `Debug` names the method only.
pub(crate) struct AuthSlot(pub(crate) Box<dyn Authenticator>);

impl core::fmt::Debug for AuthSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Authenticator").field(&self.0.method()).finish()
    }
}

impl core::ops::Deref for AuthSlot {
    type Target = dyn Authenticator;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl core::ops::DerefMut for AuthSlot {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.0
    }
}

impl Session {
    /// Use `auth` for enhanced authentication (MQTT 5.0) from the next CONNECT on.
    pub fn set_authenticator(&mut self, auth: Box<dyn Authenticator>) {
        self.conn.auth = Some(AuthSlot(auth));
    }

    /// Start a re-authentication (AUTH "Re-authenticate", v5, connected, with an authenticator).
    pub fn reauthenticate(&mut self, now: Instant) -> Result<(), Error> {
        self.tick(now);
        if !matches!(self.conn.link, Link::Connected) {
            return Err(Error::NotConnected);
        }
        let Some(auth) = self.conn.auth.as_mut().filter(|_| self.conn.version.is_v5()) else {
            return Err(Error::InvalidState);
        };
        let data = auth.start();
        self.send_auth(ReasonCode::ReAuthenticate, data);
        Ok(())
    }

    pub(crate) fn send_auth(&mut self, reason: ReasonCode, data: Option<Vec<u8>>) {
        let Some(auth) = self.conn.auth.as_ref() else { return };
        let method = String::from(auth.method());
        let mut props = AuthProperties::default();
        props.authentication_method = Utf8::new(&method).ok();
        props.authentication_data = data.as_deref().map(Bin::new);
        self.out.push_packet(&Packet::Auth(Auth { reason, properties: props }), self.conn.version);
    }

    /// AUTH from the server: its reason, Authentication Method and Authentication Data.
    pub(crate) fn on_auth(&mut self, reason: ReasonCode, method: Option<&str>, data: Option<&[u8]>) {
        let Some(auth) = self.conn.auth.as_mut() else {
            self.violation(Violation::UnexpectedPacket(PacketType::Auth));
            return;
        };
        if method != Some(auth.method()) {
            // [MQTT-4.12.0-5]: every AUTH carries the method of the CONNECT.
            self.violation(Violation::UnexpectedPacket(PacketType::Auth));
            return;
        }
        match reason {
            ReasonCode::ContinueAuthentication => match auth.challenge(data) {
                Ok(data) => self.send_auth(ReasonCode::ContinueAuthentication, data),
                Err(code) => self.close(DisconnectReason::AuthenticationFailed(code), Some(code)),
            },
            ReasonCode::Success if matches!(self.conn.link, Link::Connected) => match auth.finish(data) {
                Ok(()) => self.events.push_back(Event::Reauthenticated),
                Err(code) => self.close(DisconnectReason::AuthenticationFailed(code), Some(code)),
            },
            _ => self.violation(Violation::UnexpectedPacket(PacketType::Auth)),
        }
    }

    /// CONNACK accepted: let the authenticator check the server's final data. Without an
    /// Authentication Method in CONNECT, the CONNACK must carry none [MQTT-4.12.0-6].
    pub(crate) fn auth_connack(&mut self, method: Option<&str>, data: Option<&[u8]>) -> bool {
        let Some(auth) = self.conn.auth.as_mut() else {
            if method.is_some() || data.is_some() {
                self.violation(Violation::UnexpectedPacket(PacketType::ConnAck));
                return false;
            }
            return true;
        };
        if method != Some(auth.method()) {
            self.violation(Violation::UnexpectedPacket(PacketType::ConnAck));
            return false;
        }
        if let Err(code) = auth.finish(data) {
            self.close(DisconnectReason::AuthenticationFailed(code), Some(code));
            return false;
        }
        true
    }
}
