//! `host_api`: see `subexec_fuzz::host_api` in the library for the dispatch between the raw
//! interpreters (classic and guest-allocator) and the runtime-guest `HostApi_run` scripts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::host_api::run(data));
