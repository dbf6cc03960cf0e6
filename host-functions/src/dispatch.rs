//! [`invoke`]: one match from [`HostFunction`] to its implementation.

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use crate::error::{HostError, HostErrorCause};
use crate::functions::crypto::recover::Recovery;
use crate::functions::crypto::verify::Check;
use crate::functions::crypto::{batch, keystore as keys, recover, verify};
use crate::functions::hashing::Algorithm;
use crate::functions::trie_proof::TrieHasher;
use crate::functions::{
    allocator, child_storage, hashing, logging, misc, offchain, panic, proof_size, removal,
    rfc0145, storage, transaction_index, trie, trie_proof, wasm_tracing, Args,
};
use crate::host_state::HostState;
use crate::keystore::Scheme;
use crate::registry::HostFunction;

const RECOVER_V1: Recovery = Recovery {
    standard: false,
    compressed: false,
};
const RECOVER_V2: Recovery = Recovery {
    standard: true,
    compressed: false,
};
const RECOVER_COMPRESSED_V1: Recovery = Recovery {
    standard: false,
    compressed: true,
};
const RECOVER_COMPRESSED_V2: Recovery = Recovery {
    standard: true,
    compressed: true,
};

/// Runs one host function.
///
/// Checks the arguments against the signature, reads them in order, runs, writes back `&mut`
/// buffers, then allocates the result (allocation order is consensus-relevant). Never panics,
/// whatever the memory contents or arguments; a failure is an error naming the function and
/// the cause, and leaves the storage as it was before the call.
pub fn invoke(
    function: HostFunction,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &[Value],
) -> Result<Option<Value>, HostError> {
    use HostFunction as F;
    let args = Args::check(function, args).map_err(|cause| cause.at(function.name()))?;
    if !function.style().allowed_in(state.mode) {
        return Err(HostErrorCause::WrongMode { mode: state.mode }.at(function.name()));
    }
    state.stats.count(function);
    state.allocator.set_site(function.name());
    let traffic_before = crate::stats::traffic();
    // Prefix removals walk at most the backend keys the fuel left can pay for.
    let visit_budget = state
        .fuel_left()
        .map(|left| left / crate::cost::VISITED_KEY_FUEL);
    state.storage.set_visit_budget(visit_budget);
    let a = &args;
    let outcome = match function {
        F::StorageGetV1 => storage::get(state, memory, a),
        F::StorageReadV1 => storage::read(state, memory, a),
        F::StorageSetV1 => storage::set(state, memory, a),
        F::StorageClearV1 => storage::clear(state, memory, a),
        F::StorageExistsV1 => storage::exists(state, memory, a),
        F::StorageClearPrefixV1 => storage::clear_prefix_v1(state, memory, a),
        F::StorageClearPrefixV2 => storage::clear_prefix_v2(state, memory, a),
        F::StorageAppendV1 => storage::append(state, memory, a),
        F::StorageRootV1 => storage::root_v1(state, memory, a),
        F::StorageRootV2 => storage::root_v2(state, memory, a),
        F::StorageChangesRootV1 => storage::changes_root(state, memory, a),
        F::StorageNextKeyV1 => storage::next_key(state, memory, a),
        F::StorageStartTransactionV1 => storage::start_transaction(state),
        F::StorageRollbackTransactionV1 => storage::rollback_transaction(state),
        F::StorageCommitTransactionV1 => storage::commit_transaction(state),

        F::DefaultChildStorageGetV1 => child_storage::get(state, memory, a),
        F::DefaultChildStorageReadV1 => child_storage::read(state, memory, a),
        F::DefaultChildStorageSetV1 => child_storage::set(state, memory, a),
        F::DefaultChildStorageClearV1 => child_storage::clear(state, memory, a),
        F::DefaultChildStorageExistsV1 => child_storage::exists(state, memory, a),
        F::DefaultChildStorageClearPrefixV1 => child_storage::clear_prefix_v1(state, memory, a),
        F::DefaultChildStorageClearPrefixV2 => child_storage::clear_prefix_v2(state, memory, a),
        F::DefaultChildStorageStorageKillV1 => child_storage::storage_kill_v1(state, memory, a),
        F::DefaultChildStorageStorageKillV2 => child_storage::storage_kill_v2(state, memory, a),
        F::DefaultChildStorageStorageKillV3 => child_storage::storage_kill_v3(state, memory, a),
        F::DefaultChildStorageRootV1 => child_storage::root_v1(state, memory, a),
        F::DefaultChildStorageRootV2 => child_storage::root_v2(state, memory, a),
        F::DefaultChildStorageNextKeyV1 => child_storage::next_key(state, memory, a),

        F::AllocatorMallocV1 => allocator::malloc(state, memory, a),
        F::AllocatorFreeV1 => allocator::free(state, memory, a),

        F::HashingKeccak256V1 => hashing::hash(Algorithm::Keccak256, state, memory, a),
        F::HashingSha2256V1 => hashing::hash(Algorithm::Sha2256, state, memory, a),
        F::HashingBlake2128V1 => hashing::hash(Algorithm::Blake2128, state, memory, a),
        F::HashingBlake2256V1 => hashing::hash(Algorithm::Blake2256, state, memory, a),
        F::HashingTwox64V1 => hashing::hash(Algorithm::Twox64, state, memory, a),
        F::HashingTwox128V1 => hashing::hash(Algorithm::Twox128, state, memory, a),
        F::HashingTwox256V1 => hashing::hash(Algorithm::Twox256, state, memory, a),

        F::TrieBlake2256RootV1 => trie::root_v1(state, memory, a),
        F::TrieBlake2256RootV2 => trie::root_v2(state, memory, a),
        F::TrieBlake2256OrderedRootV1 => trie::ordered_root_v1(state, memory, a),
        F::TrieBlake2256OrderedRootV2 => trie::ordered_root_v2(state, memory, a),

        F::LoggingLogV1 => logging::log(state, memory, a),
        F::LoggingMaxLevelV1 => logging::max_level(),

        F::MiscPrintNumV1 => misc::print_num(a),
        F::MiscPrintUtf8V1 => misc::print_utf8(memory, a),
        F::MiscPrintHexV1 => misc::print_hex(memory, a),
        F::MiscRuntimeVersionV1 => misc::runtime_version(state, memory, a),

        F::PanicHandlerAbortOnPanicV1 => panic::abort_on_panic(state, memory, a),

        F::CryptoEd25519VerifyV1 => verify::verify(Check::Ed25519, state, memory, a),
        F::CryptoSr25519VerifyV1 => verify::verify(Check::Sr25519V1, state, memory, a),
        F::CryptoSr25519VerifyV2 => verify::verify(Check::Sr25519V2, state, memory, a),
        F::CryptoEcdsaVerifyV1 => verify::verify(Check::EcdsaV1, state, memory, a),
        F::CryptoEcdsaVerifyV2 => verify::verify(Check::EcdsaV2, state, memory, a),
        F::CryptoEcdsaVerifyPrehashedV1 => verify::ecdsa_prehashed(memory, a),
        F::CryptoSecp256k1EcdsaRecoverV1 => recover::recover(RECOVER_V1, state, memory, a),
        F::CryptoSecp256k1EcdsaRecoverV2 => recover::recover(RECOVER_V2, state, memory, a),
        F::CryptoSecp256k1EcdsaRecoverCompressedV1 => {
            recover::recover(RECOVER_COMPRESSED_V1, state, memory, a)
        }
        F::CryptoSecp256k1EcdsaRecoverCompressedV2 => {
            recover::recover(RECOVER_COMPRESSED_V2, state, memory, a)
        }
        F::CryptoEd25519BatchVerifyV1 => batch::ed25519_batch_verify(memory, a),
        F::CryptoSr25519BatchVerifyV1 => batch::batch_verify(Check::Sr25519V2, state, memory, a),
        F::CryptoEcdsaBatchVerifyV1 => batch::batch_verify(Check::EcdsaV2, state, memory, a),
        F::CryptoStartBatchVerifyV1 => batch::start(state),
        F::CryptoFinishBatchVerifyV1 => batch::finish(state),
        F::CryptoEd25519PublicKeysV1 => keys::public_keys(Scheme::Ed25519, state, memory, a),
        F::CryptoEd25519GenerateV1 => keys::generate(Scheme::Ed25519, state, memory, a),
        F::CryptoEd25519SignV1 => keys::sign(Scheme::Ed25519, state, memory, a),
        F::CryptoSr25519PublicKeysV1 => keys::public_keys(Scheme::Sr25519, state, memory, a),
        F::CryptoSr25519GenerateV1 => keys::generate(Scheme::Sr25519, state, memory, a),
        F::CryptoSr25519SignV1 => keys::sign(Scheme::Sr25519, state, memory, a),
        F::CryptoEcdsaPublicKeysV1 => keys::public_keys(Scheme::Ecdsa, state, memory, a),
        F::CryptoEcdsaGenerateV1 => keys::generate(Scheme::Ecdsa, state, memory, a),
        F::CryptoEcdsaSignV1 => keys::sign(Scheme::Ecdsa, state, memory, a),
        F::CryptoEcdsaSignPrehashedV1 => keys::ecdsa_sign_prehashed(state, memory, a),
        F::HashingKeccak512V1 => hashing::hash(Algorithm::Keccak512, state, memory, a),
        F::TrieKeccak256RootV1 => trie_proof::keccak_root(state, memory, a, false),
        F::TrieKeccak256RootV2 => trie_proof::keccak_root(state, memory, a, true),
        F::TrieKeccak256OrderedRootV1 => trie_proof::keccak_ordered_root(state, memory, a, false),
        F::TrieKeccak256OrderedRootV2 => trie_proof::keccak_ordered_root(state, memory, a, true),
        F::TrieBlake2256VerifyProofV1 => {
            trie_proof::verify_proof(TrieHasher::Blake2, memory, a, false)
        }
        F::TrieBlake2256VerifyProofV2 => {
            trie_proof::verify_proof(TrieHasher::Blake2, memory, a, true)
        }
        F::TrieKeccak256VerifyProofV1 => {
            trie_proof::verify_proof(TrieHasher::Keccak, memory, a, false)
        }
        F::TrieKeccak256VerifyProofV2 => {
            trie_proof::verify_proof(TrieHasher::Keccak, memory, a, true)
        }
        F::StorageClearPrefixV3Classic => removal::clear_prefix(state, memory, a),
        F::DefaultChildStorageClearPrefixV3Classic => removal::child_clear_prefix(state, memory, a),
        F::DefaultChildStorageStorageKillV4Classic => removal::child_kill(state, memory, a),
        F::StorageProofSizeV1 => proof_size::storage_proof_size(state),
        F::OffchainIndexSetV1 => offchain::index_set(state, memory, a),
        F::OffchainIndexClearV1 => offchain::index_clear(state, memory, a),
        F::TransactionIndexIndexV1 => transaction_index::index(state, memory, a),
        F::TransactionIndexRenewV1 => transaction_index::renew(state, memory, a),
        F::WasmTracingEnabledV1 => wasm_tracing::enabled(memory, a),
        F::WasmTracingEnterSpanV1 => wasm_tracing::enter_span(memory, a),
        F::WasmTracingEventV1 => wasm_tracing::event(memory, a),
        F::WasmTracingExitV1 => wasm_tracing::exit(a),
        F::OffchainIsValidatorV1 => offchain::is_validator(state),
        F::OffchainSubmitTransactionV1 => offchain::submit_transaction(state, memory, a),
        F::OffchainNetworkStateV1 => offchain::network_state(state, memory),
        F::OffchainTimestampV1 => offchain::timestamp(state),
        F::OffchainSleepUntilV1 => offchain::sleep_until(state, a),
        F::OffchainRandomSeedV1 => offchain::random_seed(state, memory),
        F::OffchainLocalStorageSetV1 => offchain::local_storage_set(state, memory, a),
        F::OffchainLocalStorageClearV1 => offchain::local_storage_clear(state, memory, a),
        F::OffchainLocalStorageCompareAndSetV1 => {
            offchain::local_storage_compare_and_set(state, memory, a)
        }
        F::OffchainLocalStorageGetV1 => offchain::local_storage_get(state, memory, a),
        F::OffchainHttpRequestStartV1 => offchain::http_request_start(state, memory, a),
        F::OffchainHttpRequestAddHeaderV1 => offchain::http_request_add_header(state, memory, a),
        F::OffchainHttpRequestWriteBodyV1 => offchain::http_request_write_body(state, memory, a),
        F::OffchainHttpResponseWaitV1 => offchain::http_response_wait(state, memory, a),
        F::OffchainHttpResponseHeadersV1 => offchain::http_response_headers(state, memory, a),
        F::OffchainHttpResponseReadBodyV1 => offchain::http_response_read_body(state, memory, a),
        F::OffchainSetAuthorizedNodesV1 => offchain::set_authorized_nodes(state, memory, a),

        F::InputReadV1 => rfc0145::input::read(state, memory, a),
        F::StorageReadV2 => rfc0145::storage::read_v2(state, memory, a, false),
        F::StorageNextKeyV2 => rfc0145::storage::next_key_v2(state, memory, a, false),
        F::StorageRootV3 => rfc0145::storage::root_v3(state, memory, a, false),
        F::StorageClearPrefixV3 => rfc0145::clear_prefix::clear_prefix_v3(state, memory, a),
        F::DefaultChildStorageReadV2 => rfc0145::storage::read_v2(state, memory, a, true),
        F::DefaultChildStorageNextKeyV2 => rfc0145::storage::next_key_v2(state, memory, a, true),
        F::DefaultChildStorageRootV3 => rfc0145::storage::root_v3(state, memory, a, true),
        F::DefaultChildStorageClearPrefixV3 => {
            rfc0145::clear_prefix::child_clear_prefix_v3(state, memory, a)
        }
        F::DefaultChildStorageStorageKillV4 => {
            rfc0145::clear_prefix::child_kill_v4(state, memory, a)
        }
        F::HashingKeccak256V2 => rfc0145::digest::hash(Algorithm::Keccak256, memory, a),
        F::HashingSha2256V2 => rfc0145::digest::hash(Algorithm::Sha2256, memory, a),
        F::HashingBlake2128V2 => rfc0145::digest::hash(Algorithm::Blake2128, memory, a),
        F::HashingBlake2256V2 => rfc0145::digest::hash(Algorithm::Blake2256, memory, a),
        F::HashingTwox64V2 => rfc0145::digest::hash(Algorithm::Twox64, memory, a),
        F::HashingTwox128V2 => rfc0145::digest::hash(Algorithm::Twox128, memory, a),
        F::HashingTwox256V2 => rfc0145::digest::hash(Algorithm::Twox256, memory, a),
        F::TrieBlake2256RootV3 => rfc0145::digest::root_v3(state, memory, a),
        F::TrieBlake2256OrderedRootV3 => rfc0145::digest::ordered_root_v3(state, memory, a),
        F::MiscRuntimeVersionV2 => rfc0145::misc::runtime_version_v2(state, memory, a),
        F::MiscLastCursorV1 => rfc0145::clear_prefix::last_cursor(state, memory, a),
    };
    let traffic_after = crate::stats::traffic();
    state.stats.bytes_in = state
        .stats
        .bytes_in
        .saturating_add(traffic_after.0.saturating_sub(traffic_before.0));
    state.stats.bytes_out = state
        .stats
        .bytes_out
        .saturating_add(traffic_after.1.saturating_sub(traffic_before.1));
    let visits = state.storage.visits();
    let work = crate::cost::HostWork {
        bytes_in: traffic_after.0.saturating_sub(traffic_before.0),
        bytes_out: traffic_after.1.saturating_sub(traffic_before.1),
        root_entries: std::mem::take(&mut state.root_entries),
        root_key_bytes_squared: std::mem::take(&mut state.root_key_bytes_squared),
        visited_keys: visits.visited(),
    };
    state.pending_fuel = state.pending_fuel.saturating_add(work.fuel());
    let outcome = match visits.exhausted() {
        // The walk stopped at the budget: the removal did not happen, and the call is out of
        // fuel (one more key than the budget would have cost more than was left).
        true => Err(HostErrorCause::OutOfFuel {
            price: work
                .visited_keys
                .saturating_add(1)
                .saturating_mul(crate::cost::VISITED_KEY_FUEL),
        }),
        false => outcome,
    };
    state.storage.set_visit_budget(None);
    outcome.map_err(|cause| cause.at(function.name()))
}
