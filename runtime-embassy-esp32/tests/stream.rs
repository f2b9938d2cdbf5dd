//! Streamed receive into flash, against Mosquitto (features `streaming` and `ota`): a 1 MiB
//! retained message published at QoS 1 (by `mosquitto_pub -f`) reaches a client on an
//! embassy-net stack (the in-memory link and relay of `link.rs`) whose receive buffer is 4 KiB,
//! through `Client::stream_into` into an `OtaWriter` on a simulated flash that already holds a
//! complete older image. The first time, the client's socket is aborted half-way: the message
//! is reported aborted and the flash holds no complete image (not the old one either). The
//! session reconnects, Mosquitto sends the message again, and this time it arrives whole:
//! byte-exact in the flash, marked complete with its length and CRC-32, and acknowledged (a
//! later resumed connection does not get it again). For 3.1.1 and 5.0.
//!
//! And a sink that fails (a `WriteSink` over a slice too small, over std TCP): it is told to
//! abort, the rest of the payload is drained, the connection goes on with the next message, and
//! the same message into a large enough slice arrives byte-exact.
mod common;

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use common::link::{Link, relay, stack};
use common::{Loopback, block_on, run_limited};
use embassy_futures::join::join;
use embassy_futures::select::{Either3, select3};
use embassy_net::{IpAddress, IpEndpoint, Ipv4Address};
use sansmqtt_embassy::ota::{OtaError, OtaWriter, crc32};
use sansmqtt_embassy::sansmqtt_session::{AckMode, Config, Event, Session};
use sansmqtt_embassy::store::RamFlash;
use sansmqtt_embassy::stream::{MessageSink, Streamed, WriteSink};
use sansmqtt_embassy::{Client, Dial, TcpTransport, Transport, now};
use sansmqtt_proto::{ProtocolVersion, QoS, ReasonCode, SubscriptionOptions};
use sansmqtt_tests::mosquitto::Mosquitto;

const LIMIT: Duration = Duration::from_secs(120);
const BROKER: IpEndpoint = IpEndpoint { addr: IpAddress::Ipv4(Ipv4Address::new(10, 0, 0, 2)), port: 1883 };
const IMAGE: usize = 1024 * 1024;
const RECEIVE_BUFFER: usize = 4096;
const TOPIC: &str = "fw/image";

/// A TCP transport to the relay whose socket is aborted (a reset: the connection is cut)
/// at the first read after the test pulls the tripwire.
struct Cuttable {
    tcp: TcpTransport<'static>,
    trip: Rc<Cell<bool>>,
}

impl embedded_io_async::ErrorType for Cuttable {
    type Error = <TcpTransport<'static> as embedded_io_async::ErrorType>::Error;
}

impl embedded_io_async::Read for Cuttable {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if self.trip.replace(false) {
            self.tcp.socket().abort();
        }
        self.tcp.read(buf).await
    }
}

impl embedded_io_async::Write for Cuttable {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.tcp.write(buf).await
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.tcp.flush().await
    }
}

impl Transport for Cuttable {
    async fn connect(&mut self) -> Result<(), Self::Error> {
        self.tcp.connect().await
    }
    async fn close(&mut self) {
        self.tcp.close().await
    }
}

/// The writer, counting what passes and pulling the tripwire once `cut_at` bytes were written.
struct Watched<'f> {
    ota: OtaWriter<RamFlash<'f>>,
    written: usize,
    chunks: usize,
    largest: usize,
    cut_at: Option<usize>,
    trip: Rc<Cell<bool>>,
    aborts: usize,
}

impl MessageSink for Watched<'_> {
    type Error = OtaError;

    async fn begin(&mut self, payload_len: usize) -> Result<(), OtaError> {
        self.written = 0;
        self.ota.begin(payload_len).await
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), OtaError> {
        self.ota.write(chunk).await?;
        self.written += chunk.len();
        self.chunks += 1;
        self.largest = self.largest.max(chunk.len());
        if self.cut_at.is_some_and(|at| self.written >= at) {
            self.cut_at = None;
            self.trip.set(true);
        }
        Ok(())
    }

    async fn end(&mut self) -> Result<(), OtaError> {
        self.ota.end().await.map(drop)
    }

    async fn abort(&mut self) {
        self.aborts += 1;
        self.ota.abort();
    }
}

