//! CONNECT / CONNACK, refusals, disconnect, reconnect backoff.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Disconnect, Packet, ProtocolVersion, QoS, ReasonCode};
use sansmqtt_session::{Action, DisconnectOptions, DisconnectReason, Error, State};
use support::{Ev, Harness, VERSIONS};

#[test]
fn connect_sends_connect_and_reports_connected() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        assert_eq!(h.actions, vec![Action::Connect]);
        let c = h.expect_connect();
        assert_eq!(c.client_id.as_str(), "client-1");
        assert_eq!(c.keep_alive, 10);
        assert!(c.clean_start);
        assert_eq!(h.session.state(), State::Connecting);
        h.connack(false, ConnAckProperties::default());
        let ev = h.take_events();
        assert!(matches!(ev.as_slice(), [Ev::Connected { session_present: false, .. }]), "{v}: {ev:?}");
        assert_eq!(h.session.state(), State::Connected);
    }
}

/// 3.1.1: [MQTT-3.1.0-2] 5.0: [MQTT-3.1.0-2]
#[test]
fn connect_twice_is_refused_locally() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        assert_eq!(h.session.connect(h.now), Err(Error::InvalidState));
    }
}

/// 5.0: [MQTT-4.13.2-1]
#[test]
fn refused_connack_is_disconnected_with_the_reason_and_backs_off() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        h.send(Packet::ConnAck(sansmqtt_proto::ConnAck {
            session_present: false,
            reason: ReasonCode::NotAuthorized,
            properties: Default::default(),
        }));
        let ev = h.take_events();
        assert_eq!(ev, vec![Ev::Disconnected(DisconnectReason::Refused(ReasonCode::NotAuthorized))], "{v}");
        assert_eq!(h.session.state(), State::WaitingToReconnect);
        // Reconnects after the backoff's first delay (500 ms, no jitter in the harness).
        h.advance(499);
        assert!(h.take_inbox().is_empty());
        h.advance(1);
        h.expect_connect();
    }
}

#[test]
fn v3_connack_return_codes_map_to_reason_codes() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V3_1_1));
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    // Return code 4: bad user name or password.
    h.feed(&[0x20, 0x02, 0x00, 0x04]);
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::Refused(ReasonCode::BadUserNameOrPassword))]
    );
}

#[test]
fn connack_timeout_disconnects() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        h.expect_connect();
        h.advance_to_timeout();
        assert_eq!(h.take_events(), vec![Ev::Disconnected(DisconnectReason::ConnectTimeout)], "{v}");
    }
}

#[test]
fn graceful_disconnect_sends_disconnect_then_closes_without_reconnect() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let opts = DisconnectOptions::default();
        h.session.disconnect(h.now, &opts).unwrap();
        h.drive();
        let inbox = h.take_inbox();
        assert!(
            matches!(inbox.as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::Success),
            "{v}"
        );
        assert_eq!(h.actions.last(), Some(&Action::Close));
        assert_eq!(h.take_events(), vec![Ev::Disconnected(DisconnectReason::ByClient)]);
        assert_eq!(h.session.state(), State::Disconnected);
        assert_eq!(h.session.poll_timeout(), None);
    }
}

/// 5.0: [MQTT-3.14.2-1]
#[test]
fn v5_disconnect_carries_reason_and_session_expiry() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    // A new Session Expiry Interval in DISCONNECT needs a non-zero one in CONNECT.
    cfg.session_expiry_interval = 60;
    let mut h = Harness::new(cfg);
    h.connect(false);
    let mut opts = DisconnectOptions::default();
    opts.reason = ReasonCode::DisconnectWithWillMessage;
    opts.session_expiry_interval = Some(30);
    h.session.disconnect(h.now, &opts).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Disconnect(d)] => {
            assert_eq!(d.reason, ReasonCode::DisconnectWithWillMessage);
            assert_eq!(d.properties.session_expiry_interval, Some(30));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn v5_server_disconnect_is_reported_with_reason() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    let mut d = Disconnect::new(ReasonCode::ServerShuttingDown);
    d.properties.reason_string = Some(sansmqtt_proto::Utf8::new("bye").unwrap());
    h.send(Packet::Disconnect(d));
    assert_eq!(
        h.take_events(),
        vec![Ev::Disconnected(DisconnectReason::ByServer {
            reason: ReasonCode::ServerShuttingDown,
            reason_string: Some("bye".into()),
            server_reference: None
        })]
    );
}

