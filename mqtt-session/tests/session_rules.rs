//! Conformance: keep-alive as announced, Server Keep Alive, session present handling, and
//! enhanced authentication rules.
mod support;

use sansmqtt_proto::property::AuthProperties;
use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{
    Auth, Bin, Packet, PacketType, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions, Utf8,
};
use sansmqtt_session::{Authenticator, DisconnectReason, Error, Outgoing, Violation};
use support::{Ev, Harness, VERSIONS};

fn protocol_error(t: PacketType) -> Vec<Ev> {
    vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::UnexpectedPacket(t)))]
}

/// 3.1.1: [MQTT-3.1.2-23] 5.0: [MQTT-3.1.2-20]
///
/// The keep-alive kept is the one CONNECT announces (whole seconds): with 1.5 s configured,
/// CONNECT says 1 s and a PINGREQ goes out when nothing was sent for 1 s, not 1.5 s.
#[test]
fn keep_alive_in_use_is_the_whole_seconds_announced_in_connect() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.keep_alive = std::time::Duration::from_millis(1_500);
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        assert_eq!(h.expect_connect().keep_alive, 1, "{v}");
        h.connack(false, Default::default());
        h.take_events();
        h.advance(999);
        assert!(h.take_inbox().is_empty(), "{v}");
        h.advance(1);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]), "{v}");
    }
}

/// 3.1.1: [MQTT-3.1.2-23] 5.0: [MQTT-3.1.2-20]
///
/// While a PINGREQ waits for its PINGRESP nothing else need be sent, so the wait never
/// outlasts the keep-alive, whatever `ping_timeout` says: the connection is closed by then.
#[test]
fn a_missing_pingresp_never_stretches_the_interval_past_the_keep_alive() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.ping_timeout = Some(std::time::Duration::from_secs(60));
        let mut h = Harness::new(cfg);
        h.connect(false);
        h.advance(10_000);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]), "{v}");
        h.advance(10_000);
        assert_eq!(h.take_events(), vec![Ev::Disconnected(DisconnectReason::KeepAliveTimeout)], "{v}");
        assert!(!h.open);
    }
}

/// 5.0: [MQTT-3.1.2-21] [MQTT-3.2.2-21] [MQTT-3.1.2-20]
///
/// A Server Keep Alive in CONNACK replaces the keep-alive sent in CONNECT, shorter or longer.
#[test]
fn v5_server_keep_alive_replaces_the_clients() {
    for (server, expect_ms) in [(3u16, 3_000u64), (25, 25_000)] {
        let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
        let mut p = ConnAckProperties::default();
        p.server_keep_alive = Some(server);
        h.connect_with(false, p);
        h.advance(expect_ms - 1);
        assert!(h.take_inbox().is_empty(), "server keep alive {server}");
        h.advance(1);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]), "server keep alive {server}");
    }
}

/// 5.0: [MQTT-3.1.2-21] [MQTT-3.2.2-21]
///
/// A Server Keep Alive of 0 turns keep-alive off: no PINGREQ, no timeout.
#[test]
fn v5_server_keep_alive_zero_disables_pings() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    let mut p = ConnAckProperties::default();
    p.server_keep_alive = Some(0);
    h.connect_with(false, p);
    assert_eq!(h.session.poll_timeout(), None);
    h.advance(100_000);
    assert!(h.take_inbox().is_empty());
    assert_eq!(h.session.state(), sansmqtt_session::State::Connected);
}

/// 3.1.1: [MQTT-3.2.2-1] [MQTT-4.8.0-1] 5.0: [MQTT-3.2.2-4] [MQTT-3.1.2-4]
///
/// After CONNECT with Clean Start 1 the client has no session state: a CONNACK with Session
/// Present 1 makes it close the connection (5.0: DISCONNECT 0x82 first).
#[test]
fn session_present_after_clean_start_closes_the_connection() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        assert!(h.expect_connect().clean_start);
        h.connack(true, Default::default());
        let inbox = h.take_inbox();
        if v.is_v5() {
            assert!(
                matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError)
            );
        } else {
            assert!(inbox.is_empty());
        }
        assert_eq!(h.take_events(), protocol_error(PacketType::ConnAck), "{v}");
        assert!(!h.open);
    }
}

