//! [`StorageState`]: backend + overlay, with `sp-state-machine`'s `Ext` semantics.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::backend::{prefixed_child_key, Backend, BackendError, TrieId, CHILD_STORAGE_PREFIX};
use super::changes::StorageChanges;
use super::overlay::Overlay;
use super::transactions::TransactionError;
use super::trie_root::empty_trie_root;
use super::visits::VisitMeter;
use super::StateVersion;

/// Outcome of a prefix removal (`clear_prefix`, `storage_kill`), as `MultiRemovalResults`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemovalResult {
    /// `false` when the limit stopped the removal before the backend's last key.
    pub all_removed: bool,
    /// Backend keys deleted.
    pub backend: u32,
    /// Distinct keys deleted (overlay values plus backend keys).
    pub unique: u32,
    /// Backend keys visited (deleted or already pending deletion).
    pub loops: u32,
}

/// Storage seen by a call: a backend plus an overlay with nested transactions.
///
/// Owned and `Send + 'static`; the executor moves it into a call and takes it back.
#[derive(Clone)]
pub struct StorageState {
    backend: Arc<dyn Backend>,
    overlay: Overlay,
    /// The backend keys prefix removals walk (see [`VisitMeter`]).
    visits: VisitMeter,
}

impl std::fmt::Debug for StorageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageState")
            .field("overlay", &self.overlay)
            .finish_non_exhaustive()
    }
}

/// Whether `prefix` starts with `:child_storage:` or is itself a prefix of it (`sp-storage`).
fn collides_with_child_storage(prefix: &[u8]) -> bool {
    if prefix.len() > CHILD_STORAGE_PREFIX.len() {
        prefix.starts_with(CHILD_STORAGE_PREFIX)
    } else {
        CHILD_STORAGE_PREFIX.starts_with(prefix)
    }
}

impl StorageState {
    /// Storage over `backend` with an empty overlay.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        StorageState {
            backend,
            overlay: Overlay::new(),
            visits: VisitMeter::default(),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// Puts `backend` under the overlay instead of the current one (which is returned). For a
    /// view of the *same* committed state, e.g. one recording a proof ([`Backend::recording`]).
    pub fn replace_backend(&mut self, backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
        std::mem::replace(&mut self.backend, backend)
    }

