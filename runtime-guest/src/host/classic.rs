//! Classic ABI (abi.md §2): functions that return data allocate it with the host allocator
//! and hand back a fat pointer (or an `i32` pointer for fixed-size digests); the runtime takes
//! ownership and frees it with `ext_allocator_free_version_1`.
//!
//! Variable-size results become a `Vec<u8>` that owns the host allocation (`Vec::from_raw_parts`),
//! which is sound because the classic global allocator *is* the host allocator and serves
//! alignment-1 layouts without a shim (see `allocator::classic`). Dropping the `Vec` frees it.

use super::{fat, fat_mut};
use crate::api::{HashAlgorithm, KillStorageResult};
use alloc::vec::Vec;
use codec::{Decode, Encode};

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_allocator_malloc_version_1(size: u32) -> u32;
    fn ext_allocator_free_version_1(ptr: u32);
    fn ext_storage_get_version_1(key: u64) -> u64;
    fn ext_storage_read_version_1(key: u64, out: u64, offset: u32) -> u64;
    fn ext_storage_clear_prefix_version_2(prefix: u64, limit: u64) -> u64;
    fn ext_storage_root_version_1() -> u64;
    fn ext_storage_root_version_2(version: u32) -> u64;
    fn ext_storage_next_key_version_1(key: u64) -> u64;
    fn ext_hashing_keccak_256_version_1(data: u64) -> u32;
    fn ext_hashing_sha2_256_version_1(data: u64) -> u32;
    fn ext_hashing_blake2_128_version_1(data: u64) -> u32;
    fn ext_hashing_blake2_256_version_1(data: u64) -> u32;
    fn ext_hashing_twox_64_version_1(data: u64) -> u32;
    fn ext_hashing_twox_128_version_1(data: u64) -> u32;
    fn ext_hashing_twox_256_version_1(data: u64) -> u32;
    fn ext_misc_runtime_version_version_1(wasm: u64) -> u64;
    fn ext_trie_blake2_256_root_version_1(input: u64) -> u32;
    fn ext_trie_blake2_256_root_version_2(input: u64, version: u32) -> u32;
    fn ext_trie_blake2_256_ordered_root_version_1(input: u64) -> u32;
    fn ext_trie_blake2_256_ordered_root_version_2(input: u64, version: u32) -> u32;
    fn ext_default_child_storage_get_version_1(storage_key: u64, key: u64) -> u64;
    fn ext_default_child_storage_read_version_1(
        storage_key: u64,
        key: u64,
        out: u64,
        offset: u32,
    ) -> u64;
    fn ext_default_child_storage_root_version_1(storage_key: u64) -> u64;
    fn ext_default_child_storage_root_version_2(storage_key: u64, version: u32) -> u64;
    fn ext_default_child_storage_clear_prefix_version_2(
        storage_key: u64,
        prefix: u64,
        limit: u64,
    ) -> u64;
    fn ext_default_child_storage_storage_kill_version_2(storage_key: u64, limit: u64) -> u32;
    fn ext_default_child_storage_storage_kill_version_3(storage_key: u64, limit: u64) -> u64;
    fn ext_storage_changes_root_version_1(parent_hash: u64) -> u64;
    fn ext_default_child_storage_next_key_version_1(storage_key: u64, key: u64) -> u64;
}

/// Allocates `size` bytes with the host allocator (8-byte aligned; the host traps on failure).
pub(crate) fn host_malloc(size: u32) -> *mut u8 {
    // SAFETY: plain host call; the result is either a fresh allocation or 0.
    unsafe { ext_allocator_malloc_version_1(size) as usize as *mut u8 }
}

/// Frees a pointer obtained from [`host_malloc`] (or from a host function result).
pub(crate) fn host_free(ptr: *mut u8) {
    // SAFETY: the caller passes a live host allocation it owns.
    unsafe { ext_allocator_free_version_1(ptr as usize as u32) }
}

/// Splits a fat pointer into `(ptr, len)`.
fn unpack(fat: u64) -> (usize, usize) {
    ((fat & 0xFFFF_FFFF) as usize, (fat >> 32) as usize)
}

/// Takes ownership of a host-allocated `(ptr, len)` result.
fn take_bytes(result: u64) -> Vec<u8> {
    let (ptr, len) = unpack(result);
    if len == 0 {
        if ptr != 0 {
            host_free(ptr as *mut u8);
        }
        return Vec::new();
    }
    // SAFETY: the host allocated exactly this buffer with the allocator that backs our global
    // allocator for alignment-1 layouts and handed ownership to us (abi.md §2); we never use
    // the pointer again. A capacity of `len` is within the chunk the host allocated.
    unsafe { Vec::from_raw_parts(ptr as *mut u8, len, len) }
}

