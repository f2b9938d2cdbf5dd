//! `sansmqtt-sub -F FORMAT`: mosquitto_sub's output format. `%` codes print the message and
//! its v5 properties (with mosquitto's flags `-` and `0`, field width and maximum width),
//! `@` codes the local time through strftime's codes (`@N`: nanoseconds), `\` escapes.
//! The format is checked once, before connecting, with mosquitto's messages.

use crate::common::refuse;
use crate::json::{self, Value};
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Local};
use sansmqtt_smol::Message;

/// One piece of a format.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// Bytes printed as they are.
    Text(Vec<u8>),
    /// `%[-0][width][.precision]code`.
    Field { code: u8, left: bool, zero: bool, width: usize, precision: Option<usize> },
    /// `@c`: the time through strftime's `%c` (`@N`: nanoseconds of the second).
    Time(u8),
}

/// A checked `-F` format.
#[derive(Clone, Debug)]
pub(crate) struct Format {
    pieces: Vec<Piece>,
    /// `--pretty`: `%j` / `%J` laid out on several lines.
    pretty: bool,
}

/// The `%` codes mosquitto_sub 2.0 knows.
const CODES: &[u8] = b"%ACDEFIjJlmPpqRrStUxX";

impl Format {
    /// Parse `text`, refusing it (one line, exit 1) as mosquitto_sub does.
    pub(crate) fn parse(text: &str, pretty: bool) -> Self {
        let b = text.as_bytes();
        let mut pieces = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            i += 1;
            match c {
                b'%' => {
                    let (mut left, mut zero) = (false, false);
                    while let Some(f @ (b'-' | b'0')) = b.get(i) {
                        left |= *f == b'-';
                        zero |= *f == b'0';
                        i += 1;
                    }
                    let mut width = 0usize;
                    while let Some(d @ b'0'..=b'9') = b.get(i) {
                        width = width.saturating_mul(10).saturating_add(usize::from(d - b'0'));
                        i += 1;
                    }
                    let mut precision = None;
                    if b.get(i) == Some(&b'.') {
                        i += 1;
                        let mut p = 0usize;
                        while let Some(d @ b'0'..=b'9') = b.get(i) {
                            p = p.saturating_mul(10).saturating_add(usize::from(d - b'0'));
                            i += 1;
                        }
                        precision = Some(p);
                    }
                    let Some(&code) = b.get(i) else { refuse("Incomplete format specifier.") };
                    i += 1;
                    if !CODES.contains(&code) {
                        refuse(format_args!("Invalid format specifier '{}'.", char::from(code)));
                    }
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Field { code, left, zero: zero && !left, width, precision });
                }
                b'@' => {
                    let Some(&code) = b.get(i) else { refuse("Incomplete format specifier.") };
                    i += 1;
                    if code == b'@' {
                        lit.push(b'@');
                        continue;
                    }
                    let spec = format!("%{}", char::from(code));
                    if code != b'N' && StrftimeItems::new(&spec).any(|item| matches!(item, Item::Error)) {
                        refuse(format_args!("Invalid time format specifier '@{}'.", char::from(code)));
                    }
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Time(code));
                }
                b'\\' => {
                    let Some(&code) = b.get(i) else { refuse("Incomplete escape specifier.") };
                    i += 1;
                    lit.push(match code {
                        b'\\' => b'\\',
                        b'0' => 0,
                        b'a' => 7,
                        b'e' => 0x1B,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0B,
                        _ => refuse(format_args!("Invalid escape specifier '{}'.", char::from(code))),
                    });
                }
                _ => lit.push(c),
            }
        }
        flush(&mut lit, &mut pieces);
        Self { pieces, pretty }
    }

    /// `msg` as the format says, appended to `out`; problems (a `%J` payload that is not
    /// JSON) are returned as lines for stderr, as mosquitto_sub prints them.
    pub(crate) fn render(&self, msg: &Message, out: &mut Vec<u8>) -> Vec<String> {
        let mut now: Option<DateTime<Local>> = None;
        let mut problems = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Time(b'N') => {
                    let t = *now.get_or_insert_with(Local::now);
                    out.extend_from_slice(format!("{:09}", t.timestamp_subsec_nanos()).as_bytes());
                }
                Piece::Time(c) => {
                    let t = *now.get_or_insert_with(Local::now);
                    out.extend_from_slice(t.format(&format!("%{}", char::from(*c))).to_string().as_bytes());
                }
                Piece::Field { code, left, zero, width, precision } => {
                    let f = Field { left: *left, zero: *zero, width: *width, precision: *precision };
                    let t = now.get_or_insert_with(Local::now);
                    if let Err(p) = self.field(*code, f, msg, t, out) {
                        problems.push(p);
                    }
                }
            }
        }
        problems
    }

    fn field(
        &self,
        code: u8,
        f: Field,
        msg: &Message,
        now: &DateTime<Local>,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let p = &msg.properties;
        match code {
            b'%' => out.push(b'%'),
            b'A' => f.int(p.topic_alias.map(|a| i64::from(a.get())), out),
            b'C' => f.text(p.content_type.as_ref().map(|c| c.as_str().as_bytes()), out),
            b'D' => out.extend_from_slice(p.correlation_data.as_ref().map_or(&[][..], |d| d.as_bytes())),
            b'E' => f.int(p.message_expiry_interval.map(i64::from), out),
            b'F' => f.int(p.payload_format_indicator.map(|v| v as i64), out),
            b'I' => f.text(Some(now.format("%Y-%m-%dT%H:%M:%S%z").to_string().as_bytes()), out),
            b'j' | b'J' => {
                let v = json_of(msg, now, code == b'j').ok_or_else(|| {
                    format!("Error: Message payload is not valid JSON on topic {}.", msg.topic)
                })?;
                json::write(&v, self.pretty, 0, out);
            }
            b'l' => f.int(Some(msg.payload.len() as i64), out),
            b'm' => f.int(Some(msg.packet_id.map_or(0, |id| i64::from(id.get()))), out),
            b'P' => {
                for (n, u) in p.user_properties.iter().enumerate() {
                    if n > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(format!("{}:{}", u.name.as_str(), u.value.as_str()).as_bytes());
                }
            }
            b'p' => f.payload(&msg.payload, None, out),
            b'q' => out.push(b'0' + msg.qos as u8),
            b'R' => {
                if let Some(r) = &p.response_topic {
                    f.text(Some(r.as_str().as_bytes()), out);
                }
            }
            b'r' => out.push(if msg.retain { b'1' } else { b'0' }),
            b'S' => f.int(p.subscription_identifiers.iter().next().map(|s| i64::from(s.get())), out),
            b't' => f.text(Some(msg.topic.as_bytes()), out),
            b'U' => out.extend_from_slice(
                format!("{}.{:09}", now.timestamp(), now.timestamp_subsec_nanos()).as_bytes(),
            ),
            b'x' => f.payload(&msg.payload, Some(false), out),
            b'X' => f.payload(&msg.payload, Some(true), out),
            _ => {}
        }
        Ok(())
    }
}

