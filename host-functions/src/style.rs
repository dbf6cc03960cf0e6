//! Which ABI a host function belongs to: [`FunctionStyle`] and [`HostMode`].
//!
//! RFC-0145 (abi.md §3) splits the host API in three:
//! - functions that return data through the host allocator (classic only:
//!   `ext_storage_get_version_1`, `ext_allocator_*`, the version-1 hashes, …);
//! - functions that write into guest-provided buffers (guest-allocator only:
//!   `ext_input_read_version_1`, `ext_storage_read_version_2`, …);
//! - functions that never allocate (set, clear, exists, append, transactions, logging, …),
//!   shared by both.
//!
//! The executor refuses, before running, a runtime whose imports contradict its mode; the
//! host refuses the same calls again at run time ([`crate::invoke`]), so a `HostState`
//! without an allocator can never be asked to allocate.

use crate::registry::HostFunction;

/// The ABI of a runtime (decided by the executor from its entry points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostMode {
    /// abi.md §2: entry `(ptr, len) -> i64`, host allocator at `__heap_base`.
    Classic,
    /// abi.md §3 (RFC-0145): entry `(len) -> i64`, the runtime owns its allocator.
    GuestAllocator,
}

impl std::fmt::Display for HostMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostMode::Classic => "classic",
            HostMode::GuestAllocator => "guest-allocator",
        })
    }
}

/// Which modes may import a host function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionStyle {
    /// Never allocates: both modes.
    Shared,
    /// Returns data through the host allocator: classic mode only.
    HostAllocating,
    /// Writes into guest buffers (RFC-0145): guest-allocator mode only.
    GuestAllocating,
}

impl FunctionStyle {
    /// Whether a runtime in `mode` may import a function of this style.
    pub fn allowed_in(self, mode: HostMode) -> bool {
        matches!(
            (self, mode),
            (FunctionStyle::Shared, _)
                | (FunctionStyle::HostAllocating, HostMode::Classic)
                | (FunctionStyle::GuestAllocating, HostMode::GuestAllocator)
        )
    }
}

