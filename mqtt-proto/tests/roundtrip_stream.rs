//! Property tests for decoding: arbitrary and corrupted bytes never panic (and whatever
//! decodes re-encodes to itself), the size limit agrees with plain decoding, and a stream of
//! packets split at arbitrary points decodes to the same packets.

mod roundtrip_support;

use arbitrary::Unstructured;
use proptest::prelude::*;
use roundtrip_support::{TYPES, build, raw};
use sansmqtt_proto::{DecodeError, Decoded, Packet, PacketType, ProtocolVersion, Status, fuzzing};

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop::sample::select(ProtocolVersion::ALL.to_vec())
}

fn packet_type() -> impl Strategy<Value = PacketType> {
    prop::sample::select(TYPES.to_vec())
}

/// A remaining length, minimally encoded.
fn varint(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let b = (v % 128) as u8;
        v /= 128;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// `decode_with_limit` agrees with `decode` under every version, whatever `data` holds.
fn check_limit_consistency(data: &[u8], limit: u32) {
    for v in ProtocolVersion::ALL {
        let plain = Packet::decode(data, v);
        assert_eq!(Packet::decode_with_limit(data, v, u32::MAX), plain);
        let limited = Packet::decode_with_limit(data, v, limit);
        match &plain {
            Ok(Status::Complete(Decoded { len, .. })) if *len > limit as usize => {
                assert_eq!(limited, Err(DecodeError::PacketTooLarge { size: *len, max: limit }));
            }
            Ok(Status::Complete(_)) => assert_eq!(limited, plain),
            Ok(Status::Incomplete { .. }) => assert!(
                matches!(limited, Ok(Status::Incomplete { .. }) | Err(DecodeError::PacketTooLarge { .. })),
                "{limited:?}"
            ),
            Err(_) => assert!(
                limited == plain || matches!(limited, Err(DecodeError::PacketTooLarge { .. })),
                "{limited:?} vs {plain:?}"
            ),
        }
    }
}

/// An encodable packet of type `t` for `v`, built from `raw`, and its encoding.
fn encoded(t: PacketType, v: ProtocolVersion, raw: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(raw);
    let packet = build(t, &mut u).ok()?;
    let mut buf = Vec::new();
    packet.encode_to_vec(v, &mut buf).ok()?;
    Some(buf)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    /// Plain random bytes.
    #[test]
    fn decode_any_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048), limit: u32) {
        fuzzing::decode(&data);
        check_limit_consistency(&data, limit);
    }

    /// A well-formed fixed header (any type and flags, the right remaining length) over a
    /// random body, so every body decoder sees garbage.
    #[test]
    fn decode_random_bodies_never_panics(
        first: u8,
        body in proptest::collection::vec(any::<u8>(), 0..600),
        extra in proptest::collection::vec(any::<u8>(), 0..8),
        limit: u32,
    ) {
        let mut data = vec![first];
        varint(body.len(), &mut data);
        data.extend_from_slice(&body);
        data.extend_from_slice(&extra);
        fuzzing::decode(&data);
        check_limit_consistency(&data, limit);
    }

    /// Valid packets with a few bytes overwritten, inserted or removed (with the remaining
    /// length optionally fixed up): the decoders' edge cases.
    #[test]
    fn decode_corrupted_packets_never_panics(
        t in packet_type(),
        v in version(),
        raw in raw(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
        fix_length: bool,
        limit: u32,
    ) {
        let Some(mut buf) = encoded(t, v, &raw) else { return Ok(()) };
        for (at, byte, op) in edits {
            let i = at.index(buf.len());
            match op {
                0 => buf[i] = byte,
                1 => buf.insert(i, byte),
                _ if buf.len() > 1 => { buf.remove(i); }
                _ => {}
            }
        }
        if fix_length && buf.len() >= 2 {
            // Re-frame whatever follows the first byte and the (possibly damaged) length.
            let body_start = (1..buf.len().min(5)).find(|&i| buf[i] & 0x80 == 0).map_or(1, |i| i + 1);
            let body = buf[body_start..].to_vec();
            buf.truncate(1);
            varint(body.len(), &mut buf);
            buf.extend_from_slice(&body);
        }
        fuzzing::decode(&buf);
        check_limit_consistency(&buf, limit);
    }

    /// Many packets of any types, encoded back to back and fed in chunks of arbitrary sizes
    /// (and one byte at a time), decode to the same packets in order.
    #[test]
    fn stream_split_anywhere_decodes_the_same(
        v in version(),
        specs in proptest::collection::vec((packet_type(), raw()), 1..24),
        splits in proptest::collection::vec(1..64usize, 0..64),
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (t, raw) in &specs {
            let mut u = Unstructured::new(raw);
            let Ok(p) = build(*t, &mut u) else { continue };
            if p.encode_to_vec(v, &mut wire).is_ok() {
                expected.push(p.into_owned());
            }
        }
        let (got, err) = fuzzing::decode_chunked(&wire, v, splits.iter().copied().cycle());
        prop_assert_eq!(err, None);
        prop_assert_eq!(&got, &expected);
        let (got, err) = fuzzing::decode_chunked(&wire, v, std::iter::repeat(1));
        prop_assert_eq!(err, None);
        prop_assert_eq!(&got, &expected);
        // All at once.
        let (got, err) = fuzzing::decode_chunked(&wire, v, [wire.len()]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, expected);
    }

    /// The fuzz target bodies themselves, on random input.
    #[test]
    fn fuzz_bodies_hold_on_random_input(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        fuzzing::roundtrip(&data);
        fuzzing::stream(&data);
        fuzzing::decode(&data);
    }
}
