//! JSON for `sansmqtt-sub -F %j / %J`, written as mosquitto_sub 2.0 writes it (through cJSON):
//! members in insertion order (duplicate keys kept), numbers as C's `%d` / `%1.15g` / `%1.17g`,
//! only `"`, `\` and control characters escaped, and with `--pretty` cJSON's tab layout. A
//! small parser reads a `%J` payload into the same tree (order and duplicates kept).

/// A JSON value. Strings are bytes: a payload need not be UTF-8, and is printed as it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Str(Vec<u8>),
    Array(Vec<Self>),
    Object(Vec<(Vec<u8>, Self)>),
}

/// Deepest nesting the parser accepts (cJSON's limit).
const MAX_DEPTH: usize = 1000;

/// Parse `text` as one JSON value with only whitespace around it; `None` if it is not.
pub(crate) fn parse(text: &[u8]) -> Option<Value> {
    let mut p = Parser { s: text, i: 0 };
    let v = p.value(0)?;
    p.skip_ws();
    (p.i == text.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> Option<()> {
        self.s.get(self.i..)?.starts_with(word).then(|| self.i += word.len())
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.peek()? {
            b'n' => self.eat(b"null").map(|()| Value::Null),
            b't' => self.eat(b"true").map(|()| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|()| Value::Bool(false)),
            b'"' => self.string().map(Value::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(Value::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    self.eat(b":")?;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Value::Object(members));
                        }
                        _ => return None,
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        text.parse::<f64>().ok().map(Value::Number)
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
        self.i += 4;
        u32::from_str_radix(h, 16).ok()
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        self.i += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(out),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                self.eat(b"\\u")?;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            let ch = char::from_u32(code)?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return None,
                    }
                }
                _ => out.push(c),
            }
        }
    }
}

/// `v` as cJSON prints it: unformatted, or with `pretty` (cJSON_Print's layout) at `depth`.
pub(crate) fn write(v: &Value, pretty: bool, depth: usize, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(d) => out.extend_from_slice(number(*d).as_bytes()),
        Value::Str(s) => string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.extend_from_slice(if pretty { b", " } else { b"," });
                }
                write(item, pretty, depth + 1, out);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            if pretty {
                out.push(b'\n');
            }
            for (n, (key, value)) in members.iter().enumerate() {
                if pretty {
                    out.extend(std::iter::repeat_n(b'\t', depth + 1));
                }
                string(key, out);
                out.push(b':');
                if pretty {
                    out.push(b'\t');
                }
                write(value, pretty, depth + 1, out);
                if n + 1 < members.len() {
                    out.push(b',');
                }
                if pretty {
                    out.push(b'\n');
                }
            }
            if pretty {
                out.extend(std::iter::repeat_n(b'\t', depth));
            }
            out.push(b'}');
        }
    }
}

/// A string as cJSON escapes it: `"`, `\`, and control characters; other bytes as they are.
fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=31 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// A number as cJSON prints it: an integral value that fits C's `int` as an integer, otherwise
/// `%1.15g`, or `%1.17g` when 15 digits do not read back as the same number.
fn number(d: f64) -> String {
    if !d.is_finite() {
        return "null".into();
    }
    let int = d.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
    if d == f64::from(int) {
        return int.to_string();
    }
    let short = format_g(d, 15);
    match short.parse::<f64>() {
        Ok(back) if (back - d).abs() <= back.abs().max(d.abs()) * f64::EPSILON => short,
        _ => format_g(d, 17),
    }
}

/// C's `%.{precision}g`.
fn format_g(d: f64, precision: usize) -> String {
    let sci = format!("{:.*e}", precision - 1, d);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= precision as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim(&format!("{d:.decimals$}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str, pretty: bool) -> String {
        let mut out = Vec::new();
        write(&parse(text.as_bytes()).expect(text), pretty, 0, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prints_as_cjson_does() {
        assert_eq!(
            round_trip(r#" {"x": 1, "y" : [1.5, true, null, "a\"b"], "x": {}} "#, false),
            r#"{"x":1,"y":[1.5,true,null,"a\"b"],"x":{}}"#
        );
        assert_eq!(
            round_trip(r#"{"a":{"b":[1,2]},"c":"\u00e9\n"}"#, true),
            "{\n\t\"a\":\t{\n\t\t\"b\":\t[1, 2]\n\t},\n\t\"c\":\t\"é\\n\"\n}"
        );
        for (n, text) in [
            (27.0, "27"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (-2.5e-7, "-2.5e-07"),
            (1.0 / 3.0, "0.33333333333333331"),
            (123456.789, "123456.789"),
            (3e9, "3000000000"),
        ] {
            assert_eq!(number(n), text, "{n}");
        }
    }

    #[test]
    fn refuses_what_is_not_one_json_value() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "1 2", "\"\\q\"", "nul", "{\"a\":1}x"] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(parse(deep.as_bytes()), None);
    }
}
