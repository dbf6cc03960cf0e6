//! The storage a node provides: the [`Backend`] trait.
//!
//! A backend is read-only during a call; every write goes to the [`super::Overlay`]. A node
//! implements [`Backend`] over its own database. Tries are named by [`TrieId`]: the main trie
//! or a default child trie given by its *unprefixed* storage key (the main trie stores the
//! child's root under `:child_storage:default:` ++ storage key).
//!
//! Roots are asked of the backend with the call's pending changes as a *delta*, as
//! `sp-state-machine`'s `Backend::storage_root(delta, state_version)` and
//! `child_storage_root` do: a backend that stores trie nodes (a node's database,
//! [`super::TrieBackend`], [`super::InMemoryBackend`]) updates only the paths the delta touches,
//! so a root costs the number of changes times the trie depth, never the size of the state.
//! [`super::StorageState`] never asks for the whole state.

use std::ops::ControlFlow;

use super::StateVersion;

/// `:child_storage:default:`, the main-trie prefix under which default child roots live.
pub const DEFAULT_CHILD_STORAGE_PREFIX: &[u8] = b":child_storage:default:";

/// `:child_storage:`, the prefix of every child-trie root key in the main trie.
pub const CHILD_STORAGE_PREFIX: &[u8] = b":child_storage:";

/// The main-trie key holding the root of the default child trie `storage_key`:
/// `:child_storage:default:` ++ `storage_key`.
pub fn prefixed_child_key(storage_key: &[u8]) -> Vec<u8> {
    [DEFAULT_CHILD_STORAGE_PREFIX, storage_key].concat()
}

/// Which trie an operation addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrieId<'a> {
    /// The main (top) trie.
    Main,
    /// A default child trie, by its unprefixed storage key.
    DefaultChild(&'a [u8]),
}

impl TrieId<'_> {
    /// The main-trie key under which this child trie's root is stored (`None` for the main trie).
    pub fn prefixed_storage_key(&self) -> Option<Vec<u8>> {
        match self {
            TrieId::Main => None,
            TrieId::DefaultChild(key) => Some(prefixed_child_key(key)),
        }
    }
}

/// A pending change of one key: `Some(value)` = write, `None` = delete.
pub type DeltaItem<'a> = (&'a [u8], Option<&'a [u8]>);

/// The pending changes of one trie, handed to [`Backend::storage_root`].
pub type Delta<'a, 'b> = &'a mut dyn Iterator<Item = DeltaItem<'b>>;

/// What [`Backend::for_each_pair`] calls for every pair; `Break` stops the walk.
pub type PairVisitor<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> ControlFlow<()>;

/// A failure of the node's storage (database I/O, corruption, …).
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("storage backend error: {0}")]
pub struct BackendError(pub String);

/// Read access to the state a call starts from. Implemented by the node over its database.
///
/// Keys are raw bytes and ordered lexicographically. Implementations must be deterministic.
pub trait Backend: Send + Sync {
    /// The value of `key` in `trie`.
    fn storage(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;

    /// The smallest key of `trie` strictly greater than `key`.
    fn next_key(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;

    /// Visits the keys of `trie` that start with `prefix`, in order, until `visit` breaks.
    fn for_keys_with_prefix(
        &self,
        trie: TrieId<'_>,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<(), BackendError>;

    /// The root of the main trie after applying `delta` (`Some` = write, `None` = delete; a
    /// later entry for the same key wins) to the committed main trie, with layout `version`.
    ///
    /// Nodes the delta does not touch keep the layout they were stored with (as in
    /// `sp-state-machine`): a backend stored with V0 asked for a V1 root re-encodes only the
    /// touched paths with V1.
    fn storage_root(
        &self,
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<[u8; 32], BackendError>;

    /// The root of the default child trie `storage_key` after applying `delta`, and whether the
    /// trie is then empty (its root is the empty-trie root).
    fn child_storage_root(
        &self,
        storage_key: &[u8],
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<([u8; 32], bool), BackendError>;

    /// Visits every pair of `trie` in key order. Not used by calls (which never need the whole
    /// state): for exports and tools.
    fn for_each_pair(&self, trie: TrieId<'_>, visit: PairVisitor<'_>) -> Result<(), BackendError>;

    /// A backend over the same committed state that records every trie node read through it
    /// into `recorder` (a storage proof of what a call read), or `None` if this backend
    /// cannot record (it does not store trie nodes).
    fn recording(&self, recorder: &super::ProofRecorder) -> Option<std::sync::Arc<dyn Backend>> {
        let _ = recorder;
        None
    }

    /// The encoded size of the storage proof recorded so far if this backend records one
    /// (a [`Backend::recording`] view), else `None`: what `ext_storage_proof_size` answers.
    fn proof_size(&self) -> Option<u64> {
        None
    }
}
