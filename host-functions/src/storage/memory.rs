//! [`InMemoryBackend`]: the state of tests and small chains, ordered maps plus trie nodes.
//!
//! Reads and iteration are served from ordered maps (fast, and [`InMemoryBackend::top`] /
//! [`InMemoryBackend::children`] hand them out for state files). Roots come from trie nodes kept
//! beside the maps, one node set per layout, built the first time a root is asked with that
//! layout and then updated by every [`InMemoryBackend::apply`] with
//! `sp_trie::delta_trie_root`: a root after a call costs the call's changes times the trie
//! depth, never the size of the state.
//!
//! Because each layout has its own node set, the root asked with a layout is the root of the
//! maps' pairs under that layout (a node whose database stored the other layout would re-encode
//! only the touched paths; see [`Backend::storage_root`]). Child roots in the main trie are the
//! values stored there, written by [`InMemoryBackend::new`] and [`InMemoryBackend::apply`]
//! with their `version`.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use super::backend::{prefixed_child_key, Backend, BackendError, TrieId};
use super::changes::StorageChanges;
use super::proof_recorder::ProofRecorder;
use super::trie_backend::{build_trie, delta_root, NodeMemory, NodeStore, TrieBackend};
use super::trie_root::empty_trie_root;
use super::StateVersion;

/// A key-value map, ordered by key.
pub type StorageMap = BTreeMap<Vec<u8>, Vec<u8>>;

/// The trie nodes of the whole state under one layout.
#[derive(Clone)]
struct Nodes {
    db: NodeMemory,
    root: [u8; 32],
    child_roots: BTreeMap<Vec<u8>, [u8; 32]>,
}

impl Nodes {
    fn build(
        version: StateVersion,
        top: &StorageMap,
        children: &BTreeMap<Vec<u8>, StorageMap>,
    ) -> Self {
        let mut db = NodeMemory::default();
        let child_roots = children
            .iter()
            .map(|(key, child)| (key.clone(), build_trie(&mut db, version, child)))
            .collect();
        let root = build_trie(&mut db, version, top);
        Nodes {
            db,
            root,
            child_roots,
        }
    }

    fn child_root(&self, storage_key: &[u8]) -> [u8; 32] {
        self.child_roots
            .get(storage_key)
            .copied()
            .unwrap_or_else(empty_trie_root)
    }
}

/// Adds `overlay`'s nodes to `db` and removes the nodes it dereferences, dropping entries whose
/// count reaches zero (`MemoryDB::consolidate` would keep them).
fn merge_nodes(db: &mut NodeMemory, mut overlay: NodeMemory) {
    use hash_db::HashDB;
    for (key, (value, count)) in overlay.drain() {
        for _ in 0..count.max(0) {
            db.emplace(key, hash_db::EMPTY_PREFIX, value.clone());
        }
        for _ in count.min(0)..0 {
            db.remove_and_purge(&key, hash_db::EMPTY_PREFIX);
        }
    }
}

/// An in-memory [`Backend`]: a main trie and default child tries. See the module documentation.
///
/// Like Substrate's genesis storage, the main trie holds the root of every non-empty child
/// trie under its prefixed storage key; [`InMemoryBackend::new`] inserts them.
#[derive(Clone, Default)]
pub struct InMemoryBackend {
    top: StorageMap,
    children: BTreeMap<Vec<u8>, StorageMap>,
    /// Node sets for V0 and V1, built on first use.
    nodes: [OnceLock<Arc<Nodes>>; 2],
    /// The layout of the last [`InMemoryBackend::new`] / [`InMemoryBackend::apply`] (V0 for
    /// [`InMemoryBackend::from_top`]): the nodes proofs are recorded from.
    state_version: StateVersion,
}

impl PartialEq for InMemoryBackend {
    fn eq(&self, other: &Self) -> bool {
        self.top == other.top && self.children == other.children
    }
}

impl Eq for InMemoryBackend {}

impl std::fmt::Debug for InMemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryBackend")
            .field("top", &self.top.len())
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

