//! Instruction-count harness: runs one benchmark case (the same cases as `benches/codec.rs`)
//! a given number of times, inside functions named `instr::measure_*`, so that callgrind
//! counts exactly the measured operations:
//!
//! ```text
//! cargo build --release --example instr -p sansmqtt-proto --features bytes
//! valgrind --tool=callgrind --toggle-collect='instr::measure_*' \
//!     target/release/examples/instr decode publish_qos0_64 v5 1000
//! ```
//!
//! The fixture (buffers, packets) is built and checked outside the measured functions.
//! `benches/callgrind.sh` runs every case for N and 2N iterations and divides the difference
//! by N, which cancels any fixed cost. `instr list` prints every case as `op case version`.
//!
//! The peer codecs (`benches/common/peers.rs`) run the same way: `instr peer <codec> <op>
//! <case> <version> <N>`; `instr peers` prints every peer case as `codec op case version`.

use common::peers::{self, PEER_CASES, PEERS, Visit};
use common::{Fixture, Op, VERSIONS, parse_version, version_name};
use sansmqtt_proto::{Packet, ProtocolVersion};
use std::hint::black_box;

#[path = "../benches/common/mod.rs"]
mod common;

#[inline(never)]
fn measure_stream(buf: &[u8], v: ProtocolVersion, iters: u64) {
    for _ in 0..iters {
        black_box(common::decode_stream(buf, v));
    }
}

#[inline(never)]
fn measure_decode(buf: &[u8], v: ProtocolVersion, iters: u64) {
    for _ in 0..iters {
        common::decode_one(buf, v);
    }
}

#[inline(never)]
fn measure_encode(p: &Packet<'_>, v: ProtocolVersion, buf: &mut [u8], iters: u64) {
    for _ in 0..iters {
        common::encode_one(p, v, buf);
    }
}

/// A peer codec's operation, `iters` times (the closure holds its prepared state).
#[inline(never)]
fn measure_peer<F: FnMut()>(mut f: F, iters: u64) {
    for _ in 0..iters {
        f();
    }
}

struct Measure(u64);

impl Visit for Measure {
    type Out = ();
    fn visit<F: FnMut()>(self, f: F) {
        measure_peer(f, self.0);
    }
}

/// The harness's own cost: the loop and the `black_box`es around an operation that does
/// nothing (`instr baseline - - N`).
#[inline(never)]
fn measure_baseline(buf: &[u8], v: ProtocolVersion, iters: u64) {
    for _ in 0..iters {
        black_box((black_box(buf), black_box(v)));
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: instr list | instr peers | instr <stream|decode|encode|baseline> <case> <v3.1.1|v5> <iterations>\n\
         \x20      instr peer <codec> <decode|encode> <case> <v3.1.1|v5> <iterations>"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("list") {
        for op in Op::ALL {
            for &case in op.cases() {
                for v in VERSIONS {
                    println!("{} {} {}", op.name(), case, version_name(v));
                }
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("peers") {
        for codec in PEERS {
            for op in [Op::Decode, Op::Encode] {
                for &case in PEER_CASES {
                    for v in VERSIONS {
                        if !(codec == "mqttrs" && v == ProtocolVersion::V5) {
                            println!("{codec} {} {case} {}", op.name(), version_name(v));
                        }
                    }
                }
            }
        }
        return;
    }
    if let [peer, codec, op, case, version, iters] = &args[..]
        && peer == "peer"
    {
        let (Some(op), Some(v), Ok(iters)) = (Op::parse(op), parse_version(version), iters.parse()) else {
            usage()
        };
        peers::run(codec, op, case, v, Measure(iters)).unwrap_or_else(|| usage());
        return;
    }
    let [op, case, version, iters] = &args[..] else { usage() };
    let Ok(iters) = iters.parse::<u64>() else { usage() };
    if op == "baseline" {
        measure_baseline(b"", ProtocolVersion::V5, iters);
        return;
    }
    let (Some(op), Some(v)) = (Op::parse(op), parse_version(version)) else { usage() };
    let mut f = Fixture::new(op, case, v);
    match op {
        Op::Stream => measure_stream(&f.buf, f.version, iters),
        Op::Decode => measure_decode(&f.buf, f.version, iters),
        Op::Encode => measure_encode(&f.packet, f.version, &mut f.buf, iters),
    }
}
