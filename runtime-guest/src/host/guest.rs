//! Guest-allocator ABI (RFC-0145, abi.md §3): the host never allocates. Results of unknown
//! size use "return the full length, write only if it fits": we pass a first-guess buffer
//! and call again with the exact size when the value is larger. Fixed-size results
//! (digests, roots) are written into buffers on our side.
//!
//! Choices where abi.md leaves the encoding open (documented here and in `docs/MODES.md`):
//! - `ext_storage_clear_prefix_version_3(prefix, limit, cursor_in, cursor_out, counters_out)`
//!   and its child forms (`ext_default_child_storage_clear_prefix_version_3`,
//!   `ext_default_child_storage_storage_kill_version_4`, with the child storage key first):
//!   `limit` is an i64 optional integer (−1 = no limit, abi.md §3), `cursor_in` all ones (no
//!   cursor: every removal here starts from the first key, like version 2),
//!   `cursor_out` a 128-byte buffer, `counters_out` a pointer to three little-endian `u32`
//!   (backend, unique, loops); the `i32` result is the length of the continuation cursor,
//!   0 when everything was removed.
//! - `ext_storage_root_version_3(out)` and `ext_default_child_storage_root_version_3(key,
//!   out)` take no state version; the host chooses it (this runtime's `system_version`, V1).
//! - The changes root has no RFC-0145 form (changes tries are gone), so that call panics in
//!   this mode.

use super::{fat, fat_mut};
use crate::api::{HashAlgorithm, KillStorageResult};
use alloc::vec;
use alloc::vec::Vec;

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_input_read_version_1(buf: u64);
    fn ext_storage_read_version_2(key: u64, out: u64, offset: u32, allow_partial: u32) -> i64;
    fn ext_storage_next_key_version_2(key: u64, out: u64) -> u32;
    fn ext_storage_root_version_3(out: u64);
    fn ext_storage_clear_prefix_version_3(
        prefix: u64,
        limit: i64,
        cursor_in: u64,
        cursor_out: u64,
        counters_out: u32,
    ) -> u32;
    fn ext_default_child_storage_read_version_2(
        storage_key: u64,
        key: u64,
        out: u64,
        offset: u32,
        allow_partial: u32,
    ) -> i64;
    fn ext_default_child_storage_next_key_version_2(storage_key: u64, key: u64, out: u64) -> u32;
    fn ext_default_child_storage_root_version_3(storage_key: u64, out: u64);
    fn ext_default_child_storage_clear_prefix_version_3(
        storage_key: u64,
        prefix: u64,
        limit: i64,
        cursor_in: u64,
        cursor_out: u64,
        counters_out: u32,
    ) -> u32;
    fn ext_default_child_storage_storage_kill_version_4(
        storage_key: u64,
        limit: i64,
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

/// The trie a storage function works on: the main trie or a default child trie (by its
/// unprefixed storage key).
#[derive(Clone, Copy)]
enum Trie<'a> {
    Main,
    Child(&'a [u8]),
}

/// One `ext_storage_read_version_2` (or child `read_version_2`) call.
fn read_v2(
    trie: Trie<'_>,
    key: &[u8],
    out: &mut [u8],
    offset: u32,
    allow_partial: bool,
) -> Option<usize> {
    let partial = allow_partial as u32;
    // SAFETY: the host writes at most `out.len()` bytes into `out`, which we borrow mutably,
    // and only reads the other slices.
    let result = unsafe {
        match trie {
            Trie::Main => ext_storage_read_version_2(fat(key), fat_mut(out), offset, partial),
            Trie::Child(storage_key) => ext_default_child_storage_read_version_2(
                fat(storage_key),
                fat(key),
                fat_mut(out),
                offset,
                partial,
            ),
        }
    };
    optional_len(result, "ext_storage_read_version_2")
}

/// The value of `key`: a first-guess read, then a second read of the rest when it is larger.
fn get(trie: Trie<'_>, key: &[u8]) -> Option<Vec<u8>> {
    let mut value = vec![0u8; FIRST_GUESS];
    let len = read_v2(trie, key, &mut value, 0, true)?;
    if len > FIRST_GUESS {
        value.resize(len, 0);
        let rest = read_v2(trie, key, &mut value[FIRST_GUESS..], FIRST_GUESS as u32, false);
        if rest != Some(len - FIRST_GUESS) {
            panic!("ext_storage_read_version_2: value changed between two reads");
        }
    }
    value.truncate(len);
    Some(value)
}

/// The value of `key` in the main trie.
pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    get(Trie::Main, key)
}

/// Copies `value[offset..]` into `buf` as far as it fits; returns the bytes remaining from
/// `offset`, `None` if the key is absent (`ext_storage_read_version_2`, allow_partial = 1).
pub fn storage_read(key: &[u8], offset: u32, buf: &mut [u8]) -> Option<u32> {
    read_v2(Trie::Main, key, buf, offset, true).map(|len| len as u32)
}

/// Where a limited removal works: a prefix of a trie, or a whole child trie.
enum Removal<'a> {
    Prefix(Trie<'a>, &'a [u8]),
    ChildKill(&'a [u8]),
}

