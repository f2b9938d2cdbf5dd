//! Feature `deep-sleep`: the battery-powered way to run. Each wake-up connects, publishes one
//! reading at QoS 1 and sleeps 30 s in deep sleep. The session's journal lives in RTC fast
//! memory (which deep sleep keeps): a reading whose PUBACK had not come when the chip slept,
//! or that was still queued, is sent again after the next wake-up, and the broker's session
//! (Session Expiry 1 h) is resumed, not started anew.

use alloc::vec::Vec;

use embassy_time::{Duration, with_timeout};
use esp_hal::rtc_cntl::sleep::{LowPower, RtcSleepConfig};
use sansmqtt_embassy::sansmqtt_session::persist::complete_prefix;
use sansmqtt_embassy::sansmqtt_session::sansmqtt_proto::QoS;
use sansmqtt_embassy::sansmqtt_session::{Config, Outgoing, Session};
use sansmqtt_embassy::store::{FlashStore, RamFlash};
use sansmqtt_embassy::{Client, Transport, now};

use crate::{on_other, say};

/// The journal's region. `persistent`: zeroed at power-on, kept through deep sleep.
#[esp_hal::ram(unstable(rtc_fast, persistent))]
static mut JOURNAL: [u8; 4096] = [0; 4096];

/// How long to sleep between readings.
const SLEEP: esp_hal::time::Duration = esp_hal::time::Duration::from_secs(30);

/// Wake, restore or start the session, publish a reading, sleep. Never returns.
pub async fn run<T: Transport>(transport: T, tx: &'static mut [u8], mut config: Config) -> ! {
    // SAFETY: the only reference to JOURNAL, taken once per boot before anything else runs
    // that could touch it (this task is the program's only user of the region).
    let region: &'static mut [u8; 4096] = unsafe { &mut *core::ptr::addr_of_mut!(JOURNAL) };
    config.clean_start = false;
    config.session_expiry_interval = 3600;
    let mut store = FlashStore::open(RamFlash::new(region)).await.expect("the RTC region is a store");
    let mut bytes = Vec::new();
    let restored = match store.load(&mut bytes).await {
        Ok(()) => Session::restore(config.clone(), &bytes[..complete_prefix(&bytes)]).ok(),
        Err(_) => None,
    };
    drop(bytes);
    let session = match restored {
        Some((session, tokens)) => {
            say(
                "deep sleep: session restored, ",
                if tokens.is_empty() { "nothing" } else { "readings" },
                " to resend",
                "",
            );
            session
        }
        None => {
            let mut session = Session::new(config);
            let mut snapshot = Vec::new();
            session.start_journal(&mut snapshot);
            if store.replace(&snapshot).await.is_err() {
                say("deep sleep: the journal does not fit its region", "", "", "");
            }
            session
        }
    };
    let mut client = Client::with_journal(session, transport, tx, store);
    let up = with_timeout(Duration::from_secs(20), async {
        client.connect(on_other).await?;
        let reading = now().as_millis().to_le_bytes();
        let msg = Outgoing::new("sansmqtt/esp32/reading", &reading, QoS::AtLeastOnce);
        client.publish(&msg, on_other).await?;
        client.disconnect(on_other).await
    })
    .await;
    if !matches!(up, Ok(Ok(()))) {
        // Whatever was not acknowledged is in the journal: the next wake-up sends it.
        say("deep sleep: reading not confirmed; kept for the next wake-up", "", "", "");
    }
    // SAFETY: `esp_hal::init` (in wifi.rs) hands LPWR to nobody; this is its only user.
    let mut low_power = LowPower::new(unsafe { esp_hal::peripherals::LPWR::steal() });
    low_power.set_wakeup_deadline(esp_hal::time::Instant::now() + SLEEP);
    low_power.sleep_deep(RtcSleepConfig::deep())
}
