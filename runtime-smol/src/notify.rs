//! A single-waiter wake-up flag: setting it twice before the waiter runs wakes it once, and
//! waiting on an already-set flag returns at once. No allocation per notification.

use core::future::Future;
use core::task::{Context, Poll, Waker};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
pub(crate) struct Notify {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Notify {
    /// Set the flag and wake the waiter, if one is parked.
    pub(crate) fn notify(&self) {
        if self.set.swap(true, Ordering::AcqRel) {
            return; // Already pending: the waiter will see it.
        }
        let w = self.waker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Wait until the flag is set, and clear it.
    pub(crate) fn wait(&self) -> impl Future<Output = ()> + '_ {
        futures_lite::future::poll_fn(move |cx| self.poll_wait(cx))
    }

    /// Ready (clearing the flag) if set; otherwise park `cx`'s waker.
    pub(crate) fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.set.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        {
            let mut slot = self.waker.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_mut() {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        if self.set.swap(false, Ordering::AcqRel) { Poll::Ready(()) } else { Poll::Pending }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_before_waiting_is_not_lost_and_many_coalesce() {
        let n = Notify::default();
        n.notify();
        n.notify();
        futures_lite::future::block_on(n.wait());
        let pending = futures_lite::future::block_on(futures_lite::future::poll_once(n.wait()));
        assert!(pending.is_none(), "two notifications before one wait wake it once");
        std::thread::scope(|s| {
            s.spawn(|| n.notify());
            futures_lite::future::block_on(n.wait());
        });
    }
}
