//! The benchmark cases, shared by `benches/codec.rs` (criterion + allocation counts) and
//! `examples/instr.rs` (instruction counts under callgrind), so both measure exactly the
//! same packets and the same operations.
//!
//! Every operation is a plain function taking its inputs by reference, wrapped in
//! `black_box` on the way in (the packet, the buffer and the protocol version are opaque to
//! the optimiser, as they are to a real driver) and on the way out (the decoded packet is
//! materialised in memory, the encoded length is used).

#![allow(dead_code)]

use sansmqtt_proto::{
    Ack, Connect, Decoded, Delivery, Packet, PacketId, ProtocolVersion, Publish, QoS, Status, Subscribe,
    Subscription, SubscriptionOptions, TopicFilter, TopicName, Utf8,
};
use std::hint::black_box;

pub(crate) mod peers;

/// The topic of every PUBLISH.
pub(crate) const TOPIC: &str = "sensors/device-0001/temperature";
/// Packets in one stream buffer.
pub(crate) const STREAM_PACKETS: usize = 1000;

/// The two versions measured.
pub(crate) const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// Short name of a version for case ids.
pub(crate) fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V3_1 => "v3.1",
        ProtocolVersion::V3_1_1 => "v3.1.1",
        ProtocolVersion::V5 => "v5",
    }
}

/// Parse a version name.
pub(crate) fn parse_version(s: &str) -> Option<ProtocolVersion> {
    VERSIONS.into_iter().find(|&v| version_name(v) == s)
}

/// Single packets: decoded from their own buffer and encoded into a caller buffer.
pub(crate) const PACKETS: &[&str] = &[
    "publish_qos0_0",
    "publish_qos0_64",
    "publish_qos0_1k",
    "publish_qos0_64k",
    "publish_qos1_0",
    "publish_qos1_64",
    "publish_qos1_1k",
    "publish_qos1_64k",
    "connect",
    "subscribe_10",
    "puback",
];

/// Streams of [`STREAM_PACKETS`] packets back to back in one buffer.
pub(crate) const STREAMS: &[&str] = &["publish_qos0_64", "publish_qos1_1k", "mixed_qos1_64_puback"];

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Decode every packet of a stream buffer, advancing by `len` (per op: one packet).
    Stream,
    /// Decode one packet.
    Decode,
    /// Encode one packet into a large enough `&mut [u8]`.
    Encode,
}

impl Op {
    pub(crate) const ALL: [Self; 3] = [Self::Stream, Self::Decode, Self::Encode];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Stream => "stream",
            Self::Decode => "decode",
            Self::Encode => "encode",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == s)
    }

    /// The case names for this operation.
    pub(crate) fn cases(self) -> &'static [&'static str] {
        match self {
            Self::Stream => STREAMS,
            Self::Decode | Self::Encode => PACKETS,
        }
    }

    /// Packets handled by one call of the operation.
    pub(crate) fn packets_per_call(self) -> usize {
        match self {
            Self::Stream => STREAM_PACKETS,
            Self::Decode | Self::Encode => 1,
        }
    }
}

pub(crate) fn payload(len: usize) -> &'static [u8] {
    let v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    Vec::leak(v)
}

fn pid(n: usize) -> PacketId {
    PacketId::new((n % 65_535) as u16 + 1).expect("non-zero")
}

fn publish(qos: QoS, len: usize, id: PacketId) -> Packet<'static> {
    let mut p = Publish::new(TopicName::new(TOPIC).expect("valid topic"), payload(len));
    p.delivery = match qos {
        QoS::AtMostOnce => Delivery::AtMostOnce,
        QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
        QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
    };
    Packet::Publish(p)
}

/// A single packet by case name. The data is leaked: these live for the whole process.
pub(crate) fn packet(name: &str) -> Packet<'static> {
    let (qos, len) = match name {
        "publish_qos0_0" => (QoS::AtMostOnce, 0),
        "publish_qos0_64" => (QoS::AtMostOnce, 64),
        "publish_qos0_1k" => (QoS::AtMostOnce, 1024),
        "publish_qos0_64k" => (QoS::AtMostOnce, 65_536),
        "publish_qos1_0" => (QoS::AtLeastOnce, 0),
        "publish_qos1_64" => (QoS::AtLeastOnce, 64),
        "publish_qos1_1k" => (QoS::AtLeastOnce, 1024),
        "publish_qos1_64k" => (QoS::AtLeastOnce, 65_536),
        "connect" => {
            let mut c = Connect::new(Utf8::new("sansmqtt-bench-client-0001").expect("valid"), 60);
            c.username = Some(Utf8::new("bench-user").expect("valid"));
            c.password = Some(sansmqtt_proto::Bin::new(b"bench-password"));
            return Packet::Connect(c);
        }
        "subscribe_10" => {
            let subs: Vec<Subscription<'static>> = (0..10)
                .map(|i| Subscription {
                    filter: TopicFilter::new(String::leak(format!("sensors/device-{i:04}/+")))
                        .expect("valid filter"),
                    options: SubscriptionOptions::new(QoS::AtLeastOnce),
                })
                .collect();
            return Packet::Subscribe(Subscribe::new(pid(0), Vec::leak(subs)));
        }
        "puback" => return Packet::PubAck(Ack::new(pid(0))),
        other => panic!("unknown packet case {other:?}"),
    };
    publish(qos, len, pid(0))
}

