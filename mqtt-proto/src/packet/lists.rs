//! Packet payload lists as lazy views: the entries of SUBSCRIBE, UNSUBSCRIBE, SUBACK and
//! UNSUBACK. Decoded lists iterate over the validated payload in place; lists to encode
//! borrow a caller slice. Neither allocates.

use super::subscribe::Subscription;
use crate::codec::Reader;
use crate::reason::ReasonCode;
use crate::string::{Bin, Utf8};
use crate::topic::TopicFilter;
use crate::types::SubscriptionOptions;
use core::fmt;

#[derive(Clone)]
enum Repr<'a, T: 'a> {
    /// Validated payload bytes.
    Wire(Bin<'a>),
    /// A caller slice.
    List(&'a [T]),
}

/// What a list holds, borrowed: the validated wire payload or the caller's slice.
pub(crate) enum View<'l, T> {
    Wire(&'l [u8]),
    List(&'l [T]),
}

#[derive(Clone)]
enum IterRepr<'l, T> {
    Wire(Reader<'l>),
    List(core::slice::Iter<'l, T>),
}

macro_rules! payload_list {
    ($(#[$m:meta])* $ty:ident, $item:ty, $(#[$im:meta])* $iter:ident, $yield:ty, |$r:ident| $read:expr) => {
        $(#[$m])*
        #[derive(Clone)]
        pub struct $ty<'a>(Repr<'a, $item>);

        $(#[$im])*
        #[derive(Clone)]
        pub struct $iter<'l>(IterRepr<'l, $yield>);

        impl<'a> $ty<'a> {
            /// Entries to encode, borrowed from the caller.
            pub const fn new(items: &'a [$item]) -> Self {
                Self(Repr::List(items))
            }

            pub(crate) fn from_wire(payload: &'a [u8]) -> Self {
                Self(Repr::Wire(Bin::new(payload)))
            }

            /// Iterate in wire order.
            pub fn iter(&self) -> $iter<'_> {
                match &self.0 {
                    Repr::Wire(b) => $iter(IterRepr::Wire(Reader::new(b.as_bytes()))),
                    Repr::List(l) => $iter(IterRepr::List(l.iter())),
                }
            }

            /// The wire payload or the caller slice, without cloning any entry.
            #[allow(dead_code)]
            #[inline]
            pub(crate) fn view(&self) -> View<'_, $item> {
                match &self.0 {
                    Repr::Wire(b) => View::Wire(b.as_bytes()),
                    Repr::List(l) => View::List(l),
                }
            }

            /// Whether there are no entries.
            pub fn is_empty(&self) -> bool {
                match &self.0 {
                    Repr::Wire(b) => b.is_empty(),
                    Repr::List(l) => l.is_empty(),
                }
            }

            /// The number of entries.
            pub fn len(&self) -> usize {
                self.iter().count()
            }

            #[cfg(feature = "bytes")]
            pub(crate) fn share_wire(self, src: Option<&bytes::Bytes>, encode: impl FnOnce(&Self, &mut alloc::vec::Vec<u8>)) -> $ty<'static> {
                match self.0 {
                    Repr::Wire(b) => $ty(Repr::Wire(Bin(b.0.share(src)))),
                    Repr::List(_) => {
                        let mut v = alloc::vec::Vec::new();
                        encode(&self, &mut v);
                        $ty(Repr::Wire(Bin::from(bytes::Bytes::from(v))))
                    }
                }
            }
        }

        impl<'l> Iterator for $iter<'l> {
            type Item = $yield;
            fn next(&mut self) -> Option<$yield> {
                match &mut self.0 {
                    IterRepr::Wire($r) => {
                        if $r.remaining() == 0 {
                            return None;
                        }
                        $read
                    }
                    IterRepr::List(it) => it.next().cloned(),
                }
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

payload_list!(
    /// The entries of a SUBSCRIBE: topic filter and options.
    Subscriptions, Subscription<'a>,
    /// Iterator over [`Subscriptions`].
    SubscriptionsIter, Subscription<'l>,
    |r| {
        let filter = TopicFilter(Utf8::from_validated(r.utf8().ok()?));
        let options = options_from_byte(r.u8().ok()?);
        Some(Subscription { filter, options })
    }
);

payload_list!(
    /// The topic filters of an UNSUBSCRIBE.
    TopicFilters, TopicFilter<'a>,
    /// Iterator over [`TopicFilters`].
    TopicFiltersIter, TopicFilter<'l>,
    |r| Some(TopicFilter(Utf8::from_validated(r.utf8().ok()?)))
);

payload_list!(
    /// The reason codes of a SUBACK or UNSUBACK, one per filter of the request.
    ReasonCodes, ReasonCode,
    /// Iterator over [`ReasonCodes`].
    ReasonCodesIter, ReasonCode,
    |r| ReasonCode::from_u8(r.u8().ok()?)
);

/// The options of a validated options byte.
pub(crate) fn options_from_byte(b: u8) -> SubscriptionOptions {
    SubscriptionOptions::from_valid_byte(b)
}

#[cfg(feature = "arbitrary")]
mod arb {
    use super::*;
    use alloc::vec::Vec;
    use arbitrary::{Arbitrary, Result, Unstructured};

    fn some<'a, T: Arbitrary<'a>>(u: &mut Unstructured<'a>) -> Result<Vec<T>> {
        let n = u.int_in_range(1..=4)?;
        (0..n).map(|_| T::arbitrary(u)).collect()
    }

    impl<'a> Arbitrary<'a> for Subscriptions<'a> {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let v: Vec<Subscription<'a>> = some(u)?;
            Ok(Subscriptions::new(&v)
                .share_wire(None, |s, out| super::super::subscribe::write_subscriptions(s, out)))
        }
    }

    impl<'a> Arbitrary<'a> for TopicFilters<'a> {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let v: Vec<TopicFilter<'a>> = some(u)?;
            Ok(TopicFilters::new(&v)
                .share_wire(None, |s, out| super::super::unsubscribe::write_filters(s, out)))
        }
    }

    impl<'a> Arbitrary<'a> for ReasonCodes<'a> {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let v: Vec<ReasonCode> = some(u)?;
            Ok(ReasonCodes::new(&v).share_wire(None, |s, out| out.extend(s.iter().map(ReasonCode::to_u8))))
        }
    }
}
