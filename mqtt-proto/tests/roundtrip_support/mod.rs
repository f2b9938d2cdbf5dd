//! Shared by `roundtrip.rs` and `roundtrip_stream.rs`: building one packet of a chosen type
//! from proptest bytes through its own `arbitrary::Arbitrary` impl, and the checks every
//! encodable packet must pass.

#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sansmqtt_proto::{
    Ack, Auth, ConnAck, Connect, DecodeError, Decoded, Disconnect, EncodeError, FixedHeader, Packet,
    PacketType, ProtocolVersion, Publish, Status, SubAck, Subscribe, UnsubAck, Unsubscribe, fuzzing,
};

/// Every packet type, in wire order.
pub(crate) const TYPES: [PacketType; 15] = PacketType::ALL;

/// Build a packet of type `t` with that packet struct's own `Arbitrary` impl.
pub(crate) fn build<'a>(t: PacketType, u: &mut Unstructured<'a>) -> arbitrary::Result<Packet<'a>> {
    Ok(match t {
        PacketType::Connect => Packet::Connect(Connect::arbitrary(u)?),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::arbitrary(u)?),
        PacketType::Publish => Packet::Publish(Publish::arbitrary(u)?),
        PacketType::PubAck => Packet::PubAck(Ack::arbitrary(u)?),
        PacketType::PubRec => Packet::PubRec(Ack::arbitrary(u)?),
        PacketType::PubRel => Packet::PubRel(Ack::arbitrary(u)?),
        PacketType::PubComp => Packet::PubComp(Ack::arbitrary(u)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::arbitrary(u)?),
        PacketType::SubAck => Packet::SubAck(SubAck::arbitrary(u)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::arbitrary(u)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::arbitrary(u)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => Packet::Disconnect(Disconnect::arbitrary(u)?),
        PacketType::Auth => Packet::Auth(Auth::arbitrary(u)?),
    })
}

/// Random bytes for `arbitrary::Unstructured` (long enough for the richest packets).
pub(crate) fn raw() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..=1536)
}

/// Cases per (type, version): at least 512, more if `PROPTEST_CASES` asks for more.
pub(crate) fn cases() -> u32 {
    Config::default().cases.max(512)
}

pub(crate) fn runner() -> TestRunner {
    TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() })
}

/// The size of the fixed header at the front of `buf`.
pub(crate) fn header_len(buf: &[u8]) -> usize {
    match FixedHeader::parse(buf) {
        Ok(Status::Complete(h)) => usize::from(h.header_len),
        other => panic!("no complete fixed header in {buf:?}: {other:?}"),
    }
}

/// All the properties of one packet. Returns whether it encodes for `version`.
///
/// - encode → decode is the identity, `encoded_len` is exact, a short buffer fails cleanly
///   (`fuzzing::roundtrip_packet`);
/// - `decode_shared` and `into_owned` give the same packet;
/// - every strict prefix is `Incomplete`; `needed` never overshoots, and is exactly the
///   missing count once the fixed header is complete;
/// - `decode_with_limit` accepts the packet at its exact size and rejects it (from any
///   prefix holding the fixed header) one byte below;
/// - bytes after the packet are left alone.
pub(crate) fn check_packet(packet: &Packet<'_>, version: ProtocolVersion) -> bool {
    fuzzing::roundtrip_packet(packet, version);
    assert_eq!(packet.clone().into_owned(), *packet, "into_owned changed the packet");
    let Ok(n) = packet.encoded_len(version) else {
        return false;
    };
    let mut buf = Vec::new();
    assert_eq!(packet.encode_to_vec(version, &mut buf), Ok(n));
    assert_eq!(buf.len(), n);

    // `bytes::BufMut` encoding: exact fit works, one byte short writes nothing.
    let mut out = vec![0u8; n];
    assert_eq!(packet.encode_to(version, &mut &mut out[..]), Ok(n));
    assert_eq!(out, buf);
    let mut short = vec![0u8; n - 1];
    assert_eq!(
        packet.encode_to(version, &mut &mut short[..]),
        Err(EncodeError::BufferTooSmall { needed: n })
    );
    assert!(short.iter().all(|&b| b == 0));

    let shared = bytes::Bytes::from(buf.clone());
    match Packet::decode_shared(&shared, version) {
        Ok(Status::Complete(Decoded { packet: p, len })) => {
            assert_eq!(len, n);
            assert_eq!(p, *packet, "decode_shared differs");
        }
        other => panic!("decode_shared: {other:?}"),
    }
    match Packet::decode(&buf, version) {
        Ok(Status::Complete(Decoded { packet: p, len })) => {
            assert_eq!(len, n);
            assert_eq!(p.into_owned(), *packet, "decoded into_owned differs");
        }
        other => panic!("decode: {other:?}"),
    }

    let header = header_len(&buf);
    let limit = u32::try_from(n).unwrap();
    assert!(matches!(Packet::decode_with_limit(&buf, version, limit), Ok(Status::Complete(_))));
    for k in 0..n {
        let prefix = &buf[..k];
        let needed = match Packet::decode(prefix, version) {
            Ok(Status::Incomplete { needed }) => needed.get(),
            other => panic!("prefix {k}/{n} of {buf:?}: {other:?}"),
        };
        if k >= header {
            assert_eq!(needed, n - k, "prefix {k}/{n}: needed is not the missing count");
            assert_eq!(
                Packet::decode_with_limit(prefix, version, limit - 1),
                Err(DecodeError::PacketTooLarge { size: n, max: limit - 1 })
            );
        } else {
            assert!(k + needed <= n, "prefix {k}/{n}: needed {needed} overshoots");
        }
        assert_eq!(
            Packet::decode_with_limit(prefix, version, limit),
            Packet::decode(prefix, version),
            "a limit equal to the size changes nothing"
        );
    }

    // A following packet's bytes do not change this one.
    let mut longer = buf.clone();
    longer.extend_from_slice(&[0xC0, 0x00, 0x30]);
    match Packet::decode(&longer, version) {
        Ok(Status::Complete(Decoded { packet: p, len })) => {
            assert_eq!(len, n);
            assert_eq!(p, *packet);
        }
        other => panic!("decode with trailing bytes: {other:?}"),
    }
    true
}
