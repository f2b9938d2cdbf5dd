//! Secrets never printed: the password and the authenticator's token appear in no `Debug` or
//! `Display` of the session's types, at any point of a connection (issue 20).
mod support;

use sansmqtt_proto::property::AuthProperties;
use sansmqtt_proto::{Auth, Bin, Packet, ProtocolVersion, ReasonCode, Utf8};
use sansmqtt_session::{Authenticator, Config, Secret};
use support::{Ev, Harness, VERSIONS};

const PASSWORD: &str = "S3cretPW-0xDEAD";
const TOKEN: &str = "T0ken-0xBEEF";

/// Fails if `text` shows `secret` as text or as the list of bytes a derived `Debug` of a
/// `Vec<u8>` / `&[u8]` prints (`83, 51, 99, ...`).
fn assert_hidden(text: &str, secret: &str, what: &str) {
    let bytes: Vec<String> = secret.bytes().map(|b| b.to_string()).collect();
    let as_list = bytes[..4].join(", ");
    assert!(!text.contains(secret), "{what} shows the secret: {text}");
    assert!(!text.contains(&as_list), "{what} shows the secret's bytes ({as_list}): {text}");
}

fn assert_debug_hidden(value: &impl core::fmt::Debug, what: &str) {
    let (short, pretty) = (format!("{value:?}"), format!("{value:#?}"));
    for text in [&short, &pretty] {
        assert_hidden(text, PASSWORD, what);
        assert_hidden(text, TOKEN, what);
    }
}

/// An authenticator that holds a token and, like most, derives `Debug`.
#[derive(Debug)]
struct TokenAuth {
    token: Vec<u8>,
}

impl Authenticator for TokenAuth {
    fn method(&self) -> &str {
        "TOKEN"
    }
    fn start(&mut self) -> Option<Vec<u8>> {
        Some(self.token.clone())
    }
    fn challenge(&mut self, _data: Option<&[u8]>) -> Result<Option<Vec<u8>>, ReasonCode> {
        Ok(Some(self.token.clone()))
    }
}

#[test]
fn secret_prints_stars_and_keeps_its_bytes() {
    let from: [Secret; 6] = [
        PASSWORD.into(),
        String::from(PASSWORD).into(),
        PASSWORD.as_bytes().into(),
        PASSWORD.as_bytes().to_vec().into(),
        (*b"S3cretPW-0xDEAD").into(),
        Secret::new(PASSWORD),
    ];
    for s in &from {
        assert_eq!(s.expose(), PASSWORD.as_bytes());
        assert_eq!((s.len(), s.is_empty()), (PASSWORD.len(), false));
        assert_eq!((format!("{s:?}"), format!("{s}")), ("***".to_string(), "***".to_string()));
    }
}

#[test]
fn config_debug_hides_the_password_from_text_and_from_bytes() {
    for password in [Secret::from(PASSWORD), Secret::from(PASSWORD.as_bytes().to_vec())] {
        let mut cfg = Config::new(ProtocolVersion::V5, "c");
        cfg.username = Some("alice".into());
        cfg.password = Some(password);
        assert_debug_hidden(&cfg, "Config");
        assert_debug_hidden(&cfg.password, "Config::password");
        // Still sent: the CONNECT carries it.
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        let c = h.expect_connect();
        assert_eq!(c.password.as_ref().map(|p| p.as_bytes()), Some(PASSWORD.as_bytes()));
    }
}

/// Before connecting, with the CONNECT waiting in the transmit buffer, after it went out, and
/// after the broker refused it: the session's `Debug` never shows the password.
#[test]
fn session_debug_hides_the_password_at_every_step() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.username = Some("alice".into());
        cfg.password = Some(PASSWORD.into());
        let mut h = Harness::new(cfg);
        assert_debug_hidden(&h.session, "Session before connect");
        h.session.connect(h.now).unwrap();
        // The CONNECT is encoded and waiting to be sent.
        while let Some(action) = h.session.poll_action() {
            assert_eq!(action, sansmqtt_session::Action::Connect);
            h.session.handle_connected(h.now);
        }
        assert_debug_hidden(&h.session, "Session with CONNECT pending");
        h.open = true;
        h.drive();
        let c = h.expect_connect();
        assert_eq!(c.password.as_ref().map(|p| p.as_bytes()), Some(PASSWORD.as_bytes()));
        assert_debug_hidden(&h.session, "Session after CONNECT");
        // Refused: bad user name or password.
        let refusal: &[u8] =
            if v.is_v5() { &[0x20, 0x03, 0x00, 0x86, 0x00] } else { &[0x20, 0x02, 0x00, 0x04] };
        h.feed(refusal);
        let events = h.take_events();
        assert!(matches!(events.first(), Some(Ev::Disconnected(_))), "{v}: {events:?}");
        for e in &events {
            assert_debug_hidden(e, "Event");
        }
        assert_debug_hidden(&h.session, "Session after refusal");
    }
}

/// Enhanced authentication: an authenticator holding a token, its data in CONNECT and AUTH,
/// a server AUTH carrying the token half-received: nothing of it in the session's `Debug`.
#[test]
fn session_debug_hides_authentication_data_and_the_authenticator() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.set_authenticator(Box::new(TokenAuth { token: TOKEN.as_bytes().to_vec() }));
    assert_debug_hidden(&h.session, "Session with authenticator");
    assert!(format!("{:?}", h.session).contains("TOKEN"), "the method is shown");
    h.session.connect(h.now).unwrap();
    while h.session.poll_action().is_some() {
        h.session.handle_connected(h.now);
    }
    assert_debug_hidden(&h.session, "Session with CONNECT (Authentication Data) pending");
    h.open = true;
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.authentication_data.as_ref().map(|d| d.as_bytes()), Some(TOKEN.as_bytes()));
    // The server's AUTH with the token as data, all but its last byte received.
    let mut props = AuthProperties::default();
    props.authentication_method = Some(Utf8::new("TOKEN").unwrap());
    props.authentication_data = Some(Bin::new(TOKEN.as_bytes()));
    let mut auth = Vec::new();
    Packet::Auth(Auth { reason: ReasonCode::ContinueAuthentication, properties: props })
        .encode_to_vec(ProtocolVersion::V5, &mut auth)
        .unwrap();
    let taken = h.session.handle_data(h.now, &mut h.rx, &auth[..auth.len() - 1]);
    assert_eq!(taken, auth.len() - 1);
    assert_debug_hidden(&h.session, "Session with a server AUTH half received");
    assert_debug_hidden(&h.rx, "RecvBuffer with a server AUTH half received");
    h.session.handle_data(h.now, &mut h.rx, &auth[auth.len() - 1..]);
    assert_debug_hidden(&h.session, "Session after the server AUTH");
    h.drive();
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Auth(a)] if a.reason == ReasonCode::ContinueAuthentication)
    );
}
