//! Commands that wait for their outcome: connect, publish, subscribe, unsubscribe,
//! disconnect. Events that arrive meanwhile (messages, other completions) go to the caller's
//! `on_other` callback, so nothing is lost and nothing is buffered.

use crate::{Client, Error, Transport, now};
use alloc::vec::Vec;
use sansmqtt_session::sansmqtt_proto::{ReasonCode, SubscriptionOptions};
use sansmqtt_session::{DisconnectOptions, Event, Outgoing, Token};

/// How a request completed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP, with the v5 reason (Success for 3.1.1).
    Published(ReasonCode),
    /// SUBACK: the granted QoS or an error reason per filter.
    Subscribed(Vec<ReasonCode>),
    /// UNSUBACK: v5 reasons per filter, empty in 3.1.1.
    Unsubscribed(Vec<ReasonCode>),
}

/// What [`Client::until`] waits for.
#[derive(Clone, Copy)]
enum Want {
    /// CONNACK (or the attempt's failure).
    Connected,
    /// The completion of one request.
    Token(Token),
    /// The end of the connection after DISCONNECT.
    Disconnected,
}

/// How [`Client::until`] ended.
enum Outcome {
    Connected(bool),
    Completed(Completion),
    Disconnected,
}

impl<T: Transport, J: crate::journal::Journal> Client<'_, T, J> {
    /// The one waiting loop behind every command: events until `want`, the others to
    /// `on_other`. (One loop for all of them, not generic over the callback: each waiting
    /// command then costs only its few lines of flash.)
    async fn until(&mut self, want: Want, on_other: &mut dyn FnMut(Event<'_>)) -> Result<Outcome, Error> {
        loop {
            let e = match self.next_event().await {
                Ok(e) => e,
                Err(Error::Disconnected) if matches!(want, Want::Disconnected) => {
                    return Ok(Outcome::Disconnected);
                }
                Err(e) => return Err(e),
            };
            match (want, e) {
                (Want::Connected, Event::Connected { session_present, .. }) => {
                    return Ok(Outcome::Connected(session_present));
                }
                (Want::Connected, Event::Disconnected(reason)) => return Err(Error::Connect(reason)),
                (Want::Disconnected, Event::Disconnected(_)) => return Ok(Outcome::Disconnected),
                (Want::Token(token), Event::Published { token: t, reason }) if t == token => {
                    return Ok(Outcome::Completed(Completion::Published(reason)));
                }
                (Want::Token(token), Event::PublishFailed { token: t, reason }) if t == token => {
                    return Err(Error::Publish(reason));
                }
                (Want::Token(token), Event::Subscribed { token: t, reasons }) if t == token => {
                    return Ok(Outcome::Completed(Completion::Subscribed(reasons)));
                }
                (Want::Token(token), Event::Unsubscribed { token: t, reasons }) if t == token => {
                    return Ok(Outcome::Completed(Completion::Unsubscribed(reasons)));
                }
                (Want::Token(token), Event::SessionLost { tokens }) if tokens.contains(&token) => {
                    return Err(Error::SessionLost);
                }
                (_, other) => on_other(other),
            }
        }
    }

    /// Connect and wait for the CONNACK; returns whether the broker resumed a session.
    ///
    /// On failure the reason is returned; if reconnecting is configured the session keeps
    /// trying in the background of later `poll`s (or call `connect` again to retry now).
    pub async fn connect(&mut self, mut on_other: impl FnMut(Event<'_>)) -> Result<bool, Error> {
        self.session().connect(now())?;
        match self.until(Want::Connected, &mut on_other).await? {
            Outcome::Connected(present) => Ok(present),
            _ => Err(Error::Disconnected),
        }
    }

    /// Wait until the request `token` completes.
    pub async fn wait_for(
        &mut self,
        token: Token,
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<Completion, Error> {
        match self.until(Want::Token(token), &mut on_other).await? {
            Outcome::Completed(c) => Ok(c),
            _ => Err(Error::Disconnected),
        }
    }

    /// Publish and wait for its completion (QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP).
    /// Across a reconnect that resumes the session, the session resends it and this keeps
    /// waiting; a reconnect without the session ends it with [`Error::SessionLost`]. Returns
    /// the v5 reason.
    pub async fn publish(
        &mut self,
        msg: &Outgoing<'_>,
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<ReasonCode, Error> {
        let token = self.session().publish(now(), msg)?;
        match self.until(Want::Token(token), &mut on_other).await? {
            Outcome::Completed(Completion::Published(r)) => Ok(r),
            // A publish token only ever completes as a publish.
            _ => Err(Error::Disconnected),
        }
    }

    /// Subscribe and wait for the SUBACK: one reason (granted QoS or error) per filter.
    pub async fn subscribe(
        &mut self,
        filters: &[(&str, SubscriptionOptions)],
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<Vec<ReasonCode>, Error> {
        let token = self.session().subscribe(now(), filters)?;
        match self.until(Want::Token(token), &mut on_other).await? {
            Outcome::Completed(Completion::Subscribed(r)) => Ok(r),
            _ => Err(Error::Disconnected),
        }
    }

    /// Unsubscribe and wait for the UNSUBACK (v5 reasons; empty in 3.1.1).
    pub async fn unsubscribe(
        &mut self,
        filters: &[&str],
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<Vec<ReasonCode>, Error> {
        let token = self.session().unsubscribe(now(), filters)?;
        match self.until(Want::Token(token), &mut on_other).await? {
            Outcome::Completed(Completion::Unsubscribed(r)) => Ok(r),
            _ => Err(Error::Disconnected),
        }
    }

    /// Disconnect gracefully (DISCONNECT, then the transport's graceful close) and wait until
    /// the connection is gone. No reconnect follows.
    pub async fn disconnect(&mut self, mut on_other: impl FnMut(Event<'_>)) -> Result<(), Error> {
        self.session().disconnect(now(), &DisconnectOptions::default())?;
        self.until(Want::Disconnected, &mut on_other).await.map(|_| ())
    }
}