fn encode(p: &Packet<'_>, v: ProtocolVersion, out: &mut Vec<u8>) {
    p.encode_to_vec(v, out).expect("encodable");
}

/// The wire bytes of a single packet case.
pub(crate) fn wire(name: &str, v: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&packet(name), v, &mut out);
    out
}

/// A stream buffer: [`STREAM_PACKETS`] packets back to back.
pub(crate) fn stream(name: &str, v: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..STREAM_PACKETS {
        let p = match name {
            "publish_qos0_64" => publish(QoS::AtMostOnce, 64, pid(i)),
            "publish_qos1_1k" => publish(QoS::AtLeastOnce, 1024, pid(i)),
            // PUBLISH QoS 1 with id n, then its PUBACK: 500 of each.
            "mixed_qos1_64_puback" if i % 2 == 0 => publish(QoS::AtLeastOnce, 64, pid(i / 2)),
            "mixed_qos1_64_puback" => Packet::PubAck(Ack::new(pid(i / 2))),
            other => panic!("unknown stream case {other:?}"),
        };
        encode(&p, v, &mut out);
    }
    out
}

/// Decode a whole stream buffer the way a driver does: `Packet::decode` on the unread
/// rest, look at the packet, advance by `len`. Returns the number of packets.
///
/// The packet is looked at in place (`&r`), as a driver that dispatches on it does. Moving
/// it out of the result by value (`let Ok(Status::Complete(d)) = Packet::decode(..)`)
/// makes the compiler copy the whole `Packet` (520 bytes with the `bytes` feature, about 75
/// instructions) in the caller; that copy is the caller's choice, not decoding work. Each
/// packet is dropped, as in a driver.
#[inline(always)]
pub(crate) fn decode_stream(buf: &[u8], v: ProtocolVersion) -> usize {
    let buf = black_box(buf);
    let v = black_box(v);
    let mut pos = 0;
    let mut n = 0;
    while pos < buf.len() {
        let r = Packet::decode(&buf[pos..], v);
        let Ok(Status::Complete(Decoded { packet, len })) = &r else {
            panic!("stream decode failed at {pos}");
        };
        black_box(packet);
        pos += len;
        n += 1;
    }
    n
}

/// Decode one packet from the front of `buf`.
#[inline(always)]
pub(crate) fn decode_one(buf: &[u8], v: ProtocolVersion) {
    let r = Packet::decode(black_box(buf), black_box(v));
    black_box(&r);
}

/// Encode one packet into `buf`.
#[inline(always)]
pub(crate) fn encode_one(p: &Packet<'_>, v: ProtocolVersion, buf: &mut [u8]) -> usize {
    let r = black_box(p).encode(black_box(v), black_box(buf));
    black_box(r.unwrap_or(0))
}

/// Everything one case needs, built outside the measured code.
pub(crate) struct Fixture {
    pub(crate) op: Op,
    pub(crate) version: ProtocolVersion,
    /// The bytes to decode (stream or single packet), or the encode output buffer.
    pub(crate) buf: Vec<u8>,
    /// The packet to encode.
    pub(crate) packet: Packet<'static>,
}

impl Fixture {
    pub(crate) fn new(op: Op, name: &str, v: ProtocolVersion) -> Self {
        let (buf, packet) = match op {
            Op::Stream => (stream(name, v), Packet::PingReq),
            Op::Decode => (wire(name, v), Packet::PingReq),
            Op::Encode => {
                let p = packet(name);
                let n = p.encoded_len(v).expect("encodable");
                (vec![0u8; n + 64], p)
            }
        };
        let mut f = Self { op, version: v, buf, packet };
        f.check(name);
        f
    }

    /// Run the operation once and check it did what the case says.
    fn check(&mut self, name: &str) {
        match self.op {
            Op::Stream => assert_eq!(decode_stream(&self.buf, self.version), STREAM_PACKETS),
            Op::Decode => match Packet::decode(&self.buf, self.version) {
                Ok(Status::Complete(d)) => {
                    assert_eq!(d.len, self.buf.len());
                    assert_eq!(d.packet, packet(name));
                }
                other => panic!("{name}: {other:?}"),
            },
            Op::Encode => {
                let n = encode_one(&self.packet, self.version, &mut self.buf);
                assert_eq!(&self.buf[..n], &wire(name, self.version)[..]);
            }
        }
    }

    /// One operation (one stream, one decode or one encode).
    #[inline(always)]
    pub(crate) fn run(&mut self) {
        match self.op {
            Op::Stream => {
                black_box(decode_stream(&self.buf, self.version));
            }
            Op::Decode => decode_one(&self.buf, self.version),
            Op::Encode => {
                encode_one(&self.packet, self.version, &mut self.buf);
            }
        }
    }
}
