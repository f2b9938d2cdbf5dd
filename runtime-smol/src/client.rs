//! [`Client`]: the application's handle. Cloneable; every method is cancel-safe: a command
//! takes effect atomically when its future returns `Ok` (dropping it earlier changes nothing),
//! and dropping a token or a completion future never loses the request it tracks.

use crate::driver::Driver;
use crate::error::Error;
use crate::event::Message;
use crate::handlers::RouteChange;
use crate::options::Options;
use crate::shared::{Outcome, Shared};
use crate::stream::Events;
use sansmqtt_proto::{ProtocolVersion, QoS, ReasonCode, SubscriptionId, SubscriptionOptions};
use sansmqtt_session::{
    AckToken, DisconnectOptions, DisconnectReason, Outgoing, ServerCapabilities, State, Token,
};
use std::sync::Arc;

/// The owner of the shared state: when the last [`Client`] clone is dropped, the driver
/// disconnects gracefully and stops.
pub(crate) struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.driver.notify();
    }
}

/// An MQTT client. One task (spawned on smol's global executor by [`Client::new`]) owns the
/// connection and drives the sans-IO session; this handle issues commands to it.
///
/// ```no_run
/// # smol::block_on(async {
/// use sansmqtt_smol::{Client, Options, QoS};
/// let client = Client::new(Options::new("mqtt://127.0.0.1:1883")?.on_message(|_, m| {
///     println!("{}: {}", m.topic, m.payload_str());
/// }));
/// client.connect().await?;
/// client.subscribe("hello/#", QoS::AtLeastOnce)?.wait().await?;
/// client.publish("hello/world", "Hello Broker!", QoS::AtLeastOnce, false).await?.wait().await?;
/// client.disconnect().await?;
/// # Ok::<(), sansmqtt_smol::Error>(()) });
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) handle: Arc<Handle>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client").field("state", &self.state()).finish_non_exhaustive()
    }
}

/// Tracks a publish, subscribe or unsubscribe request until it completes. Dropping it only
/// stops the tracking: the request goes on.
#[derive(Debug)]
pub struct RequestToken {
    shared: Arc<Shared>,
    token: Token,
}

impl RequestToken {
    /// The session token (also found in [`Event`](crate::Event)s and handler arguments).
    pub fn token(&self) -> Token {
        self.token
    }

    async fn outcome(&self) -> Outcome {
        let id = self.token.get();
        self.shared
            .wait_for(|inner| match inner.waiting.get(&id) {
                Some(Some(o)) => Some(o.clone()),
                Some(None) if inner.done => Some(Outcome::Closed),
                Some(None) => None,
                None => Some(Outcome::Closed),
            })
            .await
    }

    /// Wait for the SUBACK / UNSUBACK: one reason code per filter, in request order (granted
    /// QoS or error; an UNSUBACK of 3.1.1 has none). Cancel-safe: may be called again after
    /// being dropped.
    ///
    /// It always ends: with [`Error::ConnectionLost`] when the connection ends before the
    /// acknowledgement and no reconnect follows (reconnect off, or a graceful disconnect),
    /// with [`Error::SessionLost`] when the next connection did not resume the session, with
    /// [`Error::Closed`] when the client stops.
    pub async fn wait(&self) -> Result<Vec<ReasonCode>, Error> {
        match self.outcome().await {
            Outcome::Published(r) => Ok(vec![r]),
            Outcome::Acked(r) => Ok(r),
            other => Err(failure(other)),
        }
    }
}

/// The error of an outcome that is not a completion.
fn failure(outcome: Outcome) -> Error {
    match outcome {
        Outcome::Failed(f) => Error::Publish(f),
        Outcome::Lost => Error::SessionLost,
        Outcome::Disconnected(reason, cause) => Error::ConnectionLost(reason, cause),
        Outcome::Store(e) => Error::Store(e),
        Outcome::Payload(e) => Error::Payload(e),
        _ => Error::Closed,
    }
}

/// Tracks a publish until it completes. Dropping it only stops the tracking: the publish goes
/// on.
#[derive(Debug)]
pub struct PublishToken(RequestToken);

impl PublishToken {
    /// The session token (also found in [`Event`](crate::Event)s and handler arguments).
    pub fn token(&self) -> Token {
        self.0.token
    }

