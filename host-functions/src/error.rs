//! Typed errors of a host call.
//!
//! A host function that fails makes the whole runtime call trap. The error carries the name of
//! the import that failed ([`HostError::function`]) and a closed set of causes
//! ([`HostErrorCause`]), so `Display` reads `<function name>: <cause>`, e.g.
//! `ext_allocator_malloc_version_1: Failed to allocate memory: "Allocator ran out of space"`.

use sp_wasm_interface::ValueType;

use crate::storage::BackendError;

/// A failed host call: which import failed and why.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{function}: {cause}")]
pub struct HostError {
    /// The import name, e.g. `ext_storage_get_version_1`.
    pub function: &'static str,
    /// What went wrong.
    pub cause: HostErrorCause,
}

/// Why a host call failed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum HostErrorCause {
    /// The engine passed a different number of arguments than the signature has.
    #[error("expected {expected} arguments, got {got}")]
    ArgumentCount {
        /// Arguments in the signature.
        expected: usize,
        /// Arguments passed.
        got: usize,
    },
    /// The engine passed an argument of the wrong type.
    #[error("argument {index} should be {expected:?}, got {got:?}")]
    ArgumentType {
        /// Zero-based argument index.
        index: usize,
        /// Type in the signature.
        expected: ValueType,
        /// Type passed.
        got: ValueType,
    },
    /// A pointer/length pair does not lie inside linear memory (or overflows).
    #[error("memory access out of bounds: {len} bytes at {ptr:#x} (memory is {memory_len} bytes)")]
    OutOfBounds {
        /// Start of the access.
        ptr: u32,
        /// Length of the access.
        len: u32,
        /// Size of linear memory at the time.
        memory_len: usize,
    },
    /// A SCALE-encoded argument could not be decoded.
    #[error("could not SCALE-decode {what}: {error}")]
    Decode {
        /// The Rust type that was expected.
        what: &'static str,
        /// The decoder's message.
        error: String,
    },
    /// A string argument is not valid UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which argument.
        what: &'static str,
    },
    /// A state version argument other than 0, 1 or 2 (after truncation to `u8`).
    #[error("invalid state version {0}")]
    InvalidStateVersion(u8),
    /// A log level argument other than 0..=4 (after truncation to `u8`).
    #[error("invalid log level {0}")]
    InvalidLogLevel(u8),
    /// `ext_storage_commit_transaction` without an open runtime transaction.
    #[error("No open transaction that can be committed.")]
    NoTransactionToCommit,
    /// `ext_storage_rollback_transaction` without an open runtime transaction.
    #[error("No open transaction that can be rolled back.")]
    NoTransactionToRollback,
    /// The allocator failed to allocate.
    #[error("Failed to allocate memory: \"{0}\"")]
    Allocation(subexec_allocator::Error),
    /// The allocator failed to free.
    #[error("Failed to deallocate memory: \"{0}\"")]
    Deallocation(subexec_allocator::Error),
    /// The runtime panicked with this message. [`crate::invoke`] never returns it:
    /// `ext_panic_handler_abort_on_panic_version_1` records the message and returns, and the
    /// runtime then traps; an executor may use this cause to report that trap.
    #[error("runtime panicked: {0}")]
    Panicked(String),
    /// `ext_misc_runtime_version_version_1` without a [`crate::ReadRuntimeVersion`].
    #[error("no runtime version reader is registered for this call")]
    NoRuntimeVersionReader,
    /// A function of the other ABI (abi.md §3): the executor refuses such imports at load.
    #[error("not available to a {mode} runtime")]
    WrongMode {
        /// The mode of the calling runtime.
        mode: crate::HostMode,
    },
    /// An i64 "optional positive integer" other than −1 or 0..2^32−1 (RFC-0145).
    #[error("invalid optional integer {0}: expected -1 (absent) or 0..=4294967295")]
    InvalidOptionalInteger(i64),
    /// A fixed-size output buffer shorter than the result (RFC-0145 aborts).
    #[error("{what}: output buffer of {got} bytes, {needed} needed")]
    BufferTooSmall {
        /// Which buffer.
        what: &'static str,
        /// Bytes the result takes.
        needed: usize,
        /// Bytes the buffer has.
        got: u32,
    },
    /// `ext_input_read_version_1` called a second time: the input is delivered once.
    #[error("the call's input was already read")]
    InputAlreadyRead,
    /// The call's storage writes (keys and values set or appended) passed the per-call limit
    /// ([`crate::MAX_STORAGE_WRITE_BYTES_PER_CALL`] by default).
    #[error("storage writes of this call exceed the limit of {limit} bytes")]
    StorageWriteLimit {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Work priced in advance (a storage root, [`crate::cost::root_price`]; a prefix removal's
    /// walk, [`crate::cost::VISITED_KEY_FUEL`] per key) costs more fuel than the call has left;
    /// it was not done (a removal walks before it applies anything, so a stopped walk removed
    /// nothing).
    /// The executor reports the call as out of fuel.
    #[error("host work priced at {price} fuel exceeds the fuel left")]
    OutOfFuel {
        /// The price of the refused work.
        price: u64,
    },
    /// An external host function (`crate::invoke_external`) failed with this message.
    #[error("{0}")]
    External(String),
    /// An `ext_offchain_*` function called without an [`crate::OffchainContext`] (Substrate
    /// panics likewise: "… can be called only in the offchain worker context").
    #[error("no offchain context: this function can only be called in an offchain context")]
    NoOffchainContext,
    /// An offchain `StorageKind` other than 0 (`PERSISTENT`) or 1 (`LOCAL`).
    #[error("invalid offchain storage kind {0}: expected 0 (PERSISTENT) or 1 (LOCAL)")]
    InvalidStorageKind(u32),
    /// A `tracing` span id of 0 (`ext_wasm_tracing_exit`, or a parent id): `sp-io` traps, as
    /// `tracing_core::span::Id::from_u64(0)` panics.
    #[error("span IDs must be > 0")]
    ZeroSpanId,
    /// The node's storage backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),

    /// A keystore function without a [`crate::Keystore`] lent to the call (Substrate panics
    /// likewise).
    #[error("No `keystore` associated for the current context!")]
    NoKeystore,
    /// The keystore could not generate the key (e.g. the seed is not a secret URI).
    #[error("key generation failed: {0}")]
    KeyGeneration(crate::keystore::KeystoreError),
    /// The keystore answered a key or signature of the wrong length.
    #[error(
        "the keystore returned {len} bytes for a {scheme:?} key or signature, {expected} expected"
    )]
    KeystoreAnswer {
        /// The scheme asked for.
        scheme: crate::keystore::Scheme,
        /// Bytes returned.
        len: usize,
        /// Bytes the scheme has.
        expected: usize,
    },
    /// `start_batch_verify` while a batch is open (Substrate: "Failed to register required
    /// extension").
    #[error("a batch verification is already started")]
    BatchVerificationAlreadyStarted,
    /// `finish_batch_verify` without `start_batch_verify`.
    #[error("`finish_batch_verify` should only be called after `start_batch_verify`")]
    BatchVerificationNotStarted,
    /// `ed25519_batch_verify`, which always fails under `sp-io` 49 (its nested externalities
    /// access panics; see `functions::crypto::batch`).
    #[error("sp-io 49's ed25519_batch_verify re-enters the externalities and always fails")]
    Ed25519BatchVerifyReentrant,
}

impl HostErrorCause {
    /// Attaches the name of the failing import.
    pub fn at(self, function: &'static str) -> HostError {
        HostError {
            function,
            cause: self,
        }
    }
}
