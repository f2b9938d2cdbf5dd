//! Shared test support: a parking `block_on`, a one-shot poll, a hard wall-clock limit, and
//! event detaching.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod flow;
pub mod link;
pub mod mock;
pub mod tls;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_io::Async;
use embedded_io_adapters::futures_03::FromFutures;
use sansmqtt_embassy::Connector;
use std::net::{SocketAddr, TcpStream};

use sansmqtt_embassy::sansmqtt_session::{DisconnectReason, Event, Token};
use sansmqtt_proto::{QoS, ReasonCode};

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Run a future on this thread, parking between wake-ups (no busy loop).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// Poll a future once with a waker that does nothing, then drop it: a cancellation at
/// whatever await point it reached.
pub fn poll_once_and_drop<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// Run `f` on its own thread and fail the test if it takes longer than `limit`.
pub fn run_limited<F: FnOnce() + Send + 'static>(name: &str, limit: Duration, f: F) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .expect("spawn test thread");
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().expect("test thread"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // The thread panicked: re-raise its panic here.
            if let Err(e) = handle.join() {
                std::panic::resume_unwind(e);
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: exceeded the wall-clock limit of {limit:?}")
        }
    }
}

/// An event detached from the session's buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Connected { session_present: bool },
    Disconnected(DisconnectReason),
    Message { topic: String, payload: Vec<u8>, qos: QoS, dup: bool },
    Published(Token, ReasonCode),
    Subscribed(Token, Vec<ReasonCode>),
    Unsubscribed(Token, Vec<ReasonCode>),
    Other(String),
}

pub fn detach(e: Event<'_>) -> Ev {
    match e {
        Event::Connected { session_present, .. } => Ev::Connected { session_present },
        Event::Disconnected(r) => Ev::Disconnected(r),
        Event::Message(m) => {
            Ev::Message { topic: m.topic.into(), payload: m.payload.to_vec(), qos: m.qos, dup: m.dup }
        }
        Event::Published { token, reason } => Ev::Published(token, reason),
        Event::Subscribed { token, reasons } => Ev::Subscribed(token, reasons),
        Event::Unsubscribed { token, reasons } => Ev::Unsubscribed(token, reasons),
        other => Ev::Other(format!("{other:?}")),
    }
}

/// One fresh loopback TCP stream per connection.
pub struct Loopback(pub SocketAddr);

impl Connector for Loopback {
    type Io = FromFutures<Async<TcpStream>>;

    async fn connect(&mut self) -> Result<Self::Io, std::io::Error> {
        let s = Async::<TcpStream>::connect(self.0).await?;
        s.get_ref().set_nodelay(true)?;
        Ok(FromFutures::new(s))
    }
}
