//! Replays the checked-in `session` fuzz corpus (and any crash reproducers left in
//! `fuzz/artifacts/session`) through the fuzz body on stable Rust, so every input the fuzzer
//! kept stays a regression test.

use std::path::Path;

#[test]
fn replay_session_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for dir in ["corpus/session", "artifacts/session"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for entry in entries {
            let path = entry.expect("corpus entry").path();
            if path.is_file() {
                let data = std::fs::read(&path).expect("corpus file");
                sansmqtt_session::fuzzing::session(&data);
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no session corpus found under {}", root.display());
}
