//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`) and any local crash
//! artifacts (`fuzz/artifacts/<target>/`) through the fuzz target bodies on stable Rust.
//!
//! The seed corpus is generated, not hand-written:
//! `cargo test -p sansmqtt-proto --test corpus_replay -- --ignored write_seed_corpus`
//! writes one valid packet of every type for every version (`fuzz/corpus/decode/seed-*`)
//! and seeds for the `roundtrip` and `stream` targets.

use arbitrary::{Arbitrary, Unstructured};
use sansmqtt_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, SubscriptionIds, UnsubscribeProperties, UserProperties,
    UserProperty, WillProperties,
};
use sansmqtt_proto::{
    Ack, Auth, Bin, ConnAck, Connect, Decoded, Delivery, Disconnect, Packet, PacketId, PacketType,
    PayloadFormat, ProtocolVersion, Publish, QoS, ReasonCode, ReasonCodes, RetainHandling, Status, SubAck,
    Subscribe, Subscription, SubscriptionId, SubscriptionOptions, TopicFilter, TopicName, UnsubAck,
    Unsubscribe, Utf8, Will, fuzzing,
};
use std::collections::BTreeSet;
use std::fs;
use std::num::{NonZeroU16, NonZeroU32};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every regular file under `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/`.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["corpus", "artifacts"] {
        let Ok(dir) = fs::read_dir(fuzz_dir().join(kind).join(target)) else { continue };
        for entry in dir {
            let path = entry.expect("readable corpus directory").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let mut replayed = 0;
    for path in inputs(target) {
        let data = match fs::read(&path) {
            Ok(data) => data,
            // A fuzzer running at the same time replaces corpus files as it reduces them.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        if let Err(e) = std::panic::catch_unwind(|| body(&data)) {
            panic!("fuzz target `{target}` fails on {}: {e:?}", path.display());
        }
        replayed += 1;
    }
    assert!(replayed > 0, "no corpus files replayed for `{target}`");
    eprintln!("replayed {replayed} files for {target}");
    replayed
}

#[test]
fn replay_decode_corpus() {
    replay("decode", fuzzing::decode);
}

#[test]
fn replay_stream_corpus() {
    replay("stream", fuzzing::stream);
}

#[test]
fn replay_roundtrip_corpus() {
    replay("roundtrip", fuzzing::roundtrip);
}

/// The packet types a version can carry (every type but AUTH before 5.0).
fn types_for(version: ProtocolVersion) -> impl Iterator<Item = PacketType> {
    (1..=15).filter_map(PacketType::from_u8).filter(move |t| version.is_v5() || *t != PacketType::Auth)
}

fn version_tag(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V3_1 => "v3.1",
        ProtocolVersion::V3_1_1 => "v3.1.1",
        ProtocolVersion::V5 => "v5",
    }
}

fn seed_name(t: PacketType, v: ProtocolVersion) -> String {
    format!("seed-{}-{}", t.to_string().to_lowercase(), version_tag(v))
}

/// The `decode` seeds stay one valid packet of each type for each version, named for both.
#[test]
fn decode_seeds_cover_every_type_and_version() {
    let dir = fuzz_dir().join("corpus/decode");
    for version in ProtocolVersion::ALL {
        for t in types_for(version) {
            let path = dir.join(seed_name(t, version));
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            match Packet::decode(&data, version) {
                Ok(Status::Complete(Decoded { packet, len })) => {
                    assert_eq!(len, data.len(), "{}", path.display());
                    assert_eq!(packet.packet_type(), t, "{}", path.display());
                    assert_eq!(packet.into_owned(), sample(t, version), "{}", path.display());
                }
                other => panic!("{} does not decode: {other:?}", path.display()),
            }
        }
    }
}

const PAYLOAD: &[u8] = b"{\"temp\": 21.5}";

