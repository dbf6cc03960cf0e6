//! `state_db`: see `subexec_fuzz::state_db` in the library (operation sequences on the state
//! database against the in-memory backend, with crashes injected).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::state_db::run(data));
