//! A small map from packet identifier to value, kept in insertion order.
//!
//! The session's per-id stores (in-flight publishes, pending SUBSCRIBE / UNSUBSCRIBE) hold at
//! most what the configuration allows (`max_inflight`, the Receive Maximum), so a linear scan
//! over a contiguous array of ids is as fast as a tree at these sizes, and far smaller in
//! code: on a microcontroller a `BTreeMap` instantiation costs kilobytes of flash. Insertion
//! order is the order the flows started, which is the order a reconnect must resend them in
//! [MQTT-4.6.0-1], so no sorting is ever needed either.

use alloc::vec::Vec;

/// Packet id → value, in insertion order; ids are unique.
#[derive(Debug)]
pub(crate) struct IdMap<V> {
    ids: Vec<u16>,
    values: Vec<V>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        Self { ids: Vec::new(), values: Vec::new() }
    }
}

impl<V> IdMap<V> {
    fn position(&self, id: u16) -> Option<usize> {
        self.ids.iter().position(|&x| x == id)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether `id` is present.
    pub(crate) fn contains_key(&self, id: u16) -> bool {
        self.ids.contains(&id)
    }

    /// The value for `id`.
    pub(crate) fn get(&self, id: u16) -> Option<&V> {
        self.position(id).and_then(|i| self.values.get(i))
    }

    /// The value for `id`, mutably.
    pub(crate) fn get_mut(&mut self, id: u16) -> Option<&mut V> {
        self.position(id).and_then(|i| self.values.get_mut(i))
    }

    /// Add `id` at the end. `id` is new: every caller adds an identifier just taken from
    /// `Outbound::allocate_id`, which is in no store (so no search for an existing entry).
    pub(crate) fn push(&mut self, id: u16, value: V) {
        self.ids.push(id);
        self.values.push(value);
    }

    /// Remove `id`, keeping the order of the others.
    pub(crate) fn remove(&mut self, id: u16) -> Option<V> {
        let i = self.position(id)?;
        self.ids.remove(i);
        Some(self.values.remove(i))
    }

    /// The identifiers, in insertion order.
    pub(crate) fn ids(&self) -> &[u16] {
        &self.ids
    }

    /// Identifiers and values, in insertion order.
    #[cfg(any(test, feature = "persistence"))]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u16, &V)> {
        self.ids.iter().copied().zip(self.values.iter())
    }

    /// Values in insertion order, mutably.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.values.iter_mut()
    }

    /// Take every value out, in insertion order, leaving the map empty.
    pub(crate) fn take_values(&mut self) -> Vec<V> {
        self.ids.clear();
        core::mem::take(&mut self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn keeps_insertion_order() {
        let mut m = IdMap::default();
        for id in [9u16, 3, 7] {
            m.push(id, u32::from(id) * 10);
        }
        *m.get_mut(3).unwrap() = 31;
        assert_eq!(m.iter().collect::<alloc::vec::Vec<_>>(), [(9, &90), (3, &31), (7, &70)]);
        assert_eq!(m.remove(9), Some(90));
        assert_eq!(m.remove(9), None);
        assert!(m.contains_key(7) && !m.contains_key(9));
        *m.get_mut(7).unwrap() += 1;
        assert_eq!(m.get(7), Some(&71));
        assert_eq!(m.len(), 2);
        assert_eq!(m.take_values(), [31, 71]);
        assert_eq!(m.len(), 0);
    }
}
