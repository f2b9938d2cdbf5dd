//! A scripted fake broker for faults and byte-exact checks: it answers CONNECT with a fixed
//! reply (a CONNACK, then bad bytes, or only bad bytes), optionally floods the client with
//! one packet repeated, or answers packets of given types with fixed replies, then records
//! what the client sends until the client closes. Every connection gets the same script.

use sansmqtt_proto::ProtocolVersion;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running fake broker; stops accepting when dropped.
pub struct FakeBroker {
    /// Where it listens.
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
}

/// A CONNACK accepting a new session, for `version`.
pub fn connack(version: ProtocolVersion) -> Vec<u8> {
    if version.is_v5() { vec![0x20, 0x03, 0x00, 0x00, 0x00] } else { vec![0x20, 0x02, 0x00, 0x00] }
}

/// Read one whole MQTT packet (fixed header, remaining length, body); `None` on EOF or timeout.
pub fn read_packet(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut first = [0u8; 1];
    s.read_exact(&mut first).ok()?;
    let (mut len, mut shift, mut out) = (0usize, 0, vec![first[0]]);
    loop {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).ok()?;
        out.push(b[0]);
        len |= usize::from(b[0] & 0x7f) << shift;
        shift += 7;
        if b[0] & 0x80 == 0 || shift > 21 {
            break;
        }
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    out.extend(body);
    Some(out)
}

/// What to send after the reply: `packet`, `count` times; and what to answer to a packet
/// whose first byte is the key of an entry of `answers`.
#[derive(Clone, Default)]
struct Flood {
    packet: Vec<u8>,
    count: usize,
    answers: Vec<(u8, Vec<u8>)>,
}

fn serve(mut s: TcpStream, reply: &[u8], flood: &Flood, received: &Mutex<Vec<Vec<u8>>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if read_packet(&mut s).is_none() {
        return;
    }
    let _ = s.write_all(reply);
    for _ in 0..flood.count {
        // Blocks while the client does not read: the flood goes at the client's pace.
        if s.write_all(&flood.packet).is_err() {
            return;
        }
    }
    let mut got = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    if !flood.answers.is_empty() {
        while let Some(packet) = read_packet(&mut s).filter(|_| Instant::now() < end) {
            if let Some((_, answer)) = flood.answers.iter().find(|(first, _)| *first == packet[0])
                && s.write_all(answer).is_err()
            {
                break;
            }
            got.extend(packet);
        }
        received.lock().unwrap().push(got);
        return;
    }
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    received.lock().unwrap().push(got);
}

impl FakeBroker {
    /// Answer every CONNECT with `reply`.
    pub fn start(reply: Vec<u8>) -> Self {
        Self::spawn(reply, Flood::default())
    }

    /// Answer every CONNECT with `reply`, then send `packet` `count` times, as fast as the
    /// client reads.
    pub fn flood(reply: Vec<u8>, packet: Vec<u8>, count: usize) -> Self {
        Self::spawn(reply, Flood { packet, count, ..Flood::default() })
    }

    /// Answer every CONNECT with `reply`, then each later packet whose first byte (type and
    /// flags) is the key of an entry of `answers` with that entry's bytes.
    pub fn answering(reply: Vec<u8>, answers: Vec<(u8, Vec<u8>)>) -> Self {
        Self::spawn(reply, Flood { answers, ..Flood::default() })
    }

    fn spawn(reply: Vec<u8>, flood: Flood) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake broker");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, st) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let (r, reply, flood) = (r.clone(), reply.clone(), flood.clone());
                        std::thread::spawn(move || serve(s, &reply, &flood, &r));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { addr, received, stop }
    }

    /// What the client sent after the reply, per finished connection.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