fn config(v: ProtocolVersion, id: &str) -> Config {
    let mut c = Config::new(v, id);
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c.max_packet_size = 2 * 1024 * 1024;
    c.receive_buffer_size = Some(RECEIVE_BUFFER as u32);
    c
}

fn payload() -> Vec<u8> {
    let mut x = 0x9E37_79B9u32;
    (0..IMAGE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

/// The next `MessageStart` on the image topic (its length); other events checked and dropped.
async fn next_start<T: Transport>(client: &mut Client<'_, T>, name: &str) -> usize {
    loop {
        let e = embassy_time::with_timeout(embassy_time::Duration::from_secs(30), client.next_event())
            .await
            .unwrap_or_else(|_| panic!("{name}: no message within 30 s"))
            .expect("events");
        match e {
            Event::MessageStart { message, payload_len } => {
                assert_eq!(message.topic, TOPIC, "{name}");
                assert!(message.retain, "{name}: delivered as retained");
                assert_eq!(message.qos, QoS::AtLeastOnce, "{name}");
                return payload_len;
            }
            Event::Message(m) => {
                panic!("{name}: a whole message of {} B through a 4 KiB buffer", m.payload.len())
            }
            _ => {}
        }
    }
}

fn streamed_into_flash(v: ProtocolVersion, name: &'static str) {
    run_limited(name, LIMIT, move || {
        let Some(broker) = Mosquitto::start(name, "") else { return };
        let image = payload();
        let file = std::env::temp_dir().join(format!("{name}-{}.bin", std::process::id()));
        std::fs::write(&file, &image).expect("image file");
        let published = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &broker.addr.port().to_string(),
                "-t",
                TOPIC,
                "-q",
                "1",
                "-r",
                "-f",
            ])
            .arg(&file)
            .status();
        let _ = std::fs::remove_file(&file);
        match published {
            Ok(s) => assert!(s.success(), "{name}: mosquitto_pub {s}"),
            Err(e) => {
                assert!(!sansmqtt_tests::mosquitto::required(), "{name}: no mosquitto_pub: {e}");
                eprintln!("{name}: skipped, no mosquitto_pub ({e})");
                return;
            }
        }
        let addr = broker.addr;
        let link = Link::default();
        let (client_stack, mut client_runner) = stack(link.end(0), 1);
        let (relay_stack, mut relay_runner) = stack(link.end(1), 2);
        let mut flash = vec![0u8; IMAGE + 8 * 1024];
        let trip = Rc::new(Cell::new(false));
        let test = async {
            // An older complete image is in the partition.
            let mut ota = OtaWriter::new(RamFlash::new(&mut flash));
            ota.begin(1000).await.expect("old image");
            ota.write(&[0x5A; 1000]).await.expect("old image");
            let old = ota.end().await.expect("old image");
            assert_eq!(ota.image().await, Ok(Some(old)));
            let mut sink = Watched {
                ota,
                written: 0,
                chunks: 0,
                largest: 0,
                cut_at: Some(IMAGE / 2),
                trip: trip.clone(),
                aborts: 0,
            };

            let rx = Box::leak(vec![0u8; 4096].into_boxed_slice());
            let tx = Box::leak(vec![0u8; 2048].into_boxed_slice());
            let tcp = TcpTransport::new(client_stack, rx, tx, BROKER)
                .with_close_timeout(embassy_time::Duration::from_millis(300));
            let mut out = [0u8; 512];
            let transport = Cuttable { tcp, trip: trip.clone() };
            let mut client = Client::new(Session::new(config(v, name)), transport, &mut out);
            client.connect(|_| {}).await.expect("connect");
            client
                .session()
                .subscribe(now(), &[(TOPIC, SubscriptionOptions::new(QoS::AtLeastOnce))])
                .expect("subscribe");

            // First delivery: cut half-way.
            let len = next_start(&mut client, name).await;
            assert_eq!(len, IMAGE, "{name}: announced length");
            let first = client.stream_into(len, &mut sink, |_| {}).await.expect("stream");
            assert_eq!(first, Streamed::Aborted, "{name}");
            assert!(
                sink.written >= IMAGE / 2 && sink.written < IMAGE,
                "{name}: cut after {} B",
                sink.written
            );
            assert_eq!(sink.aborts, 1, "{name}: the sink was told");
            assert!(!sink.ota.in_progress(), "{name}");
            assert_eq!(
                sink.ota.image().await,
                Ok(None),
                "{name}: a cut image is not complete, nor is the old one"
            );
            let cut_after = sink.written;

            // The session reconnects and resumes; Mosquitto sends it again, whole this time.
            let len = next_start(&mut client, name).await;
            assert_eq!(len, IMAGE, "{name}: announced length again");
            let second = client.stream_into(len, &mut sink, |_| {}).await.expect("stream");
            assert!(matches!(second, Streamed::Complete { ack_token: None }), "{name}: {second:?}");
            assert_eq!(sink.written, IMAGE, "{name}");
            assert!(sink.largest <= RECEIVE_BUFFER, "{name}: a chunk of {} B", sink.largest);
            let complete = sink.ota.image().await.expect("read back").expect("complete");
            assert_eq!((complete.len as usize, complete.crc32), (IMAGE, crc32(&image)), "{name}");
            client.disconnect(|_| {}).await.expect("disconnect");

            // It was acknowledged: a resumed connection does not get it again.
            let (session, transport) = client.into_parts().await;
            let mut out = [0u8; 512];
            let mut client = Client::new(session, transport, &mut out);
            let present = client.connect(|_| {}).await.expect("reconnect");
            assert!(present, "{name}: the broker kept the session");
            let again = embassy_time::with_timeout(
                embassy_time::Duration::from_millis(1500),
                next_start(&mut client, name),
            )
            .await;
            assert!(again.is_err(), "{name}: sent again after its PUBACK");
            client.disconnect(|_| {}).await.expect("disconnect");
            eprintln!(
                "{name}: {IMAGE} B in {} chunks of at most {} B; cut after {cut_after} B, then whole",
                sink.chunks, sink.largest
            );
            drop(sink);
        };
        block_on(async {
            match select3(join(client_runner.run(), relay_runner.run()), relay(relay_stack, 1883, addr), test)
                .await
            {
                Either3::Third(()) => {}
                _ => unreachable!("the runners and the relay never return"),
            }
        });
        assert_eq!(&flash[..IMAGE], &image[..], "{name}: byte-exact in the flash");
    });
}