    /// Wait for the completion (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP): the v5 reason
    /// code, Success or No matching subscribers (Success in 3.x). Cancel-safe, and it always
    /// ends, as [`RequestToken::wait`] does; a broker's refusal is [`Error::Publish`].
    pub async fn wait(&self) -> Result<ReasonCode, Error> {
        match self.0.outcome().await {
            Outcome::Published(r) => Ok(r),
            other => Err(failure(other)),
        }
    }
}

impl Drop for RequestToken {
    fn drop(&mut self) {
        self.shared.lock().waiting.remove(&self.token.get());
    }
}

impl Client {
    /// A client with `options`; spawns its driver task on smol's global executor. It stays
    /// disconnected until [`Client::connect`] or [`Client::start`].
    pub fn new(options: Options) -> Self {
        let (client, driver) = Self::with_driver(options);
        smol::spawn(driver.run()).detach();
        client
    }

    /// A client and its driver, for running the driver on an executor of your choice
    /// (`executor.spawn(driver.run())`); any executor works, the I/O uses async-io's reactor.
    pub fn with_driver(mut options: Options) -> (Self, Driver) {
        let (mut session, store, store_state) = crate::store::open(&mut options);
        if let Some(auth) = options.authenticator.take() {
            session.set_authenticator(auth);
        }
        let shared = Arc::new(Shared::new(session, options.event_capacity));
        shared.lock().store = store_state;
        let handle = Arc::new(Handle { shared: shared.clone() });
        let driver = Driver::new(shared, Arc::downgrade(&handle), options, store);
        (Self { handle }, driver)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    /// The event stream. Open it before connecting to see every event: events are queued
    /// only while a stream is open. Opening a new one ends the previous one.
    pub fn events(&self) -> Events {
        Events::open(self.shared().clone())
    }

    /// Connect and wait for CONNACK. Returns whether the broker resumed a stored session.
    /// If this first attempt fails, automatic reconnecting is cancelled and the reason is
    /// returned as [`Error::Connect`]; afterwards, losses are retried per the backoff.
    pub async fn connect(&self) -> Result<bool, Error> {
        let shared = self.shared();
        let (c0, d0) = {
            let mut g = shared.lock();
            g.store.check()?;
            let now = shared.now();
            g.session.connect(now)?;
            (g.connects, g.disconnects)
        };
        shared.driver.notify();
        let res = shared
            .wait_for(|g| {
                if g.connects > c0 {
                    Some(Ok(g.session_present))
                } else if g.disconnects > d0 || g.done {
                    Some(Err(match &g.last_disconnect {
                        Some(r) => g.cause_of(r).map_or_else(|| Error::Connect(r.clone()), Error::Transport),
                        None => Error::Closed,
                    }))
                } else {
                    None
                }
            })
            .await;
        match res {
            Ok(present) => Ok(present),
            Err(err) => {
                let mut g = shared.lock();
                if g.session.state() == State::WaitingToReconnect {
                    let now = shared.now();
                    let _ = g.session.disconnect(now, &DisconnectOptions::default());
                    // Reconnecting is cancelled: what waits for this connection fails now.
                    if let Some(r) = g.last_disconnect.clone() {
                        g.fail_pending(&r);
                        drop(g);
                        shared.changed.notify(usize::MAX);
                    }
                }
                Err(err)
            }
        }
    }

    /// The transport's error behind the last
    /// [`Event::Disconnected`](crate::Event::Disconnected)`(`[`DisconnectReason::Transport`]`)`:
    /// the I/O error with its cause chain (TLS, WebSocket status, OS error). `None` before any
    /// transport failed.
    pub fn last_transport_failure(&self) -> Option<crate::TransportFailure> {
        self.shared().lock().last_transport_failure.clone()
    }

    /// Start connecting without waiting; failures are retried per the backoff. Publishes
    /// made meanwhile are queued.
    pub fn start(&self) -> Result<(), Error> {
        let shared = self.shared();
        let mut g = shared.lock();
        g.store.check()?;
        g.session.connect(shared.now())?;
        drop(g);
        shared.driver.notify();
        Ok(())
    }

    fn track(&self, token: Token) -> RequestToken {
        RequestToken { shared: self.shared().clone(), token }
    }

    pub(crate) fn track_publish(&self, token: Token) -> PublishToken {
        PublishToken(self.track(token))
    }

    /// Queue a publish without waiting; fails with `Error::Session(QueueFull)` when the
    /// outgoing queue is full. Usable from handlers.
    pub fn try_publish(&self, msg: &Outgoing<'_>) -> Result<PublishToken, Error> {
        let shared = self.shared();
        let token = {
            let mut g = shared.lock();
            g.store.check()?;
            let token = g.session.publish(shared.now(), msg)?;
            g.waiting.insert(token.get(), None);
            token
        };
        shared.driver.notify();
        Ok(PublishToken(self.track(token)))
    }

    /// Queue a publish, waiting while the outgoing queue is full (a waiting publisher is
    /// woken once the queue has drained to half, so a fast producer runs in batches rather
    /// than one wake-up per acknowledgement). The returned token resolves when the publish
    /// completes. While disconnected, messages are queued (see
    /// `Config::queue_while_disconnected`).
    pub async fn publish_message(&self, msg: &Outgoing<'_>) -> Result<PublishToken, Error> {
        loop {
            match self.try_publish(msg) {
                Err(Error::Session(sansmqtt_session::Error::QueueFull)) => {}
                other => return other,
            }
            // Listen, then retry, so that room made in between is not missed.
            let listener = self.shared().changed.listen();
            match self.try_publish(msg) {
                Err(Error::Session(sansmqtt_session::Error::QueueFull)) => {}
                other => return other,
            }
            if self.shared().lock().done {
                return Err(Error::Closed);
            }
            listener.await;
        }
    }

    /// Publish `payload` on `topic`: [`Client::publish_message`] for the common case.
    pub async fn publish(
        &self,
        topic: &str,
        payload: impl AsRef<[u8]>,
        qos: QoS,
        retain: bool,
    ) -> Result<PublishToken, Error> {
        self.publish_message(&Outgoing::new(topic, payload.as_ref(), qos).retain(retain)).await
    }

    /// Subscribe to one filter; the token resolves with the SUBACK reason code. Usable from
    /// handlers. While disconnected, the request is sent after the next CONNACK.
    pub fn subscribe(&self, filter: &str, qos: QoS) -> Result<RequestToken, Error> {
        self.subscribe_many(&[(filter, SubscriptionOptions::new(qos))])
    }

    /// Subscribe to several filters with full options (no local, retain handling, ...).
    pub fn subscribe_many(&self, filters: &[(&str, SubscriptionOptions)]) -> Result<RequestToken, Error> {
        self.subscribe_with(filters, None, &[])
    }

    /// [`subscribe_many`](Self::subscribe_many) with the MQTT 5.0 properties of SUBSCRIBE: a
    /// Subscription Identifier (messages delivered through these subscriptions carry it) and
    /// User Properties (name, value), in order; see
    /// [`Session::subscribe_with`](sansmqtt_session::Session::subscribe_with). In 3.1.1, user
    /// properties are refused (`Error::Session(Encode(..))`).
    pub fn subscribe_with(
        &self,
        filters: &[(&str, SubscriptionOptions)],
        id: Option<SubscriptionId>,
        user_properties: &[(&str, &str)],
    ) -> Result<RequestToken, Error> {
        let shared = self.shared();
        let token = {
            let mut g = shared.lock();
            let token = g.session.subscribe_with(shared.now(), filters, id, user_properties)?;
            g.waiting.insert(token.get(), None);
            token
        };
        shared.driver.notify();
        Ok(self.track(token))
    }

    /// Unsubscribe from filters; the token resolves with the UNSUBACK. Usable from handlers.
    pub fn unsubscribe(&self, filters: &[&str]) -> Result<RequestToken, Error> {
        self.unsubscribe_with(filters, &[])
    }

    /// [`unsubscribe`](Self::unsubscribe) with MQTT 5.0 User Properties (name, value) on the
    /// UNSUBSCRIBE, in order; in 3.1.1 they are refused (`Error::Session(Encode(..))`).
    pub fn unsubscribe_with(
        &self,
        filters: &[&str],
        user_properties: &[(&str, &str)],
    ) -> Result<RequestToken, Error> {
        let shared = self.shared();
        let token = {
            let mut g = shared.lock();
            let token = g.session.unsubscribe_with(shared.now(), filters, user_properties)?;
            g.waiting.insert(token.get(), None);
            token
        };
        shared.driver.notify();
        Ok(self.track(token))
    }

    /// Acknowledge a message received with [`Options::manual_acks`], by its
    /// [`Message::ack_token`](crate::Message::ack_token). Usable from handlers. The PUBACK (or
    /// PUBREC) goes out once every older message is acknowledged too. A token from before a
    /// reconnect is unknown: the broker sends that message again.
    pub fn ack(&self, token: AckToken) -> Result<(), Error> {
        let shared = self.shared();
        let mut g = shared.lock();
        g.store.check()?;
        g.session.ack(shared.now(), token)?;
        drop(g);
        shared.driver.notify();
        Ok(())
    }

    /// Refuse a message received with [`Options::manual_acks`] (MQTT 5.0): its PUBACK or
    /// PUBREC carries `reason`, an error code such as 0x87 Not authorized or 0x99 Payload format
    /// invalid, and the broker takes it as not delivered. In order with the other acks, like
    /// [`ack`](Self::ack); see [`Session::reject`](sansmqtt_session::Session::reject).
    pub fn reject(&self, token: AckToken, reason: ReasonCode) -> Result<(), Error> {
        let shared = self.shared();
        shared.lock().session.reject(shared.now(), token, reason)?;
        shared.driver.notify();
        Ok(())
    }

    /// Start an MQTT 5.0 re-authentication with the [`Options::authenticator`]; on success
    /// [`Event::Reauthenticated`](crate::Event::Reauthenticated) follows, on failure the broker
    /// disconnects. Usable from handlers.
    pub fn reauthenticate(&self) -> Result<(), Error> {
        let shared = self.shared();
        shared.lock().session.reauthenticate(shared.now())?;
        shared.driver.notify();
        Ok(())
    }

    /// Start a graceful disconnect (DISCONNECT, then close) without waiting; no reconnect
    /// follows. Usable from handlers.
    pub fn try_disconnect(&self, options: &DisconnectOptions) -> Result<(), Error> {
        let shared = self.shared();
        shared.lock().session.disconnect(shared.now(), options)?;
        shared.driver.notify();
        Ok(())
    }

    /// Disconnect gracefully and wait until the connection is closed.
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.disconnect_with(&DisconnectOptions::default()).await
    }

