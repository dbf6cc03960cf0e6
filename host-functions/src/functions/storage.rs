//! `ext_storage_*`: the main trie.

use subexec_allocator::Memory;

use crate::host_allocator::HostAllocator;

use super::{bool_value, kill_storage_result, return_option_bytes, return_parts, Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::{StateVersion, TrieId};

/// `get(key) -> Option<Vec<u8>>`.
pub fn get(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let HostState {
        storage, allocator, ..
    } = state;
    // The key is looked up in place: no copy of it is made.
    let value = args.with_bytes(memory, 0, |key| storage.storage(TrieId::Main, key))??;
    return_option_bytes(allocator, memory, value.as_deref())
}

/// Shared by `ext_storage_read` and `ext_default_child_storage_read`: copies
/// `value[min(offset, len)..]` into `out` as far as it fits, returns `Option<u32>` of the
/// bytes remaining after `offset`.
pub(super) fn read_into(
    allocator: &mut HostAllocator,
    memory: &mut impl Memory,
    value: Option<&[u8]>,
    out_fat: i64,
    offset: u32,
) -> Outcome {
    let (out_ptr, out_len) = memory_access::unpack_ptr_len(out_fat);
    // The output buffer is an argument: it must be in bounds even if the key is absent.
    memory_access::check(memory, out_ptr, out_len)?;
    let Some(value) = value else {
        return return_parts(allocator, memory, &[&[0]]);
    };
    let data = &value[(offset as usize).min(value.len())..];
    let written = data.len().min(out_len as usize);
    memory_access::write(memory, out_ptr, &data[..written])?;
    let remaining = (data.len() as u32).to_le_bytes();
    return_parts(allocator, memory, &[&[1], &remaining])
}

/// `read(key, value_out, offset) -> Option<u32>`.
pub fn read(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    let out = args.i64(1)?;
    let offset = args.u32(2)?;
    let (out_ptr, out_len) = memory_access::unpack_ptr_len(out);
    memory_access::check(memory, out_ptr, out_len)?;
    let HostState {
        storage, allocator, ..
    } = state;
    let value = storage.storage(TrieId::Main, &key)?;
    read_into(allocator, memory, value.as_deref(), out, offset)
}

/// `set(key, value)`.
pub fn set(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    let value = args.bytes(memory, 1)?;
    state.count_storage_write(&key, &value)?;
    state.storage.set(TrieId::Main, &key, Some(value));
    Ok(None)
}

/// `clear(key)`.
pub fn clear(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    state.note_key_path(&key);
    state.storage.set(TrieId::Main, &key, None);
    Ok(None)
}

/// `exists(key) -> bool`.
pub fn exists(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    Ok(bool_value(state.storage.exists(TrieId::Main, &key)?))
}

/// `clear_prefix(prefix)`.
pub fn clear_prefix_v1(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let prefix = args.bytes(memory, 0)?;
    state.storage.clear_prefix(TrieId::Main, &prefix, None)?;
    Ok(None)
}

/// `clear_prefix(prefix, limit: Option<u32>) -> KillStorageResult`.
pub fn clear_prefix_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let prefix = args.bytes(memory, 0)?;
    let limit: Option<u32> = args.decode(memory, 1, "Option<u32>")?;
    let ptr = super::allocate(&mut state.allocator, memory, 5)?;
    let result = state.storage.clear_prefix(TrieId::Main, &prefix, limit)?;
    memory_access::write(memory, ptr, &kill_storage_result(&result))?;
    Ok(Some(sp_wasm_interface::Value::I64(
        memory_access::pack_ptr_len(ptr, 5),
    )))
}

/// `append(key, encoded_item)`.
pub fn append(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    let item = args.bytes(memory, 1)?;
    state.count_storage_write(&key, &item)?;
    state.storage.append(&key, &item)?;
    Ok(None)
}

fn root(state: &mut HostState, memory: &mut impl Memory, version: StateVersion) -> Outcome {
    state.note_root()?;
    let root = state.storage.storage_root(version)?;
    return_parts(&mut state.allocator, memory, &[&root])
}

/// `root() -> [u8; 32]` (V0).
pub fn root_v1(state: &mut HostState, memory: &mut impl Memory, _args: &Args<'_>) -> Outcome {
    root(state, memory, StateVersion::V0)
}

/// `root(version) -> [u8; 32]`.
pub fn root_v2(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let version = args.state_version(0)?;
    root(state, memory, version)
}

/// `changes_root(parent_hash) -> Option<Vec<u8>>`: always `None`.
pub fn changes_root(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let _parent_hash = args.bytes(memory, 0)?;
    return_option_bytes(&mut state.allocator, memory, None)
}

/// `next_key(key) -> Option<Vec<u8>>`.
pub fn next_key(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    let next = state.storage.next_key(TrieId::Main, &key)?;
    return_option_bytes(&mut state.allocator, memory, next.as_deref())
}

/// `start_transaction()`.
pub fn start_transaction(state: &mut HostState) -> Outcome {
    state.storage.start_transaction();
    state.offchain_index.start_transaction();
    Ok(None)
}

/// `rollback_transaction()`: traps without an open runtime transaction.
pub fn rollback_transaction(state: &mut HostState) -> Outcome {
    state
        .storage
        .rollback_transaction()
        .map_err(|_| HostErrorCause::NoTransactionToRollback)?;
    state.offchain_index.rollback_transaction();
    Ok(None)
}

/// `commit_transaction()`: traps without an open runtime transaction.
pub fn commit_transaction(state: &mut HostState) -> Outcome {
    state
        .storage
        .commit_transaction()
        .map_err(|_| HostErrorCause::NoTransactionToCommit)?;
    state.offchain_index.commit_transaction();
    Ok(None)
}
