//! The same benchmark cases run through other Rust MQTT codecs (dev-dependencies only):
//! rumqttc 0.24 (its `mqttbytes::v4` and `v5::mqttbytes::v5` codecs), mqttbytes 0.6 (`v4`,
//! `v5`) and mqttrs 0.4 (3.1.1 only).
//!
//! Every peer case is checked before it is measured: an encode must write exactly our wire
//! bytes (`super::wire`), a decode must take exactly our wire bytes and, encoded again by the
//! same peer, give them back.
//!
//! - Encode: the peer's packet is built once; each run clears a pre-sized `BytesMut` (or
//!   `&mut [u8]` for mqttrs) and writes into it, so no run allocates for the output.
//! - Decode: the peer's own `read` (or `decode_slice`): its fixed-header `check`, then the
//!   packet type's `read` on the frame, as the crate's `read(&mut BytesMut)` does, on a
//!   static `Bytes` (no copy or allocation for the input); what the peer allocates for the
//!   packet (`String` topics, `Vec` of filters) is its cost. The packet is dropped.

use super::{Op, TOPIC, payload, version_name, wire};
use bytes::{Bytes, BytesMut};
use sansmqtt_proto::ProtocolVersion;
use std::hint::black_box;

/// The peer codecs, by name.
pub(crate) const PEERS: [&str; 3] = ["rumqttc", "mqttbytes", "mqttrs"];

/// The cases compared with peers (a subset of `super::PACKETS`).
pub(crate) const PEER_CASES: &[&str] = &[
    "publish_qos0_64",
    "publish_qos1_64",
    "publish_qos0_1k",
    "publish_qos1_1k",
    "puback",
    "subscribe_10",
    "connect",
];

/// Runs a prepared case: `visit` gets the operation as a closure (state captured).
pub(crate) trait Visit {
    type Out;
    fn visit<F: FnMut()>(self, f: F) -> Self::Out;
}

const CLIENT_ID: &str = "sansmqtt-bench-client-0001";
const USERNAME: &str = "bench-user";
const PASSWORD: &str = "bench-password";
const KEEP_ALIVE: u16 = 60;
const PKID: u16 = 1;

/// The filters of `subscribe_10`, all QoS 1.
fn filters() -> Vec<String> {
    (0..10).map(|i| format!("sensors/device-{i:04}/+")).collect()
}

/// `(qos, payload length)` of a PUBLISH case.
fn publish_case(case: &str) -> Option<(u8, usize)> {
    Some(match case {
        "publish_qos0_64" => (0, 64),
        "publish_qos1_64" => (1, 64),
        "publish_qos0_1k" => (0, 1024),
        "publish_qos1_1k" => (1, 1024),
        _ => return None,
    })
}

fn static_bytes(b: Vec<u8>) -> Bytes {
    Bytes::from_static(Vec::leak(b))
}

/// Encode cases for a `bytes`-based peer: `$pkt` is built once and written with `$write`.
macro_rules! bytes_encode {
    ($vis:expr, $expected:expr, $pkt:expr, |$p:ident, $b:ident| $write:expr) => {{
        let pkt = $pkt;
        let expected: Vec<u8> = $expected;
        let mut buf = BytesMut::with_capacity(expected.len() + 64);
        {
            let $p = &pkt;
            let $b = &mut buf;
            $write.expect("peer encodes");
        }
        assert_eq!(&buf[..], &expected[..], "peer wire bytes differ from ours");
        Some($vis.visit(move || {
            buf.clear();
            let $p = black_box(&pkt);
            let $b = black_box(&mut buf);
            black_box($write.unwrap_or(0));
        }))
    }};
}

/// Decode cases for a `bytes`-based peer: `$read` decodes a `Bytes`, `$again` encodes the
/// result again (for the check).
macro_rules! bytes_decode {
    ($vis:expr, $expected:expr, |$i:ident| $read:expr, |$d:ident, $b:ident| $again:expr) => {{
        let expected: Vec<u8> = $expected;
        let input = static_bytes(expected.clone());
        {
            let $i = &input;
            let $d = $read.expect("peer decodes our bytes");
            let mut out = BytesMut::new();
            let $b = &mut out;
            $again.expect("peer re-encodes");
            assert_eq!(&out[..], &expected[..], "peer decoded something else");
        }
        Some($vis.visit(move || {
            let $i = black_box(&input);
            let r = $read;
            black_box(&r);
        }))
    }};
}

