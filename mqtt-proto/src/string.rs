//! Validated leaf types: UTF-8 strings and binary data, borrowed or shared.

use crate::error::EncodeError;
use core::fmt;
use core::hash::{Hash, Hasher};

/// Storage behind [`Utf8`] and [`Bin`]: a borrow of the input, or (feature `bytes`) a
/// reference-counted share of a `bytes::Bytes` buffer. Private, so the public API is the same
/// with and without the feature.
#[derive(Clone)]
pub(crate) enum Repr<'a> {
    Borrowed(&'a [u8]),
    #[cfg(feature = "bytes")]
    Shared(bytes::Bytes),
}

impl<'a> Repr<'a> {
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            #[cfg(feature = "bytes")]
            Self::Shared(b) => b,
        }
    }

    /// A `'static` copy: shares `src` when the borrow lies inside it, copies otherwise.
    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Repr<'static> {
        match self {
            Self::Shared(b) => Repr::Shared(b),
            Self::Borrowed(b) => Repr::Shared(share_or_copy(b, src)),
        }
    }
}

/// `src.slice_ref(b)` when `b` lies within `src` (no copy), a copy of `b` otherwise.
#[cfg(feature = "bytes")]
pub(crate) fn share_or_copy(b: &[u8], src: Option<&bytes::Bytes>) -> bytes::Bytes {
    if let Some(src) = src {
        let start = src.as_ptr() as usize;
        let p = b.as_ptr() as usize;
        if p >= start && p + b.len() <= start + src.len() {
            return src.slice_ref(b);
        }
    }
    bytes::Bytes::copy_from_slice(b)
}

/// A UTF-8 Encoded String (MQTT 5.0 §1.5.4, 3.1.1 §1.5.3): well-formed UTF-8, no U+0000,
/// at most 65,535 bytes.
#[derive(Clone)]
pub struct Utf8<'a>(pub(crate) Repr<'a>);

impl<'a> Utf8<'a> {
    /// The empty string.
    pub const EMPTY: Utf8<'static> = Utf8(Repr::Borrowed(b""));

    /// Validate `s`: at most 65,535 bytes and no U+0000.
    pub fn new(s: &'a str) -> Result<Self, EncodeError> {
        if s.len() > usize::from(u16::MAX) {
            return Err(EncodeError::TooLong { len: s.len() });
        }
        if crate::codec::has_nul(s.as_bytes()) {
            return Err(EncodeError::NullCharacter);
        }
        Ok(Self(Repr::Borrowed(s.as_bytes())))
    }

    /// Wrap bytes that were already validated as a UTF-8 Encoded String.
    #[inline]
    pub(crate) const fn from_validated(s: &'a str) -> Self {
        Self(Repr::Borrowed(s.as_bytes()))
    }

    /// Wrap bytes that were already validated as a UTF-8 Encoded String (well-formed
    /// UTF-8 without U+0000), e.g. a plain ASCII topic name.
    #[inline]
    pub(crate) const fn from_validated_bytes(b: &'a [u8]) -> Self {
        Self(Repr::Borrowed(b))
    }

    /// The string.
    ///
    /// Shared (`'static`) strings were validated when decoded and are re-checked here in
    /// linear time, because this crate uses no `unsafe`; borrowed ones are not.
    #[inline]
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.0.as_bytes()).unwrap_or_default()
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.as_bytes().len()
    }

    /// Whether the string is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.as_bytes().is_empty()
    }

    /// The encoded size: two length bytes plus the string.
    #[inline]
    pub(crate) fn wire_len(&self) -> usize {
        2 + self.len()
    }

    /// An owned `'static` copy (a `bytes::Bytes` share if it already is one).
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> Utf8<'static> {
        Utf8(self.0.share(None))
    }
}

impl Default for Utf8<'_> {
    fn default() -> Self {
        Utf8::EMPTY
    }
}

impl<'a> TryFrom<&'a str> for Utf8<'a> {
    type Error = EncodeError;
    fn try_from(s: &'a str) -> Result<Self, EncodeError> {
        Self::new(s)
    }
}

impl PartialEq for Utf8<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Utf8<'_> {}

impl PartialEq<str> for Utf8<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Utf8<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Hash for Utf8<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for Utf8<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Utf8<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let s = <&'a str>::arbitrary(u)?;
        let s = &s[..s.floor_char_boundary(s.len().min(64))];
        match Self::new(s) {
            Ok(v) => Ok(v),
            Err(_) => {
                let cleaned: alloc::string::String = s.chars().filter(|&c| c != '\0').collect();
                Ok(Utf8(Repr::Shared(bytes::Bytes::from(cleaned.into_bytes()))))
            }
        }
    }
}

