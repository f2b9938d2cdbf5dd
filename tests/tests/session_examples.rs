//! The documented blocking driver (`mqtt-session/examples/blocking.rs`, included here as it
//! is) against a real Mosquitto, as a user meets it: 1-byte reads, a write that fails, and the
//! broker stopped for 5 s and started again with reconnect on. While the broker is gone the
//! driver must sleep to the session's deadlines, not spin: its thread's CPU time over those
//! 5 s is measured (from `/proc/thread-self/stat`) and must stay below 5 % of a core. The tokio
//! example (`mqtt-session/examples/tokio.rs`) runs its subscribe-and-reply flow against a broker
//! that comes up only after the client started: it connects when the broker does.

#[path = "../../mqtt-session/examples/blocking.rs"]
#[allow(dead_code, unreachable_pub, missing_docs, clippy::disallowed_methods)]
mod blocking_example;

#[path = "../../mqtt-session/examples/tokio.rs"]
#[allow(dead_code, unreachable_pub, missing_docs, clippy::disallowed_methods)]
mod tokio_example;

use blocking_example::{Blocking, Stream};
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Backoff, Config, DisconnectOptions, DisconnectReason, Event, Outgoing, Session};
use sansmqtt_tests::mosquitto::Mosquitto;
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A TCP stream that reads one byte at a time and fails one write when told to.
struct Faulty {
    tcp: TcpStream,
    fail_next_write: Rc<Cell<bool>>,
}

impl Read for Faulty {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let one = buf.len().min(1);
        self.tcp.read(&mut buf[..one])
    }
}

impl Write for Faulty {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.fail_next_write.replace(false) {
            let _ = self.tcp.shutdown(std::net::Shutdown::Both);
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "injected write failure"));
        }
        self.tcp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

impl Stream for Faulty {
    fn set_read_timeout(&mut self, d: Duration) -> io::Result<()> {
        self.tcp.set_read_timeout(Some(d))
    }
}

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("Linux /proc");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..].split(' ').collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); the slice starts at field 3.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = std::process::Command::new("getconf").arg("CLK_TCK").output().expect("getconf");
    let hz: u64 = String::from_utf8_lossy(&hz.stdout).trim().parse().expect("CLK_TCK");
    Duration::from_millis(ticks * 1000 / hz)
}

/// What the application saw.
#[derive(Default)]
struct Seen {
    connects: usize,
    subscribed: bool,
    replies: Vec<Vec<u8>>,
    closed: bool,
}

/// One turn of the example's driver, with the application's handler: subscribe on every
/// connection, answer each request from inside the `Message` arm, note the replies.
fn step(client: &mut Blocking<Faulty>, open: &mut impl FnMut() -> io::Result<Faulty>, seen: &mut Seen) {
    let now = client.now();
    client.step(open, &mut |session, event| match event {
        Event::Connected { .. } => {
            seen.connects += 1;
            session.subscribe(now, &[("ex/#", SubscriptionOptions::new(QoS::AtLeastOnce))]).unwrap();
        }
        Event::Subscribed { .. } => seen.subscribed = true,
        Event::Message(m) if m.topic == "ex/request" => {
            session.publish(now, &Outgoing::new("ex/reply", m.payload, QoS::AtLeastOnce)).unwrap();
        }
        Event::Message(m) if m.topic == "ex/reply" && !seen.replies.iter().any(|r| r == m.payload) => {
            seen.replies.push(m.payload.to_vec());
        }
        Event::Disconnected(DisconnectReason::ByClient) => seen.closed = true,
        _ => {}
    });
}

