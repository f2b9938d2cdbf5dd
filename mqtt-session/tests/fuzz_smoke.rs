//! Runs the session fuzz body over many pseudo-random inputs (the corpus replay lives in
//! `corpus_replay.rs`); a quick stand-in for `cargo fuzz run session` under plain `cargo test`.

#[test]
fn session_fuzz_body_survives_pseudo_random_inputs() {
    let mut seed = 0x5EED_u64;
    for len in 0..3000usize {
        let mut data = vec![0u8; len % 700];
        for b in &mut data {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        sansmqtt_session::fuzzing::session(&data);
    }
}
