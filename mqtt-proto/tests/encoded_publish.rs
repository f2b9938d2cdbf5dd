//! `EncodedPublish`: after each change, the bytes decode as the expected packet.
//!
//! A property test over arbitrary PUBLISH packets (every version), and an exhaustive one over
//! every PUBLISH property layout, QoS, version and payload sizes at the Remaining Length
//! boundaries (1, 2 and 3 bytes, and the ones where removing the packet identifier shortens it).

mod roundtrip_support;

use arbitrary::{Arbitrary, Unstructured};
use roundtrip_support::{raw, runner};
use sansmqtt_proto::property::{PublishProperties, SubscriptionIds, UserProperties, UserProperty};
use sansmqtt_proto::{
    Bin, Delivery, EncodedPublish, Packet, PacketId, PayloadFormat, ProtocolVersion, Publish, QoS, Status,
    SubscriptionId, TopicName, Utf8,
};
use std::cell::Cell;
use std::num::NonZeroU16;

/// The packet `bytes` decode as (exactly all of them).
fn decode(bytes: &[u8], version: ProtocolVersion) -> Publish<'_> {
    match Packet::decode(bytes, version) {
        Ok(Status::Complete(d)) => {
            assert_eq!(d.len, bytes.len(), "trailing bytes");
            match d.packet {
                Packet::Publish(p) => p,
                other => panic!("not a PUBLISH: {other:?}"),
            }
        }
        other => panic!("{bytes:?} does not decode: {other:?}"),
    }
}

fn with_qos(delivery: Delivery, qos: QoS) -> Delivery {
    let id = delivery.packet_id().unwrap_or(PacketId::new(1).unwrap());
    match qos {
        QoS::AtMostOnce => Delivery::AtMostOnce,
        QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
        QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
    }
}

fn check(e: &EncodedPublish, expected: &Publish<'_>, version: ProtocolVersion, what: &str) {
    let got = decode(e.as_bytes(), version);
    assert_eq!(&got, expected, "{version} after {what}");
    assert_eq!(Ok(e.as_bytes().len()), expected.encoded_len(version), "{version} after {what}");
    let mut again = Vec::new();
    Packet::Publish(expected.clone()).encode_to_vec(version, &mut again).unwrap();
    assert_eq!(e.as_bytes(), &again[..], "{version} after {what}: not what the encoder writes");
    assert_eq!(e.qos(), expected.qos());
    assert_eq!(e.retain(), expected.retain);
    assert_eq!(e.dup(), expected.dup);
    assert_eq!(e.packet_id(), expected.packet_id());
    assert_eq!(e.message_expiry_interval(), expected.properties.message_expiry_interval);
}

/// Every method on the encoded form of `p`, alone and then in sequence, against the decoder.
/// Returns whether `p` encodes for `version`.
fn check_all(p: &Publish<'_>, version: ProtocolVersion) -> bool {
    let mut buf = Vec::with_capacity(7);
    let Ok(e) = EncodedPublish::encode(p, version, &mut buf) else {
        assert!(p.encoded_len(version).is_err());
        assert!(buf.is_empty());
        return false;
    };
    assert!(buf.is_empty());
    check(&e, p, version, "encode");

    let id = PacketId::new(p.packet_id().map_or(0xBEEF, |i| i.get() ^ 0x5A5A).max(1)).unwrap();
    let mut x = e.clone();
    x.set_packet_id(id);
    let mut want = p.clone();
    if p.qos() != QoS::AtMostOnce {
        want.delivery = with_qos(Delivery::AtLeastOnce(id), p.qos());
    }
    check(&x, &want, version, "set_packet_id");

    for dup in [false, true] {
        let mut x = e.clone();
        x.set_dup(dup);
        let mut want = p.clone();
        if p.qos() != QoS::AtMostOnce {
            want.dup = dup;
        }
        check(&x, &want, version, "set_dup");
    }

    let mut x = e.clone();
    x.clear_retain();
    let mut want = p.clone();
    want.retain = false;
    check(&x, &want, version, "clear_retain");

    for secs in [0, 1, 0x7F, 0xFFFF_FFFF] {
        let mut x = e.clone();
        let has = x.set_message_expiry_interval(secs);
        assert_eq!(has, p.properties.message_expiry_interval.is_some());
        let mut want = p.clone();
        if has {
            want.properties.message_expiry_interval = Some(secs);
        }
        check(&x, &want, version, "set_message_expiry_interval");
    }

    for max in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let mut x = e.clone();
        x.lower_qos(max);
        let mut want = p.clone();
        if p.qos() > max {
            want.delivery = with_qos(p.delivery, max);
            want.dup &= max != QoS::AtMostOnce;
        }
        check(&x, &want, version, "lower_qos");
        // The offsets still hold after the packet changed size.
        x.set_packet_id(id);
        x.set_dup(true);
        x.clear_retain();
        let expiry = x.set_message_expiry_interval(42);
        if want.qos() != QoS::AtMostOnce {
            want.delivery = with_qos(Delivery::AtLeastOnce(id), want.qos());
            want.dup = true;
        }
        want.retain = false;
        if expiry {
            want.properties.message_expiry_interval = Some(42);
        }
        check(&x, &want, version, "lower_qos, then every setter");
        assert_eq!(x.clone().into_vec(), x.as_bytes());
    }
    true
}

