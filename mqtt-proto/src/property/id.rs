//! The MQTT 5.0 property identifiers, their wire types and where each may appear (§2.2.2.2).

use crate::frame::PacketType;

/// How a property's value is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    /// One byte.
    Byte,
    /// Two-byte integer.
    TwoByte,
    /// Four-byte integer.
    FourByte,
    /// Variable byte integer.
    VarInt,
    /// UTF-8 Encoded String.
    Utf8,
    /// Binary Data.
    Binary,
    /// UTF-8 String Pair.
    Utf8Pair,
}

macro_rules! property_ids {
    ($( $(#[$m:meta])* $name:ident = $id:literal, $wire:ident, will: $will:literal, [$($pkt:ident),*]; )*) => {
        /// An MQTT 5.0 property identifier (§2.2.2.2).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum PropertyId {
            $( $(#[$m])* $name = $id, )*
        }

        impl PropertyId {
            /// Every property identifier, in numeric order.
            pub const ALL: &'static [PropertyId] = &[$(Self::$name,)*];

            /// The property for an identifier; `None` if MQTT 5.0 defines none.
            pub const fn from_u32(v: u32) -> Option<Self> {
                match v {
                    $( $id => Some(Self::$name), )*
                    _ => None,
                }
            }

            /// How the value is encoded.
            pub const fn wire_type(self) -> WireType {
                match self {
                    $( Self::$name => WireType::$wire, )*
                }
            }

            /// Whether the property may appear in a packet of type `packet`.
            pub const fn allowed_in(self, packet: PacketType) -> bool {
                match self {
                    $( Self::$name => false $(|| matches!(packet, PacketType::$pkt))*, )*
                }
            }

            /// Whether the property may appear among the Will Properties of CONNECT.
            pub const fn allowed_in_will(self) -> bool {
                match self {
                    $( Self::$name => $will, )*
                }
            }
        }
    };
}

property_ids! {
    /// 0x01 Payload Format Indicator.
    PayloadFormatIndicator = 0x01, Byte, will: true, [Publish];
    /// 0x02 Message Expiry Interval.
    MessageExpiryInterval = 0x02, FourByte, will: true, [Publish];
    /// 0x03 Content Type.
    ContentType = 0x03, Utf8, will: true, [Publish];
    /// 0x08 Response Topic.
    ResponseTopic = 0x08, Utf8, will: true, [Publish];
    /// 0x09 Correlation Data.
    CorrelationData = 0x09, Binary, will: true, [Publish];
    /// 0x0B Subscription Identifier.
    SubscriptionIdentifier = 0x0B, VarInt, will: false, [Publish, Subscribe];
    /// 0x11 Session Expiry Interval.
    SessionExpiryInterval = 0x11, FourByte, will: false, [Connect, ConnAck, Disconnect];
    /// 0x12 Assigned Client Identifier.
    AssignedClientIdentifier = 0x12, Utf8, will: false, [ConnAck];
    /// 0x13 Server Keep Alive.
    ServerKeepAlive = 0x13, TwoByte, will: false, [ConnAck];
    /// 0x15 Authentication Method.
    AuthenticationMethod = 0x15, Utf8, will: false, [Connect, ConnAck, Auth];
    /// 0x16 Authentication Data.
    AuthenticationData = 0x16, Binary, will: false, [Connect, ConnAck, Auth];
    /// 0x17 Request Problem Information.
    RequestProblemInformation = 0x17, Byte, will: false, [Connect];
    /// 0x18 Will Delay Interval.
    WillDelayInterval = 0x18, FourByte, will: true, [];
    /// 0x19 Request Response Information.
    RequestResponseInformation = 0x19, Byte, will: false, [Connect];
    /// 0x1A Response Information.
    ResponseInformation = 0x1A, Utf8, will: false, [ConnAck];
    /// 0x1C Server Reference.
    ServerReference = 0x1C, Utf8, will: false, [ConnAck, Disconnect];
    /// 0x1F Reason String.
    ReasonString = 0x1F, Utf8, will: false,
        [ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth];
    /// 0x21 Receive Maximum.
    ReceiveMaximum = 0x21, TwoByte, will: false, [Connect, ConnAck];
    /// 0x22 Topic Alias Maximum.
    TopicAliasMaximum = 0x22, TwoByte, will: false, [Connect, ConnAck];
    /// 0x23 Topic Alias.
    TopicAlias = 0x23, TwoByte, will: false, [Publish];
    /// 0x24 Maximum QoS.
    MaximumQoS = 0x24, Byte, will: false, [ConnAck];
    /// 0x25 Retain Available.
    RetainAvailable = 0x25, Byte, will: false, [ConnAck];
    /// 0x26 User Property.
    UserProperty = 0x26, Utf8Pair, will: true,
        [Connect, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck,
         Unsubscribe, UnsubAck, Disconnect, Auth];
    /// 0x27 Maximum Packet Size.
    MaximumPacketSize = 0x27, FourByte, will: false, [Connect, ConnAck];
    /// 0x28 Wildcard Subscription Available.
    WildcardSubscriptionAvailable = 0x28, Byte, will: false, [ConnAck];
    /// 0x29 Subscription Identifier Available.
    SubscriptionIdentifierAvailable = 0x29, Byte, will: false, [ConnAck];
    /// 0x2A Shared Subscription Available.
    SharedSubscriptionAvailable = 0x2A, Byte, will: false, [ConnAck];
}
