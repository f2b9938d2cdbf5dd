//! [`block_on`]: a client's driver and the application as one future on the calling thread,
//! the lowest-latency way to run them.

use crate::{Client, Options};
use core::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Run `app` with a client of `options` on the calling thread until it finishes, and return
/// its output. The client's driver and `app` run as one future under [`smol::block_on`]; once
/// `app` has finished (and dropped its client handles), the driver disconnects and ends, and
/// then this returns.
///
/// Why not `smol::block_on(app)` beside a spawned driver: async-io's `block_on` polls its
/// reactor once more, with a zero timeout, whenever its own future was woken while being
/// polled — here each time the driver hands the application a message and each time the
/// application gives the driver a command. Here the two wake each other without waking
/// `block_on`: while one of them runs, a wake of the other only marks it, and it is polled
/// next. The reactor is polled only once both wait: against a broker that answers at once, a
/// round trip (publish, receive it back) makes one reactor wait instead of two. Nor does a wake
/// go through an executor's queues, as it did when both were tasks of a `smol::LocalExecutor`.
/// The README has the measurements (`cargo bench -p sansmqtt-smol --bench e2e -- --strace`
/// for system calls, `-- --callgrind` for instructions).
///
/// Everything `app` spawns on its own (`smol::spawn`) runs on smol's global executor, not
/// here; use [`Client::with_driver`] to build another arrangement.
///
/// ```no_run
/// use sansmqtt_smol::{Options, QoS};
///
/// let options = Options::new("mqtt://127.0.0.1:1883").unwrap().client_id("local-example");
/// sansmqtt_smol::block_on(options, |client| async move {
///     client.connect().await.unwrap();
///     client.publish("hello/world", b"hi", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
///     client.disconnect().await.unwrap();
/// });
/// ```
pub fn block_on<F: Future>(options: Options, app: impl FnOnce(Client) -> F) -> F::Output {
    let (client, driver) = Client::with_driver(options);
    let app = app(client);
    smol::block_on(Pair::new(app, driver.run()))
}

/// Marks in [`Pair`]'s state: the application or the driver was woken (poll it), and the
/// pair is being polled (a wake only marks; the poll loop polls the woken future next).
const APP: u8 = 1;
const DRIVER: u8 = 2;
const POLLING: u8 = 4;

/// Passes over the two futures before the pair lets `block_on` poll the reactor although one
/// of them is still woken (the driver yields now and then so that others can run).
const PASSES: u32 = 64;

/// What a [`Pair`] and the wakers it gives its futures share.
struct PairState {
    marks: AtomicU8,
    /// `block_on`'s waker, for a wake from outside the pair's poll (the reactor, a timer,
    /// another thread).
    outer: Mutex<Option<Waker>>,
}

/// The waker of one of the two futures: marks it, and wakes `block_on` unless the pair is
/// being polled (then the poll loop sees the mark).
struct Mark {
    state: Arc<PairState>,
    bit: u8,
}

impl Wake for Mark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let before = self.state.marks.fetch_or(self.bit, Ordering::AcqRel);
        if before & (POLLING | self.bit) == 0 {
            let outer = self.state.outer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(w) = outer.as_ref() {
                w.wake_by_ref();
            }
        }
    }
}

/// The application and the driver as one future that polls only the one that was woken, with
/// wakers that, while it polls, mark instead of waking `block_on`: they hand each other
/// messages and commands without a trip through the reactor or an executor's queues. Ready
/// with the application's output once both have finished.
struct Pair<A: Future, D> {
    app: Option<Pin<Box<A>>>,
    output: Option<A::Output>,
    driver: Option<Pin<Box<D>>>,
    state: Arc<PairState>,
    app_waker: Waker,
    driver_waker: Waker,
}

impl<A: Future, D: Future<Output = ()>> Pair<A, D> {
    fn new(app: A, driver: D) -> Self {
        let state = Arc::new(PairState { marks: AtomicU8::new(APP | DRIVER), outer: Mutex::new(None) });
        let waker = |bit| Waker::from(Arc::new(Mark { state: state.clone(), bit }));
        Self {
            app_waker: waker(APP),
            driver_waker: waker(DRIVER),
            app: Some(Box::pin(app)),
            output: None,
            driver: Some(Box::pin(driver)),
            state,
        }
    }
}

