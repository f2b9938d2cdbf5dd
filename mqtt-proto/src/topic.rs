//! Topic names, topic filters, and matching (MQTT 5.0 §4.7, 3.1.1 §4.7).

use crate::error::EncodeError;
use crate::string::Utf8;
use core::fmt;

/// Why a topic name or filter is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TopicError {
    /// Topic names and filters must be at least one character long [MQTT-4.7.3-1].
    Empty,
    /// Longer than 65,535 bytes [MQTT-4.7.3-3].
    TooLong,
    /// A topic name contains `+` or `#` [MQTT-3.3.2-2] / [MQTT-4.7.0-1].
    Wildcard,
    /// `#` not last or not a whole level, or `+` not a whole level [MQTT-4.7.1-1/2/3].
    MisplacedWildcard,
    /// Contains U+0000 [MQTT-4.7.3-2].
    NullCharacter,
    /// `$share/{ShareName}/{filter}` with an empty or wildcard ShareName or no filter
    /// (MQTT 5.0 §4.8.2).
    InvalidSharedSubscription,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::TooLong => "longer than 65535 bytes",
            Self::Wildcard => "wildcard in a topic name",
            Self::MisplacedWildcard => "wildcard not occupying a whole level",
            Self::NullCharacter => "contains U+0000",
            Self::InvalidSharedSubscription => "malformed $share/{name}/{filter}",
        })
    }
}

impl core::error::Error for TopicError {}

const SHARE_PREFIX: &str = "$share/";

/// Check a topic name: non-empty, at most 65,535 bytes, no U+0000, no wildcards.
pub fn validate_topic_name(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    check_common(topic)?;
    if any_wildcard(topic) {
        return Err(TopicError::Wildcard);
    }
    Ok(())
}

/// Check a topic filter: non-empty, at most 65,535 bytes, no U+0000, `+` only as a whole
/// level, `#` only as the whole last level, and a well-formed `$share/{ShareName}/{filter}`.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    if filter.is_empty() {
        return Err(TopicError::Empty);
    }
    check_common(filter)?;
    let inner = match filter.strip_prefix(SHARE_PREFIX) {
        Some(rest) => {
            let (name, inner) = split_level(rest).ok_or(TopicError::InvalidSharedSubscription)?;
            if name.is_empty() || any_wildcard(name) || inner.is_empty() {
                return Err(TopicError::InvalidSharedSubscription);
            }
            inner
        }
        None => filter,
    };
    check_levels(inner.as_bytes())
}

/// The wildcard rules of a filter (without a `$share/{ShareName}/` prefix): `+` must be a
/// whole level, `#` a whole level and the last one. A byte scan (both wildcards and `/`
/// are ASCII), not `split('/')` and its searcher.
#[inline]
pub(crate) fn check_levels(b: &[u8]) -> Result<(), TopicError> {
    let n = b.len();
    crate::codec::for_each_wildcard(b, |i| {
        let prev = if i == 0 { b'/' } else { b.get(i - 1).copied().unwrap_or(b'/') };
        let next = b.get(i + 1).copied().unwrap_or(b'/');
        if prev != b'/' || next != b'/' || (b.get(i) == Some(&b'#') && i + 1 != n) {
            return Err(TopicError::MisplacedWildcard);
        }
        Ok(())
    })
}

/// Check a received topic filter's bytes as [`crate::codec::validate_utf8`] and then
/// [`validate_topic_filter`] do, with the same errors in the same order, in fewer passes:
/// plain ASCII without NUL (one word scan) is well-formed UTF-8 already, and the levels
/// are checked only around the wildcards (a second word scan finds them).
#[inline]
pub(crate) fn validate_filter_bytes(b: &[u8]) -> Result<(), crate::DecodeError> {
    if b.is_empty() || !crate::codec::is_plain_text(b) || b.starts_with(SHARE_PREFIX.as_bytes()) {
        let s = crate::codec::validate_utf8(b)?;
        return validate_topic_filter(s).map_err(crate::DecodeError::InvalidTopicFilter);
    }
    check_levels(b).map_err(crate::DecodeError::InvalidTopicFilter)
}

/// `s.split_once('/')`, as a byte scan (`/` is ASCII).
fn split_level(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b'/')?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// Whether `s` contains `+` or `#` (a byte scan: both are ASCII, so their bytes occur in
/// UTF-8 only as those characters).
fn any_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'+' || b == b'#')
}

