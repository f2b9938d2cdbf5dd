//! Codec benchmarks: stream decode, single decode and single encode, for MQTT 3.1.1 and 5.0.
//!
//! `cargo bench -p sansmqtt-proto --features bytes --bench codec [-- FILTER]`
//!
//! - `stream/<case>/<version>`: decode 1000 packets back to back from one buffer with
//!   `Packet::decode`, advancing by `len`, as a driver does (throughput is per packet).
//! - `decode/<case>/<version>`: decode one packet.
//! - `encode/<case>/<version>`: encode one packet into a `&mut [u8]` with `Packet::encode`.
//!
//! - `peers/<op>/<case>/<version>/<codec>`: the same packets through rumqttc, mqttbytes and
//!   mqttrs (`benches/common/peers.rs`; each checked against our wire bytes first).
//!
//! After the timings, an allocation table: the benchmark's `#[global_allocator]` counts
//! every allocation and reallocation while exactly the measured operation runs N times,
//! divided by N. Instruction counts per operation come from `benches/callgrind.sh`, which
//! runs the same cases (`benches/common`) through `examples/instr.rs`.
//! With `SANSMQTT_BENCH=allocs` only the allocation table is printed (no timings): the
//! allocation columns of `benches/callgrind.sh --peers`.

use common::peers::{self, PEER_CASES, PEERS, Visit};
use common::{Fixture, Op, VERSIONS, version_name};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::Duration;

mod common;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn benches(c: &mut Criterion) {
    for op in Op::ALL {
        let mut group = c.benchmark_group(op.name());
        group.throughput(Throughput::Elements(op.packets_per_call() as u64));
        for &case in op.cases() {
            for v in VERSIONS {
                let mut f = Fixture::new(op, case, v);
                let id = BenchmarkId::new(case, version_name(v));
                match op {
                    Op::Stream => group.bench_function(id, |b| {
                        b.iter(|| common::decode_stream(&f.buf, f.version));
                    }),
                    Op::Decode => group.bench_function(id, |b| {
                        b.iter(|| common::decode_one(&f.buf, f.version));
                    }),
                    Op::Encode => group.bench_function(id, |b| {
                        b.iter(|| common::encode_one(&f.packet, f.version, &mut f.buf));
                    }),
                };
            }
        }
        group.finish();
    }
    for op in [Op::Decode, Op::Encode] {
        let mut group = c.benchmark_group(format!("peers/{}", op.name()));
        group.throughput(Throughput::Elements(1));
        for &case in PEER_CASES {
            for v in VERSIONS {
                for codec in PEERS {
                    let id = BenchmarkId::new(format!("{case}/{}", version_name(v)), codec);
                    peers::run(codec, op, case, v, Bench(&mut group, id));
                }
            }
        }
        group.finish();
    }
}

/// Times a peer case with criterion.
struct Bench<'g, 'c>(&'g mut BenchmarkGroup<'c, WallTime>, BenchmarkId);

impl Visit for Bench<'_, '_> {
    type Out = ();
    fn visit<F: FnMut()>(self, mut f: F) {
        self.0.bench_function(self.1, |b| b.iter(&mut f));
    }
}

/// Counts the allocations and reallocations of `self.0` runs of a peer case.
struct Count(usize);

impl Visit for Count {
    type Out = usize;
    fn visit<F: FnMut()>(self, mut f: F) -> usize {
        let region = Region::new(GLOBAL);
        for _ in 0..self.0 {
            f();
        }
        let stats = region.change();
        stats.allocations + stats.reallocations
    }
}

/// Allocations (and reallocations) per operation, counted over `N` runs of exactly the
/// measured operation; the fixture is built before the counting starts.
fn allocation_table() {
    println!();
    println!("allocations per operation (counting global allocator, N runs each)");
    println!(
        "{:<8} {:<22} {:<7} {:>6} {:>12} {:>14} {:>14}",
        "op", "case", "version", "N", "allocs/op", "reallocs/op", "allocs/packet"
    );
    // The counter itself: N runs of one allocation each must count N.
    let n = 1000;
    let region = Region::new(GLOBAL);
    for i in 0..n {
        std::hint::black_box(Vec::<u8>::with_capacity(16 + i % 2));
    }
    let calibration = region.change().allocations;
    assert_eq!(calibration, n, "the counting allocator must see every allocation");
    println!(
        "{:<8} {:<22} {:<7} {:>6} {:>12.3}",
        "check",
        "Vec::with_capacity",
        "-",
        n,
        calibration as f64 / n as f64
    );
    let mut total = 0;
    for op in Op::ALL {
        let n: usize = if op == Op::Stream { 20 } else { 1000 };
        for &case in op.cases() {
            for v in VERSIONS {
                let mut f = Fixture::new(op, case, v);
                let region = Region::new(GLOBAL);
                for _ in 0..n {
                    f.run();
                }
                let stats = region.change();
                let per_op = stats.allocations as f64 / n as f64;
                let re_per_op = stats.reallocations as f64 / n as f64;
                let per_packet =
                    (stats.allocations + stats.reallocations) as f64 / (n * op.packets_per_call()) as f64;
                total += stats.allocations + stats.reallocations;
                println!(
                    "{:<8} {:<22} {:<7} {:>6} {:>12.3} {:>14.3} {:>14.5}",
                    op.name(),
                    case,
                    version_name(v),
                    n,
                    per_op,
                    re_per_op,
                    per_packet
                );
            }
        }
    }
    println!("total allocations in all measured operations: {total}");
    println!();
    println!("peers: allocations (and reallocations) per packet, same packets, N = {n}");
    println!(
        "{:<8} {:<10} {:<8} {:<22} {:<7} {:>14}",
        "alloc", "codec", "op", "case", "version", "allocs/packet"
    );
    for op in [Op::Decode, Op::Encode] {
        for &case in PEER_CASES {
            for v in VERSIONS {
                let mut f = Fixture::new(op, case, v);
                let region = Region::new(GLOBAL);
                for _ in 0..n {
                    f.run();
                }
                let ours = region.change();
                let row = |codec: &str, count: usize| {
                    println!(
                        "{:<8} {:<10} {:<8} {:<22} {:<7} {:>14.3}",
                        "alloc",
                        codec,
                        op.name(),
                        case,
                        version_name(v),
                        count as f64 / n as f64
                    );
                };
                row("sansmqtt", ours.allocations + ours.reallocations);
                for codec in PEERS {
                    if let Some(count) = peers::run(codec, op, case, v, Count(n)) {
                        row(codec, count);
                    }
                }
            }
        }
    }
}

fn main() {
    if std::env::var("SANSMQTT_BENCH").as_deref() == Ok("allocs") {
        allocation_table();
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    allocation_table();
}
