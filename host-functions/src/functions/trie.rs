//! `ext_trie_blake2_256_*`: trie roots of SCALE-encoded inputs.
//!
//! Version 1 always uses layout V0; version 2 takes the layout as a second argument, read
//! after the input is decoded (argument order).

use subexec_allocator::Memory;

use super::{return_pointer, Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;
use crate::storage::trie_root::{ordered_trie_root, trie_root};
use crate::storage::StateVersion;

/// The layout: V0 for version 1 of the functions, else argument 1.
fn layout(args: &Args<'_>, from_argument: bool) -> Result<StateVersion, HostErrorCause> {
    if from_argument {
        args.state_version(1)
    } else {
        Ok(StateVersion::V0)
    }
}

fn root_of_pairs(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    versioned: bool,
) -> Outcome {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = args.decode(memory, 0, "Vec<(Vec<u8>, Vec<u8>)>")?;
    let root = trie_root(layout(args, versioned)?, pairs);
    return_pointer(&mut state.allocator, memory, &root)
}

fn root_of_values(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    versioned: bool,
) -> Outcome {
    let values: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<Vec<u8>>")?;
    let root = ordered_trie_root(layout(args, versioned)?, values);
    return_pointer(&mut state.allocator, memory, &root)
}

/// `blake2_256_root(pairs) -> pointer` (V0; later duplicates win).
pub fn root_v1(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    root_of_pairs(state, memory, args, false)
}

/// `blake2_256_root(pairs, version) -> pointer`.
pub fn root_v2(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    root_of_pairs(state, memory, args, true)
}

/// `blake2_256_ordered_root(values) -> pointer` (V0; value `i` keyed by `Compact(i)`).
pub fn ordered_root_v1(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    root_of_values(state, memory, args, false)
}

/// `blake2_256_ordered_root(values, version) -> pointer`.
pub fn ordered_root_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    root_of_values(state, memory, args, true)
}