fn slot(version: StateVersion) -> usize {
    match version {
        StateVersion::V0 => 0,
        StateVersion::V1 => 1,
    }
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
            state_version: version,
            ..InMemoryBackend::default()
        };
        for (storage_key, child) in children {
            if child.is_empty() {
                continue;
            }
            let root = super::trie_root::trie_root(version, child.iter());
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
            ..InMemoryBackend::default()
        }
    }

    fn nodes(&self, version: StateVersion) -> &Arc<Nodes> {
        self.nodes[slot(version)]
            .get_or_init(|| Arc::new(Nodes::build(version, &self.top, &self.children)))
    }

    /// Applies a call's changes, as a node would commit a block's changes.
    ///
    /// The roots of changed child tries are recomputed with `version` and written into the
    /// main trie (or removed when the child trie became empty). Every node set already built
    /// is updated incrementally.
    pub fn apply(&mut self, changes: &StorageChanges, version: StateVersion) {
        self.state_version = version;
        if let Err(error) = self.try_apply(changes, version) {
            // A node set lacks a node: impossible unless there is a bug. Recover by applying
            // the changes to the maps and rebuilding the node sets on next use.
            log::error!(target: "state", "incremental root update failed: {error}");
            self.nodes = Default::default();
            let child_values = changes
                .children
                .iter()
                .map(|(storage_key, child_changes)| {
                    let child = self.children.entry(storage_key.clone()).or_default();
                    apply_map(child, child_changes);
                    let root = super::trie_root::trie_root(version, child.iter());
                    if child.is_empty() {
                        self.children.remove(storage_key);
                    }
                    (
                        prefixed_child_key(storage_key),
                        (root != empty_trie_root()).then(|| root.to_vec()),
                    )
                })
                .collect::<Vec<_>>();
            apply_map(&mut self.top, &changes.main);
            apply_map(&mut self.top, &child_values.into_iter().collect());
        }
    }

    fn try_apply(
        &mut self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(), BackendError> {
        // The committed child roots come from the `version` node set, so it goes first.
        self.nodes(version);
        let mut layouts = vec![version];
        let other = match version {
            StateVersion::V0 => StateVersion::V1,
            StateVersion::V1 => StateVersion::V0,
        };
        if self.nodes[slot(other)].get().is_some() {
            layouts.push(other);
        }
        // Phase 1: every new root and node, nothing changed yet.
        let mut main_delta = changes.main.clone();
        let mut updates = Vec::with_capacity(layouts.len());
        for layout in layouts {
            let nodes = self.nodes(layout);
            let mut overlay = NodeMemory::default();
            let mut child_roots = Vec::with_capacity(changes.children.len());
            for (storage_key, child_changes) in &changes.children {
                let root = delta_root(
                    &nodes.db,
                    nodes.child_root(storage_key),
                    child_changes
                        .iter()
                        .map(|(k, v)| (k.as_slice(), v.as_deref())),
                    layout,
                    &mut overlay,
                    None,
                )?;
                if layout == version {
                    let value = (root != empty_trie_root()).then(|| root.to_vec());
                    main_delta.insert(prefixed_child_key(storage_key), value);
                }
                child_roots.push((storage_key.clone(), root));
            }
            let root = delta_root(
                &nodes.db,
                nodes.root,
                main_delta.iter().map(|(k, v)| (k.as_slice(), v.as_deref())),
                layout,
                &mut overlay,
                None,
            )?;
            updates.push((layout, overlay, child_roots, root));
        }
        // Phase 2: commit (infallible).
        for (layout, overlay, child_roots, root) in updates {
            let Some(nodes) = self.nodes[slot(layout)].get_mut() else {
                continue;
            };
            let nodes = Arc::make_mut(nodes);
            merge_nodes(&mut nodes.db, overlay);
            for (storage_key, child_root) in child_roots {
                if child_root == empty_trie_root() {
                    nodes.child_roots.remove(&storage_key);
                } else {
                    nodes.child_roots.insert(storage_key, child_root);
                }
            }
            nodes.root = root;
        }
        for (storage_key, child_changes) in &changes.children {
            let child = self.children.entry(storage_key.clone()).or_default();
            apply_map(child, child_changes);
            if child.is_empty() {
                self.children.remove(storage_key);
            }
        }
        apply_map(&mut self.top, &main_delta);
        Ok(())
    }

    /// The main root of the committed state with layout `version`.
    pub fn root(&self, version: StateVersion) -> [u8; 32] {
        self.nodes(version).root
    }

    /// The committed state as a [`TrieBackend`] over its `version` nodes (reads go through the
    /// trie: what proofs are recorded from).
    pub fn trie_backend(&self, version: StateVersion) -> TrieBackend<NodeSet> {
        let nodes = NodeSet(Arc::clone(self.nodes(version)));
        let root = nodes.0.root;
        TrieBackend::new(nodes, root)
    }

    /// The layout proofs are recorded with (see [`Backend::recording`]): the last `new` or
    /// `apply` version; a proof verifies against [`InMemoryBackend::root`] of it.
    pub fn state_version(&self) -> StateVersion {
        self.state_version
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

/// The trie nodes of an [`InMemoryBackend`] under one layout, shared (a [`super::NodeStore`]).
#[derive(Clone)]
pub struct NodeSet(Arc<Nodes>);

impl std::fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSet")
            .field("root", &hex::encode(self.0.root))
            .finish_non_exhaustive()
    }
}

