#!/usr/bin/env bash
# Build the example and the WiFi+TCP baseline for one chip in release, then print what MQTT
# adds: flash (.text + .rodata + .rwtext + .data) and static RAM (.data + .bss, minus the
# example's MQTT buffers). Usage: size.sh esp32c3|esp32c6 [--enforce | --ceiling FLASH RAM | --tls | --ota]
#   --enforce         fail above the issue's budget (20480 B flash, 1536 B RAM): not met yet
#   --ceiling F R     fail above F bytes of flash or R bytes of RAM added: a regression guard
#   --tls             then build the `tls` feature too and print its size beside the plain
#                     build's (BROKER_CA defaults to a throwaway P-256 CA made with openssl,
#                     BROKER_NAME to broker.example)
#   --ota             then build the `ota` feature too (streamed receive into the OTA partition
#                     with esp-storage) and print its size beside the plain build's
set -euo pipefail
cd "$(dirname "$0")"
chip=$1
case $chip in
    esp32c3) target=riscv32imc-unknown-none-elf ;;
    esp32c6) target=riscv32imac-unknown-none-elf ;;
    *) echo "unknown chip $chip" >&2; exit 2 ;;
esac
export SSID=${SSID:-ci-ssid} PASSWORD=${PASSWORD:-ci-password} BROKER=${BROKER:-192.0.2.1:1883}
cargo build --release --no-default-features --features "$chip" --target "$target"
dir=${CARGO_TARGET_DIR:-target}/$target/release
sum() { size -A "$1" | awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }'; }
flash_re='^\.(text|rodata|rodata\.wifi|rwtext|rwtext\.wifi|data|data\.wifi|trap)$'
ram_re='^\.(data|data\.wifi|bss)$'
base_flash=$(sum "$dir/baseline" "$flash_re"); mqtt_flash=$(sum "$dir/sansmqtt-esp32-example" "$flash_re")
base_ram=$(sum "$dir/baseline" "$ram_re"); mqtt_ram=$(sum "$dir/sansmqtt-esp32-example" "$ram_re")
buffers=512 # MQTT_TX in src/main.rs (socket buffers exist in both builds)
flash=$((mqtt_flash - base_flash)); ram=$((mqtt_ram - base_ram - buffers))
echo "$chip: baseline flash $base_flash B, with MQTT $mqtt_flash B: +$flash B flash (budget 20480)"
echo "$chip: static RAM +$((mqtt_ram - base_ram)) B, +$ram B beyond the $buffers B of MQTT buffers (budget 1536)"
if [ "${2:-}" = "--tls" ]; then
    if [ -z "${BROKER_CA:-}" ]; then
        BROKER_CA=$(mktemp --suffix=.pem)
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
            -subj /CN=size-build-ca -days 1 -out "$BROKER_CA" 2>/dev/null
        export BROKER_CA
    fi
    export BROKER_NAME=${BROKER_NAME:-broker.example}
    cargo build --release --no-default-features --features "$chip,tls" --target "$target"
    tls_flash=$(sum "$dir/sansmqtt-esp32-example" "$flash_re"); tls_ram=$(sum "$dir/sansmqtt-esp32-example" "$ram_re")
    echo "$chip: MQTT over TLS (feature tls) $tls_flash B: +$((tls_flash - base_flash)) B flash over the baseline, +$((tls_flash - mqtt_flash)) B over plain MQTT"
    echo "$chip: MQTT over TLS static RAM +$((tls_ram - base_ram)) B over the baseline, +$((tls_ram - mqtt_ram)) B over plain MQTT (of which 17,792 B the two record buffers)"
    exit 0
fi
if [ "${2:-}" = "--ota" ]; then
    cargo build --release --no-default-features --features "$chip,ota" --target "$target"
    ota_flash=$(sum "$dir/sansmqtt-esp32-example" "$flash_re"); ota_ram=$(sum "$dir/sansmqtt-esp32-example" "$ram_re")
    echo "$chip: MQTT with OTA (feature ota) $ota_flash B: +$((ota_flash - base_flash)) B flash over the baseline, +$((ota_flash - mqtt_flash)) B over plain MQTT"
    echo "$chip: MQTT with OTA static RAM +$((ota_ram - base_ram)) B over the baseline, +$((ota_ram - mqtt_ram)) B over plain MQTT"
    exit 0
fi
case "${2:-}" in
    --enforce) max_flash=20480 max_ram=1536 ;;
    --ceiling) max_flash=$3 max_ram=$4 ;;
    *) exit 0 ;;
esac
if [ "$flash" -gt "$max_flash" ] || [ "$ram" -gt "$max_ram" ]; then
    echo "$chip: over the limit ($max_flash B flash, $max_ram B static RAM beyond buffers)" >&2
    exit 1
fi
echo "$chip: within the limit ($max_flash B flash, $max_ram B static RAM beyond buffers)"
