//! A scripted in-memory transport with a tiny fake broker behind it.
//!
//! The broker answers what the client writes (CONNACK, SUBACK, PUBACK/PUBREC/PUBCOMP,
//! UNSUBACK, PINGRESP), echoes publishes back when something is subscribed, and acknowledges
//! the client's side of incoming QoS 2. Faults are injected through [`Handle`]: reads and
//! writes of at most N bytes, `Pending` on every other call (to cancel at every await point),
//! end of stream, I/O errors, failing or hanging connects, and a silent broker.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use sansmqtt_embassy::Transport;
use sansmqtt_proto::{
    Ack, ConnAck, Delivery, Packet, ProtocolVersion, Publish, QoS, ReasonCode, ReasonCodes, Status, SubAck,
    TopicName, UnsubAck,
};

/// What the next read returns once the queued bytes before it are consumed.
#[derive(Clone, Debug)]
enum In {
    Bytes(Vec<u8>),
    Eof,
    Error,
}

#[derive(Default)]
pub struct State {
    pub version: Option<ProtocolVersion>,
    inbound: VecDeque<In>,
    /// Bytes the client wrote on the current connection, not yet decoded.
    wire: Vec<u8>,
    /// Every packet the client sent, decoded, over all connections (as debug strings).
    pub sent: Vec<String>,
    /// Transport calls in order: "connect", "close", "write N".
    pub log: Vec<String>,
    pub open: bool,
    pub read_chunk: Option<usize>,
    pub write_chunk: Option<usize>,
    /// Return `Pending` (and wake at once) on every other read/write/connect call.
    pub flaky: bool,
    flip: bool,
    /// Results of the next connects (Ok when empty).
    pub connect_results: VecDeque<Result<(), ()>>,
    /// Connects never complete.
    pub connect_hangs: bool,
    /// The broker stops answering (and echoing).
    pub silent: bool,
    /// The next write fails.
    pub fail_next_write: bool,
    /// Replace the broker's next PUBACK with end of stream.
    pub eof_instead_of_puback: bool,
    /// Whether the broker keeps the session (answers session_present to clean_start = 0).
    stored_session: bool,
    subscribed: bool,
    next_id: u16,
    read_waker: Option<Waker>,
    pub completed_connects: usize,
}

/// The test's handle on the mock's state.
#[derive(Clone, Default)]
pub struct Handle(pub Rc<RefCell<State>>);

impl Handle {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn transport(&self) -> Mock {
        Mock(self.0.clone())
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }

    /// The broker sends `p` now.
    pub fn push(&self, p: Packet<'_>) {
        self.with(|s| s.queue(p));
    }

    pub fn push_eof(&self) {
        self.with(|s| {
            s.inbound.push_back(In::Eof);
            s.wake();
        });
    }

    pub fn push_error(&self) {
        self.with(|s| {
            s.inbound.push_back(In::Error);
            s.wake();
        });
    }

    /// Packets sent by the client whose debug form starts with `prefix`.
    pub fn sent(&self, prefix: &str) -> Vec<String> {
        self.with(|s| s.sent.iter().filter(|p| p.starts_with(prefix)).cloned().collect())
    }
}

impl State {
    fn version(&self) -> ProtocolVersion {
        self.version.unwrap_or(ProtocolVersion::V5)
    }

    fn wake(&mut self) {
        if let Some(w) = self.read_waker.take() {
            w.wake();
        }
    }

    fn queue(&mut self, p: Packet<'_>) {
        let mut v = Vec::new();
        p.encode_to_vec(self.version(), &mut v).expect("broker packet encodes");
        self.inbound.push_back(In::Bytes(v));
        self.wake();
    }

    /// Every other call is `Pending` in flaky mode.
    fn stall(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.flaky {
            return false;
        }
        self.flip = !self.flip;
        if self.flip {
            cx.waker().wake_by_ref();
        }
        self.flip
    }

    fn decode_wire(&mut self) {
        loop {
            let v = self.version();
            let (packet, len) = match Packet::decode(&self.wire, v) {
                Ok(Status::Complete(d)) => (d.packet.into_owned(), d.len),
                Ok(Status::Incomplete { .. }) => return,
                // The first packet is CONNECT: its protocol level names the version.
                Err(sansmqtt_proto::DecodeError::UnexpectedProtocolVersion(level))
                    if self.version.is_none() =>
                {
                    self.version = Some(level);
                    continue;
                }
                Err(e) => panic!("client sent an undecodable packet: {e:?}"),
            };
            self.wire.drain(..len);
            self.version = Some(v);
            self.sent.push(format!("{packet:?}"));
            self.answer(&packet);
        }
    }

