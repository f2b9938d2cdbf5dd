//! SUBSCRIBE / UNSUBSCRIBE requests still waiting for their ack when a new connection is
//! accepted: sent again, as far as the server of this connection accepts them.

use crate::LimitPolicy;
use crate::event::Event;
use crate::session::Session;
use alloc::vec::Vec;
use sansmqtt_proto::property::SubscribeProperties;
use sansmqtt_proto::{Packet, PacketId, ReasonCode, Subscribe, Subscription, TopicFilter};

impl Session {
    /// Why the server of this connection refuses a subscription to `filter`, if it does:
    /// wildcards or shared subscriptions it announced it does not support (sending one is a
    /// Protocol Error, MQTT 5.0 §3.2.2.3.12 / §3.2.2.3.14).
    pub(crate) fn unsupported_filter(&self, filter: &str) -> Option<ReasonCode> {
        let f = TopicFilter::new(filter).ok()?;
        if f.has_wildcard() && !self.caps.wildcard_subscription_available {
            return Some(ReasonCode::WildcardSubscriptionsNotSupported);
        }
        if f.is_shared() && !self.caps.shared_subscription_available {
            return Some(ReasonCode::SharedSubscriptionsNotSupported);
        }
        None
    }

    /// After CONNACK: requests still waiting for their SUBACK / UNSUBACK go out again, in the
    /// order they were made. One made before this server's CONNACK may use what it does not
    /// support (wildcards, shared subscriptions, Subscription Identifiers) or exceed its
    /// Maximum Packet Size [MQTT-3.2.2-15]: it is not sent, and completes at once with a reason
    /// per filter (the server's limit for the filter concerned, 0x83 for the others, 0x80 for a
    /// packet too large). A Subscription Identifier is dropped instead with
    /// [`LimitPolicy::Downgrade`].
    pub(crate) fn resend_requests(&mut self) {
        let ids: Vec<u16> = self.out.requests.iter().map(|(id, _)| id).collect();
        for id in ids {
            let Some(r) = self.out.requests.get(id) else { continue };
            let mut refused = None;
            if r.subscribe {
                let limits: Vec<Option<ReasonCode>> =
                    r.filters.iter().map(|(f, _)| self.unsupported_filter(f)).collect();
                if limits.iter().any(Option::is_some) {
                    refused = Some(
                        limits
                            .into_iter()
                            .map(|c| c.unwrap_or(ReasonCode::ImplementationSpecificError))
                            .collect(),
                    );
                } else if r.sub_id.is_some() && !self.caps.subscription_identifiers_available {
                    match self.config.limit_policy {
                        LimitPolicy::Reject => {
                            refused =
                                Some(alloc::vec![ReasonCode::SubscriptionIdentifiersNotSupported; r.count]);
                        }
                        LimitPolicy::Downgrade => self.drop_subscription_id(id),
                    }
                }
            }
            let Some(r) = self.out.requests.get(id) else { continue };
            if refused.is_none() && self.check_size(r.bytes.len()).is_err() {
                refused = Some(alloc::vec![ReasonCode::UnspecifiedError; r.count]);
            }
            match refused {
                None => {
                    let bytes = r.bytes.clone();
                    self.out.append(&bytes);
                }
                Some(reasons) => {
                    let Some(r) = self.out.requests.remove(id) else { continue };
                    self.events.push_back(if r.subscribe {
                        Event::Subscribed { token: r.token, reasons }
                    } else {
                        Event::Unsubscribed { token: r.token, reasons }
                    });
                }
            }
        }
    }

    /// Encode pending SUBSCRIBE `id` again without its Subscription Identifier.
    fn drop_subscription_id(&mut self, id: u16) {
        let (Some(r), Some(packet_id)) = (self.out.requests.get(id), PacketId::new(id)) else { return };
        let filters: Vec<Subscription<'_>> = r
            .filters
            .iter()
            .filter_map(|(f, o)| Some(Subscription { filter: TopicFilter::new(f).ok()?, options: *o }))
            .collect();
        let mut sub = Subscribe::new(packet_id, &filters);
        sub.properties = SubscribeProperties::default();
        let mut bytes = Vec::new();
        if Packet::Subscribe(sub).encode_to_vec_client(self.version, &mut bytes).is_err() {
            return;
        }
        if let Some(r) = self.out.requests.get_mut(id) {
            r.bytes = bytes;
            r.sub_id = None;
        }
    }
}
