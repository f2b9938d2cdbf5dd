//! The subscriptions the server granted, remembered so that a lost session can be restored.

use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::{SubscriptionId, SubscriptionOptions};

/// A subscription remembered so that a lost session can be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Remembered {
    pub(crate) filter: String,
    pub(crate) options: SubscriptionOptions,
    /// The Subscription Identifier it was made with (v5), given again when it is restored.
    pub(crate) sub_id: Option<SubscriptionId>,
    /// Still wanted: false once an UNSUBSCRIBE for the filter is made while this SUBSCRIBE
    /// awaits its SUBACK, so that the SUBACK does not remember it again [MQTT-3.10.4-1].
    pub(crate) wanted: bool,
}

/// The granted subscriptions, one per filter, in the order first granted.
#[derive(Clone, Debug, Default)]
pub(crate) struct Subscriptions {
    list: Vec<Remembered>,
}

impl Subscriptions {
    /// Remember `r`, replacing the entry of the same filter [MQTT-3.8.4-3].
    pub(crate) fn remember(&mut self, r: Remembered) {
        match self.list.iter_mut().find(|x| x.filter == r.filter) {
            Some(x) => *x = r,
            None => self.list.push(r),
        }
    }

    /// Forget the subscription of `filter`.
    pub(crate) fn forget(&mut self, filter: &str) {
        self.list.retain(|r| r.filter != filter);
    }

    /// Whether none is remembered.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The remembered subscriptions, in order.
    #[cfg(feature = "persistence")]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Remembered> {
        self.list.iter()
    }

    /// Lend the list out (to build requests from it without cloning); give it back with
    /// [`Subscriptions::put_back`].
    pub(crate) fn lend(&mut self) -> Vec<Remembered> {
        core::mem::take(&mut self.list)
    }

    /// Take back the list lent by [`Subscriptions::lend`].
    pub(crate) fn put_back(&mut self, list: Vec<Remembered>) {
        self.list = list;
    }
}
