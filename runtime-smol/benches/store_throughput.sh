#!/bin/bash
# Throughput of `sansmqtt-pub` (release) publishing N QoS 1 messages (16-byte payload, MQTT 5.0,
# default in-flight window) to a local Mosquitto: without a store (-c, the same persistent
# session) and with the file store under each sync policy, interleaved, R rounds.
#
#   cargo build --release -p sansmqtt-smol --features cli --bins
#   N=20000 R=3 runtime-smol/benches/store_throughput.sh
#
# BIN (default target/release/sansmqtt-pub, under CARGO_TARGET_DIR if set), PORT (28931),
# DIR (a temporary directory) for the store file: put it on the disk you care about.
set -e
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/sansmqtt-pub}
DIR=${DIR:-$(mktemp -d)}
PORT=${PORT:-28931}
N=${N:-20000}
R=${R:-3}
printf "listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n" "$PORT" > "$DIR/mosquitto.conf"
/usr/sbin/mosquitto -c "$DIR/mosquitto.conf" >/dev/null 2>&1 &
BROKER=$!
trap 'kill $BROKER' EXIT
sleep 0.5
run() { # label args...
  local label=$1; shift
  rm -f "$DIR/s.store" "$DIR/s.store.tmp"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" -h 127.0.0.1 -p "$PORT" -V mqttv5 -t bench -m 0123456789abcdef -q 1 --repeat "$N" "$@"
  t1=$(date +%s.%N)
  echo "$label: $(echo "$N / ($t1 - $t0)" | bc) msg/s"
}
for r in $(seq "$R"); do
  run "no store (-c)             " -c -i "bench-$r"
  run "store, every-round (fsync)" -i "bench-$r" --store "$DIR/s.store" --store-sync every-round
  run "store, none (OS buffers)  " -i "bench-$r" --store "$DIR/s.store" --store-sync none
done
