//! [`HostState`]: everything one call's host functions mutate.
//!
//! The executor builds one per call, moves it into the engine's store for the duration of
//! the call, and takes it back with [`HostState::finish`]. It owns the call's allocator (a
//! fresh `FreeingBumpHeapAllocator` at `__heap_base`, wrapped in a [`HostAllocator`] that can
//! record every operation: [`HostState::record_allocations`]), the storage, and what the
//! runtime reported (a panic message).

use std::sync::Arc;

use subexec_allocator::{AllocationRecorder, AllocationStats, AllocationTrace, Memory};

use crate::effects::{OffchainIndex, OffchainIndexChange, TransactionIndexOperation};
use crate::error::{HostError, HostErrorCause};
use crate::host_allocator::{HostAllocator, INPUT_SITE};
use crate::keystore::Keystore;
use crate::logs::CallLogs;
use crate::offchain::OffchainContext;
use crate::runtime_version::ReadRuntimeVersion;
use crate::stats::HostCallStats;
use crate::storage::{StateVersion, StorageState};
use crate::style::HostMode;

/// The default bound on the bytes one call may write to storage (keys plus values set or
/// appended, top and child tries), so that storage writes cannot grow host memory without
/// bound: 1 GiB, far above any real block or genesis build. Deterministic: it counts what the
/// runtime asked to write, whatever the overlay does with it.
pub const MAX_STORAGE_WRITE_BYTES_PER_CALL: u64 = 1 << 30;

/// Everything a call's host functions mutate. Owned and `Send + 'static`.
pub struct HostState {
    pub(crate) allocator: HostAllocator,
    pub(crate) storage: StorageState,
    pub(crate) panic_message: Option<String>,
    pub(crate) runtime_version_reader: Option<Arc<dyn ReadRuntimeVersion>>,
    /// The ABI of the calling runtime; guest-allocator calls never touch `allocator`.
    pub(crate) mode: HostMode,
    /// Guest-allocator mode: the input until `ext_input_read_version_1` delivered it.
    pub(crate) input: Option<Vec<u8>>,
    /// The state version of roots whose function takes none (`storage_root` version 3).
    pub(crate) state_version: StateVersion,
    /// The continuation cursor of the last RFC-0145 prefix removal that left keys.
    pub(crate) last_cursor: Option<Vec<u8>>,
    pub(crate) stats: HostCallStats,
    /// Fuel the host calls cost since the executor last took it ([`crate::cost`]).
    pub(crate) pending_fuel: u64,
    /// Pending storage changes covered by storage roots during the current host call.
    pub(crate) root_entries: u64,
    /// The sum of their key lengths squared ([`crate::cost::root_price`]).
    pub(crate) root_key_bytes_squared: u64,
    /// The fuel the call had left when the current host call began (`None`: unmetered), so
    /// that work priced in advance (a storage root) is refused before it runs.
    fuel_left: Option<u64>,
    /// Bytes this call wrote to storage, and the limit ([`MAX_STORAGE_WRITE_BYTES_PER_CALL`]).
    storage_written: u64,
    storage_write_limit: u64,
    /// The lines the runtime logged (bounded, see [`crate::logs`]).
    pub(crate) logs: CallLogs,
    /// The keystore lent to the call, if any ([`HostState::set_keystore`]).
    pub(crate) keystore: Option<Arc<dyn Keystore>>,
    /// `sp-io`'s `UseDalekExt`: ed25519 version 1 verifies with ed25519-dalek.
    pub(crate) use_dalek: bool,
    /// The open deprecated batch verification: all verified so far were valid.
    pub(crate) batch_verification: Option<bool>,
    /// The offchain context lent to the call, if any ([`HostState::set_offchain`]).
    pub(crate) offchain: Option<Arc<dyn OffchainContext>>,
    /// `ext_offchain_index_*` writes, transactional with the runtime's storage transactions.
    pub(crate) offchain_index: OffchainIndex,
    /// `ext_transaction_index_*` operations, in call order.
    pub(crate) transaction_index: Vec<TransactionIndexOperation>,
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("allocator", &self.allocator.stats())
            .field("storage", &self.storage)
            .field("panic_message", &self.panic_message)
            .finish_non_exhaustive()
    }
}

impl HostState {
    /// Classic mode: a fresh allocator at `heap_base` (rounded up to 8 by the allocator).
    ///
    /// Enters the runtime on `storage`: transactions open now belong to the client and the
    /// runtime cannot close them.
    pub fn new(heap_base: u32, mut storage: StorageState) -> Self {
        if storage.enter_runtime().is_err() {
            log::warn!(target: "state", "storage was already inside a runtime call");
        }
        HostState {
            allocator: HostAllocator::new(heap_base),
            storage,
            panic_message: None,
            runtime_version_reader: None,
            mode: HostMode::Classic,
            input: None,
            state_version: StateVersion::V1,
            last_cursor: None,
            stats: HostCallStats::default(),
            pending_fuel: 0,
            root_entries: 0,
            root_key_bytes_squared: 0,
            fuel_left: None,
            storage_written: 0,
            storage_write_limit: MAX_STORAGE_WRITE_BYTES_PER_CALL,
            logs: CallLogs::default(),
            keystore: None,
            use_dalek: false,
            batch_verification: None,
            offchain: None,
            offchain_index: OffchainIndex::default(),
            transaction_index: Vec::new(),
        }
    }

