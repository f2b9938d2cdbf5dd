//! The journal without the `persistence` feature: every hook compiles to nothing.

use alloc::vec::Vec;

/// No journal: nothing is recorded, nothing is held back.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    _none: (),
}

impl Journal {
    /// Never on.
    #[inline(always)]
    pub(crate) fn is_on(&self) -> bool {
        false
    }

    /// Records nothing.
    #[inline(always)]
    pub(crate) fn record(&mut self, _appended: u64, _tag: u8, _body: impl FnOnce(&mut Vec<u8>)) {}

    /// Holds nothing back.
    #[inline(always)]
    pub(crate) fn allowance(&self, _taken: u64) -> usize {
        usize::MAX
    }
}
