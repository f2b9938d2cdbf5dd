//! The configuration: settings that cannot work are refused by `connect` with a typed error,
//! the defaults as they appear on the wire, and the optional v5 Maximum Packet Size.
mod support;

use sansmqtt_proto::{Packet, ProtocolVersion, ReasonCode};
use sansmqtt_session::{Config, ConfigError, DisconnectReason, Error, Violation};
use support::{Ev, Harness, VERSIONS};

/// A setting that cannot work, how to make it, and the error `connect` gives.
type Case = (&'static str, fn(&mut Config), ConfigError);

#[test]
fn a_configuration_that_cannot_work_is_refused_by_connect() {
    let cases: [Case; 4] = [
        ("max_packet_size 0", |c| c.max_packet_size = 0, ConfigError::MaxPacketSizeTooSmall),
        ("max_packet_size 63", |c| c.max_packet_size = 63, ConfigError::MaxPacketSizeTooSmall),
        ("receive_maximum 0", |c| c.receive_maximum = 0, ConfigError::ReceiveMaximumZero),
        ("max_inflight 0", |c| c.max_inflight = 0, ConfigError::MaxInflightZero),
    ];
    for v in VERSIONS {
        for (what, set, expected) in cases {
            let mut cfg = Harness::config(v);
            set(&mut cfg);
            let mut h = Harness::new(cfg);
            assert_eq!(h.session.connect(h.now), Err(Error::InvalidConfig(expected)), "{v}: {what}");
            h.drive();
            assert!(h.actions.is_empty(), "{v}: {what}: nothing is opened");
        }
        // The smallest accepted packet size works.
        let mut cfg = Harness::config(v);
        cfg.max_packet_size = Config::MIN_PACKET_SIZE;
        let mut h = Harness::new(cfg);
        h.connect(false);
        h.publish_to_client("t", b"fits", sansmqtt_proto::QoS::AtMostOnce, 0);
        assert!(matches!(h.take_events().as_slice(), [Ev::Message { .. }]), "{v}");
    }
}

/// The default v5 CONNECT leaves out Receive Maximum (65,535, as paho and mosquitto_sub do)
/// and announces the Maximum Packet Size.
#[test]
fn v5_default_connect_properties() {
    let mut h = Harness::new(Config::new(ProtocolVersion::V5, "defaults"));
    h.session.connect(h.now).unwrap();
    h.drive();
    let c = h.expect_connect();
    assert_eq!(c.properties.receive_maximum, None);
    assert_eq!(c.properties.maximum_packet_size.map(|m| m.get()), Some(1024 * 1024));
    assert_eq!(c.properties.topic_alias_maximum, Some(16));
}

/// 5.0: [MQTT-3.1.2-24] (only when announced). Without the announcement CONNECT carries no
/// Maximum Packet Size; a packet larger than the configured size still closes the connection
/// (DISCONNECT 0x95): memory stays bounded by the configuration.
#[test]
fn v5_maximum_packet_size_can_be_left_out() {
    let mut cfg = Harness::config(ProtocolVersion::V5);
    cfg.announce_max_packet_size = false;
    cfg.max_packet_size = 128;
    let mut h = Harness::new(cfg);
    h.session.connect(h.now).unwrap();
    h.drive();
    assert_eq!(h.expect_connect().properties.maximum_packet_size, None);
    h.connack(false, Default::default());
    h.take_events();
    h.publish_to_client("t", &[7; 100], sansmqtt_proto::QoS::AtMostOnce, 0);
    assert!(matches!(h.take_events().as_slice(), [Ev::Message { .. }]));
    h.publish_to_client("t", &[7; 200], sansmqtt_proto::QoS::AtMostOnce, 0);
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::PacketTooLarge)
    );
    assert!(matches!(
        h.take_events().as_slice(),
        [Ev::Disconnected(DisconnectReason::Protocol(Violation::Decode(
            sansmqtt_proto::DecodeError::PacketTooLarge { .. }
        )))]
    ));
}
