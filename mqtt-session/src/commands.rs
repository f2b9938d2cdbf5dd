//! Application commands: connect, publish, subscribe, unsubscribe, ack, disconnect.

use crate::error::{ConfigError, DisconnectReason, Error};
use crate::event::publish_failed;
use crate::event::{AckToken, Event, PublishFailure, Token};
use crate::outbound::{Flow, Inflight, Request};
use crate::queue::{Expiry, Queued};
use crate::session::{Link, Session};
use crate::subscriptions::Remembered;
use crate::time::Instant;
use crate::{LimitPolicy, QueueFullPolicy};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use sansmqtt_proto::property::{
    ConnectProperties, DisconnectProperties, PublishProperties, SubscribeProperties, UserProperties,
    UserProperty, WillProperties,
};
use sansmqtt_proto::{
    Bin, Connect, Delivery, Disconnect, EncodedPublish, Packet, PacketId, PayloadFormat, Publish, QoS,
    ReasonCode, Subscribe, SubscriptionId, SubscriptionOptions, TopicFilter, TopicName, Unsubscribe, Utf8,
    Will,
};

/// An application message to publish.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Outgoing<'a> {
    /// Topic name (no wildcards).
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// QoS.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// v5 properties (message expiry, content type, response topic, correlation data, user
    /// properties, ...). Topic aliases are the session's business: setting one is an error.
    pub properties: PublishProperties<'a>,
}

impl<'a> Outgoing<'a> {
    /// A message with no properties.
    pub fn new(topic: &'a str, payload: &'a [u8], qos: QoS) -> Self {
        Self { topic, payload, qos, retain: false, properties: PublishProperties::default() }
    }

    /// The same message with RETAIN set to `retain`.
    pub fn retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }
}

/// How to end the session (v5 reason code, properties, session expiry override).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct DisconnectOptions {
    /// v5 reason: Normal disconnection (default), Disconnect with Will Message (0x04), or
    /// another code a client may send (§3.14.2.1; server-only codes are refused).
    pub reason: ReasonCode,
    /// v5: a new Session Expiry Interval (not allowed if CONNECT sent 0).
    pub session_expiry_interval: Option<u32>,
    /// v5 Reason String.
    pub reason_string: Option<String>,
}

impl Session {
    /// Start connecting: the session asks the driver for a transport
    /// ([`Action::Connect`](crate::Action::Connect)).
    ///
    /// Fails at once if the configuration cannot produce a valid CONNECT (an empty client id
    /// in 3.1.1 without clean session, an invalid will topic, a user name with U+0000, ...).
    pub fn connect(&mut self, now: Instant) -> Result<(), Error> {
        self.tick(now);
        self.check_connect_config()?;
        match self.conn.link {
            Link::Idle | Link::Backoff { .. } => {
                self.conn.open();
                Ok(())
            }
            _ => Err(Error::InvalidState),
        }
    }

    /// No packet may exceed the server's Maximum Packet Size [MQTT-3.2.2-15].
    pub(crate) fn check_size(&self, size: usize) -> Result<(), Error> {
        match self.conn.caps.maximum_packet_size {
            Some(max) if size > max as usize => Err(Error::PacketTooLarge { size, max }),
            _ => Ok(()),
        }
    }

