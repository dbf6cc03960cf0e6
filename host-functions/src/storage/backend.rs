//! The storage a node provides: the [`Backend`] trait and an ordered in-memory implementation.
//!
//! A backend is read-only during a call; every write goes to the [`super::Overlay`]. A node
//! implements [`Backend`] over its own database. Tries are named by [`TrieId`]: the main trie
//! or a default child trie given by its *unprefixed* storage key (the main trie stores the
//! child's root under `:child_storage:default:` ++ storage key).

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::ops::ControlFlow;

use super::{trie_root, StateVersion};

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

    /// Visits every pair of `trie` in key order (used to compute roots).
    fn for_each_pair(
        &self,
        trie: TrieId<'_>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), BackendError>;
}

/// A key-value map, ordered by key.
pub type StorageMap = BTreeMap<Vec<u8>, Vec<u8>>;

/// An ordered in-memory [`Backend`]: a main trie and default child tries.
///
/// Like Substrate's genesis storage, the main trie holds the root of every non-empty child
/// trie under its prefixed storage key; [`InMemoryBackend::new`] inserts them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryBackend {
    top: StorageMap,
    children: BTreeMap<Vec<u8>, StorageMap>,
}

impl InMemoryBackend {
    /// Builds a backend from a main map and default child tries (by unprefixed storage key).
    ///
    /// The roots of the non-empty child tries, computed with `version`, are written into the
    /// main trie under their prefixed storage keys; empty child tries are dropped.
    pub fn new(
        top: StorageMap,
        children: BTreeMap<Vec<u8>, StorageMap>,
        version: StateVersion,
    ) -> Self {
        let mut backend = InMemoryBackend {
            top,
            children: BTreeMap::new(),
        };
        for (storage_key, child) in children {
            if child.is_empty() {
                continue;
            }
            let root = trie_root::trie_root(version, child.iter());
            let prefixed = prefixed_child_key(&storage_key);
            backend.top.insert(prefixed, root.to_vec());
            backend.children.insert(storage_key, child);
        }
        backend
    }

    /// Builds a backend holding only a main trie.
    pub fn from_top(top: StorageMap) -> Self {
        InMemoryBackend {
            top,
            children: BTreeMap::new(),
        }
    }

    /// Applies a call's changes, as a node would commit a block's changes.
    ///
    /// The roots of changed child tries are recomputed with `version` and written into the
    /// main trie (or removed when the child trie became empty).
    pub fn apply(&mut self, changes: &super::StorageChanges, version: StateVersion) {
        apply_map(&mut self.top, &changes.main);
        for (storage_key, child_changes) in &changes.children {
            let child = self.children.entry(storage_key.clone()).or_default();
            apply_map(child, child_changes);
            let prefixed = prefixed_child_key(storage_key);
            if child.is_empty() {
                self.children.remove(storage_key);
                self.top.remove(&prefixed);
            } else {
                let root = trie_root::trie_root(version, child.iter());
                self.top.insert(prefixed, root.to_vec());
            }
        }
    }

    /// The main trie.
    pub fn top(&self) -> &StorageMap {
        &self.top
    }

    /// The default child tries, by unprefixed storage key.
    pub fn children(&self) -> &BTreeMap<Vec<u8>, StorageMap> {
        &self.children
    }

    fn map(&self, trie: TrieId<'_>) -> Option<&StorageMap> {
        match trie {
            TrieId::Main => Some(&self.top),
            TrieId::DefaultChild(key) => self.children.get(key),
        }
    }
}

fn apply_map(map: &mut StorageMap, changes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
    for (key, value) in changes {
        match value {
            Some(value) => {
                map.insert(key.clone(), value.clone());
            }
            None => {
                map.remove(key);
            }
        }
    }
}