    /// The overlay of pending writes.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// The value of `key` in the main trie (overlay, then backend). A backend error reads as
    /// absent; [`StorageState::try_get`] reports it.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.try_get(key).ok().flatten()
    }

    /// The value of `key` in the main trie, or the backend's error.
    pub fn try_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.storage(TrieId::Main, key)?.map(Cow::into_owned))
    }

    /// The value of `key` in `trie`: the overlay's entry if it has one, else the backend's.
    pub fn storage(
        &self,
        trie: TrieId<'_>,
        key: &[u8],
    ) -> Result<Option<Cow<'_, [u8]>>, BackendError> {
        match self.overlay.storage(trie, key) {
            Some(entry) => Ok(entry.map(Cow::Borrowed)),
            None => Ok(self.backend.storage(trie, key)?.map(Cow::Owned)),
        }
    }

    /// Whether `key` has a value in `trie`.
    pub fn exists(&self, trie: TrieId<'_>, key: &[u8]) -> Result<bool, BackendError> {
        match self.overlay.storage(trie, key) {
            Some(entry) => Ok(entry.is_some()),
            None => Ok(self.backend.storage(trie, key)?.is_some()),
        }
    }

    /// Writes (`Some`) or clears (`None`) `key` in `trie`.
    ///
    /// Like `Ext::place_storage`, a main-trie key starting with `:child_storage:` is refused
    /// (child roots are only written by root computations); returns whether the write happened.
    pub fn set(&mut self, trie: TrieId<'_>, key: &[u8], value: Option<Vec<u8>>) -> bool {
        if trie == TrieId::Main && key.starts_with(CHILD_STORAGE_PREFIX) {
            log::warn!(target: "trie", "Refuse to directly set child storage key");
            return false;
        }
        self.overlay.set(trie, key, value);
        true
    }

    /// Appends one SCALE-encoded item to the vector at `key` of the main trie.
    pub fn append(&mut self, key: &[u8], item: &[u8]) -> Result<(), BackendError> {
        // Read the backend first so that a backend error leaves the overlay untouched.
        let current = if self.overlay.storage(TrieId::Main, key).is_none() {
            self.backend.storage(TrieId::Main, key)?
        } else {
            None
        };
        self.overlay.append(key, item, || current);
        Ok(())
    }

    /// The smallest key of `trie` strictly after `key` that has a value.
    pub fn next_key(&self, trie: TrieId<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let mut backend_next = self.backend.next_key(trie, key)?;
        for (overlay_key, value) in self.overlay.iter_after(trie, key) {
            if let Some(backend_key) = &backend_next {
                if backend_key.as_slice() < overlay_key {
                    return Ok(backend_next);
                }
            }
            if value.is_some() {
                return Ok(Some(overlay_key.to_vec()));
            }
            if backend_next.as_deref() == Some(overlay_key) {
                // The overlay deleted this backend key: look further in the backend.
                backend_next = self.backend.next_key(trie, overlay_key)?;
            }
        }
        Ok(backend_next)
    }

    /// Deletes the keys of `trie` starting with `prefix`: every overlay key, and backend keys
    /// up to `limit` visited ones (`Ext::clear_prefix` / `clear_child_prefix`).
    ///
    /// In the main trie a prefix colliding with `:child_storage:` removes nothing.
    pub fn clear_prefix(
        &mut self,
        trie: TrieId<'_>,
        prefix: &[u8],
        limit: Option<u32>,
    ) -> Result<RemovalResult, BackendError> {
        if trie == TrieId::Main && collides_with_child_storage(prefix) {
            log::warn!(
                target: "trie",
                "Refuse to directly clear prefix that is part or contains of child storage key"
            );
            return Ok(RemovalResult {
                all_removed: true,
                ..RemovalResult::default()
            });
        }
        // Visit the backend before touching the overlay, so a backend error changes nothing.
        // After the overlay is cleared below, every overlay key with the prefix is pending
        // deletion, so a backend key counts exactly when the overlay has no entry for it now.
        let mut to_delete = Vec::new();
        let mut loops = 0u32;
        let mut stopped_by_limit = false;
        self.visit_backend_keys(trie, prefix, &mut |overlay, key| {
            if limit == Some(loops) {
                stopped_by_limit = true;
                return ControlFlow::Break(());
            }
            if overlay.storage(trie, key).is_none() {
                to_delete.push(key.to_vec());
            }
            loops = loops.saturating_add(1);
            ControlFlow::Continue(())
        })?;
        let overlay_count = self.overlay.clear_prefix(trie, prefix);
        let backend = u32::try_from(to_delete.len()).unwrap_or(u32::MAX);
        for key in to_delete {
            self.overlay.set(trie, &key, None);
        }
        Ok(RemovalResult {
            all_removed: !stopped_by_limit,
            backend,
            unique: overlay_count.saturating_add(backend),
            loops,
        })
    }

    /// Walks the backend's keys of `trie` under `prefix` in order for a removal, giving `f`
    /// the overlay and each key, metered by the visit meter ([`StorageState::set_visit_budget`]):
    /// a walk that would pass the budget stops with an error and the meter exhausted.
    pub fn visit_backend_keys(
        &mut self,
        trie: TrieId<'_>,
        prefix: &[u8],
        f: &mut dyn FnMut(&Overlay, &[u8]) -> ControlFlow<()>,
    ) -> Result<(), BackendError> {
        let StorageState {
            backend,
            overlay,
            visits,
        } = self;
        backend.for_keys_with_prefix(trie, prefix, &mut |key| {
            visits.visit()?;
            f(overlay, key)
        })?;
        visits.check()
    }

    /// Bounds the backend keys the next removals may walk (`None`: no bound) and resets the
    /// count; the host sets it before each host call from the fuel the call has left.
    pub fn set_visit_budget(&mut self, budget: Option<u64>) {
        self.visits = VisitMeter::new(budget);
    }

    /// The backend keys removals walked since the budget was last set, and whether a walk
    /// stopped at the budget.
    pub fn visits(&self) -> VisitMeter {
        self.visits
    }

    /// Deletes a whole default child trie (`Ext::kill_child_storage`).
    pub fn kill_child(
        &mut self,
        storage_key: &[u8],
        limit: Option<u32>,
    ) -> Result<RemovalResult, BackendError> {
        self.clear_prefix(TrieId::DefaultChild(storage_key), &[], limit)
    }

    /// The root of a child trie after the overlay's changes (the backend's delta root), and
    /// whether the trie is then empty.
    fn compute_child_root(
        &self,
        storage_key: &[u8],
        version: StateVersion,
    ) -> Result<([u8; 32], bool), BackendError> {
        let trie = TrieId::DefaultChild(storage_key);
        let mut delta = self
            .overlay
            .change_set(trie)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_slice(), v.as_deref()));
        self.backend
            .child_storage_root(storage_key, &mut delta, version)
    }

    /// The main root after the overlay's changes, child roots of changed child tries included
    /// (`sp-state-machine`'s `full_storage_root`): the backend's delta root, so the cost is the
    /// number of pending changes times the trie depth.
    pub fn try_root(&self, version: StateVersion) -> Result<[u8; 32], BackendError> {
        let mut child_entries = Vec::with_capacity(self.overlay.children().len());
        for storage_key in self.overlay.children().keys() {
            let (root, empty) = self.compute_child_root(storage_key, version)?;
            child_entries.push((prefixed_child_key(storage_key), (!empty).then_some(root)));
        }
        let mut delta = self
            .overlay
            .top()
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
            .chain(
                child_entries
                    .iter()
                    .map(|(k, v)| (k.as_slice(), v.as_ref().map(|root| &root[..]))),
            );
        self.backend.storage_root(&mut delta, version)
    }

    /// The main root (see [`StorageState::try_root`]); the empty-trie root if the backend fails.
    pub fn root(&self, version: StateVersion) -> [u8; 32] {
        self.try_root(version).unwrap_or_else(|error| {
            log::error!(target: "state", "storage root: {error}");
            empty_trie_root()
        })
    }

    /// `ext_storage_root`: the main root, served from the overlay's cache when nothing was
    /// written since it was computed with the same version.
    pub fn storage_root(&mut self, version: StateVersion) -> Result<[u8; 32], BackendError> {
        if let Some(root) = self.overlay.cached_root(version) {
            return Ok(root);
        }
        let root = self.try_root(version)?;
        self.overlay.cache_root(version, root);
        Ok(root)
    }

    /// `ext_default_child_storage_root`, with `OverlayedChanges::child_storage_root`'s rules:
    /// - a main root is cached: answer the child root stored in the main trie (or the empty
    ///   root), even if the child trie changed since — `sp-state-machine` 0.54 does this;
    /// - the child trie has a change set: compute its root and write it into the main trie's
    ///   overlay under the prefixed key (deleting the key when the child trie is empty);
    /// - otherwise: the root stored in the backend's main trie, or the empty root.
    pub fn child_storage_root(
        &mut self,
        storage_key: &[u8],
        version: StateVersion,
    ) -> Result<[u8; 32], BackendError> {
        let trie = TrieId::DefaultChild(storage_key);
        let prefixed = prefixed_child_key(storage_key);
        let decode = |stored: Option<&[u8]>| -> [u8; 32] {
            stored
                .and_then(|bytes| bytes.get(..32))
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .unwrap_or_else(empty_trie_root)
        };
        if self.overlay.has_cached_root() {
            let stored = self.storage(TrieId::Main, &prefixed)?;
            return Ok(decode(stored.as_deref()));
        }
        if self.overlay.change_set(trie).is_some() {
            let (root, empty) = self.compute_child_root(storage_key, version)?;
            self.overlay
                .set(TrieId::Main, &prefixed, (!empty).then(|| root.to_vec()));
            return Ok(root);
        }
        let stored = self.backend.storage(TrieId::Main, &prefixed)?;
        Ok(decode(stored.as_deref()))
    }

    /// The pending writes, main trie and touched child tries.
    pub fn changes(&self) -> StorageChanges {
        StorageChanges {
            main: self.overlay.top().clone(),
            children: self.overlay.children().clone(),
        }
    }

    /// Opens a nested transaction.
    pub fn start_transaction(&mut self) {
        self.overlay.start_transaction();
    }

    /// Commits the innermost transaction (inside a call: only one the runtime opened).
    pub fn commit_transaction(&mut self) -> Result<(), TransactionError> {
        self.overlay.commit_transaction()
    }

    /// Rolls back the innermost transaction (inside a call: only one the runtime opened).
    pub fn rollback_transaction(&mut self) -> Result<(), TransactionError> {
        self.overlay.rollback_transaction()
    }

    /// Enters a runtime call: transactions open now belong to the client.
    pub fn enter_runtime(&mut self) -> Result<(), TransactionError> {
        self.overlay.enter_runtime()
    }

    /// Leaves a runtime call, rolling back the transactions the runtime left open.
    pub fn exit_runtime(&mut self) -> Result<(), TransactionError> {
        self.overlay.exit_runtime()
    }
}
