//! Storage seen by a call: a read-only [`Backend`] (the node's database) under an [`Overlay`]
//! of pending writes with nested transactions, and Substrate trie roots over both.
//!
//! [`StorageState`] is what the host functions operate on; it reproduces the observable
//! behaviour of `sp-state-machine` 0.54's `Ext` + `OverlayedChanges` (values, counters, next
//! keys, roots, the root cache and its quirks), which is consensus.

mod append;
mod backend;
#[cfg(feature = "chain-spec")]
pub mod chain_spec;
mod changes;
mod committed;
pub mod deep_stack;
mod memory;
mod overlay;
mod proof_recorder;
mod state;
mod transactions;
pub mod trie_backend;
pub mod trie_root;
mod visits;

pub use append::append_item;
pub use backend::{
    prefixed_child_key, Backend, BackendError, Delta, DeltaItem, PairVisitor, TrieId,
    CHILD_STORAGE_PREFIX, DEFAULT_CHILD_STORAGE_PREFIX,
};
pub use changes::{StorageChanges, TrieChanges};
pub use committed::CommittedState;
pub use memory::{InMemoryBackend, NodeSet, StorageMap};
pub use overlay::{ChangeSet, Overlay};
pub use proof_recorder::ProofRecorder;
pub use state::{RemovalResult, StorageState};
pub use transactions::TransactionError;
pub use trie_backend::{NodeMemory, NodeStore, StorageProof, TrieBackend};
pub use visits::VisitMeter;

/// The trie layout used to compute a root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StateVersion {
    /// Values are always inlined in their node.
    #[default]
    V0,
    /// Values of 33 bytes or more are stored by hash.
    V1,
}

impl StateVersion {
    /// Decodes the `u8` the runtime passes (`sp-storage`): 0 ⇒ V0, 1 or 2 ⇒ V1.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(StateVersion::V0),
            1 | 2 => Some(StateVersion::V1),
            _ => None,
        }
    }
}