/// 5.0: [MQTT-3.2.2-4] (3.1.1 §3.2.2.2 leaves it to the client)
///
/// Clean Start 0 on the first connection of a new `Session`, which holds no Session State: in
/// 5.0 a CONNACK with Session Present 1 makes the client close the connection (DISCONNECT
/// 0x82), and the next attempt starts a new session (Clean Start 1). With
/// `resume_stored_session`, and in 3.1.1, the stored session is taken up.
#[test]
fn session_present_without_session_state_closes_the_connection_in_v5() {
    for v in VERSIONS {
        for resume in [false, true] {
            let mut cfg = Harness::config(v);
            cfg.clean_start = false;
            cfg.session_expiry_interval = 300;
            cfg.resume_stored_session = resume;
            let mut h = Harness::new(cfg);
            h.session.connect(h.now).unwrap();
            h.drive();
            assert!(!h.expect_connect().clean_start, "{v}");
            h.connack(true, Default::default());
            let ev = h.take_events();
            if v.is_v5() && !resume {
                let inbox = h.take_inbox();
                assert!(
                    matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError),
                    "{inbox:?}"
                );
                let why = Violation::SessionPresentWithoutState;
                assert_eq!(ev, vec![Ev::Disconnected(DisconnectReason::Protocol(why))]);
                assert!(!h.open);
                h.advance_to_timeout();
                assert!(h.expect_connect().clean_start, "the next attempt starts a new session");
                h.connack(false, Default::default());
                assert!(matches!(h.take_events().as_slice(), [Ev::Connected { session_present: false, .. }]));
            } else {
                assert!(
                    matches!(ev.as_slice(), [Ev::Connected { session_present: true, .. }]),
                    "{v} resume={resume}: {ev:?}"
                );
                assert!(h.open && h.take_inbox().is_empty(), "{v}");
            }
        }
    }
}

#[derive(Debug)]
struct Scheme {
    accept: bool,
}

impl Authenticator for Scheme {
    fn method(&self) -> &str {
        "SCHEME"
    }
    fn start(&mut self) -> Option<Vec<u8>> {
        Some(b"first".to_vec())
    }
    fn challenge(&mut self, _: Option<&[u8]>) -> Result<Option<Vec<u8>>, ReasonCode> {
        if self.accept { Ok(Some(b"answer".to_vec())) } else { Err(ReasonCode::BadAuthenticationMethod) }
    }
}

fn auth(reason: ReasonCode, method: &str) -> Packet<'static> {
    let mut p = AuthProperties::default();
    p.authentication_method = Some(Utf8::new(method).unwrap().into_owned());
    p.authentication_data = Some(Bin::new(b"challenge").into_owned());
    Packet::Auth(Auth { reason, properties: p })
}

fn with_method(m: &str) -> ConnAckProperties<'_> {
    let mut p = ConnAckProperties::default();
    p.authentication_method = Some(Utf8::new(m).unwrap());
    p
}

/// 5.0: [MQTT-3.1.2-30] [MQTT-4.12.0-3]
///
/// With an Authentication Method in CONNECT, nothing but AUTH goes out before CONNACK, even
/// with a publish and a subscription waiting; they follow the CONNACK.
#[test]
fn v5_only_auth_is_sent_before_connack_during_enhanced_authentication() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.set_authenticator(Box::new(Scheme { accept: true }));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    h.session.publish(h.now, &Outgoing::new("p", b"x", QoS::AtLeastOnce)).unwrap();
    h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
    h.send(auth(ReasonCode::ContinueAuthentication, "SCHEME"));
    h.advance(9_000);
    let before = h.take_inbox();
    assert!(
        matches!(before.as_slice(), [Packet::Auth(a)] if a.reason == ReasonCode::ContinueAuthentication
            && a.properties.authentication_method.as_ref().map(|m| m.as_str()) == Some("SCHEME")),
        "{before:?}"
    );
    h.connack(false, with_method("SCHEME"));
    let after = h.take_inbox();
    assert!(after.iter().any(|p| matches!(p, Packet::Publish(_))), "{after:?}");
    assert!(after.iter().any(|p| matches!(p, Packet::Subscribe(_))), "{after:?}");
}

