//! A tokio driver from the crate docs: TCP, keep-alive and reconnect (the session's), and a
//! subscribe-and-reply flow. `cargo run -p sansmqtt-session --example tokio -- 127.0.0.1:1883`
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_session::{Action, Config, Event, Instant, Outgoing, Session, TransportError};
use std::{io, time::Duration};
use tokio::{io::AsyncReadExt, io::AsyncWriteExt, net::TcpStream};

/// Drive `session` over TCP to `addr` until it stops; `on` gets each event and may issue commands.
pub async fn drive(addr: &str, session: &mut Session, mut on: impl FnMut(&mut Session, Instant, Event<'_>)) {
    let epoch = tokio::time::Instant::now(); // The driver's one clock.
    let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
    let (mut rx, mut out, mut stream) = (session.new_recv_buffer(), vec![0; 16 * 1024], None::<TcpStream>);
    loop {
        while let Some(event) = session.poll_event(&mut rx) {
            on(session, now(), event);
        }
        while let Some(s) = stream.as_mut() {
            let n = match session.poll_transmit(now(), &mut out) {
                0 => break,
                n => n,
            };
            if let Err(e) = s.write_all(&out[..n]).await {
                close(&mut stream, session, now(), cause(e));
            }
        }
        if let Some(action) = session.poll_action() {
            match action {
                Action::Connect => match TcpStream::connect(addr).await {
                    Ok(s) => {
                        stream = Some(s);
                        session.handle_connected(now());
                    }
                    Err(e) => session.handle_closed(now(), cause(e)),
                },
                _ => close(&mut stream, session, now(), TransportError::ClosedByClient),
            }
            continue;
        }
        if session.has_event() {
            continue;
        }
        if stream.is_none() && session.poll_timeout().is_none() {
            return; // Disconnected, not reconnecting: nothing can happen any more.
        }
        let deadline = session.poll_timeout().unwrap_or(now() + Duration::from_secs(3600)); // (keep-alive 0)
        let timer = tokio::time::sleep_until(epoch + Duration::from_millis(deadline.as_millis()));
        let read = match (stream.as_mut(), session.recv_buf(&mut rx)) {
            (Some(s), Some(buf)) => tokio::select! { r = s.read(buf) => Some(r), () = timer => None },
            _ => tokio::select! { () = timer => None }, // No transport, or holding back: wait for time.
        };
        match read {
            None => session.handle_timeout(now()),
            Some(Ok(0)) => close(&mut stream, session, now(), TransportError::Closed),
            Some(Ok(n)) => session.handle_recv(now(), &mut rx, n),
            Some(Err(e)) => close(&mut stream, session, now(), cause(e)),
        }
    }
}

fn close(stream: &mut Option<TcpStream>, session: &mut Session, now: Instant, why: TransportError) {
    *stream = None;
    session.handle_closed(now, why);
}

fn cause(e: io::Error) -> TransportError {
    if e.kind() == io::ErrorKind::ConnectionRefused { TransportError::Refused } else { TransportError::Io }
}

/// Ask `n` questions, answer each from inside the `Message` arm, return the answers.
pub async fn ask_and_answer(addr: &str, client_id: &str, prefix: &str, n: usize) -> Vec<String> {
    let mut session = Session::new(Config::new(ProtocolVersion::V5, client_id));
    let (ask, reply, filter) = (format!("{prefix}/ask"), format!("{prefix}/reply"), format!("{prefix}/#"));
    let (qos, mut replies) = (QoS::AtLeastOnce, Vec::new());
    session.connect(Instant::ZERO).expect("a new session connects");
    drive(addr, &mut session, |s, now, event| {
        let accepted = match event {
            Event::Connected { .. } => s.subscribe(now, &[(&filter, SubscriptionOptions::new(qos))]).is_ok(),
            Event::Subscribed { .. } => (0..n).all(|i| {
                s.publish(now, &Outgoing::new(&ask, format!("question {i}").as_bytes(), qos)).is_ok()
            }),
            Event::Message(m) if m.topic == ask => {
                s.publish(now, &Outgoing::new(&reply, m.payload, qos)).is_ok()
            }
            Event::Message(m) if m.topic == reply => {
                replies.push(String::from_utf8_lossy(m.payload).into_owned());
                replies.len() < n || s.disconnect(now, &Default::default()).is_ok()
            }
            _ => true,
        };
        assert!(accepted, "the session refused a command");
    })
    .await;
    replies
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:1883".into());
    println!("{:?}", ask_and_answer(&addr, "sansmqtt-tokio", "sansmqtt/tokio", 3).await);
}