/// Takes ownership of a host-allocated SCALE value and decodes it.
fn take_decoded<T: Decode>(result: u64, function: &str) -> T {
    let bytes = take_bytes(result);
    match T::decode(&mut &bytes[..]) {
        Ok(value) => value,
        Err(_) => panic!("{function}: host returned an invalid SCALE value"),
    }
}

/// Copies `len` bytes from a host-allocated `i32` pointer result and frees it.
fn take_fixed(ptr: u32, len: usize) -> Vec<u8> {
    let ptr = ptr as usize as *mut u8;
    // SAFETY: the host allocated at least `len` bytes at `ptr` and gave them to us.
    let out = unsafe { core::slice::from_raw_parts(ptr, len) }.to_vec();
    host_free(ptr);
    out
}

/// Copies a 32-byte digest from a host result.
fn to_hash(bytes: &[u8], function: &str) -> [u8; 32] {
    match <[u8; 32]>::try_from(bytes) {
        Ok(hash) => hash,
        Err(_) => panic!("{function}: host returned {} bytes, not 32", bytes.len()),
    }
}

/// The value of `key` (`ext_storage_get_version_1`).
pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads the key slice only.
    let result = unsafe { ext_storage_get_version_1(fat(key)) };
    take_decoded(result, "ext_storage_get_version_1")
}

/// Copies `value[offset..]` into `buf` as far as it fits; returns the bytes remaining from
/// `offset` (`ext_storage_read_version_1`), `None` if the key is absent.
pub fn storage_read(key: &[u8], offset: u32, buf: &mut [u8]) -> Option<u32> {
    // SAFETY: the host writes at most `buf.len()` bytes into `buf`, which we borrow mutably.
    let result = unsafe { ext_storage_read_version_1(fat(key), fat_mut(buf), offset) };
    take_decoded(result, "ext_storage_read_version_1")
}

/// Removes up to `limit` backend keys under `prefix` (`ext_storage_clear_prefix_version_2`).
pub fn storage_clear_prefix_limit(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
    let limit = limit.encode();
    // SAFETY: the host reads both slices only.
    let result = unsafe { ext_storage_clear_prefix_version_2(fat(prefix), fat(&limit)) };
    take_decoded(result, "ext_storage_clear_prefix_version_2")
}

/// The storage root: `storage_root_version_1` or `storage_root_version_2(version)`.
pub fn storage_root(version: Option<u32>) -> [u8; 32] {
    // SAFETY: argument-free (or integer-only) host calls returning an owned buffer.
    let result = unsafe {
        match version {
            None => ext_storage_root_version_1(),
            Some(version) => ext_storage_root_version_2(version),
        }
    };
    to_hash(&take_bytes(result), "ext_storage_root")
}

/// The next key after `key` (`ext_storage_next_key_version_1`).
pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads the key slice only.
    let result = unsafe { ext_storage_next_key_version_1(fat(key)) };
    take_decoded(result, "ext_storage_next_key_version_1")
}

/// Hashes `data` (`ext_hashing_<algorithm>_version_1`).
pub fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    let data = fat(data);
    // SAFETY: the host reads the data slice and returns a fresh digest allocation.
    let ptr = unsafe {
        match algorithm {
            HashAlgorithm::Keccak256 => ext_hashing_keccak_256_version_1(data),
            HashAlgorithm::Sha2_256 => ext_hashing_sha2_256_version_1(data),
            HashAlgorithm::Blake2_128 => ext_hashing_blake2_128_version_1(data),
            HashAlgorithm::Blake2_256 => ext_hashing_blake2_256_version_1(data),
            HashAlgorithm::Twox64 => ext_hashing_twox_64_version_1(data),
            HashAlgorithm::Twox128 => ext_hashing_twox_128_version_1(data),
            HashAlgorithm::Twox256 => ext_hashing_twox_256_version_1(data),
        }
    };
    take_fixed(ptr, algorithm.output_len())
}

/// The SCALE `RuntimeVersion` of a wasm blob (`ext_misc_runtime_version_version_1`).
pub fn runtime_version(wasm: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads the blob slice only.
    let result = unsafe { ext_misc_runtime_version_version_1(fat(wasm)) };
    take_decoded(result, "ext_misc_runtime_version_version_1")
}

/// Trie root of a SCALE `Vec<(Vec<u8>, Vec<u8>)>` (`trie_blake2_256_root_version_1/2`).
pub fn trie_root(encoded_entries: &[u8], version: Option<u32>) -> [u8; 32] {
    // SAFETY: the host reads the input slice and returns a 32-byte allocation.
    let ptr = unsafe {
        match version {
            None => ext_trie_blake2_256_root_version_1(fat(encoded_entries)),
            Some(version) => ext_trie_blake2_256_root_version_2(fat(encoded_entries), version),
        }
    };
    to_hash(&take_fixed(ptr, 32), "ext_trie_blake2_256_root")
}

