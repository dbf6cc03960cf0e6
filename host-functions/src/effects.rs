//! What a call hands the node besides storage: offchain-database writes made through
//! `ext_offchain_index_*` and transaction-index operations (`ext_transaction_index_*`).
//!
//! Both are written during block execution, not only by offchain workers, so they need no
//! offchain context. They follow `sp-state-machine` 0.54's `OverlayedChanges`:
//! - The offchain index is an overlay of its own, opened, committed and rolled back in
//!   lockstep with the runtime's storage transactions (a rolled-back transaction drops its
//!   index writes; transactions the runtime leaves open are rolled back when the call ends).
//!   The node receives the final value of every key written, in key order, as
//!   `OverlayedChanges::offchain_drain_committed` yields them.
//! - Transaction-index operations are a plain list in call order; storage rollbacks do not
//!   touch it (as in `sp-state-machine`).
//!
//! A failed call hands nothing over: the executor only reads these from a successful call.

use std::collections::BTreeMap;

/// One change to the offchain database: `Some(value)` = set, `None` = removed.
pub type OffchainIndexChange = (Vec<u8>, Option<Vec<u8>>);

/// One `ext_transaction_index_*` call (`sp_state_machine::IndexOperation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionIndexOperation {
    /// `index(extrinsic, size, context_hash)`: index `size` bytes of extrinsic `extrinsic`.
    Insert {
        /// Extrinsic index in the block.
        extrinsic: u32,
        /// The indexed data's hash (32 bytes, as the runtime passed it).
        hash: [u8; 32],
        /// The indexed data's size.
        size: u32,
    },
    /// `renew(extrinsic, context_hash)`: keep already indexed data.
    Renew {
        /// Extrinsic index in the block.
        extrinsic: u32,
        /// The data's hash.
        hash: [u8; 32],
    },
}

/// The value a key had before a transaction first wrote it (`None` = not written before).
type Previous = Option<Option<Vec<u8>>>;

/// The call's offchain-index overlay with runtime transactions (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OffchainIndex {
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    undo: Vec<BTreeMap<Vec<u8>, Previous>>,
}

impl OffchainIndex {
    /// Sets (`Some`) or removes (`None`) `key`.
    pub fn set(&mut self, key: &[u8], value: Option<Vec<u8>>) {
        let previous = self.changes.insert(key.to_vec(), value);
        if let Some(log) = self.undo.last_mut() {
            log.entry(key.to_vec()).or_insert(previous);
        }
    }

    /// A runtime transaction started.
    pub fn start_transaction(&mut self) {
        self.undo.push(BTreeMap::new());
    }

    /// The innermost runtime transaction was rolled back.
    pub fn rollback_transaction(&mut self) {
        let Some(log) = self.undo.pop() else { return };
        for (key, previous) in log {
            match previous {
                Some(value) => self.changes.insert(key, value),
                None => self.changes.remove(&key),
            };
        }
    }

    /// The innermost runtime transaction was committed: its records move to the parent
    /// (whose older records win), or are dropped at the outermost level.
    pub fn commit_transaction(&mut self) {
        let Some(log) = self.undo.pop() else { return };
        if let Some(parent) = self.undo.last_mut() {
            for (key, previous) in log {
                parent.entry(key).or_insert(previous);
            }
        }
    }

    /// Ends the call: rolls back the transactions the runtime left open; the changes in key
    /// order.
    pub fn finish(&mut self) -> Vec<OffchainIndexChange> {
        while !self.undo.is_empty() {
            self.rollback_transaction();
        }
        std::mem::take(&mut self.changes).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_restores_and_commit_keeps() {
        let mut index = OffchainIndex::default();
        index.set(b"a", Some(b"1".to_vec()));
        index.start_transaction();
        index.set(b"a", None);
        index.set(b"b", Some(b"2".to_vec()));
        index.start_transaction();
        index.set(b"c", Some(b"3".to_vec()));
        index.commit_transaction();
        index.rollback_transaction();
        index.start_transaction();
        index.set(b"d", Some(b"4".to_vec()));
        // Left open by the runtime: rolled back at the end of the call.
        assert_eq!(index.finish(), vec![(b"a".to_vec(), Some(b"1".to_vec()))]);
    }
}