fn check_common(s: &str) -> Result<(), TopicError> {
    if s.len() > usize::from(u16::MAX) {
        return Err(TopicError::TooLong);
    }
    if crate::codec::has_nul(s.as_bytes()) {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Whether `filter` is a shared subscription (`$share/{ShareName}/{filter}`).
pub fn is_shared_filter(filter: &str) -> bool {
    filter.starts_with(SHARE_PREFIX)
}

/// Whether `filter` contains a wildcard (in its inner filter, for a shared subscription).
pub fn has_wildcard(filter: &str) -> bool {
    any_wildcard(inner_filter(filter))
}

/// The filter a `$share/{ShareName}/{filter}` subscription matches with; any other filter
/// is returned unchanged.
pub fn inner_filter(filter: &str) -> &str {
    filter.strip_prefix(SHARE_PREFIX).and_then(split_level).map_or(filter, |(_, inner)| inner)
}

/// Whether `topic` (a topic name) matches `filter` (§4.7): `+` matches one level, `#` the
/// parent and any number of child levels, topics starting with `$` are not matched by a
/// filter starting with a wildcard [MQTT-4.7.2-1], and a `$share/{ShareName}/{filter}`
/// filter matches by its inner filter. Inputs are not validated; invalid ones simply do not
/// match sensibly.
pub fn matches(filter: &str, topic: &str) -> bool {
    let filter = inner_filter(filter);
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// A validated topic name. Empty only as [`TopicName::EMPTY`], which a v5 PUBLISH uses
/// together with a Topic Alias.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct TopicName<'a>(pub(crate) Utf8<'a>);

impl<'a> TopicName<'a> {
    /// The empty topic name of a v5 PUBLISH that relies on a Topic Alias.
    pub const EMPTY: TopicName<'static> = TopicName(Utf8::EMPTY);

    /// Validate a topic name (see [`validate_topic_name`]).
    pub fn new(topic: &'a str) -> Result<Self, EncodeError> {
        validate_topic_name(topic).map_err(EncodeError::InvalidTopicName)?;
        Ok(Self(Utf8::from_validated(topic)))
    }

    /// The topic.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether this is the empty topic of an aliased PUBLISH.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying string.
    #[inline]
    pub fn as_utf8(&self) -> &Utf8<'a> {
        &self.0
    }

    /// An owned `'static` copy.
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> TopicName<'static> {
        TopicName(self.0.into_owned())
    }
}

impl fmt::Debug for TopicName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for TopicName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'a> TryFrom<&'a str> for TopicName<'a> {
    type Error = EncodeError;
    fn try_from(s: &'a str) -> Result<Self, EncodeError> {
        Self::new(s)
    }
}

/// A validated topic filter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TopicFilter<'a>(pub(crate) Utf8<'a>);

impl<'a> TopicFilter<'a> {
    /// Validate a topic filter (see [`validate_topic_filter`]).
    pub fn new(filter: &'a str) -> Result<Self, EncodeError> {
        validate_topic_filter(filter).map_err(EncodeError::InvalidTopicFilter)?;
        Ok(Self(Utf8::from_validated(filter)))
    }

    /// The filter.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether `topic` matches this filter (see [`matches()`]).
    pub fn matches(&self, topic: &str) -> bool {
        matches(self.as_str(), topic)
    }

    /// Whether this is a `$share/...` filter.
    pub fn is_shared(&self) -> bool {
        is_shared_filter(self.as_str())
    }

    /// Whether this filter contains `+` or `#`.
    pub fn has_wildcard(&self) -> bool {
        has_wildcard(self.as_str())
    }

    /// An owned `'static` copy.
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> TopicFilter<'static> {
        TopicFilter(self.0.into_owned())
    }
}

impl fmt::Debug for TopicFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for TopicFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'a> TryFrom<&'a str> for TopicFilter<'a> {
    type Error = EncodeError;
    fn try_from(s: &'a str) -> Result<Self, EncodeError> {
        Self::new(s)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for TopicName<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        const LEVELS: &[&str] = &["a", "sensors", "dev-1", "temp", "$SYS", "ünï", "x y", ""];
        let n = u.int_in_range(1..=4)?;
        let mut s = alloc::string::String::new();
        for i in 0..n {
            if i > 0 {
                s.push('/');
            }
            s.push_str(u.choose(LEVELS)?);
        }
        if s.is_empty() {
            s.push('t');
        }
        Ok(TopicName(Utf8(crate::string::Repr::Shared(bytes::Bytes::from(s.into_bytes())))))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for TopicFilter<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        const LEVELS: &[&str] = &["a", "sensors", "+", "dev-1", "ünï", ""];
        let n = u.int_in_range(1..=4)?;
        let mut s = alloc::string::String::new();
        if u.ratio(1, 8)? {
            s.push_str("$share/group/");
        }
        for i in 0..n {
            if i > 0 {
                s.push('/');
            }
            s.push_str(u.choose(LEVELS)?);
        }
        if u.ratio(1, 4)? {
            s.push_str("/#");
        }
        if validate_topic_filter(&s).is_err() {
            s = alloc::string::String::from("fallback/+");
        }
        Ok(TopicFilter(Utf8(crate::string::Repr::Shared(bytes::Bytes::from(s.into_bytes())))))
    }
}

#[cfg(test)]
mod tests {
    use super::{TopicError, any_wildcard, validate_topic_filter};

    /// The level rules as `split('/')` states them (the reference for the byte scan).
    fn levels_ok(inner: &str) -> bool {
        let mut levels = inner.split('/').peekable();
        while let Some(level) = levels.next() {
            match level {
                "#" if levels.peek().is_none() => {}
                "+" => {}
                "#" => return false,
                l if any_wildcard(l) => return false,
                _ => {}
            }
        }
        true
    }

    /// Every filter of up to 9 characters over `a / + #` is judged by the byte scan as by
    /// the level-splitting reference.
    #[test]
    fn the_wildcard_byte_scan_agrees_with_splitting_into_levels() {
        let alphabet = [b'a', b'/', b'+', b'#'];
        for len in 1..=9u32 {
            for n in 0..4usize.pow(len) {
                let mut k = n;
                let f: alloc::vec::Vec<u8> = (0..len)
                    .map(|_| {
                        let c = alphabet[k % 4];
                        k /= 4;
                        c
                    })
                    .collect();
                let f = core::str::from_utf8(&f).unwrap_or_default();
                let expected = if levels_ok(f) { Ok(()) } else { Err(TopicError::MisplacedWildcard) };
                assert_eq!(validate_topic_filter(f), expected, "{f:?}");
            }
        }
    }
}
