//! A whole MQTT client over a blocking `std::net::TcpStream`, reconnecting when the broker goes
//! away: connect, subscribe, publish, answer each request from inside the `Message` arm,
//! disconnect. `cargo run -p sansmqtt-session --example blocking -- 127.0.0.1:1883`
//!
//! [`Blocking::step`] is one turn of the driving contract; the tests run it against Mosquitto
//! with 1-byte reads, a failed write and a broker restart (`tests/tests/session_examples.rs`).
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Action, Config, DisconnectOptions, Event, Instant, Outgoing, RecvBuffer, Session};
use sansmqtt_session::{DisconnectReason, TransportError};
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A byte stream with a read timeout (`TcpStream`, or a test's wrapper around one).
pub trait Stream: Read + Write {
    /// Block in `read` for at most `d`.
    fn set_read_timeout(&mut self, d: Duration) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn set_read_timeout(&mut self, d: Duration) -> io::Result<()> {
        Self::set_read_timeout(self, Some(d))
    }
}

/// A session, its receive buffer and its transport.
pub struct Blocking<S> {
    /// The session: issue commands on it.
    pub session: Session,
    rx: RecvBuffer,
    stream: Option<S>,
    out: Vec<u8>,
    epoch: std::time::Instant,
}

impl<S: Stream> Blocking<S> {
    /// A driver for `session`.
    pub fn new(session: Session) -> Self {
        #[allow(clippy::disallowed_methods)] // the driver's one clock read
        let epoch = std::time::Instant::now();
        Self { rx: session.new_recv_buffer(), session, stream: None, out: vec![0; 8192], epoch }
    }

    /// The driver's clock.
    pub fn now(&self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    /// One turn: hand out events (the handler may call any session command), write, open or
    /// close the transport, then wait for bytes or the session's next deadline.
    pub fn step(
        &mut self,
        open: &mut impl FnMut() -> io::Result<S>,
        on: &mut impl FnMut(&mut Session, Event<'_>),
    ) {
        let now = self.now();
        while let Some(event) = self.session.poll_event(&mut self.rx) {
            on(&mut self.session, event);
        }
        while let Some(s) = self.stream.as_mut() {
            let n = self.session.poll_transmit(now, &mut self.out);
            if n == 0 {
                break;
            }
            if let Err(e) = s.write_all(&self.out[..n]) {
                self.close(now, cause(&e)); // A failed write ends the connection.
            }
        }
        let mut acted = false;
        while let Some(action) = self.session.poll_action() {
            acted = true;
            match action {
                Action::Connect => match open() {
                    Ok(s) => {
                        self.stream = Some(s);
                        self.session.handle_connected(now);
                    }
                    Err(e) => self.session.handle_closed(now, cause(&e)),
                },
                _ => self.close(now, TransportError::ClosedByClient),
            }
        }
        if acted || self.session.has_event() {
            return; // More to hand out before waiting.
        }
        let wait =
            self.session.poll_timeout().map_or(1000, |t| t.as_millis().saturating_sub(now.as_millis()));
        let wait = Duration::from_millis(wait.clamp(1, 1000));
        let (Some(s), Some(buf)) = (self.stream.as_mut(), self.session.recv_buf(&mut self.rx)) else {
            // No transport (waiting to reconnect) or holding back: sleep until the deadline.
            std::thread::sleep(wait);
            return self.session.handle_timeout(self.now());
        };
        let read = s.set_read_timeout(wait).and_then(|()| s.read(buf));
        let now = self.now();
        match read {
            Ok(0) => self.close(now, TransportError::Closed),
            Ok(n) => self.session.handle_recv(now, &mut self.rx, n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.session.handle_timeout(now)
            }
            Err(e) => self.close(now, cause(&e)),
        }
    }

    fn close(&mut self, now: Instant, why: TransportError) {
        self.stream = None;
        self.session.handle_closed(now, why);
    }
}

/// The session's summary of an I/O error.
pub fn cause(e: &io::Error) -> TransportError {
    match e.kind() {
        ErrorKind::ConnectionRefused => TransportError::Refused,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            TransportError::Reset
        }
        ErrorKind::TimedOut => TransportError::TimedOut,
        ErrorKind::UnexpectedEof => TransportError::Closed,
        _ => TransportError::Io,
    }
}

#[allow(dead_code)] // The tests include this file for `Blocking`.
fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:1883".into());
    let mut client = Blocking::new(Session::new(Config::new(ProtocolVersion::V5, "sansmqtt-blocking")));
    let (requests, replies) = ("sansmqtt/blocking/request", "sansmqtt/blocking/reply");
    client.session.connect(client.now()).expect("a new session connects");
    let mut done = false;
    while !done {
        let now = client.now();
        client.step(&mut || TcpStream::connect(&addr), &mut |session, event| {
            println!("event: {event:?}");
            let r = match event {
                Event::Connected { .. } => session
                    .subscribe(now, &[("sansmqtt/blocking/#", SubscriptionOptions::new(QoS::AtLeastOnce))])
                    .and_then(|_| session.publish(now, &Outgoing::new(requests, b"ping", QoS::AtLeastOnce)))
                    .map(drop),
                // A reply to the request, from inside the arm: `m` borrows the receive buffer.
                Event::Message(m) if m.topic == requests => {
                    session.publish(now, &Outgoing::new(replies, m.payload, QoS::AtLeastOnce)).map(drop)
                }
                Event::Message(_) => session.disconnect(now, &DisconnectOptions::default()),
                Event::Disconnected(DisconnectReason::ByClient) => {
                    done = true;
                    Ok(())
                }
                _ => Ok(()),
            };
            if let Err(e) = r {
                eprintln!("command refused: {e}");
            }
        });
    }
}
