//! What an imported block reports: [`BlockOutcome`].

use std::time::Duration;

use crate::call::CallOutcome;
use crate::storage::StorageChanges;

use super::header::{BlockNumber, Hash};

/// Where an imported block's time went (wall clock; not part of any determinism check).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockTimings {
    /// Loading the runtime after an earlier block changed `:code` or `:heappages` (cached
    /// code compiles once), zero otherwise.
    pub runtime_reload: Duration,
    /// The `Core_execute_block` call: interpretation and host calls (the runtime's own
    /// storage-root computations included).
    pub execution: Duration,
    /// The post-state root the importer computes to compare with the header's.
    pub storage_root: Duration,
    /// Applying the changes to the committed state.
    pub commit: Duration,
    /// The whole import, checks and encoding included.
    pub total: Duration,
}

/// A block that was imported and committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
    /// Its number.
    pub number: BlockNumber,
    /// Its hash (of the sealed header).
    pub hash: Hash,
    /// The state root after it (equal to the header's).
    pub state_root: Hash,
    /// The `spec_version` of the runtime that executed it.
    pub spec_version: u32,
    /// The call: output, fuel (if metered), allocator statistics and peak, memory peak, host
    /// calls, logs, allocation trace (if asked for).
    pub call: CallOutcome,
    /// The storage changes it committed.
    pub changes: StorageChanges,
    /// It wrote `:code` or `:heappages`: the next block runs under the new runtime or heap.
    pub runtime_changed: bool,
    /// Where its time went.
    pub timings: BlockTimings,
}
