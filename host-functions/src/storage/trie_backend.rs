//! Substrate's trie database: trie nodes in a [`NodeStore`], read and updated with `sp-trie`'s
//! layouts and `trie-db`, as `sp-state-machine`'s `TrieBackend` does.
//!
//! Nodes are addressed by their Blake2-256 hash alone (no key-space prefix): a store holds the
//! nodes of the main trie and of every child trie together, and identical subtrees are stored
//! once. Reads decode with layout V1, which reads nodes of both layouts (the layout only
//! decides how values are *written*). Roots after a delta are computed with
//! `sp_trie::delta_trie_root` over the store plus a write overlay: only the nodes on the paths
//! of changed keys are decoded, re-encoded and hashed, so the cost is changes × depth.
//!
//! A store failure (I/O, a missing node) is reported as a [`BackendError`]; `trie-db` only sees
//! "node missing", so the adapter keeps the store's first error and reports it instead.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use hash_db::{AsHashDB, HashDB, HashDBRef, Hasher, Prefix};
use sp_trie::{Trie, TrieDBBuilder, TrieDBKeyIterator, TrieRecorder};

use super::backend::{prefixed_child_key, Backend, BackendError, TrieId};
use super::changes::StorageChanges;
use super::proof_recorder::ProofRecorder;
use super::trie_root::{empty_trie_root, Blake2Hasher};
use super::StateVersion;

/// Substrate's layout V0 with Blake2-256.
pub type LayoutV0 = sp_trie::LayoutV0<Blake2Hasher>;
/// Substrate's layout V1 with Blake2-256.
pub type LayoutV1 = sp_trie::LayoutV1<Blake2Hasher>;
/// Trie nodes in memory, reference-counted, keyed by hash (`sp_trie::MemoryDB` with the
/// standard library's randomly seeded hasher, which sp-trie uses only with its `std` feature).
pub type NodeMemory = memory_db::MemoryDB<Blake2Hasher, memory_db::HashKey<Blake2Hasher>, Vec<u8>>;
/// A storage proof: the set of encoded trie nodes (`sp_trie::StorageProof`).
pub use sp_trie::StorageProof;

/// A read-only store of encoded trie nodes (and V1 hashed values), keyed by Blake2-256 hash.
pub trait NodeStore: Send + Sync {
    /// The node (or value) whose hash is `hash`, `None` if the store does not have it.
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError>;
}

impl NodeStore for NodeMemory {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(HashDB::get(self, hash, hash_db::EMPTY_PREFIX))
    }
}

impl<S: NodeStore + ?Sized> NodeStore for Arc<S> {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).node(hash)
    }
}

impl<S: NodeStore + ?Sized> NodeStore for &S {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).node(hash)
    }
}

/// A [`NodeStore`] seen by `trie-db`: keeps the first store error for the caller.
struct StoreRef<'a, S: ?Sized> {
    store: &'a S,
    error: Mutex<Option<BackendError>>,
}

impl<'a, S: NodeStore + ?Sized> StoreRef<'a, S> {
    fn new(store: &'a S) -> Self {
        StoreRef {
            store,
            error: Mutex::new(None),
        }
    }

    fn fetch(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        if *key == empty_trie_root() {
            return Some(vec![0]);
        }
        match self.store.node(key) {
            Ok(node) => node,
            Err(error) => {
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(error);
                }
                None
            }
        }
    }

    /// The store's error if it had one, else `error` converted.
    fn fail(&self, error: Box<TrieError>) -> BackendError {
        self.error
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .unwrap_or_else(|| BackendError(format!("trie: {}", trie_error_text(&error))))
    }
}

/// `trie-db`'s error with Substrate's node codec (the same type for both layouts).
type TrieError = sp_trie::TrieError<LayoutV1>;

