//! Repeatable properties as lazy views: User Property (0x26) and, in PUBLISH, Subscription
//! Identifier (0x0B). A decoded list iterates over the validated property block in place; a
//! list to encode borrows a caller slice. Neither allocates.

use super::{PropertyId, WireType};
use crate::codec::{Reader, Sink, bin_len};
use crate::error::EncodeError;
use crate::frame::varint_len;
use crate::string::{Bin, Utf8};
use crate::types::SubscriptionId;
use core::fmt;

/// Advance `r` to the value of the next property `want`; `None` when the block ends.
/// The block was validated when decoded, so a parse failure only ends the walk.
fn seek(r: &mut Reader<'_>, want: PropertyId) -> Option<()> {
    while r.remaining() > 0 {
        let id = PropertyId::from_u32(r.varint().ok()?)?;
        if id == want {
            return Some(());
        }
        match id.wire_type() {
            WireType::Byte => r.take(1).ok()?,
            WireType::TwoByte => r.take(2).ok()?,
            WireType::FourByte => r.take(4).ok()?,
            WireType::VarInt => r.varint().map(|_| &[][..]).ok()?,
            WireType::Utf8 | WireType::Binary => r.bin().ok()?,
            WireType::Utf8Pair => {
                r.bin().ok()?;
                r.bin().ok()?
            }
        };
    }
    None
}

#[derive(Clone)]
enum Repr<'a, T: 'a> {
    /// The whole validated property block, holding at least one entry.
    Wire(Bin<'a>),
    /// A caller slice.
    List(&'a [T]),
}

/// A User Property (0x26): a name and a value, both UTF-8 strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UserProperty<'a> {
    /// The name.
    pub name: Utf8<'a>,
    /// The value.
    pub value: Utf8<'a>,
}

impl UserProperty<'_> {
    fn wire_len(&self) -> Result<usize, EncodeError> {
        Ok(1 + bin_len(self.name.len())? + bin_len(self.value.len())?)
    }
}

/// The User Properties of a packet, in order (repetition allowed, order kept [MQTT-3.3.2-18]).
#[derive(Clone)]
pub struct UserProperties<'a>(Repr<'a, UserProperty<'a>>);

/// The Subscription Identifiers of a PUBLISH (one per matching subscription).
#[derive(Clone)]
pub struct SubscriptionIds<'a>(Repr<'a, SubscriptionId>);

macro_rules! list_common {
    ($ty:ident, $item:ty, $iter:ident) => {
        impl<'a> $ty<'a> {
            /// No entries.
            pub const EMPTY: $ty<'static> = $ty(Repr::List(&[]));

            /// Entries to encode, borrowed from the caller.
            pub const fn new(items: &'a [$item]) -> Self {
                Self(Repr::List(items))
            }

            pub(crate) fn from_block(block: &'a [u8]) -> Self {
                Self(Repr::Wire(Bin::new(block)))
            }

            /// Iterate in wire order.
            pub fn iter(&self) -> $iter<'_> {
                match &self.0 {
                    Repr::Wire(b) => $iter(IterRepr::Wire(Reader::new(b.as_bytes()))),
                    Repr::List(l) => $iter(IterRepr::List(l.iter())),
                }
            }

            /// Whether there are no entries.
            pub fn is_empty(&self) -> bool {
                match &self.0 {
                    Repr::Wire(_) => false,
                    Repr::List(l) => l.is_empty(),
                }
            }

            /// The number of entries (walks the block for decoded lists).
            pub fn len(&self) -> usize {
                self.iter().count()
            }

            /// An owned `'static` copy: shares the decoded block, or encodes a caller list
            /// into a new buffer.
            #[cfg(feature = "bytes")]
            pub fn into_owned(self) -> $ty<'static> {
                self.share(None)
            }

            #[cfg(feature = "bytes")]
            pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> $ty<'static> {
                match self.0 {
                    Repr::Wire(b) => $ty(Repr::Wire(Bin(b.0.share(src)))),
                    Repr::List([]) => $ty::EMPTY,
                    Repr::List(_) => {
                        let mut v = alloc::vec::Vec::with_capacity(self.wire_len().unwrap_or(0));
                        self.write(&mut crate::codec::BufMutSink(&mut v));
                        $ty(Repr::Wire(Bin::from(bytes::Bytes::from(v))))
                    }
                }
            }
        }

        impl Default for $ty<'_> {
            fn default() -> Self {
                $ty::EMPTY
            }
        }

        impl PartialEq for $ty<'_> {
            fn eq(&self, other: &Self) -> bool {
                self.iter().eq(other.iter())
            }
        }
        impl Eq for $ty<'_> {}

        impl fmt::Debug for $ty<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        impl<'a> From<&'a [$item]> for $ty<'a> {
            fn from(items: &'a [$item]) -> Self {
                Self::new(items)
            }
        }
    };
}