/// rumqttc 0.24 `mqttbytes::v4` and mqttbytes 0.6 `v4`: the same API, different crates.
macro_rules! v4_codec {
    ($name:ident, $m:path, $root:path) => {
        mod $name {
            use super::*;
            use $m as m;
            use $root as root;

            fn qos(q: u8) -> root::QoS {
                match q {
                    0 => root::QoS::AtMostOnce,
                    _ => root::QoS::AtLeastOnce,
                }
            }

            pub(crate) enum Pkt {
                Publish(m::Publish),
                PubAck(m::PubAck),
                Subscribe(m::Subscribe),
                Connect(m::Connect),
            }

            impl Pkt {
                pub(crate) fn build(case: &str) -> Self {
                    if let Some((q, len)) = publish_case(case) {
                        let mut p = m::Publish::new(TOPIC, qos(q), payload(len).to_vec());
                        p.pkid = if q == 0 { 0 } else { PKID };
                        return Self::Publish(p);
                    }
                    match case {
                        "puback" => Self::PubAck(m::PubAck::new(PKID)),
                        "subscribe_10" => Self::Subscribe(m::Subscribe {
                            pkid: PKID,
                            filters: filters()
                                .into_iter()
                                .map(|f| m::SubscribeFilter::new(f, qos(1)))
                                .collect(),
                        }),
                        "connect" => Self::Connect(m::Connect {
                            protocol: root::Protocol::V4,
                            keep_alive: KEEP_ALIVE,
                            client_id: CLIENT_ID.into(),
                            clean_session: true,
                            last_will: None,
                            login: Some(m::Login::new(USERNAME, PASSWORD)),
                        }),
                        other => panic!("no peer case {other}"),
                    }
                }

                #[inline(always)]
                pub(crate) fn write(&self, b: &mut BytesMut) -> Result<usize, root::Error> {
                    match self {
                        Self::Publish(p) => p.write(b),
                        Self::PubAck(p) => p.write(b),
                        Self::Subscribe(p) => p.write(b),
                        Self::Connect(p) => p.write(b),
                    }
                }
            }

            /// The crate's `read`, on a shared frame instead of a split `BytesMut`.
            #[inline(always)]
            pub(crate) fn read(b: &Bytes) -> Result<Pkt, root::Error> {
                let fh = root::check(b.iter(), usize::MAX)?;
                let frame = b.slice(..fh.frame_length());
                Ok(match fh.packet_type()? {
                    root::PacketType::Publish => Pkt::Publish(m::Publish::read(fh, frame)?),
                    root::PacketType::PubAck => Pkt::PubAck(m::PubAck::read(fh, frame)?),
                    root::PacketType::Subscribe => Pkt::Subscribe(m::Subscribe::read(fh, frame)?),
                    root::PacketType::Connect => Pkt::Connect(m::Connect::read(fh, frame)?),
                    other => panic!("not a benchmark packet: {other:?}"),
                })
            }
        }
    };
}

v4_codec!(rumqttc_v4, rumqttc::mqttbytes::v4, rumqttc::mqttbytes);
v4_codec!(mqttbytes_v4, mqttbytes::v4, mqttbytes);

/// rumqttc 0.24 `v5::mqttbytes::v5`.
mod rumqttc_v5 {
    use super::*;
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::mqttbytes::v5 as m;

    pub(crate) enum Pkt {
        Publish(m::Publish),
        PubAck(m::PubAck),
        Subscribe(m::Subscribe),
        Connect(m::Connect, Option<m::LastWill>, Option<m::Login>),
    }

    impl Pkt {
        pub(crate) fn build(case: &str) -> Self {
            if let Some((q, len)) = publish_case(case) {
                let q = if q == 0 { QoS::AtMostOnce } else { QoS::AtLeastOnce };
                let mut p = m::Publish::new(TOPIC, q, payload(len).to_vec(), None);
                p.pkid = if q == QoS::AtMostOnce { 0 } else { PKID };
                return Self::Publish(p);
            }
            match case {
                "puback" => Self::PubAck(m::PubAck::new(PKID, None)),
                "subscribe_10" => Self::Subscribe(m::Subscribe {
                    pkid: PKID,
                    filters: filters().into_iter().map(|f| m::Filter::new(f, QoS::AtLeastOnce)).collect(),
                    properties: None,
                }),
                "connect" => Self::Connect(
                    m::Connect {
                        keep_alive: KEEP_ALIVE,
                        client_id: CLIENT_ID.into(),
                        clean_start: true,
                        properties: None,
                    },
                    None,
                    Some(m::Login::new(USERNAME, PASSWORD)),
                ),
                other => panic!("no peer case {other}"),
            }
        }

