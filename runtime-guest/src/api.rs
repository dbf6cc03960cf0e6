//! Entry-point names and the SCALE types of their inputs and outputs.
//!
//! This module is the whole contract between the runtime and whoever calls it (tests,
//! benches, the `subexec` CLI). It compiles on any target and needs only `alloc`.

use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// A 32-byte account identifier, as in Substrate's `AccountId32`.
pub type AccountId = [u8; 32];

/// Entry-point (export) names, identical in both modes.
pub mod entries {
    /// `Core_version`: `()` → [`RuntimeVersion`](super::RuntimeVersion).
    pub const CORE_VERSION: &str = "Core_version";
    /// `Demo_initialize`: `Vec<(AccountId, u128)>` → `u32`.
    pub const DEMO_INITIALIZE: &str = "Demo_initialize";
    /// `Demo_execute_block`: [`Block`](super::Block) → [`BlockSummary`](super::BlockSummary).
    pub const DEMO_EXECUTE_BLOCK: &str = "Demo_execute_block";
    /// `Bench_alloc_heavy`: [`AllocParams`](super::AllocParams) → [`AllocSummary`](super::AllocSummary).
    pub const BENCH_ALLOC_HEAVY: &str = "Bench_alloc_heavy";
    /// `Bench_storage_populate`: [`StorageParams`](super::StorageParams) → `u32`.
    pub const BENCH_STORAGE_POPULATE: &str = "Bench_storage_populate";
    /// `Bench_storage_read`: [`StorageParams`](super::StorageParams) →
    /// [`StorageReadSummary`](super::StorageReadSummary).
    pub const BENCH_STORAGE_READ: &str = "Bench_storage_read";
    /// `Bench_compute`: `u32` iterations → `u64` checksum.
    pub const BENCH_COMPUTE: &str = "Bench_compute";
    /// `HostApi_run`: `Vec<HostCall>` → `Vec<HostReturn>`.
    pub const HOST_API_RUN: &str = "HostApi_run";
    /// `HostApi_panic`: `String` → never returns (the runtime panics with that message).
    pub const HOST_API_PANIC: &str = "HostApi_panic";
    /// `Upgrade_set_code`: `Vec<u8>` → `()`, writes `:code`.
    pub const UPGRADE_SET_CODE: &str = "Upgrade_set_code";

    /// Every export above, in declaration order.
    pub const ALL: &[&str] = &[
        CORE_VERSION,
        DEMO_INITIALIZE,
        DEMO_EXECUTE_BLOCK,
        BENCH_ALLOC_HEAVY,
        BENCH_STORAGE_POPULATE,
        BENCH_STORAGE_READ,
        BENCH_COMPUTE,
        HOST_API_RUN,
        HOST_API_PANIC,
        UPGRADE_SET_CODE,
    ];
}

/// `spec_name` of every build (upgrades keep it).
pub const SPEC_NAME: &str = "subexec-guest";
/// `impl_name` of every build.
pub const IMPL_NAME: &str = "subexec-runtime-guest";
/// `authoring_version` of every build.
pub const AUTHORING_VERSION: u32 = 1;
/// `impl_version` of every build.
pub const IMPL_VERSION: u32 = 0;
/// `transaction_version` (present because the Core API version is ≥ 3).
pub const TRANSACTION_VERSION: u32 = 1;
/// `system_version` (present because the Core API version is ≥ 4): 1 = state version V1.
pub const SYSTEM_VERSION: u8 = 1;
/// Id of Substrate's `Core` runtime API (blake2_64 of "Core").
pub const CORE_API_ID: [u8; 8] = [0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b];
/// Version of `Core` claimed: 4 decides the `RuntimeVersion` layout (with
/// `transaction_version` and `system_version`). Only `Core_version` is implemented.
pub const CORE_API_VERSION: u32 = 4;
/// Id of this runtime's own API (the `Demo_*`, `Bench_*`, `HostApi_*`, `Upgrade_*` entries).
pub const SUBEXEC_API_ID: [u8; 8] = *b"sbxguest";
/// Version of [`SUBEXEC_API_ID`].
pub const SUBEXEC_API_VERSION: u32 = 1;
/// The runtime APIs, as listed in `Core_version` and in the `runtime_apis` custom section.
pub const RUNTIME_APIS: &[([u8; 8], u32)] = &[
    (CORE_API_ID, CORE_API_VERSION),
    (SUBEXEC_API_ID, SUBEXEC_API_VERSION),
];