#[test]
fn v5_capabilities_are_adopted() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    let mut p = ConnAckProperties::default();
    p.receive_maximum = std::num::NonZeroU16::new(5);
    p.maximum_qos = Some(QoS::AtLeastOnce);
    p.retain_available = Some(false);
    p.maximum_packet_size = std::num::NonZeroU32::new(1000);
    p.server_keep_alive = Some(3);
    p.assigned_client_identifier = Some(sansmqtt_proto::Utf8::new("assigned-7").unwrap());
    let ev = h.connect_with(false, p);
    let Ev::Connected { caps, .. } = &ev[0] else { panic!("{ev:?}") };
    assert_eq!(caps.receive_maximum, 5);
    assert_eq!(caps.maximum_qos, QoS::AtLeastOnce);
    assert!(!caps.retain_available);
    // An Assigned Client Identifier for a non-empty one is reported, not adopted.
    assert_eq!(caps.assigned_client_identifier.as_deref(), Some("assigned-7"));
    assert_eq!(h.session.client_id(), "client-1");
    // Server Keep Alive replaces ours: PINGREQ after 3 s of silence.
    h.advance(3000);
    assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]));
}

/// 5.0: [MQTT-3.1.2-2]
#[test]
fn v5_fallback_to_v311_when_refused_as_unsupported() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.fallback_to_v3_1_1 = true;
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    h.expect_connect();
    // A 3.1.1 broker answers a 5.0 CONNECT with return code 1.
    h.feed(&[0x20, 0x02, 0x00, 0x01]);
    // The session reconnects at once with 3.1.1.
    assert_eq!(h.session.protocol_version(), ProtocolVersion::V3_1_1);
    h.version = ProtocolVersion::V3_1_1;
    h.expect_connect();
    h.connack(false, Default::default());
    assert!(matches!(h.take_events().as_slice(), [Ev::Connected { .. }]));
}

#[test]
fn transport_loss_reconnects_with_backoff_and_resumes_session_flag() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.clean_start = false;
        cfg.session_expiry_interval = 3600;
        let mut h = Harness::new(cfg);
        h.connect(false);
        h.drop_link();
        assert_eq!(
            h.take_events(),
            vec![Ev::Disconnected(DisconnectReason::Transport(sansmqtt_session::TransportError::Closed))]
        );
        h.advance(500);
        let c = h.expect_connect();
        assert!(!c.clean_start, "{v}: a reconnect resumes the session");
    }
}

/// 3.1.1: [MQTT-3.1.3-7] [MQTT-3.1.3-8]
#[test]
fn invalid_connect_configuration_is_refused_locally() {
    let mut cfg = Harness::config(ProtocolVersion::V3_1_1);
    cfg.client_id = String::new();
    cfg.clean_start = false;
    let mut h = Harness::new(cfg);
    assert!(matches!(h.session.connect(h.now), Err(Error::Encode(_))));
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.will = Some(sansmqtt_session::WillConfig::new("bad/+", Vec::new(), QoS::AtMostOnce));
        let mut h = Harness::new(cfg);
        assert!(matches!(h.session.connect(h.now), Err(Error::InvalidTopic(_))), "{v}");
        h.drive();
        assert!(h.actions.is_empty());
    }
}

/// 5.0: [MQTT-3.2.2-16] [MQTT-3.1.3-2]
#[test]
fn v5_empty_client_id_is_allowed_and_the_assigned_one_is_used_on_reconnect() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.client_id = String::new();
    cfg.session_expiry_interval = 60;
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    assert_eq!(h.expect_connect().client_id.as_str(), "");
    let mut p = ConnAckProperties::default();
    p.assigned_client_identifier = Some(sansmqtt_proto::Utf8::new("srv-42").unwrap());
    h.connack(false, p);
    h.take_events();
    h.drop_link();
    h.advance(500);
    let c = h.expect_connect();
    assert_eq!(c.client_id.as_str(), "srv-42");
    assert!(!c.clean_start);
}

