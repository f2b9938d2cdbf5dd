//! A blocking driver for the session over `std::net::TcpStream`, for tests.

use sansmqtt_session::{Action, Config, Event, Instant, RecvBuffer, Session, TransportError};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An owned copy of an event, so tests can keep them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// `Event::Connected`.
    Connected {
        /// Session Present.
        session_present: bool,
    },
    /// `Event::Message`.
    Message {
        /// Topic.
        topic: String,
        /// Payload.
        payload: Vec<u8>,
        /// QoS.
        qos: sansmqtt_proto::QoS,
        /// RETAIN.
        retain: bool,
    },
    /// `Event::Subscribed`: the SUBACK's reasons.
    Subscribed(Vec<sansmqtt_proto::ReasonCode>),
    /// `Event::Published`: the reason.
    Published(sansmqtt_proto::ReasonCode),
    /// `Event::Disconnected`: why.
    Disconnected(sansmqtt_session::DisconnectReason),
    /// Any other event, as `Debug` text (for failure messages only).
    Other(String),
}

/// Drives a [`Session`] over a blocking TCP stream.
pub struct BlockingClient {
    /// The session; issue commands on it directly.
    pub session: Session,
    rx: RecvBuffer,
    addr: SocketAddr,
    stream: Option<TcpStream>,
    epoch: std::time::Instant,
    /// Every event seen, in order.
    pub seen: Vec<Seen>,
}

impl BlockingClient {
    /// A client for `addr`, connecting at once.
    pub fn connect(addr: SocketAddr, config: Config) -> Self {
        let session = Session::new(config);
        let mut c = Self {
            rx: session.new_recv_buffer(),
            session,
            addr,
            stream: None,
            epoch: std::time::Instant::now(),
            seen: Vec::new(),
        };
        let now = c.now();
        c.session.connect(now).expect("connect");
        c
    }

    /// The driver's clock.
    pub fn now(&self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    /// Drive I/O until `done(&seen)` holds or `timeout` passes; returns whether it held.
    pub fn run_until(&mut self, timeout: Duration, mut done: impl FnMut(&[Seen]) -> bool) -> bool {
        let end = std::time::Instant::now() + timeout;
        loop {
            self.step();
            if done(&self.seen) {
                return true;
            }
            if std::time::Instant::now() > end {
                return false;
            }
        }
    }

    /// One round: drain events, transmit, actions, then read (up to 20 ms) or time out.
    pub fn step(&mut self) {
        while let Some(e) = self.session.poll_event(&mut self.rx) {
            self.seen.push(match e {
                Event::Connected { session_present, .. } => Seen::Connected { session_present },
                Event::Message(m) => Seen::Message {
                    topic: m.topic.to_string(),
                    payload: m.payload.to_vec(),
                    qos: m.qos,
                    retain: m.retain,
                },
                Event::Subscribed { reasons, .. } => Seen::Subscribed(reasons),
                Event::Published { reason, .. } => Seen::Published(reason),
                Event::Disconnected(reason) => Seen::Disconnected(reason),
                other => Seen::Other(format!("{other:?}")),
            });
        }
        let mut buf = [0u8; 8192];
        loop {
            let now = self.now();
            let n = self.session.poll_transmit(now, &mut buf);
            if n == 0 {
                break;
            }
            if let Some(s) = self.stream.as_mut()
                && s.write_all(&buf[..n]).is_err()
            {
                self.stream = None;
                let now = self.now();
                self.session.handle_closed(now, TransportError::Reset);
            }
        }
        if let Some(a) = self.session.poll_action() {
            let now = self.now();
            match a {
                Action::Connect => match TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)) {
                    Ok(s) => {
                        let _ = s.set_nodelay(true);
                        self.stream = Some(s);
                        self.session.handle_connected(now);
                    }
                    Err(_) => self.session.handle_closed(now, TransportError::Refused),
                },
                _ => {
                    self.stream = None;
                    self.session.handle_closed(now, TransportError::ClosedByClient);
                }
            }
            return;
        }
        if self.session.has_event() {
            return;
        }
        let now = self.now();
        let (Some(s), Some(buf)) = (self.stream.as_mut(), self.session.recv_buf(&mut self.rx)) else {
            std::thread::sleep(Duration::from_millis(5));
            self.session.handle_timeout(now);
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
        match s.read(buf) {
            Ok(0) => {
                self.stream = None;
                self.session.handle_closed(now, TransportError::Closed);
            }
            Ok(n) => self.session.handle_recv(now, &mut self.rx, n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.session.handle_timeout(now)
            }
            Err(_) => {
                self.stream = None;
                self.session.handle_closed(now, TransportError::Io);
            }
        }
    }

    /// Drop the TCP connection abruptly (no DISCONNECT).
    pub fn kill_connection(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        let now = self.now();
        self.session.handle_closed(now, TransportError::Reset);
    }

    /// The messages seen so far.
    pub fn messages(&self) -> Vec<(String, Vec<u8>, sansmqtt_proto::QoS)> {
        self.seen
            .iter()
            .filter_map(|s| match s {
                Seen::Message { topic, payload, qos, .. } => Some((topic.clone(), payload.clone(), *qos)),
                _ => None,
            })
            .collect()
    }
}
