//! [`Events`]: the client's events as an async stream.

use crate::event::Event;
use crate::shared::Shared;
use core::pin::Pin;
use core::task::{Context, Poll};
use futures_lite::Stream;
use std::sync::Arc;

/// The client's events, in order, as a [`Stream`]. Ends when the client is shut down (or a
/// newer stream is opened with [`Client::events`](crate::Client::events)).
///
/// While a stream is open, events wait in a bounded queue
/// ([`Options::event_capacity`](crate::Options::event_capacity)); when it is full the client
/// stops reading from the network until the stream is polled. So poll it from its own task
/// when you also publish in a loop, or use handlers.
#[derive(Debug)]
pub struct Events {
    shared: Arc<Shared>,
    generation: u64,
}

impl Events {
    pub(crate) fn open(shared: Arc<Shared>) -> Self {
        let generation = {
            let mut g = shared.lock();
            g.events_gen = g.events_gen.wrapping_add(1).max(1);
            g.events.clear();
            g.events_gen
        };
        shared.driver.notify();
        Self { shared, generation }
    }

    /// The next event; `None` once the stream has ended. Cancel-safe.
    pub async fn recv(&mut self) -> Option<Event> {
        futures_lite::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        loop {
            {
                let mut g = self.shared.lock();
                if g.events_gen != self.generation {
                    return Poll::Ready(None);
                }
                let was_full = g.stream_full();
                if let Some(e) = g.events.pop_front() {
                    drop(g);
                    if was_full {
                        self.shared.driver.notify();
                    }
                    return Poll::Ready(Some(e));
                }
                if g.done {
                    return Poll::Ready(None);
                }
            }
            if self.shared.stream.poll_wait(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let mut g = self.shared.lock();
        if g.events_gen == self.generation {
            g.events_gen = 0;
            g.events.clear();
            drop(g);
            self.shared.driver.notify();
        }
    }
}