/// Substrate's `sp_version::RuntimeVersion` in its Core ≥ 4 encoding.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RuntimeVersion {
    /// Identifies the runtime family; unchanged across upgrades.
    pub spec_name: String,
    /// Name of the implementation.
    pub impl_name: String,
    /// Version of the authorship interface.
    pub authoring_version: u32,
    /// Version of the runtime specification: 1, or 2 with the `spec-version-2` feature.
    pub spec_version: u32,
    /// Version of the implementation.
    pub impl_version: u32,
    /// Runtime APIs: (8-byte id, version). Empty in the `runtime_version` custom section.
    pub apis: Vec<([u8; 8], u32)>,
    /// Version of the transaction format.
    pub transaction_version: u32,
    /// System version (state version for storage and extrinsics roots).
    pub system_version: u8,
}

impl RuntimeVersion {
    /// The version a build with the given `spec_version` reports from `Core_version`.
    pub fn for_spec_version(spec_version: u32) -> Self {
        Self {
            spec_name: SPEC_NAME.into(),
            impl_name: IMPL_NAME.into(),
            authoring_version: AUTHORING_VERSION,
            spec_version,
            impl_version: IMPL_VERSION,
            apis: RUNTIME_APIS.to_vec(),
            transaction_version: TRANSACTION_VERSION,
            system_version: SYSTEM_VERSION,
        }
    }
}

/// Smallest balance an account may hold (a transfer creating a smaller account fails).
pub const EXISTENTIAL_DEPOSIT: u128 = 10;

/// Value stored for each account of the demo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct AccountInfo {
    /// Successful transfers sent by this account.
    pub nonce: u32,
    /// Spendable balance.
    pub free: u128,
}

/// One balance transfer of the demo block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Transfer {
    /// Sender.
    pub from: AccountId,
    /// Recipient.
    pub to: AccountId,
    /// Amount moved.
    pub amount: u128,
}

/// Input of `Demo_execute_block`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Block {
    /// Block number, stored under `System::Number`.
    pub number: u32,
    /// Transfers applied in order, each in its own storage transaction.
    pub transfers: Vec<Transfer>,
}

/// Why a transfer was rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TransferError {
    /// The sender's free balance is smaller than the amount.
    InsufficientBalance,
    /// The recipient would be created with less than [`EXISTENTIAL_DEPOSIT`].
    BelowExistentialDeposit,
    /// The recipient's balance would overflow `u128`.
    Overflow,
}

/// Events appended to `System::Events`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Event {
    /// `Demo_initialize` set an account's balance.
    Endowed {
        /// The account.
        who: AccountId,
        /// Its balance.
        amount: u128,
    },
    /// A transfer was applied.
    Transferred {
        /// Sender.
        from: AccountId,
        /// Recipient.
        to: AccountId,
        /// Amount.
        amount: u128,
    },
    /// A transfer failed; its storage changes were rolled back.
    TransferFailed {
        /// Index of the transfer in the block.
        index: u32,
        /// Reason.
        error: TransferError,
    },
}

/// Output of `Demo_execute_block`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockSummary {
    /// The block number executed.
    pub number: u32,
    /// Transfers committed.
    pub applied: u32,
    /// Transfers rolled back.
    pub failed: u32,
    /// Sum of the committed amounts.
    pub total_transferred: u128,
    /// `System::EventCount` after the block.
    pub event_count: u32,
}

/// Input of `Bench_alloc_heavy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AllocParams {
    /// Number of small boxed buffers allocated (all alive at once, then freed in an
    /// interleaved order).
    pub boxes: u32,
    /// Size of each boxed buffer.
    pub box_size: u32,
    /// Number of `u64` pushed one by one onto a growing `Vec`.
    pub vec_pushes: u32,
    /// Number of entries inserted into a `BTreeMap<u32, Vec<u8>>`.
    pub map_entries: u32,
}

/// Output of `Bench_alloc_heavy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AllocSummary {
    /// Mix of every byte and integer written (deterministic function of the input).
    pub checksum: u64,
    /// Final length of the grown `Vec`.
    pub vec_len: u32,
    /// Final number of map entries.
    pub map_len: u32,
}

/// Input of `Bench_storage_populate` and `Bench_storage_read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StorageParams {
    /// Number of values (indices `0..count`).
    pub count: u32,
    /// Size of each value written by `Bench_storage_populate`.
    pub value_size: u32,
}

/// Output of `Bench_storage_read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StorageReadSummary {
    /// Values present.
    pub found: u32,
    /// Total bytes read.
    pub bytes: u64,
    /// Mix of every byte read.
    pub checksum: u64,
}

/// Hash functions of the host (`ext_hashing_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HashAlgorithm {
    /// keccak_256 (32 bytes).
    Keccak256,
    /// sha2_256 (32 bytes).
    Sha2_256,
    /// blake2_128 (16 bytes).
    Blake2_128,
    /// blake2_256 (32 bytes).
    Blake2_256,
    /// twox_64 (8 bytes).
    Twox64,
    /// twox_128 (16 bytes).
    Twox128,
    /// twox_256 (32 bytes).
    Twox256,
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Twox64 => 8,
            Self::Blake2_128 | Self::Twox128 => 16,
            Self::Keccak256 | Self::Sha2_256 | Self::Blake2_256 | Self::Twox256 => 32,
        }
    }
}

