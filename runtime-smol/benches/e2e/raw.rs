//! The client-bound floor: a raw socket loop doing the same exchange as the clients (CONNECT,
//! SUBSCRIBE, then every message acknowledged as its QoS requires), with no MQTT library and no
//! async runtime: one blocking read of up to 16 KiB, every complete packet handled, one write
//! of the acks.

use crate::frames;
use std::io::{Read, Write};
use std::net::TcpStream;

/// Receive `n` messages at `qos` from the fake broker on `port`.
pub(crate) fn client_bound(qos: u8, n: u64, port: u16) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_nodelay(true).expect("TCP_NODELAY");
    let mut out = Vec::with_capacity(16 * 1024);
    // CONNECT (3.1.1, clean session, keep-alive 60 s, client id "raw"), then SUBSCRIBE.
    out.extend_from_slice(&[0x10, 15, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 3, b'r', b'a', b'w']);
    let topic = format!("bench/flood/{qos}/{n}");
    out.extend_from_slice(&[0x82, (2 + 2 + topic.len() + 1) as u8, 0, 1]);
    out.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    out.extend_from_slice(topic.as_bytes());
    out.push(qos);
    s.write_all(&out).expect("write");
    out.clear();
    let mut buf = vec![0u8; 64 * 1024];
    let (mut start, mut end) = (0usize, 0usize);
    let mut received = 0u64;
    while received < n {
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        let room = (buf.len() - end).min(16 * 1024);
        match s.read(&mut buf[end..end + room]) {
            Ok(0) => panic!("the broker closed the connection after {received} messages"),
            Ok(k) => end += k,
            Err(e) => panic!("read: {e}"),
        }
        while let Some((first, h, total)) = frames::next(&buf[start..end]) {
            let p = &buf[start..start + total];
            match first & 0xf0 {
                0x30 => {
                    received += 1;
                    let (topic, qos) = frames::publish_topic(p, h);
                    if qos > 0 {
                        let id = frames::packet_id(p, h + 2 + topic.len());
                        frames::ack(&mut out, if qos == 1 { 0x40 } else { 0x50 }, id);
                    }
                }
                0x60 => frames::ack(&mut out, 0x70, frames::packet_id(p, h)),
                _ => {}
            }
            start += total;
        }
        if !out.is_empty() {
            s.write_all(&out).expect("write");
            out.clear();
        }
    }
    let _ = s.write_all(&[0xe0, 0]);
}