/// What `trie-db`'s `Display` says (it has one only with its `std` feature, which needs
/// sp-trie's), with hashes in hex.
fn trie_error_text(error: &TrieError) -> String {
    match error {
        trie_db::TrieError::InvalidStateRoot(root) => {
            format!("invalid state root 0x{}", hex::encode(root))
        }
        trie_db::TrieError::IncompleteDatabase(missing) => {
            format!("database missing expected node 0x{}", hex::encode(missing))
        }
        trie_db::TrieError::ValueAtIncompleteKey(bytes, extra) => format!(
            "value found in trie at incomplete key 0x{} + {extra:#x}",
            hex::encode(bytes)
        ),
        trie_db::TrieError::DecoderError(hash, error) => {
            format!(
                "decoding failed for node 0x{}: {error:?}",
                hex::encode(hash)
            )
        }
        trie_db::TrieError::InvalidHash(hash, data) => format!(
            "node 0x{} contains an invalid hash reference of {} bytes",
            hex::encode(hash),
            data.len()
        ),
    }
}

impl<S: NodeStore + ?Sized> HashDBRef<Blake2Hasher, Vec<u8>> for StoreRef<'_, S> {
    fn get(&self, key: &[u8; 32], _prefix: Prefix) -> Option<Vec<u8>> {
        self.fetch(key)
    }

    fn contains(&self, key: &[u8; 32], _prefix: Prefix) -> bool {
        self.fetch(key).is_some()
    }
}

/// The store under a write overlay: what `delta_trie_root` writes goes to the overlay
/// (`sp-state-machine`'s `Ephemeral`).
struct Overlaid<'a, 'b, S: ?Sized> {
    base: &'a StoreRef<'b, S>,
    overlay: &'a mut NodeMemory,
}

impl<S: NodeStore + ?Sized> HashDB<Blake2Hasher, Vec<u8>> for Overlaid<'_, '_, S> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(self.overlay, key, prefix).or_else(|| self.base.fetch(key))
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        HashDB::contains(self.overlay, key, prefix) || self.base.fetch(key).is_some()
    }

    fn insert(&mut self, prefix: Prefix, value: &[u8]) -> [u8; 32] {
        HashDB::insert(self.overlay, prefix, value)
    }

    fn emplace(&mut self, key: [u8; 32], prefix: Prefix, value: Vec<u8>) {
        HashDB::emplace(self.overlay, key, prefix, value)
    }

    fn remove(&mut self, key: &[u8; 32], prefix: Prefix) {
        HashDB::remove(self.overlay, key, prefix)
    }
}

impl<S: NodeStore + ?Sized> HashDBRef<Blake2Hasher, Vec<u8>> for Overlaid<'_, '_, S> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(self, key, prefix)
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        HashDB::contains(self, key, prefix)
    }
}

impl<S: NodeStore + ?Sized> AsHashDB<Blake2Hasher, Vec<u8>> for Overlaid<'_, '_, S> {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'c>(&'c mut self) -> &'c mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'c) {
        self
    }
}

/// The root after applying `delta` to the trie at `root` in `store`, with layout `version`;
/// the new nodes (and removals, as negative reference counts) go to `overlay`.
///
/// With a `recorder`, every node read on the way is recorded (what a validator needs to
/// recompute the root from a proof).
pub fn delta_root<S, K, V>(
    store: &S,
    root: [u8; 32],
    delta: impl IntoIterator<Item = (K, Option<V>)>,
    version: StateVersion,
    overlay: &mut NodeMemory,
    recorder: Option<&ProofRecorder>,
) -> Result<[u8; 32], BackendError>
where
    S: NodeStore + ?Sized,
    K: std::borrow::Borrow<[u8]>,
    V: std::borrow::Borrow<[u8]>,
{
    let delta: Vec<(K, Option<V>)> = delta.into_iter().collect();
    let borrowed: Vec<(&[u8], Option<&[u8]>)> = delta
        .iter()
        .map(|(key, value)| (key.borrow(), value.as_ref().map(|v| v.borrow())))
        .collect();
    let longest = borrowed.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let work = move || {
        let base = StoreRef::new(store);
        let mut db = Overlaid {
            base: &base,
            overlay,
        };
        let result = match version {
            StateVersion::V0 => apply_sorted::<LayoutV0, _, _>(&mut db, root, borrowed, recorder),
            StateVersion::V1 => apply_sorted::<LayoutV1, _, _>(&mut db, root, borrowed, recorder),
        };
        result.map_err(|error| base.fail(error))
    };
    // Paths to long keys recurse deeply in trie-db: see `deep_stack`.
    super::deep_stack::with_stack_for(longest, work).map_err(|error| {
        BackendError(format!(
            "no thread for a trie path to a {longest}-byte key: {error}"
        ))
    })?
}

