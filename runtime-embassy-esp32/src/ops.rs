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

impl<T: Transport> Client<'_, T> {
    /// Connect and wait for the CONNACK; returns whether the broker resumed a session.
    ///
    /// On failure the reason is returned; if reconnecting is configured the session keeps
    /// trying in the background of later `poll`s (or call `connect` again to retry now).
    pub async fn connect(&mut self, mut on_other: impl FnMut(Event<'_>)) -> Result<bool, Error> {
        self.session().connect(now())?;
        loop {
            match self.next_event().await? {
                Event::Connected { session_present, .. } => return Ok(session_present),
                Event::Disconnected(reason) => return Err(Error::ConnectFailed(reason)),
                other => on_other(other),
            }
        }
    }

    /// Wait until the request `token` completes.
    pub async fn wait_for(
        &mut self,
        token: Token,
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<Completion, Error> {
        loop {
            match self.next_event().await? {
                Event::Published { token: t, reason } if t == token => {
                    return Ok(Completion::Published(reason));
                }
                Event::PublishFailed { token: t, reason } if t == token => {
                    return Err(Error::PublishFailed(reason));
                }
                Event::Subscribed { token: t, reasons } if t == token => {
                    return Ok(Completion::Subscribed(reasons));
                }
                Event::Unsubscribed { token: t, reasons } if t == token => {
                    return Ok(Completion::Unsubscribed(reasons));
                }
                Event::SessionLost { tokens } if tokens.contains(&token) => return Err(Error::SessionLost),
                other => on_other(other),
            }
        }
    }

    /// Publish and wait for its completion (QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP).
    /// Across a reconnect the session resends it, so this keeps waiting. Returns the v5 reason.
    pub async fn publish(
        &mut self,
        msg: &Outgoing<'_>,
        on_other: impl FnMut(Event<'_>),
    ) -> Result<ReasonCode, Error> {
        let token = self.session().publish(now(), msg)?;
        match self.wait_for(token, on_other).await? {
            Completion::Published(r) => Ok(r),
            // A publish token only ever completes as a publish.
            _ => Err(Error::Disconnected),
        }
    }

    /// Subscribe and wait for the SUBACK: one reason (granted QoS or error) per filter.
    pub async fn subscribe(
        &mut self,
        filters: &[(&str, SubscriptionOptions)],
        on_other: impl FnMut(Event<'_>),
    ) -> Result<Vec<ReasonCode>, Error> {
        let token = self.session().subscribe(now(), filters)?;
        match self.wait_for(token, on_other).await? {
            Completion::Subscribed(r) => Ok(r),
            _ => Err(Error::Disconnected),
        }
    }

    /// Unsubscribe and wait for the UNSUBACK (v5 reasons; empty in 3.1.1).
    pub async fn unsubscribe(
        &mut self,
        filters: &[&str],
        on_other: impl FnMut(Event<'_>),
    ) -> Result<Vec<ReasonCode>, Error> {
        let token = self.session().unsubscribe(now(), filters)?;
        match self.wait_for(token, on_other).await? {
            Completion::Unsubscribed(r) => Ok(r),
            _ => Err(Error::Disconnected),
        }
    }

    /// Disconnect gracefully (DISCONNECT, then the transport's graceful close) and wait until
    /// the connection is gone. No reconnect follows.
    pub async fn disconnect(&mut self, mut on_other: impl FnMut(Event<'_>)) -> Result<(), Error> {
        self.session().disconnect(now(), &DisconnectOptions::default())?;
        loop {
            match self.next_event().await {
                Ok(Event::Disconnected(_)) | Err(Error::Disconnected) => return Ok(()),
                Ok(other) => on_other(other),
                Err(e) => return Err(e),
            }
        }
    }
}