impl Backend for InMemoryBackend {
    fn storage(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.map(trie).and_then(|m| m.get(key).cloned()))
    }

    fn next_key(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.map(trie).and_then(|m| {
            m.range::<[u8], _>((Excluded(key), Unbounded))
                .next()
                .map(|(k, _)| k.clone())
        }))
    }

    fn for_keys_with_prefix(
        &self,
        trie: TrieId<'_>,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<(), BackendError> {
        if let Some(map) = self.map(trie) {
            for (key, _) in map.range::<[u8], _>((Included(prefix), Unbounded)) {
                if !key.starts_with(prefix) || visit(key).is_break() {
                    break;
                }
            }
        }
        Ok(())
    }

    fn for_each_pair(
        &self,
        trie: TrieId<'_>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), BackendError> {
        if let Some(map) = self.map(trie) {
            for (key, value) in map {
                visit(key, value);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&[u8], &[u8])]) -> StorageMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect()
    }

    #[test]
    fn next_key_is_strictly_greater() {
        let b = InMemoryBackend::from_top(map(&[(b"a", b"1"), (b"b", b"2")]));
        assert_eq!(b.next_key(TrieId::Main, b"").unwrap(), Some(b"a".to_vec()));
        assert_eq!(b.next_key(TrieId::Main, b"a").unwrap(), Some(b"b".to_vec()));
        assert_eq!(b.next_key(TrieId::Main, b"b").unwrap(), None);
        assert_eq!(b.next_key(TrieId::DefaultChild(b"x"), b"").unwrap(), None);
    }

    #[test]
    fn prefix_iteration_stops_at_prefix_end_and_on_break() {
        let b = InMemoryBackend::from_top(map(&[(b"ab", b""), (b"abc", b""), (b"ac", b"")]));
        let mut seen = Vec::new();
        b.for_keys_with_prefix(TrieId::Main, b"ab", &mut |k| {
            seen.push(k.to_vec());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(seen, vec![b"ab".to_vec(), b"abc".to_vec()]);
        let mut count = 0;
        b.for_keys_with_prefix(TrieId::Main, b"", &mut |_| {
            count += 1;
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(count, 1);
    }

    #[test]
    fn apply_writes_changes_and_maintains_child_roots() {
        let mut children = BTreeMap::new();
        children.insert(b"c".to_vec(), map(&[(b"k", b"v")]));
        let mut b = InMemoryBackend::new(map(&[(b"a", b"1")]), children, StateVersion::V0);
        let mut changes = crate::storage::StorageChanges::default();
        changes.main.insert(b"a".to_vec(), None);
        changes.main.insert(b"b".to_vec(), Some(b"2".to_vec()));
        changes
            .children
            .entry(b"c".to_vec())
            .or_default()
            .insert(b"k2".to_vec(), Some(b"v2".to_vec()));
        changes
            .children
            .entry(b"gone".to_vec())
            .or_default()
            .insert(b"x".to_vec(), None);
        b.apply(&changes, StateVersion::V0);
        assert_eq!(b.storage(TrieId::Main, b"a").unwrap(), None);
        assert_eq!(b.storage(TrieId::Main, b"b").unwrap(), Some(b"2".to_vec()));
        let child = map(&[(b"k", b"v"), (b"k2", b"v2")]);
        assert_eq!(b.children()[&b"c".to_vec()], child);
        let stored = b
            .storage(TrieId::Main, b":child_storage:default:c")
            .unwrap();
        assert_eq!(
            stored,
            Some(trie_root::trie_root(StateVersion::V0, child.iter()).to_vec())
        );
        assert!(!b.children().contains_key(&b"gone"[..]));
        assert_eq!(
            b.storage(TrieId::Main, b":child_storage:default:gone")
                .unwrap(),
            None
        );
    }

    #[test]
    fn child_roots_live_in_the_main_trie() {
        let mut children = BTreeMap::new();
        children.insert(b"c".to_vec(), map(&[(b"k", b"v")]));
        children.insert(b"empty".to_vec(), StorageMap::new());
        let b = InMemoryBackend::new(StorageMap::new(), children, StateVersion::V0);
        let root = b
            .storage(TrieId::Main, b":child_storage:default:c")
            .unwrap()
            .unwrap();
        let expected = trie_root::trie_root(StateVersion::V0, map(&[(b"k", b"v")]).iter());
        assert_eq!(root, expected.to_vec());
        assert_eq!(b.top().len(), 1);
        assert!(!b.children().contains_key(&b"empty"[..]));
    }
}
