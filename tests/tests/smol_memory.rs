//! Memory stays bounded whatever the network sends: a fake broker floods the client with
//! 16 MB of messages while the application does not read its event stream. The client
//! stops reading from the socket once its bounded event queue is full (TCP then holds the
//! broker back), so its heap grows by a bounded amount; once the application reads, every
//! message arrives.
//!
//! Alone in its test binary: the counting allocator sees the whole process.

use sansmqtt_proto::ProtocolVersion;
use sansmqtt_smol::{Client, Event};
use sansmqtt_tests::fake::{FakeBroker, connack};
use sansmqtt_tests::smol::{EVENT_TIMEOUT, options, run};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::Duration;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const PAYLOAD: usize = 1000;
const COUNT: usize = 16_000;
/// The most the client's heap may grow while 16 MB wait to be sent to it.
const BOUND: isize = 4 << 20;

/// A 3.1.1 QoS 0 PUBLISH of `PAYLOAD` bytes on `flood/x`.
fn publish() -> Vec<u8> {
    let topic = b"flood/x";
    let mut remaining = 2 + topic.len() + PAYLOAD;
    let mut p = vec![0x30];
    loop {
        let byte = (remaining % 128) as u8;
        remaining /= 128;
        p.push(if remaining > 0 { byte | 0x80 } else { byte });
        if remaining == 0 {
            break;
        }
    }
    p.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    p.extend_from_slice(topic);
    p.extend(std::iter::repeat_n(b'x', PAYLOAD));
    p
}

#[test]
fn a_flood_the_application_does_not_read_keeps_the_heap_bounded_and_loses_nothing() {
    let v = ProtocolVersion::V3_1_1;
    let broker = FakeBroker::flood(connack(v), publish(), COUNT);
    let region = Region::new(GLOBAL);
    let grown = || {
        let c = region.change();
        c.bytes_allocated as isize - c.bytes_deallocated as isize + c.bytes_reallocated
    };
    run(Duration::from_secs(60), async {
        let client = Client::new(options(broker.addr, v, "flooded").keep_alive(Duration::ZERO));
        let mut events = client.events();
        client.connect().await.expect("connect");
        // Not reading the stream for a while: the flood waits in the kernel, not in the heap.
        let mut peak = 0;
        for _ in 0..100 {
            async_io::Timer::after(Duration::from_millis(10)).await;
            peak = peak.max(grown());
        }
        assert!(peak < BOUND, "the heap grew by {peak} bytes while the stream was not read");
        // Reading now: every message arrives, and the heap stays bounded meanwhile.
        let mut got = 0;
        while got < COUNT {
            let next = futures_lite::future::or(async { events.recv().await }, async {
                async_io::Timer::after(EVENT_TIMEOUT).await;
                None
            });
            match next.await {
                Some(Event::Message(m)) => {
                    assert_eq!((m.topic.as_str(), m.payload.len()), ("flood/x", PAYLOAD));
                    got += 1;
                }
                Some(_) => {}
                None => panic!("only {got} of {COUNT} messages arrived"),
            }
            if got % 1000 == 0 {
                peak = peak.max(grown());
            }
        }
        assert!(peak < BOUND, "the heap grew by {peak} bytes while the flood was read");
        eprintln!("heap growth at most {peak} bytes while {} bytes were sent", COUNT * publish().len());
    });
}