impl HostFunction {
    /// The function's style (exhaustive: a new function must be classified here).
    pub fn style(self) -> FunctionStyle {
        use FunctionStyle::{GuestAllocating, HostAllocating, Shared};
        use HostFunction as F;
        match self {
            F::StorageSetV1
            | F::StorageClearV1
            | F::StorageExistsV1
            | F::StorageClearPrefixV1
            | F::StorageAppendV1
            | F::StorageStartTransactionV1
            | F::StorageRollbackTransactionV1
            | F::StorageCommitTransactionV1
            | F::DefaultChildStorageSetV1
            | F::DefaultChildStorageClearV1
            | F::DefaultChildStorageExistsV1
            | F::DefaultChildStorageClearPrefixV1
            | F::DefaultChildStorageStorageKillV1
            | F::DefaultChildStorageStorageKillV2
            | F::LoggingLogV1
            | F::LoggingMaxLevelV1
            | F::MiscPrintNumV1
            | F::MiscPrintUtf8V1
            | F::MiscPrintHexV1
            | F::PanicHandlerAbortOnPanicV1
            // Crypto: verification returns an i32 and reads only guest buffers.
            | F::CryptoEd25519VerifyV1
            | F::CryptoEd25519BatchVerifyV1
            | F::CryptoSr25519VerifyV1
            | F::CryptoSr25519VerifyV2
            | F::CryptoSr25519BatchVerifyV1
            | F::CryptoEcdsaVerifyV1
            | F::CryptoEcdsaVerifyV2
            | F::CryptoEcdsaVerifyPrehashedV1
            | F::CryptoEcdsaBatchVerifyV1
            | F::CryptoStartBatchVerifyV1
            | F::CryptoFinishBatchVerifyV1 => Shared,

            F::TrieBlake2256VerifyProofV1
            | F::TrieBlake2256VerifyProofV2
            | F::TrieKeccak256VerifyProofV1
            | F::TrieKeccak256VerifyProofV2
            | F::StorageProofSizeV1
            | F::OffchainIndexSetV1
            | F::OffchainIndexClearV1
            | F::TransactionIndexIndexV1
            | F::TransactionIndexRenewV1
            | F::WasmTracingEnabledV1
            | F::WasmTracingEnterSpanV1
            | F::WasmTracingEventV1
            | F::WasmTracingExitV1
            | F::OffchainIsValidatorV1
            | F::OffchainTimestampV1
            | F::OffchainSleepUntilV1
            | F::OffchainLocalStorageSetV1
            | F::OffchainLocalStorageClearV1
            | F::OffchainLocalStorageCompareAndSetV1
            | F::OffchainSetAuthorizedNodesV1 => Shared,

            F::HashingKeccak512V1
            | F::TrieKeccak256RootV1
            | F::TrieKeccak256RootV2
            | F::TrieKeccak256OrderedRootV1
            | F::TrieKeccak256OrderedRootV2
            | F::StorageClearPrefixV3Classic
            | F::DefaultChildStorageClearPrefixV3Classic
            | F::DefaultChildStorageStorageKillV4Classic
            | F::OffchainSubmitTransactionV1
            | F::OffchainNetworkStateV1
            | F::OffchainRandomSeedV1
            | F::OffchainLocalStorageGetV1
            | F::OffchainHttpRequestStartV1
            | F::OffchainHttpRequestAddHeaderV1
            | F::OffchainHttpRequestWriteBodyV1
            | F::OffchainHttpResponseWaitV1
            | F::OffchainHttpResponseHeadersV1
            | F::OffchainHttpResponseReadBodyV1 => HostAllocating,

            F::StorageGetV1
            | F::StorageReadV1
            | F::StorageClearPrefixV2
            | F::StorageRootV1
            | F::StorageRootV2
            | F::StorageChangesRootV1
            | F::StorageNextKeyV1
            | F::DefaultChildStorageGetV1
            | F::DefaultChildStorageReadV1
            | F::DefaultChildStorageClearPrefixV2
            | F::DefaultChildStorageStorageKillV3
            | F::DefaultChildStorageRootV1
            | F::DefaultChildStorageRootV2
            | F::DefaultChildStorageNextKeyV1
            | F::AllocatorMallocV1
            | F::AllocatorFreeV1
            | F::HashingKeccak256V1
            | F::HashingSha2256V1
            | F::HashingBlake2128V1
            | F::HashingBlake2256V1
            | F::HashingTwox64V1
            | F::HashingTwox128V1
            | F::HashingTwox256V1
            | F::TrieBlake2256RootV1
            | F::TrieBlake2256RootV2
            | F::TrieBlake2256OrderedRootV1
            | F::TrieBlake2256OrderedRootV2
            | F::MiscRuntimeVersionV1
            | F::CryptoSecp256k1EcdsaRecoverV1
            | F::CryptoSecp256k1EcdsaRecoverV2
            | F::CryptoSecp256k1EcdsaRecoverCompressedV1
            | F::CryptoSecp256k1EcdsaRecoverCompressedV2
            | F::CryptoEd25519PublicKeysV1
            | F::CryptoEd25519GenerateV1
            | F::CryptoEd25519SignV1
            | F::CryptoSr25519PublicKeysV1
            | F::CryptoSr25519GenerateV1
            | F::CryptoSr25519SignV1
            | F::CryptoEcdsaPublicKeysV1
            | F::CryptoEcdsaGenerateV1
            | F::CryptoEcdsaSignV1
            | F::CryptoEcdsaSignPrehashedV1 => HostAllocating,

            F::InputReadV1
            | F::StorageReadV2
            | F::StorageNextKeyV2
            | F::StorageRootV3
            | F::StorageClearPrefixV3
            | F::DefaultChildStorageReadV2
            | F::DefaultChildStorageNextKeyV2
            | F::DefaultChildStorageRootV3
            | F::DefaultChildStorageClearPrefixV3
            | F::DefaultChildStorageStorageKillV4
            | F::HashingKeccak256V2
            | F::HashingSha2256V2
            | F::HashingBlake2128V2
            | F::HashingBlake2256V2
            | F::HashingTwox64V2
            | F::HashingTwox128V2
            | F::HashingTwox256V2
            | F::TrieBlake2256RootV3
            | F::TrieBlake2256OrderedRootV3
            | F::MiscRuntimeVersionV2
            | F::MiscLastCursorV1 => GuestAllocating,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_md_examples_are_classified() {
        assert_eq!(
            HostFunction::StorageGetV1.style(),
            FunctionStyle::HostAllocating
        );
        assert_eq!(
            HostFunction::AllocatorMallocV1.style(),
            FunctionStyle::HostAllocating
        );
        assert_eq!(HostFunction::StorageSetV1.style(), FunctionStyle::Shared);
        assert_eq!(
            HostFunction::InputReadV1.style(),
            FunctionStyle::GuestAllocating
        );
        assert!(FunctionStyle::Shared.allowed_in(HostMode::GuestAllocator));
        assert!(!FunctionStyle::HostAllocating.allowed_in(HostMode::GuestAllocator));
        assert!(!FunctionStyle::GuestAllocating.allowed_in(HostMode::Classic));
    }

    #[test]
    fn guest_functions_are_exactly_the_versions_rfc_0145_introduces() {
        for &f in HostFunction::ALL {
            let name = f.name();
            let new_version = ["ext_input_read_version_1", "ext_misc_last_cursor_version_1"]
                .contains(&name)
                || (name.contains("_read_version_2") && name.contains("storage"))
                || name.contains("next_key_version_2")
                || name.contains("root_version_3")
                || name.contains("clear_prefix_version_3")
                || name.contains("storage_kill_version_4")
                || (name.starts_with("ext_hashing_") && name.ends_with("_version_2"))
                || name == "ext_misc_runtime_version_version_2";
            // sp-io 49 registers three of these names itself, with other signatures: a classic
            // runtime gets sp-io's (`HostFunction::resolve`).
            let sp_io_namesake = matches!(
                f,
                HostFunction::StorageClearPrefixV3Classic
                    | HostFunction::DefaultChildStorageClearPrefixV3Classic
                    | HostFunction::DefaultChildStorageStorageKillV4Classic
            );
            assert_eq!(
                f.style() == FunctionStyle::GuestAllocating,
                new_version && !sp_io_namesake,
                "{name}"
            );
        }
    }
}
