//! ESP32-C3 / C6 example: WiFi station, DHCP, then MQTT with sansmqtt-embassy — the MiniMQTT
//! guide's flow (connect, subscribe, publish, receive, unsubscribe, disconnect), then a loop
//! publishing a reading every 5 s and printing what arrives, reconnecting on WiFi or broker
//! loss. Build-time environment: `SSID`, `PASSWORD`, `BROKER` (`a.b.c.d:port`); with the `tls`
//! feature also `BROKER_CA`, `BROKER_NAME` and optionally `CLIENT_CERT` + `CLIENT_KEY`
//! (see `build.rs`). With the `deep-sleep` feature: one reading per wake-up, the session kept
//! in RTC memory through deep sleep (`sleep.rs`). With the `ota` feature: an image published to
//! `sansmqtt/esp32-firmware` is streamed into the OTA partition not running (`ota.rs`).
#![no_std]
#![no_main]
// The deep-sleep mode replaces the guide's flow and the readings loop.
#![cfg_attr(feature = "deep-sleep", allow(unused_imports, dead_code))]

extern crate alloc;

#[cfg(feature = "ota")]
mod ota;
#[cfg(feature = "deep-sleep")]
mod sleep;
#[path = "wifi.rs"]
mod wifi;

use core::net::SocketAddrV4;

use embassy_executor::Spawner;
use embassy_futures::select::{Either, select};
use embassy_time::{Duration, Instant, Timer};
use sansmqtt_embassy::sansmqtt_session::sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_embassy::sansmqtt_session::{Config, DisconnectReason, Event, Outgoing, Session};
use sansmqtt_embassy::{Client, TcpTransport, now};
use static_cell::ConstStaticCell;

esp_bootloader_esp_idf::esp_app_desc!();

const BROKER: &str = env!("BROKER");
const TOPIC: &str = "sansmqtt/esp32";

static SOCKET_RX: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
static SOCKET_TX: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
static MQTT_TX: ConstStaticCell<[u8; 512]> = ConstStaticCell::new([0; 512]);

/// The broker's CA and the client certificate, embedded by `build.rs`.
#[cfg(feature = "tls")]
mod certs {
    include!(concat!(env!("OUT_DIR"), "/certs.rs"));
}

/// TLS record buffers: one received record (the most a broker may send) and one sent record
/// (1 KB of plaintext plus the 128 bytes of overhead `embedded-tls` reserves).
#[cfg(feature = "tls")]
static READ_RECORD: ConstStaticCell<[u8; 16_640]> = ConstStaticCell::new([0; 16_640]);
#[cfg(feature = "tls")]
static WRITE_RECORD: ConstStaticCell<[u8; 1_152]> = ConstStaticCell::new([0; 1_152]);

fn print(e: &Event<'_>) {
    match e {
        Event::Message(m) => {
            say("received ", core::str::from_utf8(m.payload).unwrap_or("(binary)"), " on ", m.topic)
        }
        Event::Connected { session_present, .. } => {
            say("connected (session present: ", if *session_present { "true" } else { "false" }, ")", "")
        }
        Event::Disconnected(r) => say("disconnected: ", why(r), "", ""),
        _ => {}
    }
}

/// Print one line made of four parts, under the printer's lock like `println!`, without
/// `core::fmt` (its argument handling costs flash; the example prints only text).
#[inline(never)]
fn say(a: &str, b: &str, c: &str, d: &str) {
    esp_println::with(|_| {
        for part in [a, b, c, d, "\n"] {
            esp_println::Printer::write_bytes(part.as_bytes());
        }
    });
}

/// Events that arrive while a command waits for its own completion.
fn on_other(e: Event<'_>) {
    print(&e);
}

/// A short word for why a connection ended. (Formatting the reason with `{}` prints the
/// library's full error text, which costs about 11 KB of flash on this chip.)
fn why(r: &DisconnectReason) -> &'static str {
    match r {
        DisconnectReason::Refused(_) => "refused by the broker",
        DisconnectReason::ByServer { .. } => "by the broker",
        DisconnectReason::Protocol(_) => "protocol error",
        DisconnectReason::KeepAliveTimeout | DisconnectReason::ConnectTimeout => "timeout",
        DisconnectReason::Transport(_) => "connection lost",
        _ => "closed",
    }
}

