//! The benchmark's fake broker: answers as fast as it can, one thread per connection, MQTT
//! 3.1.1 only. It acknowledges what a client publishes and sends it straight back (echo: a
//! client subscribed to its own topic), and after a SUBSCRIBE to `bench/flood/QOS/N` it sends
//! N messages of 64 B at that QoS, at most [`WINDOW`] unacknowledged (client-bound).

use crate::frames;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// Flood messages in flight at once (QoS 1 and 2).
pub(crate) const WINDOW: usize = 100;
/// The payload of every flood message.
const PAYLOAD: [u8; 64] = [b'x'; 64];

/// A fake broker listening on a loopback port, for the life of the process.
pub(crate) struct Fake {
    /// Its loopback port.
    pub(crate) port: u16,
}

impl Fake {
    /// Start listening (threads serve the connections until the process ends).
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake broker");
        let port = listener.local_addr().expect("its address").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Self { port }
    }
}

/// A flood in progress: its topic, QoS, messages left to send and in flight.
struct Flood {
    topic: String,
    qos: u8,
    left: u64,
    inflight: usize,
}

fn serve(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 256 * 1024];
    let (mut start, mut end) = (0usize, 0usize);
    let mut out: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut flood: Option<Flood> = None;
    let mut next_id: u16 = 0;
    let mut id = || {
        next_id = next_id.wrapping_add(1).max(1);
        next_id
    };
    loop {
        if let Some(f) = &mut flood {
            while f.left > 0 && if f.qos == 0 { out.len() < 64 * 1024 } else { f.inflight < WINDOW } {
                frames::publish(&mut out, &f.topic, &PAYLOAD, f.qos, id());
                f.left -= 1;
                f.inflight += usize::from(f.qos > 0);
            }
        }
        if !out.is_empty() {
            if s.write_all(&out).is_err() {
                return;
            }
            out.clear();
        }
        if flood.as_ref().is_some_and(|f| f.qos == 0 && f.left > 0) {
            continue; // Nothing to wait for: keep writing.
        }
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        match s.read(&mut buf[end..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => end += n,
        }
        while let Some((first, h, total)) = frames::next(&buf[start..end]) {
            let p = &buf[start..start + total];
            match first & 0xf0 {
                0x10 => out.extend_from_slice(&[0x20, 2, 0, 0]),
                0x30 => {
                    let (topic, qos) = frames::publish_topic(p, h);
                    let body = h + 2 + topic.len();
                    if qos > 0 {
                        let pid = frames::packet_id(p, body);
                        frames::ack(&mut out, if qos == 1 { 0x40 } else { 0x50 }, pid);
                    }
                    let payload = &p[body + if qos > 0 { 2 } else { 0 }..];
                    frames::publish(&mut out, topic, payload, qos, id());
                }
                0x40 | 0x70 => {
                    if let Some(f) = &mut flood {
                        f.inflight = f.inflight.saturating_sub(1);
                    }
                }
                0x50 => frames::ack(&mut out, 0x62, frames::packet_id(p, h)),
                0x60 => frames::ack(&mut out, 0x70, frames::packet_id(p, h)),
                0x80 => {
                    let pid = frames::packet_id(p, h);
                    let len = usize::from(u16::from_be_bytes([p[h + 2], p[h + 3]]));
                    let topic = std::str::from_utf8(&p[h + 4..h + 4 + len]).unwrap_or("");
                    let granted = p[h + 4 + len] & 3;
                    out.extend_from_slice(&[0x90, 3, pid[0], pid[1], granted]);
                    let mut parts = topic.strip_prefix("bench/flood/").unwrap_or("").split('/');
                    if let (Some(q), Some(n)) = (parts.next(), parts.next()) {
                        flood = Some(Flood {
                            topic: topic.to_string(),
                            qos: q.parse().unwrap_or(0),
                            left: n.parse().unwrap_or(0),
                            inflight: 0,
                        });
                    }
                }
                0xa0 => frames::ack(&mut out, 0xb0, frames::packet_id(p, h)),
                0xc0 => out.extend_from_slice(&[0xd0, 0]),
                0xe0 => return,
                _ => {}
            }
            start += total;
        }
    }
}