#[test]
fn v311_a_1_mib_retained_message_streams_into_flash_through_a_4_kib_buffer_and_survives_a_cut() {
    streamed_into_flash(ProtocolVersion::V3_1_1, "embassy-stream-v311");
}

#[test]
fn v5_a_1_mib_retained_message_streams_into_flash_through_a_4_kib_buffer_and_survives_a_cut() {
    streamed_into_flash(ProtocolVersion::V5, "embassy-stream-v5");
}

/// `mosquitto_pub` to the broker at `port`: `payload` on `topic` at QoS 1. `false` when the tool
/// is missing (and not required).
fn mosquitto_pub(port: u16, topic: &str, payload: &[u8], name: &str) -> bool {
    let file = std::env::temp_dir().join(format!("{name}-{}-{}.bin", std::process::id(), payload.len()));
    std::fs::write(&file, payload).expect("payload file");
    let status = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", topic, "-q", "1", "-f"])
        .arg(&file)
        .status();
    let _ = std::fs::remove_file(&file);
    match status {
        Ok(s) => {
            assert!(s.success(), "{name}: mosquitto_pub {s}");
            true
        }
        Err(e) => {
            assert!(!sansmqtt_tests::mosquitto::required(), "{name}: no mosquitto_pub: {e}");
            eprintln!("{name}: skipped, no mosquitto_pub ({e})");
            false
        }
    }
}

