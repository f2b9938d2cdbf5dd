//! A zero-copy, `no_std` codec for MQTT 3.1, 3.1.1 and 5.0 packets.
//!
//! - **One set of packet types for every version.** The [`ProtocolVersion`] is passed to
//!   [`Packet::decode`] and [`Packet::encode`]; v5-only fields (properties, reason codes, AUTH)
//!   set while encoding for 3.x are an [`EncodeError::Unsupported`], never silently dropped.
//!   3.x CONNACK and SUBACK return codes map onto [`ReasonCode`].
//! - **Framing that never errs on short input.** [`Packet::decode`] answers
//!   [`Status::Incomplete`] with the number of bytes still missing. The size limit is checked
//!   from the fixed header alone ([`Packet::decode_with_limit`], [`FixedHeader::check_size`]).
//! - **Zero copy.** A decoded [`Packet<'a>`](Packet) borrows the input: no copy, no
//!   allocation. With the `bytes` feature, `Packet::decode_shared` gives a `'static` packet
//!   whose strings and payload are reference-counted slices of the input `Bytes`.
//! - **Strict.** Everything the specifications call a Malformed Packet or a Protocol Error
//!   is a typed [`DecodeError`], and [`DecodeError::reason_code`] says what to answer with.
//! - **Caller buffers.** Encoding writes all or nothing into a `&mut [u8]` (or a
//!   `bytes::BufMut`); [`Packet::encoded_len`] is exact; a too-small buffer is
//!   [`EncodeError::BufferTooSmall`] and the buffer is untouched.
//!   [`Publish::encode_header`] leaves the payload out for vectored writes.
//!
//! ```
//! use sansmqtt_proto::{Delivery, Packet, PacketId, ProtocolVersion, Publish, Status, TopicName};
//!
//! let mut publish = Publish::new(TopicName::new("sensors/1/temp")?, b"21.5");
//! publish.delivery = Delivery::AtLeastOnce(PacketId::new(7).unwrap());
//! let packet = Packet::Publish(publish);
//!
//! let mut buf = [0u8; 64];
//! let n = packet.encode(ProtocolVersion::V5, &mut buf)?;
//! assert_eq!(n, packet.encoded_len(ProtocolVersion::V5)?);
//!
//! // A prefix is "incomplete", never an error.
//! assert!(matches!(Packet::decode(&buf[..n - 1], ProtocolVersion::V5)?, Status::Incomplete { .. }));
//! let Status::Complete(decoded) = Packet::decode(&buf[..n], ProtocolVersion::V5)? else { unreachable!() };
//! assert_eq!(decoded.len, n);
//! assert_eq!(decoded.packet, packet);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Features
//! - `alloc`: `Packet::encode_to_vec` and `Packet::encode_to_vec_client`.
//! - `bytes` (implies `alloc`): `'static` packets sharing a `bytes::Bytes` input, `BufMut` encoding.
//! - `arbitrary`: `arbitrary::Arbitrary` for packets.
//! - `fuzzing`: the fuzz target bodies in `fuzzing` (hidden), so `cargo test` replays the corpus.

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

#[cfg(feature = "alloc")]
extern crate alloc;
// `arbitrary`'s derive expands to `::std` paths; the feature is for host-side testing only.
#[cfg(feature = "arbitrary")]
extern crate std;

mod codec;
mod error;
pub mod frame;
mod packet;
pub mod property;
mod reason;
mod string;
pub mod topic;
mod types;
mod version;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{DecodeError, EncodeError};
pub use frame::{FixedHeader, PacketType, Status};
#[cfg(feature = "alloc")]
pub use packet::EncodedPublish;
pub use packet::{
    Ack, Auth, ConnAck, Connect, Decoded, Disconnect, Packet, Publish, PublishHead, ReasonCodes,
    ReasonCodesIter, SubAck, Subscribe, Subscription, Subscriptions, SubscriptionsIter, TopicFilters,
    TopicFiltersIter, UnsubAck, Unsubscribe, Will,
};
pub use reason::ReasonCode;
pub use string::{Bin, Utf8};
pub use topic::{TopicError, TopicFilter, TopicName};
pub use types::{
    Delivery, PacketId, PayloadFormat, QoS, RetainHandling, SubscriptionId, SubscriptionOptions,
};
pub use version::ProtocolVersion;
