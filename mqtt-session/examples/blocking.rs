//! A whole MQTT client over `std::net::TcpStream`: connect, subscribe, publish, receive, unsubscribe,
//! disconnect. `cargo run -p sansmqtt-session --example blocking -- 127.0.0.1:1883`
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Action, Config, DisconnectOptions, Event, Instant, Outgoing, Session};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant as Clock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:1883".into());
    #[allow(clippy::disallowed_methods)] // the driver's one clock read
    let epoch = Clock::now();
    let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
    let mut config = Config::new(ProtocolVersion::V5, "sansmqtt-blocking");
    config.reconnect = None;
    let mut session = Session::new(config);
    let (topic, mut tcp, mut out) = ("sansmqtt/blocking", None::<TcpStream>, vec![0u8; 8192]);
    session.connect(now())?;
    loop {
        while let Some(event) = session.poll_event() {
            println!("event: {event:?}");
            match event {
                Event::Connected { .. } => {
                    session.subscribe(now(), &[(topic, SubscriptionOptions::new(QoS::AtLeastOnce))])?;
                }
                Event::Subscribed { .. } => {
                    session.publish(now(), &Outgoing::new(topic, b"Hello Broker!", QoS::AtLeastOnce))?;
                }
                Event::Message(m) => {
                    println!("received {:?} on {}", String::from_utf8_lossy(m.payload), m.topic);
                    session.unsubscribe(now(), &[topic])?;
                }
                Event::Unsubscribed { .. } => session.disconnect(now(), &DisconnectOptions::default())?,
                Event::Disconnected(_) => return Ok(()),
                _ => {}
            }
        }
        if let Some(s) = tcp.as_mut() {
            loop {
                let n = session.poll_transmit(now(), &mut out);
                if n == 0 {
                    break;
                }
                s.write_all(&out[..n])?;
            }
        }
        let mut acted = false;
        while let Some(action) = session.poll_action() {
            acted = true;
            match action {
                Action::Connect => match TcpStream::connect(&addr) {
                    Ok(s) => {
                        s.set_nodelay(true)?;
                        tcp = Some(s);
                        session.handle_connected(now());
                    }
                    Err(_) => session.handle_closed(now()),
                },
                _ => {
                    tcp = None;
                    session.handle_closed(now());
                }
            }
        }
        let Some(s) = tcp.as_mut() else { continue };
        if acted || session.has_event() {
            continue;
        }
        let wait = session.poll_timeout().map_or(1000, |t| t.as_millis().saturating_sub(now().as_millis()));
        s.set_read_timeout(Some(Duration::from_millis(wait.max(1))))?;
        match s.read(session.recv_buf()) {
            Ok(0) => session.handle_closed(now()),
            Ok(n) => session.handle_recv(now(), n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                session.handle_timeout(now())
            }
            Err(_) => session.handle_closed(now()),
        }
    }
}
