//! Conformance: what the client puts on the wire, checked byte by byte where the statement is
//! about the encoding (CONNECT flags and payload order, fixed-header flags, DUP, packet ids),
//! and what it must never send (packets after DISCONNECT, server-only reason codes, AUTH
//! before CONNACK, properties a client may not use).
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Packet, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_session::{AckMode, DisconnectOptions, Error, Outgoing, State, WillConfig};
use support::{Body, Ev, Harness, VERSIONS, frames, publishes};

/// 3.1.1: [MQTT-3.1.0-1] [MQTT-3.1.0-2] 5.0: [MQTT-3.1.0-1] [MQTT-3.1.0-2]
/// 3.1.1: [MQTT-3.1.3-2] 5.0: [MQTT-3.1.3-2]
///
/// The first packet on every network connection is CONNECT, even with publishes and
/// subscriptions waiting; there is exactly one CONNECT per connection.
#[test]
fn first_packet_is_connect_and_only_once_per_connection() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.clean_start = false;
        cfg.session_expiry_interval = 300;
        let mut h = Harness::new(cfg);
        h.session.publish(h.now, &Outgoing::new("q", b"1", QoS::AtLeastOnce)).unwrap();
        h.session.subscribe(h.now, &[("s/#", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        h.session.connect(h.now).unwrap();
        h.drive();
        assert_eq!(h.session.connect(h.now), Err(Error::InvalidState), "{v}");
        let first = h.take_inbox();
        assert!(matches!(first.as_slice(), [Packet::Connect(_)]), "{v}: {first:?}");
        h.connack(false, ConnAckProperties::default());
        let after = h.take_inbox();
        assert!(!after.is_empty());
        assert!(!after.iter().any(|p| matches!(p, Packet::Connect(_))), "{v}: {after:?}");
        // A new connection starts with CONNECT again, before the resent PUBLISH.
        h.drop_link();
        h.advance(500);
        let again = h.take_inbox();
        assert!(
            matches!(again.first(), Some(Packet::Connect(c)) if c.client_id.as_str() == "client-1" && !c.clean_start),
            "{v}: {again:?}"
        );
        assert_eq!(again.iter().filter(|p| matches!(p, Packet::Connect(_))).count(), 1);
    }
}

fn connect_body(h: &mut Harness) -> Vec<u8> {
    let raw = h.take_raw();
    let f = frames(&raw);
    assert_eq!(f[0].0, 0x10, "CONNECT fixed header flags are 0");
    f[0].1.clone()
}

/// 3.1.1: [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15] [MQTT-3.1.2-18] [MQTT-3.1.2-20]
/// [MQTT-3.1.3-3] 5.0: [MQTT-3.1.2-11] [MQTT-3.1.2-16] [MQTT-3.1.2-18] [MQTT-3.1.3-3]
///
/// Without will, user name or password: the flags say so, Will QoS / Will Retain are 0, and
/// the payload is the client identifier alone (5.0: an empty property block is a length 0).
#[test]
fn connect_without_will_or_credentials_has_zero_flags_and_only_the_client_id() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.session.connect(h.now).unwrap();
        h.drive();
        let body = connect_body(&mut h);
        let mut b = Body(&body);
        assert_eq!(b.field(), b"MQTT");
        assert_eq!(b.u8(), v.level());
        assert_eq!(b.u8(), 0x02, "{v}: only Clean Start; will, QoS, retain, user, password bits 0");
        assert_eq!(b.u16(), 10);
        if v.is_v5() {
            let props = b.properties();
            // Receive Maximum (0x21) 64, Maximum Packet Size (0x27), Topic Alias Maximum (0x22).
            assert!(props.contains(&0x27), "{props:?}");
        }
        assert_eq!(b.field(), b"client-1", "{v}: the client id is the first payload field");
        assert!(b.rest().is_empty(), "{v}: nothing after the client id: {:?}", b.rest());
    }
}

