//! `ext_default_child_storage_*`: default child tries, named by their unprefixed storage key
//! (the runtime's argument, used as is; the main trie keeps the child root under
//! `:child_storage:default:` ++ storage key).

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::storage::read_into;
use super::{bool_value, kill_storage_result, return_option_bytes, Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::{StateVersion, TrieId};

/// `get(storage_key, key) -> Option<Vec<u8>>`.
pub fn get(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    let HostState {
        storage, allocator, ..
    } = state;
    let value = storage.storage(TrieId::DefaultChild(&storage_key), &key)?;
    return_option_bytes(allocator, memory, value.as_deref())
}

/// `read(storage_key, key, value_out, offset) -> Option<u32>`.
pub fn read(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    let out = args.i64(2)?;
    let offset = args.u32(3)?;
    let (out_ptr, out_len) = memory_access::unpack_ptr_len(out);
    memory_access::check(memory, out_ptr, out_len)?;
    let HostState {
        storage, allocator, ..
    } = state;
    let value = storage.storage(TrieId::DefaultChild(&storage_key), &key)?;
    read_into(allocator, memory, value.as_deref(), out, offset)
}

/// `set(storage_key, key, value)`.
pub fn set(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    let value = args.bytes(memory, 2)?;
    state.count_storage_write(&key, &value)?;
    state
        .storage
        .set(TrieId::DefaultChild(&storage_key), &key, Some(value));
    Ok(None)
}

/// `clear(storage_key, key)`.
pub fn clear(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    state.note_key_path(&key);
    state
        .storage
        .set(TrieId::DefaultChild(&storage_key), &key, None);
    Ok(None)
}

/// `exists(storage_key, key) -> bool`.
pub fn exists(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    let exists = state
        .storage
        .exists(TrieId::DefaultChild(&storage_key), &key)?;
    Ok(bool_value(exists))
}

/// `clear_prefix(storage_key, prefix)`.
pub fn clear_prefix_v1(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let prefix = args.bytes(memory, 1)?;
    state
        .storage
        .clear_prefix(TrieId::DefaultChild(&storage_key), &prefix, None)?;
    Ok(None)
}

/// `clear_prefix(storage_key, prefix, limit) -> KillStorageResult`.
pub fn clear_prefix_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let prefix = args.bytes(memory, 1)?;
    let limit: Option<u32> = args.decode(memory, 2, "Option<u32>")?;
    let ptr = super::allocate(&mut state.allocator, memory, 5)?;
    let result = state
        .storage
        .clear_prefix(TrieId::DefaultChild(&storage_key), &prefix, limit)?;
    memory_access::write(memory, ptr, &kill_storage_result(&result))?;
    Ok(Some(Value::I64(memory_access::pack_ptr_len(ptr, 5))))
}

/// `storage_kill(storage_key)`.
pub fn storage_kill_v1(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    state.storage.kill_child(&storage_key, None)?;
    Ok(None)
}

/// `storage_kill(storage_key, limit) -> bool`: true when nothing remains.
pub fn storage_kill_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let limit: Option<u32> = args.decode(memory, 1, "Option<u32>")?;
    let result = state.storage.kill_child(&storage_key, limit)?;
    Ok(bool_value(result.all_removed))
}

/// `storage_kill(storage_key, limit) -> KillStorageResult`.
pub fn storage_kill_v3(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let limit: Option<u32> = args.decode(memory, 1, "Option<u32>")?;
    let ptr = super::allocate(&mut state.allocator, memory, 5)?;
    let result = state.storage.kill_child(&storage_key, limit)?;
    memory_access::write(memory, ptr, &kill_storage_result(&result))?;
    Ok(Some(Value::I64(memory_access::pack_ptr_len(ptr, 5))))
}

fn root(
    state: &mut HostState,
    memory: &mut impl Memory,
    storage_key: &[u8],
    version: StateVersion,
) -> Outcome {
    state.note_root()?;
    // Computing a child root may write it into the main trie: allocate first.
    let ptr = super::allocate(&mut state.allocator, memory, 32)?;
    let root = state.storage.child_storage_root(storage_key, version)?;
    memory_access::write(memory, ptr, &root)?;
    Ok(Some(Value::I64(memory_access::pack_ptr_len(ptr, 32))))
}

/// `root(storage_key) -> [u8; 32]` (V0).
pub fn root_v1(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    root(state, memory, &storage_key, StateVersion::V0)
}

/// `root(storage_key, version) -> [u8; 32]`.
pub fn root_v2(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let version = args.state_version(1)?;
    root(state, memory, &storage_key, version)
}

/// `next_key(storage_key, key) -> Option<Vec<u8>>`.
pub fn next_key(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let key = args.bytes(memory, 1)?;
    let next = state
        .storage
        .next_key(TrieId::DefaultChild(&storage_key), &key)?;
    return_option_bytes(&mut state.allocator, memory, next.as_deref())
}
