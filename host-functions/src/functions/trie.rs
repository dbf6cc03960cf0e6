//! `ext_trie_blake2_256_*`: trie roots of SCALE-encoded inputs.

use subexec_allocator::Memory;

use super::{return_pointer, Args, Outcome};
use crate::host_state::HostState;
use crate::storage::trie_root::{ordered_trie_root, trie_root};
use crate::storage::StateVersion;

fn root_of_pairs(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    version: StateVersion,
) -> Outcome {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = args.decode(memory, 0, "Vec<(Vec<u8>, Vec<u8>)>")?;
    let root = trie_root(version, pairs);
    return_pointer(&mut state.allocator, memory, &root)
}

fn root_of_values(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    version: StateVersion,
) -> Outcome {
    let values: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<Vec<u8>>")?;
    let root = ordered_trie_root(version, values);
    return_pointer(&mut state.allocator, memory, &root)
}

/// `blake2_256_root(pairs) -> pointer` (V0; later duplicates win).
pub fn root_v1(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    root_of_pairs(state, memory, args, StateVersion::V0)
}

/// `blake2_256_root(pairs, version) -> pointer`.
pub fn root_v2(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = args.decode(memory, 0, "Vec<(Vec<u8>, Vec<u8>)>")?;
    let version = args.state_version(1)?;
    let root = trie_root(version, pairs);
    return_pointer(&mut state.allocator, memory, &root)
}

/// `blake2_256_ordered_root(values) -> pointer` (V0; value `i` keyed by `Compact(i)`).
pub fn ordered_root_v1(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    root_of_values(state, memory, args, StateVersion::V0)
}

/// `blake2_256_ordered_root(values, version) -> pointer`.
pub fn ordered_root_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let values: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<Vec<u8>>")?;
    let version = args.state_version(1)?;
    let root = ordered_trie_root(version, values);
    return_pointer(&mut state.allocator, memory, &root)
}
