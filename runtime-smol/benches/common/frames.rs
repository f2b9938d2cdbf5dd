//! Just enough MQTT 3.1.1 framing for the benchmark's fake broker and raw socket loop: split
//! a byte stream into packets and build the few packets they send.

/// The next complete packet at the front of `buf`: (first byte, header length, packet length).
pub(crate) fn next(buf: &[u8]) -> Option<(u8, usize, usize)> {
    let first = *buf.first()?;
    let mut len = 0usize;
    for i in 0..4 {
        let b = *buf.get(1 + i)?;
        len |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let total = 2 + i + len;
            return (buf.len() >= total).then_some((first, 2 + i, total));
        }
    }
    None
}

/// The packet identifier of an ack-like packet (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE).
pub(crate) fn packet_id(packet: &[u8], header_len: usize) -> [u8; 2] {
    [packet[header_len], packet[header_len + 1]]
}

/// Append a two-byte-id packet of type `first` (PUBACK 0x40, PUBREC 0x50, PUBREL 0x62,
/// PUBCOMP 0x70).
pub(crate) fn ack(out: &mut Vec<u8>, first: u8, id: [u8; 2]) {
    out.extend_from_slice(&[first, 2, id[0], id[1]]);
}

/// Append a PUBLISH of `payload` to `topic` at `qos` with packet id `id` (ignored at QoS 0).
pub(crate) fn publish(out: &mut Vec<u8>, topic: &str, payload: &[u8], qos: u8, id: u16) {
    let id_len = if qos > 0 { 2 } else { 0 };
    let remaining = 2 + topic.len() + id_len + payload.len();
    out.push(0x30 | (qos << 1));
    let mut r = remaining;
    loop {
        let b = (r & 0x7f) as u8;
        r >>= 7;
        out.push(if r > 0 { b | 0x80 } else { b });
        if r == 0 {
            break;
        }
    }
    out.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    out.extend_from_slice(topic.as_bytes());
    if qos > 0 {
        out.extend_from_slice(&id.to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// The topic and QoS of a PUBLISH packet.
pub(crate) fn publish_topic(packet: &[u8], header_len: usize) -> (&str, u8) {
    let qos = (packet[0] >> 1) & 3;
    let len = usize::from(u16::from_be_bytes([packet[header_len], packet[header_len + 1]]));
    let topic = &packet[header_len + 2..header_len + 2 + len];
    (std::str::from_utf8(topic).unwrap_or(""), qos)
}
