//! The genesis header a chain's first block points at, derived from the genesis state.
//!
//! Substrate builds it (`sc_chain_spec::construct_genesis_block`) from the root of the genesis
//! state, computed with the state version the genesis runtime declares (`system_version`,
//! formerly `state_version`: 0 for Westend's genesis runtime): parent hash zero, number 0, the
//! extrinsics root of an empty trie and an empty digest. Its hash is the chain's genesis hash,
//! the parent hash of block 1.

use crate::storage::trie_root::empty_trie_root;

use super::header::{Digest, Hash, Header};

/// The genesis header of a chain whose genesis state has `state_root`.
pub fn genesis_header(state_root: Hash) -> Header {
    Header {
        parent_hash: [0; 32],
        number: 0,
        state_root,
        extrinsics_root: empty_trie_root(),
        digest: Digest::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_extrinsics_root_is_the_empty_trie() {
        // blake2-256 of the empty trie's single node, 0x00 (Westend's README gives it too).
        assert_eq!(
            hex::encode(genesis_header([0; 32]).extrinsics_root),
            "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
        );
    }
}
