//! WiFi station + DHCP, shared by the MQTT example and the size baseline. Credentials come
//! from the build environment: `SSID`, `PASSWORD`.

use embassy_executor::Spawner;
use embassy_net::{Runner, Stack, StackResources};
use embassy_time::{Duration, Timer};
use esp_hal::peripherals::Peripherals;
use esp_hal::rng::Rng;
use esp_hal::timer::timg::TimerGroup;
use esp_println::println;
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{AuthenticationMethodConfig, Config, Interface, WifiController};
use static_cell::StaticCell;
// The panic handler.
use esp_backtrace as _;

const SSID: &str = env!("SSID");
const PASSWORD: &str = env!("PASSWORD");

/// Peripherals the radio does not use that a feature of the example needs.
pub struct Spare {
    /// The SPI flash (feature `ota`).
    #[cfg(feature = "ota")]
    #[allow(dead_code)] // used by the MQTT example, not by the size baseline
    pub flash: esp_hal::peripherals::FLASH<'static>,
}

/// Start the scheduler, the WiFi station (reconnecting forever) and DHCP; returns the stack
/// once it has an address, and the peripherals left over.
pub async fn start(spawner: &Spawner) -> (Stack<'static>, Spare) {
    let peripherals: Peripherals = esp_hal::init(esp_hal::Config::default());
    let spare = Spare {
        #[cfg(feature = "ota")]
        flash: peripherals.FLASH,
    };
    esp_alloc::heap_allocator!(size: 72 * 1024);
    // TLS needs a cryptographically secure random source: the TRNG (RNG with the ADC's noise),
    // kept enabled for the program's life.
    #[cfg(feature = "tls")]
    {
        static TRNG_SOURCE: StaticCell<esp_hal::rng::TrngSource<'static>> = StaticCell::new();
        TRNG_SOURCE.init(esp_hal::rng::TrngSource::new(peripherals.RNG, peripherals.ADC1));
    }
    let timg0 = TimerGroup::new(peripherals.TIMG0);
    esp_rtos::start(timg0.timer0, peripherals.FROM_CPU_INTR0);

    let controller = WifiController::new(peripherals.WIFI, Default::default()).expect("wifi controller");
    let device = Interface::station();
    let rng = Rng::new();
    let seed = u64::from(rng.random()) << 32 | u64::from(rng.random());
    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        device,
        embassy_net::Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.spawn(connection(controller).expect("connection task"));
    spawner.spawn(net_task(runner).expect("net task"));
    stack.wait_config_up().await;
    if let Some(config) = stack.config_v4() {
        println!("got IP {}", config.address);
    }
    (stack, spare)
}

/// Keep the station connected: reconnect after any loss.
#[embassy_executor::task]
async fn connection(mut controller: WifiController<'static>) {
    let station = StationConfig::default()
        .with_ssid(SSID.try_into().expect("SSID of at most 32 bytes"))
        .with_authentication(AuthenticationMethodConfig::Wpa2Personal(
            PASSWORD.try_into().expect("password length"),
        ));
    if let Err(e) = controller.set_config(&Config::Station(station)) {
        println!("wifi config failed: {e:?}");
    }
    loop {
        match controller.connect_async().await {
            Ok(_) => {
                println!("wifi connected");
                let _ = controller.wait_for_disconnect_async().await;
                println!("wifi lost");
            }
            Err(e) => println!("wifi connect failed: {e:?}"),
        }
        Timer::after(Duration::from_secs(2)).await;
    }
}

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, Interface>) {
    runner.run().await
}
