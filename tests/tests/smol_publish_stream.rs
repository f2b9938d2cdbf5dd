//! `Client::publish_stream` through Mosquitto: an 8 MiB payload read from a generated
//! `AsyncRead` source (never held in memory) at QoS 0, 1 and 2, in 3.1.1 and 5.0, to a
//! subscriber whose receive buffer is 4 KiB. It arrives once, byte-exact (FNV-1a checksum and
//! length), in pieces; and the process's heap — the publisher's and the subscriber's together
//! — grows by a bounded amount while it is sent (sampled at every read of the source and every
//! event of the subscriber: it does not grow with the payload).
//!
//! Alone in its test binary, one test: the counting allocator sees the whole process.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::Outgoing;
use sansmqtt_tests::mosquitto::TestBroker;
use sansmqtt_tests::payload::{Generated, expected_hash, receive, streaming_pair};
use sansmqtt_tests::smol::{EVENT_TIMEOUT, run};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const PAYLOAD: usize = 8 << 20;
const BUFFER: u32 = 4096;
/// The most the heap may grow while 8 MiB are streamed out and in (a sixteenth of the
/// payload; measured: 43 to 104 KB).
const BOUND: isize = 512 << 10;

#[test]
fn an_8_mib_payload_from_a_source_arrives_byte_exact_and_the_heap_stays_bounded() {
    let broker = TestBroker::start("publish-stream", "");
    let expected = expected_hash(PAYLOAD);
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let name = format!("pubstream-{}-{}", v.level(), qos as u8);
            let addr = broker.addr(v);
            run(Duration::from_secs(120), async {
                let (sub, mut events, publisher, topic) = streaming_pair(addr, v, &name, qos, BUFFER).await;

                // From here on, the heap's growth is sampled as the source is read and as
                // events arrive.
                let region = Arc::new(Mutex::new(Region::new(GLOBAL)));
                let peak = Arc::new(AtomicIsize::new(0));
                let sample = {
                    let (region, peak) = (region.clone(), peak.clone());
                    move || {
                        let c = region.lock().unwrap().change();
                        let grown =
                            c.bytes_allocated as isize - c.bytes_deallocated as isize + c.bytes_reallocated;
                        peak.fetch_max(grown, Ordering::SeqCst);
                    }
                };
                let (opened, reads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
                let open = {
                    let (opened, reads, sample) = (opened.clone(), reads.clone(), sample.clone());
                    move || {
                        opened.fetch_add(1, Ordering::SeqCst);
                        let (reads, sample) = (reads.clone(), sample.clone());
                        async move {
                            Ok(Generated::new(PAYLOAD).on_read(move |_| {
                                reads.fetch_add(1, Ordering::SeqCst);
                                sample();
                            }))
                        }
                    }
                };
                let token = publisher
                    .publish_stream(&Outgoing::new(&topic, b"", qos), PAYLOAD, open)
                    .await
                    .expect("publish_stream");
                let got = receive(&mut events, EVENT_TIMEOUT * 3, sample).await.expect("the message");
                token.wait().await.expect("completed");
                let peak = peak.load(Ordering::SeqCst);
                assert_eq!(got.topic, topic);
                assert_eq!((got.len, got.hash), (PAYLOAD, expected), "{name}: payload differs");
                assert!(got.chunks > 1, "{name}: streamed through the 4 KiB buffer");
                assert_eq!(opened.load(Ordering::SeqCst), 1, "{name}: the source was opened once");
                assert!(reads.load(Ordering::SeqCst) > 1, "{name}: read in chunks");
                assert!(peak < BOUND, "{name}: the heap grew by {peak} bytes while 8 MiB went through");
                eprintln!(
                    "{name}: {} chunks in, {} reads of the source, heap growth at most {peak} bytes",
                    got.chunks,
                    reads.load(Ordering::SeqCst)
                );
                // Nothing else arrives (the message came once).
                assert_eq!(receive(&mut events, Duration::from_millis(300), || {}).await, None, "{name}");
                publisher.disconnect().await.expect("publisher disconnects");
                sub.disconnect().await.expect("disconnect");
            });
        }
    }
}
