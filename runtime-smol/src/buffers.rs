//! Buffers lent to the drivers for the length of a write (or of a read through TLS or
//! WebSocket), so that an idle connection holds none: a driver takes one when it has bytes to
//! write and gives it back once they are written. Each thread keeps a few given back for the
//! next taker; more are freed, so what is kept does not depend on the number of connections.

use std::cell::RefCell;

/// Size of every lent buffer.
pub(crate) const SIZE: usize = 16 * 1024;
/// Buffers kept per thread for reuse.
const KEEP: usize = 4;

thread_local! {
    static SPARE: RefCell<Vec<Box<[u8]>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of [`SIZE`] bytes (its contents are whatever the last user left).
pub(crate) fn take() -> Box<[u8]> {
    SPARE
        .try_with(|s| s.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| vec![0; SIZE].into_boxed_slice())
}

/// Give a buffer back (kept for the next [`take`] on this thread, or freed).
pub(crate) fn give(buf: Box<[u8]>) {
    let _ = SPARE.try_with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < KEEP {
            s.push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_taken_again_and_the_spares_are_bounded() {
        let a = take();
        assert_eq!(a.len(), SIZE);
        let ptr = a.as_ptr();
        give(a);
        let b = take();
        assert_eq!(b.as_ptr(), ptr, "reused, not allocated again");
        give(b);
        let many: Vec<_> = (0..3 * KEEP).map(|_| take()).collect();
        for b in many {
            give(b);
        }
        assert_eq!(SPARE.with(|s| s.borrow().len()), KEEP);
    }
}
