//! [`CommittedState`]: the state a chain of calls or blocks commits to.
//!
//! A block importer or a chain of calls reads the committed state through a [`Backend`]
//! snapshot and, after a successful call or block, hands its changes back. Where the
//! committed state lives is the implementor's business: in memory
//! (`Arc<`[`InMemoryBackend`]`>`), or as trie nodes staged over a database and written in
//! one transaction (`subexec-state-db`'s `Staged`). A failed call or block never reaches
//! [`CommittedState::apply`], so it changes nothing.

use std::sync::Arc;

use super::{Backend, BackendError, InMemoryBackend, StateVersion, StorageChanges, TrieId};

/// State committed one successful call or block at a time.
pub trait CommittedState: Send + Sync + std::fmt::Debug {
    /// The committed state, for the next call to read (a snapshot: [`CommittedState::apply`]
    /// does not change a backend handed out before).
    fn backend(&self) -> Arc<dyn Backend>;

    /// Commits a successful call's or block's `changes`, with trie layout `version` for the
    /// nodes it writes (child roots are written into the main trie).
    ///
    /// # Errors
    /// The store failed; the committed state is then unchanged.
    fn apply(
        &mut self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(), BackendError>;

    /// The committed value of a main-trie key.
    ///
    /// # Errors
    /// The store failed.
    fn top_value(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        self.backend().storage(TrieId::Main, key)
    }
}

impl CommittedState for Arc<InMemoryBackend> {
    fn backend(&self) -> Arc<dyn Backend> {
        self.clone()
    }

    fn apply(
        &mut self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(), BackendError> {
        Arc::make_mut(self).apply(changes, version);
        Ok(())
    }

    fn top_value(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.top().get(key).cloned())
    }
}