    /// Guest-allocator mode (RFC-0145): no host allocator; `input` is handed to the runtime
    /// once, by `ext_input_read_version_1`. Host-allocating functions fail with
    /// [`HostErrorCause::WrongMode`] (the executor refuses their imports before that).
    pub fn new_guest(storage: StorageState, input: Vec<u8>) -> Self {
        let mut state = HostState::new(0, storage);
        state.mode = HostMode::GuestAllocator;
        state.input = Some(input);
        state
    }

    /// Sets the bound on the bytes this call may write to storage (default
    /// [`MAX_STORAGE_WRITE_BYTES_PER_CALL`]).
    pub fn with_storage_write_limit(mut self, limit: u64) -> Self {
        self.storage_write_limit = limit;
        self
    }

    /// Counts `key` and `value` against the call's storage write limit, before they are
    /// written.
    pub(crate) fn count_storage_write(
        &mut self,
        key: &[u8],
        value: &[u8],
    ) -> Result<(), crate::HostErrorCause> {
        let written = self
            .storage_written
            .saturating_add(key.len() as u64)
            .saturating_add(value.len() as u64);
        if written > self.storage_write_limit {
            return Err(crate::HostErrorCause::StorageWriteLimit {
                limit: self.storage_write_limit,
            });
        }
        self.storage_written = written;
        self.note_key_path(key);
        Ok(())
    }

    /// Prices the trie path a change of `key` creates (its length squared,
    /// [`crate::cost::root_price`]) when the change is made, so that the root computed after the
    /// call (by the embedder, unmetered) was paid for by the call that made the change.
    pub(crate) fn note_key_path(&mut self, key: &[u8]) {
        let len = key.len() as u64;
        self.root_key_bytes_squared = self
            .root_key_bytes_squared
            .saturating_add(len.saturating_mul(len));
    }

    /// Counts a storage root's work for [`crate::cost`]: every pending change, top and child,
    /// and its key's length squared. The price is known before the root is computed: if the
    /// call's remaining fuel cannot pay it, the root is not computed.
    ///
    /// # Errors
    /// [`crate::HostErrorCause::OutOfFuel`] when the remaining fuel is below the price.
    pub(crate) fn note_root(&mut self) -> Result<(), crate::HostErrorCause> {
        let overlay = self.storage.overlay();
        let keys = overlay
            .top()
            .keys()
            .chain(overlay.children().values().flat_map(|child| child.keys()));
        let (mut entries, mut squared) = (0u64, 0u64);
        for key in keys {
            entries = entries.saturating_add(1);
            let len = key.len() as u64;
            squared = squared.saturating_add(len.saturating_mul(len));
        }
        let price = crate::cost::root_price(entries, squared);
        if self.fuel_left.is_some_and(|left| price > left) {
            return Err(crate::HostErrorCause::OutOfFuel { price });
        }
        self.root_entries = self.root_entries.saturating_add(entries);
        self.root_key_bytes_squared = self.root_key_bytes_squared.saturating_add(squared);
        Ok(())
    }

    /// The fuel the call had left when the current host call began (`None`: unmetered).
    pub(crate) fn fuel_left(&self) -> Option<u64> {
        self.fuel_left
    }

    /// Tells the host how much fuel the call has left as a host call begins (the executor
    /// does, on metered calls), so that work priced in advance is refused before it runs.
    pub fn set_fuel_left(&mut self, fuel_left: Option<u64>) {
        self.fuel_left = fuel_left;
    }

    /// The fuel host calls have cost ([`crate::cost`]) since the last take; the executor
    /// charges it to the call's budget after every host call.
    pub fn take_pending_fuel(&mut self) -> u64 {
        std::mem::take(&mut self.pending_fuel)
    }

    /// Sets the state version used where the host chooses it (`ext_storage_root_version_3`,
    /// `ext_default_child_storage_root_version_3`): the runtime's own (`RuntimeVersion`'s
    /// `system_version`). Defaults to V1.
    pub fn with_state_version(mut self, version: StateVersion) -> Self {
        self.state_version = version;
        self
    }

    /// The ABI this state serves.
    pub fn mode(&self) -> HostMode {
        self.mode
    }

    /// Host calls and boundary bytes so far.
    pub fn host_call_stats(&self) -> &HostCallStats {
        &self.stats
    }