fn flush(lit: &mut Vec<u8>, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Text(std::mem::take(lit)));
    }
}

/// The flags, width and maximum width of one `%` field.
#[derive(Clone, Copy)]
struct Field {
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

impl Field {
    /// `n` spaces (or zeros, with the `0` flag).
    fn pad(self, n: usize, out: &mut Vec<u8>) {
        out.extend(std::iter::repeat_n(if self.zero { b'0' } else { b' ' }, n));
    }

    /// A number as C's `%d`, `%-Nd`, `%0Nd` or `%Nd`; an absent one as blanks of the width.
    fn int(self, v: Option<i64>, out: &mut Vec<u8>) {
        let Some(v) = v else { return self.pad(self.width, out) };
        let w = self.width;
        let s = if self.left {
            format!("{v:<w$}")
        } else if self.zero {
            format!("{v:0w$}")
        } else {
            format!("{v:>w$}")
        };
        out.extend_from_slice(s.as_bytes());
    }

    /// Text as C's `%-N.Ms` (bytes; padded with spaces); an absent one as blanks.
    fn text(self, v: Option<&[u8]>, out: &mut Vec<u8>) {
        let Some(v) = v else { return self.pad(self.width, out) };
        let v = &v[..self.precision.map_or(v.len(), |p| p.min(v.len()))];
        let fill = self.width.saturating_sub(v.len());
        if !self.left {
            out.extend(std::iter::repeat_n(b' ', fill));
        }
        out.extend_from_slice(v);
        if self.left {
            out.extend(std::iter::repeat_n(b' ', fill));
        }
    }

