//! What a call takes and gives: [`CallOptions`] and [`CallOutcome`]. The bottom of the call
//! path: one run on an instance (`crate::instance`) produces a `CallOutcome`, the call policy
//! (`crate::policy`) decides how runs make a call, and [`crate::Runtime::call_with`] is the
//! entry point.

use std::sync::Arc;

use subexec_allocator::{AllocationStats, AllocationTrace};
use subexec_host_functions::storage::StorageProof;
use subexec_host_functions::{
    CallLogs, HostCallStats, Keystore, OffchainContext, OffchainIndexChange,
    TransactionIndexOperation,
};

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The bytes the runtime returned.
    pub output: Vec<u8>,
    /// The call's allocator statistics.
    pub allocation_stats: AllocationStats,
    /// Fuel consumed, when the executor meters fuel.
    pub fuel_consumed: Option<u64>,
    /// Host calls by function and bytes copied across the boundary (the input and output
    /// included).
    pub host_calls: HostCallStats,
    /// The memory's size in pages at the end of the call: its peak (memory never shrinks).
    /// A lazily backed static heap counts as pre-grown (see [`crate::memory`]), so this is
    /// the static heap's size under `Static` and the grown size under `Dynamic`.
    pub peak_memory_pages: u32,
    /// Every allocation and free of the call, when [`CallOptions::trace_allocations`] asked
    /// for it (and the call made fewer than
    /// [`MAX_TRACE_EVENTS`](subexec_host_functions::MAX_TRACE_EVENTS) operations). Always
    /// `None` for guest-allocator (RFC-0145) runtimes: they have no host allocator, their heap
    /// is their own.
    pub allocation_trace: Option<AllocationTrace>,
    /// The lines the runtime logged (bounded in count and bytes; see
    /// [`subexec_host_functions::logs`]). A failed call's panic message is in its error.
    pub logs: CallLogs,
    /// The offchain-database writes of the call (`ext_offchain_index_*`, made during block
    /// import too), in key order with the final value per key (`None` = removed), as
    /// `sp-state-machine` drains them. Writes in runtime transactions that were rolled back
    /// are not among them; a failed call has no outcome, hence no changes.
    pub offchain_index_changes: Vec<OffchainIndexChange>,
    /// The call's `ext_transaction_index_*` operations, in call order.
    pub transaction_index: Vec<TransactionIndexOperation>,
    /// The trie nodes the call read (its values, `next_key`s and roots), when
    /// [`CallOptions::record_proof`] asked for them: with the state root, enough to re-execute
    /// the call on [`TrieBackend::from_proof`](crate::storage::TrieBackend::from_proof) alone.
    pub storage_proof: Option<StorageProof>,
}

/// How to run one call ([`crate::Runtime::call_with`]). The default is what [`crate::Runtime::call`] does.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Record every allocation and free of the host allocator into
    /// [`CallOutcome::allocation_trace`] (classic runtimes only). Recording changes no
    /// pointer, output, error, storage change, statistic or fuel.
    pub trace_allocations: bool,
    /// The offchain context lent to the call's `ext_offchain_*` functions (offchain workers,
    /// `validate_transaction` with offchain access). `None`: they fail the call, naming the
    /// function, as Substrate panics without the offchain extensions. The offchain *index*
    /// needs no context.
    pub offchain: Option<Arc<dyn OffchainContext>>,
    /// The keystore lent to the call's `ext_crypto_*` keystore functions (offchain workers
    /// and similar contexts). `None` (block execution): those functions fail the call, naming
    /// the function, as Substrate panics without a `KeystoreExt`.
    pub keystore: Option<Arc<dyn Keystore>>,
    /// Record the storage proof of what the call reads into [`CallOutcome::storage_proof`].
    /// The storage's backend must store trie nodes
    /// ([`Backend::recording`](crate::storage::Backend::recording)); otherwise the call fails
    /// with [`CallError::Engine`](crate::CallError::Engine) before running.
    pub record_proof: bool,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("trace_allocations", &self.trace_allocations)
            .field("offchain", &self.offchain.is_some())
            .field("keystore", &self.keystore.is_some())
            .field("record_proof", &self.record_proof)
            .finish()
    }
}
