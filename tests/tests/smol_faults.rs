//! Bad input from the network, from a scripted fake broker: malformed packets, oversized
//! packets, protocol violations and garbage. The client reports a typed error, sends the 5.0
//! DISCONNECT with the right reason code, does not panic, and reconnects.

use sansmqtt_proto::{DecodeError, PacketType, ProtocolVersion, ReasonCode};
use sansmqtt_session::Violation;
use sansmqtt_smol::{Client, DisconnectReason, Event};
use sansmqtt_tests::fake::{FakeBroker, connack};
use sansmqtt_tests::smol::{expect, options, run};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// Connect to a fake broker that answers CONNECT with `reply`; expect the connection to end
/// with a protocol violation whose reason code is `code`, a v5 DISCONNECT carrying it, and a
/// reconnect. Returns the violation.
fn violation_after(v: ProtocolVersion, reply: Vec<u8>, code: ReasonCode) -> Violation {
    let broker = FakeBroker::start(reply);
    run(Duration::from_secs(30), async {
        let client = Client::new(options(broker.addr, v, "faulty"));
        let mut events = client.events();
        client.start().unwrap();
        let Event::Disconnected(reason) =
            expect(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected(_))).await
        else {
            unreachable!()
        };
        let DisconnectReason::Protocol(violation) = reason else { panic!("{v}: {reason:?}") };
        assert_eq!(violation.reason_code(), code, "{v}: {violation:?}");
        // It reconnects (and meets the same fault again).
        expect(&mut events, "second Disconnected", |e| matches!(e, Event::Disconnected(_))).await;
        drop(events);
        drop(client);
        // What the client sent after the bad bytes, on the first connection.
        let deadline = async_io::Timer::after(Duration::from_secs(10));
        futures_lite::future::or(
            async {
                while broker.received().is_empty() {
                    async_io::Timer::after(Duration::from_millis(10)).await;
                }
            },
            async {
                deadline.await;
            },
        )
        .await;
        let sent = broker.received().into_iter().next().expect("a finished connection");
        if v.is_v5() {
            assert_eq!(sent.first(), Some(&0xE0), "{v}: DISCONNECT first: {sent:02x?}");
            assert_eq!(sent.get(2), Some(&(code as u8)), "{v}: reason code: {sent:02x?}");
        } else {
            assert!(sent.is_empty(), "{v}: 3.1.1 just closes: {sent:02x?}");
        }
        violation
    })
}

fn after_connack(v: ProtocolVersion, bytes: &[u8]) -> Vec<u8> {
    let mut reply = connack(v);
    reply.extend_from_slice(bytes);
    reply
}

#[test]
fn reserved_packet_type_is_malformed() {
    for v in VERSIONS {
        let got = violation_after(v, after_connack(v, &[0x00, 0x00]), ReasonCode::MalformedPacket);
        assert!(matches!(got, Violation::Decode(DecodeError::ReservedPacketType(_))), "{got:?}");
    }
}

#[test]
fn oversized_packet_is_refused_from_its_header() {
    // A PUBLISH announcing 200 MiB: refused before any of it is buffered.
    for v in VERSIONS {
        let got =
            violation_after(v, after_connack(v, &[0x30, 0x80, 0x80, 0x80, 0x64]), ReasonCode::PacketTooLarge);
        assert!(matches!(got, Violation::Decode(DecodeError::PacketTooLarge { .. })), "{got:?}");
    }
}

#[test]
fn malformed_remaining_length_is_malformed() {
    for v in VERSIONS {
        let got = violation_after(
            v,
            after_connack(v, &[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
            ReasonCode::MalformedPacket,
        );
        assert!(matches!(got, Violation::Decode(DecodeError::MalformedVarInt)), "{got:?}");
    }
}

#[test]
fn invalid_utf8_topic_is_malformed() {
    for v in VERSIONS {
        let props: &[u8] = if v.is_v5() { &[0x00] } else { &[] };
        let mut publish = vec![0x00, 0x02, 0xff, 0xfe];
        publish.extend_from_slice(props);
        publish.extend_from_slice(b"payload");
        let mut bytes = vec![0x30, publish.len() as u8];
        bytes.extend(publish);
        let got = violation_after(v, after_connack(v, &bytes), ReasonCode::MalformedPacket);
        assert!(matches!(got, Violation::Decode(DecodeError::InvalidUtf8)), "{got:?}");
    }
}

#[test]
fn a_second_connack_is_a_protocol_error() {
    for v in VERSIONS {
        let got = violation_after(v, after_connack(v, &connack(v)), ReasonCode::ProtocolError);
        assert_eq!(got, Violation::UnexpectedPacket(PacketType::ConnAck));
    }
}

#[test]
fn garbage_instead_of_connack_never_panics_and_reconnects() {
    // Deterministic pseudo-random garbage, several seeds.
    for seed in 1..=8u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let garbage: Vec<u8> = (0..64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let broker = FakeBroker::start(garbage);
        run(Duration::from_secs(30), async {
            let mut opts = options(broker.addr, ProtocolVersion::V5, "garbage");
            // Garbage that looks like the start of a long packet never completes: the CONNACK
            // deadline ends those attempts.
            opts.config_mut().connect_timeout = Duration::from_millis(500);
            let client = Client::new(opts);
            let mut events = client.events();
            client.start().unwrap();
            for _ in 0..2 {
                let e = expect(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected(_))).await;
                assert!(
                    matches!(
                        e,
                        Event::Disconnected(
                            DisconnectReason::Protocol(_)
                                | DisconnectReason::Refused(_)
                                | DisconnectReason::Transport(_)
                                | DisconnectReason::ConnectTimeout
                        )
                    ),
                    "seed {seed}: {e:?}"
                );
            }
        });
    }
}