    fn check_connect_config(&self) -> Result<(), Error> {
        let c = &self.config;
        if c.max_packet_size < crate::Config::MIN_PACKET_SIZE
            || c.receive_buffer_size.is_some_and(|n| n < crate::Config::MIN_PACKET_SIZE)
        {
            return Err(Error::InvalidConfig(ConfigError::MaxPacketSizeTooSmall));
        }
        if c.receive_maximum == 0 {
            return Err(Error::InvalidConfig(ConfigError::ReceiveMaximumZero));
        }
        if c.max_inflight == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxInflightZero));
        }
        // An empty client id needs 5.0, or 3.1.1 with clean session [MQTT-3.1.3-7].
        let empty_ok = match c.version {
            sansmqtt_proto::ProtocolVersion::V5 => true,
            sansmqtt_proto::ProtocolVersion::V3_1_1 => c.clean_start,
            _ => false,
        };
        if c.client_id.is_empty() && !empty_ok {
            return Err(Error::Encode(sansmqtt_proto::EncodeError::EmptyClientId));
        }
        Utf8::new(&c.client_id)?;
        if let Some(u) = &c.username {
            Utf8::new(u)?;
        }
        // Every other field of a CONNECT is at most 65,535 bytes; user properties are not
        // bounded one by one, only by the largest packet (Remaining Length 268,435,455).
        let mut size = user_properties_len(&c.user_properties)?.saturating_add(8 * 65_537 + 64);
        if let Some(w) = &c.will {
            TopicName::new(&w.topic)?;
            if let Some(t) = &w.response_topic {
                TopicName::new(t)?;
            }
            if let Some(t) = &w.content_type {
                Utf8::new(t)?;
            }
            size = size.saturating_add(user_properties_len(&w.user_properties)?);
            if w.payload.len() > usize::from(u16::MAX) {
                return Err(Error::Encode(sansmqtt_proto::EncodeError::TooLong { len: w.payload.len() }));
            }
        }
        if size > MAX_PACKET {
            return Err(Error::PacketTooLarge { size, max: MAX_PACKET as u32 });
        }
        if !c.version.is_v5() && c.password.is_some() && c.username.is_none() {
            // 3.x: a password needs a user name [MQTT-3.1.2-22].
            return Err(Error::Encode(sansmqtt_proto::EncodeError::PasswordWithoutUsername));
        }
        if c.password.as_ref().is_some_and(|p| p.len() > usize::from(u16::MAX)) {
            return Err(Error::Encode(sansmqtt_proto::EncodeError::TooLong {
                len: usize::from(u16::MAX) + 1,
            }));
        }
        Ok(())
    }

    pub(crate) fn send_connect(&mut self) {
        let v = self.conn.version;
        let clean_start = self.resume.clean_start_for_connect(&self.config);
        let mut props = ConnectProperties::default();
        if v.is_v5() {
            if self.config.session_expiry_interval > 0 {
                props.session_expiry_interval = Some(self.config.session_expiry_interval);
            }
            // Receive Maximum 0 is a Protocol Error; a configured 0 is treated as 1 (also when
            // enforced on incoming messages).
            if self.config.receive_maximum != u16::MAX {
                props.receive_maximum = core::num::NonZeroU16::new(self.config.receive_maximum.max(1));
            }
            if self.config.announce_max_packet_size {
                props.maximum_packet_size = core::num::NonZeroU32::new(self.config.max_packet_size);
            }
            if self.config.topic_alias_maximum > 0 {
                props.topic_alias_maximum = Some(self.config.topic_alias_maximum);
            }
            // Both sent only when they differ from the value an absent property means.
            props.request_problem_information = (!self.config.request_problem_information).then_some(false);
            props.request_response_information = self.config.request_response_information.then_some(true);
        }
        // Borrowed from the session's own fields, not cloned: only `self.out` is written below.
        let auth_data = self.conn.auth.as_mut().filter(|_| v.is_v5()).and_then(|a| a.start());
        let auth_method = self.conn.auth.as_ref().filter(|_| v.is_v5()).map(|a| a.method());
        let cfg = &self.config;
        let will_users =
            cfg.will.as_ref().map(|w| user_property_list(&w.user_properties)).unwrap_or_default();
        let connect_users = if v.is_v5() { user_property_list(&cfg.user_properties) } else { Vec::new() };
        // Built in place inside the packet: a CONNECT is large, and moving it into a `Packet`
        // afterwards is a long copy.
        let mut packet = Packet::Connect(Connect::new(
            Utf8::new(self.resume.client_id()).unwrap_or_default(),
            cfg.keep_alive_secs(),
        ));
        let Packet::Connect(connect) = &mut packet else { return };
        connect.clean_start = clean_start;
        connect.properties = props;
        connect.properties.user_properties = UserProperties::new(&connect_users);
        connect.properties.authentication_method = auth_method.and_then(|m| Utf8::new(m).ok());
        connect.properties.authentication_data = auth_data.as_deref().map(Bin::new);
        connect.username = cfg.username.as_deref().and_then(|u| Utf8::new(u).ok());
        connect.password = cfg.password.as_ref().map(|p| Bin::new(p.expose()));
        connect.will = cfg.will.as_ref().and_then(|w| {
            let mut p = WillProperties::default();
            if v.is_v5() {
                p.will_delay_interval = w.delay_interval;
                p.message_expiry_interval = w.message_expiry_interval;
                p.payload_format_indicator = w.payload_is_utf8.then_some(PayloadFormat::Utf8);
                p.content_type = w.content_type.as_deref().and_then(|t| Utf8::new(t).ok());
                p.response_topic = w.response_topic.as_deref().and_then(|t| TopicName::new(t).ok());
                p.correlation_data = w.correlation_data.as_deref().map(Bin::new);
                p.user_properties = UserProperties::new(&will_users);
            }
            Some(Will {
                topic: TopicName::new(&w.topic).ok()?,
                payload: Bin::new(&w.payload),
                qos: w.qos,
                retain: w.retain,
                properties: p,
            })
        });
        self.out.push_packet(&packet, v);
    }

    /// Publish a message. QoS 0 completes when written, QoS 1 on PUBACK, QoS 2 on PUBCOMP
    /// (`Event::Published` with the returned token). While disconnected, or while the
    /// flow-control window is full, the message waits in the bounded queue.
    pub fn publish(&mut self, now: Instant, msg: &Outgoing<'_>) -> Result<Token, Error> {
        self.tick(now);
        let connected = matches!(self.conn.link, Link::Connected);
        if !connected && !self.config.queue_while_disconnected {
            return Err(Error::NotConnected);
        }
        let placeholder = PacketId::new(1).ok_or(Error::NoPacketId)?;
        let publish = self.outgoing_publish(msg, placeholder)?;
        let size = publish.encoded_len(self.conn.version)?;
        if let Some(max) = self.conn.caps.maximum_packet_size
            && size > max as usize
        {
            return Err(Error::PacketTooLarge { size, max });
        }
        self.make_room(size)?;
        // Through the one client PUBLISH encoder, which records where it wrote what is set later.
        let mut buf = self.out.buffer(size);
        let bytes = match EncodedPublish::encode(&publish, self.conn.version, &mut buf) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.out.recycle(buf);
                return Err(e.into());
            }
        };
        let expiry = msg.properties.message_expiry_interval.map(|secs| Expiry { secs, queued_at: self.now });
        let token = self.next_token();
        let seq = self.out.next_seq();
        self.out.record(crate::persist::QUEUED, |o| {
            o.extend_from_slice(&seq.to_be_bytes());
            o.extend_from_slice(bytes.as_bytes());
        });
        self.out.queue.push_back(Queued { token, bytes, expiry, seq });
        self.pump();
        Ok(token)
    }

    /// The PUBLISH for `msg` with packet id `id` (if QoS > 0), checked: a valid topic, no
    /// Topic Alias or Subscription Identifier of the application's, QoS and RETAIN within
    /// the server's limits per the [`LimitPolicy`].
    pub(crate) fn outgoing_publish<'m>(
        &self,
        msg: &Outgoing<'m>,
        id: PacketId,
    ) -> Result<Publish<'m>, Error> {
        let topic = TopicName::new(msg.topic)?;
        if msg.properties.topic_alias.is_some() {
            return Err(Error::Encode(sansmqtt_proto::EncodeError::InvalidPropertyValue(
                sansmqtt_proto::property::PropertyId::TopicAlias,
            )));
        }
        // A PUBLISH from a client never carries a Subscription Identifier [MQTT-3.3.4-6].
        if !msg.properties.subscription_identifiers.is_empty() {
            return Err(Error::Encode(sansmqtt_proto::EncodeError::InvalidPropertyValue(
                sansmqtt_proto::property::PropertyId::SubscriptionIdentifier,
            )));
        }
        let mut qos = msg.qos;
        let mut retain = msg.retain;
        if qos > self.max_qos() {
            match self.config.limit_policy {
                LimitPolicy::Downgrade => qos = self.max_qos(),
                LimitPolicy::Reject => return Err(Error::QoSNotSupported { max: self.max_qos() }),
            }
        }
        if retain && !self.conn.caps.retain_available {
            match self.config.limit_policy {
                LimitPolicy::Downgrade => retain = false,
                LimitPolicy::Reject => return Err(Error::RetainNotSupported),
            }
        }
        Ok(Publish {
            dup: false,
            retain,
            delivery: match qos {
                QoS::AtMostOnce => Delivery::AtMostOnce,
                QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
                QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
            },
            topic,
            properties: msg.properties.clone(),
            payload: Bin::new(msg.payload),
        })
    }

    /// Make room in the queue for `size` more bytes, per the queue-full policy.
    fn make_room(&mut self, size: usize) -> Result<(), Error> {
        let full =
            |s: &Self| s.out.queue.full_for(size, s.config.max_queued_messages, s.config.max_queued_bytes);
        while full(self) {
            match self.config.queue_full_policy {
                QueueFullPolicy::RejectNew => {
                    self.out.queue.note_refusal();
                    return Err(Error::QueueFull);
                }
                QueueFullPolicy::DropOldest => {
                    if let Some(q) = self.out.queue.pop_front() {
                        self.out.record_seq(crate::persist::UNQUEUED, q.seq);
                        publish_failed(&mut self.events, q.token, PublishFailure::Dropped);
                    }
                }
            }
        }
        if size > self.config.max_queued_bytes && !matches!(self.conn.link, Link::Connected) {
            return Err(Error::QueueFull);
        }
        Ok(())
    }

    /// Move queued publishes into the transmit buffer within the window.
    pub(crate) fn pump_queue(&mut self) {
        #[cfg(feature = "streaming")]
        if self.out.tx.holding() {
            // A streamed payload is being written: queued messages go after it.
            return;
        }
        let window = self.window();
        while let Some(front) = self.out.queue.front() {
            if front.bytes.qos() != QoS::AtMostOnce
                && !self.out.has_flow_room(window, self.config.max_inflight)
            {
                break;
            }
            if !self.out.tx_has_room(front.bytes.as_bytes().len()) {
                break;
            }
            let Some(mut q) = self.out.queue.pop_front() else { break };
            if let Some(e) = q.expiry {
                let waited = (self.now - e.queued_at).as_secs();
                if waited >= u64::from(e.secs) {
                    self.out.record_seq(crate::persist::UNQUEUED, q.seq);
                    publish_failed(&mut self.events, q.token, PublishFailure::Expired);
                    continue;
                }
                // The remaining interval is what is sent [MQTT-3.3.2-6 applies to servers; the same for queued client messages].
                q.bytes.set_message_expiry_interval(e.secs - waited as u32);
            }
            if !self.fit_server_limits(&mut q) {
                self.out.record_seq(crate::persist::UNQUEUED, q.seq);
                continue;
            }
            if let Some(max) = self.conn.caps.maximum_packet_size
                && q.bytes.as_bytes().len() > max as usize
            {
                self.out.record_seq(crate::persist::UNQUEUED, q.seq);
                publish_failed(&mut self.events, q.token, PublishFailure::TooLarge);
                continue;
            }
            let mut id = None;
            let qos = q.bytes.qos();
            if qos != QoS::AtMostOnce {
                let Some(pid) = self.out.allocate_id() else {
                    self.out.queue.push_front(q);
                    break;
                };
                q.bytes.set_packet_id(pid);
                id = Some(pid);
                // Durable before the PUBLISH goes out: a restore resends it with this id.
                self.out.record(crate::persist::SENT, |o| crate::persist::sent_body(o, &q, pid.get()));
            } else {
                self.out.record_seq(crate::persist::UNQUEUED, q.seq);
            }
            // The stored copy keeps the full topic: a resend never relies on an alias.
            if !self.push_with_alias(q.bytes.as_bytes()) {
                self.out.append(q.bytes.as_bytes());
            }
            let Some(id) = id else {
                self.out.track_qos0(q.token);
                self.out.recycle(q.bytes.into_vec());
                continue;
            };
            // What is stored is what a resend sends: a re-delivery, DUP = 1 [MQTT-3.3.1-1].
            q.bytes.set_dup(true);
            let flow = if qos == QoS::AtLeastOnce { Flow::AwaitPubAck } else { Flow::AwaitPubRec };
            self.out.inflight.push(id.get(), Inflight::new(q.token, flow, q.bytes));
            self.out.count(id.get());
        }
        // Hysteresis: room is announced once the queue has drained to half its bounds, so a
        // fast producer is woken once per batch, not once per message sent.
        if self.out.queue.room_to_announce(self.config.max_queued_messages, self.config.max_queued_bytes) {
            self.events.push_back(Event::ReadyToPublish);
        }
    }

    /// Bring a queued message within the Maximum QoS and Retain Available of the server it is
    /// about to go to, which may have changed since it was queued [MQTT-3.2.2-11]
    /// [MQTT-3.2.2-14]: per the [`LimitPolicy`], lower the QoS and clear RETAIN, or refuse it
    /// (`PublishFailed` with `Rejected(QoSNotSupported / RetainNotSupported)`; `false`).
    fn fit_server_limits(&mut self, q: &mut Queued) -> bool {
        let max = self.max_qos();
        let over_qos = q.bytes.qos() > max;
        let over_retain = q.bytes.retain() && !self.conn.caps.retain_available;
        if !over_qos && !over_retain {
            return true;
        }
        if self.config.limit_policy == LimitPolicy::Reject {
            let reason = if over_qos { ReasonCode::QoSNotSupported } else { ReasonCode::RetainNotSupported };
            publish_failed(&mut self.events, q.token, PublishFailure::Rejected(reason));
            return false;
        }
        if over_retain {
            q.bytes.clear_retain();
        }
        // To QoS 0 the packet identifier goes (and the packet shrinks).
        q.bytes.lower_qos(max);
        true
    }

    /// Subscribe to one or more filters. `Event::Subscribed` carries one reason per filter.
    /// While disconnected, the request is sent after the next CONNACK.
    pub fn subscribe(&mut self, now: Instant, subs: &[(&str, SubscriptionOptions)]) -> Result<Token, Error> {
        self.subscribe_with(now, subs, None, &[])
    }

    /// [`Session::subscribe`] with a v5 Subscription Identifier.
    pub fn subscribe_with_id(
        &mut self,
        now: Instant,
        subs: &[(&str, SubscriptionOptions)],
        id: Option<SubscriptionId>,
    ) -> Result<Token, Error> {
        self.subscribe_with(now, subs, id, &[])
    }

    /// [`Session::subscribe`] with the v5 properties of SUBSCRIBE: a Subscription Identifier
    /// and User Properties (name, value), in order. They go with the request, also when it is
    /// sent again after a reconnect; the subscriptions the session makes again for a server
    /// that lost the session carry only their identifier. In 3.1.1 user properties are refused
    /// with [`Error::Encode`].
    pub fn subscribe_with(
        &mut self,
        now: Instant,
        subs: &[(&str, SubscriptionOptions)],
        id: Option<SubscriptionId>,
        user_properties: &[(&str, &str)],
    ) -> Result<Token, Error> {
        self.tick(now);
        let mut id = id;
        if id.is_some() && !self.conn.caps.subscription_identifiers_available {
            match self.config.limit_policy {
                LimitPolicy::Downgrade => id = None,
                LimitPolicy::Reject => return Err(Error::SubscriptionIdentifiersNotSupported),
            }
        }
        let mut owned: Vec<Remembered> = Vec::with_capacity(subs.len());
        for (f, o) in subs {
            let filter = TopicFilter::new(f)?;
            if filter.has_wildcard() && !self.conn.caps.wildcard_subscription_available {
                return Err(Error::WildcardSubscriptionsNotSupported);
            }
            if filter.is_shared() && !self.conn.caps.shared_subscription_available {
                return Err(Error::SharedSubscriptionsNotSupported);
            }
            owned.push(Remembered { filter: (*f).to_string(), options: *o, sub_id: id, wanted: true });
        }
        self.send_subscribe(owned, id, false, owned_pairs(user_properties))
    }

    /// Subscribe again to the remembered filters after the server lost the session: one
    /// SUBSCRIBE per Subscription Identifier they were made with (a SUBSCRIBE carries one),
    /// in the order the identifiers first appear. The filters this server cannot serve
    /// (wildcards, shared) go in requests of their own, one per reason, which
    /// `resend_requests` refuses, so that they do not take the others down with them.
    pub(crate) fn resubscribe(&mut self, subs: &[Remembered]) {
        let mut groups = Vec::new();
        for s in subs {
            let key = self.restore_group(s);
            if !groups.contains(&key) {
                groups.push(key);
            }
        }
        for key in groups {
            let mut group = Vec::new();
            for s in subs {
                if self.restore_group(s) == key {
                    group.push(s.clone());
                }
            }
            // Refused here only when out of packet ids or too large for any packet; what this
            // server lacks is refused, with an event, by `resend_requests`.
            let _ = self.send_subscribe(group, key.0, true, Vec::new());
        }
    }

    /// The SUBSCRIBE a remembered filter is restored with: one per Subscription Identifier
    /// and per reason this server cannot serve it (none: it is sent). Computed again rather
    /// than stored: it is a short parse, on a rare path, and smaller firmware than a list.
    fn restore_group(&self, s: &Remembered) -> (Option<SubscriptionId>, Option<ReasonCode>) {
        (s.sub_id, self.unsupported_filter(&s.filter))
    }

    /// (`subs` is kept with the request, not copied: every caller builds its own list.)
    /// `restore`: made by the session for a lost session, completed by `Event::Resubscribed`.
    fn send_subscribe(
        &mut self,
        subs: Vec<Remembered>,
        id: Option<SubscriptionId>,
        restore: bool,
        user_properties: Vec<(String, String)>,
    ) -> Result<Token, Error> {
        // (An identifier is taken only when the request is stored: none to give back.)
        let packet_id = self.out.allocate_id().ok_or(Error::NoPacketId)?;
        let bytes = self.encode_subscribe(packet_id, &subs, id, &user_properties)?;
        let token = self.next_token();
        if matches!(self.conn.link, Link::Connected) {
            self.out.append(&bytes);
        }
        let count = subs.len();
        let r = Request {
            token,
            subscribe: true,
            count,
            bytes,
            filters: subs,
            sub_id: id,
            restore,
            user_properties,
        };
        self.out.requests.push(packet_id.get(), r);
        Ok(token)
    }

    /// The SUBSCRIBE of a request, encoded by the codec (also again, without its identifier,
    /// for a server that does not support Subscription Identifiers).
    pub(crate) fn encode_subscribe(
        &self,
        packet_id: PacketId,
        subs: &[Remembered],
        id: Option<SubscriptionId>,
        user_properties: &[(String, String)],
    ) -> Result<Vec<u8>, Error> {
        user_properties_len(user_properties)?;
        // Plain loops rather than `collect::<Result<..>>`: smaller firmware.
        let mut filters = Vec::with_capacity(subs.len());
        for s in subs {
            filters.push(sansmqtt_proto::Subscription {
                filter: TopicFilter::new(&s.filter)?,
                options: s.options,
            });
        }
        let users = user_property_list(user_properties);
        let mut sub = Subscribe::new(packet_id, &filters);
        if self.conn.version.is_v5() {
            sub.properties = SubscribeProperties::default();
            sub.properties.subscription_identifier = id;
        }
        sub.properties.user_properties = UserProperties::new(&users);
        let mut bytes = Vec::new();
        Packet::Subscribe(sub).encode_to_vec_client(self.conn.version, &mut bytes)?;
        self.check_size(bytes.len())?;
        Ok(bytes)
    }

    pub(crate) fn remember(&mut self, r: Remembered) {
        self.out.record(crate::persist::SUBSCRIBED, |o| crate::persist::subscribed_body(o, &r));
        self.subscriptions.remember(r);
    }

    /// Unsubscribe from filters. `Event::Unsubscribed` follows.
    pub fn unsubscribe(&mut self, now: Instant, filters: &[&str]) -> Result<Token, Error> {
        self.unsubscribe_with(now, filters, &[])
    }

    /// [`Session::unsubscribe`] with v5 User Properties (name, value), in order. In 3.1.1 they
    /// are refused with [`Error::Encode`].
    pub fn unsubscribe_with(
        &mut self,
        now: Instant,
        filters: &[&str],
        user_properties: &[(&str, &str)],
    ) -> Result<Token, Error> {
        self.tick(now);
        let mut parsed = Vec::with_capacity(filters.len());
        for f in filters {
            parsed.push(TopicFilter::new(f)?);
        }
        let owned = owned_pairs(user_properties);
        user_properties_len(&owned)?;
        let users = user_property_list(&owned);
        let packet_id = self.out.allocate_id().ok_or(Error::NoPacketId)?;
        let mut unsub = Unsubscribe::new(packet_id, &parsed);
        unsub.properties.user_properties = UserProperties::new(&users);
        let mut bytes = Vec::new();
        Packet::Unsubscribe(unsub).encode_to_vec_client(self.conn.version, &mut bytes)?;
        self.check_size(bytes.len())?;
        for f in filters {
            self.subscriptions.forget(f);
            self.out.record(crate::persist::UNSUBSCRIBED, |o| crate::persist::put_str(o, f));
        }
        for r in self.out.requests.values_mut() {
            for f in &mut r.filters {
                if filters.contains(&f.filter.as_str()) {
                    f.wanted = false;
                }
            }
        }
        let token = self.next_token();
        if matches!(self.conn.link, Link::Connected) {
            self.out.append(&bytes);
        }
        self.out.requests.push(
            packet_id.get(),
            Request {
                token,
                subscribe: false,
                count: filters.len(),
                bytes,
                filters: Vec::new(),
                sub_id: None,
                restore: false,
                user_properties: Vec::new(),
            },
        );
        Ok(token)
    }

    /// Acknowledge a message received in [`AckMode::Manual`](crate::AckMode::Manual). Acks
    /// are sent in arrival order, so an early ack may wait for older ones.
    pub fn ack(&mut self, now: Instant, token: AckToken) -> Result<(), Error> {
        self.settle(now, token, ReasonCode::Success)
    }

    /// Refuse a message received in [`AckMode::Manual`](crate::AckMode::Manual) (MQTT 5.0):
    /// its PUBACK or PUBREC carries `reason`, an error code those packets may carry (0x80
    /// Unspecified error, 0x83 Implementation specific error, 0x87 Not authorized, 0x90 Topic
    /// Name invalid, 0x91 Packet Identifier in use, 0x97 Quota exceeded, 0x99 Payload format
    /// invalid). The server then takes the message as not delivered; after a refused QoS 2
    /// message no PUBREL follows, and a later PUBLISH with its Packet Identifier is a new
    /// message [MQTT-4.3.3-9] (so is the server's resend after a reconnect, when the refusal
    /// had not gone out yet: the application decides on it again). Sent in arrival order with
    /// the other acks, like
    /// [`ack`](Self::ack). MQTT 3.1.1 has no way to refuse a message, and another code is not a
    /// refusal: both fail with `Error::Encode(InvalidReasonCode)`.
    pub fn reject(&mut self, now: Instant, token: AckToken, reason: ReasonCode) -> Result<(), Error> {
        if !self.conn.version.is_v5()
            || !reason.is_error()
            || !reason.allowed_in(sansmqtt_proto::PacketType::PubAck)
        {
            return Err(Error::Encode(sansmqtt_proto::EncodeError::InvalidReasonCode {
                packet: sansmqtt_proto::PacketType::PubAck,
                code: reason,
            }));
        }
        self.settle(now, token, reason)
    }

    /// Mark the ack of `token` done with `reason` and send what is due.
    fn settle(&mut self, now: Instant, token: AckToken, reason: ReasonCode) -> Result<(), Error> {
        self.tick(now);
        if self.config.ack_mode != crate::AckMode::Manual {
            return Err(Error::NotManualAckMode);
        }
        let entry = self
            .inb
            .acks
            .iter_mut()
            .find(|a| a.seq == token.seq && a.id == token.packet_id && !a.done)
            .ok_or(Error::UnknownAckToken)?;
        entry.done = true;
        entry.reason = reason;
        if reason.is_error() && entry.kind == crate::inbound::AckKind::PubRec {
            // Refused: no PUBREL will follow, and a PUBLISH with this id is a new message
            // [MQTT-4.3.3-9]; also the server's resend after a reconnect, if the refusal never
            // went out, so that the application decides on it again.
            let id = entry.id.get();
            self.inb.qos2.release(id);
            self.out.record_id(crate::persist::RECEIVED_DONE, id);
        }
        self.flush_acks();
        Ok(())
    }

    /// End the session gracefully: v5 DISCONNECT with the reason and properties, then
    /// [`Action::Close`](crate::Action::Close); `Event::Disconnected(ByClient)` follows
    /// `handle_closed`. No reconnect.
    ///
    /// In 5.0 the reason must be one a client may send [MQTT-3.14.2-1], and a Session Expiry
    /// Interval may be set only if CONNECT announced a non-zero one (§3.14.2.2.2); otherwise
    /// nothing changes and an error is returned. The Reason String is left out if it would make
    /// the packet exceed the server's Maximum Packet Size [MQTT-3.14.2-3].
    pub fn disconnect(&mut self, now: Instant, opts: &DisconnectOptions) -> Result<(), Error> {
        self.tick(now);
        if self.conn.version.is_v5() {
            if !client_disconnect_reason(opts.reason) {
                return Err(Error::Encode(sansmqtt_proto::EncodeError::InvalidReasonCode {
                    packet: sansmqtt_proto::PacketType::Disconnect,
                    code: opts.reason,
                }));
            }
            if opts.session_expiry_interval.is_some_and(|s| s > 0) && self.config.session_expiry_interval == 0
            {
                return Err(Error::Encode(sansmqtt_proto::EncodeError::InvalidPropertyValue(
                    sansmqtt_proto::property::PropertyId::SessionExpiryInterval,
                )));
            }
        }
        match self.conn.link {
            Link::Idle => Err(Error::NotConnected),
            Link::Backoff { .. } => {
                self.conn.link = Link::Idle;
                Ok(())
            }
            Link::Closing { .. } => Ok(()),
            Link::Opening | Link::AwaitConnAck { .. } => {
                self.enter_closing(DisconnectReason::ByClient);
                Ok(())
            }
            Link::Connected => {
                let mut d = Disconnect::new(opts.reason);
                if self.conn.version.is_v5() {
                    let mut p = DisconnectProperties::default();
                    p.session_expiry_interval = opts.session_expiry_interval;
                    p.reason_string = opts.reason_string.as_deref().and_then(|s| Utf8::new(s).ok());
                    d.properties = p;
                } else {
                    d.reason = ReasonCode::Success;
                }
                // One packet, encoded once to measure it and changed in place: no clone.
                let mut packet = Packet::Disconnect(d);
                if self.conn.version.is_v5() {
                    let mut bytes = Vec::new();
                    let _ = packet.encode_to_vec_client(self.conn.version, &mut bytes);
                    if self.check_size(bytes.len()).is_err()
                        && let Packet::Disconnect(d) = &mut packet
                    {
                        d.properties.reason_string = None;
                    }
                }
                self.pump();
                self.out.push_packet(&packet, self.conn.version);
                self.enter_closing(DisconnectReason::ByClient);
                Ok(())
            }
        }
    }
}

