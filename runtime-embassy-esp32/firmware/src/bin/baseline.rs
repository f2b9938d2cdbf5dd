//! Size baseline: the same WiFi + DHCP + TCP work as the MQTT example without MQTT (connect
//! to `BROKER`, write and read bytes every 5 s, reconnect on loss). Flash and RAM beyond this
//! are what MQTT costs.
#![no_std]
#![no_main]

extern crate alloc;

#[path = "../wifi.rs"]
mod wifi;

use core::net::SocketAddrV4;

use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_time::{Duration, Timer};
use embedded_io_async::Write;
use esp_println::println;
use static_cell::ConstStaticCell;

esp_bootloader_esp_idf::esp_app_desc!();

const BROKER: &str = env!("BROKER");

static SOCKET_RX: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
static SOCKET_TX: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);

#[esp_rtos::main]
async fn main(spawner: Spawner) -> ! {
    let (stack, _) = wifi::start(&spawner).await;
    let broker: SocketAddrV4 = BROKER.parse().expect("BROKER is a.b.c.d:port");
    let mut socket = TcpSocket::new(stack, SOCKET_RX.take(), SOCKET_TX.take());
    let mut buf = [0u8; 256];
    loop {
        if socket.connect(broker).await.is_err() {
            socket.abort();
            Timer::after(Duration::from_secs(2)).await;
            continue;
        }
        loop {
            if socket.write_all(b"ping").await.is_err() {
                break;
            }
            match embassy_time::with_timeout(Duration::from_secs(5), socket.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => println!("read {n} bytes"),
                Err(_) => {}
            }
        }
        socket.close();
        let _ = embassy_time::with_timeout(Duration::from_secs(2), socket.flush()).await;
        socket.abort();
    }
}
