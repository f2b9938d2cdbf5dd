//! Whether a connection starts a new session or resumes one: what the next CONNECT says
//! (Clean Start / Clean Session) and what the session has learnt from earlier CONNACKs.

use crate::config::Config;
use alloc::string::String;

/// The session's history with the server, as far as resuming is concerned.
#[derive(Clone, Debug)]
pub(crate) struct Resumption {
    /// The Client Identifier the session is known by: the configured one, or the one the
    /// server assigned, or the stored one.
    client_id: String,
    /// A CONNACK was accepted once (or the state was restored from a store): reconnects
    /// resume the session.
    established: bool,
    /// What the last CONNECT said.
    sent_clean_start: bool,
    /// The broker refused 5.0: reconnect at once with 3.1.1.
    fallback: bool,
    /// The next CONNECT says Clean Start 1 whatever the configuration: a stored session was
    /// refused because this client had no state of it [MQTT-3.2.2-4].
    force_clean: bool,
}

impl Resumption {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            client_id: config.client_id.clone(),
            established: false,
            sent_clean_start: config.clean_start,
            fallback: false,
            force_clean: false,
        }
    }

    /// The Client Identifier in use.
    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Take `id` as the Client Identifier: assigned by the server (v5) or restored.
    pub(crate) fn set_client_id(&mut self, id: &str) {
        self.client_id.clear();
        self.client_id.push_str(id);
    }

    /// The Clean Start flag of the CONNECT about to be sent (remembered as sent). After a
    /// first session, a reconnect resumes it when the configuration keeps sessions (5.0: a
    /// Session Expiry Interval; 3.1.1: Clean Session 0).
    pub(crate) fn clean_start_for_connect(&mut self, config: &Config) -> bool {
        let keeps =
            if config.version.is_v5() { config.session_expiry_interval > 0 } else { !config.clean_start };
        let clean = if self.established { !keeps } else { config.clean_start || self.force_clean };
        self.sent_clean_start = clean;
        clean
    }

    /// What the last CONNECT said.
    pub(crate) fn sent_clean_start(&self) -> bool {
        self.sent_clean_start
    }

    /// Whether a session was established (or restored): the client holds session state.
    pub(crate) fn established(&self) -> bool {
        self.established
    }

    /// A CONNACK was accepted, or state restored.
    pub(crate) fn set_established(&mut self) {
        self.established = true;
    }

    /// The server offered a session this client has no state of: start clean next time.
    pub(crate) fn force_clean_start(&mut self) {
        self.force_clean = true;
    }

    /// The broker refused 5.0: the next attempt is 3.1.1, at once.
    pub(crate) fn fall_back(&mut self) {
        self.fallback = true;
    }

    /// Whether a fallback is due (once).
    pub(crate) fn take_fallback(&mut self) -> bool {
        core::mem::take(&mut self.fallback)
    }
}