#[test]
fn arbitrary_publish_packets() {
    for version in ProtocolVersion::ALL {
        let (generated, encoded) = (Cell::new(0usize), Cell::new(0usize));
        runner()
            .run(&raw(), |data| {
                let mut u = Unstructured::new(&data);
                let Ok(p) = Publish::arbitrary(&mut u) else { return Ok(()) };
                generated.set(generated.get() + 1);
                if check_all(&p, version) {
                    encoded.set(encoded.get() + 1);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert!(
            encoded.get() * 4 >= generated.get(),
            "{version}: {} of {} encode",
            encoded.get(),
            generated.get()
        );
    }
}

/// Every subset of the PUBLISH properties, every QoS, RETAIN and DUP, every version, with
/// payloads around the Remaining Length boundaries.
#[test]
fn every_property_layout_and_length() {
    let users = [UserProperty { name: Utf8::new("k").unwrap(), value: Utf8::new("v").unwrap() }];
    let sub_ids = [SubscriptionId::new(300).unwrap()];
    let payload = vec![0xA5u8; 16_400];
    let topic = TopicName::new("a/b").unwrap();
    let mut layouts = 0;
    for version in ProtocolVersion::ALL {
        let masks = if version.is_v5() { 0..256u32 } else { 0..1 };
        for mask in masks {
            let bit = |i: u32| mask & (1 << i) != 0;
            let mut props = PublishProperties::default();
            props.payload_format_indicator = bit(0).then_some(PayloadFormat::Utf8);
            props.message_expiry_interval = bit(1).then_some(3600);
            props.topic_alias = bit(2).then(|| NonZeroU16::new(7).unwrap());
            props.response_topic = bit(3).then(|| TopicName::new("r").unwrap());
            props.correlation_data = bit(4).then(|| Bin::new(b"cd"));
            props.content_type = bit(5).then(|| Utf8::new("t").unwrap());
            if bit(6) {
                props.user_properties = UserProperties::new(&users);
            }
            if bit(7) {
                props.subscription_identifiers = SubscriptionIds::new(&sub_ids);
            }
            for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                let head = Publish {
                    dup: qos != QoS::AtMostOnce,
                    retain: true,
                    delivery: with_qos(Delivery::AtLeastOnce(PacketId::new(0x0102).unwrap()), qos),
                    topic: topic.clone(),
                    properties: props.clone(),
                    payload: Bin::new(b""),
                };
                let fixed = head.encoded_len(version).unwrap() - 2;
                // Remaining Lengths 0-127 (1 byte), 128-16,383 (2), 16,384 and more (3); and
                // those one or two above a boundary, which the identifier's removal crosses.
                let mut sizes = vec![0, 1, 100];
                for boundary in [128usize, 16_384] {
                    for rl in boundary..boundary + 3 {
                        sizes.push(rl.saturating_sub(fixed));
                    }
                }
                sizes.push(16_390 - fixed);
                for n in sizes {
                    let mut p = head.clone();
                    p.payload = Bin::new(&payload[..n]);
                    assert!(check_all(&p, version), "{version} {mask:#x} {qos:?} {n}");
                    layouts += 1;
                }
            }
        }
    }
    assert!(layouts > 6000);
}

/// A 3-byte Remaining Length that becomes a 2-byte one when the identifier goes.
#[test]
fn removing_the_packet_id_shortens_the_fixed_header() {
    let payload = vec![7u8; 16_384 - 7];
    let p = Publish {
        dup: true,
        retain: false,
        delivery: Delivery::ExactlyOnce(PacketId::new(9).unwrap()),
        topic: TopicName::new("abc").unwrap(),
        properties: PublishProperties::default(),
        payload: Bin::new(&payload),
    };
    let mut buf = Vec::new();
    let mut e = EncodedPublish::encode(&p, ProtocolVersion::V3_1_1, &mut buf).unwrap();
    assert_eq!(e.as_bytes().len(), 1 + 3 + 16_384);
    e.lower_qos(QoS::AtMostOnce);
    assert_eq!(e.as_bytes().len(), 1 + 2 + 16_382);
    assert_eq!(e.as_bytes()[..3], [0x30, 0xFE, 0x7F]);
    assert_eq!(e.packet_id(), None);
    assert!(!e.dup());
}

/// A default value holds no packet, and nothing changes it.
#[test]
fn empty_value_is_inert() {
    let mut e = EncodedPublish::default();
    e.set_packet_id(PacketId::new(1).unwrap());
    e.set_dup(true);
    e.clear_retain();
    e.lower_qos(QoS::AtMostOnce);
    assert!(!e.set_message_expiry_interval(1));
    assert!(e.as_bytes().is_empty());
    assert_eq!(e.qos(), QoS::AtMostOnce);
}