/// 3.1.1: [MQTT-3.1.2-19] [MQTT-3.1.2-21] [MQTT-3.1.3-1] [MQTT-3.1.3-3] [MQTT-3.1.3-10]
/// 5.0: [MQTT-3.1.2-9] [MQTT-3.1.2-12] [MQTT-3.1.2-17] [MQTT-3.1.2-19] [MQTT-3.1.3-1]
/// [MQTT-3.1.3-3] [MQTT-3.1.3-4] [MQTT-3.1.3-11]
///
/// Will, user name and password: every flag set, and the payload in the order client id,
/// (5.0: will properties), will topic, will payload, user name, password.
#[test]
fn connect_payload_fields_follow_the_flags_in_order() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        let mut will = WillConfig::new("will/t", b"gone".to_vec(), QoS::AtLeastOnce);
        will.retain = true;
        will.delay_interval = Some(7);
        cfg.will = Some(will);
        cfg.username = Some("user".into());
        cfg.password = Some(b"pw".into());
        let mut h = Harness::new(cfg);
        h.session.connect(h.now).unwrap();
        h.drive();
        let body = connect_body(&mut h);
        let mut b = Body(&body);
        b.field();
        b.u8();
        // User name, password, will retain, will QoS 1, will flag, clean start.
        assert_eq!(b.u8(), 0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02, "{v}");
        b.u16();
        if v.is_v5() {
            b.properties();
        }
        assert_eq!(b.field(), b"client-1");
        if v.is_v5() {
            // Will Delay Interval (0x18) = 7.
            assert_eq!(b.properties(), &[0x18, 0, 0, 0, 7]);
        }
        assert_eq!(b.field(), b"will/t");
        assert_eq!(b.field(), b"gone");
        assert_eq!(b.field(), b"user");
        assert_eq!(b.field(), b"pw");
        assert!(b.rest().is_empty(), "{v}");
    }
}

/// 3.1.1: [MQTT-2.2.2-1] [MQTT-2.3.1-5] [MQTT-3.3.1-2] [MQTT-4.3.1-1] [MQTT-4.3.2-1]
/// [MQTT-4.3.2-2] [MQTT-4.3.3-1] [MQTT-4.3.3-2]
/// 5.0: [MQTT-2.1.3-1] [MQTT-2.2.1-2] [MQTT-2.2.2-1] [MQTT-3.3.1-2] [MQTT-4.3.1-1] [MQTT-4.3.2-1]
/// [MQTT-4.3.2-2] [MQTT-4.3.3-1] [MQTT-4.3.3-2]
/// 3.1.1: [MQTT-3.3.2-1] 5.0: [MQTT-3.3.2-1]
///
/// Fixed-header flags of everything the client sends: a first PUBLISH has DUP 0 (QoS 0: no
/// packet identifier; QoS 1 / 2: a fresh non-zero one), SUBSCRIBE, UNSUBSCRIBE and PUBREL
/// carry 0b0010, the rest 0.
#[test]
fn fixed_header_flags_dup_and_packet_ids_of_new_packets() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        h.take_raw();
        h.session.publish(h.now, &Outgoing::new("a", b"0", QoS::AtMostOnce)).unwrap();
        h.session.publish(h.now, &Outgoing::new("a", b"1", QoS::AtLeastOnce)).unwrap();
        h.session.publish(h.now, &Outgoing::new("a", b"2", QoS::ExactlyOnce).retain(true)).unwrap();
        h.session.subscribe(h.now, &[("s", SubscriptionOptions::new(QoS::AtMostOnce))]).unwrap();
        h.session.unsubscribe(h.now, &["s"]).unwrap();
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().filter_map(|p| p.0).collect();
        h.pubrec(ids[1]);
        h.advance(10_000);
        let raw = h.take_raw();
        let f = frames(&raw);
        let firsts: Vec<u8> = f.iter().map(|(b, _)| *b).collect();
        assert_eq!(firsts, vec![0x30, 0x32, 0x35, 0x82, 0xA2, 0x62, 0xC0], "{v}");
        // QoS 0: topic, (properties), payload: no packet identifier.
        let mut b = Body(&f[0].1);
        assert_eq!(b.field(), b"a");
        if v.is_v5() {
            assert_eq!(b.properties(), &[] as &[u8]);
        }
        assert_eq!(b.rest(), b"0", "{v}");
        // QoS 1 and 2: distinct non-zero identifiers.
        let id = |body: &[u8]| {
            let mut b = Body(body);
            b.field();
            b.u16()
        };
        let (id1, id2) = (id(&f[1].1), id(&f[2].1));
        assert!(id1 != 0 && id2 != 0 && id1 != id2, "{v}");
        assert_eq!(ids, vec![id1, id2]);
    }
}

