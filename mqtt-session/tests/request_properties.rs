//! v5 User Properties on SUBSCRIBE and UNSUBSCRIBE: sent in order, kept when a pending
//! request is sent again (also when its Subscription Identifier must be dropped for a server
//! that does not support them), refused in 3.1.1.
mod support;

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{Packet, ProtocolVersion, QoS, SubscriptionId, SubscriptionOptions};
use sansmqtt_session::Error;
use support::Harness;

const USERS: [(&str, &str); 2] = [("tenant", "blue"), ("trace", "0xBEEF")];

fn users(p: &sansmqtt_proto::property::UserProperties<'_>) -> Vec<(String, String)> {
    p.iter().map(|u| (u.name.as_str().to_string(), u.value.as_str().to_string())).collect()
}

fn expected() -> Vec<(String, String)> {
    USERS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn v5_subscribe_and_unsubscribe_carry_user_properties() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    h.connect(false);
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    h.session.subscribe_with(h.now, &[("a/#", o)], SubscriptionId::new(7), &USERS).unwrap();
    h.session.unsubscribe_with(h.now, &["a/#"], &USERS).unwrap();
    h.drive();
    match h.take_inbox().as_slice() {
        [Packet::Subscribe(s), Packet::Unsubscribe(u)] => {
            assert_eq!(users(&s.properties.user_properties), expected());
            assert_eq!(s.properties.subscription_identifier, SubscriptionId::new(7));
            assert_eq!(users(&u.properties.user_properties), expected());
        }
        other => panic!("{other:?}"),
    }
}

/// A SUBSCRIBE made while offline goes out after the CONNACK; the server supports no
/// Subscription Identifiers, so it goes without one (`LimitPolicy::Downgrade`), re-encoded with
/// its user properties intact.
#[test]
fn v5_a_pending_subscribe_keeps_its_user_properties_when_its_identifier_is_dropped() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V5));
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    h.session.subscribe_with(h.now, &[("a/#", o), ("b", o)], SubscriptionId::new(7), &USERS).unwrap();
    let mut p = ConnAckProperties::default();
    p.subscription_identifiers_available = Some(false);
    h.connect_with(false, p);
    match h.take_inbox().as_slice() {
        [Packet::Subscribe(s)] => {
            assert_eq!(s.properties.subscription_identifier, None);
            assert_eq!(users(&s.properties.user_properties), expected());
            let filters: Vec<String> =
                s.subscriptions.iter().map(|f| f.filter.as_str().to_string()).collect();
            assert_eq!(filters, ["a/#", "b"]);
        }
        other => panic!("{other:?}"),
    }
}

/// 3.1.1 has no properties: refused at once, nothing sent.
#[test]
fn v311_user_properties_on_requests_are_refused() {
    let mut h = Harness::new(Harness::config(ProtocolVersion::V3_1_1));
    h.connect(false);
    let o = SubscriptionOptions::new(QoS::AtLeastOnce);
    assert!(matches!(h.session.subscribe_with(h.now, &[("a", o)], None, &USERS), Err(Error::Encode(_))));
    assert!(matches!(h.session.unsubscribe_with(h.now, &["a"], &USERS), Err(Error::Encode(_))));
    h.drive();
    assert!(h.take_inbox().is_empty());
    // Without properties the same requests go out.
    h.session.subscribe_with(h.now, &[("a", o)], None, &[]).unwrap();
    h.session.unsubscribe_with(h.now, &["a"], &[]).unwrap();
    h.drive();
    assert_eq!(h.take_inbox().len(), 2);
}
