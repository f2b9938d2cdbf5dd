//! SUBSCRIBE / UNSUBSCRIBE requests still waiting for their ack when a new connection is
//! accepted: sent again, as far as the server of this connection accepts them.

use crate::LimitPolicy;
use crate::session::Session;
use sansmqtt_proto::{ReasonCode, TopicFilter};

impl Session {
    /// Why the server of this connection refuses a subscription to `filter`, if it does:
    /// wildcards or shared subscriptions it announced it does not support (sending one is a
    /// Protocol Error, MQTT 5.0 §3.2.2.3.12 / §3.2.2.3.14).
    pub(crate) fn unsupported_filter(&self, filter: &str) -> Option<ReasonCode> {
        let f = TopicFilter::new(filter).ok()?;
        if f.has_wildcard() && !self.conn.caps.wildcard_subscription_available {
            return Some(ReasonCode::WildcardSubscriptionsNotSupported);
        }
        if f.is_shared() && !self.conn.caps.shared_subscription_available {
            return Some(ReasonCode::SharedSubscriptionsNotSupported);
        }
        None
    }

    /// After CONNACK: requests still waiting for their SUBACK / UNSUBACK go out again, in the
    /// order they were made. One made before this server's CONNACK may use what it does not
    /// support (wildcards, shared subscriptions, Subscription Identifiers) or exceed its
    /// Maximum Packet Size [MQTT-3.2.2-15]: it is not sent, and completes at once with the
    /// server's limit as the reason for every filter (0xA2, 0x9E, 0xA1; 0x80 for a packet too
    /// large). A Subscription Identifier is dropped instead with [`LimitPolicy::Downgrade`].
    pub(crate) fn resend_requests(&mut self) {
        let mut i = 0;
        while let Some(&id) = self.out.requests.ids().get(i) {
            i += 1;
            let Some(r) = self.out.requests.get(id) else { continue };
            let mut refused = None;
            if r.subscribe {
                refused = r.filters.iter().find_map(|f| self.unsupported_filter(&f.filter));
                if refused.is_none()
                    && r.sub_id.is_some()
                    && !self.conn.caps.subscription_identifiers_available
                {
                    match self.config.limit_policy {
                        LimitPolicy::Reject => {
                            refused = Some(ReasonCode::SubscriptionIdentifiersNotSupported)
                        }
                        LimitPolicy::Downgrade => self.drop_subscription_id(id),
                    }
                }
            }
            let Some(r) = self.out.requests.get(id) else { continue };
            if refused.is_none() && self.check_size(r.bytes.len()).is_err() {
                refused = Some(ReasonCode::UnspecifiedError);
            }
            match refused {
                // Appended from the request in place (the transmit buffer is a field of its own).
                None => self.out.tx.append(&r.bytes),
                Some(code) => {
                    let Some(mut r) = self.out.requests.remove(id) else { continue };
                    i -= 1;
                    let mut reasons = alloc::vec::Vec::new();
                    for _ in 0..r.count {
                        reasons.push(code);
                    }
                    self.events.push_back(r.completion(reasons));
                }
            }
        }
    }

    /// Remove the Subscription Identifier from pending SUBSCRIBE `id`: encoded again without
    /// it, with the same packet identifier, filters and user properties.
    fn drop_subscription_id(&mut self, id: u16) {
        let Some(packet_id) = sansmqtt_proto::PacketId::new(id) else { return };
        let Some(r) = self.out.requests.get(id) else { return };
        let Ok(bytes) = self.encode_subscribe(packet_id, &r.filters, None, &r.user_properties) else {
            return;
        };
        let Some(r) = self.out.requests.get_mut(id) else { return };
        r.bytes = bytes;
        r.sub_id = None;
        for f in &mut r.filters {
            f.sub_id = None;
        }
    }
}
