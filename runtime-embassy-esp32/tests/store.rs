//! The flash store under power cuts: a real session journals a workload (publishes at QoS 1
//! and 2 with their acks, incoming QoS 2 messages, a subscription) into a `FlashStore` on a
//! simulated NOR flash small enough to be compacted several times; then the same store
//! operations are replayed with the power cut at every single flash write or erase (the
//! interrupted one half done, nothing after it). After each cut the store is opened again and
//! what it holds must restore to the state before or after the interrupted operation — never
//! anything else, never an error. The same on a `RamFlash` region across a "deep sleep".

use embassy_futures::block_on;
use embedded_storage_async::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use sansmqtt_embassy::StoreError;
use sansmqtt_embassy::sansmqtt_session::{Config, Instant, Outgoing, Session, persist::complete_prefix};
use sansmqtt_embassy::store::{FlashStore, RamFlash};
use sansmqtt_proto::{Ack, Delivery, Packet, PacketId, ProtocolVersion, Publish, QoS, Status, TopicName};

const SECTOR: usize = 256;

/// NOR flash in memory whose power goes off after `cut` operations (the cut one half done).
struct SimFlash {
    mem: Vec<u8>,
    ops: usize,
    cut: Option<usize>,
}

impl SimFlash {
    fn new(size: usize, cut: Option<usize>) -> Self {
        Self { mem: vec![0xFF; size], ops: 0, cut }
    }

    /// Whether this operation happens, and whether only half of it.
    fn power(&mut self) -> (bool, bool) {
        self.ops += 1;
        match self.cut {
            Some(c) if self.ops > c + 1 => (false, false),
            Some(c) if self.ops == c + 1 => (true, true),
            _ => (true, false),
        }
    }
}

impl ErrorType for SimFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for SimFlash {
    const READ_SIZE: usize = 1;
    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        bytes.copy_from_slice(self.mem.get(at..at + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?);
        Ok(())
    }
    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl NorFlash for SimFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR;
    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        assert!(
            (from as usize).is_multiple_of(SECTOR) && (to as usize).is_multiple_of(SECTOR),
            "unaligned erase"
        );
        let (on, half) = self.power();
        if on {
            let end = if half { (from + (to - from) / 2) as usize } else { to as usize };
            self.mem[from as usize..end].fill(0xFF);
        }
        Ok(())
    }
    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        assert!(offset.is_multiple_of(4) && bytes.len().is_multiple_of(4), "unaligned write");
        let (on, half) = self.power();
        if on {
            let n = if half { bytes.len() / 2 } else { bytes.len() };
            for (d, s) in self.mem[offset as usize..].iter_mut().zip(&bytes[..n]) {
                assert!(*d & *s == *s || *d == 0xFF, "a write over programmed bits");
                *d &= *s;
            }
        }
        Ok(())
    }
}

/// One store operation of the reference run.
#[derive(Clone)]
enum Op {
    Append(Vec<u8>),
    Replace(Vec<u8>),
}

fn config() -> Config {
    let mut c = Config::new(ProtocolVersion::V5, "dev-1");
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c
}

/// The state `log` restores to, as a snapshot (empty: nothing stored).
fn canonical(log: &[u8]) -> Vec<u8> {
    if log.is_empty() {
        return Vec::new();
    }
    let (s, _) = Session::restore(config(), log).expect("a stored state restores");
    let mut out = Vec::new();
    s.snapshot(&mut out);
    out
}

/// Drive a session through a workload against a scripted broker, journaling into a store as a
/// driver does (records before transmitting; a snapshot when the store is full). Returns the
/// store operations in order.
fn reference_run() -> Vec<Op> {
    let mut ops = Vec::new();
    let mut s = Session::new(config());
    let mut rx = s.new_recv_buffer();
    let mut snapshot = Vec::new();
    s.start_journal(&mut snapshot);
    ops.push(Op::Replace(snapshot));
    let now = Instant::ZERO;
    s.connect(now).expect("connect");
    let _ = s.poll_action();
    s.handle_connected(now);
    let v = ProtocolVersion::V5;
    let mut wire = Vec::new();
    let mut log_len = 0usize;
    let mut step = |s: &mut Session, rx: &mut _, input: Option<Packet<'_>>, ops: &mut Vec<Op>| {
        if let Some(p) = input {
            let mut bytes = Vec::new();
            p.encode_to_vec(v, &mut bytes).expect("encodes");
            assert_eq!(s.handle_data(now, rx, &bytes), bytes.len());
        }
        while s.poll_event(rx).is_some() {}
        let mut records = Vec::new();
        if s.poll_store(&mut records) {
            log_len += records.len();
            // A small store: compact when the records outgrow it.
            if log_len > 1200 {
                let mut snap = Vec::new();
                s.snapshot(&mut snap);
                log_len = snap.len();
                ops.push(Op::Replace(snap));
            } else {
                ops.push(Op::Append(records));
            }
        }
        let mut buf = [0u8; 512];
        loop {
            let n = s.poll_transmit(now, &mut buf);
            if n == 0 {
                break;
            }
            wire.extend_from_slice(&buf[..n]);
        }
        let mut sent = Vec::new();
        while let Ok(Status::Complete(d)) = Packet::decode(&wire, v) {
            sent.push(d.packet.into_owned());
            wire.drain(..d.len);
        }
        sent
    };
    step(&mut s, &mut rx, None, &mut ops);
    step(
        &mut s,
        &mut rx,
        Some(Packet::ConnAck(sansmqtt_proto::ConnAck {
            session_present: false,
            reason: sansmqtt_proto::ReasonCode::Success,
            properties: Default::default(),
        })),
        &mut ops,
    );
    let id = |n: u16| PacketId::new(n).expect("non-zero");
    for i in 0..24u16 {
        let qos = if i % 2 == 0 { QoS::AtLeastOnce } else { QoS::ExactlyOnce };
        let payload = vec![i as u8; 40];
        s.publish(now, &Outgoing::new("sensors/t", &payload, qos)).expect("publish");
        let sent = step(&mut s, &mut rx, None, &mut ops);
        // Acks for some, later; an incoming QoS 2 message every few.
        for p in sent {
            if let Packet::Publish(p) = p {
                let pid = p.packet_id().expect("QoS > 0");
                if i % 3 != 0 {
                    let ack = if p.qos() == QoS::AtLeastOnce {
                        Packet::PubAck(Ack::new(pid))
                    } else {
                        Packet::PubRec(Ack::new(pid))
                    };
                    for p in step(&mut s, &mut rx, Some(ack), &mut ops) {
                        if let Packet::PubRel(a) = p {
                            step(&mut s, &mut rx, Some(Packet::PubComp(Ack::new(a.packet_id))), &mut ops);
                        }
                    }
                }
            }
        }
        if i % 4 == 1 {
            let mut m = Publish::new(TopicName::new("cmd").expect("topic"), b"do");
            m.delivery = Delivery::ExactlyOnce(id(100 + i));
            step(&mut s, &mut rx, Some(Packet::Publish(m)), &mut ops);
            if i % 8 == 1 {
                step(&mut s, &mut rx, Some(Packet::PubRel(Ack::new(id(100 + i)))), &mut ops);
            }
        }
    }
    ops
}

