//! Deterministic scenario harness: a [`Session`], a scripted broker built on the codec, a
//! virtual clock, and a seeded chunker that delivers the broker's bytes in random fragments.
#![allow(dead_code, unreachable_pub, missing_docs)]

use sansmqtt_proto::property::ConnAckProperties;
use sansmqtt_proto::{
    Ack, ConnAck, Packet, PacketId, ProtocolVersion, Publish, QoS, ReasonCode, Status, SubAck, TopicName,
    UnsubAck,
};
use sansmqtt_session::{
    Action, Config, DisconnectReason, Event, Instant, PublishFailure, RecvBuffer, ServerCapabilities,
    Session, Token,
};

/// The versions every scenario runs for.
pub const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

/// An event detached from the session's buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Connected {
        session_present: bool,
        caps: ServerCapabilities,
    },
    Disconnected(DisconnectReason),
    Message {
        topic: String,
        payload: Vec<u8>,
        qos: QoS,
        retain: bool,
        dup: bool,
        /// The packet identifier (QoS 1/2).
        id: Option<u16>,
        ack: Option<sansmqtt_session::AckToken>,
    },
    Published(Token, ReasonCode),
    PublishFailed(Token, PublishFailure),
    Subscribed(Token, Vec<ReasonCode>),
    Unsubscribed(Token, Vec<ReasonCode>),
    Resubscribed(Vec<(String, ReasonCode)>),
    SessionLost(Vec<Token>),
    /// `Event::Released`: the packet id of a QoS 2 message whose PUBREL arrived.
    Released(u16),
    ReadyToPublish,
    Reauthenticated,
    /// `Event::MessageStart`: topic, QoS, packet id, payload length.
    MessageStart {
        topic: String,
        qos: QoS,
        id: Option<u16>,
        payload_len: usize,
    },
    MessageChunk(Vec<u8>),
    MessageEnd(Option<sansmqtt_session::AckToken>),
    MessageAborted,
    ResendPayload {
        token: Token,
        payload_len: usize,
    },
}

fn detach(e: Event<'_>) -> Ev {
    match e {
        Event::Connected { session_present, capabilities } => {
            Ev::Connected { session_present, caps: capabilities }
        }
        Event::Disconnected(r) => Ev::Disconnected(r),
        Event::Message(m) => Ev::Message {
            topic: m.topic.to_string(),
            payload: m.payload.to_vec(),
            qos: m.qos,
            retain: m.retain,
            dup: m.dup,
            id: m.packet_id.map(|i| i.get()),
            ack: m.ack_token,
        },
        Event::Published { token, reason } => Ev::Published(token, reason),
        Event::PublishFailed { token, reason } => Ev::PublishFailed(token, reason),
        Event::Subscribed { token, reasons } => Ev::Subscribed(token, reasons),
        Event::Unsubscribed { token, reasons } => Ev::Unsubscribed(token, reasons),
        Event::Resubscribed { filters } => Ev::Resubscribed(filters),
        Event::SessionLost { tokens } => Ev::SessionLost(tokens),
        Event::Released { packet_id } => Ev::Released(packet_id.get()),
        Event::ReadyToPublish => Ev::ReadyToPublish,
        Event::Reauthenticated => Ev::Reauthenticated,
        Event::MessageStart { message, payload_len } => Ev::MessageStart {
            topic: message.topic.to_string(),
            qos: message.qos,
            id: message.packet_id.map(|i| i.get()),
            payload_len,
        },
        Event::MessageChunk(c) => Ev::MessageChunk(c.to_vec()),
        Event::MessageEnd { ack_token } => Ev::MessageEnd(ack_token),
        Event::MessageAborted => Ev::MessageAborted,
        Event::ResendPayload { token, payload_len } => Ev::ResendPayload { token, payload_len },
        other => panic!("unknown event {other:?}"),
    }
}