    /// [`Client::disconnect`] with a v5 reason code, session expiry and reason string.
    pub async fn disconnect_with(&self, options: &DisconnectOptions) -> Result<(), Error> {
        self.try_disconnect(options)?;
        self.shared().wait_for(|g| (g.session.state() == State::Disconnected || g.done).then_some(())).await;
        Ok(())
    }

    /// Add (or replace) a handler for messages matching `filter`. Usable from handlers.
    pub fn add_topic_handler(
        &self,
        filter: &str,
        f: impl FnMut(&Self, &Message) + Send + 'static,
    ) -> Result<(), Error> {
        sansmqtt_proto::topic::validate_topic_filter(filter)
            .map_err(|e| Error::Session(sansmqtt_session::Error::InvalidTopic(e)))?;
        self.shared().lock().route_changes.push(RouteChange::Add(filter.into(), Box::new(f)));
        self.shared().driver.notify();
        Ok(())
    }

    /// Remove the handler of `filter`.
    pub fn remove_topic_handler(&self, filter: &str) {
        self.shared().lock().route_changes.push(RouteChange::Remove(filter.into()));
        self.shared().driver.notify();
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        self.shared().lock().session.state()
    }

    /// Why the last connection ended, if one did.
    pub fn last_disconnect(&self) -> Option<DisconnectReason> {
        self.shared().lock().last_disconnect.clone()
    }

    /// Whether CONNACK accepted the current connection.
    pub fn is_connected(&self) -> bool {
        self.state() == State::Connected
    }

    /// The protocol version in use.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.shared().lock().session.protocol_version()
    }

    /// What the broker announced in its last CONNACK.
    pub fn capabilities(&self) -> ServerCapabilities {
        self.shared().lock().session.capabilities().clone()
    }

    /// Outgoing QoS 1/2 publishes sent and not yet acknowledged.
    pub fn inflight(&self) -> usize {
        self.shared().lock().session.inflight()
    }

    /// Publishes waiting to be sent.
    pub fn queued(&self) -> usize {
        self.shared().lock().session.queued()
    }
}
