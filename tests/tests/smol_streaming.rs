//! Messages larger than the receive buffer, through Mosquitto: an 8 MiB payload at QoS 0, 1
//! and 2, in 3.1.1 and 5.0, to a subscriber whose receive buffer is 4 KiB. It arrives in
//! order and byte-exact (FNV-1a checksum and length), and the subscriber's heap grows by a
//! bounded amount while it arrives (measured: it does not grow with the payload).
//!
//! Alone in its test binary, one test: the counting allocator sees the whole process.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::Event;
use sansmqtt_tests::mosquitto::TestBroker;
use sansmqtt_tests::payload::{FNV_START, fnv1a, streaming_pair};
use sansmqtt_tests::smol::{EVENT_TIMEOUT, run};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::Duration;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const PAYLOAD: usize = 8 << 20;
const BUFFER: u32 = 4096;
/// The most the heap may grow while an 8 MiB message arrives in pieces.
const BOUND: isize = 1 << 20;

#[test]
fn an_8_mib_message_streams_through_a_4_kib_buffer_byte_exact() {
    let broker = TestBroker::start("streaming", "");
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i * 7 % 251) as u8).collect();
    let expected = fnv1a(&payload, FNV_START);
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let name = format!("stream-{}-{}", v.level(), qos as u8);
            let addr = broker.addr(v);
            run(Duration::from_secs(120), async {
                let (sub, mut events, publisher, topic) = streaming_pair(addr, v, &name, qos, BUFFER).await;
                let token = publisher.publish(&topic, &payload, qos, false).await.expect("publish");
                if qos != QoS::AtMostOnce {
                    token.wait().await.expect("acknowledged");
                }
                // From here on, only the subscriber's side allocates.
                let region = Region::new(GLOBAL);
                let grown = || {
                    let c = region.change();
                    c.bytes_allocated as isize - c.bytes_deallocated as isize + c.bytes_reallocated
                };
                let (mut started, mut len, mut hash, mut chunks, mut peak) = (None, 0usize, FNV_START, 0, 0);
                loop {
                    let event = futures_lite::future::or(events.recv(), async {
                        async_io::Timer::after(EVENT_TIMEOUT).await;
                        panic!("{name}: stalled after {len} bytes");
                    })
                    .await;
                    peak = peak.max(grown());
                    match event.expect("stream open") {
                        Event::MessageStart { message, payload_len } => {
                            assert_eq!((message.topic.as_str(), message.qos), (topic.as_str(), qos));
                            started = Some(payload_len);
                        }
                        Event::MessageChunk(c) => {
                            assert!(started.is_some(), "{name}: a chunk before the start");
                            assert!(c.len() <= BUFFER as usize);
                            len += c.len();
                            hash = fnv1a(&c, hash);
                            chunks += 1;
                        }
                        Event::MessageEnd { .. } => break,
                        Event::Message(_) => panic!("{name}: the 8 MiB message arrived whole"),
                        Event::MessageAborted => panic!("{name}: aborted after {len} bytes"),
                        _ => {}
                    }
                }
                assert_eq!(started, Some(PAYLOAD), "{name}");
                assert_eq!((len, hash), (PAYLOAD, expected), "{name}: payload differs");
                assert!(peak < BOUND, "{name}: the heap grew by {peak} bytes while 8 MiB arrived");
                eprintln!("{name}: {chunks} chunks, heap growth at most {peak} bytes");
                publisher.disconnect().await.expect("publisher disconnects");
                sub.disconnect().await.expect("disconnect");
            });
        }
    }
}
