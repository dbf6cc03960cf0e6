//! The table of host functions: import name ↔ [`HostFunction`] ↔ static [`Signature`].
//!
//! Imports are resolved once, when a module is loaded ([`HostFunction::from_name`]); from then
//! on a call dispatches on the enum, never on a string. Every variant has exactly one wasm
//! signature, written next to its name in the table below, and the table is the only place
//! that lists them.

use sp_wasm_interface::{Signature, ValueType};

use crate::style::HostMode;

macro_rules! host_functions {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal ( $($arg:ident),* ) $(-> $ret:ident)? ;
    )*) => {
        /// One variant per supported `env.ext_*` import (classic ABI).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum HostFunction {
            $( $(#[$doc])* $variant, )*
        }

        impl HostFunction {
            /// Every supported host function, in table order.
            pub const ALL: &'static [HostFunction] = &[ $( HostFunction::$variant, )* ];

            /// Resolves an import name for a runtime of `mode`, e.g.
            /// `"ext_storage_get_version_1"`.
            ///
            /// A few names exist twice, with different signatures: `sp-io` 49 registers
            /// `ext_storage_clear_prefix_version_3`,
            /// `ext_default_child_storage_clear_prefix_version_3` and
            /// `ext_default_child_storage_storage_kill_version_4`, and RFC-0145 (abi.md §3)
            /// defines functions of the same names. A classic runtime gets `sp-io`'s, a
            /// guest-allocator runtime RFC-0145's. A name only the other mode has resolves to
            /// that function, so the executor can name it as contradicting the mode rather
            /// than as missing.
            pub fn resolve(name: &str, mode: HostMode) -> Option<Self> {
                let mut named = Self::ALL.iter().copied().filter(|f| f.name() == name);
                let first = named.next()?;
                if first.style().allowed_in(mode) {
                    return Some(first);
                }
                Some(named.find(|f| f.style().allowed_in(mode)).unwrap_or(first))
            }

            /// Resolves an import name as a classic runtime would ([`HostFunction::resolve`]
            /// with [`HostMode::Classic`]).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::resolve(name, HostMode::Classic)
            }

            /// The import name, e.g. `"ext_storage_get_version_1"`.
            pub fn name(self) -> &'static str {
                match self {
                    $( HostFunction::$variant => $name, )*
                }
            }

            /// The wasm parameter types, in order.
            pub fn params(self) -> &'static [ValueType] {
                match self {
                    $( HostFunction::$variant => &[ $( ValueType::$arg ),* ], )*
                }
            }

            /// The wasm result type, if any.
            pub fn result(self) -> Option<ValueType> {
                match self {
                    $( HostFunction::$variant => host_functions!(@ret $($ret)?), )*
                }
            }

            /// The wasm signature of the import.
            pub fn signature(self) -> Signature {
                Signature::new(self.params(), self.result())
            }
        }
    };
    (@ret) => { None };
    (@ret $ret:ident) => { Some(ValueType::$ret) };
}