/// 3.1.1: [MQTT-2.3.1-6] [MQTT-4.6.0-4] 5.0: [MQTT-2.2.1-5] [MQTT-4.3.3-4] [MQTT-4.6.0-4]
/// [MQTT-3.6.2-1]
///
/// PUBREL carries the PUBLISH's packet identifier, is sent on PUBREC, and PUBRELs go out in
/// the order the PUBRECs came in, not the order of the PUBLISHes.
#[test]
fn pubrel_answers_pubrec_in_pubrec_order_with_the_publish_id() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        for i in 0..3u8 {
            h.session.publish(h.now, &Outgoing::new("a", &[i], QoS::ExactlyOnce)).unwrap();
        }
        h.drive();
        let ids: Vec<u16> = publishes(&h.take_inbox()).iter().filter_map(|p| p.0).collect();
        for &i in [ids[2], ids[0], ids[1]].iter() {
            h.pubrec(i);
        }
        let rels: Vec<(u16, ReasonCode)> = h
            .take_inbox()
            .iter()
            .map(|p| match p {
                Packet::PubRel(a) => (a.packet_id.get(), a.reason),
                other => panic!("{v}: {other:?}"),
            })
            .collect();
        let s = ReasonCode::Success;
        assert_eq!(rels, vec![(ids[2], s), (ids[0], s), (ids[1], s)], "{v}");
    }
}

/// 3.1.1: [MQTT-3.14.4-2] 5.0: [MQTT-3.14.4-1] [MQTT-3.14.4-2]
/// 3.1.1: [MQTT-3.14.4-1] [MQTT-3.14.1-1]
///
/// After DISCONNECT the client sends nothing more on that connection (not even the ack of a
/// message the application acknowledges late), then closes it.
#[test]
fn nothing_is_sent_after_disconnect_not_even_a_late_manual_ack() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.ack_mode = AckMode::Manual;
        let mut h = Harness::new(cfg);
        h.connect(false);
        h.publish_to_client("m", b"x", QoS::AtLeastOnce, 3);
        let token = match h.take_events().as_slice() {
            [Ev::Message { ack: Some(t), .. }] => *t,
            other => panic!("{other:?}"),
        };
        h.take_raw();
        h.session.disconnect(h.now, &DisconnectOptions::default()).unwrap();
        // The application acks before the driver has written the DISCONNECT.
        let _ = h.session.ack(h.now, token);
        h.session.handle_timeout(h.now);
        h.drive();
        let raw = h.take_raw();
        assert_eq!(raw, vec![0xE0, 0x00], "{v}: DISCONNECT and nothing after it");
        assert_eq!(h.actions.last(), Some(&sansmqtt_session::Action::Close));
        assert!(!h.open);
    }
}

