//! Shared helpers for the byte-vector tests: encode to a `Vec`, decode one complete packet,
//! and check that both directions agree with a hand-written vector.
#![allow(dead_code, unreachable_pub)]

use sansmqtt_proto::{DecodeError, EncodeError, Packet, PacketId, ProtocolVersion, Status};

#[allow(unused_imports)]
pub use sansmqtt_proto::ProtocolVersion::{V3_1, V3_1_1, V5};

/// A non-zero packet identifier.
pub fn pid(v: u16) -> PacketId {
    PacketId::new(v).expect("non-zero packet id")
}

/// Encode `p` for `v`; checks that `encoded_len`, `encode` and `encode_to_vec` agree.
pub fn enc(p: &Packet<'_>, v: ProtocolVersion) -> Vec<u8> {
    let n = p.encoded_len(v).unwrap_or_else(|e| panic!("{p:?} does not encode for {v}: {e}"));
    let mut out = Vec::new();
    assert_eq!(p.encode_to_vec(v, &mut out), Ok(n));
    let mut buf = vec![0u8; n + 8];
    assert_eq!(p.encode(v, &mut buf), Ok(n));
    assert_eq!(&buf[..n], &out[..]);
    out
}

/// Decode exactly one complete packet that fills `bytes`.
pub fn dec(bytes: &[u8], v: ProtocolVersion) -> Packet<'_> {
    match Packet::decode(bytes, v) {
        Ok(Status::Complete(d)) => {
            assert_eq!(d.len, bytes.len(), "packet length");
            d.packet
        }
        other => panic!("{bytes:02X?} does not decode for {v}: {other:?}"),
    }
}

/// The error decoding `bytes` gives.
pub fn dec_err(bytes: &[u8], v: ProtocolVersion) -> DecodeError {
    match Packet::decode(bytes, v) {
        Err(e) => e,
        other => panic!("{bytes:02X?} decodes for {v}: {other:?}"),
    }
}

/// The error encoding `p` gives; `encoded_len`, `encode` and `encode_to_vec` must agree, and
/// neither the buffer nor the vector may be touched.
pub fn enc_err(p: &Packet<'_>, v: ProtocolVersion) -> EncodeError {
    let e = p.encoded_len(v).expect_err("encodes, but an error was expected");
    let mut buf = [0xA5u8; 256];
    assert_eq!(p.encode(v, &mut buf), Err(e));
    assert!(buf.iter().all(|&b| b == 0xA5), "a failed encode wrote into the buffer");
    let mut out = vec![1, 2, 3];
    assert_eq!(p.encode_to_vec(v, &mut out), Err(e));
    assert_eq!(out, [1, 2, 3], "a failed encode_to_vec changed the vector");
    e
}

/// `p` encodes to exactly `bytes` and `bytes` decodes to exactly `p`.
pub fn vector(p: &Packet<'_>, v: ProtocolVersion, bytes: &[u8]) {
    assert_eq!(enc(p, v), bytes, "encoding of {p:?} for {v}");
    assert_eq!(&dec(bytes, v), p, "decoding of {bytes:02X?} for {v}");
}

/// `bytes` decodes to `p`, and `p` re-encodes to the shorter canonical `canonical`.
pub fn decodes_to_canonical(bytes: &[u8], p: &Packet<'_>, v: ProtocolVersion, canonical: &[u8]) {
    assert_eq!(&dec(bytes, v), p, "decoding of {bytes:02X?} for {v}");
    assert_eq!(enc(p, v), canonical, "canonical encoding of {p:?} for {v}");
}

/// A packet with this first byte and body (body shorter than 128 bytes: one length byte).
pub fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128, "frame() writes a one-byte remaining length");
    let mut v = vec![first, body.len() as u8];
    v.extend_from_slice(body);
    v
}