/// Session + scripted broker + virtual clock.
pub struct Harness {
    pub session: Session,
    /// The session's receive buffer.
    pub rx: RecvBuffer,
    pub version: ProtocolVersion,
    pub now: Instant,
    /// Whether a transport is open.
    pub open: bool,
    /// Whether `Action::Connect` opens the transport at once (false: the test decides).
    pub auto_open: bool,
    /// Bytes the client sent, not yet decoded.
    wire: Vec<u8>,
    /// Packets the client sent, decoded by the broker, not yet taken.
    pub inbox: Vec<Packet<'static>>,
    /// Every byte the client sent, as written (for checks on the exact encoding).
    pub raw: Vec<u8>,
    /// Events the session emitted, not yet taken.
    pub events: Vec<Ev>,
    /// Actions seen.
    pub actions: Vec<Action>,
    /// What the session handed to its store (`poll_store`), each time before transmitting:
    /// durable, as a driver keeps it.
    pub store: Vec<u8>,
    rng: u64,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self::with_session(Session::new(config))
    }

    /// A harness around `session` (e.g. one restored from a store).
    pub fn with_session(session: Session) -> Self {
        let version = session.protocol_version();
        Self {
            rx: session.new_recv_buffer(),
            session,
            version,
            now: Instant::from_millis(1_000),
            open: false,
            auto_open: true,
            wire: Vec::new(),
            inbox: Vec::new(),
            raw: Vec::new(),
            events: Vec::new(),
            actions: Vec::new(),
            store: Vec::new(),
            rng: 0x9E37_79B9_7F4A_7C15 ^ version.level() as u64,
        }
    }

    pub fn config(version: ProtocolVersion) -> Config {
        let mut c = Config::new(version, "client-1");
        c.keep_alive = std::time::Duration::from_secs(10);
        c.reconnect = Some(sansmqtt_session::Backoff::default().with_jitter(0.0));
        c
    }

    fn rand(&mut self, max: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % max as u64) as usize + 1
    }

    /// Drain the session's outputs the way a driver does; bounded so a livelock fails.
    pub fn drive(&mut self) {
        for _ in 0..1000 {
            let mut progressed = false;
            while let Some(e) = self.session.poll_event(&mut self.rx) {
                self.events.push(detach(e));
                progressed = true;
            }
            let mut buf = [0u8; 173];
            loop {
                progressed |= self.session.poll_store(&mut self.store);
                let n = self.session.poll_transmit(self.now, &mut buf);
                if n == 0 {
                    break;
                }
                assert!(self.open, "session transmitted with no transport open");
                self.wire.extend_from_slice(&buf[..n]);
                self.raw.extend_from_slice(&buf[..n]);
                progressed = true;
            }
            self.decode_wire();
            while let Some(a) = self.session.poll_action() {
                self.actions.push(a);
                progressed = true;
                match a {
                    Action::Connect if self.auto_open => {
                        self.open = true;
                        self.session.handle_connected(self.now);
                    }
                    Action::Connect => {}
                    Action::Close => {
                        self.open = false;
                        self.session
                            .handle_closed(self.now, sansmqtt_session::TransportError::ClosedByClient);
                    }
                    _ => {}
                }
            }
            if !progressed {
                return;
            }
        }
        panic!("session did not settle (livelock?)");
    }

    fn decode_wire(&mut self) {
        loop {
            match Packet::decode(&self.wire, self.version) {
                Ok(Status::Complete(d)) => {
                    let len = d.len;
                    self.inbox.push(d.packet.into_owned());
                    self.wire.drain(..len);
                }
                Ok(Status::Incomplete { .. }) => return,
                Err(sansmqtt_proto::DecodeError::UnexpectedProtocolVersion(v)) => self.version = v,
                Err(e) => panic!("client sent an undecodable packet: {e:?} {:?}", self.wire),
            }
        }
    }

    /// Feed raw bytes from the broker in random fragments, draining after each.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let n = self.rand(17).min(bytes.len() - i);
            let mut off = 0;
            while off < n {
                let taken = self.session.handle_data(self.now, &mut self.rx, &bytes[i + off..i + n]);
                off += taken;
                self.drive();
                if taken == 0 {
                    // Buffer full of undelivered data: the driver stops reading.
                    self.drive();
                    if self.session.recv_buf(&mut self.rx).is_none() {
                        return;
                    }
                }
            }
            i += n;
        }
        self.drive();
    }

    /// The broker sends a packet.
    pub fn send(&mut self, packet: Packet<'_>) {
        let mut v = Vec::new();
        packet.encode_to_vec(self.version, &mut v).expect("broker packet encodes");
        self.feed(&v);
    }

    pub fn advance(&mut self, ms: u64) {
        self.now = Instant::from_millis(self.now.as_millis() + ms);
        self.session.handle_timeout(self.now);
        self.drive();
    }

    /// Advance to the session's next deadline.
    pub fn advance_to_timeout(&mut self) {
        let t = self.session.poll_timeout().expect("a deadline");
        if t > self.now {
            self.now = t;
        }
        self.session.handle_timeout(self.now);
        self.drive();
    }

    /// The raw bytes the client sent since the last call.
    pub fn take_raw(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.raw)
    }

    pub fn take_inbox(&mut self) -> Vec<Packet<'static>> {
        std::mem::take(&mut self.inbox)
    }

    pub fn take_events(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.events)
    }

    /// The transport drops (EOF).
    pub fn drop_link(&mut self) {
        self.open = false;
        self.wire.clear();
        self.session.handle_closed(self.now, sansmqtt_session::TransportError::Closed);
        self.drive();
    }

    /// connect() → CONNECT seen by the broker → CONNACK.
    pub fn connect(&mut self, session_present: bool) -> Vec<Ev> {
        self.connect_with(session_present, ConnAckProperties::default())
    }

    pub fn connect_with(&mut self, session_present: bool, props: ConnAckProperties<'_>) -> Vec<Ev> {
        if !self.open {
            self.session.connect(self.now).expect("connect");
            self.drive();
        }
        self.expect_connect();
        self.connack(session_present, props);
        self.take_events()
    }

    /// The transport drops; after the backoff the session reconnects and the broker answers
    /// `session_present`. The events of the reconnection (the first of them `Disconnected`).
    pub fn reconnect(&mut self, session_present: bool) -> Vec<Ev> {
        self.drop_link();
        self.advance_to_timeout();
        self.expect_connect();
        self.connack(session_present, ConnAckProperties::default());
        self.take_events()
    }

    pub fn expect_connect(&mut self) -> sansmqtt_proto::Connect<'static> {
        let inbox = self.take_inbox();
        match inbox.as_slice() {
            [Packet::Connect(c)] => c.clone(),
            other => panic!("expected CONNECT, got {other:?}"),
        }
    }

    pub fn connack(&mut self, session_present: bool, props: ConnAckProperties<'_>) {
        let mut ack = ConnAck { session_present, reason: ReasonCode::Success, properties: props };
        if !self.version.is_v5() {
            ack.properties = Default::default();
        }
        self.send(Packet::ConnAck(ack));
    }

    pub fn publish_to_client(&mut self, topic: &str, payload: &[u8], qos: QoS, id: u16) {
        let mut p = Publish::new(TopicName::new(topic).unwrap(), payload);
        p.delivery = match qos {
            QoS::AtMostOnce => sansmqtt_proto::Delivery::AtMostOnce,
            QoS::AtLeastOnce => sansmqtt_proto::Delivery::AtLeastOnce(pid(id)),
            QoS::ExactlyOnce => sansmqtt_proto::Delivery::ExactlyOnce(pid(id)),
        };
        self.send(Packet::Publish(p));
    }

    pub fn puback(&mut self, id: u16) {
        self.send(Packet::PubAck(Ack::new(pid(id))));
    }
    pub fn pubrec(&mut self, id: u16) {
        self.send(Packet::PubRec(Ack::new(pid(id))));
    }
    pub fn pubrel(&mut self, id: u16) {
        self.send(Packet::PubRel(Ack::new(pid(id))));
    }
    pub fn pubcomp(&mut self, id: u16) {
        self.send(Packet::PubComp(Ack::new(pid(id))));
    }
    pub fn suback(&mut self, id: u16, codes: &[ReasonCode]) {
        self.send(Packet::SubAck(SubAck {
            packet_id: pid(id),
            properties: Default::default(),
            reasons: sansmqtt_proto::ReasonCodes::new(codes),
        }));
    }
    pub fn unsuback(&mut self, id: u16, codes: &[ReasonCode]) {
        let codes: &[ReasonCode] = if self.version.is_v5() { codes } else { &[] };
        self.send(Packet::UnsubAck(UnsubAck {
            packet_id: pid(id),
            properties: Default::default(),
            reasons: sansmqtt_proto::ReasonCodes::new(codes),
        }));
    }
}

pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("non-zero id")
}

/// The publishes in `packets`, as (id, dup, topic, payload).
pub fn publishes(packets: &[Packet<'_>]) -> Vec<(Option<u16>, bool, String, Vec<u8>)> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((
                p.packet_id().map(|i| i.get()),
                p.dup,
                p.topic.as_str().to_string(),
                p.payload.as_bytes().to_vec(),
            )),
            _ => None,
        })
        .collect()
}

/// The packet id of each packet in `packets` that carries one (PUBLISH at QoS 1/2, SUBSCRIBE,
/// UNSUBSCRIBE), in order; a packet without one fails the test.
pub fn packet_ids(packets: &[Packet<'_>]) -> Vec<u16> {
    packets
        .iter()
        .map(|p| match p {
            Packet::Publish(p) => p.packet_id().unwrap_or_else(|| panic!("a QoS 0 PUBLISH: {p:?}")).get(),
            Packet::Subscribe(s) => s.packet_id.get(),
            Packet::Unsubscribe(u) => u.packet_id.get(),
            other => panic!("no packet id: {other:?}"),
        })
        .collect()
}

/// Split raw client bytes into frames: (first byte of the fixed header, body).
pub fn frames(raw: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let first = raw[i];
        let (mut len, mut mult, mut j) = (0usize, 1usize, i + 1);
        loop {
            let b = raw[j];
            len += usize::from(b & 0x7F) * mult;
            mult *= 128;
            j += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        out.push((first, raw[j..j + len].to_vec()));
        i = j + len;
    }
    out
}

/// A reader over a raw packet body, for checks on the exact encoding.
pub struct Body<'a>(pub &'a [u8]);

impl<'a> Body<'a> {
    pub fn u8(&mut self) -> u8 {
        let b = self.0[0];
        self.0 = &self.0[1..];
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    /// A two-byte-length-prefixed field.
    pub fn field(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        let (f, rest) = self.0.split_at(n);
        self.0 = rest;
        f
    }
    pub fn varint(&mut self) -> usize {
        let (mut v, mut mult) = (0usize, 1usize);
        loop {
            let b = self.u8();
            v += usize::from(b & 0x7F) * mult;
            mult *= 128;
            if b & 0x80 == 0 {
                return v;
            }
        }
    }
    /// A v5 property block (length, then the bytes).
    pub fn properties(&mut self) -> &'a [u8] {
        let n = self.varint();
        let (f, rest) = self.0.split_at(n);
        self.0 = rest;
        f
    }
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }
}