#[test]
#[allow(clippy::disallowed_methods)] // The test's own clock: deadlines and the 5 s outage.
fn the_blocking_example_survives_short_reads_a_failed_write_and_a_broker_restart() {
    let Some(mut broker) = Mosquitto::start("blocking-example", "") else { return };
    let addr = broker.addr;
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut config = Config::new(v, format!("blocking-example-{}", v.level()));
        config.clean_start = false;
        config.session_expiry_interval = 600;
        config.reconnect = Some(Backoff::new(Duration::from_millis(200), Duration::from_secs(1)));
        let mut client = Blocking::new(Session::new(config));
        let fail_next_write = Rc::new(Cell::new(false));
        let failer = fail_next_write.clone();
        let mut open = move || {
            let tcp = TcpStream::connect(addr)?;
            Ok(Faulty { tcp, fail_next_write: failer.clone() })
        };
        let mut seen = Seen::default();
        client.session.connect(client.now()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        // 1. One-byte reads: the request and its reply arrive.
        while !seen.subscribed {
            assert!(Instant::now() < deadline, "{v}: no SUBACK");
            step(&mut client, &mut open, &mut seen);
        }
        client.session.publish(client.now(), &Outgoing::new("ex/request", b"a", QoS::AtLeastOnce)).unwrap();
        while seen.replies.is_empty() {
            assert!(Instant::now() < deadline, "{v}: no reply to a");
            step(&mut client, &mut open, &mut seen);
        }
        // 2. A write fails: the connection is dropped and made again, the message resent.
        fail_next_write.set(true);
        client.session.publish(client.now(), &Outgoing::new("ex/request", b"b", QoS::AtLeastOnce)).unwrap();
        while seen.replies.len() < 2 {
            assert!(Instant::now() < deadline, "{v}: no reply to b after the failed write");
            step(&mut client, &mut open, &mut seen);
        }
        assert!(seen.connects >= 2, "{v}: reconnected after the failed write ({} connects)", seen.connects);
        // 3. The broker is gone for 5 s: the driver waits out the backoff without spinning.
        broker.terminate();
        let (cpu0, t0) = (thread_cpu(), Instant::now());
        while t0.elapsed() < Duration::from_secs(5) {
            step(&mut client, &mut open, &mut seen);
        }
        let cpu = thread_cpu() - cpu0;
        println!("{v}: driver CPU over 5 s without a broker: {cpu:?}");
        assert!(cpu < Duration::from_millis(250), "{v}: the driver used {cpu:?} of CPU in 5 s (>= 5 %)");
        broker.start_again();
        let deadline = Instant::now() + Duration::from_secs(20);
        let before = seen.connects;
        while seen.connects == before {
            assert!(Instant::now() < deadline, "{v}: no reconnect after the broker came back");
            step(&mut client, &mut open, &mut seen);
        }
        // The restarted broker lost the session: the subscription is made again by the session.
        client.session.publish(client.now(), &Outgoing::new("ex/request", b"c", QoS::AtLeastOnce)).unwrap();
        while seen.replies.len() < 3 {
            assert!(Instant::now() < deadline, "{v}: no reply to c after the restart");
            step(&mut client, &mut open, &mut seen);
        }
        assert_eq!(seen.replies, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()], "{v}");
        client.session.disconnect(client.now(), &DisconnectOptions::default()).unwrap();
        while !seen.closed {
            assert!(Instant::now() < deadline, "{v}: no clean disconnect");
            step(&mut client, &mut open, &mut seen);
        }
    }
}

#[test]
fn the_tokio_example_connects_when_the_broker_comes_up_and_answers_every_question() {
    let Some(mut broker) = Mosquitto::start("tokio-example", "") else { return };
    broker.terminate();
    let addr = broker.addr.to_string();
    let (done, replies) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let _ = done.send(rt.block_on(tokio_example::ask_and_answer(&addr, "tokio-example", "tokio-ex", 5)));
    });
    std::thread::sleep(Duration::from_secs(2)); // Refused meanwhile: the session backs off and retries.
    broker.start_again();
    let replies = replies.recv_timeout(Duration::from_secs(60)).expect("the flow completes");
    assert_eq!(replies, (0..5).map(|i| format!("question {i}")).collect::<Vec<_>>());
}
