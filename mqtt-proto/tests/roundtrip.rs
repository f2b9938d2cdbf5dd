//! Property tests, one per packet type, each over every protocol version.
//!
//! Random bytes from proptest go through `arbitrary::Unstructured` into that packet
//! struct's own `Arbitrary` impl (`Connect::arbitrary`, `Publish::arbitrary`, ...). Every
//! generated packet that encodes must roundtrip exactly (see `roundtrip_support::check_packet`),
//! and every one that does not must fail without writing. Each test also counts how many
//! generated packets encode, per version, and fails when too few do: a roundtrip test
//! whose inputs are all rejected proves nothing.
//!
//! `cargo test --test roundtrip -- --nocapture` prints the encodable share of each
//! (type, version).

mod roundtrip_support;

use arbitrary::Unstructured;
use roundtrip_support::{TYPES, build, check_packet, raw, runner};
use sansmqtt_proto::{EncodeError, Packet, PacketType, ProtocolVersion};
use std::cell::Cell;

/// The least share of generated packets (in percent) that must encode for one
/// (type, version) pair that can carry the type at all. The seeds are random: UNSUBACK under
/// 3.x (no reason codes or properties there) ranges over about 34-41 %, so 35 failed now and
/// then; 25 still fails a generator whose packets mostly do not encode.
const MIN_ENCODABLE_PERCENT: usize = 25;

/// Roundtrip packets of type `t` under every version; returns `(encoded, generated)` per version.
fn roundtrip_type(t: PacketType) -> Vec<(ProtocolVersion, usize, usize)> {
    let mut shares = Vec::new();
    for version in ProtocolVersion::ALL {
        let generated = Cell::new(0usize);
        let encoded = Cell::new(0usize);
        let result = runner().run(&raw(), |data| {
            let mut u = Unstructured::new(&data);
            let Ok(packet) = build(t, &mut u) else { return Ok(()) };
            assert_eq!(packet.packet_type(), t);
            generated.set(generated.get() + 1);
            if check_packet(&packet, version) {
                encoded.set(encoded.get() + 1);
            } else if t == PacketType::Auth && !version.is_v5() {
                assert!(matches!(packet.encoded_len(version), Err(EncodeError::Unsupported { .. })));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{t} under {version}: {e}");
        }
        let (enc, total) = (encoded.get(), generated.get());
        eprintln!("{t:>11} {version:<10}: {enc:>4}/{total:<4} encodable ({}%)", enc * 100 / total.max(1));
        assert!(total > 0, "{t} under {version}: nothing generated");
        if t == PacketType::Auth && !version.is_v5() {
            assert_eq!(enc, 0, "AUTH encoded for {version}");
        } else {
            assert!(
                enc * 100 >= total * MIN_ENCODABLE_PERCENT,
                "{t} under {version}: only {enc} of {total} generated packets encode"
            );
        }
        shares.push((version, enc, total));
    }
    shares
}

macro_rules! roundtrip_tests {
    ($($name:ident => $t:ident,)*) => {$(
        #[test]
        fn $name() {
            roundtrip_type(PacketType::$t);
        }
    )*};
}

roundtrip_tests! {
    roundtrip_connect => Connect,
    roundtrip_connack => ConnAck,
    roundtrip_publish => Publish,
    roundtrip_puback => PubAck,
    roundtrip_pubrec => PubRec,
    roundtrip_pubrel => PubRel,
    roundtrip_pubcomp => PubComp,
    roundtrip_subscribe => Subscribe,
    roundtrip_suback => SubAck,
    roundtrip_unsubscribe => Unsubscribe,
    roundtrip_unsuback => UnsubAck,
    roundtrip_pingreq => PingReq,
    roundtrip_pingresp => PingResp,
    roundtrip_disconnect => Disconnect,
    roundtrip_auth => Auth,
}

/// The packet-level `Arbitrary` (what the `roundtrip` and `stream` fuzz targets use) yields
/// every type, and most of what it yields encodes for some version.
#[test]
fn packet_arbitrary_covers_every_type() {
    let seen = Cell::new([0usize; 16]);
    let encodable = Cell::new(0usize);
    let generated = Cell::new(0usize);
    let mut runner = runner();
    runner
        .run(&proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..=1536), |data| {
            let mut u = Unstructured::new(&data);
            let Ok(packet) = <Packet<'_> as arbitrary::Arbitrary>::arbitrary(&mut u) else { return Ok(()) };
            let mut s = seen.get();
            s[packet.packet_type() as usize] += 1;
            seen.set(s);
            generated.set(generated.get() + 1);
            if ProtocolVersion::ALL.iter().any(|&v| check_packet(&packet, v)) {
                encodable.set(encodable.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    for t in TYPES {
        assert!(seen.get()[t as usize] > 0, "Packet::arbitrary never produced {t}");
    }
    assert!(encodable.get() * 2 >= generated.get(), "{} of {}", encodable.get(), generated.get());
}