/// Whether a client may send DISCONNECT with `reason` (MQTT 5.0 §3.14.2.1: the codes marked
/// "Client" or "Client or Server").
pub(crate) fn client_disconnect_reason(reason: ReasonCode) -> bool {
    matches!(reason.to_u8(), 0x00 | 0x04 | 0x80..=0x83 | 0x90 | 0x93..=0x99)
}

/// The largest Remaining Length MQTT can encode.
const MAX_PACKET: usize = 268_435_455;

/// Check that names and values are UTF-8 Encoded Strings; their wire length.
fn user_properties_len(props: &[(String, String)]) -> Result<usize, Error> {
    let mut len = 0usize;
    for (name, value) in props {
        Utf8::new(name)?;
        Utf8::new(value)?;
        len = len.saturating_add(5 + name.len() + value.len());
    }
    Ok(len)
}

/// User properties given by the application, owned.
fn owned_pairs(props: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v = Vec::with_capacity(props.len());
    for (k, val) in props {
        v.push(((*k).to_string(), (*val).to_string()));
    }
    v
}

/// Borrowed user properties for encoding (validated by `check_connect_config`).
fn user_property_list(props: &[(String, String)]) -> Vec<UserProperty<'_>> {
    let mut list = Vec::with_capacity(props.len());
    for (k, val) in props {
        if let (Ok(name), Ok(value)) = (Utf8::new(k), Utf8::new(val)) {
            list.push(UserProperty { name, value });
        }
    }
    list
}