    /// The payload as it is (`hex`: `None`), or in hexadecimal (upper case: `Some(true)`),
    /// as mosquitto_sub 2.0 writes it: a width also cuts the payload to that many bytes, and
    /// for hexadecimal then halves that.
    fn payload(self, payload: &[u8], hex: Option<bool>, out: &mut Vec<u8>) {
        let shown = match (self.width, hex) {
            (0, _) => payload,
            (w, None) => &payload[..payload.len().min(w)],
            // mosquitto_sub 2.0 halves the cut length for hexadecimal.
            (w, Some(_)) => &payload[..payload.len().min(w) / 2],
        };
        let len = shown.len() * if hex.is_some() { 2 } else { 1 };
        let fill = self.width.saturating_sub(len);
        if !self.left {
            self.pad(fill, out);
        }
        match hex {
            None => out.extend_from_slice(shown),
            Some(upper) => {
                for b in shown {
                    let s = if upper { format!("{b:02X}") } else { format!("{b:02x}") };
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        if self.left {
            out.extend(std::iter::repeat_n(b' ', fill));
        }
    }
}

/// C strings end at the first NUL byte (mosquitto_sub hands payloads to cJSON as such).
fn c_string(b: &[u8]) -> Vec<u8> {
    b.split(|c| *c == 0).next().unwrap_or_default().to_vec()
}

/// The message as mosquitto_sub 2.0's JSON: `tst`, `topic`, `qos`, `retain`, `payloadlen`,
/// `mid` (QoS > 0), `properties` (v5, when the message has any), `payload` (a string for
/// `%j`; parsed JSON for `%J`, `None` when it is not JSON). Properties come in one fixed
/// order (this client does not keep the order they arrived in): subscription identifiers,
/// payload format, content type, response topic, correlation data, user properties, message
/// expiry.
fn json_of(msg: &Message, now: &DateTime<Local>, escaped: bool) -> Option<Value> {
    let num = |n: f64| Value::Number(n);
    let tst = format!(
        "{}.{:06}Z{}",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_micros(),
        now.format("%z")
    );
    let mut root = vec![
        (b"tst".to_vec(), Value::Str(tst.into_bytes())),
        (b"topic".to_vec(), Value::Str(msg.topic.as_bytes().to_vec())),
        (b"qos".to_vec(), num(f64::from(msg.qos as u8))),
        (b"retain".to_vec(), num(if msg.retain { 1.0 } else { 0.0 })),
        (b"payloadlen".to_vec(), num(msg.payload.len() as f64)),
    ];
    if let Some(id) = msg.packet_id {
        root.push((b"mid".to_vec(), num(f64::from(id.get()))));
    }
    let p = &msg.properties;
    let mut props = Vec::new();
    for s in p.subscription_identifiers.iter() {
        props.push((b"subscription-identifier".to_vec(), num(f64::from(s.get()))));
    }
    if let Some(f) = p.payload_format_indicator {
        props.push((b"payload-format-indicator".to_vec(), num(f64::from(f as u8))));
    }
    if let Some(c) = &p.content_type {
        props.push((b"content-type".to_vec(), Value::Str(c.as_str().as_bytes().to_vec())));
    }
    if let Some(r) = &p.response_topic {
        props.push((b"response-topic".to_vec(), Value::Str(r.as_str().as_bytes().to_vec())));
    }
    if let Some(d) = &p.correlation_data {
        props.push((b"correlation-data".to_vec(), Value::Str(c_string(d.as_bytes()))));
    }
    let users: Vec<(Vec<u8>, Value)> = p
        .user_properties
        .iter()
        .map(|u| (u.name.as_str().as_bytes().to_vec(), Value::Str(u.value.as_str().as_bytes().to_vec())))
        .collect();
    if !users.is_empty() {
        props.push((b"user-properties".to_vec(), Value::Object(users)));
    }
    if let Some(e) = p.message_expiry_interval {
        props.push((b"message-expiry-interval".to_vec(), num(f64::from(e))));
    }
    if !props.is_empty() {
        root.push((b"properties".to_vec(), Value::Object(props)));
    }
    let payload = if msg.payload.is_empty() {
        Value::Null
    } else if escaped {
        Value::Str(c_string(&msg.payload))
    } else {
        json::parse(&msg.payload)?
    };
    root.push((b"payload".to_vec(), payload));
    Some(Value::Object(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(format: &str, msg: &Message) -> String {
        let mut out = Vec::new();
        assert!(Format::parse(format, false).render(msg, &mut out).is_empty());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_flags_widths_and_escapes() {
        let mut m = Message::default();
        m.topic = "a/c".into();
        m.payload = b"x".to_vec();
        m.retain = true;
        assert_eq!(show("%t|%10t|%-10t|%.1t|%5.2t|%%|%r%q", &m), "a/c|       a/c|a/c       |a|   a/|%|10");
        assert_eq!(show("%05l|%-05l|%5E|%05p|%x|%X|%C|%3C|", &m), "00001|1    |     |0000x|78|78||   |");
        assert_eq!(show("\\e\\a\\\\\\0\\n@@", &m), "\x1b\x07\\\0\n@");
        m.payload = b"{\"a\": [1, 2.50]}".to_vec();
        assert_eq!(
            show("%J", &m).split_once(",\"topic").unwrap().1,
            "\":\"a/c\",\"qos\":0,\"retain\":1,\"payloadlen\":16,\"payload\":{\"a\":[1,2.5]}}"
        );
    }
}
