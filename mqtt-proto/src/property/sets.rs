//! The property set of each packet (MQTT 5.0 §3.x.2.2).

use super::property_set;
use crate::string::{Bin, Utf8};
use crate::topic::TopicName;
use crate::types::{PayloadFormat, QoS, SubscriptionId};
use core::num::{NonZeroU16, NonZeroU32};

property_set! {
    /// CONNECT properties (§3.1.2.11).
    ConnectProperties {
        /// Session Expiry Interval (0x11), seconds; absent means 0.
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// Receive Maximum (0x21): QoS 1/2 publishes the client processes concurrently.
        receive_maximum: NonZeroU16 = ReceiveMaximum,
        /// Maximum Packet Size (0x27) the client accepts.
        maximum_packet_size: NonZeroU32 = MaximumPacketSize,
        /// Topic Alias Maximum (0x22) the client accepts.
        topic_alias_maximum: u16 = TopicAliasMaximum,
        /// Request Response Information (0x19).
        request_response_information: bool = RequestResponseInformation,
        /// Request Problem Information (0x17).
        request_problem_information: bool = RequestProblemInformation,
        /// Authentication Method (0x15).
        authentication_method: Utf8<'a> = AuthenticationMethod,
        /// Authentication Data (0x16).
        authentication_data: Bin<'a> = AuthenticationData,
    }
}

property_set! {
    /// Will properties of CONNECT (§3.1.3.2).
    WillProperties {
        /// Will Delay Interval (0x18), seconds.
        will_delay_interval: u32 = WillDelayInterval,
        /// Payload Format Indicator (0x01).
        payload_format_indicator: PayloadFormat = PayloadFormatIndicator,
        /// Message Expiry Interval (0x02), seconds.
        message_expiry_interval: u32 = MessageExpiryInterval,
        /// Content Type (0x03).
        content_type: Utf8<'a> = ContentType,
        /// Response Topic (0x08).
        response_topic: TopicName<'a> = ResponseTopic,
        /// Correlation Data (0x09).
        correlation_data: Bin<'a> = CorrelationData,
    }
}

property_set! {
    /// CONNACK properties (§3.2.2.3).
    ConnAckProperties {
        /// Session Expiry Interval (0x11) the server uses instead of the client's.
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// Receive Maximum (0x21) of the server.
        receive_maximum: NonZeroU16 = ReceiveMaximum,
        /// Maximum QoS (0x24) the server supports (0 or 1; absent means 2).
        maximum_qos: QoS = MaximumQoS,
        /// Retain Available (0x25).
        retain_available: bool = RetainAvailable,
        /// Maximum Packet Size (0x27) the server accepts.
        maximum_packet_size: NonZeroU32 = MaximumPacketSize,
        /// Assigned Client Identifier (0x12).
        assigned_client_identifier: Utf8<'a> = AssignedClientIdentifier,
        /// Topic Alias Maximum (0x22) the server accepts.
        topic_alias_maximum: u16 = TopicAliasMaximum,
        /// Reason String (0x1F).
        reason_string: Utf8<'a> = ReasonString,
        /// Wildcard Subscription Available (0x28).
        wildcard_subscription_available: bool = WildcardSubscriptionAvailable,
        /// Subscription Identifier Available (0x29).
        subscription_identifiers_available: bool = SubscriptionIdentifierAvailable,
        /// Shared Subscription Available (0x2A).
        shared_subscription_available: bool = SharedSubscriptionAvailable,
        /// Server Keep Alive (0x13), seconds, replacing the client's.
        server_keep_alive: u16 = ServerKeepAlive,
        /// Response Information (0x1A).
        response_information: Utf8<'a> = ResponseInformation,
        /// Server Reference (0x1C).
        server_reference: Utf8<'a> = ServerReference,
        /// Authentication Method (0x15).
        authentication_method: Utf8<'a> = AuthenticationMethod,
        /// Authentication Data (0x16).
        authentication_data: Bin<'a> = AuthenticationData,
    }
}

property_set! {
    /// PUBLISH properties (§3.3.2.3).
    PublishProperties {
        /// Payload Format Indicator (0x01).
        payload_format_indicator: PayloadFormat = PayloadFormatIndicator,
        /// Message Expiry Interval (0x02), seconds.
        message_expiry_interval: u32 = MessageExpiryInterval,
        /// Topic Alias (0x23), never 0 [MQTT-3.3.2-8].
        topic_alias: NonZeroU16 = TopicAlias,
        /// Response Topic (0x08).
        response_topic: TopicName<'a> = ResponseTopic,
        /// Correlation Data (0x09).
        correlation_data: Bin<'a> = CorrelationData,
        /// Content Type (0x03).
        content_type: Utf8<'a> = ContentType,
    }
    repeated subscription_identifiers;
}

property_set! {
    /// Properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK.
    AckProperties {
        /// Reason String (0x1F).
        reason_string: Utf8<'a> = ReasonString,
    }
}

property_set! {
    /// SUBSCRIBE properties (§3.8.2.1).
    SubscribeProperties {
        /// Subscription Identifier (0x0B).
        subscription_identifier: SubscriptionId = SubscriptionIdentifier,
    }
}

property_set! {
    /// UNSUBSCRIBE properties (§3.10.2.1): User Properties only.
    UnsubscribeProperties {}
}

property_set! {
    /// DISCONNECT properties (§3.14.2.2).
    DisconnectProperties {
        /// Session Expiry Interval (0x11), seconds (client to server only).
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// Reason String (0x1F).
        reason_string: Utf8<'a> = ReasonString,
        /// Server Reference (0x1C).
        server_reference: Utf8<'a> = ServerReference,
    }
}

property_set! {
    /// AUTH properties (§3.15.2.2).
    AuthProperties {
        /// Authentication Method (0x15).
        authentication_method: Utf8<'a> = AuthenticationMethod,
        /// Authentication Data (0x16).
        authentication_data: Bin<'a> = AuthenticationData,
        /// Reason String (0x1F).
        reason_string: Utf8<'a> = ReasonString,
    }
}