    fn answer(&mut self, p: &Packet<'_>) {
        if self.silent {
            return;
        }
        match p {
            Packet::Connect(c) => {
                let present = !c.clean_start && self.stored_session;
                self.stored_session = !c.clean_start || c.properties.session_expiry_interval.is_some();
                self.queue(Packet::ConnAck(ConnAck {
                    session_present: present,
                    reason: ReasonCode::Success,
                    properties: Default::default(),
                }));
            }
            Packet::Subscribe(s) => {
                self.subscribed = true;
                let codes: Vec<ReasonCode> = s
                    .subscriptions
                    .iter()
                    .map(|x| ReasonCode::from_u8(x.options.qos as u8).unwrap_or(ReasonCode::Success))
                    .collect();
                self.queue(Packet::SubAck(SubAck {
                    packet_id: s.packet_id,
                    properties: Default::default(),
                    reasons: ReasonCodes::new(&codes),
                }));
            }
            Packet::Unsubscribe(u) => {
                self.subscribed = false;
                let codes: Vec<ReasonCode> = if self.version().is_v5() {
                    u.filters.iter().map(|_| ReasonCode::Success).collect()
                } else {
                    Vec::new()
                };
                self.queue(Packet::UnsubAck(UnsubAck {
                    packet_id: u.packet_id,
                    properties: Default::default(),
                    reasons: ReasonCodes::new(&codes),
                }));
            }
            Packet::Publish(p) => {
                match p.delivery {
                    Delivery::AtMostOnce => {}
                    Delivery::AtLeastOnce(id) if self.eof_instead_of_puback => {
                        let _ = id;
                        self.eof_instead_of_puback = false;
                        self.inbound.push_back(In::Eof);
                        self.wake();
                        return;
                    }
                    Delivery::AtLeastOnce(id) => self.queue(Packet::PubAck(Ack::new(id))),
                    Delivery::ExactlyOnce(id) => self.queue(Packet::PubRec(Ack::new(id))),
                }
                if self.subscribed {
                    self.next_id = self.next_id % 1000 + 1;
                    let id = sansmqtt_proto::PacketId::new(self.next_id).expect("non-zero");
                    let mut echo =
                        Publish::new(TopicName::new(p.topic.as_str()).expect("topic"), p.payload.as_bytes());
                    echo.delivery = match p.qos() {
                        QoS::AtMostOnce => Delivery::AtMostOnce,
                        QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
                        QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
                    };
                    self.queue(Packet::Publish(echo));
                }
            }
            Packet::PubRel(a) => self.queue(Packet::PubComp(Ack::new(a.packet_id))),
            Packet::PubRec(a) => self.queue(Packet::PubRel(Ack::new(a.packet_id))),
            Packet::PingReq => self.queue(Packet::PingResp),
            Packet::Disconnect(_) => {
                self.inbound.push_back(In::Eof);
                self.wake();
            }
            _ => {}
        }
    }
}

/// The transport side of the mock.
pub struct Mock(Rc<RefCell<State>>);

impl std::fmt::Debug for Mock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mock")
    }
}

/// An injected I/O error of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockError(pub ErrorKind);

impl std::fmt::Display for MockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected I/O error")
    }
}

impl std::error::Error for MockError {}

impl embedded_io_async::Error for MockError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl ErrorType for Mock {
    type Error = MockError;
}

impl Read for Mock {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, MockError> {
        assert!(!buf.is_empty(), "the client read into an empty buffer");
        std::future::poll_fn(|cx| {
            let mut s = self.0.borrow_mut();
            assert!(s.open, "read without an open connection");
            if s.stall(cx) {
                return Poll::Pending;
            }
            let chunk = s.read_chunk.unwrap_or(usize::MAX).min(buf.len());
            match s.inbound.pop_front() {
                None => {
                    s.read_waker = Some(cx.waker().clone());
                    Poll::Pending
                }
                Some(In::Eof) => Poll::Ready(Ok(0)),
                Some(In::Error) => Poll::Ready(Err(MockError(ErrorKind::ConnectionReset))),
                Some(In::Bytes(mut b)) => {
                    let n = chunk.min(b.len());
                    buf[..n].copy_from_slice(&b[..n]);
                    if n < b.len() {
                        s.inbound.push_front(In::Bytes(b.split_off(n)));
                    }
                    Poll::Ready(Ok(n))
                }
            }
        })
        .await
    }
}

impl Write for Mock {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, MockError> {
        std::future::poll_fn(|cx| {
            let mut s = self.0.borrow_mut();
            assert!(s.open, "write without an open connection");
            if s.stall(cx) {
                return Poll::Pending;
            }
            if std::mem::take(&mut s.fail_next_write) {
                return Poll::Ready(Err(MockError(ErrorKind::BrokenPipe)));
            }
            let n = s.write_chunk.unwrap_or(usize::MAX).min(buf.len());
            s.wire.extend_from_slice(&buf[..n]);
            s.log.push(format!("write {n}"));
            s.decode_wire();
            Poll::Ready(Ok(n))
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), MockError> {
        Ok(())
    }
}

impl Transport for Mock {
    async fn connect(&mut self) -> Result<(), MockError> {
        std::future::poll_fn(|cx| {
            let mut s = self.0.borrow_mut();
            if s.connect_hangs || s.stall(cx) {
                return Poll::Pending;
            }
            s.log.push("connect".into());
            if s.connect_results.pop_front() == Some(Err(())) {
                return Poll::Ready(Err(MockError(ErrorKind::ConnectionRefused)));
            }
            s.open = true;
            s.completed_connects += 1;
            s.wire.clear();
            s.inbound.clear();
            Poll::Ready(Ok(()))
        })
        .await
    }

    async fn close(&mut self) {
        let mut s = self.0.borrow_mut();
        if s.open {
            s.log.push("close".into());
        }
        s.open = false;
        s.inbound.clear();
    }
}
