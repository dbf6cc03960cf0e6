//! Guest-allocator ABI (RFC-0145, abi.md §3): the host never allocates. Results of unknown
//! size use "return the full length, write only if it fits": we pass a first-guess buffer
//! and call again with the exact size when the value is larger. Fixed-size results
//! (digests, roots) are written into buffers on our side.
//!
//! Choices where abi.md leaves the encoding open (documented here and in the crate docs):
//! - `ext_storage_clear_prefix_version_3(prefix, limit, cursor_in, cursor_out, counters_out)`:
//!   `limit` is a fat pointer to SCALE `Option<u32>` (as in version 2), `cursor_in` an empty
//!   fat pointer (no cursor), `cursor_out` a 128-byte buffer, `counters_out` a pointer to three
//!   little-endian `u32` (backend, unique, loops); the `i32` result is the length of the
//!   continuation cursor, 0 when everything was removed.
//! - `ext_storage_root_version_3(out)` takes no state version; the host chooses it.
//! - abi.md §3 defines no allocation-free child-trie read, root, next-key or limited
//!   removal, nor a changes root, so those calls panic in this mode (child
//!   set/clear/exists/clear_prefix/kill version 1 are shared and work).

use super::{fat, fat_mut};
use crate::api::{HashAlgorithm, KillStorageResult};
use alloc::vec;
use alloc::vec::Vec;
use codec::Encode;

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_input_read_version_1(buf: u64);
    fn ext_storage_read_version_2(key: u64, out: u64, offset: u32, allow_partial: u32) -> i64;
    fn ext_storage_next_key_version_2(key: u64, out: u64) -> u32;
    fn ext_storage_root_version_3(out: u64);
    fn ext_storage_clear_prefix_version_3(
        prefix: u64,
        limit: u64,
        cursor_in: u64,
        cursor_out: u64,
        counters_out: u32,
    ) -> u32;
    fn ext_hashing_keccak_256_version_2(data: u64, out: u32);
    fn ext_hashing_sha2_256_version_2(data: u64, out: u32);
    fn ext_hashing_blake2_128_version_2(data: u64, out: u32);
    fn ext_hashing_blake2_256_version_2(data: u64, out: u32);
    fn ext_hashing_twox_64_version_2(data: u64, out: u32);
    fn ext_hashing_twox_128_version_2(data: u64, out: u32);
    fn ext_hashing_twox_256_version_2(data: u64, out: u32);
    fn ext_misc_runtime_version_version_2(wasm: u64, out: u64) -> i64;
    fn ext_trie_blake2_256_root_version_3(input: u64, version: u32, out: u32);
    fn ext_trie_blake2_256_ordered_root_version_3(input: u64, version: u32, out: u32);
}

/// Size of the first-guess buffer for values, keys and versions of unknown length.
const FIRST_GUESS: usize = 64;

/// Decodes an "optional positive integer" (−1 absent, 0..2^32−1 a value); anything else is
/// a host bug and aborts.
fn optional_len(result: i64, function: &str) -> Option<usize> {
    match result {
        -1 => None,
        0..=0xFFFF_FFFF => Some(result as usize),
        other => panic!("{function}: invalid optional length {other}"),
    }
}

/// The call's input: allocates `len` bytes and asks the host to fill them.
pub fn read_input(len: u32) -> Vec<u8> {
    let mut input = vec![0u8; len as usize];
    // SAFETY: the host writes exactly `input.len()` bytes into the buffer we own.
    unsafe { ext_input_read_version_1(fat_mut(&mut input)) };
    input
}

/// One `ext_storage_read_version_2` call.
fn read_v2(key: &[u8], out: &mut [u8], offset: u32, allow_partial: bool) -> Option<usize> {
    // SAFETY: the host writes at most `out.len()` bytes into `out`, which we borrow mutably.
    let result =
        unsafe { ext_storage_read_version_2(fat(key), fat_mut(out), offset, allow_partial as u32) };
    optional_len(result, "ext_storage_read_version_2")
}