// The futures are boxed and the output is never pinned: moving a pair moves no pinned data.
impl<A: Future, D> Unpin for Pair<A, D> {}

impl<A: Future, D: Future<Output = ()>> Future for Pair<A, D> {
    type Output = A::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A::Output> {
        let this = self.get_mut();
        {
            let mut outer = this.state.outer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        this.state.marks.fetch_or(POLLING, Ordering::AcqRel);
        for _ in 0..PASSES {
            // Take the marks (keeping POLLING): a wake from here on marks again.
            let marks = this.state.marks.fetch_and(POLLING, Ordering::AcqRel);
            if marks & DRIVER != 0
                && let Some(driver) = &mut this.driver
                && driver.as_mut().poll(&mut Context::from_waker(&this.driver_waker)).is_ready()
            {
                this.driver = None;
            }
            if marks & APP != 0
                && let Some(app) = &mut this.app
                && let Poll::Ready(output) = app.as_mut().poll(&mut Context::from_waker(&this.app_waker))
            {
                // Dropping it drops its client handles: the driver disconnects and ends.
                this.app = None;
                this.output = Some(output);
            }
            if this.app.is_none() && this.driver.is_none() {
                this.state.marks.fetch_and(!POLLING, Ordering::AcqRel);
                if let Some(output) = this.output.take() {
                    return Poll::Ready(output);
                }
            }
            if marks & (APP | DRIVER) == 0 {
                // Nothing was woken in the last pass: wait, unless a wake came just now.
                let before = this.state.marks.fetch_and(!POLLING, Ordering::AcqRel);
                if before & (APP | DRIVER) == 0 {
                    return Poll::Pending;
                }
                this.state.marks.fetch_or(POLLING, Ordering::AcqRel);
            }
        }
        // Still busy: let `block_on` poll the reactor (with a zero timeout) and come back.
        this.state.marks.fetch_and(!POLLING, Ordering::AcqRel);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Run `f` on a thread of its own; fail if it takes longer than 10 s (a lost wake-up).
    fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10)).expect("the pair hung: a wake-up was lost")
    }

    #[test]
    fn wakes_from_the_reactor_another_thread_and_each_other_all_arrive() {
        let out = within_10s(|| {
            let (to_app, from_driver) = smol::channel::bounded::<u32>(1);
            let (to_driver, from_app) = smol::channel::bounded::<u32>(1);
            // A third party on another thread, and a timer (the reactor), feed the app.
            let (outside_tx, outside_rx) = smol::channel::bounded::<u32>(1);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                let _ = outside_tx.send_blocking(1000);
            });
            let app = async move {
                let mut sum = 0;
                for i in 0..100 {
                    to_driver.send(i).await.unwrap();
                    sum += from_driver.recv().await.unwrap();
                }
                smol::Timer::after(Duration::from_millis(5)).await;
                sum + outside_rx.recv().await.unwrap()
            };
            let driver = async move {
                while let Ok(i) = from_app.recv().await {
                    to_app.send(i * 2).await.unwrap();
                }
            };
            smol::block_on(Pair::new(app, driver))
        });
        assert_eq!(out, (0..100).map(|i| i * 2).sum::<u32>() + 1000);
    }

    #[test]
    fn a_driver_that_never_waits_still_lets_block_on_poll_the_reactor() {
        // The driver wakes itself 1,000 times (as its periodic yield does). The pair must hand
        // control back to `block_on` (which then polls the reactor) every PASSES passes,
        // rather than spin until the driver waits.
        let polls = within_10s(|| {
            let driver = async {
                for _ in 0..1000 {
                    futures_lite::future::yield_now().await;
                }
            };
            let mut pair = Pair::new(async { 7 }, driver);
            let mut polls = 0u32;
            let out = smol::block_on(futures_lite::future::poll_fn(|cx| {
                polls += 1;
                Pin::new(&mut pair).poll(cx)
            }));
            assert_eq!(out, 7);
            polls
        });
        // 1,000 wakes / 64 passes: 15 returns at least.
        assert!(polls >= 15, "block_on polled the pair only {polls} times");
    }
}