/// 5.0: [MQTT-3.14.2-1]
///
/// A client's DISCONNECT uses only the reason codes a client may send; a server-only code
/// (e.g. 0x8B Server shutting down) is refused locally and the connection stays up.
#[test]
fn v5_disconnect_with_a_server_only_reason_is_refused_locally() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    for code in [ReasonCode::ServerShuttingDown, ReasonCode::NotAuthorized, ReasonCode::GrantedQoS1] {
        let mut opts = DisconnectOptions::default();
        opts.reason = code;
        let r = h.session.disconnect(h.now, &opts);
        assert!(matches!(r, Err(Error::Encode(_))), "{code:?}: {r:?}");
    }
    h.drive();
    assert!(h.take_inbox().is_empty());
    assert_eq!(h.session.state(), State::Connected);
    for code in
        [ReasonCode::DisconnectWithWillMessage, ReasonCode::UnspecifiedError, ReasonCode::PacketTooLarge]
    {
        assert!(code.allowed_in(sansmqtt_proto::PacketType::Disconnect));
    }
    let mut opts = DisconnectOptions::default();
    opts.reason = ReasonCode::DisconnectWithWillMessage;
    h.session.disconnect(h.now, &opts).unwrap();
    h.drive();
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Disconnect(d)] if d.reason == ReasonCode::DisconnectWithWillMessage)
    );
}

/// 5.0: a Session Expiry Interval in DISCONNECT needs a non-zero one in CONNECT (§3.14.2.2.2):
/// otherwise it is refused locally.
#[test]
fn v5_disconnect_session_expiry_after_connect_with_zero_is_refused_locally() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    let mut opts = DisconnectOptions::default();
    opts.session_expiry_interval = Some(30);
    assert!(matches!(h.session.disconnect(h.now, &opts), Err(Error::Encode(_))));
    assert_eq!(h.session.state(), State::Connected);
    // Zero (the same as CONNECT's) is allowed.
    opts.session_expiry_interval = Some(0);
    h.session.disconnect(h.now, &opts).unwrap();
    h.drive();
    assert!(
        matches!(h.take_inbox().as_slice(), [Packet::Disconnect(d)] if d.properties.session_expiry_interval == Some(0))
    );
}

/// 5.0: [MQTT-3.14.2-3]
///
/// The Reason String is left out of DISCONNECT when it would exceed the server's Maximum
/// Packet Size; the DISCONNECT itself still goes.
#[test]
fn v5_disconnect_reason_string_is_dropped_over_the_server_maximum_packet_size() {
    for (max, kept) in [(20u32, false), (200, true)] {
        let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
        let mut p = ConnAckProperties::default();
        p.maximum_packet_size = std::num::NonZeroU32::new(max);
        h.connect_with(false, p);
        h.take_raw();
        let mut opts = DisconnectOptions::default();
        opts.reason = ReasonCode::UnspecifiedError;
        opts.reason_string = Some("a rather long explanation of why".into());
        h.session.disconnect(h.now, &opts).unwrap();
        h.drive();
        let raw = h.take_raw();
        assert!(raw.len() <= max as usize, "{raw:?}");
        match h.take_inbox().as_slice() {
            [Packet::Disconnect(d)] => {
                assert_eq!(d.reason, ReasonCode::UnspecifiedError);
                assert_eq!(d.properties.reason_string.is_some(), kept, "max {max}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// 5.0: [MQTT-3.3.4-6]
///
/// A PUBLISH from the client never carries a Subscription Identifier: refused locally.
#[test]
fn v5_publish_with_a_subscription_identifier_is_refused_locally() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    let ids = [sansmqtt_proto::SubscriptionId::new(5).unwrap()];
    let mut msg = Outgoing::new("a", b"x", QoS::AtLeastOnce);
    msg.properties.subscription_identifiers = sansmqtt_proto::property::SubscriptionIds::new(&ids);
    let r = h.session.publish(h.now, &msg);
    assert!(matches!(r, Err(Error::Encode(_))), "{r:?}");
    h.drive();
    assert!(h.take_inbox().is_empty());
    assert_eq!(h.session.queued() + h.session.inflight(), 0);
}
