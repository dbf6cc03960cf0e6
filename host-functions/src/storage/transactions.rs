//! Nested transactions as undo logs.
//!
//! Opening a transaction pushes an empty [`UndoLog`]. The first write to a key inside a
//! transaction records what the overlay held for that key before (absent, deleted or a value);
//! later writes in the same transaction record nothing. Rolling back restores the recorded
//! entries; committing hands each record to the parent transaction unless the parent already
//! has one for that key (the parent's older record wins), or drops it at depth zero.
//!
//! Transactions opened by the client (the node, before the call) and by the runtime share the
//! stack, but while the runtime runs it may only close its own: [`TransactionError`] otherwise.

use std::collections::BTreeMap;

/// What the overlay held for a key before a transaction first touched it:
/// `None` = no overlay entry, `Some(None)` = deleted, `Some(Some(v))` = value `v`.
pub(crate) type Previous = Option<Option<Vec<u8>>>;

/// The records of one open transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UndoLog {
    /// Main trie records.
    pub top: BTreeMap<Vec<u8>, Previous>,
    /// Default child trie records, by unprefixed storage key.
    pub children: BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, Previous>>,
}

impl UndoLog {
    /// Records `previous` for `key` unless this transaction already has a record for it.
    pub fn record(
        &mut self,
        child: Option<&[u8]>,
        key: &[u8],
        previous: impl FnOnce() -> Previous,
    ) {
        let map = match child {
            None => &mut self.top,
            Some(storage_key) => self.children.entry(storage_key.to_vec()).or_default(),
        };
        if !map.contains_key(key) {
            map.insert(key.to_vec(), previous());
        }
    }

    /// Whether this transaction already recorded `key`.
    pub fn has_record(&self, child: Option<&[u8]>, key: &[u8]) -> bool {
        match child {
            None => self.top.contains_key(key),
            Some(storage_key) => self
                .children
                .get(storage_key)
                .is_some_and(|m| m.contains_key(key)),
        }
    }

    /// Folds a committed child transaction's records into this (parent) one.
    pub fn absorb(&mut self, committed: UndoLog) {
        for (key, previous) in committed.top {
            self.top.entry(key).or_insert(previous);
        }
        for (storage_key, records) in committed.children {
            let parent = self.children.entry(storage_key).or_default();
            for (key, previous) in records {
                parent.entry(key).or_insert(previous);
            }
        }
    }
}

/// Closing a transaction that is not open (or not the runtime's to close).
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionError {
    /// No transaction is open that the current party may close.
    #[error("no open transaction")]
    NoOpenTransaction,
    /// `enter_runtime` while already in the runtime.
    #[error("already in runtime")]
    AlreadyInRuntime,
    /// `exit_runtime` while not in the runtime.
    #[error("not in runtime")]
    NotInRuntime,
}
