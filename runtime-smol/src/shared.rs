//! The state shared by the [`Client`](crate::Client) handles and the driver task: the session
//! behind a mutex (never held across an `.await`), completion slots, the event queue of the
//! stream, and the wake-ups between them.

use crate::error::TransportFailure;
use crate::event::Event;
use crate::handlers::RouteChange;
use crate::notify::Notify;
use sansmqtt_proto::ReasonCode;
use sansmqtt_session::{DisconnectReason, Instant, PublishFailure, RecvBuffer, Session};
use std::collections::VecDeque;

use crate::token_map::TokenMap;
use std::sync::{Mutex, MutexGuard};

/// The outcome of a tracked request.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Published(ReasonCode),
    Failed(PublishFailure),
    Acked(Vec<ReasonCode>),
    Lost,
    /// The connection ended and no reconnect follows: the reason, and the transport's error
    /// when it was one.
    Disconnected(DisconnectReason, Option<TransportFailure>),
    /// The store failed and the client stopped.
    Store(crate::store::StoreError),
    /// A streamed payload's source failed (`publish_stream.rs`).
    Payload(crate::publish_stream::PayloadError),
    Closed,
}

pub(crate) struct Inner {
    pub(crate) session: Session,
    /// The session's receive buffer (messages are copied out of it into owned events).
    pub(crate) rx: RecvBuffer,
    /// Events for the stream; only filled while a stream is open (`events_gen != 0`).
    pub(crate) events: VecDeque<Event>,
    pub(crate) events_gen: u64,
    pub(crate) event_capacity: usize,
    /// Completion slots of live request tokens, by session token number.
    pub(crate) waiting: TokenMap<Option<Outcome>>,
    pub(crate) connects: u64,
    pub(crate) disconnects: u64,
    pub(crate) session_present: bool,
    pub(crate) last_disconnect: Option<DisconnectReason>,
    /// The transport's error behind the last `DisconnectReason::Transport`, if any.
    pub(crate) last_transport_failure: Option<TransportFailure>,
    /// Every client handle is gone: disconnect and stop.
    pub(crate) shutdown: bool,
    /// The driver has stopped.
    pub(crate) done: bool,
    pub(crate) route_changes: Vec<RouteChange>,
    /// The session announced room in its outgoing queue (`Event::ReadyToPublish`, which it
    /// sends once the queue has drained to half): publishers blocked on a full queue are
    /// woken at the end of the driver's round (one wake-up per batch, not per message).
    pub(crate) room_wanted: bool,
    /// The file store's progress and failure (`store.rs`).
    pub(crate) store: crate::store::StoreState,
    /// Streamed payloads' sources (`publish_stream.rs`).
    pub(crate) sources: crate::publish_stream::Sources,
}

impl Inner {
    /// Whether the stream is open and full (the driver then stops pulling events).
    pub(crate) fn stream_full(&self) -> bool {
        self.events_gen != 0 && self.events.len() >= self.event_capacity
    }

    /// The transport error that explains `reason`, if any.
    pub(crate) fn cause_of(&self, reason: &DisconnectReason) -> Option<TransportFailure> {
        match reason {
            DisconnectReason::Transport(_) => self.last_transport_failure.clone(),
            _ => None,
        }
    }

    /// The connection ended with `reason` and no reconnect follows: every tracked request
    /// still pending completes with that (a later `connect` may still send it; its outcome
    /// is unknown to this token). Whether anyone was waiting.
    pub(crate) fn fail_pending(&mut self, reason: &DisconnectReason) -> bool {
        let cause = self.cause_of(reason);
        let mut any = false;
        for slot in self.waiting.values_mut().filter(|s| s.is_none()) {
            *slot = Some(Outcome::Disconnected(reason.clone(), cause.clone()));
            any = true;
        }
        any
    }

    /// Record a completion for a tracked token; whether anyone was waiting for it.
    pub(crate) fn complete(&mut self, token: u64, outcome: Outcome) -> bool {
        match self.waiting.get_mut(&token) {
            Some(slot) => {
                *slot = Some(outcome);
                true
            }
            None => false,
        }
    }
}

pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Wakes the driver: a command changed the session, a stream made room, shutdown.
    pub(crate) driver: Notify,
    /// Wakes the event stream.
    pub(crate) stream: Notify,
    /// Wakes waiters on completions, connection changes and queue room.
    pub(crate) changed: event_listener::Event,
    epoch: std::time::Instant,
}

/// The adapter's one clock read.
#[allow(clippy::disallowed_methods)]
pub(crate) fn clock() -> std::time::Instant {
    std::time::Instant::now()
}

impl core::fmt::Debug for Shared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(session: Session, event_capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                rx: session.new_recv_buffer(),
                session,
                events: VecDeque::new(),
                events_gen: 0,
                event_capacity,
                waiting: TokenMap::default(),
                connects: 0,
                disconnects: 0,
                session_present: false,
                last_disconnect: None,
                last_transport_failure: None,
                shutdown: false,
                done: false,
                route_changes: Vec::new(),
                room_wanted: false,
                store: crate::store::StoreState::default(),
                sources: crate::publish_stream::Sources::default(),
            }),
            driver: Notify::default(),
            stream: Notify::default(),
            changed: event_listener::Event::new(),
            epoch: clock(),
        }
    }

    /// Lock the state (a panic elsewhere never poisons the client for good).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Now, for the session.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// The std instant of a session instant (for timers).
    pub(crate) fn to_std(&self, t: Instant) -> std::time::Instant {
        self.epoch + std::time::Duration::from_millis(t.as_millis())
    }

    /// Wait until `check` returns something; `check` runs under the lock after every change.
    pub(crate) async fn wait_for<T>(&self, mut check: impl FnMut(&mut Inner) -> Option<T>) -> T {
        loop {
            if let Some(v) = check(&mut self.lock()) {
                return v;
            }
            let listener = self.changed.listen();
            if let Some(v) = check(&mut self.lock()) {
                return v;
            }
            listener.await;
        }
    }
}
