//! The journal: records of state changes not yet handed to the driver's store, and the
//! transmit fence that keeps every packet behind the records it depends on.

use super::format::write_record;
use alloc::vec::Vec;

/// Records waiting for [`Session::poll_store`](crate::Session::poll_store).
#[derive(Debug, Default)]
pub(crate) struct Journal {
    /// Journaling is on (after `start_journal` or `restore`).
    on: bool,
    /// Encoded records not yet handed out.
    pending: Vec<u8>,
    /// Where the transmit stream stood when the first pending record was made: bytes beyond
    /// it are not handed out until the records are.
    fence: Option<u64>,
}

impl Journal {
    /// Journal from now on.
    pub(crate) fn start(&mut self) {
        self.on = true;
    }

    /// Whether journaling is on.
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// Record a change made when the transmit stream had `appended` bytes: what is appended
    /// from now on waits until this record is handed out.
    pub(crate) fn record(&mut self, appended: u64, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
        if !self.on {
            return;
        }
        if self.fence.is_none() {
            self.fence = Some(appended);
        }
        write_record(&mut self.pending, tag, body);
    }

    /// How many of the transmit stream's bytes past `taken` may be handed out.
    pub(crate) fn allowance(&self, taken: u64) -> usize {
        match self.fence {
            Some(f) => usize::try_from(f.saturating_sub(taken)).unwrap_or(usize::MAX),
            None => usize::MAX,
        }
    }

    /// Hand the pending records out (appended to `out`); the fence lifts. Whether any.
    pub(crate) fn drain(&mut self, out: &mut Vec<u8>) -> bool {
        self.fence = None;
        if self.pending.is_empty() {
            return false;
        }
        if out.is_empty() {
            core::mem::swap(out, &mut self.pending);
        } else {
            out.append(&mut self.pending);
        }
        true
    }

    /// Whether records wait to be handed out.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}
