#!/usr/bin/env bash
# Instructions per operation for every benchmark case, counted by callgrind.
#
#   mqtt-proto/benches/callgrind.sh [FILTER]     (FILTER: a grep -E pattern on "op case version")
#   mqtt-proto/benches/callgrind.sh --peers [FILTER]
#
# Builds examples/instr.rs in release, then runs each case under
# `valgrind --tool=callgrind --toggle-collect='instr::measure_*'` (only the measured loop is
# counted, never the fixture setup) twice, for N and 2N iterations; the difference divided by
# N is the exact cost of one operation, with any fixed cost (first call, page faults in the
# measured loop) cancelled. A stream op decodes 1000 packets, so per packet = per op / 1000.
# The "baseline" row is the harness itself (loop + black_box) and is included in each count.
#
# --peers: one row per packet compared with the peer codecs (benches/common/peers.rs:
# rumqttc 0.24 v4/v5, mqttbytes 0.6 v4/v5, mqttrs 0.4 for 3.1.1), each of which was checked
# to write (encode) or take (decode) exactly our wire bytes: instructions per packet for us
# and every peer, the best peer, and our ratio to it (< 1: fewer instructions than the best
# peer); then allocations per packet for us and the best peer, counted by the `codec`
# bench's allocator (`SANSMQTT_BENCH=allocs`).
set -euo pipefail

cd "$(dirname "$0")/../.."
peers=0
if [ "${1:-}" = --peers ]; then
    peers=1
    shift
fi
filter="${1:-.}"
cargo build --release --example instr -p sansmqtt-proto --features bytes >&2
bin="${CARGO_TARGET_DIR:-target}/release/examples/instr"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Collected instructions for one run.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" --toggle-collect='instr::measure_*' \
        "$bin" "$@" 2>"$tmp/log" >/dev/null || { cat "$tmp/log" >&2; exit 1; }
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$tmp/log"
}

# per_op OP CASE VERSION N PACKETS_PER_OP
row() {
    local op=$1 case=$2 version=$3 n=$4 packets=$5
    local a b
    a=$(count "$op" "$case" "$version" "$n")
    b=$(count "$op" "$case" "$version" $((2 * n)))
    awk -v op="$op" -v c="$case" -v v="$version" -v a="$a" -v b="$b" -v n="$n" -v p="$packets" \
        'BEGIN { d = (b - a) / n; printf "%-8s %-22s %-7s %12.1f %14.1f\n", op, c, v, d, d / p }'
}

# per_packet OP CASE VERSION [peer CODEC]: instructions of one decode or encode
per_packet() {
    local a b
    a=$(count "$@" 200)
    b=$(count "$@" 400)
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 200 }'
}

if [ "$peers" = 1 ]; then
    allocs="$tmp/allocs"
    SANSMQTT_BENCH=allocs cargo bench -q -p sansmqtt-proto --features bytes --bench codec 2>/dev/null |
        awk '$1 == "alloc" && $2 != "codec" { print $2, $3, $4, $5, $6 }' >"$allocs"
    printf '%-7s %-16s %-7s %9s %9s %9s %9s %-10s %6s %7s %7s\n' op case version sansmqtt rumqttc \
        mqttbytes mqttrs best-peer ratio alloc alloc-p
    "$bin" peers >"$tmp/peers"
    awk '{ print $2, $3, $4 }' "$tmp/peers" | sort -u -k1,1r -k2,2 -k3,3 | grep -E -- "$filter" |
        while read -r op case version; do
            ours=$(per_packet "$op" "$case" "$version")
            line=""
            best=""
            best_codec=-
            for codec in rumqttc mqttbytes mqttrs; do
                if grep -qx "$codec $op $case $version" "$tmp/peers"; then
                    ir=$(per_packet peer "$codec" "$op" "$case" "$version")
                    line="$line $ir"
                    if [ -z "$best" ] || awk -v x="$ir" -v y="$best" 'BEGIN { exit !(x < y) }'; then
                        best=$ir
                        best_codec=$codec
                    fi
                else
                    line="$line -"
                fi
            done
            a_ours=$(awk -v o="$op" -v c="$case" -v v="$version" \
                '$1 == "sansmqtt" && $2 == o && $3 == c && $4 == v { print $5 }' "$allocs")
            a_peer=$(awk -v p="$best_codec" -v o="$op" -v c="$case" -v v="$version" \
                '$1 == p && $2 == o && $3 == c && $4 == v { print $5 }' "$allocs")
            read -r r1 r2 r3 <<<"$line"
            awk -v op="$op" -v c="$case" -v v="$version" -v o="$ours" -v r1="$r1" -v r2="$r2" \
                -v r3="$r3" -v b="$best" -v bc="$best_codec" -v ao="${a_ours:--}" -v ap="${a_peer:--}" \
                'BEGIN { printf "%-7s %-16s %-7s %9s %9s %9s %9s %-10s %6.2f %7s %7s\n",
                         op, c, v, o, r1, r2, r3, bc, o / b, ao, ap }'
        done
    exit 0
fi

printf '%-8s %-22s %-7s %12s %14s\n' op case version instr/op instr/packet
row baseline - - 1000 1
"$bin" list | grep -E -- "$filter" | while read -r op case version; do
    if [ "$op" = stream ]; then
        row "$op" "$case" "$version" 2 1000
    else
        row "$op" "$case" "$version" 200 1
    fi
done