/// One removal (`clear_prefix` version 3 or child `storage_kill` version 4) from the first
/// key, with the result in version 2's form (`AllRemoved`/`SomeRemaining` of the keys visited).
fn remove(removal: Removal<'_>, limit: Option<u32>) -> KillStorageResult {
    let limit = limit.map_or(-1, i64::from);
    let no_cursor = u64::MAX;
    let mut cursor_out = [0u8; 128];
    let mut counters = [0u32; 3];
    let (out, counts) = (fat_mut(&mut cursor_out), counters.as_mut_ptr() as usize as u32);
    // SAFETY: the host reads the slices, writes at most 128 bytes into `cursor_out` and 12
    // bytes into `counters`, all owned by this frame.
    let cursor_len = unsafe {
        match removal {
            Removal::Prefix(Trie::Main, prefix) => {
                ext_storage_clear_prefix_version_3(fat(prefix), limit, no_cursor, out, counts)
            }
            Removal::Prefix(Trie::Child(storage_key), prefix) => {
                ext_default_child_storage_clear_prefix_version_3(
                    fat(storage_key),
                    fat(prefix),
                    limit,
                    no_cursor,
                    out,
                    counts,
                )
            }
            Removal::ChildKill(storage_key) => ext_default_child_storage_storage_kill_version_4(
                fat(storage_key),
                limit,
                no_cursor,
                out,
                counts,
            ),
        }
    };
    // Version 2's `KillStorageResult` carries the loop count, not the backend count
    // (sp-io's `From<MultiRemovalResults>`), so that is what the classic build returns too.
    let loops = u32::from_le(counters[2]);
    if cursor_len == 0 {
        KillStorageResult::AllRemoved(loops)
    } else {
        KillStorageResult::SomeRemaining(loops)
    }
}

/// Removes up to `limit` backend keys under `prefix` (`ext_storage_clear_prefix_version_3`).
pub fn storage_clear_prefix_limit(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
    remove(Removal::Prefix(Trie::Main, prefix), limit)
}

/// The storage root (`ext_storage_root_version_3`); `version` is ignored (see module docs).
pub fn storage_root(_version: Option<u32>) -> [u8; 32] {
    let mut root = [0u8; 32];
    // SAFETY: the host writes 32 bytes into `root`.
    unsafe { ext_storage_root_version_3(fat_mut(&mut root)) };
    root
}

/// One `ext_storage_next_key_version_2` (or child `next_key_version_2`) call.
fn next_key_v2(trie: Trie<'_>, key: &[u8], out: &mut [u8]) -> usize {
    // SAFETY: the host writes the next key into `out` only if it fits; it reads the rest.
    let len = unsafe {
        match trie {
            Trie::Main => ext_storage_next_key_version_2(fat(key), fat_mut(out)),
            Trie::Child(storage_key) => {
                ext_default_child_storage_next_key_version_2(fat(storage_key), fat(key), fat_mut(out))
            }
        }
    };
    len as usize
}

/// The next key after `key`: a first-guess buffer, then one of the exact length.
fn next_key(trie: Trie<'_>, key: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; FIRST_GUESS];
    let len = next_key_v2(trie, key, &mut out);
    if len == 0 {
        return None;
    }
    if len > out.len() {
        out.resize(len, 0);
        if next_key_v2(trie, key, &mut out) != len {
            panic!("ext_storage_next_key_version_2: next key changed between two calls");
        }
    }
    out.truncate(len);
    Some(out)
}

/// The next key after `key` (`ext_storage_next_key_version_2`).
pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    next_key(Trie::Main, key)
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

/// The value of `key` in a child trie (`ext_default_child_storage_read_version_2`, first
/// guess then the rest).
pub fn child_get(storage_key: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    get(Trie::Child(storage_key), key)
}

/// Partial read in a child trie (`ext_default_child_storage_read_version_2`, allow_partial).
pub fn child_read(storage_key: &[u8], key: &[u8], offset: u32, buf: &mut [u8]) -> Option<u32> {
    read_v2(Trie::Child(storage_key), key, buf, offset, true).map(|len| len as u32)
}

/// Root of a child trie (`ext_default_child_storage_root_version_3`); `version` is ignored
/// (see module docs).
pub fn child_root(storage_key: &[u8], _version: Option<u32>) -> Vec<u8> {
    let mut root = vec![0u8; 32];
    // SAFETY: the host reads the storage key and writes 32 bytes into `root`.
    unsafe { ext_default_child_storage_root_version_3(fat(storage_key), fat_mut(&mut root)) };
    root
}

/// Removes up to `limit` keys under `prefix` in a child trie
/// (`ext_default_child_storage_clear_prefix_version_3`).
pub fn child_clear_prefix_limit(
    storage_key: &[u8],
    prefix: &[u8],
    limit: Option<u32>,
) -> KillStorageResult {
    remove(Removal::Prefix(Trie::Child(storage_key), prefix), limit)
}

/// Removes up to `limit` keys of a child trie; whether all were removed
/// (`ext_default_child_storage_storage_kill_version_4`).
pub fn child_kill_limit(storage_key: &[u8], limit: Option<u32>) -> bool {
    matches!(
        remove(Removal::ChildKill(storage_key), limit),
        KillStorageResult::AllRemoved(_)
    )
}

/// Removes up to `limit` keys of a child trie
/// (`ext_default_child_storage_storage_kill_version_4`).
pub fn child_kill_limit_result(storage_key: &[u8], limit: Option<u32>) -> KillStorageResult {
    remove(Removal::ChildKill(storage_key), limit)
}

/// Not available in this mode: changes tries are gone and abi.md §3 has no version of it.
pub fn storage_changes_root(_parent_hash: &[u8]) -> Option<Vec<u8>> {
    unsupported("StorageChangesRoot")
}

/// Next key in a child trie (`ext_default_child_storage_next_key_version_2`).
pub fn child_next_key(storage_key: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    next_key(Trie::Child(storage_key), key)
}

fn unsupported(call: &str) -> ! {
    panic!("{call} is not supported in guest-allocator mode")
}
