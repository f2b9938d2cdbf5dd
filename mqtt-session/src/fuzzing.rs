//! The `session` fuzz target body: arbitrary sequences of commands, broker packets, raw
//! bytes and time, checked against invariants. `fuzz/fuzz_targets/session.rs` is a one-line
//! call into [`session`]; the workspace tests replay the corpus through it on stable.
//!
//! Failures here are the point: this module is compiled only with the `fuzzing` feature (never
//! in a build that talks to a peer), and each `assert!` or call to `broken` reports a broken
//! invariant to the fuzzer or to the corpus-replay test. Nothing on the protocol path calls
//! into it.

use crate::{AckMode, AckToken, Action, Config, Event, Instant, Outgoing, Session, SessionLostPolicy};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use arbitrary::{Arbitrary, Unstructured};
use sansmqtt_proto::fuzzing::broken;
use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{
    Ack, ConnAck, Delivery, Disconnect, Packet, PacketId, ProtocolVersion, Publish, QoS, ReasonCode,
    ReasonCodes, Status, SubAck, SubscriptionOptions, TopicName, UnsubAck,
};

#[derive(Arbitrary, Debug)]
enum BrokerPacket {
    ConnAck { session_present: bool, refuse: bool, receive_maximum: u8 },
    PubAck(u8),
    PubRec(u8, bool),
    PubRel(u8),
    PubComp(u8),
    Publish { qos: u8, id: u8, dup: bool, topic: u8, alias: u8 },
    SubAck(u8, u8),
    UnsubAck(u8, u8),
    PingResp,
    Disconnect,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Connect,
    TransportUp,
    TransportDown,
    Broker(BrokerPacket, u8),
    Advance(u16),
    Publish { qos: u8, len: u8 },
    Subscribe(u8),
    Unsubscribe(u8),
    Ack(u8),
    Disconnect,
}

const TOPICS: [&str; 4] = ["a", "a/b", "sensors/1", "$SYS/x"];

/// The model of what the client did, seen from the broker's side of the wire.
#[derive(Default)]
struct Model {
    /// Client packet ids in use (PUBLISH QoS>0, SUBSCRIBE, UNSUBSCRIBE) → whether PUBREL was sent.
    client_ids: BTreeMap<u16, bool>,
    /// Broker QoS 2 ids delivered to the application and not yet released.
    delivered_qos2: BTreeSet<u16>,
    /// The QoS 2 PUBLISH id the broker just sent, to attribute the next QoS 2 message event.
    pending_qos2: Option<u16>,
    /// A message being streamed in: whether it is QoS 2, its payload length, bytes so far.
    streaming: Option<(bool, usize, usize)>,
    /// Give up the streamed payload being written after its next piece (`abort_payload`).
    abort_payload: bool,
}

/// Run one fuzz case. Panics on any invariant violation.
pub fn session(data: &[u8]) {
    run(data, false);
}

/// [`session`], printing every operation (to debug a crash input).
pub fn session_traced(data: &[u8]) {
    run(data, true);
}

