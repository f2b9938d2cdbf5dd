//! The benchmark's floor: the same session as sansmqtt-smol driven by a plain blocking loop
//! over `std::net::TcpStream` on one thread, with no async runtime, run by
//! `benches/roundtrip.rs`: `QOS N PORT`. What it costs per message is what the exchange with
//! the broker costs the kernel plus the session's own work; the async clients cannot go below it.

#[path = "child.rs"]
mod child;

use child::{PATIENCE, PAYLOAD, TOPIC, WINDOW};
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Action, Config, Error, Event, Instant, Outgoing, Session};
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() {
    let (qos, n, port) = child::args();
    child::measure(n, || run(qos, n, port));
}

#[allow(clippy::disallowed_methods)] // the driver's clock
fn run(qos: u8, n: u64, port: u16) {
    let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(qos)];
    let epoch = std::time::Instant::now();
    let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
    let mut config = Config::new(ProtocolVersion::V3_1_1, "bench-blocking");
    config.reconnect = None;
    config.max_inflight = WINDOW;
    config.receive_maximum = WINDOW;
    config.max_queued_messages = usize::from(WINDOW);
    let mut session = Session::new(config);
    let mut rx = session.new_recv_buffer();
    let msg = Outgoing::new(TOPIC, &PAYLOAD, qos);
    let mut out = vec![0u8; 64 * 1024];
    let mut tcp: Option<TcpStream> = None;
    let (mut sent, mut received, mut subscribed) = (0u64, 0u64, false);
    session.connect(now()).expect("connect");
    loop {
        while let Some(event) = session.poll_event(&mut rx) {
            match event {
                Event::Connected { .. } => {
                    let sub = [(TOPIC, SubscriptionOptions::new(qos))];
                    session.subscribe(now(), &sub).expect("subscribe");
                }
                Event::Subscribed { .. } => subscribed = true,
                Event::Message(_) => received += 1,
                Event::Disconnected(reason) => panic!("disconnected: {reason:?}"),
                _ => {}
            }
        }
        if received == n {
            return;
        }
        while subscribed && sent < n {
            match session.publish(now(), &msg) {
                Ok(_) => sent += 1,
                Err(Error::QueueFull) => break,
                Err(e) => panic!("publish: {e}"),
            }
        }
        while let Some(action) = session.poll_action() {
            match action {
                Action::Connect => {
                    let stream = TcpStream::connect(("127.0.0.1", port)).expect("TCP connect");
                    stream.set_nodelay(true).expect("TCP_NODELAY");
                    // The scenario ends long before the keep-alive interval: the only timeout
                    // is the benchmark's patience.
                    stream.set_read_timeout(Some(PATIENCE)).expect("read timeout");
                    tcp = Some(stream);
                    session.handle_connected(now());
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let Some(stream) = tcp.as_mut() else { continue };
        loop {
            let len = session.poll_transmit(now(), &mut out);
            if len == 0 {
                break;
            }
            stream.write_all(&out[..len]).expect("write");
        }
        if session.has_event() {
            continue;
        }
        // Reads of at most 16 KiB, as the smol driver's: the session's receive buffer is as
        // large as the biggest packet allowed (1 MiB), and a read that fills it touches it all.
        let buf = session.recv_buf(&mut rx).expect("events drained, nothing held back");
        let room = buf.len().min(16 * 1024);
        match stream.read(&mut buf[..room]) {
            Ok(0) => panic!("the broker closed the connection"),
            Ok(len) => session.handle_recv(now(), &mut rx, len),
            Err(e) => panic!("only {received} of {n} messages came back: {e}"),
        }
    }
}
