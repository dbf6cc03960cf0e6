//! The overlay: a call's pending writes on top of the backend, with nested transactions.
//!
//! For every trie the overlay maps a key to `Some(value)` (written) or `None` (deleted); keys it
//! does not hold are read from the backend. Writes are recorded in the innermost open
//! transaction's [`UndoLog`] (see [`super::transactions`]), so rollback restores exactly the
//! overlay as it was when the transaction started.
//!
//! Child tries get a change set when first written (or cleared) and keep it, even when empty,
//! until a rollback leaves it empty — as in `sp-state-machine`, whose root computations and
//! storage changes depend on which child change sets exist.
//!
//! The overlay also keeps Substrate's storage-root cache: the last main root and its state
//! version, dropped by every write except `append` (`sp-state-machine` 0.54 does not invalidate
//! it on append either; consensus requires the same answers).

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};

use super::append::append_item;
use super::backend::TrieId;
use super::transactions::{TransactionError, UndoLog};
use super::StateVersion;

/// Pending writes of one trie: `Some(value)` written, `None` deleted.
pub type ChangeSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Pending writes of a call, with nested transactions. See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    top: ChangeSet,
    children: BTreeMap<Vec<u8>, ChangeSet>,
    transactions: Vec<UndoLog>,
    client_transactions: usize,
    in_runtime: bool,
    root_cache: Option<(StateVersion, [u8; 32])>,
}

impl Overlay {
    /// An empty overlay outside the runtime.
    pub fn new() -> Self {
        Overlay::default()
    }

    /// The overlay's entry for `key`: `None` = ask the backend, `Some(None)` = deleted.
    pub fn storage(&self, trie: TrieId<'_>, key: &[u8]) -> Option<Option<&[u8]>> {
        self.change_set(trie)?.get(key).map(|v| v.as_deref())
    }

    /// The change set of `trie`, if it has one.
    pub fn change_set(&self, trie: TrieId<'_>) -> Option<&ChangeSet> {
        match trie {
            TrieId::Main => Some(&self.top),
            TrieId::DefaultChild(storage_key) => self.children.get(storage_key),
        }
    }

    /// The default child tries that have a change set, by unprefixed storage key.
    pub fn children(&self) -> &BTreeMap<Vec<u8>, ChangeSet> {
        &self.children
    }

    /// The main trie's change set.
    pub fn top(&self) -> &ChangeSet {
        &self.top
    }

    fn change_set_mut(&mut self, trie: TrieId<'_>) -> &mut ChangeSet {
        match trie {
            TrieId::Main => &mut self.top,
            TrieId::DefaultChild(storage_key) => {
                self.children.entry(storage_key.to_vec()).or_default()
            }
        }
    }

    fn child_of(trie: TrieId<'_>) -> Option<&[u8]> {
        match trie {
            TrieId::Main => None,
            TrieId::DefaultChild(storage_key) => Some(storage_key),
        }
    }

    /// Writes (`Some`) or deletes (`None`) `key` in `trie`.
    pub fn set(&mut self, trie: TrieId<'_>, key: &[u8], value: Option<Vec<u8>>) {
        self.root_cache = None;
        self.write(trie, key, value);
    }

    fn write(&mut self, trie: TrieId<'_>, key: &[u8], value: Option<Vec<u8>>) {
        let previous = self.change_set_mut(trie).insert(key.to_vec(), value);
        if let Some(log) = self.transactions.last_mut() {
            log.record(Self::child_of(trie), key, || previous);
        }
    }

    /// Appends one SCALE-encoded `item` to the vector stored at `key` of the main trie.
    ///
    /// `current` is the value to start from when the overlay has no entry (the backend's).
    /// Does not invalidate the root cache (see the module documentation).
    pub fn append(&mut self, key: &[u8], item: &[u8], current: impl FnOnce() -> Option<Vec<u8>>) {
        let first_write_in_transaction = self
            .transactions
            .last()
            .is_some_and(|log| !log.has_record(None, key));
        if !first_write_in_transaction {
            if let Some(Some(value)) = self.top.get_mut(key) {
                append_item(value, item);
                return;
            }
        }
        let mut value = match self.top.get(key) {
            Some(entry) => entry.clone().unwrap_or_default(),
            None => current().unwrap_or_default(),
        };
        append_item(&mut value, item);
        self.write(TrieId::Main, key, Some(value));
    }

