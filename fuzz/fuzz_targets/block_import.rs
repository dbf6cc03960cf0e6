//! `block_import`: see `subexec_fuzz::block_import` in the library (mutated real Westend
//! blocks imported on the real Westend state).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::block_import::run(data));
