//! A topic router: values (handlers, channels, ids...) registered per topic filter, looked up
//! by the topic of a received message. The counterpart of paho's `message_callback_add` and
//! MiniMQTT's `add_topic_callback`; the session holds no callbacks, adapters store closures
//! here and call the ones a message matches.

use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::TopicError;
use sansmqtt_proto::topic::{matches, validate_topic_filter};

/// Filters mapped to values of type `H`, matched in registration order.
///
/// A `$share/{group}/{filter}` registration matches messages by its inner `filter`, since
/// shared-subscription messages arrive under the plain topic.
#[derive(Clone, Debug)]
pub struct Router<H> {
    routes: Vec<(String, H)>,
}

impl<H> Default for Router<H> {
    fn default() -> Self {
        Self { routes: Vec::new() }
    }
}

impl<H> Router<H> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `handler` for `filter` (replacing an earlier registration of the same filter).
    pub fn add(&mut self, filter: &str, handler: H) -> Result<(), TopicError> {
        validate_topic_filter(filter)?;
        match self.routes.iter_mut().find(|(f, _)| f == filter) {
            Some(route) => route.1 = handler,
            None => self.routes.push((filter.into(), handler)),
        }
        Ok(())
    }

    /// Remove the registration of `filter`, returning its value.
    pub fn remove(&mut self, filter: &str) -> Option<H> {
        let i = self.routes.iter().position(|(f, _)| f == filter)?;
        Some(self.routes.remove(i).1)
    }

    /// The values whose filters match `topic`, in registration order.
    pub fn matching<'r>(&'r self, topic: &'r str) -> impl Iterator<Item = &'r H> + 'r {
        self.routes.iter().filter(move |(f, _)| matches(f, topic)).map(|(_, h)| h)
    }

    /// Mutable access to the values whose filters match `topic`.
    pub fn matching_mut<'r>(&'r mut self, topic: &'r str) -> impl Iterator<Item = &'r mut H> + 'r {
        self.routes.iter_mut().filter(move |(f, _)| matches(f, topic)).map(|(_, h)| h)
    }

    /// Number of registrations.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_filter_including_shared_and_dollar_topics() {
        let mut r = Router::new();
        r.add("sensors/+/temp", 1).unwrap();
        r.add("sensors/#", 2).unwrap();
        r.add("$share/group/alerts/#", 3).unwrap();
        r.add("#", 4).unwrap();
        fn hits(r: &Router<i32>, t: &str) -> Vec<i32> {
            r.matching(t).copied().collect()
        }
        assert_eq!(hits(&r, "sensors/1/temp"), [1, 2, 4]);
        assert_eq!(hits(&r, "alerts/fire"), [3, 4]);
        assert_eq!(hits(&r, "$SYS/load"), Vec::<i32>::new(), "wildcards never match $ topics");
        assert!(r.add("a/#/b", 5).is_err());
        assert_eq!(r.remove("#"), Some(4));
        assert_eq!(hits(&r, "other"), Vec::<i32>::new());
        r.add("sensors/#", 9).unwrap();
        assert_eq!(hits(&r, "sensors/x"), [9]);
    }
}
