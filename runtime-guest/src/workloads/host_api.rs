//! `HostApi_run`: a script of host calls, so host-function tests and the w3f host-API vectors
//! run through real compiled code. Each [`HostCall`] maps to one host function of the build's
//! mode (see its docs) and yields one [`HostReturn`]. `HostApi_panic` exercises the panic path.

use crate::api::{HostCall, HostReturn};
use crate::host;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use codec::Encode;

/// `HostApi_run`: runs the calls in order.
pub fn run(calls: Vec<HostCall>) -> Vec<HostReturn> {
    calls.into_iter().map(call).collect()
}

/// `HostApi_panic`: panics with `message`.
pub fn panic_with(message: String) {
    panic!("{message}")
}

/// A partial read into a zeroed buffer of `len` bytes.
fn read_into(len: u32, read: impl FnOnce(&mut [u8]) -> Option<u32>) -> HostReturn {
    let mut buffer = vec![0u8; len as usize];
    let remaining = read(&mut buffer);
    let copied = remaining.map_or(0, |remaining| (remaining as usize).min(buffer.len()));
    buffer.truncate(copied);
    HostReturn::Read {
        remaining,
        data: buffer,
    }
}

fn call(call: HostCall) -> HostReturn {
    match call {
        HostCall::StorageGet(key) => HostReturn::OptionBytes(host::storage_get(&key)),
        HostCall::StorageRead { key, offset, len } => {
            read_into(len, |buffer| host::storage_read(&key, offset, buffer))
        }
        HostCall::StorageSet(key, value) => {
            host::storage_set(&key, &value);
            HostReturn::Unit
        }
        HostCall::StorageClear(key) => {
            host::storage_clear(&key);
            HostReturn::Unit
        }
        HostCall::StorageExists(key) => HostReturn::Bool(host::storage_exists(&key)),
        HostCall::StorageAppend(key, item) => {
            host::storage_append(&key, &item);
            HostReturn::Unit
        }
        HostCall::StorageClearPrefix(prefix) => {
            host::storage_clear_prefix(&prefix);
            HostReturn::Unit
        }
        HostCall::StorageClearPrefixLimit { prefix, limit } => {
            HostReturn::Kill(host::storage_clear_prefix_limit(&prefix, limit))
        }
        HostCall::StorageRoot(version) => HostReturn::Bytes(host::storage_root(version).to_vec()),
        HostCall::StorageNextKey(key) => HostReturn::OptionBytes(host::storage_next_key(&key)),
        HostCall::StartTransaction => {
            host::start_transaction();
            HostReturn::Unit
        }
        HostCall::CommitTransaction => {
            host::commit_transaction();
            HostReturn::Unit
        }
        HostCall::RollbackTransaction => {
            host::rollback_transaction();
            HostReturn::Unit
        }
        HostCall::Hash(algorithm, data) => HostReturn::Bytes(host::hash(algorithm, &data)),
        HostCall::Log {
            level,
            target,
            message,
        } => {
            host::log(level, &target, &message);
            HostReturn::Unit
        }
        HostCall::LogMaxLevel => HostReturn::U32(host::log_max_level()),
        HostCall::PrintNum(value) => {
            host::print_num(value);
            HostReturn::Unit
        }
        HostCall::PrintUtf8(message) => {
            host::print_utf8(&message);
            HostReturn::Unit
        }
        HostCall::PrintHex(data) => {
            host::print_hex(&data);
            HostReturn::Unit
        }
        HostCall::RuntimeVersion(wasm) => HostReturn::OptionBytes(host::runtime_version(&wasm)),
        HostCall::TrieRoot { entries, version } => {
            HostReturn::Bytes(host::trie_root(&entries.encode(), version).to_vec())
        }
        HostCall::TrieOrderedRoot { values, version } => {
            HostReturn::Bytes(host::trie_ordered_root(&values.encode(), version).to_vec())
        }
        HostCall::AllocatorRoundTrip(data) => HostReturn::Bytes(host::allocator_round_trip(&data)),
        HostCall::ChildSet(storage_key, key, value) => {
            host::child_set(&storage_key, &key, &value);
            HostReturn::Unit
        }
        HostCall::ChildClear(storage_key, key) => {
            host::child_clear(&storage_key, &key);
            HostReturn::Unit
        }
        HostCall::ChildExists(storage_key, key) => {
            HostReturn::Bool(host::child_exists(&storage_key, &key))
        }
        HostCall::ChildClearPrefix(storage_key, prefix) => {
            host::child_clear_prefix(&storage_key, &prefix);
            HostReturn::Unit
        }
        HostCall::ChildKill(storage_key) => {
            host::child_kill(&storage_key);
            HostReturn::Unit
        }
        HostCall::ChildGet(storage_key, key) => {
            HostReturn::OptionBytes(host::child_get(&storage_key, &key))
        }
        HostCall::ChildRead {
            storage_key,
            key,
            offset,
            len,
        } => read_into(len, |buffer| {
            host::child_read(&storage_key, &key, offset, buffer)
        }),
        HostCall::ChildRoot(storage_key, version) => {
            HostReturn::Bytes(host::child_root(&storage_key, version))
        }
        HostCall::ChildClearPrefixLimit {
            storage_key,
            prefix,
            limit,
        } => HostReturn::Kill(host::child_clear_prefix_limit(&storage_key, &prefix, limit)),
        HostCall::ChildKillLimit {
            storage_key,
            limit,
            kill_result: false,
        } => HostReturn::Bool(host::child_kill_limit(&storage_key, limit)),
        HostCall::ChildKillLimit {
            storage_key,
            limit,
            kill_result: true,
        } => HostReturn::Kill(host::child_kill_limit_result(&storage_key, limit)),
        HostCall::StorageChangesRoot(parent_hash) => {
            HostReturn::OptionBytes(host::storage_changes_root(&parent_hash))
        }
        HostCall::ChildNextKey(storage_key, key) => {
            HostReturn::OptionBytes(host::child_next_key(&storage_key, &key))
        }
    }
}
