//! `blob_loading`: see `subexec_fuzz::blob_input` in the library for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::blob_input::run(data));
