//! Two embassy-net stacks joined by an in-memory IP link that a test can cut, plus a TCP
//! relay on one stack that forwards to a real broker over std TCP.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::task::{Context, Waker};

use async_io::Async;
use embassy_futures::select::{Either, select};
use embassy_net::driver::{Capabilities, Driver, HardwareAddress, LinkState, RxToken, TxToken};
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embedded_io_adapters::futures_03::FromFutures;
use embedded_io_async::{Read, Write};

#[derive(Default)]
struct Wire {
    /// Frames in flight towards side 0 and side 1.
    queues: [VecDeque<Vec<u8>>; 2],
    wakers: [Option<Waker>; 2],
    cut: bool,
}

/// The test's handle on the link.
#[derive(Clone, Default)]
pub struct Link(Rc<RefCell<Wire>>);

impl Link {
    /// Drop every frame from now on (and those in flight).
    pub fn cut(&self) {
        let mut w = self.0.borrow_mut();
        w.cut = true;
        w.queues = Default::default();
    }

    /// One end of the link as an embassy-net driver (side 0 or 1).
    pub fn end(&self, side: usize) -> End {
        End { wire: self.0.clone(), side }
    }
}

/// One end: receives frames sent towards `side`, sends towards the other.
pub struct End {
    wire: Rc<RefCell<Wire>>,
    side: usize,
}

pub struct Rx(Vec<u8>);
pub struct Tx {
    wire: Rc<RefCell<Wire>>,
    to: usize,
}

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(mut self, f: F) -> R {
        f(&mut self.0)
    }
}

impl TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0u8; len];
        let r = f(&mut frame);
        let mut w = self.wire.borrow_mut();
        if !w.cut {
            w.queues[self.to].push_back(frame);
            if let Some(waker) = w.wakers[self.to].take() {
                waker.wake();
            }
        }
        r
    }
}

impl Driver for End {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx;

    fn receive(&mut self, cx: &mut Context<'_>) -> Option<(Rx, Tx)> {
        let mut w = self.wire.borrow_mut();
        match w.queues[self.side].pop_front() {
            Some(frame) => Some((Rx(frame), Tx { wire: self.wire.clone(), to: 1 - self.side })),
            None => {
                w.wakers[self.side] = Some(cx.waker().clone());
                None
            }
        }
    }

    fn transmit(&mut self, _cx: &mut Context<'_>) -> Option<Tx> {
        Some(Tx { wire: self.wire.clone(), to: 1 - self.side })
    }

    fn link_state(&mut self, _cx: &mut Context<'_>) -> LinkState {
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::default();
        c.max_transmission_unit = 1500;
        c
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ip
    }
}

/// A stack on `end` with the static address 10.0.0.`host`/24, and its runner.
pub fn stack(end: End, host: u8) -> (Stack<'static>, embassy_net::Runner<'static, End>) {
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, host), 24),
        gateway: None,
        dns_servers: Default::default(),
    });
    // Each test builds its stacks once; `StaticCell` would allow only one per process.
    let resources = Box::leak(Box::new(StackResources::<4>::new()));
    embassy_net::new(end, config, resources, u64::from(host))
}

/// Accept one connection at a time on `port` of `stack` and relay it to `broker` over std TCP.
pub async fn relay(stack: Stack<'static>, port: u16, broker: SocketAddr) -> ! {
    let rx = Box::leak(vec![0u8; 4096].into_boxed_slice());
    let tx = Box::leak(vec![0u8; 4096].into_boxed_slice());
    let mut socket = TcpSocket::new(stack, rx, tx);
    loop {
        if socket.accept(port).await.is_err() {
            socket.abort();
            continue;
        }
        let Ok(upstream) = Async::<TcpStream>::connect(broker).await else {
            socket.abort();
            continue;
        };
        let mut upstream = FromFutures::new(upstream);
        let mut a = [0u8; 1024];
        let mut b = [0u8; 1024];
        loop {
            match select(socket.read(&mut a), upstream.read(&mut b)).await {
                Either::First(Ok(n)) if n > 0 => {
                    if upstream.write_all(&a[..n]).await.is_err() {
                        break;
                    }
                }
                Either::Second(Ok(n)) if n > 0 => {
                    if socket.write_all(&b[..n]).await.is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
        socket.close();
        let _ = embassy_time::with_timeout(embassy_time::Duration::from_millis(200), socket.flush()).await;
        socket.abort();
        let _ = embassy_time::with_timeout(embassy_time::Duration::from_millis(200), socket.flush()).await;
    }
}