/// 5.0: 3.2.2.3.7. The Assigned Client Identifier is defined only for a zero-length client
/// identifier: sent for a non-empty one, the session the server keeps is still the one CONNECT
/// named, so the next CONNECT names it again.
#[test]
fn v5_an_assigned_identifier_does_not_replace_a_configured_one() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.session_expiry_interval = 60;
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    assert_eq!(h.expect_connect().client_id.as_str(), "client-1");
    let mut p = ConnAckProperties::default();
    p.assigned_client_identifier = Some(sansmqtt_proto::Utf8::new("srv-42").unwrap());
    h.connack(false, p);
    let ev = h.take_events();
    let Ev::Connected { caps, .. } = &ev[0] else { panic!("{ev:?}") };
    assert_eq!(caps.assigned_client_identifier.as_deref(), Some("srv-42"));
    assert_eq!(h.session.client_id(), "client-1");
    h.drop_link();
    h.advance(500);
    let c = h.expect_connect();
    assert_eq!(c.client_id.as_str(), "client-1");
    assert!(!c.clean_start);
}

/// [MQTT-3.1.2-22]
#[test]
fn v311_mqtt_3_1_2_22_password_without_user_name_is_refused_locally() {
    let mut cfg = Harness::config(ProtocolVersion::V3_1_1);
    cfg.password = Some(b"secret".into());
    let mut h = Harness::new(cfg);
    assert_eq!(
        h.session.connect(h.now),
        Err(Error::Encode(sansmqtt_proto::EncodeError::PasswordWithoutUsername))
    );
    // 5.0 allows it.
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.password = Some(b"secret".into());
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert!(c.username.is_none() && c.password.is_some());
}

#[test]
fn closing_does_not_wait_forever_for_a_transport_that_takes_nothing() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.session.disconnect(h.now, &DisconnectOptions::default()).unwrap();
        // The driver cannot write: nothing is taken from the transmit buffer, so no Close yet.
        assert_eq!(h.session.poll_action(), None);
        let deadline = h.session.poll_timeout().expect("a close deadline");
        h.now = deadline;
        h.session.handle_timeout(h.now);
        assert_eq!(h.session.poll_action(), Some(Action::Close), "{v}");
        h.session.handle_closed(h.now, sansmqtt_session::TransportError::ClosedByClient);
        h.drive();
        assert!(h.take_events().contains(&Ev::Disconnected(DisconnectReason::ByClient)));
    }
}

/// The driver's cause of a transport loss reaches the application in `Disconnected`, whether
/// opening failed or an open connection broke; a close the session asked for reports the
/// session's own reason, not the driver's.
#[test]
fn the_cause_of_a_transport_loss_is_reported() {
    use sansmqtt_session::TransportError as T;
    for v in VERSIONS {
        for cause in [T::Refused, T::HostNotFound, T::Tls, T::WebSocket, T::TimedOut] {
            let mut h = Harness::new(Harness::config(v));
            h.auto_open = false;
            h.session.connect(h.now).unwrap();
            h.drive();
            assert_eq!(h.actions, [Action::Connect]);
            h.session.handle_closed(h.now, cause);
            h.drive();
            assert_eq!(h.take_events(), [Ev::Disconnected(DisconnectReason::Transport(cause))], "{v}");
        }
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.session.handle_closed(h.now, T::Reset);
        h.open = false;
        h.drive();
        assert_eq!(h.take_events(), [Ev::Disconnected(DisconnectReason::Transport(T::Reset))], "{v}");
        // Closing for a keep-alive timeout: the driver's cause does not replace it.
        h.advance(500);
        h.expect_connect();
        h.connack(false, Default::default());
        h.take_events();
        h.advance(10_000);
        h.advance(5_000);
        assert!(h.take_events().contains(&Ev::Disconnected(DisconnectReason::KeepAliveTimeout)), "{v}");
    }
}