/// `sp_trie::delta_trie_root`, except that a deletion of a key the trie does not hold is
/// skipped (it changes nothing).
///
/// Why: `trie-db` 0.32's `remove` of a key that ends exactly where a branch with a non-empty
/// partial key begins takes that branch's value out without comparing the partial key, then
/// panics in `fix` (`NibbleSlice::advance`).
/// A runtime can ask for such a deletion (`storage_clear` of any key), so it must not reach
/// `remove`. For every key the trie holds, and every key that does not trigger the bug, the
/// result is `delta_trie_root`'s (`tests/trie_delta_bug.rs`).
///
/// Whether a deleted key is held is decided before the update, without reading its value: by
/// the delta's own earlier entry for the key if it has one, else by a hash lookup in the
/// committed trie. A recorder then records what `delta_trie_root` records — the nodes on the
/// key's path, never a hashed value that `remove` does not read (`TrieDBMut::contains` would
/// read it and put it into the proof; `tests/proof_recorder.rs`).
fn apply_sorted<L, K, V>(
    db: &mut dyn HashDB<Blake2Hasher, Vec<u8>>,
    mut root: [u8; 32],
    delta: impl IntoIterator<Item = (K, Option<V>)>,
    recorder: Option<&ProofRecorder>,
) -> Result<[u8; 32], Box<sp_trie::TrieError<L>>>
where
    L: sp_trie::TrieLayout<Hash = Blake2Hasher>,
    K: std::borrow::Borrow<[u8]>,
    V: std::borrow::Borrow<[u8]>,
{
    use sp_trie::TrieMut;
    let mut delta = delta.into_iter().collect::<Vec<_>>();
    // Stable: of several entries for one key, the last is applied last and wins.
    delta.sort_by(|l, r| l.0.borrow().cmp(r.0.borrow()));
    let mut skip = vec![false; delta.len()];
    {
        let committed: &dyn HashDB<Blake2Hasher, Vec<u8>> = &*db;
        let mut active = recorder.map(ProofRecorder::as_trie_recorder);
        let trie = TrieDBBuilder::<L>::new(&committed, &root)
            .with_optional_recorder(
                active
                    .as_mut()
                    .map(|r| r as &mut dyn TrieRecorder<[u8; 32]>),
            )
            .build();
        for index in 0..delta.len() {
            if delta[index].1.is_some() {
                continue;
            }
            let key = delta[index].0.borrow();
            let held = match index.checked_sub(1).map(|i| &delta[i]) {
                Some((previous, change)) if previous.borrow() == key => change.is_some(),
                _ => trie.get_hash(key)?.is_some(),
            };
            skip[index] = !held;
        }
    }
    {
        let mut active = recorder.map(ProofRecorder::as_trie_recorder);
        let mut trie = sp_trie::TrieDBMutBuilder::<L>::from_existing(db, &mut root)
            .with_optional_recorder(
                active
                    .as_mut()
                    .map(|r| r as &mut dyn TrieRecorder<[u8; 32]>),
            )
            .build();
        for ((key, change), skip) in delta.into_iter().zip(skip) {
            match change {
                Some(value) => {
                    trie.insert(key.borrow(), value.borrow())?;
                }
                None if skip => {}
                None => {
                    trie.remove(key.borrow())?;
                }
            }
        }
    }
    Ok(root)
}

/// Builds the trie of `pairs` (sorted by key, no duplicates) into `db`; returns its root.
///
/// Streams the pairs through `trie_db::trie_visit` (linear, no intermediate nodes); `db` may
/// be a [`NodeMemory`] or a sink that writes nodes to a database as they come.
pub fn build_trie<DB, I, K, V>(db: &mut DB, version: StateVersion, pairs: I) -> [u8; 32]
where
    DB: HashDB<Blake2Hasher, Vec<u8>>,
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    fn build<L, DB, I, K, V>(db: &mut DB, pairs: I) -> [u8; 32]
    where
        L: sp_trie::TrieLayout<Hash = Blake2Hasher>,
        DB: HashDB<Blake2Hasher, Vec<u8>>,
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]> + Ord,
        V: AsRef<[u8]>,
    {
        let mut builder = trie_db::TrieBuilder::<L, _>::new(db);
        trie_db::trie_visit::<L, _, _, _, _>(pairs, &mut builder);
        builder.root.unwrap_or_else(empty_trie_root)
    }
    match version {
        StateVersion::V0 => build::<LayoutV0, _, _, _, _>(db, pairs),
        StateVersion::V1 => build::<LayoutV1, _, _, _, _>(db, pairs),
    }
}