/// 5.0: [MQTT-4.12.0-6] [MQTT-4.12.0-7]
///
/// Without an Authentication Method in CONNECT: the client never sends AUTH (re-authentication
/// is refused locally), and a CONNACK carrying an Authentication Method is a Protocol Error.
#[test]
fn v5_without_an_authentication_method_no_auth_flows_either_way() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert!(c.properties.authentication_method.is_none());
    h.connack(false, with_method("SCHEME"));
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError)
    );
    assert_eq!(h.take_events(), protocol_error(PacketType::ConnAck));

    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    assert_eq!(h.session.reauthenticate(h.now), Err(Error::InvalidState));
    h.drive();
    assert!(h.take_inbox().is_empty());
}

/// 5.0: [MQTT-4.12.1-1] [MQTT-4.12.1-2] [MQTT-4.12.0-5] [MQTT-3.14.2-1]
/// 5.0: [MQTT-3.15.2-2] [MQTT-3.15.2-3]
///
/// Re-authentication starts with AUTH 0x19 and the CONNECT's method; when the client's side of
/// the exchange fails it sends DISCONNECT (with a reason a client may send: 0x80 for the
/// authenticator's 0x8C) and closes the connection.
#[test]
fn v5_failed_reauthentication_disconnects_with_a_client_reason_code() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.set_authenticator(Box::new(Scheme { accept: false }));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    h.connack(false, with_method("SCHEME"));
    h.take_events();
    h.session.reauthenticate(h.now).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Auth(a)] => {
            assert_eq!(a.reason, ReasonCode::ReAuthenticate);
            assert_eq!(a.properties.authentication_method.as_ref().map(|m| m.as_str()), Some("SCHEME"));
            assert_eq!(a.properties.authentication_data.as_ref().map(|d| d.as_bytes()), Some(&b"first"[..]));
            assert!(a.properties.reason_string.is_none() && a.properties.user_properties.is_empty());
        }
        other => panic!("{other:?}"),
    }
    h.send(auth(ReasonCode::ContinueAuthentication, "SCHEME"));
    let inbox = h.take_inbox();
    assert!(
        matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::UnspecifiedError),
        "{inbox:?}"
    );
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::AuthenticationFailed(ReasonCode::BadAuthenticationMethod))]
    );
    assert!(!h.open);
}

/// 5.0: [MQTT-4.12.0-1] [MQTT-4.12.0-4] [MQTT-4.13.2-1]
///
/// The server refuses enhanced authentication (CONNACK 0x8C Bad authentication method, or
/// 0x87 Not authorized after an AUTH round): the client reports the refusal, sends nothing
/// more (no DISCONNECT after a refusing CONNACK) and the connection is closed.
#[test]
fn v5_refused_enhanced_authentication_closes_without_answering() {
    for (rounds, code) in [(0, ReasonCode::BadAuthenticationMethod), (1, ReasonCode::NotAuthorized)] {
        let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
        h.session.set_authenticator(Box::new(Scheme { accept: true }));
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        if rounds == 1 {
            h.send(auth(ReasonCode::ContinueAuthentication, "SCHEME"));
            assert!(matches!(h.take_inbox().as_slice(), [Packet::Auth(_)]));
        }
        h.send(Packet::ConnAck(sansmqtt_proto::ConnAck {
            session_present: false,
            reason: code,
            properties: Default::default(),
        }));
        assert!(h.take_inbox().is_empty(), "{code:?}");
        assert_eq!(h.take_events(), vec![Ev::Disconnected(DisconnectReason::Refused(code))]);
        assert!(!h.open);
    }
}

/// 5.0: [MQTT-4.12.0-2]
///
/// During enhanced authentication the server's AUTH must say 0x18 Continue authentication:
/// AUTH 0x00 Success before CONNACK is a Protocol Error.
#[test]
fn v5_auth_success_before_connack_is_a_protocol_error() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.session.set_authenticator(Box::new(Scheme { accept: true }));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    h.send(auth(ReasonCode::Success, "SCHEME"));
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError)
    );
    assert_eq!(h.take_events(), protocol_error(PacketType::Auth));
}