/// Apply `ops` to a store on `flash`; stop at the first error (the power went off).
fn apply(flash: SimFlash, ops: &[Op]) -> SimFlash {
    block_on(async {
        let mut store = FlashStore::open(flash).await.expect("open");
        for op in ops {
            let r = match op {
                Op::Append(b) => store.append(b).await,
                Op::Replace(b) => store.replace(b).await,
            };
            assert_ne!(r, Err(StoreError::Full), "the reference run compacts before the store fills");
            r.expect("store operation");
        }
        store.into_inner()
    })
}

fn load(flash: SimFlash) -> Vec<u8> {
    block_on(async {
        let mut store = FlashStore::open(flash).await.expect("open after a power cut");
        let mut out = Vec::new();
        store.load(&mut out).await.expect("load");
        out.truncate(complete_prefix(&out));
        out
    })
}

#[test]
fn a_power_cut_at_every_flash_write_leaves_the_state_before_or_after() {
    let ops = reference_run();
    let replaces = ops.iter().filter(|o| matches!(o, Op::Replace(_))).count();
    assert!(replaces >= 3, "the workload compacts the store ({replaces} replaces)");
    // The logical contents after each operation, and the flash operations each one took.
    let mut contents = vec![Vec::new()];
    let mut counts = Vec::new();
    let mut flash = SimFlash::new(8 * SECTOR * 2, None);
    for (i, op) in ops.iter().enumerate() {
        let before = flash.ops;
        flash = apply(flash, &ops[i..=i]);
        counts.push(flash.ops - before);
        let mut next = contents.last().cloned().unwrap_or_default();
        match op {
            Op::Append(b) => next.extend_from_slice(b),
            Op::Replace(b) => next.clone_from(b),
        }
        contents.push(next);
    }
    assert_eq!(canonical(&load(flash)), canonical(contents.last().unwrap()), "the uncut run");
    let canon: Vec<Vec<u8>> = contents.iter().map(|c| canonical(c)).collect();
    let total: usize = counts.iter().sum();
    let mut op_of_cut = Vec::new();
    for (i, &n) in counts.iter().enumerate() {
        op_of_cut.extend(std::iter::repeat_n(i, n));
    }
    for (cut, &i) in op_of_cut.iter().enumerate() {
        // Operations before `i` ran whole; `i` is cut at its `cut`-th flash operation.
        let flash = apply(SimFlash::new(8 * SECTOR * 2, Some(cut)), &ops);
        let got = canonical(&load(SimFlash { mem: flash.mem, ops: 0, cut: None }));
        assert!(
            got == canon[i] || got == canon[i + 1],
            "power cut at flash operation {cut} (store operation {i}): neither the state before nor after it"
        );
    }
    eprintln!("{} store operations, {total} flash operations, each cut once", ops.len());
}

#[test]
fn a_ram_region_keeps_the_session_across_a_deep_sleep() {
    let mut rtc = vec![0x5Au8; 4096]; // what RAM holds at the first cold boot
    let ops = reference_run();
    let expected = {
        let mut log = Vec::new();
        for op in &ops {
            match op {
                Op::Append(b) => log.extend_from_slice(b),
                Op::Replace(b) => log.clone_from(b),
            }
        }
        canonical(&log)
    };
    block_on(async {
        let mut store = FlashStore::open(RamFlash::new(&mut rtc)).await.expect("open");
        let mut none = Vec::new();
        store.load(&mut none).await.expect("load");
        assert!(none.is_empty(), "a region never written holds no session");
        for op in &ops {
            match op {
                Op::Append(b) => store.append(b).await.expect("append"),
                Op::Replace(b) => store.replace(b).await.expect("replace"),
            }
        }
    });
    // Deep sleep: only the region survives.
    let got = block_on(async {
        let mut store = FlashStore::open(RamFlash::new(&mut rtc)).await.expect("open after waking");
        let mut out = Vec::new();
        store.load(&mut out).await.expect("load");
        out
    });
    assert_eq!(canonical(&got), expected);
    let (session, tokens) = Session::restore(config(), &got).expect("restores");
    assert!(session.inflight() > 0 && !tokens.is_empty(), "the workload leaves flows in flight");
}