fn run(data: &[u8], trace: bool) {
    let mut u = Unstructured::new(data);
    let version =
        if u.arbitrary::<bool>().unwrap_or(false) { ProtocolVersion::V5 } else { ProtocolVersion::V3_1_1 };
    let mut config = Config::new(version, "fuzz");
    config.max_packet_size = 512;
    // Bit 2 of the first byte: a receive buffer smaller than the largest packet, so that
    // larger messages are streamed through it.
    let streaming = data.first().is_some_and(|b| b & 0x04 != 0);
    if streaming {
        config.receive_buffer_size = Some(128);
    }
    config.max_inflight = 4;
    config.receive_maximum = 4;
    config.max_queued_messages = 8;
    config.max_queued_bytes = 2048;
    config.topic_alias_maximum = 4;
    config.ack_mode = if u.arbitrary().unwrap_or(false) { AckMode::Manual } else { AckMode::Auto };
    config.session_lost_policy = if u.arbitrary().unwrap_or(false) {
        SessionLostPolicy::HandBack
    } else {
        SessionLostPolicy::ResendAsNew
    };
    // Clean Start 0 on the first connection, with or without taking up a stored session the
    // session holds no state of (5.0 [MQTT-3.2.2-4]), and Request Problem Information 0 or 1:
    // chosen by bits of the first byte that the version choice leaves unused (it reads bit 0),
    // consuming nothing, so that the older corpus entries, whose first bytes have bit 6 clear,
    // run exactly as they did.
    let first = data.first().copied().unwrap_or(0);
    if first & 0x40 != 0 {
        config.clean_start = false;
        config.session_expiry_interval = 60;
        config.resume_stored_session = first & 0x08 != 0;
        // Request Problem Information 0: reason strings on acks become violations.
        config.request_problem_information = first & 0x20 == 0;
    }
    let restore_config = config.clone();
    let mut s = Session::new(config);
    let mut rx = s.new_recv_buffer();
    // Journaling (bit 4 of the first byte): the store keeps what `poll_store` handed out, and
    // at the end it must rebuild the same state.
    let mut store = Vec::new();
    let journaled = first & 0x10 != 0;
    if journaled {
        s.start_journal(&mut store);
    }
    let mut now = 0u64;
    let mut open = false;
    let mut wire = Vec::new();
    let mut tokens: Vec<AckToken> = Vec::new();
    let mut model = Model::default();
    let mut server_window = usize::from(u16::MAX);
    for _ in 0..256 {
        let Ok(op) = Op::arbitrary(&mut u) else { break };
        if trace {
            std::eprintln!("{op:?}  [state {:?}, inflight {}]", s.state(), s.inflight());
        }
        let t = Instant::from_millis(now);
        match op {
            Op::Connect => {
                let _ = s.connect(t);
            }
            Op::TransportUp => {
                open = true;
                s.handle_connected(t);
            }
            Op::TransportDown => {
                open = false;
                wire.clear();
                s.handle_closed(t, crate::TransportError::Reset);
            }
            Op::Broker(p, split) => {
                let v = s.protocol_version();
                let mut bytes = Vec::new();
                if let BrokerPacket::ConnAck { session_present, refuse, receive_maximum } = &p
                    && !*refuse
                {
                    if !*session_present {
                        // 3.1.1 with Clean Session 0 keeps its own half of the session whatever
                        // Session Present says [MQTT-4.4.0-1]: its ids stay in use and are
                        // resent; only the server's QoS 2 flows are gone. Otherwise (5.0, or a
                        // clean session) the client's state is discarded too.
                        if !v.is_v5() && first & 0x40 != 0 {
                            model.delivered_qos2.clear();
                            model.pending_qos2 = None;
                        } else {
                            // A message being streamed in still ends as the session says (its
                            // bytes come before this CONNACK's): not part of what is discarded.
                            let streaming = model.streaming.take();
                            model = Model::default();
                            model.streaming = streaming;
                        }
                    }
                    server_window = if v.is_v5() && *receive_maximum > 0 {
                        usize::from(*receive_maximum)
                    } else {
                        usize::from(u16::MAX)
                    };
                }
                model.pending_qos2 = match &p {
                    BrokerPacket::Publish { qos, id, .. } if qos % 3 == 2 => Some(u16::from(*id % 8 + 1)),
                    _ => None,
                };
                if let BrokerPacket::PubComp(id) | BrokerPacket::PubAck(id) = &p {
                    model.client_ids.remove(&u16::from(*id % 8 + 1));
                }
                encode_broker(&p, v, &mut bytes);
                let cut = usize::from(split) % (bytes.len() + 1);
                for chunk in [&bytes[..cut], &bytes[cut..]] {
                    let mut off = 0;
                    while off < chunk.len() {
                        let n = s.handle_data(t, &mut rx, &chunk[off..]);
                        off += n;
                        drain(&mut s, &mut rx, t, &mut open, &mut wire, &mut tokens, &mut model, &mut store);
                        if n == 0 && s.recv_buf(&mut rx).is_none() {
                            break;
                        }
                    }
                }
            }
            Op::Advance(ms) => {
                now += u64::from(ms) * 16;
                s.handle_timeout(Instant::from_millis(now));
            }
            Op::Publish { qos, len } => {
                let payload = [0xA5u8; 255];
                let msg_qos = QoS::from_u8(qos % 3).unwrap_or(QoS::AtMostOnce);
                let topic = TOPICS[usize::from(len) % 3];
                // With streaming (bit 2 of the first byte), a QoS byte with bit 7 set publishes
                // the payload in pieces, written as the transmit buffer takes them; with bit 6
                // too, the payload being written (this one, or a resend asked for later) is
                // given up after its next piece (see `transmit`).
                if streaming && qos & 0x80 != 0 {
                    model.abort_payload |= qos & 0x40 != 0;
                    let _ = s.publish_streamed(t, &Outgoing::new(topic, b"", msg_qos), usize::from(len));
                } else {
                    let _ = s.publish(t, &Outgoing::new(topic, &payload[..usize::from(len)], msg_qos));
                }
            }
            Op::Subscribe(i) => {
                let f = TOPICS[usize::from(i) % TOPICS.len()];
                let _ = s.subscribe(t, &[(f, SubscriptionOptions::new(QoS::ExactlyOnce))]);
            }
            Op::Unsubscribe(i) => {
                let _ = s.unsubscribe(t, &[TOPICS[usize::from(i) % TOPICS.len()]]);
            }
            Op::Ack(i) => {
                if !tokens.is_empty() {
                    let tok = tokens.remove(usize::from(i) % tokens.len());
                    // The high bit refuses the message instead (v5; refused in 3.1.1). A refused
                    // QoS 2 message is over for the client at once: the server's resend after a
                    // reconnect, if the refusal never went out, is handed out again.
                    if i & 0x80 == 0 {
                        let _ = s.ack(t, tok);
                    } else if s.reject(t, tok, ReasonCode::UnspecifiedError).is_ok() {
                        model.delivered_qos2.remove(&tok.packet_id.get());
                    }
                }
            }
            Op::Disconnect => {
                let _ = s.disconnect(t, &crate::DisconnectOptions::default());
            }
        }
        drain(
            &mut s,
            &mut rx,
            Instant::from_millis(now),
            &mut open,
            &mut wire,
            &mut tokens,
            &mut model,
            &mut store,
        );
        // Invariants.
        assert!(s.inflight() <= 4, "in-flight store beyond its bound");
        assert!(
            s.out.quota_used() <= s.window(),
            "more unacknowledged PUBLISH on this connection than allowed"
        );
        let _ = server_window;
        assert!(s.queued() <= 8, "queue exceeds its bound");
        if let Some(deadline) = s.poll_timeout() {
            s.handle_timeout(Instant::from_millis(now));
            if let Some(d2) = s.poll_timeout() {
                assert!(d2 > Instant::from_millis(now) || d2 == deadline || d2 >= Instant::from_millis(now));
            }
        }
    }
    if journaled {
        check_restore(&mut s, &mut store, restore_config);
    }
}