/// A [`Backend`] over the trie at `root` in a [`NodeStore`]: `sp-state-machine`'s
/// `TrieBackend`. Optionally records every node it reads (see [`Backend::recording`]).
///
/// Serves a node's database (the `subexec-state-db` crate), a proof (a validator's or a light
/// client's read-only state: [`TrieBackend::from_proof`]) and recording over either.
pub struct TrieBackend<S> {
    store: S,
    root: [u8; 32],
    recorder: Option<ProofRecorder>,
}

impl<S> std::fmt::Debug for TrieBackend<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrieBackend")
            .field("root", &hex::encode(self.root))
            .field("recording", &self.recorder.is_some())
            .finish_non_exhaustive()
    }
}

impl TrieBackend<NodeMemory> {
    /// The read-only state a storage proof proves: the nodes of `proof` under `root`. Reading
    /// anything the proof does not cover is a [`BackendError`] (a missing trie node).
    pub fn from_proof(root: [u8; 32], proof: StorageProof) -> Self {
        let mut nodes = NodeMemory::default();
        // What `StorageProof::into_memory_db` does, into this crate's `NodeMemory`.
        for node in proof.into_iter_nodes() {
            HashDB::insert(&mut nodes, hash_db::EMPTY_PREFIX, &node);
        }
        TrieBackend::new(nodes, root)
    }
}

impl<S: NodeStore> TrieBackend<S> {
    /// The trie at `root` in `store`.
    pub fn new(store: S, root: [u8; 32]) -> Self {
        TrieBackend {
            store,
            root,
            recorder: None,
        }
    }