        #[inline(always)]
        pub(crate) fn write(&self, b: &mut BytesMut) -> Result<usize, rumqttc::v5::mqttbytes::Error> {
            match self {
                Self::Publish(p) => p.write(b),
                Self::PubAck(p) => p.write(b),
                Self::Subscribe(p) => p.write(b),
                Self::Connect(p, w, l) => p.write(w, l, b),
            }
        }
    }

    #[inline(always)]
    pub(crate) fn read(b: &Bytes) -> Result<Pkt, rumqttc::v5::mqttbytes::Error> {
        let fh = m::check(b.iter(), None)?;
        let frame = b.slice(..fh.frame_length());
        Ok(match fh.packet_type()? {
            m::PacketType::Publish => Pkt::Publish(m::Publish::read(fh, frame)?),
            m::PacketType::PubAck => Pkt::PubAck(m::PubAck::read(fh, frame)?),
            m::PacketType::Subscribe => Pkt::Subscribe(m::Subscribe::read(fh, frame)?),
            m::PacketType::Connect => {
                let (c, w, l) = m::Connect::read(fh, frame)?;
                Pkt::Connect(c, w, l)
            }
            other => panic!("not a benchmark packet: {other:?}"),
        })
    }
}

/// mqttbytes 0.6 `v5`.
mod mqttbytes_v5 {
    use super::*;
    use mqttbytes::v5 as m;
    use mqttbytes::{Error, PacketType, Protocol, QoS};

    pub(crate) enum Pkt {
        Publish(m::Publish),
        PubAck(m::PubAck),
        Subscribe(m::Subscribe),
        Connect(m::Connect),
    }

    impl Pkt {
        pub(crate) fn build(case: &str) -> Self {
            if let Some((q, len)) = publish_case(case) {
                let q = if q == 0 { QoS::AtMostOnce } else { QoS::AtLeastOnce };
                let mut p = m::Publish::new(TOPIC, q, payload(len).to_vec());
                p.pkid = if q == QoS::AtMostOnce { 0 } else { PKID };
                return Self::Publish(p);
            }
            match case {
                "puback" => Self::PubAck(m::PubAck::new(PKID)),
                "subscribe_10" => Self::Subscribe(m::Subscribe {
                    pkid: PKID,
                    filters: filters()
                        .into_iter()
                        .map(|f| m::SubscribeFilter::new(f, QoS::AtLeastOnce))
                        .collect(),
                    properties: None,
                }),
                "connect" => Self::Connect(m::Connect {
                    protocol: Protocol::V5,
                    keep_alive: KEEP_ALIVE,
                    client_id: CLIENT_ID.into(),
                    clean_session: true,
                    last_will: None,
                    login: Some(m::Login::new(USERNAME, PASSWORD)),
                    properties: None,
                }),
                other => panic!("no peer case {other}"),
            }
        }

        #[inline(always)]
        pub(crate) fn write(&self, b: &mut BytesMut) -> Result<usize, Error> {
            match self {
                Self::Publish(p) => p.write(b),
                Self::PubAck(p) => p.write(b),
                Self::Subscribe(p) => p.write(b),
                Self::Connect(p) => p.write(b),
            }
        }
    }

    #[inline(always)]
    pub(crate) fn read(b: &Bytes) -> Result<Pkt, Error> {
        let fh = mqttbytes::check(b.iter(), usize::MAX)?;
        let frame = b.slice(..fh.frame_length());
        Ok(match fh.packet_type()? {
            PacketType::Publish => Pkt::Publish(m::Publish::read(fh, frame)?),
            PacketType::PubAck => Pkt::PubAck(m::PubAck::read(fh, frame)?),
            PacketType::Subscribe => Pkt::Subscribe(m::Subscribe::read(fh, frame)?),
            PacketType::Connect => Pkt::Connect(m::Connect::read(fh, frame)?),
            other => panic!("not a benchmark packet: {other:?}"),
        })
    }
}

/// mqttrs 0.4 (3.1.1): borrowed packets, `encode_slice` into a `&mut [u8]`.
mod mqttrs_v4 {
    use super::*;
    use mqttrs::{Connect, Packet, Pid, Protocol, Publish, QoS, QosPid, Subscribe, SubscribeTopic};