/// What the store holds rebuilds the session's state: the same snapshot, byte for byte.
/// (Not after a fallback from 5.0 to 3.1.1, which changes the version the state was made for.)
fn check_restore(s: &mut Session, store: &mut Vec<u8>, config: Config) {
    s.poll_store(store);
    if s.protocol_version() != config.version {
        return;
    }
    let (restored, _) = match Session::restore(config, store) {
        Ok(r) => r,
        Err(e) => broken(format_args!("the journal does not restore: {e}")),
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    s.snapshot(&mut a);
    restored.snapshot(&mut b);
    assert!(a == b, "the restored state differs from the journaled one:\n{a:?}\n{b:?}");
    // Damaged copies of the store (a byte changed, the end cut) are refused or restore,
    // never panic; one that restores snapshots and restores again.
    let len = store.len();
    for i in 0..8 {
        let mut bad = store.clone();
        let at = (i * 7919 + len / 3) % len.max(1);
        if let Some(byte) = bad.get_mut(at) {
            *byte ^= 1 << (i % 8);
        }
        bad.truncate(len - (i * 13) % len.max(1));
        if let Ok((s, _)) = Session::restore(s.config().clone(), &bad) {
            let mut again = Vec::new();
            s.snapshot(&mut again);
            assert!(
                Session::restore(s.config().clone(), &again).is_ok(),
                "a snapshot of a restored state restores"
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn drain(
    s: &mut Session,
    rx: &mut crate::RecvBuffer,
    t: Instant,
    open: &mut bool,
    wire: &mut Vec<u8>,
    tokens: &mut Vec<AckToken>,
    model: &mut Model,
    store: &mut Vec<u8>,
) {
    for _ in 0..64 {
        let mut progressed = false;
        while let Some(e) = s.poll_event(rx) {
            progressed = true;
            // `Some(own id)` for a QoS 2 message (the id is known with manual acks).
            let qos2 = match &e {
                Event::Message(m) => {
                    assert!(model.streaming.is_none(), "a whole message inside a streamed one");
                    if let Some(tok) = m.ack_token {
                        tokens.push(tok);
                    }
                    (m.qos == QoS::ExactlyOnce).then(|| m.ack_token.map(|t| t.packet_id.get()))
                }
                Event::MessageStart { message, payload_len } => {
                    assert!(model.streaming.is_none(), "a stream begins inside another");
                    assert!(message.payload.is_empty() && message.ack_token.is_none());
                    model.streaming = Some((message.qos == QoS::ExactlyOnce, *payload_len, 0));
                    None
                }
                Event::MessageChunk(c) => {
                    let Some((_, len, got)) = model.streaming.as_mut() else {
                        broken(format_args!("chunk outside a stream"))
                    };
                    *got += c.len();
                    assert!(*got <= *len && !c.is_empty(), "chunks beyond the announced length");
                    None
                }
                Event::MessageEnd { ack_token } => {
                    let Some((qos2, len, got)) = model.streaming.take() else {
                        broken(format_args!("end outside a stream"))
                    };
                    assert!(got == len, "stream ended after {got} of {len} bytes");
                    if let Some(tok) = ack_token {
                        tokens.push(*tok);
                    }
                    qos2.then(|| ack_token.map(|t| t.packet_id.get()))
                }
                Event::MessageAborted => {
                    assert!(model.streaming.take().is_some(), "abort outside a stream");
                    None
                }
                Event::Disconnected(_) => {
                    assert!(model.streaming.is_none(), "a stream neither ended nor aborted at a disconnect");
                    None
                }
                _ => None,
            };
            let _ = e;
            if let Some(own) = qos2 {
                // What the session sent before handing this message out comes first: a
                // PUBCOMP there released an id, so a message with it is new [MQTT-4.3.3-12].
                progressed |= transmit(s, t, *open, wire, store, &mut model.abort_payload);
                check_wire(wire, s.protocol_version(), model);
                // A message held back (manual-ack backpressure) comes out after later broker
                // packets: only its own id says which it is. Otherwise it is the QoS 2
                // PUBLISH the broker just sent.
                let id = match own {
                    Some(id) => {
                        if model.pending_qos2 == Some(id) {
                            model.pending_qos2 = None;
                        }
                        Some(id)
                    }
                    None => model.pending_qos2.take(),
                };
                if let Some(id) = id {
                    assert!(model.delivered_qos2.insert(id), "QoS 2 message {id} delivered twice");
                }
            }
        }
        progressed |= transmit(s, t, *open, wire, store, &mut model.abort_payload);
        check_wire(wire, s.protocol_version(), model);
        while let Some(a) = s.poll_action() {
            progressed = true;
            if a == Action::Close {
                *open = false;
                wire.clear();
                s.handle_closed(t, crate::TransportError::ClosedByClient);
            }
        }
        if !progressed {
            return;
        }
    }
}

/// Move what the session has to send onto the wire (dropped while no transport is open).
fn transmit(
    s: &mut Session,
    t: Instant,
    open: bool,
    wire: &mut Vec<u8>,
    store: &mut Vec<u8>,
    abort: &mut bool,
) -> bool {
    let mut buf = [0u8; 97];
    let mut progressed = false;
    let mut cut = false;
    loop {
        // A streamed payload (or one asked for again) is written as it is taken: 0xA5 bytes,
        // as the whole-payload publishes carry. One to give up goes out one byte, then is
        // given up: nothing more may be handed out on the connection, which must end.
        if let Some(left) = s.payload_remaining() {
            if cut {
                *abort = false;
                assert!(s.abort_payload(t).is_some(), "a payload was being written");
                assert!(s.payload_remaining().is_none(), "the payload is given up");
                let mut rest = [0u8; 97];
                assert!(s.poll_transmit(t, &mut rest) == 0, "bytes handed out after an aborted payload");
                return true;
            }
            if *abort && left > 1 {
                progressed |= s.write_payload(t, &[0xA5]) > 0;
                cut = true;
            } else {
                progressed |= s.write_payload(t, &[0xA5; 255][..left.min(255)]) > 0;
            }
        }
        progressed |= s.poll_store(store);
        let n = s.poll_transmit(t, &mut buf);
        if n == 0 {
            return progressed;
        }
        progressed = true;
        if open {
            wire.extend_from_slice(&buf[..n]);
        }
    }
}

/// Decode what the client sent and check the packet-id invariants.
fn check_wire(wire: &mut Vec<u8>, v: ProtocolVersion, model: &mut Model) {
    loop {
        let (len, packet) = match Packet::decode(wire, v) {
            Ok(Status::Complete(d)) => (d.len, d.packet.into_owned()),
            Ok(Status::Incomplete { .. }) => return,
            Err(sansmqtt_proto::DecodeError::UnexpectedProtocolVersion(_)) => {
                wire.clear();
                return;
            }
            Err(e) => broken(format_args!("the client sent an invalid packet: {e:?}")),
        };
        wire.drain(..len);
        if std::env::var_os("SANSMQTT_FUZZ_TRACE").is_some() {
            std::eprintln!("   client -> {packet:?}");
        }
        match packet {
            Packet::Publish(p) => {
                if let Some(id) = p.packet_id() {
                    match model.client_ids.get(&id.get()) {
                        Some(true) => broken(format_args!("PUBLISH {id} resent after PUBREL")),
                        Some(false) if !p.dup => broken(format_args!("packet id {id} reused while in use")),
                        _ => {}
                    }
                    model.client_ids.insert(id.get(), false);
                }
            }
            // A PUBREL answering an unknown PUBREC (0x92) says nothing about our ids.
            Packet::PubRel(a) if a.reason == ReasonCode::Success => {
                if let Some(released) = model.client_ids.get_mut(&a.packet_id.get()) {
                    *released = true;
                }
            }
            // PUBCOMP, or a PUBREC refusing the message [MQTT-4.3.3-9]: the incoming QoS 2
            // flow with this id is over.
            Packet::PubComp(a) => {
                model.delivered_qos2.remove(&a.packet_id.get());
            }
            Packet::PubRec(a) if a.reason.is_error() => {
                model.delivered_qos2.remove(&a.packet_id.get());
            }
            Packet::Connect(_) => {}
            _ => {}
        }
    }
}

/// Packet ids 1 to 8 (few, so that the fuzzer reuses them).
fn pid(id: u8) -> PacketId {
    match PacketId::new(u16::from(id % 8) + 1) {
        Some(p) => p,
        None => broken(format_args!("id {id} % 8 + 1 is zero")),
    }
}

const GRANTED: [ReasonCode; 4] = [ReasonCode::GrantedQoS1; 4];
const SUCCESS: [ReasonCode; 4] = [ReasonCode::Success; 4];

fn encode_broker(p: &BrokerPacket, v: ProtocolVersion, out: &mut Vec<u8>) {
    let packet = match p {
        BrokerPacket::ConnAck { session_present, refuse, receive_maximum } => {
            let mut props = ConnAckProperties::default();
            if v.is_v5() {
                props.receive_maximum = core::num::NonZeroU16::new(u16::from(*receive_maximum));
            }
            Packet::ConnAck(ConnAck {
                session_present: *session_present && !*refuse,
                reason: if *refuse { ReasonCode::NotAuthorized } else { ReasonCode::Success },
                properties: props,
            })
        }
        BrokerPacket::PubAck(id) => Packet::PubAck(Ack::new(pid(*id))),
        BrokerPacket::PubRec(id, err) => {
            let mut a = Ack::new(pid(*id));
            if *err && v.is_v5() {
                a.reason = ReasonCode::QuotaExceeded;
            }
            Packet::PubRec(a)
        }
        BrokerPacket::PubRel(id) => Packet::PubRel(Ack::new(pid(*id))),
        BrokerPacket::PubComp(id) => Packet::PubComp(Ack::new(pid(*id))),
        BrokerPacket::Publish { qos, id, dup, topic, alias } => {
            let topic = TOPICS[usize::from(*topic) % TOPICS.len()];
            let mut p = Publish::new(TopicName::new(topic).unwrap_or(TopicName::EMPTY), b"payload");
            p.delivery = match qos % 3 {
                0 => Delivery::AtMostOnce,
                1 => Delivery::AtLeastOnce(pid(*id)),
                _ => Delivery::ExactlyOnce(pid(*id)),
            };
            p.dup = *dup && p.delivery != Delivery::AtMostOnce;
            if v.is_v5() && *alias > 0 {
                p.properties.topic_alias = core::num::NonZeroU16::new(u16::from(*alias % 6));
                if alias % 2 == 0 {
                    p.topic = TopicName::EMPTY;
                }
            }
            Packet::Publish(p)
        }
        BrokerPacket::SubAck(id, n) => {
            let codes = &GRANTED;
            Packet::SubAck(SubAck {
                packet_id: pid(*id),
                properties: Default::default(),
                reasons: ReasonCodes::new(&codes[..usize::from(*n % 3) + 1]),
            })
        }
        BrokerPacket::UnsubAck(id, n) => {
            let codes = &SUCCESS;
            let n = if v.is_v5() { usize::from(*n % 3) + 1 } else { 0 };
            Packet::UnsubAck(UnsubAck {
                packet_id: pid(*id),
                properties: Default::default(),
                reasons: ReasonCodes::new(&codes[..n]),
            })
        }
        BrokerPacket::PingResp => Packet::PingResp,
        BrokerPacket::Disconnect => Packet::Disconnect(Disconnect::new(ReasonCode::Success)),
        BrokerPacket::Raw(bytes) => {
            out.extend_from_slice(bytes);
            return;
        }
    };
    let _ = packet.encode_to_vec(v, out);
}
