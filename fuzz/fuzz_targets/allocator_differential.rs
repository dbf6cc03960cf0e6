//! `allocator_differential`: see `subexec_fuzz::allocator_diff` in the library for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::allocator_diff::run_bytes(data));
