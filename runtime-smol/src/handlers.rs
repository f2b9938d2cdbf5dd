//! Callback-style handlers (paho / MiniMQTT style), called by the driver task for each event.
//!
//! They run on the driver task, in event order, one at a time: keep them short and never
//! block in them (and never block on a future there: the driver is the one that would
//! complete it). They may call the [`Client`]'s methods that do not wait:
//! [`try_publish`](Client::try_publish), [`subscribe`](Client::subscribe),
//! [`subscribe_many`](Client::subscribe_many), [`unsubscribe`](Client::unsubscribe),
//! [`ack`](Client::ack), [`reject`](Client::reject),
//! [`reauthenticate`](Client::reauthenticate), [`try_disconnect`](Client::try_disconnect),
//! [`add_topic_handler`](Client::add_topic_handler) and
//! [`remove_topic_handler`](Client::remove_topic_handler).

use crate::client::Client;
use crate::event::{Event, Message};
use sansmqtt_proto::ReasonCode;
use sansmqtt_session::{DisconnectReason, PublishFailure, Router, Token};

/// A handler for received messages.
pub type MessageHandler = Box<dyn FnMut(&Client, &Message) + Send>;
/// `on_connect(client, session_present)`.
pub type ConnectHandler = Box<dyn FnMut(&Client, bool) + Send>;
/// `on_disconnect(client, reason)`.
pub type DisconnectHandler = Box<dyn FnMut(&Client, &DisconnectReason) + Send>;
/// `on_subscribe(client, token, reasons)` and `on_unsubscribe(client, token, reasons)`.
pub type AckHandler = Box<dyn FnMut(&Client, Token, &[ReasonCode]) + Send>;
/// `on_publish(client, token, outcome)`.
pub type PublishHandler = Box<dyn FnMut(&Client, Token, Result<ReasonCode, PublishFailure>) + Send>;

/// The registered handlers.
#[derive(Default)]
pub(crate) struct Handlers {
    pub(crate) on_connect: Option<ConnectHandler>,
    pub(crate) on_disconnect: Option<DisconnectHandler>,
    pub(crate) on_subscribe: Option<AckHandler>,
    pub(crate) on_unsubscribe: Option<AckHandler>,
    pub(crate) on_publish: Option<PublishHandler>,
    pub(crate) on_message: Option<MessageHandler>,
    pub(crate) routes: Router<MessageHandler>,
}

impl core::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Handlers").field("topic_handlers", &self.routes.len()).finish_non_exhaustive()
    }
}

/// A change to the topic handlers requested through the [`Client`] while running.
pub(crate) enum RouteChange {
    Add(String, MessageHandler),
    Remove(String),
}

impl Handlers {
    /// Whether any handler is registered (the driver skips dispatch otherwise).
    pub(crate) fn any(&self) -> bool {
        self.on_connect.is_some()
            || self.on_disconnect.is_some()
            || self.on_subscribe.is_some()
            || self.on_unsubscribe.is_some()
            || self.on_publish.is_some()
            || self.on_message.is_some()
            || !self.routes.is_empty()
    }

    pub(crate) fn apply(&mut self, change: RouteChange) {
        match change {
            RouteChange::Add(filter, h) => {
                // The filter was validated when the change was requested.
                let _ = self.routes.add(&filter, h);
            }
            RouteChange::Remove(filter) => {
                self.routes.remove(&filter);
            }
        }
    }

    /// Call the handlers for `event`. A message goes to every topic handler whose filter
    /// matches, and to `on_message` only when none does (as paho and MiniMQTT do).
    pub(crate) fn dispatch(&mut self, client: &Client, event: &Event) {
        match event {
            Event::Connected { session_present } => {
                if let Some(h) = self.on_connect.as_mut() {
                    h(client, *session_present);
                }
            }
            Event::Disconnected(reason) => {
                if let Some(h) = self.on_disconnect.as_mut() {
                    h(client, reason);
                }
            }
            Event::Message(m) => {
                let mut routed = false;
                for h in self.routes.matching_mut(&m.topic) {
                    routed = true;
                    h(client, m);
                }
                if !routed && let Some(h) = self.on_message.as_mut() {
                    h(client, m);
                }
            }
            Event::Published { token, reason } => {
                if let Some(h) = self.on_publish.as_mut() {
                    h(client, *token, Ok(*reason));
                }
            }
            Event::PublishFailed { token, reason } => {
                if let Some(h) = self.on_publish.as_mut() {
                    h(client, *token, Err(*reason));
                }
            }
            Event::Subscribed { token, reasons } => {
                if let Some(h) = self.on_subscribe.as_mut() {
                    h(client, *token, reasons);
                }
            }
            Event::Unsubscribed { token, reasons } => {
                if let Some(h) = self.on_unsubscribe.as_mut() {
                    h(client, *token, reasons);
                }
            }
            Event::SessionLost { .. }
            | Event::Resubscribed { .. }
            | Event::Reauthenticated
            | Event::Released { .. } => {}
            // Streamed messages reach the event stream only: a handler sees whole messages.
            Event::MessageStart { .. }
            | Event::MessageChunk(_)
            | Event::MessageEnd { .. }
            | Event::MessageAborted => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use std::sync::{Arc, Mutex};

    #[test]
    fn messages_go_to_matching_topic_handlers_else_to_on_message() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (a, b, c) = (seen.clone(), seen.clone(), seen.clone());
        let options = Options::new("mqtt://127.0.0.1:1")
            .unwrap()
            .on_topic("sensors/+/temp", move |_, m| a.lock().unwrap().push(format!("temp {}", m.topic)))
            .unwrap()
            .on_topic("sensors/#", move |_, m| b.lock().unwrap().push(format!("all {}", m.topic)))
            .unwrap()
            .on_message(move |_, m| c.lock().unwrap().push(format!("other {}", m.topic)));
        let (client, mut driver) = Client::with_driver(options);
        let handlers = driver.handlers_mut();
        let msg = |t: &str| Event::Message(Message { topic: t.into(), ..Message::default() });
        handlers.dispatch(&client, &msg("sensors/1/temp"));
        handlers.dispatch(&client, &msg("sensors/1/hum"));
        handlers.dispatch(&client, &msg("alerts/fire"));
        handlers.apply(RouteChange::Remove("sensors/#".into()));
        handlers.dispatch(&client, &msg("sensors/1/hum"));
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "temp sensors/1/temp",
                "all sensors/1/temp",
                "all sensors/1/hum",
                "other alerts/fire",
                "other sensors/1/hum"
            ]
        );
        assert!(handlers.any());
        assert!(!Handlers::default().any());
    }
}