    /// The same backend, recording every node it reads into `recorder`.
    pub fn with_recorder(mut self, recorder: ProofRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The main root.
    pub fn root(&self) -> [u8; 32] {
        self.root
    }

    /// The node store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The committed root of the default child trie `storage_key` (`None` if it is empty).
    pub fn child_root(&self, storage_key: &[u8]) -> Result<Option<[u8; 32]>, BackendError> {
        match self.read(self.root, |trie| trie.get(&prefixed_child_key(storage_key)))? {
            None => Ok(None),
            Some(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
                .map(Some)
                .map_err(|_| {
                    BackendError(format!(
                        "child trie root of {} is {} bytes, not 32",
                        hex::encode(storage_key),
                        bytes.len()
                    ))
                }),
        }
    }

    fn trie_root_of(&self, trie: TrieId<'_>) -> Result<Option<[u8; 32]>, BackendError> {
        match trie {
            TrieId::Main => Ok(Some(self.root)),
            TrieId::DefaultChild(storage_key) => self.child_root(storage_key),
        }
    }

    /// Runs `f` on the trie at `root`, recording if this backend records.
    fn read<R>(
        &self,
        root: [u8; 32],
        f: impl FnOnce(&sp_trie::TrieDB<'_, '_, LayoutV1>) -> Result<R, Box<TrieError>>,
    ) -> Result<R, BackendError> {
        let store = StoreRef::new(&self.store);
        let mut trie_recorder = self.recorder.as_ref().map(ProofRecorder::as_trie_recorder);
        let trie = TrieDBBuilder::<LayoutV1>::new(&store, &root)
            .with_optional_recorder(
                trie_recorder
                    .as_mut()
                    .map(|r| r as &mut dyn TrieRecorder<[u8; 32]>),
            )
            .build();
        f(&trie).map_err(|error| store.fail(error))
    }

    /// The root after applying `changes` (main trie and child tries, child roots written into
    /// the main trie as `sp-state-machine`'s `full_storage_root`), and the new nodes: what a
    /// node commits.
    pub fn commit_root(
        &self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<([u8; 32], NodeMemory), BackendError> {
        let mut overlay = NodeMemory::default();
        let mut child_entries = Vec::with_capacity(changes.children.len());
        for (storage_key, child_changes) in &changes.children {
            let base = self
                .child_root(storage_key)?
                .unwrap_or_else(empty_trie_root);
            let root = delta_root(
                &self.store,
                base,
                child_changes
                    .iter()
                    .map(|(k, v)| (k.as_slice(), v.as_deref())),
                version,
                &mut overlay,
                self.recorder.as_ref(),
            )?;
            let value = (root != empty_trie_root()).then(|| root.to_vec());
            child_entries.push((prefixed_child_key(storage_key), value));
        }
        let delta = changes
            .main
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
            .chain(
                child_entries
                    .iter()
                    .map(|(k, v)| (k.as_slice(), v.as_deref())),
            );
        let root = delta_root(
            &self.store,
            self.root,
            delta,
            version,
            &mut overlay,
            self.recorder.as_ref(),
        )?;
        Ok((root, overlay))
    }
}

impl<S: NodeStore + 'static> TrieBackend<S>
where
    S: Clone,
{
    /// This backend recording into `recorder`.
    fn recording_clone(&self, recorder: &ProofRecorder) -> TrieBackend<S> {
        TrieBackend {
            store: self.store.clone(),
            root: self.root,
            recorder: Some(recorder.clone()),
        }
    }
}

impl<S: NodeStore + Clone + 'static> Backend for TrieBackend<S> {
    fn storage(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let Some(root) = self.trie_root_of(trie)? else {
            return Ok(None);
        };
        self.read(root, |t| t.get(key))
    }

    fn next_key(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let Some(root) = self.trie_root_of(trie)? else {
            return Ok(None);
        };
        self.read(root, |t| {
            let mut iter = t.key_iter()?;
            // `key ++ 0` is the smallest key strictly after `key` (sp-state-machine does this).
            let mut after = Vec::with_capacity(key.len().saturating_add(1));
            after.extend_from_slice(key);
            after.push(0);
            iter.seek(&after)?;
            iter.next().transpose()
        })
    }

    fn for_keys_with_prefix(
        &self,
        trie: TrieId<'_>,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<(), BackendError> {
        let Some(root) = self.trie_root_of(trie)? else {
            return Ok(());
        };
        self.read(root, |t| {
            for key in TrieDBKeyIterator::new_prefixed(t, prefix)? {
                if visit(&key?).is_break() {
                    break;
                }
            }
            Ok::<_, Box<sp_trie::TrieError<LayoutV1>>>(())
        })
    }

    fn storage_root(
        &self,
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<[u8; 32], BackendError> {
        let mut overlay = NodeMemory::default();
        delta_root(
            &self.store,
            self.root,
            delta,
            version,
            &mut overlay,
            self.recorder.as_ref(),
        )
    }

    fn child_storage_root(
        &self,
        storage_key: &[u8],
        delta: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<([u8; 32], bool), BackendError> {
        let base = self
            .child_root(storage_key)?
            .unwrap_or_else(empty_trie_root);
        let mut overlay = NodeMemory::default();
        let root = delta_root(
            &self.store,
            base,
            delta,
            version,
            &mut overlay,
            self.recorder.as_ref(),
        )?;
        Ok((root, root == empty_trie_root()))
    }

    fn for_each_pair(
        &self,
        trie: TrieId<'_>,
        visit: super::backend::PairVisitor<'_>,
    ) -> Result<(), BackendError> {
        let Some(root) = self.trie_root_of(trie)? else {
            return Ok(());
        };
        self.read(root, |t| {
            for pair in t.iter()? {
                let (key, value) = pair?;
                if visit(&key, &value).is_break() {
                    break;
                }
            }
            Ok::<_, Box<sp_trie::TrieError<LayoutV1>>>(())
        })
    }

    fn recording(&self, recorder: &ProofRecorder) -> Option<Arc<dyn Backend>> {
        Some(Arc::new(self.recording_clone(recorder)))
    }

    fn proof_size(&self) -> Option<u64> {
        self.recorder
            .as_ref()
            .map(|r| u64::try_from(r.estimate_encoded_size()).unwrap_or(u64::MAX))
    }
}

/// The Blake2-256 of `data` (a node's key in a [`NodeStore`]).
pub fn node_hash(data: &[u8]) -> [u8; 32] {
    Blake2Hasher::hash(data)
}
