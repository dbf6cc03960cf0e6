//! [`invoke`]: one match from [`HostFunction`] to its implementation.

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use crate::error::{HostError, HostErrorCause};
use crate::functions::hashing::Algorithm;
use crate::functions::{
    allocator, child_storage, hashing, logging, misc, panic, rfc0145, storage, trie, Args,
};
use crate::host_state::HostState;
use crate::registry::HostFunction;

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
    outcome.map_err(|cause| cause.at(function.name()))
}