/// Ordered trie root of a SCALE `Vec<Vec<u8>>` (`trie_blake2_256_ordered_root_version_1/2`).
pub fn trie_ordered_root(encoded_values: &[u8], version: Option<u32>) -> [u8; 32] {
    // SAFETY: the host reads the input slice and returns a 32-byte allocation.
    let ptr = unsafe {
        match version {
            None => ext_trie_blake2_256_ordered_root_version_1(fat(encoded_values)),
            Some(version) => {
                ext_trie_blake2_256_ordered_root_version_2(fat(encoded_values), version)
            }
        }
    };
    to_hash(&take_fixed(ptr, 32), "ext_trie_blake2_256_ordered_root")
}

/// Copies `data` through a buffer from `ext_allocator_malloc_version_1`, then frees it.
pub fn allocator_round_trip(data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    let ptr = host_malloc(len);
    if ptr.is_null() {
        panic!("ext_allocator_malloc_version_1 returned a null pointer");
    }
    // SAFETY: `ptr` is a fresh host allocation of at least `data.len()` bytes (the host traps
    // rather than return less), disjoint from `data`.
    let copy = unsafe {
        core::ptr::copy_nonoverlapping(data.as_ptr(), ptr, data.len());
        core::slice::from_raw_parts(ptr, data.len()).to_vec()
    };
    host_free(ptr);
    copy
}

/// The value of `key` in a child trie (`ext_default_child_storage_get_version_1`).
pub fn child_get(storage_key: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads both slices only.
    let result = unsafe { ext_default_child_storage_get_version_1(fat(storage_key), fat(key)) };
    take_decoded(result, "ext_default_child_storage_get_version_1")
}

/// Partial read in a child trie (`ext_default_child_storage_read_version_1`).
pub fn child_read(storage_key: &[u8], key: &[u8], offset: u32, buf: &mut [u8]) -> Option<u32> {
    // SAFETY: the host writes at most `buf.len()` bytes into `buf`, which we borrow mutably.
    let result = unsafe {
        ext_default_child_storage_read_version_1(fat(storage_key), fat(key), fat_mut(buf), offset)
    };
    take_decoded(result, "ext_default_child_storage_read_version_1")
}

/// Root of a child trie (`ext_default_child_storage_root_version_1` or `_version_2`).
pub fn child_root(storage_key: &[u8], version: Option<u32>) -> Vec<u8> {
    // SAFETY: the host reads the storage key only and returns an owned buffer.
    take_bytes(unsafe {
        match version {
            None => ext_default_child_storage_root_version_1(fat(storage_key)),
            Some(version) => ext_default_child_storage_root_version_2(fat(storage_key), version),
        }
    })
}

/// Removes up to `limit` keys under `prefix` in a child trie
/// (`ext_default_child_storage_clear_prefix_version_2`).
pub fn child_clear_prefix_limit(
    storage_key: &[u8],
    prefix: &[u8],
    limit: Option<u32>,
) -> KillStorageResult {
    let limit = limit.encode();
    // SAFETY: the host reads the three slices only.
    let result = unsafe {
        ext_default_child_storage_clear_prefix_version_2(fat(storage_key), fat(prefix), fat(&limit))
    };
    take_decoded(result, "ext_default_child_storage_clear_prefix_version_2")
}

/// Removes up to `limit` keys of a child trie; whether all were removed
/// (`ext_default_child_storage_storage_kill_version_2`).
pub fn child_kill_limit(storage_key: &[u8], limit: Option<u32>) -> bool {
    let limit = limit.encode();
    // SAFETY: the host reads both slices only.
    unsafe { ext_default_child_storage_storage_kill_version_2(fat(storage_key), fat(&limit)) == 1 }
}

/// Removes up to `limit` keys of a child trie
/// (`ext_default_child_storage_storage_kill_version_3`).
pub fn child_kill_limit_result(storage_key: &[u8], limit: Option<u32>) -> KillStorageResult {
    let limit = limit.encode();
    // SAFETY: the host reads both slices only.
    let result =
        unsafe { ext_default_child_storage_storage_kill_version_3(fat(storage_key), fat(&limit)) };
    take_decoded(result, "ext_default_child_storage_storage_kill_version_3")
}

/// The changes-trie root (`ext_storage_changes_root_version_1`).
pub fn storage_changes_root(parent_hash: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads the slice only.
    let result = unsafe { ext_storage_changes_root_version_1(fat(parent_hash)) };
    take_decoded(result, "ext_storage_changes_root_version_1")
}

/// Next key in a child trie (`ext_default_child_storage_next_key_version_1`).
pub fn child_next_key(storage_key: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the host reads both slices only.
    let result =
        unsafe { ext_default_child_storage_next_key_version_1(fat(storage_key), fat(key)) };
    take_decoded(result, "ext_default_child_storage_next_key_version_1")
}
