//! Fuzz target bodies. `fuzz/fuzz_targets/*.rs` are one-line calls into these, and the
//! workspace tests replay the checked-in corpus through them on stable Rust. Each function
//! panics exactly when it finds a bug.
//!
//! Failures here are the point: this module is compiled only with the `fuzzing` feature (never
//! in a build that talks to a peer), and each `assert!` or call to `broken` reports a broken
//! invariant to the fuzzer or to the corpus-replay test. Nothing on the protocol path calls
//! into it.

use crate::{DecodeError, Decoded, EncodeError, FixedHeader, Packet, PacketType, ProtocolVersion, Status};
use alloc::vec::Vec;
use arbitrary::{Arbitrary, Unstructured};

/// Decode arbitrary bytes under every version: never panics; whatever decodes re-encodes
/// canonically, decodes to the same packet, and decodes the same from a shared buffer.
pub fn decode(data: &[u8]) {
    for version in ProtocolVersion::ALL {
        let Ok(Status::Complete(Decoded { packet, len })) = Packet::decode(data, version) else {
            continue;
        };
        assert!(len <= data.len());
        check_reencode(&packet, version);
        let shared = bytes::Bytes::copy_from_slice(data);
        match Packet::decode_shared(&shared, version) {
            Ok(Status::Complete(d)) => assert_eq!(d.packet, packet),
            other => broken(format_args!("decode_shared disagrees: {other:?}")),
        }
        assert_eq!(packet.clone().into_owned(), packet);
        // The size limit: the exact size passes, one byte less is refused from the header.
        // A frame is at most 5 + 268,435,455 bytes, so it always fits.
        let Ok(exact) = u32::try_from(len) else { broken(format_args!("a frame of {len} bytes")) };
        match Packet::decode_with_limit(data, version, exact) {
            Ok(Status::Complete(d)) => assert_eq!((d.len, &d.packet), (len, &packet)),
            other => broken(format_args!("decode_with_limit(exact size) disagrees: {other:?}")),
        }
        assert_eq!(
            Packet::decode_with_limit(data, version, exact - 1),
            Err(DecodeError::PacketTooLarge { size: len, max: exact - 1 })
        );
        // Every strict prefix is incomplete, never an error; once the fixed header is in,
        // `needed` is exactly the number of missing bytes.
        let header = match crate::FixedHeader::parse(data) {
            Ok(Status::Complete(h)) => usize::from(h.header_len),
            other => broken(format_args!("a decoded packet has a fixed header: {other:?}")),
        };
        for cut in [0, 1, header.saturating_sub(1), header, len / 2, len - 1] {
            if cut < len {
                let Ok(Status::Incomplete { needed }) = Packet::decode(&data[..cut], version) else {
                    broken(format_args!("prefix {cut} of {len} is not Incomplete"));
                };
                if cut >= header {
                    assert_eq!(needed.get(), len - cut);
                } else {
                    assert!(cut + needed.get() <= len);
                }
            }
        }
    }
}

/// Report a broken invariant: the only way a fuzz body fails, and the only panic of the
/// fuzzing modules (this one and `sansmqtt_session::fuzzing`). Not reachable from a peer's
/// bytes: these modules exist only with the `fuzzing` feature and are called only by the fuzz
/// targets and the corpus-replay tests, never by the protocol path.
#[track_caller]
pub fn broken(what: core::fmt::Arguments<'_>) -> ! {
    panic!("broken invariant: {what}")
}

fn check_reencode(packet: &Packet<'_>, version: ProtocolVersion) {
    let n = match packet.encoded_len(version) {
        Ok(n) => n,
        Err(e) => broken(format_args!("a decoded packet does not re-encode: {e:?}")),
    };
    let mut buf = alloc::vec![0u8; n];
    assert_eq!(packet.encode(version, &mut buf), Ok(n));
    match Packet::decode(&buf, version) {
        Ok(Status::Complete(d)) => {
            assert_eq!(d.len, n);
            assert_eq!(&d.packet, packet);
        }
        other => broken(format_args!("re-encoded packet does not decode: {other:?}")),
    }
}

/// Arbitrary packet → encode → decode → equal; `encoded_len` exact; a buffer one byte short
/// fails with `BufferTooSmall` and stays untouched.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(version) = ProtocolVersion::arbitrary(&mut u) else { return };
    let Ok(packet) = Packet::arbitrary(&mut u) else { return };
    roundtrip_packet(&packet, version);
}

