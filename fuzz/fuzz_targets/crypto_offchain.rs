//! `crypto_offchain`: see `subexec_fuzz::crypto_offchain` in the library (signature
//! verification, keystore and offchain host functions with a keystore and an offchain context).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| subexec_fuzz::crypto_offchain::run(data));