#[test]
fn a_failing_sink_is_aborted_the_rest_drained_and_the_connection_goes_on() {
    const NAME: &str = "embassy-stream-sink";
    run_limited(NAME, LIMIT, || {
        let Some(broker) = Mosquitto::start(NAME, "") else { return };
        let port = broker.addr.port();
        let big = payload()[..20_000].to_vec();
        for (v, manual) in
            [(ProtocolVersion::V3_1_1, false), (ProtocolVersion::V5, false), (ProtocolVersion::V5, true)]
        {
            let name = format!("{NAME}-{v}-{}", if manual { "manual" } else { "auto" });
            let mut config = config(v, &name);
            if manual {
                config.ack_mode = AckMode::Manual;
            }
            config.clean_start = true;
            config.session_expiry_interval = 0;
            config.receive_buffer_size = Some(1024);
            let mut out = [0u8; 512];
            let mut client = Client::new(Session::new(config), Dial::new(Loopback(broker.addr)), &mut out);
            block_on(async {
                client.connect(|_| {}).await.expect("connect");
                let opts = SubscriptionOptions::new(QoS::AtLeastOnce);
                client.subscribe(&[("sink/#", opts)], |_| {}).await.expect("subscribe");
            });
            // Queued at the broker while nobody reads: the big one, a small one, the big one again.
            if !mosquitto_pub(port, "sink/big", &big, &name) {
                return;
            }
            mosquitto_pub(port, "sink/small", b"after", &name);
            mosquitto_pub(port, "sink/big", &big, &name);
            block_on(async {
                // Into 10,000 bytes: the sink fails half-way.
                let mut small = vec![0u8; 10_000];
                let len = next_len(&mut client, &name).await;
                assert_eq!(len, big.len(), "{name}");
                let mut sink = WriteSink::new(&mut small[..]);
                let r = client.stream_into(len, &mut sink, |_| {}).await.expect("stream");
                match r {
                    Streamed::SinkFailed { error, ack_token } => {
                        assert_eq!(format!("{error:?}"), "Full", "{name}: the slice's error");
                        // Manual acks: the application decides; v5 refuses it with a reason.
                        assert_eq!(ack_token.is_some(), manual, "{name}");
                        if let Some(t) = ack_token {
                            client
                                .session()
                                .reject(now(), t, ReasonCode::ImplementationSpecificError)
                                .expect("reject");
                        }
                    }
                    other => panic!("{name}: {other:?}"),
                }
                // A slice's `write_all` takes a chunk whole or not at all: less than a chunk left.
                let took = 10_000 - sink.into_inner().len();
                assert!(took > 10_000 - 1024, "{name}: {took} B taken");
                assert_eq!(small[..took], big[..took], "{name}: what it took is the payload's start");
                // The rest was drained: the next event is the small message, whole.
                let e =
                    embassy_time::with_timeout(embassy_time::Duration::from_secs(10), client.next_event())
                        .await
                        .expect("in time")
                        .expect("event");
                let token = match e {
                    Event::Message(m) => {
                        assert_eq!((m.topic, m.payload), ("sink/small", &b"after"[..]), "{name}");
                        m.ack_token
                    }
                    other => panic!("{name}: {other:?}"),
                };
                assert_eq!(token.is_some(), manual, "{name}");
                if let Some(t) = token {
                    client.session().ack(now(), t).expect("ack");
                }
                // The big one again, into enough room.
                let mut room = vec![0u8; 30_000];
                let len = next_len(&mut client, &name).await;
                let mut sink = WriteSink::new(&mut room[..]);
                let r = client.stream_into(len, &mut sink, |_| {}).await.expect("stream");
                let Streamed::Complete { ack_token } = r else { panic!("{name}: {r:?}") };
                assert_eq!(ack_token.is_some(), manual, "{name}: the end's token");
                if let Some(t) = ack_token {
                    client.session().ack(now(), t).expect("ack");
                }
                assert_eq!(sink.into_inner().len(), 10_000, "{name}: 20,000 bytes written");
                assert_eq!(room[..20_000], big[..], "{name}: byte-exact");
                client.disconnect(|_| {}).await.expect("disconnect");
            });
        }
    });
}

/// The next `MessageStart` (its length); other events dropped.
async fn next_len<T: Transport>(client: &mut Client<'_, T>, name: &str) -> usize {
    loop {
        let e = embassy_time::with_timeout(embassy_time::Duration::from_secs(10), client.next_event())
            .await
            .unwrap_or_else(|_| panic!("{name}: no message within 10 s"))
            .expect("events");
        if let Event::MessageStart { message, payload_len } = e {
            assert_eq!(message.topic, "sink/big", "{name}");
            return payload_len;
        }
    }
}
