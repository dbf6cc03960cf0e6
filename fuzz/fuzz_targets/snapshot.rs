//! `snapshot`: see `subexec_fuzz::snapshot` in the library (try-runtime snapshot files, raw
//! and well-formed with injected faults and shared subtrees).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::snapshot::run(data));
