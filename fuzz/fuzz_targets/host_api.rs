//! `host_api`: host calls with arbitrary pointers, lengths and values. An input whose first
//! byte is even drives the generated raw interpreter (`raw_host_calls`), an odd one the
//! runtime-guest `HostApi_run` entry (`host_script`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((selector, rest)) if selector & 1 == 0 => subexec_fuzz::raw_host_calls::run(rest),
        Some((_, rest)) => subexec_fuzz::host_script::run(rest),
        None => {}
    }
});
