//! [`Staged`]: a run's changes as trie nodes in memory over a [`StateDb`], committed in one
//! transaction.
//!
//! A command that runs several calls or imports several blocks must commit all of them or
//! none. [`StateDb::stage`] starts from the head; every [`CommittedState::apply`] computes the
//! new root from the changes alone (changes times trie depth, the untouched state stays in the
//! database) and keeps the new nodes in memory; [`StateDb::commit_staged`] writes them and the
//! new head in one parity-db transaction. Dropping a [`Staged`] commits nothing. Its memory
//! grows with the nodes the run wrote, never with the state.

use std::collections::HashMap;
use std::sync::Arc;

use subexec_host_functions::storage::{
    Backend, BackendError, CommittedState, NodeStore, StateVersion, StorageChanges, TrieBackend,
};

use crate::store::DbStore;

/// The nodes of a [`Staged`] over the database's.
#[derive(Clone)]
pub struct StagedStore {
    base: DbStore,
    pending: Arc<HashMap<[u8; 32], Vec<u8>>>,
}

impl std::fmt::Debug for StagedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedStore")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl StagedStore {
    /// The staged nodes.
    pub(crate) fn pending(&self) -> &HashMap<[u8; 32], Vec<u8>> {
        &self.pending
    }
}

impl NodeStore for StagedStore {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        match self.pending.get(hash) {
            Some(node) => Ok(Some(node.clone())),
            None => self.base.node(hash),
        }
    }
}

/// Changes staged over a [`StateDb`](crate::StateDb); see the module docs.
#[derive(Debug)]
pub struct Staged {
    pub(crate) store: StagedStore,
    pub(crate) root: [u8; 32],
    pub(crate) version: StateVersion,
    pub(crate) applied: u64,
    /// The head the staging started from (a commit refuses if the database moved on).
    pub(crate) base_root: [u8; 32],
}

impl Staged {
    pub(crate) fn new(base: DbStore, root: [u8; 32], version: StateVersion) -> Self {
        Staged {
            store: StagedStore {
                base,
                pending: Arc::default(),
            },
            root,
            version,
            applied: 0,
            base_root: root,
        }
    }

    /// The root of the staged state.
    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// How many changes sets were applied (0: nothing to commit).
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// The staged state as a trie backend.
    pub fn trie_backend(&self) -> TrieBackend<StagedStore> {
        TrieBackend::new(self.store.clone(), self.root)
    }
}

impl CommittedState for Staged {
    fn backend(&self) -> Arc<dyn Backend> {
        Arc::new(self.trie_backend())
    }

    fn apply(
        &mut self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(), BackendError> {
        let (root, mut nodes) = self.trie_backend().commit_root(changes, version)?;
        let pending = Arc::make_mut(&mut self.store.pending);
        for (hash, (node, count)) in nodes.drain() {
            if count > 0 {
                pending.insert(hash, node);
            }
        }
        self.root = root;
        self.version = version;
        self.applied = self.applied.saturating_add(1);
        Ok(())
    }
}