/// Binary data: Binary Data fields (two-byte length prefix, at most 65,535 bytes, checked
/// when encoding) and PUBLISH payloads (no prefix, any length).
#[derive(Clone)]
pub struct Bin<'a>(pub(crate) Repr<'a>);

impl<'a> Bin<'a> {
    /// Empty data.
    pub const EMPTY: Bin<'static> = Bin(Repr::Borrowed(b""));

    /// Borrow `b`.
    #[inline]
    pub const fn new(b: &'a [u8]) -> Self {
        Self(Repr::Borrowed(b))
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.as_bytes().len()
    }

    /// Whether the data is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.as_bytes().is_empty()
    }

    /// An owned `'static` copy (a `bytes::Bytes` share if it already is one).
    #[cfg(feature = "bytes")]
    pub fn into_owned(self) -> Bin<'static> {
        Bin(self.0.share(None))
    }

    /// The shared `Bytes`, when this data is (or becomes, by copying) an owned share.
    #[cfg(feature = "bytes")]
    pub fn to_bytes(&self) -> bytes::Bytes {
        match &self.0 {
            Repr::Shared(b) => b.clone(),
            Repr::Borrowed(b) => bytes::Bytes::copy_from_slice(b),
        }
    }
}

#[cfg(feature = "bytes")]
impl From<bytes::Bytes> for Bin<'static> {
    fn from(b: bytes::Bytes) -> Self {
        Self(Repr::Shared(b))
    }
}

impl<'a> From<&'a [u8]> for Bin<'a> {
    fn from(b: &'a [u8]) -> Self {
        Self::new(b)
    }
}

impl Default for Bin<'_> {
    fn default() -> Self {
        Bin::EMPTY
    }
}

impl PartialEq for Bin<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Bin<'_> {}

impl Hash for Bin<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// Stands for a secret in `Debug` output: prints `***`.
pub(crate) struct Elided;

impl fmt::Debug for Elided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Debug for Bin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.as_bytes();
        match core::str::from_utf8(b) {
            Ok(s) if b.len() <= 64 => write!(f, "b{s:?}"),
            _ => write!(f, "<{} bytes>", b.len()),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Bin<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=128usize)?;
        Ok(Self::new(u.bytes(len.min(u.len()))?))
    }
}

/// Turning a borrowed value into a `'static` one (sharing `src` where possible).
#[cfg(feature = "bytes")]
pub(crate) trait Share {
    type Static;
    fn share(self, src: Option<&bytes::Bytes>) -> Self::Static;
}

macro_rules! share_identity {
    ($($t:ty),*) => {$(
        #[cfg(feature = "bytes")]
        impl Share for $t {
            type Static = $t;
            #[inline]
            fn share(self, _: Option<&bytes::Bytes>) -> $t { self }
        }
    )*};
}
share_identity!(
    bool,
    u16,
    u32,
    core::num::NonZeroU16,
    core::num::NonZeroU32,
    crate::types::QoS,
    crate::types::PayloadFormat,
    crate::types::SubscriptionId
);

#[cfg(feature = "bytes")]
impl Share for Utf8<'_> {
    type Static = Utf8<'static>;
    fn share(self, src: Option<&bytes::Bytes>) -> Utf8<'static> {
        Utf8(self.0.share(src))
    }
}

#[cfg(feature = "bytes")]
impl Share for Bin<'_> {
    type Static = Bin<'static>;
    fn share(self, src: Option<&bytes::Bytes>) -> Bin<'static> {
        Bin(self.0.share(src))
    }
}

#[cfg(feature = "bytes")]
impl Share for crate::topic::TopicName<'_> {
    type Static = crate::topic::TopicName<'static>;
    fn share(self, src: Option<&bytes::Bytes>) -> crate::topic::TopicName<'static> {
        crate::topic::TopicName(Utf8(self.0.0.share(src)))
    }
}

#[cfg(feature = "bytes")]
impl Share for crate::topic::TopicFilter<'_> {
    type Static = crate::topic::TopicFilter<'static>;
    fn share(self, src: Option<&bytes::Bytes>) -> crate::topic::TopicFilter<'static> {
        crate::topic::TopicFilter(Utf8(self.0.0.share(src)))
    }
}
