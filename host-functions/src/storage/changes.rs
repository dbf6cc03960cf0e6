//! The storage changes a call produced, as a node commits them.

use std::collections::BTreeMap;

/// Changes of one trie: `Some(value)` = written, `None` = deleted.
pub type TrieChanges = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Everything a call wrote, main trie and default child tries (by unprefixed storage key).
///
/// A child trie that was touched (written, cleared or killed) appears even if its change set
/// ended up empty, as in `sp-state-machine`'s `StorageChanges::child_storage_changes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageChanges {
    /// Main trie changes.
    pub main: TrieChanges,
    /// Default child trie changes.
    pub children: BTreeMap<Vec<u8>, TrieChanges>,
}

impl StorageChanges {
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.main.is_empty() && self.children.values().all(BTreeMap::is_empty)
    }
}
