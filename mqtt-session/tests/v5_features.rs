//! MQTT 5.0 only: outgoing topic aliases, enhanced authentication, server DISCONNECT rules,
//! subscription options and server limits on subscriptions.
mod support;

use sansmqtt_proto::property::{AuthProperties, ConnAckProperties};
use sansmqtt_proto::{
    Auth, Bin, Disconnect, Packet, ProtocolVersion, QoS, ReasonCode, RetainHandling, SubscriptionOptions,
    Utf8,
};
use sansmqtt_session::{Authenticator, DisconnectReason, Error, Outgoing, Violation};
use support::{Ev, Harness, publishes};

fn v5(cfg: impl FnOnce(&mut sansmqtt_session::Config)) -> Harness {
    let mut c = Harness::config(ProtocolVersion::V5);
    cfg(&mut c);
    Harness::new(c)
}

/// 5.0: [MQTT-3.2.2-17] [MQTT-3.3.2-9] [MQTT-3.3.2-8] [MQTT-3.3.2-7]
#[test]
fn outgoing_topic_aliases_within_server_maximum_and_never_on_resend() {
    let mut h = v5(|c| {
        c.topic_alias_outgoing = 8;
        c.clean_start = false;
        c.session_expiry_interval = 60;
    });
    let mut p = ConnAckProperties::default();
    p.topic_alias_maximum = Some(1);
    h.connect_with(false, p.clone());
    for _ in 0..2 {
        h.session.publish(h.now, &Outgoing::new("very/long/topic", b"x", QoS::AtLeastOnce)).unwrap();
    }
    h.drive();
    let sent: Vec<_> = h
        .take_inbox()
        .into_iter()
        .map(|p| match p {
            Packet::Publish(p) => (p.topic.as_str().to_string(), p.properties.topic_alias.map(|a| a.get())),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sent, [("very/long/topic".to_string(), Some(1)), (String::new(), Some(1))]);
    // Reconnect with the session: both are resent in full, without an alias.
    h.drop_link();
    h.advance(500);
    h.expect_connect();
    h.connack(true, p);
    for (_, dup, topic, _) in publishes(&h.take_inbox()) {
        assert!(dup);
        assert_eq!(topic, "very/long/topic");
    }
}

/// 5.0: [MQTT-3.2.2-18]
#[test]
fn server_without_aliases_gets_full_topics() {
    let mut h = v5(|c| c.topic_alias_outgoing = 8);
    h.connect(false);
    h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtMostOnce)).unwrap();
    h.drive();
    assert!(matches!(h.take_inbox().as_slice(), [Packet::Publish(p)] if p.properties.topic_alias.is_none()));
}

#[derive(Debug)]
struct Token3Way {
    rounds: u32,
}

impl Authenticator for Token3Way {
    fn method(&self) -> &str {
        "TOKEN"
    }
    fn start(&mut self) -> Option<Vec<u8>> {
        Some(b"hello".to_vec())
    }
    fn challenge(&mut self, data: Option<&[u8]>) -> Result<Option<Vec<u8>>, ReasonCode> {
        self.rounds += 1;
        match data {
            Some(b"nonce") => Ok(Some(b"proof".to_vec())),
            _ => Err(ReasonCode::NotAuthorized),
        }
    }
}

fn auth_packet(reason: ReasonCode, method: &str, data: &[u8]) -> Packet<'static> {
    let mut p = AuthProperties::default();
    p.authentication_method = Some(Utf8::new(method).unwrap().into_owned());
    p.authentication_data = Some(Bin::new(data).into_owned());
    Packet::Auth(Auth { reason, properties: p })
}

/// 5.0: [MQTT-4.12.0-3] [MQTT-4.12.0-5] [MQTT-4.12.1-1] [MQTT-3.15.2-1]
#[test]
fn enhanced_authentication_during_connect_and_reauthentication() {
    let mut h = v5(|_| {});
    h.session.set_authenticator(Box::new(Token3Way { rounds: 0 }));
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.authentication_method.as_ref().map(|m| m.as_str()), Some("TOKEN"));
    assert_eq!(c.properties.authentication_data.as_ref().map(|d| d.as_bytes()), Some(&b"hello"[..]));
    h.send(auth_packet(ReasonCode::ContinueAuthentication, "TOKEN", b"nonce"));
    match h.take_inbox().as_slice() {
        [Packet::Auth(a)] => {
            assert_eq!(a.reason, ReasonCode::ContinueAuthentication);
            assert_eq!(a.properties.authentication_data.as_ref().map(|d| d.as_bytes()), Some(&b"proof"[..]));
        }
        other => panic!("{other:?}"),
    }
    let mut p = ConnAckProperties::default();
    p.authentication_method = Some(Utf8::new("TOKEN").unwrap());
    h.connack(false, p);
    assert!(matches!(h.take_events().as_slice(), [Ev::Connected { .. }]));
    // Re-authentication.
    h.session.reauthenticate(h.now).unwrap();
    h.drive();
    assert!(matches!(h.take_inbox().as_slice(), [Packet::Auth(a)] if a.reason == ReasonCode::ReAuthenticate));
    h.send(auth_packet(ReasonCode::Success, "TOKEN", b""));
    assert_eq!(h.take_events(), vec![Ev::Reauthenticated]);
}