/// The value of `key`: a first-guess read, then a second read of the rest when it is larger.
pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    let mut value = vec![0u8; FIRST_GUESS];
    let len = read_v2(key, &mut value, 0, true)?;
    if len > FIRST_GUESS {
        value.resize(len, 0);
        let rest = read_v2(key, &mut value[FIRST_GUESS..], FIRST_GUESS as u32, false);
        if rest != Some(len - FIRST_GUESS) {
            panic!("ext_storage_read_version_2: value changed between two reads");
        }
    }
    value.truncate(len);
    Some(value)
}

/// Copies `value[offset..]` into `buf` as far as it fits; returns the bytes remaining from
/// `offset`, `None` if the key is absent (`ext_storage_read_version_2`, allow_partial = 1).
pub fn storage_read(key: &[u8], offset: u32, buf: &mut [u8]) -> Option<u32> {
    read_v2(key, buf, offset, true).map(|len| len as u32)
}

/// Removes up to `limit` backend keys under `prefix` (`ext_storage_clear_prefix_version_3`).
pub fn storage_clear_prefix_limit(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
    let limit = limit.encode();
    let mut cursor_out = [0u8; 128];
    let mut counters = [0u32; 3];
    // SAFETY: the host reads `prefix` and `limit`, writes at most 128 bytes into `cursor_out`
    // and 12 bytes into `counters`, all owned by this frame.
    let cursor_len = unsafe {
        ext_storage_clear_prefix_version_3(
            fat(prefix),
            fat(&limit),
            fat(&[]),
            fat_mut(&mut cursor_out),
            counters.as_mut_ptr() as usize as u32,
        )
    };
    let backend = u32::from_le(counters[0]);
    if cursor_len == 0 {
        KillStorageResult::AllRemoved(backend)
    } else {
        KillStorageResult::SomeRemaining(backend)
    }
}

/// The storage root (`ext_storage_root_version_3`); `version` is ignored (see module docs).
pub fn storage_root(_version: Option<u32>) -> [u8; 32] {
    let mut root = [0u8; 32];
    // SAFETY: the host writes 32 bytes into `root`.
    unsafe { ext_storage_root_version_3(fat_mut(&mut root)) };
    root
}

/// The next key after `key` (`ext_storage_next_key_version_2`).
pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; FIRST_GUESS];
    // SAFETY: the host writes the next key into `out` only if it fits.
    let len = unsafe { ext_storage_next_key_version_2(fat(key), fat_mut(&mut out)) } as usize;
    if len == 0 {
        return None;
    }
    if len > out.len() {
        out.resize(len, 0);
        // SAFETY: as above, with a buffer of the exact length.
        let again = unsafe { ext_storage_next_key_version_2(fat(key), fat_mut(&mut out)) } as usize;
        if again != len {
            panic!("ext_storage_next_key_version_2: next key changed between two calls");
        }
    }
    out.truncate(len);
    Some(out)
}

/// Hashes `data` (`ext_hashing_<algorithm>_version_2`).
pub fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; algorithm.output_len()];
    let (data, ptr) = (fat(data), out.as_mut_ptr() as usize as u32);
    // SAFETY: the host writes `output_len()` bytes at `ptr`, the buffer we own.
    unsafe {
        match algorithm {
            HashAlgorithm::Keccak256 => ext_hashing_keccak_256_version_2(data, ptr),
            HashAlgorithm::Sha2_256 => ext_hashing_sha2_256_version_2(data, ptr),
            HashAlgorithm::Blake2_128 => ext_hashing_blake2_128_version_2(data, ptr),
            HashAlgorithm::Blake2_256 => ext_hashing_blake2_256_version_2(data, ptr),
            HashAlgorithm::Twox64 => ext_hashing_twox_64_version_2(data, ptr),
            HashAlgorithm::Twox128 => ext_hashing_twox_128_version_2(data, ptr),
            HashAlgorithm::Twox256 => ext_hashing_twox_256_version_2(data, ptr),
        }
    }
    out
}