fn utf8(s: &'static str) -> Utf8<'static> {
    Utf8::new(s).unwrap()
}

fn id(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

fn users() -> UserProperties<'static> {
    let list = [
        UserProperty { name: utf8("region"), value: utf8("eu") },
        UserProperty { name: utf8("region"), value: utf8("us") },
    ];
    UserProperties::new(&list).into_owned()
}

/// A representative valid packet of type `t` for `version`: every field the version can
/// carry is set (properties, reason codes, will, credentials) so the seeds reach deep.
fn sample(t: PacketType, version: ProtocolVersion) -> Packet<'static> {
    let v5 = version.is_v5();
    let packet = match t {
        PacketType::Connect => {
            let mut c = Connect::new(utf8("sensor-17"), 30);
            c.clean_start = version != ProtocolVersion::V3_1;
            c.username = Some(utf8("alice"));
            c.password = Some(Bin::new(b"s3cret"));
            let mut will = Will {
                topic: TopicName::new("sensors/17/status").unwrap(),
                payload: Bin::new(b"offline"),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: WillProperties::default(),
            };
            if v5 {
                let mut p = ConnectProperties::default();
                p.session_expiry_interval = Some(3600);
                p.receive_maximum = NonZeroU16::new(20);
                p.maximum_packet_size = NonZeroU32::new(65_536);
                p.topic_alias_maximum = Some(10);
                p.request_response_information = Some(true);
                p.request_problem_information = Some(false);
                p.authentication_method = Some(utf8("SCRAM-SHA-1"));
                p.authentication_data = Some(Bin::new(b"client-first"));
                p.user_properties = users();
                c.properties = p;
                let mut w = WillProperties::default();
                w.will_delay_interval = Some(5);
                w.payload_format_indicator = Some(PayloadFormat::Utf8);
                w.message_expiry_interval = Some(120);
                w.content_type = Some(utf8("text/plain"));
                w.response_topic = Some(TopicName::new("sensors/17/reply").unwrap());
                w.correlation_data = Some(Bin::new(b"\x01\x02"));
                w.user_properties = users();
                will.properties = w;
            }
            c.will = Some(will);
            Packet::Connect(c)
        }
        PacketType::ConnAck => {
            let mut properties = ConnAckProperties::default();
            if v5 {
                properties.session_expiry_interval = Some(600);
                properties.receive_maximum = NonZeroU16::new(100);
                properties.maximum_qos = Some(QoS::AtLeastOnce);
                properties.retain_available = Some(true);
                properties.maximum_packet_size = NonZeroU32::new(1_048_576);
                properties.assigned_client_identifier = Some(utf8("auto-4f2a"));
                properties.topic_alias_maximum = Some(16);
                properties.reason_string = Some(utf8("welcome"));
                properties.wildcard_subscription_available = Some(true);
                properties.subscription_identifiers_available = Some(true);
                properties.shared_subscription_available = Some(false);
                properties.server_keep_alive = Some(60);
                properties.response_information = Some(utf8("resp/"));
                properties.server_reference = Some(utf8("other.example"));
                properties.authentication_method = Some(utf8("SCRAM-SHA-1"));
                properties.authentication_data = Some(Bin::new(b"server-final"));
                properties.user_properties = users();
            }
            Packet::ConnAck(ConnAck {
                session_present: version != ProtocolVersion::V3_1,
                reason: ReasonCode::Success,
                properties,
            })
        }
        PacketType::Publish => {
            let mut p = Publish::new(TopicName::new("sensors/17/temp").unwrap(), PAYLOAD);
            p.delivery = Delivery::ExactlyOnce(id(42));
            p.retain = true;
            p.dup = true;
            if v5 {
                let mut props = PublishProperties::default();
                props.payload_format_indicator = Some(PayloadFormat::Utf8);
                props.message_expiry_interval = Some(300);
                props.topic_alias = NonZeroU16::new(3);
                props.response_topic = Some(TopicName::new("sensors/17/ack").unwrap());
                props.correlation_data = Some(Bin::new(b"req-9"));
                props.content_type = Some(utf8("application/json"));
                props.user_properties = users();
                let sub_ids = [SubscriptionId::new(1).unwrap(), SubscriptionId::new(268_435_455).unwrap()];
                props.subscription_identifiers = SubscriptionIds::new(&sub_ids).into_owned();
                p.properties = props;
            }
            Packet::Publish(p).into_owned()
        }
        PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp => {
            let mut ack = Ack::new(id(42));
            if v5 {
                ack.reason = match t {
                    PacketType::PubAck => ReasonCode::NoMatchingSubscribers,
                    PacketType::PubRec => ReasonCode::QuotaExceeded,
                    _ => ReasonCode::PacketIdentifierNotFound,
                };
                let mut p = AckProperties::default();
                p.reason_string = Some(utf8("because"));
                p.user_properties = users();
                ack.properties = p;
            }
            match t {
                PacketType::PubAck => Packet::PubAck(ack),
                PacketType::PubRec => Packet::PubRec(ack),
                PacketType::PubRel => Packet::PubRel(ack),
                _ => Packet::PubComp(ack),
            }
        }
        PacketType::Subscribe => {
            let mut opts = SubscriptionOptions::new(QoS::ExactlyOnce);
            if v5 {
                opts.no_local = true;
                opts.retain_as_published = true;
                opts.retain_handling = RetainHandling::SendIfNew;
            }
            let subs = [
                Subscription { filter: TopicFilter::new("sensors/+/temp").unwrap(), options: opts },
                Subscription {
                    filter: TopicFilter::new("$share/group/alerts/#").unwrap(),
                    options: SubscriptionOptions::new(QoS::AtLeastOnce),
                },
            ];
            let mut s = Subscribe::new(id(7), &subs);
            if v5 {
                let mut p = SubscribeProperties::default();
                p.subscription_identifier = SubscriptionId::new(200);
                p.user_properties = users();
                s.properties = p;
            }
            Packet::Subscribe(s).into_owned()
        }
        PacketType::SubAck => {
            let mut codes = vec![ReasonCode::GrantedQoS2, ReasonCode::GRANTED_QOS_0];
            if version != ProtocolVersion::V3_1 {
                codes.push(ReasonCode::UnspecifiedError);
            }
            if v5 {
                codes.push(ReasonCode::SharedSubscriptionsNotSupported);
            }
            let mut properties = AckProperties::default();
            if v5 {
                properties.reason_string = Some(utf8("partial"));
                properties.user_properties = users();
            }
            Packet::SubAck(SubAck { packet_id: id(7), properties, reasons: ReasonCodes::new(&codes) })
                .into_owned()
        }
        PacketType::Unsubscribe => {
            let filters =
                [TopicFilter::new("sensors/+/temp").unwrap(), TopicFilter::new("$share/group/#").unwrap()];
            let mut u = Unsubscribe::new(id(8), &filters);
            if v5 {
                let mut p = UnsubscribeProperties::default();
                p.user_properties = users();
                u.properties = p;
            }
            Packet::Unsubscribe(u).into_owned()
        }
        PacketType::UnsubAck => {
            let codes = [ReasonCode::Success, ReasonCode::NoSubscriptionExisted];
            let mut properties = AckProperties::default();
            if v5 {
                properties.reason_string = Some(utf8("done"));
            }
            let reasons = if v5 { ReasonCodes::new(&codes) } else { ReasonCodes::new(&[]) };
            Packet::UnsubAck(UnsubAck { packet_id: id(8), properties, reasons }).into_owned()
        }
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => {
            let mut d = Disconnect::default();
            if v5 {
                d.reason = ReasonCode::DisconnectWithWillMessage;
                let mut p = DisconnectProperties::default();
                p.session_expiry_interval = Some(0);
                p.reason_string = Some(utf8("bye"));
                p.server_reference = Some(utf8("other.example"));
                p.user_properties = users();
                d.properties = p;
            }
            Packet::Disconnect(d)
        }
        PacketType::Auth => {
            let mut p = AuthProperties::default();
            p.authentication_method = Some(utf8("SCRAM-SHA-1"));
            p.authentication_data = Some(Bin::new(b"client-final"));
            p.reason_string = Some(utf8("continue"));
            p.user_properties = users();
            Packet::Auth(Auth { reason: ReasonCode::ContinueAuthentication, properties: p })
        }
    };
    packet.into_owned()
}