/// 5.0: [MQTT-4.12.0-5]
#[test]
fn auth_with_another_method_is_a_protocol_error() {
    let mut h = v5(|_| {});
    h.session.set_authenticator(Box::new(Token3Way { rounds: 0 }));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    h.send(auth_packet(ReasonCode::ContinueAuthentication, "OTHER", b"nonce"));
    let ev = h.take_events();
    assert_eq!(
        ev,
        vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::UnexpectedPacket(
            sansmqtt_proto::PacketType::Auth
        )))]
    );
}

/// 5.0: [MQTT-4.12.0-6]
#[test]
fn unsolicited_auth_is_a_protocol_error() {
    let mut h = v5(|_| {});
    h.connect(false);
    h.send(auth_packet(ReasonCode::ContinueAuthentication, "X", b""));
    let inbox = h.take_inbox();
    assert!(matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::ProtocolError));
}

#[test]
fn server_disconnect_with_session_expiry_is_a_protocol_error() {
    let mut h = v5(|_| {});
    h.connect(false);
    let mut d = Disconnect::new(ReasonCode::ServerShuttingDown);
    d.properties.session_expiry_interval = Some(5);
    h.send(Packet::Disconnect(d));
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::UnexpectedPacket(
            sansmqtt_proto::PacketType::Disconnect
        )))]
    );
}

#[test]
fn v311_server_disconnect_is_a_protocol_error() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V3_1_1));
    h.connect(false);
    h.feed(&[0xE0, 0x00]);
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::Protocol(Violation::UnexpectedPacket(
            sansmqtt_proto::PacketType::Disconnect
        )))]
    );
}

/// 5.0: [MQTT-3.8.3-1]
#[test]
fn subscription_options_and_server_subscription_limits() {
    let mut h = v5(|_| {});
    let mut p = ConnAckProperties::default();
    p.wildcard_subscription_available = Some(false);
    p.shared_subscription_available = Some(false);
    p.subscription_identifiers_available = Some(false);
    h.connect_with(false, p);
    let opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    assert_eq!(h.session.subscribe(h.now, &[("a/+", opts)]), Err(Error::WildcardSubscriptionsNotSupported));
    assert_eq!(
        h.session.subscribe(h.now, &[("$share/g/a", opts)]),
        Err(Error::SharedSubscriptionsNotSupported)
    );
    let mut opts = opts;
    opts.no_local = true;
    opts.retain_as_published = true;
    opts.retain_handling = RetainHandling::DoNotSend;
    // The identifier is dropped (LimitPolicy::Downgrade), the v5 options are kept.
    h.session.subscribe_with_id(h.now, &[("a/b", opts)], sansmqtt_proto::SubscriptionId::new(7)).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => {
            assert_eq!(s.properties.subscription_identifier, None);
            assert_eq!(s.subscriptions.iter().next().unwrap().options, opts);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn v311_rejects_v5_subscription_options_locally() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V3_1_1));
    h.connect(false);
    let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    opts.no_local = true;
    assert!(matches!(h.session.subscribe(h.now, &[("a", opts)]), Err(Error::Encode(_))));
}

/// 5.0: [MQTT-3.1.2-9] 3.1.1: [MQTT-3.1.3-10] 5.0: [MQTT-3.1.3-11]
#[test]
fn will_properties_are_sent_in_v5_and_left_out_in_v311() {
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut cfg = Harness::config(v);
        let mut w = sansmqtt_session::WillConfig::new("wills/me", b"gone".to_vec(), QoS::AtLeastOnce);
        w.retain = true;
        w.delay_interval = Some(5);
        w.payload_is_utf8 = true;
        w.content_type = Some("text/plain".into());
        w.response_topic = Some("replies/me".into());
        w.correlation_data = Some(b"c1".to_vec());
        w.user_properties = vec![("k".into(), "v".into())];
        cfg.will = Some(w);
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        let c = h.expect_connect();
        let will = c.will.expect("will");
        assert_eq!(will.topic.as_str(), "wills/me");
        assert_eq!(will.payload.as_bytes(), b"gone");
        assert!(will.retain);
        let p = &will.properties;
        if v.is_v5() {
            assert_eq!(p.will_delay_interval, Some(5));
            assert_eq!(p.payload_format_indicator, Some(sansmqtt_proto::PayloadFormat::Utf8));
            assert_eq!(p.content_type.as_ref().map(|s| s.as_str()), Some("text/plain"));
            assert_eq!(p.response_topic.as_ref().map(|s| s.as_str()), Some("replies/me"));
            assert_eq!(p.correlation_data.as_ref().map(|d| d.as_bytes()), Some(&b"c1"[..]));
            assert_eq!(p.user_properties.len(), 1);
        } else {
            assert!(p.is_empty(), "{v}: v5 properties left out");
        }
    }
}