/// The SCALE `RuntimeVersion` of a wasm blob (`ext_misc_runtime_version_version_2`).
pub fn runtime_version(wasm: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; 4 * FIRST_GUESS];
    // SAFETY: the host writes the version into `out` only if it fits.
    let result = unsafe { ext_misc_runtime_version_version_2(fat(wasm), fat_mut(&mut out)) };
    let len = optional_len(result, "ext_misc_runtime_version_version_2")?;
    if len > out.len() {
        out.resize(len, 0);
        // SAFETY: as above, with a buffer of the exact length.
        let again = unsafe { ext_misc_runtime_version_version_2(fat(wasm), fat_mut(&mut out)) };
        if optional_len(again, "ext_misc_runtime_version_version_2") != Some(len) {
            panic!("ext_misc_runtime_version_version_2: length changed between two calls");
        }
    }
    out.truncate(len);
    Some(out)
}

/// Trie root of a SCALE `Vec<(Vec<u8>, Vec<u8>)>` (`trie_blake2_256_root_version_3`).
pub fn trie_root(encoded_entries: &[u8], version: Option<u32>) -> [u8; 32] {
    let mut root = [0u8; 32];
    // SAFETY: the host reads the input and writes 32 bytes into `root`.
    unsafe {
        ext_trie_blake2_256_root_version_3(
            fat(encoded_entries),
            version.unwrap_or(0),
            root.as_mut_ptr() as usize as u32,
        )
    };
    root
}

/// Ordered trie root of a SCALE `Vec<Vec<u8>>` (`trie_blake2_256_ordered_root_version_3`).
pub fn trie_ordered_root(encoded_values: &[u8], version: Option<u32>) -> [u8; 32] {
    let mut root = [0u8; 32];
    // SAFETY: the host reads the input and writes 32 bytes into `root`.
    unsafe {
        ext_trie_blake2_256_ordered_root_version_3(
            fat(encoded_values),
            version.unwrap_or(0),
            root.as_mut_ptr() as usize as u32,
        )
    };
    root
}

/// Copies `data` through a buffer of the guest allocator.
pub fn allocator_round_trip(data: &[u8]) -> Vec<u8> {
    let buffer = core::hint::black_box(data.to_vec());
    buffer.as_slice().to_vec()
}

/// Not available in this mode (see module docs).
pub fn child_get(_storage_key: &[u8], _key: &[u8]) -> Option<Vec<u8>> {
    unsupported("ChildGet")
}

/// Not available in this mode (see module docs).
pub fn child_read(_storage_key: &[u8], _key: &[u8], _offset: u32, _buf: &mut [u8]) -> Option<u32> {
    unsupported("ChildRead")
}

/// Not available in this mode (see module docs).
pub fn child_root(_storage_key: &[u8], _version: Option<u32>) -> Vec<u8> {
    unsupported("ChildRoot")
}

/// Not available in this mode (see module docs).
pub fn child_clear_prefix_limit(
    _storage_key: &[u8],
    _prefix: &[u8],
    _limit: Option<u32>,
) -> KillStorageResult {
    unsupported("ChildClearPrefixLimit")
}

/// Not available in this mode (see module docs).
pub fn child_kill_limit(_storage_key: &[u8], _limit: Option<u32>) -> bool {
    unsupported("ChildKillLimit")
}

/// Not available in this mode (see module docs).
pub fn child_kill_limit_result(_storage_key: &[u8], _limit: Option<u32>) -> KillStorageResult {
    unsupported("ChildKillLimit")
}

/// Not available in this mode: changes tries are gone and abi.md §3 has no version of it.
pub fn storage_changes_root(_parent_hash: &[u8]) -> Option<Vec<u8>> {
    unsupported("StorageChangesRoot")
}

/// Not available in this mode (see module docs).
pub fn child_next_key(_storage_key: &[u8], _key: &[u8]) -> Option<Vec<u8>> {
    unsupported("ChildNextKey")
}

fn unsupported(call: &str) -> ! {
    panic!("{call} is not supported in guest-allocator mode")
}