/// A small deterministic generator for the seed search (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// The first packet `fuzzing::roundtrip` builds from `data`, if it encodes.
fn roundtrip_packet_of(data: &[u8]) -> Option<(ProtocolVersion, PacketType)> {
    let mut u = Unstructured::new(data);
    let version = ProtocolVersion::arbitrary(&mut u).ok()?;
    let packet = Packet::arbitrary(&mut u).ok()?;
    packet.encoded_len(version).ok()?;
    Some((version, packet.packet_type()))
}

/// How many packets of `fuzzing::stream`'s input encode, and of how many types.
fn stream_shape(data: &[u8]) -> (usize, usize) {
    let mut u = Unstructured::new(data);
    let Ok(version) = ProtocolVersion::arbitrary(&mut u) else { return (0, 0) };
    let Ok(packets) = Vec::<Packet<'_>>::arbitrary(&mut u) else { return (0, 0) };
    let ok: Vec<_> = packets.iter().filter(|p| p.encoded_len(version).is_ok()).collect();
    let types: BTreeSet<u8> = ok.iter().map(|p| p.packet_type() as u8).collect();
    (ok.len(), types.len())
}

fn write(dir: &Path, name: &str, data: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

/// Regenerate the seed corpus (run explicitly with `--ignored`; see the module docs).
#[test]
#[ignore = "writes fuzz/corpus; run explicitly to regenerate the seeds"]
fn write_seed_corpus() {
    // decode: one valid packet of each type per version.
    let dir = fuzz_dir().join("corpus/decode");
    let mut n = 0;
    for version in ProtocolVersion::ALL {
        for t in types_for(version) {
            let mut buf = Vec::new();
            sample(t, version).encode_to_vec(version, &mut buf).unwrap();
            write(&dir, &seed_name(t, version), &buf);
            n += 1;
        }
    }
    eprintln!("decode: {n} seeds");

    // roundtrip: for each (version, type), the first random input whose packet encodes.
    let dir = fuzz_dir().join("corpus/roundtrip");
    let mut rng = Rng(0x5EED_0001);
    let mut seen = BTreeSet::new();
    for _ in 0..200_000 {
        let len = 16 + (rng.next() % 496) as usize;
        let data = rng.bytes(len);
        if let Some((v, t)) = roundtrip_packet_of(&data)
            && seen.insert((v, t as u8))
        {
            write(&dir, &seed_name(t, v), &data);
        }
    }
    eprintln!("roundtrip: {} seeds", seen.len());

    // stream: inputs whose packet lists hold several encodable packets of several types.
    let dir = fuzz_dir().join("corpus/stream");
    let mut rng = Rng(0x5EED_0002);
    let mut kept = 0;
    for _ in 0..200_000 {
        if kept == 32 {
            break;
        }
        let len = 256 + (rng.next() % 3840) as usize;
        let data = rng.bytes(len);
        let (packets, types) = stream_shape(&data);
        if packets >= 4 && types >= 3 {
            write(&dir, &format!("seed-stream-{kept:02}"), &data);
            kept += 1;
        }
    }
    eprintln!("stream: {kept} seeds");
}
