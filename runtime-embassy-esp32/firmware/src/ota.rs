//! Feature `ota`: an image published to [`TOPIC`] (QoS 1; retained, so a board that comes
//! online later still gets it) is streamed through the client's 1 KiB receive buffer into the
//! OTA app partition that is not running (`ota_0` or `ota_1` of the partition table; flash the
//! board with `partitions.csv`), by `sansmqtt_embassy::ota::OtaWriter` over esp-storage. The
//! partition's last bytes hold the image's length and CRC-32, committed only after the last
//! chunk: a cut connection (the broker sends the image again) or a power loss never leaves an
//! image that looks complete. The PUBACK goes out only after the end.
//!
//! What this example does not do: check the image (a signature, the ESP app header) and switch
//! the boot partition to it (`esp_bootloader_esp_idf::ota_updater::OtaUpdater`, then a reset).
//! Those are the application's decisions once the image is complete.

use esp_bootloader_esp_idf::partitions::{
    self, AppPartitionSubType, FlashStorage, PartitionEntry, PartitionType,
};
use sansmqtt_embassy::sansmqtt_session::Event;
use sansmqtt_embassy::stream::{MessageSink, Streamed};
use sansmqtt_embassy::{Client, Transport};

use crate::{on_other, say};

/// Where images are published.
pub const TOPIC: &str = "sansmqtt/esp32-firmware";

/// The largest MQTT packet accepted: an image of up to 2 MiB (the partition bounds it further:
/// a larger image is refused by the writer before anything is erased).
pub const MAX_PACKET: u32 = 2 * 1024 * 1024 + 1024;

/// The receive buffer: a larger message is streamed through it.
pub const RECEIVE_BUFFER: u32 = 1024;

/// The OTA app partition that is not running: where an update goes. `None` without a
/// partition table that has two of them.
pub fn target(flash: &mut FlashStorage<'_>) -> Option<PartitionEntry> {
    // 3 KiB on the stack, only while the table is read (no await in here).
    let mut table = [0u8; partitions::PARTITION_TABLE_MAX_LEN];
    let table = partitions::read_partition_table(flash, &mut table).ok()?;
    let booted = table.booted_partition().ok().flatten().map(|p| p.offset());
    table.iter().find(|p| {
        matches!(p.partition_type(),
            PartitionType::App(s) if s != AppPartitionSubType::Factory && s != AppPartitionSubType::Test)
            && Some(p.offset()) != booted
    })
}

/// The payload's length when `e` begins an image on [`TOPIC`].
pub fn image_start(e: &Event<'_>) -> Option<usize> {
    match e {
        Event::MessageStart { message, payload_len } if message.topic == TOPIC => Some(*payload_len),
        _ => None,
    }
}

/// The image begun by the last event, streamed into `writer` (an `OtaWriter` on the
/// partition); says how it ended.
pub async fn receive<T: Transport, S: MessageSink>(client: &mut Client<'_, T>, len: usize, writer: &mut S) {
    say("ota: receiving an image", "", "", "");
    match client.stream_into(len, writer, on_other).await {
        Ok(Streamed::Complete { .. }) => say("ota: image complete in the partition", "", "", ""),
        Ok(Streamed::Aborted) => say("ota: cut off; the broker sends it again", "", "", ""),
        Ok(_) => say("ota: the partition refused the image (too large, or a flash error)", "", "", ""),
        Err(_) => say("ota: not connected", "", "", ""),
    }
}