host_functions! {
    /// `get(key) -> Option<Vec<u8>>`, allocated even for `None`.
    StorageGetV1 = "ext_storage_get_version_1" (I64) -> I64;
    /// `read(key, value_out, offset) -> Option<u32>`.
    StorageReadV1 = "ext_storage_read_version_1" (I64, I64, I32) -> I64;
    /// `set(key, value)`.
    StorageSetV1 = "ext_storage_set_version_1" (I64, I64);
    /// `clear(key)`.
    StorageClearV1 = "ext_storage_clear_version_1" (I64);
    /// `exists(key) -> bool`.
    StorageExistsV1 = "ext_storage_exists_version_1" (I64) -> I32;
    /// `clear_prefix(prefix)`.
    StorageClearPrefixV1 = "ext_storage_clear_prefix_version_1" (I64);
    /// `clear_prefix(prefix, limit: Option<u32>) -> KillStorageResult`.
    StorageClearPrefixV2 = "ext_storage_clear_prefix_version_2" (I64, I64) -> I64;
    /// `append(key, encoded_item)`.
    StorageAppendV1 = "ext_storage_append_version_1" (I64, I64);
    /// `root() -> [u8; 32]` (state version V0), as a fat pointer.
    StorageRootV1 = "ext_storage_root_version_1" () -> I64;
    /// `root(version) -> [u8; 32]`, as a fat pointer.
    StorageRootV2 = "ext_storage_root_version_2" (I32) -> I64;
    /// `changes_root(parent_hash) -> Option<Vec<u8>>`: always `None` (changes tries are gone).
    StorageChangesRootV1 = "ext_storage_changes_root_version_1" (I64) -> I64;
    /// `next_key(key) -> Option<Vec<u8>>`.
    StorageNextKeyV1 = "ext_storage_next_key_version_1" (I64) -> I64;
    /// `start_transaction()`.
    StorageStartTransactionV1 = "ext_storage_start_transaction_version_1" ();
    /// `rollback_transaction()`.
    StorageRollbackTransactionV1 = "ext_storage_rollback_transaction_version_1" ();
    /// `commit_transaction()`.
    StorageCommitTransactionV1 = "ext_storage_commit_transaction_version_1" ();

    /// `get(storage_key, key) -> Option<Vec<u8>>`.
    DefaultChildStorageGetV1 = "ext_default_child_storage_get_version_1" (I64, I64) -> I64;
    /// `read(storage_key, key, value_out, offset) -> Option<u32>`.
    DefaultChildStorageReadV1 = "ext_default_child_storage_read_version_1" (I64, I64, I64, I32) -> I64;
    /// `set(storage_key, key, value)`.
    DefaultChildStorageSetV1 = "ext_default_child_storage_set_version_1" (I64, I64, I64);
    /// `clear(storage_key, key)`.
    DefaultChildStorageClearV1 = "ext_default_child_storage_clear_version_1" (I64, I64);
    /// `exists(storage_key, key) -> bool`.
    DefaultChildStorageExistsV1 = "ext_default_child_storage_exists_version_1" (I64, I64) -> I32;
    /// `clear_prefix(storage_key, prefix)`.
    DefaultChildStorageClearPrefixV1 = "ext_default_child_storage_clear_prefix_version_1" (I64, I64);
    /// `clear_prefix(storage_key, prefix, limit) -> KillStorageResult`.
    DefaultChildStorageClearPrefixV2 = "ext_default_child_storage_clear_prefix_version_2" (I64, I64, I64) -> I64;
    /// `storage_kill(storage_key)`.
    DefaultChildStorageStorageKillV1 = "ext_default_child_storage_storage_kill_version_1" (I64);
    /// `storage_kill(storage_key, limit) -> bool` (true = all removed).
    DefaultChildStorageStorageKillV2 = "ext_default_child_storage_storage_kill_version_2" (I64, I64) -> I32;
    /// `storage_kill(storage_key, limit) -> KillStorageResult`.
    DefaultChildStorageStorageKillV3 = "ext_default_child_storage_storage_kill_version_3" (I64, I64) -> I64;
    /// `root(storage_key) -> [u8; 32]` (V0), as a fat pointer.
    DefaultChildStorageRootV1 = "ext_default_child_storage_root_version_1" (I64) -> I64;
    /// `root(storage_key, version) -> [u8; 32]`, as a fat pointer.
    DefaultChildStorageRootV2 = "ext_default_child_storage_root_version_2" (I64, I32) -> I64;
    /// `next_key(storage_key, key) -> Option<Vec<u8>>`.
    DefaultChildStorageNextKeyV1 = "ext_default_child_storage_next_key_version_1" (I64, I64) -> I64;

    /// `malloc(size) -> pointer`.
    AllocatorMallocV1 = "ext_allocator_malloc_version_1" (I32) -> I32;
    /// `free(pointer)`.
    AllocatorFreeV1 = "ext_allocator_free_version_1" (I32);

    /// Keccak-256 → pointer to 32 bytes.
    HashingKeccak256V1 = "ext_hashing_keccak_256_version_1" (I64) -> I32;
    /// SHA2-256 → pointer to 32 bytes.
    HashingSha2256V1 = "ext_hashing_sha2_256_version_1" (I64) -> I32;
    /// Blake2b-128 → pointer to 16 bytes.
    HashingBlake2128V1 = "ext_hashing_blake2_128_version_1" (I64) -> I32;
    /// Blake2b-256 → pointer to 32 bytes.
    HashingBlake2256V1 = "ext_hashing_blake2_256_version_1" (I64) -> I32;
    /// XxHash64 seed 0 → pointer to 8 bytes.
    HashingTwox64V1 = "ext_hashing_twox_64_version_1" (I64) -> I32;
    /// XxHash64 seeds 0, 1 → pointer to 16 bytes.
    HashingTwox128V1 = "ext_hashing_twox_128_version_1" (I64) -> I32;
    /// XxHash64 seeds 0..=3 → pointer to 32 bytes.
    HashingTwox256V1 = "ext_hashing_twox_256_version_1" (I64) -> I32;

    /// Trie root (V0) of SCALE `Vec<(Vec<u8>, Vec<u8>)>` → pointer to 32 bytes.
    TrieBlake2256RootV1 = "ext_trie_blake2_256_root_version_1" (I64) -> I32;
    /// Trie root of SCALE `Vec<(Vec<u8>, Vec<u8>)>` with a state version.
    TrieBlake2256RootV2 = "ext_trie_blake2_256_root_version_2" (I64, I32) -> I32;
    /// Ordered trie root (V0) of SCALE `Vec<Vec<u8>>`.
    TrieBlake2256OrderedRootV1 = "ext_trie_blake2_256_ordered_root_version_1" (I64) -> I32;
    /// Ordered trie root of SCALE `Vec<Vec<u8>>` with a state version.
    TrieBlake2256OrderedRootV2 = "ext_trie_blake2_256_ordered_root_version_2" (I64, I32) -> I32;

    /// `log(level, target, message)`.
    LoggingLogV1 = "ext_logging_log_version_1" (I32, I64, I64);
    /// `max_level() -> LevelFilter` (0 Off ..= 5 Trace).
    LoggingMaxLevelV1 = "ext_logging_max_level_version_1" () -> I32;

    /// `print_num(u64)`.
    MiscPrintNumV1 = "ext_misc_print_num_version_1" (I64);
    /// `print_utf8(bytes)`.
    MiscPrintUtf8V1 = "ext_misc_print_utf8_version_1" (I64);
    /// `print_hex(bytes)`.
    MiscPrintHexV1 = "ext_misc_print_hex_version_1" (I64);
    /// `runtime_version(wasm) -> Option<Vec<u8>>`.
    MiscRuntimeVersionV1 = "ext_misc_runtime_version_version_1" (I64) -> I64;

    /// `abort_on_panic(message)`: records the message and traps.
    PanicHandlerAbortOnPanicV1 = "ext_panic_handler_abort_on_panic_version_1" (I64);

    // ext_crypto_* (sp-io 49 `trait Crypto`; `functions::crypto`).
    /// `ed25519_verify(sig: *[u8; 64], msg, public: *[u8; 32]) -> bool`.
    CryptoEd25519VerifyV1 = "ext_crypto_ed25519_verify_version_1" (I32, I64, I32) -> I32;
    /// `ed25519_batch_verify(sig, msg, public) -> bool` (deprecated, register-only).
    CryptoEd25519BatchVerifyV1 = "ext_crypto_ed25519_batch_verify_version_1" (I32, I64, I32) -> I32;
    /// `sr25519_verify(sig, msg, public) -> bool`, pre-audit signatures accepted.
    CryptoSr25519VerifyV1 = "ext_crypto_sr25519_verify_version_1" (I32, I64, I32) -> I32;
    /// `sr25519_verify(sig, msg, public) -> bool`.
    CryptoSr25519VerifyV2 = "ext_crypto_sr25519_verify_version_2" (I32, I64, I32) -> I32;
    /// `sr25519_batch_verify(sig, msg, public) -> bool` (deprecated, register-only).
    CryptoSr25519BatchVerifyV1 = "ext_crypto_sr25519_batch_verify_version_1" (I32, I64, I32) -> I32;
    /// `ecdsa_verify(sig: *[u8; 65], msg, public: *[u8; 33]) -> bool`, overflowing r/s reduced.
    CryptoEcdsaVerifyV1 = "ext_crypto_ecdsa_verify_version_1" (I32, I64, I32) -> I32;
    /// `ecdsa_verify(sig, msg, public) -> bool`.
    CryptoEcdsaVerifyV2 = "ext_crypto_ecdsa_verify_version_2" (I32, I64, I32) -> I32;
    /// `ecdsa_verify_prehashed(sig, msg: *[u8; 32], public) -> bool`.
    CryptoEcdsaVerifyPrehashedV1 = "ext_crypto_ecdsa_verify_prehashed_version_1" (I32, I32, I32) -> I32;
    /// `ecdsa_batch_verify(sig, msg, public) -> bool` (deprecated, register-only).
    CryptoEcdsaBatchVerifyV1 = "ext_crypto_ecdsa_batch_verify_version_1" (I32, I64, I32) -> I32;
    /// `start_batch_verify()` (deprecated, register-only).
    CryptoStartBatchVerifyV1 = "ext_crypto_start_batch_verify_version_1" ();
    /// `finish_batch_verify() -> bool` (deprecated, register-only).
    CryptoFinishBatchVerifyV1 = "ext_crypto_finish_batch_verify_version_1" () -> I32;
    /// `secp256k1_ecdsa_recover(sig: *[u8; 65], msg: *[u8; 32]) -> Result<[u8; 64], _>`.
    CryptoSecp256k1EcdsaRecoverV1 = "ext_crypto_secp256k1_ecdsa_recover_version_1" (I32, I32) -> I64;
    /// `secp256k1_ecdsa_recover` with standard (non-overflowing) r/s parsing.
    CryptoSecp256k1EcdsaRecoverV2 = "ext_crypto_secp256k1_ecdsa_recover_version_2" (I32, I32) -> I64;
    /// `secp256k1_ecdsa_recover_compressed(sig, msg) -> Result<[u8; 33], _>`.
    CryptoSecp256k1EcdsaRecoverCompressedV1 = "ext_crypto_secp256k1_ecdsa_recover_compressed_version_1" (I32, I32) -> I64;
    /// `secp256k1_ecdsa_recover_compressed` with standard r/s parsing.
    CryptoSecp256k1EcdsaRecoverCompressedV2 = "ext_crypto_secp256k1_ecdsa_recover_compressed_version_2" (I32, I32) -> I64;
    /// `ed25519_public_keys(key_type: *[u8; 4]) -> Vec<[u8; 32]>`.
    CryptoEd25519PublicKeysV1 = "ext_crypto_ed25519_public_keys_version_1" (I32) -> I64;
    /// `ed25519_generate(key_type, seed: Option<Vec<u8>>) -> *[u8; 32]`.
    CryptoEd25519GenerateV1 = "ext_crypto_ed25519_generate_version_1" (I32, I64) -> I32;
    /// `ed25519_sign(key_type, public: *[u8; 32], msg) -> Option<[u8; 64]>`.
    CryptoEd25519SignV1 = "ext_crypto_ed25519_sign_version_1" (I32, I32, I64) -> I64;
    /// `sr25519_public_keys(key_type) -> Vec<[u8; 32]>`.
    CryptoSr25519PublicKeysV1 = "ext_crypto_sr25519_public_keys_version_1" (I32) -> I64;
    /// `sr25519_generate(key_type, seed) -> *[u8; 32]`.
    CryptoSr25519GenerateV1 = "ext_crypto_sr25519_generate_version_1" (I32, I64) -> I32;
    /// `sr25519_sign(key_type, public, msg) -> Option<[u8; 64]>`.
    CryptoSr25519SignV1 = "ext_crypto_sr25519_sign_version_1" (I32, I32, I64) -> I64;
    /// `ecdsa_public_keys(key_type) -> Vec<[u8; 33]>`.
    CryptoEcdsaPublicKeysV1 = "ext_crypto_ecdsa_public_keys_version_1" (I32) -> I64;
    /// `ecdsa_generate(key_type, seed) -> *[u8; 33]`.
    CryptoEcdsaGenerateV1 = "ext_crypto_ecdsa_generate_version_1" (I32, I64) -> I32;
    /// `ecdsa_sign(key_type, public: *[u8; 33], msg) -> Option<[u8; 65]>`.
    CryptoEcdsaSignV1 = "ext_crypto_ecdsa_sign_version_1" (I32, I32, I64) -> I64;
    /// `ecdsa_sign_prehashed(key_type, public, msg: *[u8; 32]) -> Option<[u8; 65]>`.
    CryptoEcdsaSignPrehashedV1 = "ext_crypto_ecdsa_sign_prehashed_version_1" (I32, I32, I32) -> I64;
    // The rest of sp-io 49's `SubstrateHostFunctions` (crypto aside) and cumulus' proof size.
    /// Keccak-512 → pointer to 64 bytes.
    HashingKeccak512V1 = "ext_hashing_keccak_512_version_1" (I64) -> I32;
    /// Keccak-256 trie root (V0) of SCALE `Vec<(Vec<u8>, Vec<u8>)>` → pointer to 32 bytes.
    TrieKeccak256RootV1 = "ext_trie_keccak_256_root_version_1" (I64) -> I32;
    /// Keccak-256 trie root of SCALE `Vec<(Vec<u8>, Vec<u8>)>` with a state version.
    TrieKeccak256RootV2 = "ext_trie_keccak_256_root_version_2" (I64, I32) -> I32;
    /// Keccak-256 ordered trie root (V0) of SCALE `Vec<Vec<u8>>`.
    TrieKeccak256OrderedRootV1 = "ext_trie_keccak_256_ordered_root_version_1" (I64) -> I32;
    /// Keccak-256 ordered trie root of SCALE `Vec<Vec<u8>>` with a state version.
    TrieKeccak256OrderedRootV2 = "ext_trie_keccak_256_ordered_root_version_2" (I64, I32) -> I32;
    /// `blake2_256_verify_proof(root_ptr, proof, key, value) -> bool` (layout V0).
    TrieBlake2256VerifyProofV1 = "ext_trie_blake2_256_verify_proof_version_1" (I32, I64, I64, I64) -> I32;
    /// `blake2_256_verify_proof(root_ptr, proof, key, value, version) -> bool`.
    TrieBlake2256VerifyProofV2 = "ext_trie_blake2_256_verify_proof_version_2" (I32, I64, I64, I64, I32) -> I32;
    /// `keccak_256_verify_proof(root_ptr, proof, key, value) -> bool` (layout V0).
    TrieKeccak256VerifyProofV1 = "ext_trie_keccak_256_verify_proof_version_1" (I32, I64, I64, I64) -> I32;
    /// `keccak_256_verify_proof(root_ptr, proof, key, value, version) -> bool`.
    TrieKeccak256VerifyProofV2 = "ext_trie_keccak_256_verify_proof_version_2" (I32, I64, I64, I64, I32) -> I32;

    /// `clear_prefix(prefix, limit, cursor) -> MultiRemovalResults` (sp-io; classic only).
    StorageClearPrefixV3Classic = "ext_storage_clear_prefix_version_3" (I64, I64, I64) -> I64;
    /// `clear_prefix(storage_key, prefix, limit, cursor) -> MultiRemovalResults` (classic).
    DefaultChildStorageClearPrefixV3Classic = "ext_default_child_storage_clear_prefix_version_3" (I64, I64, I64, I64) -> I64;
    /// `storage_kill(storage_key, limit, cursor) -> MultiRemovalResults` (classic).
    DefaultChildStorageStorageKillV4Classic = "ext_default_child_storage_storage_kill_version_4" (I64, I64, I64) -> I64;
    /// Cumulus' `storage_proof_size() -> u64`: `u64::MAX` when no proof is recorded.
    StorageProofSizeV1 = "ext_storage_proof_size_storage_proof_size_version_1" () -> I64;

    /// `offchain_index::set(key, value)`: buffered offchain-database write.
    OffchainIndexSetV1 = "ext_offchain_index_set_version_1" (I64, I64);
    /// `offchain_index::clear(key)`: buffered offchain-database removal.
    OffchainIndexClearV1 = "ext_offchain_index_clear_version_1" (I64);
    /// `transaction_index::index(extrinsic, size, context_hash_ptr)`.
    TransactionIndexIndexV1 = "ext_transaction_index_index_version_1" (I32, I32, I32);
    /// `transaction_index::renew(extrinsic, context_hash_ptr)`.
    TransactionIndexRenewV1 = "ext_transaction_index_renew_version_1" (I32, I32);

    /// `enabled(WasmMetadata) -> bool`: always false (no wasm-side tracing).
    WasmTracingEnabledV1 = "ext_wasm_tracing_enabled_version_1" (I64) -> I32;
    /// `enter_span(WasmEntryAttributes) -> u64`: span id 0 (not traced).
    WasmTracingEnterSpanV1 = "ext_wasm_tracing_enter_span_version_1" (I64) -> I64;
    /// `event(WasmEntryAttributes)`: decoded and dropped.
    WasmTracingEventV1 = "ext_wasm_tracing_event_version_1" (I64);
    /// `exit(span_id)`.
    WasmTracingExitV1 = "ext_wasm_tracing_exit_version_1" (I64);

    /// `is_validator() -> bool`.
    OffchainIsValidatorV1 = "ext_offchain_is_validator_version_1" () -> I32;
    /// `submit_transaction(extrinsic) -> Result<(), ()>`.
    OffchainSubmitTransactionV1 = "ext_offchain_submit_transaction_version_1" (I64) -> I64;
    /// `network_state() -> Result<OpaqueNetworkState, ()>`.
    OffchainNetworkStateV1 = "ext_offchain_network_state_version_1" () -> I64;
    /// `timestamp() -> u64` (unix milliseconds).
    OffchainTimestampV1 = "ext_offchain_timestamp_version_1" () -> I64;
    /// `sleep_until(deadline)`.
    OffchainSleepUntilV1 = "ext_offchain_sleep_until_version_1" (I64);
    /// `random_seed() -> pointer to 32 bytes`.
    OffchainRandomSeedV1 = "ext_offchain_random_seed_version_1" () -> I32;
    /// `local_storage_set(kind, key, value)`.
    OffchainLocalStorageSetV1 = "ext_offchain_local_storage_set_version_1" (I32, I64, I64);
    /// `local_storage_clear(kind, key)`.
    OffchainLocalStorageClearV1 = "ext_offchain_local_storage_clear_version_1" (I32, I64);
    /// `local_storage_compare_and_set(kind, key, old: Option<Vec<u8>>, new) -> bool`.
    OffchainLocalStorageCompareAndSetV1 = "ext_offchain_local_storage_compare_and_set_version_1" (I32, I64, I64, I64) -> I32;
    /// `local_storage_get(kind, key) -> Option<Vec<u8>>`.
    OffchainLocalStorageGetV1 = "ext_offchain_local_storage_get_version_1" (I32, I64) -> I64;
    /// `http_request_start(method, uri, meta) -> Result<u16, ()>`.
    OffchainHttpRequestStartV1 = "ext_offchain_http_request_start_version_1" (I64, I64, I64) -> I64;
    /// `http_request_add_header(id, name, value) -> Result<(), ()>`.
    OffchainHttpRequestAddHeaderV1 = "ext_offchain_http_request_add_header_version_1" (I32, I64, I64) -> I64;
    /// `http_request_write_body(id, chunk, deadline) -> Result<(), HttpError>`.
    OffchainHttpRequestWriteBodyV1 = "ext_offchain_http_request_write_body_version_1" (I32, I64, I64) -> I64;
    /// `http_response_wait(ids, deadline) -> Vec<HttpRequestStatus>`.
    OffchainHttpResponseWaitV1 = "ext_offchain_http_response_wait_version_1" (I64, I64) -> I64;
    /// `http_response_headers(id) -> Vec<(Vec<u8>, Vec<u8>)>`.
    OffchainHttpResponseHeadersV1 = "ext_offchain_http_response_headers_version_1" (I32) -> I64;
    /// `http_response_read_body(id, buffer, deadline) -> Result<u32, HttpError>`.
    OffchainHttpResponseReadBodyV1 = "ext_offchain_http_response_read_body_version_1" (I32, I64, I64) -> I64;
    /// `set_authorized_nodes(nodes: Vec<OpaquePeerId>, authorized_only)`.
    OffchainSetAuthorizedNodesV1 = "ext_offchain_set_authorized_nodes_version_1" (I64, I32);

    // RFC-0145 (abi.md §3): the host never allocates; see `functions::rfc0145`.
    /// `input_read(buf)`: copies the call's whole input into `buf` (guest-allocator mode).
    InputReadV1 = "ext_input_read_version_1" (I64);
    /// `read(key, value_out, offset, allow_partial) -> optional full length from offset`.
    StorageReadV2 = "ext_storage_read_version_2" (I64, I64, I32, I32) -> I64;
    /// `next_key(key, key_out) -> full next-key length, 0 if none`.
    StorageNextKeyV2 = "ext_storage_next_key_version_2" (I64, I64) -> I32;
    /// `root(out)`: 32-byte root in the runtime's state version into `out`.
    StorageRootV3 = "ext_storage_root_version_3" (I64);
    /// `clear_prefix(prefix, limit, cursor_in, cursor_out, counters_out) -> cursor length`.
    StorageClearPrefixV3 = "ext_storage_clear_prefix_version_3" (I64, I64, I64, I64, I32) -> I32;
    /// `read(storage_key, key, value_out, offset, allow_partial) -> optional length`.
    DefaultChildStorageReadV2 = "ext_default_child_storage_read_version_2" (I64, I64, I64, I32, I32) -> I64;
    /// `next_key(storage_key, key, key_out) -> full next-key length, 0 if none`.
    DefaultChildStorageNextKeyV2 = "ext_default_child_storage_next_key_version_2" (I64, I64, I64) -> I32;
    /// `root(storage_key, out)`: 32-byte child root into `out`.
    DefaultChildStorageRootV3 = "ext_default_child_storage_root_version_3" (I64, I64);
    /// `clear_prefix(storage_key, prefix, limit, cursor_in, cursor_out, counters_out)`.
    DefaultChildStorageClearPrefixV3 = "ext_default_child_storage_clear_prefix_version_3" (I64, I64, I64, I64, I64, I32) -> I32;
    /// `storage_kill(storage_key, limit, cursor_in, cursor_out, counters_out)`.
    DefaultChildStorageStorageKillV4 = "ext_default_child_storage_storage_kill_version_4" (I64, I64, I64, I64, I32) -> I32;
    /// Keccak-256 of `data` into the 32 bytes at `out`.
    HashingKeccak256V2 = "ext_hashing_keccak_256_version_2" (I64, I32);
    /// SHA2-256 of `data` into the 32 bytes at `out`.
    HashingSha2256V2 = "ext_hashing_sha2_256_version_2" (I64, I32);
    /// Blake2b-128 of `data` into the 16 bytes at `out`.
    HashingBlake2128V2 = "ext_hashing_blake2_128_version_2" (I64, I32);
    /// Blake2b-256 of `data` into the 32 bytes at `out`.
    HashingBlake2256V2 = "ext_hashing_blake2_256_version_2" (I64, I32);
    /// XxHash64 seed 0 of `data` into the 8 bytes at `out`.
    HashingTwox64V2 = "ext_hashing_twox_64_version_2" (I64, I32);
    /// XxHash64 seeds 0, 1 of `data` into the 16 bytes at `out`.
    HashingTwox128V2 = "ext_hashing_twox_128_version_2" (I64, I32);
    /// XxHash64 seeds 0..=3 of `data` into the 32 bytes at `out`.
    HashingTwox256V2 = "ext_hashing_twox_256_version_2" (I64, I32);
    /// Trie root of SCALE `Vec<(Vec<u8>, Vec<u8>)>` with a state version into `out`.
    TrieBlake2256RootV3 = "ext_trie_blake2_256_root_version_3" (I64, I32, I32);
    /// Ordered trie root of SCALE `Vec<Vec<u8>>` with a state version into `out`.
    TrieBlake2256OrderedRootV3 = "ext_trie_blake2_256_ordered_root_version_3" (I64, I32, I32);
    /// `runtime_version(wasm, out) -> optional full length` of the SCALE `RuntimeVersion`.
    MiscRuntimeVersionV2 = "ext_misc_runtime_version_version_2" (I64, I64) -> I64;
    /// `last_cursor(out) -> optional full length` of the last clear-prefix cursor.
    MiscLastCursorV1 = "ext_misc_last_cursor_version_1" (I64) -> I64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique_per_mode() {
        let mut seen = std::collections::BTreeSet::new();
        for &f in HostFunction::ALL {
            for mode in [HostMode::Classic, HostMode::GuestAllocator] {
                if f.style().allowed_in(mode) {
                    assert_eq!(HostFunction::resolve(f.name(), mode), Some(f));
                    assert!(
                        seen.insert((f.name(), mode == HostMode::Classic)),
                        "duplicate name {}",
                        f.name()
                    );
                }
            }
            assert!(f.name().starts_with("ext_"));
        }
        assert_eq!(HostFunction::from_name("ext_storage_get_version_9"), None);
    }

    #[test]
    fn shared_names_resolve_per_mode() {
        let name = "ext_storage_clear_prefix_version_3";
        assert_eq!(
            HostFunction::from_name(name),
            Some(HostFunction::StorageClearPrefixV3Classic)
        );
        assert_eq!(
            HostFunction::resolve(name, HostMode::GuestAllocator),
            Some(HostFunction::StorageClearPrefixV3)
        );
        // A guest-only name resolves for a classic runtime too (the executor refuses it as
        // contradicting the mode).
        assert_eq!(
            HostFunction::from_name("ext_input_read_version_1"),
            Some(HostFunction::InputReadV1)
        );
    }

    #[test]
    fn signatures_match_the_abi_table() {
        use ValueType::{I32, I64};
        let get = HostFunction::StorageGetV1.signature();
        assert_eq!(&get.args[..], &[I64]);
        assert_eq!(get.return_value, Some(I64));
        let read = HostFunction::DefaultChildStorageReadV1.signature();
        assert_eq!(&read.args[..], &[I64, I64, I64, I32]);
        assert_eq!(HostFunction::AllocatorFreeV1.result(), None);
        assert_eq!(HostFunction::StorageRootV1.params(), &[] as &[ValueType]);
    }
}
