//! MQTT 5.0 properties: identifiers, per-packet property sets, and repeatable-property views.
//!
//! Each packet has its own property struct whose fields are exactly the properties that
//! packet may carry, so a property in the wrong packet cannot even be expressed when
//! encoding; when decoding it is [`DecodeError::PropertyNotAllowed`](crate::DecodeError).
//! Every property but User Property (and Subscription Identifier in PUBLISH) may appear at
//! most once; a repeat is [`DecodeError::DuplicateProperty`](crate::DecodeError).
//! Before MQTT 5.0 every set must be empty: encoding a non-empty one for 3.x is
//! [`EncodeError::Unsupported`](crate::EncodeError).

mod id;
mod lists;
mod scan;
mod sets;
mod value;

pub use id::{PropertyId, WireType};
pub use lists::{SubscriptionIds, SubscriptionIdsIter, UserProperties, UserPropertiesIter, UserProperty};
pub use sets::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, WillProperties,
};

/// Defines one per-packet property struct with its decoder and encoder.
macro_rules! property_set {
    (
        $(#[$m:meta])*
        $name:ident {
            $( $(#[$fm:meta])* $field:ident : $fty:ty = $pid:ident, )*
        }
        $( repeated $sub:ident; )?
    ) => {
        $(#[$m])*
        ///
        /// `Debug` shows Authentication Data, which may be a token, as `***`.
        #[derive(Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name<'a> {
            $( $(#[$fm])* pub $field: Option<$fty>, )*
            /// User Property (0x26), any number, order kept.
            pub user_properties: $crate::property::UserProperties<'a>,
            $(
                /// Subscription Identifier (0x0B): one per matching subscription.
                pub $sub: $crate::property::SubscriptionIds<'a>,
            )?
        }

        impl core::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                $(
                    if stringify!($field) == "authentication_data" {
                        d.field(stringify!($field), &self.$field.as_ref().map(|_| $crate::string::Elided));
                    } else {
                        d.field(stringify!($field), &self.$field);
                    }
                )*
                d.field("user_properties", &self.user_properties);
                $( d.field(stringify!($sub), &self.$sub); )?
                d.finish()
            }
        }

        /// Empty a quarter of the time (so the short forms of v5 packets occur), otherwise
        /// every property arbitrary.
        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name<'a> {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                if u.ratio(1, 4)? {
                    return Ok(Self::default());
                }
                Ok(Self {
                    $( $field: u.arbitrary()?, )*
                    user_properties: u.arbitrary()?,
                    $( $sub: u.arbitrary()?, )?
                })
            }
        }

        impl<'a> $name<'a> {
            /// Read a property length and the property block that follows.
            /// `packet` is the packet being decoded, for error reports.
            // PUBLISH slices its block out itself and calls `decode_block` (`RawPublish`).
            #[allow(dead_code)]
            pub(crate) fn decode(
                r: &mut $crate::codec::Reader<'a>,
                packet: $crate::frame::PacketType,
            ) -> Result<Self, $crate::error::DecodeError> {
                let block = $crate::property::read_block(r)?;
                if block.is_empty() {
                    return Ok(Self::default());
                }
                Self::decode_block(block, packet)
            }

            /// The properties this set may hold, as a mask of identifier bits.
            const ALLOWED: u64 = Self::REPEATABLE
                $( | $crate::property::scan::bit($crate::property::PropertyId::$pid) )*;

            /// The properties that may appear more than once: User Property, and
            /// Subscription Identifier in a set with a list of them.
            const REPEATABLE: u64 = $crate::property::scan::bit($crate::property::PropertyId::UserProperty)
                $( | {
                    let _ = stringify!($sub);
                    $crate::property::scan::bit($crate::property::PropertyId::SubscriptionIdentifier)
                } )?;

            /// Decode a property block (without its length): the scanner checks every
            /// property, this only stores the values.
            #[allow(unused_imports, unused_variables)]
            pub(crate) fn decode_block(
                block: &'a [u8],
                packet: $crate::frame::PacketType,
            ) -> Result<Self, $crate::error::DecodeError> {
                use $crate::property::PropertyId;
                use $crate::property::value::PropValue;
                use $crate::property::scan::{Scanner, bit};
                let mut this = Self::default();
                let mut s = Scanner::new(block, packet, Self::ALLOWED, Self::REPEATABLE);
                while let Some((id, v)) = s.next()? {
                    match id {
                        $( PropertyId::$pid => this.$field = PropValue::from_raw(v), )*
                        _ => {}
                    }
                }
                if s.seen & bit(PropertyId::UserProperty) != 0 {
                    this.user_properties = $crate::property::UserProperties::from_block(block);
                }
                $(
                    if s.seen & bit(PropertyId::SubscriptionIdentifier) != 0 {
                        this.$sub = $crate::property::SubscriptionIds::from_block(block);
                    }
                )?
                Ok(this)
            }

            /// Whether no property is set.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )* && self.user_properties.is_empty()
                    $( && self.$sub.is_empty() )?
            }

            /// Size of the properties without the property length.
            #[allow(unused_imports)]
            pub(crate) fn content_len(&self) -> Result<usize, $crate::error::EncodeError> {
                use $crate::property::value::PropValue;
                let mut n = 0;
                $(
                    if let Some(v) = &self.$field {
                        n += 1 + v.value_len($crate::property::PropertyId::$pid)?;
                    }
                )*
                n += self.user_properties.wire_len()?;
                $( n += self.$sub.wire_len()?; )?
                Ok(n)
            }

            /// Write the property length (`content_len`, from [`Self::content_len`]) and the properties.
            #[allow(unused_imports)]
            pub(crate) fn write<S: $crate::codec::Sink>(&self, s: &mut S, content_len: usize) {
                use $crate::property::value::{PropValue, write};
                s.put_varint(content_len as u32);
                $(
                    if let Some(v) = &self.$field {
                        s.at_property($crate::property::PropertyId::$pid);
                        write(s, $crate::property::PropertyId::$pid, v.to_raw());
                    }
                )*
                self.user_properties.write(s);
                $( self.$sub.write(s); )?
            }

            /// An owned `'static` copy.
            #[cfg(feature = "bytes")]
            pub fn into_owned(self) -> $name<'static> {
                self.share(None)
            }

            #[cfg(feature = "bytes")]
            #[allow(unused_imports)]
            pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> $name<'static> {
                use $crate::string::Share;
                $name {
                    $( $field: self.$field.map(|v| v.share(src)), )*
                    user_properties: self.user_properties.share(src),
                    $( $sub: self.$sub.share(src), )?
                }
            }
        }
    };
}
use property_set;

/// A property length and the property block that follows (shared by every set's decoder).
#[inline(never)]
pub(crate) fn read_block<'a>(r: &mut crate::codec::Reader<'a>) -> Result<&'a [u8], crate::DecodeError> {
    let len = r.varint()?;
    r.take(len as usize)
}

/// Before 5.0 a packet has no properties: `Unsupported` unless `empty`.
#[inline]
pub(crate) fn check_v3(version: crate::ProtocolVersion, empty: bool) -> Result<(), crate::EncodeError> {
    if version.is_v5() || empty {
        Ok(())
    } else {
        Err(crate::EncodeError::Unsupported { version, field: "properties" })
    }
}