    pub(crate) fn build(case: &str) -> Packet<'static> {
        let pid = Pid::try_from(PKID).expect("non-zero");
        if let Some((q, len)) = publish_case(case) {
            return Packet::Publish(Publish {
                dup: false,
                qospid: if q == 0 { QosPid::AtMostOnce } else { QosPid::AtLeastOnce(pid) },
                retain: false,
                topic_name: TOPIC,
                payload: payload(len),
            });
        }
        match case {
            "puback" => Packet::Puback(pid),
            "subscribe_10" => Packet::Subscribe(Subscribe {
                pid,
                topics: filters()
                    .into_iter()
                    .map(|topic_path| SubscribeTopic { topic_path, qos: QoS::AtLeastOnce })
                    .collect(),
            }),
            "connect" => Packet::Connect(Connect {
                protocol: Protocol::MQTT311,
                keep_alive: KEEP_ALIVE,
                client_id: CLIENT_ID,
                clean_session: true,
                last_will: None,
                username: Some(USERNAME),
                password: Some(PASSWORD.as_bytes()),
            }),
            other => panic!("no peer case {other}"),
        }
    }
}

/// Prepare `codec`'s `op` on `case` for version `v`, check it, and hand it to `vis`.
/// `None` when the peer has no codec for `v` (mqttrs and 5.0), or `op` is `stream`.
pub(crate) fn run<V: Visit>(codec: &str, op: Op, case: &str, v: ProtocolVersion, vis: V) -> Option<V::Out> {
    let expected = wire(case, v);
    let v5 = match v {
        ProtocolVersion::V3_1_1 => false,
        ProtocolVersion::V5 => true,
        ProtocolVersion::V3_1 => return None,
    };
    match (codec, v5, op) {
        ("rumqttc", false, Op::Encode) => {
            bytes_encode!(vis, expected, rumqttc_v4::Pkt::build(case), |p, b| p.write(b))
        }
        ("rumqttc", false, Op::Decode) => {
            bytes_decode!(vis, expected, |i| rumqttc_v4::read(i), |d, b| d.write(b))
        }
        ("rumqttc", true, Op::Encode) => {
            bytes_encode!(vis, expected, rumqttc_v5::Pkt::build(case), |p, b| p.write(b))
        }
        ("rumqttc", true, Op::Decode) => {
            bytes_decode!(vis, expected, |i| rumqttc_v5::read(i), |d, b| d.write(b))
        }
        ("mqttbytes", false, Op::Encode) => {
            bytes_encode!(vis, expected, mqttbytes_v4::Pkt::build(case), |p, b| p.write(b))
        }
        ("mqttbytes", false, Op::Decode) => {
            bytes_decode!(vis, expected, |i| mqttbytes_v4::read(i), |d, b| d.write(b))
        }
        ("mqttbytes", true, Op::Encode) => {
            bytes_encode!(vis, expected, mqttbytes_v5::Pkt::build(case), |p, b| p.write(b))
        }
        ("mqttbytes", true, Op::Decode) => {
            bytes_decode!(vis, expected, |i| mqttbytes_v5::read(i), |d, b| d.write(b))
        }
        ("mqttrs", false, Op::Encode) => {
            let pkt = mqttrs_v4::build(case);
            let mut buf = vec![0u8; expected.len() + 64];
            let n = mqttrs::encode_slice(&pkt, &mut buf).expect("peer encodes");
            assert_eq!(&buf[..n], &expected[..], "peer wire bytes differ from ours");
            Some(vis.visit(move || {
                black_box(mqttrs::encode_slice(black_box(&pkt), black_box(&mut buf[..])).unwrap_or(0));
            }))
        }
        ("mqttrs", false, Op::Decode) => {
            let input: &'static [u8] = Vec::leak(expected.clone());
            let d = mqttrs::decode_slice(input).expect("peer decodes our bytes").expect("complete");
            let mut out = vec![0u8; expected.len() + 64];
            let n = mqttrs::encode_slice(&d, &mut out).expect("peer re-encodes");
            assert_eq!(&out[..n], &expected[..], "peer decoded something else");
            Some(vis.visit(move || {
                let r = mqttrs::decode_slice(black_box(input));
                black_box(&r);
            }))
        }
        ("mqttrs", true, _) => None,
        (_, _, Op::Stream) => None,
        (other, ..) => panic!("unknown peer {other:?} ({})", version_name(v)),
    }
}
