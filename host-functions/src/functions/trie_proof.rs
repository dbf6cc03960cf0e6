//! `ext_trie_{blake2,keccak}_256_verify_proof` and the Keccak-256 trie roots.
//!
//! Proof verification is consensus: it is `sp-trie` 47's `verify_trie_proof` itself, with
//! `sp-trie`'s layouts V0 / V1 (node codec included), as `sp-io` 49 calls it, over the same
//! hashers (`blake2_256`, `keccak_256`). The proof argument is SCALE `Vec<Vec<u8>>` (a proof
//! that does not decode fails the call, as `sp-io`'s argument decoding does); a proof that
//! decodes but does not prove `key ↦ value` under `root` is `false`, never an error. The
//! root is read from a plain 32-byte pointer.
//!
//! The Keccak roots are the Blake2 ones ([`super::trie`]) with the Keccak hasher.

use sp_trie::{LayoutV0, LayoutV1};
use subexec_allocator::Memory;

use super::{bool_value, return_pointer, Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::trie_root::{
    ordered_trie_root_with, trie_root_with, Blake2Hasher, KeccakHasher,
};
use crate::storage::StateVersion;

/// The hasher of a trie function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrieHasher {
    /// Blake2-256.
    Blake2,
    /// Keccak-256.
    Keccak,
}

/// Whether `proof` proves `key ↦ value` under `root` in `layout` (`sp_trie::verify_trie_proof`).
pub(crate) fn verify(
    hasher: TrieHasher,
    layout: StateVersion,
    root: &[u8; 32],
    proof: &[Vec<u8>],
    key: &[u8],
    value: &[u8],
) -> bool {
    let items = [(key, Some(value))];
    match (hasher, layout) {
        (TrieHasher::Blake2, StateVersion::V0) => {
            sp_trie::verify_trie_proof::<LayoutV0<Blake2Hasher>, _, _, _>(root, proof, &items)
                .is_ok()
        }
        (TrieHasher::Blake2, StateVersion::V1) => {
            sp_trie::verify_trie_proof::<LayoutV1<Blake2Hasher>, _, _, _>(root, proof, &items)
                .is_ok()
        }
        (TrieHasher::Keccak, StateVersion::V0) => {
            sp_trie::verify_trie_proof::<LayoutV0<KeccakHasher>, _, _, _>(root, proof, &items)
                .is_ok()
        }
        (TrieHasher::Keccak, StateVersion::V1) => {
            sp_trie::verify_trie_proof::<LayoutV1<KeccakHasher>, _, _, _>(root, proof, &items)
                .is_ok()
        }
    }
}

/// `<hasher>_verify_proof(root_ptr, proof, key, value[, version]) -> bool`; without a version
/// argument the layout is V0.
pub fn verify_proof(
    hasher: TrieHasher,
    memory: &mut impl Memory,
    args: &Args<'_>,
    versioned: bool,
) -> Outcome {
    let mut root = [0u8; 32];
    let root_bytes = memory_access::read(memory, args.u32(0)?, 32)?;
    root.copy_from_slice(&root_bytes);
    let proof: Vec<Vec<u8>> = args.decode(memory, 1, "Vec<Vec<u8>>")?;
    let key = args.bytes(memory, 2)?;
    let value = args.bytes(memory, 3)?;
    let layout = match versioned {
        true => args.state_version(4)?,
        false => StateVersion::V0,
    };
    Ok(bool_value(verify(
        hasher, layout, &root, &proof, &key, &value,
    )))
}

fn layout(args: &Args<'_>, versioned: bool) -> Result<StateVersion, crate::HostErrorCause> {
    match versioned {
        true => args.state_version(1),
        false => Ok(StateVersion::V0),
    }
}

/// `keccak_256_root(pairs[, version]) -> pointer to 32 bytes`.
pub fn keccak_root(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    versioned: bool,
) -> Outcome {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = args.decode(memory, 0, "Vec<(Vec<u8>, Vec<u8>)>")?;
    let root = trie_root_with::<KeccakHasher, _, _, _>(layout(args, versioned)?, pairs);
    return_pointer(&mut state.allocator, memory, &root)
}

/// `keccak_256_ordered_root(values[, version]) -> pointer to 32 bytes`.
pub fn keccak_ordered_root(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    versioned: bool,
) -> Outcome {
    let values: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<Vec<u8>>")?;
    let root = ordered_trie_root_with::<KeccakHasher, _, _>(layout(args, versioned)?, values);
    return_pointer(&mut state.allocator, memory, &root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::trie_root::trie_root;

    #[test]
    fn proofs_that_prove_nothing_are_false_not_errors() {
        // Valid proofs come from `sp-trie`'s generator: `tests/differential_sp_io.rs`.
        let root = trie_root(StateVersion::V0, [(b"key".to_vec(), b"value".to_vec())]);
        let v0 = StateVersion::V0;
        assert!(!verify(
            TrieHasher::Blake2,
            v0,
            &root,
            &[],
            b"key",
            b"value"
        ));
        let garbage = vec![vec![0xff; 40], vec![]];
        assert!(!verify(
            TrieHasher::Keccak,
            v0,
            &root,
            &garbage,
            b"key",
            b"value"
        ));
    }
}
