//! Storage-heavy work: write `count` values of `value_size` bytes, or read them back.
//! Keys are `twox_128("Bench") ‖ twox_128("Values") ‖ index (u32 LE)`; value `i` has byte `j`
//! equal to `(i ^ j) as u8`.

use super::Mix;
use crate::api::{StorageParams, StorageReadSummary};
use crate::host;
use alloc::vec::Vec;

fn value_key(prefix: &[u8; 32], index: u32) -> [u8; 36] {
    let mut key = [0u8; 36];
    key[..32].copy_from_slice(prefix);
    key[32..].copy_from_slice(&index.to_le_bytes());
    key
}

/// `Bench_storage_populate`: writes the values; returns how many.
pub fn populate(params: StorageParams) -> u32 {
    let prefix = host::storage_prefix(b"Bench", b"Values");
    let mut value = Vec::with_capacity(params.value_size as usize);
    for index in 0..params.count {
        value.clear();
        value.extend((0..params.value_size).map(|byte| (index ^ byte) as u8));
        host::storage_set(&value_key(&prefix, index), &value);
    }
    params.count
}

/// `Bench_storage_read`: reads values `0..count` (`value_size` is not used).
pub fn read(params: StorageParams) -> StorageReadSummary {
    let prefix = host::storage_prefix(b"Bench", b"Values");
    let mut mix = Mix::new();
    let mut summary = StorageReadSummary {
        found: 0,
        bytes: 0,
        checksum: 0,
    };
    for index in 0..params.count {
        if let Some(value) = host::storage_get(&value_key(&prefix, index)) {
            summary.found += 1;
            summary.bytes += value.len() as u64;
            mix.bytes(&value);
        }
    }
    summary.checksum = mix.value();
    summary
}