/// The roundtrip property for one packet (shared with the property tests).
pub fn roundtrip_packet(packet: &Packet<'_>, version: ProtocolVersion) {
    let server_only = matches!(
        packet.packet_type(),
        PacketType::ConnAck | PacketType::SubAck | PacketType::UnsubAck | PacketType::PingResp
    );
    let mut client = alloc::vec![7u8];
    let n = match packet.encoded_len(version) {
        Ok(n) => n,
        Err(e) => {
            let mut buf = [0xAAu8; 64];
            assert_eq!(packet.encode(version, &mut buf), Err(e));
            assert!(buf.iter().all(|&b| b == 0xAA), "failed encode wrote");
            assert!(packet.encode_to_vec_client(version, &mut client).is_err());
            assert_eq!(client, [7], "failed client encode wrote");
            return;
        }
    };
    let mut buf = alloc::vec![0u8; n];
    assert_eq!(packet.encode(version, &mut buf), Ok(n));
    let mut short = alloc::vec![0x55u8; n - 1];
    assert_eq!(packet.encode(version, &mut short), Err(EncodeError::BufferTooSmall { needed: n }));
    assert!(short.iter().all(|&b| b == 0x55), "short buffer was written");
    let mut v = Vec::new();
    assert_eq!(packet.encode_to_vec(version, &mut v), Ok(n));
    assert_eq!(v, buf);
    if server_only {
        let refused = Err(EncodeError::ServerOnlyPacket(packet.packet_type()));
        assert_eq!(packet.encode_to_vec_client(version, &mut client), refused);
        assert_eq!(client, [7], "refused client encode wrote");
    } else {
        assert_eq!(packet.encode_to_vec_client(version, &mut client), Ok(n));
        assert_eq!(client[1..], buf[..], "client encode differs");
    }
    if let Packet::Publish(p) = packet {
        let mut head = alloc::vec![0u8; n];
        let h = match p.encode_header(version, &mut head) {
            Ok(h) => h,
            Err(e) => broken(format_args!("the header does not encode when the packet does: {e:?}")),
        };
        assert_eq!(h + p.payload.len(), n);
        assert_eq!(&head[..h], &buf[..h]);
    }
    match Packet::decode(&buf, version) {
        Ok(Status::Complete(d)) => {
            assert_eq!(d.len, n);
            assert_eq!(&d.packet, packet, "roundtrip changed the packet");
        }
        other => broken(format_args!("encoded packet does not decode: {other:?} from {buf:?}")),
    }
    if let Ok(Status::Complete(h)) = FixedHeader::parse(&buf) {
        let body = &buf[usize::from(h.header_len)..];
        match Packet::decode_body_client(h, body, version) {
            Err(DecodeError::ClientOnlyPacket(t)) => assert!(t.is_client_only(), "{t} refused"),
            Ok(p) => {
                assert!(!p.packet_type().is_client_only(), "client decoded a {}", p.packet_type());
                assert_eq!(&p, packet, "client decode changed the packet");
            }
            other => broken(format_args!("client decode: {other:?}")),
        }
    }
}

/// A buffer fed in chunks, decoding every complete packet: what a driver does.
pub fn decode_chunked(
    stream: &[u8],
    version: ProtocolVersion,
    chunks: impl IntoIterator<Item = usize>,
) -> (Vec<Packet<'static>>, Option<DecodeError>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut chunks = chunks.into_iter();
    while fed < stream.len() {
        let n = chunks.next().unwrap_or(stream.len()).clamp(1, stream.len() - fed);
        buf.extend_from_slice(&stream[fed..fed + n]);
        fed += n;
        loop {
            match Packet::decode(&buf, version) {
                Ok(Status::Complete(d)) => {
                    let len = d.len;
                    out.push(d.packet.into_owned());
                    buf.drain(..len);
                }
                Ok(Status::Incomplete { needed }) => {
                    assert!(needed.get() >= 1);
                    break;
                }
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

/// Many arbitrary packets encoded into one stream and fed back at arbitrary split points
/// decode to the same packets, in order.
pub fn stream(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(version) = ProtocolVersion::arbitrary(&mut u) else { return };
    let Ok(packets) = Vec::<Packet<'_>>::arbitrary(&mut u) else { return };
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for p in &packets {
        if p.encode_to_vec(version, &mut wire).is_ok() {
            expected.push(p.clone());
        }
    }
    let splits: Vec<usize> = (0..64).map_while(|_| u.int_in_range(1..=64usize).ok()).collect();
    let (got, err) = decode_chunked(&wire, version, splits.into_iter().cycle());
    assert_eq!(err, None);
    assert_eq!(got, expected);
}