    /// Deletes every overlay key of `trie` starting with `prefix` (creating the child change
    /// set if needed); returns how many of them held a value.
    pub fn clear_prefix(&mut self, trie: TrieId<'_>, prefix: &[u8]) -> u32 {
        self.root_cache = None;
        let keys: Vec<(Vec<u8>, bool)> = self
            .change_set_mut(trie)
            .range::<[u8], _>((Included(prefix), Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.is_some()))
            .collect();
        let mut count = 0u32;
        for (key, had_value) in keys {
            if had_value {
                count = count.saturating_add(1);
            }
            self.write(trie, &key, None);
        }
        count
    }

    /// Overlay entries of `trie` with keys strictly after `key`, in order.
    pub fn iter_after<'a>(
        &'a self,
        trie: TrieId<'_>,
        key: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)> + 'a {
        self.change_set(trie)
            .into_iter()
            .flat_map(move |set| set.range::<[u8], _>((Excluded(key), Unbounded)))
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    /// Open transactions (client and runtime).
    pub fn transaction_depth(&self) -> usize {
        self.transactions.len()
    }

    /// Opens a nested transaction.
    pub fn start_transaction(&mut self) {
        self.transactions.push(UndoLog::default());
    }

    fn may_close(&self) -> Result<(), TransactionError> {
        let closable = if self.in_runtime {
            self.transactions.len() > self.client_transactions
        } else {
            !self.transactions.is_empty()
        };
        if closable {
            Ok(())
        } else {
            Err(TransactionError::NoOpenTransaction)
        }
    }

    /// Discards the writes of the innermost transaction.
    pub fn rollback_transaction(&mut self) -> Result<(), TransactionError> {
        self.root_cache = None;
        self.may_close()?;
        self.undo_innermost();
        self.children.retain(|_, set| !set.is_empty());
        Ok(())
    }

    fn undo_innermost(&mut self) {
        let Some(log) = self.transactions.pop() else {
            return;
        };
        restore(&mut self.top, log.top);
        for (storage_key, records) in log.children {
            let set = self.children.entry(storage_key).or_default();
            restore(set, records);
        }
    }

    /// Keeps the writes of the innermost transaction (in its parent, if any).
    pub fn commit_transaction(&mut self) -> Result<(), TransactionError> {
        self.may_close()?;
        if let Some(log) = self.transactions.pop() {
            if let Some(parent) = self.transactions.last_mut() {
                parent.absorb(log);
            }
        }
        Ok(())
    }

    /// Marks the start of a runtime call: the transactions open now belong to the client.
    pub fn enter_runtime(&mut self) -> Result<(), TransactionError> {
        if self.in_runtime {
            return Err(TransactionError::AlreadyInRuntime);
        }
        self.in_runtime = true;
        self.client_transactions = self.transactions.len();
        Ok(())
    }

    /// Marks the end of a runtime call, rolling back the transactions it left open.
    pub fn exit_runtime(&mut self) -> Result<(), TransactionError> {
        if !self.in_runtime {
            return Err(TransactionError::NotInRuntime);
        }
        self.in_runtime = false;
        let left_open = self
            .transactions
            .len()
            .saturating_sub(self.client_transactions);
        if left_open > 0 {
            log::warn!(
                target: "state",
                "{left_open} storage transactions are left open by the runtime. Those will be rolled back."
            );
        }
        while self.transactions.len() > self.client_transactions {
            self.undo_innermost();
        }
        Ok(())
    }

    /// The cached main root, if computed with `version` and nothing was written since.
    pub fn cached_root(&self, version: StateVersion) -> Option<[u8; 32]> {
        self.root_cache
            .filter(|(cached, _)| *cached == version)
            .map(|(_, root)| root)
    }

    /// Whether any main root is cached.
    pub fn has_cached_root(&self) -> bool {
        self.root_cache.is_some()
    }

    /// Caches a main root.
    pub fn cache_root(&mut self, version: StateVersion, root: [u8; 32]) {
        self.root_cache = Some((version, root));
    }
}

fn restore(set: &mut ChangeSet, records: BTreeMap<Vec<u8>, super::transactions::Previous>) {
    for (key, previous) in records {
        match previous {
            None => {
                set.remove(&key);
            }
            Some(value) => {
                set.insert(key, value);
            }
        }
    }
}
