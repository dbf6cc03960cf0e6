//! Hashes (`ext_hashing_*_version_2(data, out)`) and trie roots
//! (`ext_trie_blake2_256_[ordered_]root_version_3(input, version, out)`) into buffers of
//! known size: `out` is an `i32` pointer and the digest's length is implied, so the range
//! `out..out + len` must lie in memory, else the call aborts.

use subexec_allocator::Memory;

use crate::functions::hashing::{digest, Algorithm};
use crate::functions::{Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::trie_root::{ordered_trie_root, trie_root};

/// `<algorithm>(data, out)`.
pub fn hash(algorithm: Algorithm, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let out = args.u32(1)?;
    let digest = args.with_bytes(memory, 0, |data| digest(algorithm, data))?;
    memory_access::write(memory, out, &digest)?;
    Ok(None)
}

/// `blake2_256_root(pairs, version, out)`: root of SCALE `Vec<(Vec<u8>, Vec<u8>)>`.
pub fn root_v3(_state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = args.decode(memory, 0, "Vec<(Vec<u8>, Vec<u8>)>")?;
    let version = args.state_version(1)?;
    let out = args.u32(2)?;
    memory_access::check(memory, out, 32)?;
    memory_access::write(memory, out, &trie_root(version, pairs))?;
    Ok(None)
}

/// `blake2_256_ordered_root(values, version, out)`: root of SCALE `Vec<Vec<u8>>`.
pub fn ordered_root_v3(
    _state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let values: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<Vec<u8>>")?;
    let version = args.state_version(1)?;
    let out = args.u32(2)?;
    memory_access::check(memory, out, 32)?;
    memory_access::write(memory, out, &ordered_trie_root(version, values))?;
    Ok(None)
}