#[esp_rtos::main]
async fn main(spawner: Spawner) -> ! {
    let (stack, _spare) = wifi::start(&spawner).await;
    let broker: SocketAddrV4 = BROKER.parse().expect("BROKER is a.b.c.d:port");
    let tcp = TcpTransport::new(stack, SOCKET_RX.take(), SOCKET_TX.take(), broker);
    #[cfg(not(feature = "tls"))]
    let transport = tcp;
    // TLS: the link, the engine (pinned in this task; it lends the record buffers to each
    // connection) and the transport over them.
    #[cfg(feature = "tls")]
    let link = sansmqtt_embassy::tls::TlsLink::<256>::new();
    #[cfg(feature = "tls")]
    let options = match certs::CLIENT {
        Some((cert, key)) => sansmqtt_embassy::tls::TlsOptions::new(env!("BROKER_NAME"), certs::CA)
            .with_client_certificate(cert, key),
        None => sansmqtt_embassy::tls::TlsOptions::new(env!("BROKER_NAME"), certs::CA),
    };
    #[cfg(feature = "tls")]
    let engine = core::pin::pin!(sansmqtt_embassy::tls::run(
        &link,
        tcp,
        &options,
        esp_hal::rng::Trng::try_new().expect("TRNG source enabled"),
        READ_RECORD.take(),
        WRITE_RECORD.take(),
    ));
    #[cfg(feature = "tls")]
    let transport = sansmqtt_embassy::tls::TlsTransport::new(&link, engine);
    let mut config = Config::new(ProtocolVersion::V5, "sansmqtt-esp32");
    config.fallback_to_v3_1_1 = true;
    config.max_packet_size = 1024;
    config.keep_alive = core::time::Duration::from_secs(30);
    config.max_queued_messages = 8;
    config.max_queued_bytes = 2048;
    config.tx_buffer_size = 1024;
    config.max_inflight = 4;
    config.receive_maximum = 4;
    config.topic_alias_maximum = 0;
    // OTA: images up to 2 MiB, streamed through a 1 KiB receive buffer.
    #[cfg(feature = "ota")]
    {
        config.max_packet_size = ota::MAX_PACKET;
        config.receive_buffer_size = Some(ota::RECEIVE_BUFFER);
    }
    #[cfg(feature = "deep-sleep")]
    sleep::run(transport, MQTT_TX.take(), config).await;
    // The guide's flow, then a reading every 5 s.
    #[cfg(not(feature = "deep-sleep"))]
    {
        let mut client = Client::new(Session::new(config), transport, MQTT_TX.take());
        // OTA: the partition that is not running, written through an `OtaWriter`.
        #[cfg(feature = "ota")]
        let mut flash = esp_bootloader_esp_idf::partitions::FlashStorage::new(_spare.flash);
        #[cfg(feature = "ota")]
        let mut region = ota::target(&mut flash).map(|p| p.as_flash_region(&mut flash));
        #[cfg(feature = "ota")]
        let mut writer = region.as_mut().and_then(|r| r.as_nor_flash().ok()).map(|nor| {
            sansmqtt_embassy::ota::OtaWriter::new(embassy_embedded_hal::adapter::BlockingAsync::new(nor))
        });
        #[cfg(feature = "ota")]
        if writer.is_none() {
            say("ota: no OTA app partition to write (flash with partitions.csv)", "", "", "");
        }

        // The MiniMQTT guide's flow.
        let filter = "sansmqtt/esp32/#";
        let flow = async {
            client.connect(on_other).await?;
            client.subscribe(&[(filter, SubscriptionOptions::new(QoS::AtLeastOnce))], on_other).await?;
            client.publish(&Outgoing::new(TOPIC, b"Hello Broker!", QoS::AtLeastOnce), on_other).await?;
            loop {
                let e = client.next_event().await?;
                let got = matches!(e, Event::Message(_));
                print(&e);
                if got {
                    break;
                }
            }
            client.unsubscribe(&[filter], on_other).await?;
            client.disconnect(on_other).await
        };
        if let Err(e) = flow.await {
            match e {
                sansmqtt_embassy::Error::Connect(r) => {
                    say("MiniMQTT flow: connect failed: ", why(&r), "", "")
                }
                _ => say("MiniMQTT flow failed", "", "", ""),
            }
        }

        // Then publish a reading every 5 s, print what arrives, reconnect on any loss (the
        // session's backoff; the WiFi task reconnects the station).
        let _ = client.session().subscribe(now(), &[(filter, SubscriptionOptions::new(QoS::AtLeastOnce))]);
        #[cfg(feature = "ota")]
        if writer.is_some() {
            let _ = client
                .session()
                .subscribe(now(), &[(ota::TOPIC, SubscriptionOptions::new(QoS::AtLeastOnce))]);
        }
        let _ = client.session().connect(now());
        // A reading every 5 s, at fixed times (a `Timer` at the next one: the WiFi code already
        // links `Timer`, not `Ticker`).
        let period = Duration::from_secs(5);
        let mut tick = Instant::now() + period;
        let mut n: u32 = 0;
        loop {
            // OTA: the length of an image that begins.
            #[cfg(feature = "ota")]
            let mut image = None;
            match select(client.next_event(), Timer::at(tick)).await {
                Either::First(Ok(e)) => {
                    #[cfg(feature = "ota")]
                    {
                        image = ota::image_start(&e);
                    }
                    print(&e)
                }
                Either::First(Err(_)) => {
                    say("mqtt: not connected; connecting again", "", "", "");
                    let _ = client.session().connect(now());
                    Timer::at(tick).await;
                    tick += period;
                }
                Either::Second(()) => {
                    tick += period;
                    n = n.wrapping_add(1);
                    // Not held across an await: on the stack, not in the task's future.
                    let mut payload = Reading { bytes: [0; 48], len: 0 };
                    let msg = Outgoing::new(
                        "sansmqtt/esp32/reading",
                        payload.format(n, now().as_millis()),
                        QoS::AtLeastOnce,
                    );
                    if client.session().publish(now(), &msg).is_err() {
                        say("publish refused", "", "", "");
                    }
                }
            }
            #[cfg(feature = "ota")]
            if let (Some(len), Some(writer)) = (image, writer.as_mut()) {
                ota::receive(&mut client, len, writer).await;
            }
        }
    }
}

/// The periodic reading's JSON payload, `{"n":N,"uptime_ms":M}`, written by hand: `write!`
/// would link `core::fmt`'s `u64` formatting and `String`'s `fmt::Write` (about 0.8 KB).
struct Reading {
    bytes: [u8; 48],
    len: usize,
}

impl Reading {
    fn format(&mut self, n: u32, uptime_ms: u64) -> &[u8] {
        self.len = 0;
        self.put(b"{\"n\":");
        self.put_number(u64::from(n));
        self.put(b",\"uptime_ms\":");
        self.put_number(uptime_ms);
        self.put(b"}");
        self.bytes.get(..self.len).unwrap_or_default()
    }

    fn put(&mut self, s: &[u8]) {
        for &b in s {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    fn put_number(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            start -= 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.put(digits.get(start..).unwrap_or_default());
    }
}