/// Substrate's `KillStorageResult` (returned by `ext_storage_clear_prefix_version_2`).
///
/// The count is the number of backend keys visited (`MultiRemovalResults::loops`), as sp-io
/// converts it, not the number actually deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum KillStorageResult {
    /// Every key under the prefix was removed; the count of backend keys visited.
    AllRemoved(u32),
    /// The limit was hit; the count of backend keys visited.
    SomeRemaining(u32),
}

/// One step of a `HostApi_run` script. Each variant calls the host function(s) named in its
/// doc; "classic / guest" gives the function used in each mode where they differ.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostCall {
    /// `storage_get_version_1` / `storage_read_version_2` (first guess, then the rest).
    /// → [`HostReturn::OptionBytes`].
    StorageGet(Vec<u8>),
    /// `storage_read_version_1` / `storage_read_version_2` (allow_partial = 1) into a
    /// zeroed buffer of `len` bytes. → [`HostReturn::Read`].
    StorageRead {
        /// Key.
        key: Vec<u8>,
        /// Offset into the value.
        offset: u32,
        /// Buffer length.
        len: u32,
    },
    /// `storage_set_version_1`. → [`HostReturn::Unit`].
    StorageSet(Vec<u8>, Vec<u8>),
    /// `storage_clear_version_1`. → [`HostReturn::Unit`].
    StorageClear(Vec<u8>),
    /// `storage_exists_version_1`. → [`HostReturn::Bool`].
    StorageExists(Vec<u8>),
    /// `storage_append_version_1` with an already encoded item. → [`HostReturn::Unit`].
    StorageAppend(Vec<u8>, Vec<u8>),
    /// `storage_clear_prefix_version_1` (no limit, no result). → [`HostReturn::Unit`].
    StorageClearPrefix(Vec<u8>),
    /// `storage_clear_prefix_version_2` / `storage_clear_prefix_version_3`.
    /// → [`HostReturn::Kill`].
    StorageClearPrefixLimit {
        /// Prefix.
        prefix: Vec<u8>,
        /// Maximum number of backend keys removed.
        limit: Option<u32>,
    },
    /// Classic: `storage_root_version_1` when `None`, `storage_root_version_2(v)` otherwise;
    /// guest: `storage_root_version_3` (its state version is the host's choice).
    /// → [`HostReturn::Bytes`] (32 bytes).
    StorageRoot(Option<u32>),
    /// `storage_next_key_version_1` / `storage_next_key_version_2`. → [`HostReturn::OptionBytes`].
    StorageNextKey(Vec<u8>),
    /// `storage_start_transaction_version_1`. → [`HostReturn::Unit`].
    StartTransaction,
    /// `storage_commit_transaction_version_1`. → [`HostReturn::Unit`].
    CommitTransaction,
    /// `storage_rollback_transaction_version_1`. → [`HostReturn::Unit`].
    RollbackTransaction,
    /// `hashing_<algorithm>_version_1` / `_version_2`. → [`HostReturn::Bytes`].
    Hash(HashAlgorithm, Vec<u8>),
    /// `logging_log_version_1`. → [`HostReturn::Unit`].
    Log {
        /// 0 Error … 4 Trace.
        level: u32,
        /// Target.
        target: Vec<u8>,
        /// Message.
        message: Vec<u8>,
    },
    /// `logging_max_level_version_1`. → [`HostReturn::U32`].
    LogMaxLevel,
    /// `misc_print_num_version_1`. → [`HostReturn::Unit`].
    PrintNum(u64),
    /// `misc_print_utf8_version_1`. → [`HostReturn::Unit`].
    PrintUtf8(Vec<u8>),
    /// `misc_print_hex_version_1`. → [`HostReturn::Unit`].
    PrintHex(Vec<u8>),
    /// `misc_runtime_version_version_1` / `misc_runtime_version_version_2` on a wasm blob.
    /// → [`HostReturn::OptionBytes`] (the SCALE `RuntimeVersion`).
    RuntimeVersion(Vec<u8>),
    /// Classic: `trie_blake2_256_root_version_1` when `version` is `None`, `_version_2`
    /// otherwise; guest: `_version_3` (`None` means 0). → [`HostReturn::Bytes`].
    TrieRoot {
        /// Key-value pairs (SCALE-encoded as `Vec<(Vec<u8>, Vec<u8>)>` for the host).
        entries: Vec<(Vec<u8>, Vec<u8>)>,
        /// State version.
        version: Option<u32>,
    },
    /// As [`HostCall::TrieRoot`] for `trie_blake2_256_ordered_root_*`. → [`HostReturn::Bytes`].
    TrieOrderedRoot {
        /// Values (SCALE-encoded as `Vec<Vec<u8>>` for the host).
        values: Vec<Vec<u8>>,
        /// State version.
        version: Option<u32>,
    },
    /// Classic: `allocator_malloc_version_1(len)`, copy the data in and out,
    /// `allocator_free_version_1`; guest: the same through the guest allocator.
    /// → [`HostReturn::Bytes`] (the copy).
    AllocatorRoundTrip(Vec<u8>),
    /// `default_child_storage_set_version_1(storage_key, key, value)`. → [`HostReturn::Unit`].
    ChildSet(Vec<u8>, Vec<u8>, Vec<u8>),
    /// `default_child_storage_clear_version_1(storage_key, key)`. → [`HostReturn::Unit`].
    ChildClear(Vec<u8>, Vec<u8>),
    /// `default_child_storage_exists_version_1(storage_key, key)`. → [`HostReturn::Bool`].
    ChildExists(Vec<u8>, Vec<u8>),
    /// `default_child_storage_clear_prefix_version_1(storage_key, prefix)`. → [`HostReturn::Unit`].
    ChildClearPrefix(Vec<u8>, Vec<u8>),
    /// `default_child_storage_storage_kill_version_1(storage_key)`. → [`HostReturn::Unit`].
    ChildKill(Vec<u8>),
    /// `default_child_storage_get_version_1(storage_key, key)` /
    /// `default_child_storage_read_version_2` (first guess, then the rest).
    /// → [`HostReturn::OptionBytes`].
    ChildGet(Vec<u8>, Vec<u8>),
    /// `default_child_storage_read_version_1` / `default_child_storage_read_version_2`
    /// (allow_partial = 1); see [`HostCall::StorageRead`].
    ChildRead {
        /// Child storage key (`:child_storage:default:…`).
        storage_key: Vec<u8>,
        /// Key.
        key: Vec<u8>,
        /// Offset into the value.
        offset: u32,
        /// Buffer length.
        len: u32,
    },
    /// Guest: `default_child_storage_root_version_3` (its state version is the host's choice);
    /// classic: `default_child_storage_root_version_1` when the version is `None`,
    /// `default_child_storage_root_version_2(version)` otherwise. → [`HostReturn::Bytes`].
    ChildRoot(Vec<u8>, Option<u32>),
    /// `default_child_storage_clear_prefix_version_2` / `_version_3` (no cursor).
    /// → [`HostReturn::Kill`].
    ChildClearPrefixLimit {
        /// Child storage key.
        storage_key: Vec<u8>,
        /// Prefix.
        prefix: Vec<u8>,
        /// Maximum number of backend keys removed.
        limit: Option<u32>,
    },
    /// Guest: `default_child_storage_storage_kill_version_4` (no cursor) with either result;
    /// classic: `default_child_storage_storage_kill_version_2` (→ [`HostReturn::Bool`],
    /// true when everything was removed) when `kill_result` is false, `_version_3`
    /// (→ [`HostReturn::Kill`]) when it is true.
    ChildKillLimit {
        /// Child storage key.
        storage_key: Vec<u8>,
        /// Maximum number of backend keys removed.
        limit: Option<u32>,
        /// Use version 3 and return the full result.
        kill_result: bool,
    },
    /// Classic only: `storage_changes_root_version_1(parent_hash)` (changes tries are gone, so
    /// hosts answer `None`). → [`HostReturn::OptionBytes`].
    StorageChangesRoot(Vec<u8>),
    /// `default_child_storage_next_key_version_1` / `_version_2`. → [`HostReturn::OptionBytes`].
    ChildNextKey(Vec<u8>, Vec<u8>),
}

/// Result of one [`HostCall`].
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostReturn {
    /// The function returns nothing.
    Unit,
    /// A boolean (`exists`).
    Bool(bool),
    /// An integer (`max_level`).
    U32(u32),
    /// Raw bytes (digests, roots, copies).
    Bytes(Vec<u8>),
    /// Optional bytes (`get`, `next_key`, `runtime_version`).
    OptionBytes(Option<Vec<u8>>),
    /// A partial read: bytes remaining after the offset (`None`: no such key) and the
    /// `min(remaining, len)` bytes copied.
    Read {
        /// Bytes of the value from the offset to its end.
        remaining: Option<u32>,
        /// The bytes copied into the buffer.
        data: Vec<u8>,
    },
    /// Result of a limited prefix removal.
    Kill(KillStorageResult),
}