    /// Adds boundary copies made outside host functions (the executor's input and output).
    pub fn record_boundary_copy(&mut self, bytes_in: usize, bytes_out: usize) {
        self.stats.bytes_in = self.stats.bytes_in.saturating_add(bytes_in as u64);
        self.stats.bytes_out = self.stats.bytes_out.saturating_add(bytes_out as u64);
    }

    /// Registers the engine-backed reader used by `ext_misc_runtime_version_version_1`.
    pub fn with_runtime_version_reader(mut self, reader: Arc<dyn ReadRuntimeVersion>) -> Self {
        self.runtime_version_reader = Some(reader);
        self
    }

    /// Lends the call a keystore for the `ext_crypto_*` keystore functions (`None`: they fail
    /// the call, as in Substrate without a `KeystoreExt`).
    pub fn set_keystore(&mut self, keystore: Option<Arc<dyn Keystore>>) {
        self.keystore = keystore;
    }

    /// Verifies `ext_crypto_ed25519_verify_version_1` with ed25519-dalek instead of
    /// ed25519-zebra: what a Substrate node does while `sp-io`'s `UseDalekExt` extension is
    /// registered (chains that enable it for their oldest blocks). Off by default.
    pub fn set_use_dalek(&mut self, use_dalek: bool) {
        self.use_dalek = use_dalek;
    }

    /// Lends the call an offchain context for the `ext_offchain_*` functions (`None`: they
    /// fail the call, as in Substrate without the offchain extensions). The offchain index
    /// (`ext_offchain_index_*`) works without one.
    pub fn set_offchain(&mut self, offchain: Option<Arc<dyn OffchainContext>>) {
        self.offchain = offchain;
    }

    /// The offchain-database changes of the call (`ext_offchain_index_*`), in key order, final
    /// value per key; writes inside runtime transactions that were rolled back, or left open,
    /// are not among them. Taking them ends the index's transactions: call at the end.
    pub fn take_offchain_index_changes(&mut self) -> Vec<OffchainIndexChange> {
        self.offchain_index.finish()
    }

    /// The call's `ext_transaction_index_*` operations, in call order.
    pub fn take_transaction_index(&mut self) -> Vec<TransactionIndexOperation> {
        std::mem::take(&mut self.transaction_index)
    }

    /// The allocator's statistics so far.
    pub fn allocator_stats(&self) -> AllocationStats {
        self.allocator.stats()
    }

    /// Records every allocation and free of the call from now on (classic mode: a
    /// guest-allocator call has no host allocator and records nothing). Events are attributed
    /// to the host function that made them, or to `"input"`; they report at least
    /// `pages_floor` memory pages (an executor backing a static heap lazily passes the static
    /// heap's size, see [`HostAllocator`]). Recording changes no pointer, error or statistic.
    pub fn record_allocations(&mut self, recorder: AllocationRecorder, pages_floor: u32) {
        if self.mode == HostMode::Classic {
            self.allocator.record(recorder, pages_floor);
        }
    }

    /// The allocations recorded since [`HostState::record_allocations`] (`None` if not
    /// recording); recording stops.
    pub fn take_allocation_trace(&mut self) -> Option<AllocationTrace> {
        self.allocator.take_trace()
    }

    /// Allocates through the call's allocator (used by the executor for the input buffer;
    /// recorded at the site `"input"`).
    pub fn allocate(&mut self, memory: &mut impl Memory, size: u32) -> Result<u32, HostError> {
        if self.mode != HostMode::Classic {
            return Err(HostErrorCause::WrongMode { mode: self.mode }.at("allocate call input"));
        }
        self.allocator.set_site(INPUT_SITE);
        self.allocator
            .allocate(memory, size)
            .map_err(|e| HostErrorCause::Allocation(e).at("allocate call input"))
    }

    /// The message recorded by `ext_panic_handler_abort_on_panic_version_1`, if any.
    pub fn panic_message(&self) -> Option<&str> {
        self.panic_message.as_deref()
    }

    /// The message of the runtime's panic handler's log line (see [`crate::logs`]), if any.
    pub fn panic_log(&self) -> Option<&str> {
        self.logs.panic_message()
    }

    /// The lines the runtime logged so far (bounded).
    pub fn logs(&self) -> &CallLogs {
        &self.logs
    }

    /// Takes the lines the runtime logged.
    pub fn take_logs(&mut self) -> CallLogs {
        std::mem::take(&mut self.logs)
    }

    /// The storage as the call sees it so far.
    pub fn storage(&self) -> &StorageState {
        &self.storage
    }

    /// Ends the call: rolls back runtime transactions left open, returns the storage.
    pub fn finish(mut self) -> StorageState {
        if self.storage.exit_runtime().is_err() {
            log::warn!(target: "state", "storage was not inside a runtime call");
        }
        self.storage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_static<T: Send + 'static>() {}

    #[test]
    fn host_state_and_storage_can_move_into_an_engine_store() {
        assert_send_static::<HostState>();
        assert_send_static::<StorageState>();
    }
}