list_common!(UserProperties, UserProperty<'a>, UserPropertiesIter);
list_common!(SubscriptionIds, SubscriptionId, SubscriptionIdsIter);

impl UserProperties<'_> {
    /// Encoded size of all entries, identifiers included.
    pub(crate) fn wire_len(&self) -> Result<usize, EncodeError> {
        self.iter().try_fold(0, |n, p| Ok(n + p.wire_len()?))
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) {
        for p in self.iter() {
            s.put_u8(PropertyId::UserProperty as u8);
            s.put_bin(p.name.as_bytes());
            s.put_bin(p.value.as_bytes());
        }
    }
}

impl SubscriptionIds<'_> {
    /// Encoded size of all entries, identifiers included.
    pub(crate) fn wire_len(&self) -> Result<usize, EncodeError> {
        Ok(self.iter().map(|id| 1 + varint_len(id.get())).sum())
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) {
        for id in self.iter() {
            s.put_u8(PropertyId::SubscriptionIdentifier as u8);
            s.put_varint(id.get());
        }
    }
}

#[derive(Clone)]
enum IterRepr<'l, T> {
    Wire(Reader<'l>),
    List(core::slice::Iter<'l, T>),
}

/// Iterator over [`UserProperties`].
#[derive(Clone)]
pub struct UserPropertiesIter<'l>(IterRepr<'l, UserProperty<'l>>);

impl<'l> Iterator for UserPropertiesIter<'l> {
    type Item = UserProperty<'l>;
    fn next(&mut self) -> Option<UserProperty<'l>> {
        match &mut self.0 {
            IterRepr::Wire(r) => {
                seek(r, PropertyId::UserProperty)?;
                let name = Utf8::from_validated(r.utf8().ok()?);
                let value = Utf8::from_validated(r.utf8().ok()?);
                Some(UserProperty { name, value })
            }
            IterRepr::List(it) => it.next().cloned(),
        }
    }
}

/// Iterator over [`SubscriptionIds`].
#[derive(Clone)]
pub struct SubscriptionIdsIter<'l>(IterRepr<'l, SubscriptionId>);

impl Iterator for SubscriptionIdsIter<'_> {
    type Item = SubscriptionId;
    fn next(&mut self) -> Option<SubscriptionId> {
        match &mut self.0 {
            IterRepr::Wire(r) => {
                seek(r, PropertyId::SubscriptionIdentifier)?;
                SubscriptionId::new(r.varint().ok()?)
            }
            IterRepr::List(it) => it.next().copied(),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for UserProperties<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=3)?;
        let mut v = alloc::vec::Vec::new();
        for _ in 0..n {
            v.push(UserProperty::arbitrary(u)?);
        }
        Ok(UserProperties::new(&v).into_owned())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for SubscriptionIds<'a> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=3)?;
        let mut v = alloc::vec::Vec::new();
        for _ in 0..n {
            v.push(SubscriptionId::arbitrary(u)?);
        }
        Ok(SubscriptionIds::new(&v).into_owned())
    }
}