impl NodeStore for NodeSet {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        self.0.db.node(hash)
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

    fn storage_root(
        &self,
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<[u8; 32], BackendError> {
        let nodes = self.nodes(version);
        let mut overlay = NodeMemory::default();
        delta_root(&nodes.db, nodes.root, delta, version, &mut overlay, None)
    }

    fn child_storage_root(
        &self,
        storage_key: &[u8],
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<([u8; 32], bool), BackendError> {
        let nodes = self.nodes(version);
        let mut overlay = NodeMemory::default();
        let root = delta_root(
            &nodes.db,
            nodes.child_root(storage_key),
            delta,
            version,
            &mut overlay,
            None,
        )?;
        Ok((root, root == empty_trie_root()))
    }

    fn for_each_pair(
        &self,
        trie: TrieId<'_>,
        visit: super::backend::PairVisitor<'_>,
    ) -> Result<(), BackendError> {
        if let Some(map) = self.map(trie) {
            for (key, value) in map {
                if visit(key, value).is_break() {
                    break;
                }
            }
        }
        Ok(())
    }

    fn recording(&self, recorder: &ProofRecorder) -> Option<Arc<dyn Backend>> {
        self.trie_backend(self.state_version).recording(recorder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::trie_root;

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

    /// Roots kept incrementally by `apply` equal the roots of the maps recomputed from scratch,
    /// for the layout applied with and for the other one; the trie view reads the same state.
    #[test]
    fn incremental_roots_match_full_recomputation() {
        let mut b = InMemoryBackend::new(
            map(&[(b"a", b"1"), (b"long", &[7u8; 40])]),
            BTreeMap::from([(b"c".to_vec(), map(&[(b"k", b"v")]))]),
            StateVersion::V1,
        );
        for version in [StateVersion::V0, StateVersion::V1] {
            assert_eq!(b.root(version), trie_root::trie_root(version, b.top()));
        }
        for round in 0u8..20 {
            let mut changes = crate::storage::StorageChanges::default();
            changes
                .main
                .insert(vec![b'k', round], Some(vec![round; usize::from(round) * 3]));
            changes.main.insert(vec![b'k', round / 2], None);
            let child = changes.children.entry(vec![b'c', round % 3]).or_default();
            child.insert(vec![round], (round % 4 != 0).then(|| vec![round; 50]));
            b.apply(&changes, StateVersion::V1);
            for version in [StateVersion::V0, StateVersion::V1] {
                assert_eq!(b.root(version), trie_root::trie_root(version, b.top()));
            }
            for (storage_key, child) in b.children() {
                let stored = b.top()[&prefixed_child_key(storage_key)].clone();
                assert_eq!(
                    stored,
                    trie_root::trie_root(StateVersion::V1, child).to_vec()
                );
            }
        }
        let trie = b.trie_backend(StateVersion::V1);
        let mut pairs = Vec::new();
        trie.for_each_pair(TrieId::Main, &mut |k, v| {
            pairs.push((k.to_vec(), v.to_vec()));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(pairs, b.top().clone().into_iter().collect::<Vec<_>>());
        for storage_key in b.children().keys() {
            let trie_id = TrieId::DefaultChild(storage_key);
            let first = trie.next_key(trie_id, b"").unwrap();
            assert_eq!(first, b.next_key(trie_id, b"").unwrap());
        }
    }
}
