//! Warming the node cache: the upper levels of the trie read breadth-first, ahead of use.
//!
//! A root after N changes reads the N paths from the root to the changed keys. The cache
//! (`crate::cache`) answers the upper levels from memory once they have been read, but a
//! freshly opened database has read nothing: until random work has touched most of the upper
//! levels (at 10^7 keys, the ~10^6 branch nodes of the sixth level take millions of random
//! reads), every path pays database reads at the depths the cache could hold. A node that has
//! been running is past that point; [`crate::StateDb::warm_node_cache`] gets there at once, in
//! one pass over the levels, for a tool or a node that wants its steady-state cost from the
//! first block. Measured: docs/PERFORMANCE.md, "State at scale".
//!
//! Levels are read whole, top down, while the cache has room: the warm-up stops before the
//! cache would rotate (its hot generation full), so it never evicts what it loaded and the
//! cache's bound holds. Only nodes referenced by hash are read (an inline node is part of its
//! parent); hashed values and child tries are not, as no path needs them.

use subexec_host_functions::storage::trie_root::{empty_trie_root, Blake2Hasher};
use subexec_host_functions::storage::NodeStore;
use trie_db::node::{Node, NodeHandle};
use trie_db::NodeCodec as _;

use crate::cache::NodeCache;
use crate::StateDbError;

/// What [`crate::StateDb::warm_node_cache`] loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarmUp {
    /// Nodes read.
    pub nodes: u64,
    /// Levels read completely (the root is level 0).
    pub full_levels: u32,
    /// Whether the warm-up stopped because the cache had no room for more (else the trie
    /// ended: the whole trie is cached).
    pub cache_full: bool,
}

type Codec = sp_trie::NodeCodec<Blake2Hasher>;

/// Reads the trie at `root` from `store` level by level into `cache` while it has room.
pub(crate) fn warm(
    store: &dyn NodeStore,
    cache: &NodeCache,
    root: [u8; 32],
) -> Result<WarmUp, StateDbError> {
    let mut done = WarmUp::default();
    if root == empty_trie_root() {
        return Ok(done);
    }
    let mut level = vec![root];
    while !level.is_empty() {
        let mut next = Vec::new();
        for hash in &level {
            if !cache.has_room() {
                done.cache_full = true;
                return Ok(done);
            }
            let Some(node) = store.node(hash)? else {
                return Err(StateDbError::Trie(
                    subexec_host_functions::storage::BackendError(format!(
                        "trie node 0x{} is missing",
                        hex::encode(hash)
                    )),
                ));
            };
            done.nodes += 1;
            push_children(&node, &mut next);
        }
        done.full_levels += 1;
        level = next;
    }
    Ok(done)
}

/// Appends the hashes of the children `node` references by hash (a node that does not decode
/// has none: the walk that needs it reports it).
fn push_children(node: &[u8], next: &mut Vec<[u8; 32]>) {
    let children = match Codec::decode(node) {
        Ok(Node::Branch(children, _)) | Ok(Node::NibbledBranch(_, children, _)) => children,
        Ok(Node::Extension(_, child)) => {
            let mut only = [None; 16];
            only[0] = Some(child);
            only
        }
        _ => return,
    };
    for child in children.into_iter().flatten() {
        if let NodeHandle::Hash(hash) = child {
            if let Ok(hash) = <[u8; 32]>::try_from(hash) {
                next.push(hash);
            }
        }
    }
}
