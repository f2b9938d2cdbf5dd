#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sansmqtt_session::fuzzing::session(data));
