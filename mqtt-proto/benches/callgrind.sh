#!/usr/bin/env bash
# Instructions per operation for every benchmark case, counted by callgrind.
#
#   mqtt-proto/benches/callgrind.sh [FILTER]     (FILTER: a grep -E pattern on "op case version")
#
# Builds examples/instr.rs in release, then runs each case under
# `valgrind --tool=callgrind --toggle-collect='instr::measure_*'` (only the measured loop is
# counted, never the fixture setup) twice, for N and 2N iterations; the difference divided by
# N is the exact cost of one operation, with any fixed cost (first call, page faults in the
# measured loop) cancelled. A stream op decodes 1000 packets, so per packet = per op / 1000.
# The "baseline" row is the harness itself (loop + black_box) and is included in each count.
set -euo pipefail

cd "$(dirname "$0")/../.."
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

printf '%-8s %-22s %-7s %12s %14s\n' op case version instr/op instr/packet
row baseline - - 1000 1
"$bin" list | grep -E -- "$filter" | while read -r op case version; do
    if [ "$op" = stream ]; then
        row "$op" "$case" "$version" 2 1000
    else
        row "$op" "$case" "$version" 200 1
    fi
done
