//! Quick roundtrip over many arbitrary packets (the full property tests live in roundtrip.rs).

#[test]
fn arbitrary_packets_roundtrip() {
    let mut seed = 0x1234_5678_u64;
    for _ in 0..20_000 {
        let mut data = [0u8; 512];
        for b in &mut data {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (seed >> 56) as u8;
        }
        sansmqtt_proto::fuzzing::roundtrip(&data);
        sansmqtt_proto::fuzzing::stream(&data);
        sansmqtt_proto::fuzzing::decode(&data[..(seed as usize % 64)]);
    }
}
