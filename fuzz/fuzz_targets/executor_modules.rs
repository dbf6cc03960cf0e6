//! `executor_modules`: see `subexec_fuzz::smith` in the library for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::smith::run(data));
