//! `sp-io` 49's cursor-taking removals, for classic runtimes:
//! `ext_storage_clear_prefix_version_3(prefix, limit, cursor)`,
//! `ext_default_child_storage_clear_prefix_version_3(storage_key, prefix, limit, cursor)` and
//! `ext_default_child_storage_storage_kill_version_4(storage_key, limit, cursor)`, each
//! returning SCALE `MultiRemovalResults { maybe_cursor, backend, unique, loops }`.
//!
//! (RFC-0145 defines functions of the same names with other signatures for guest-allocator
//! runtimes: `functions::rfc0145::clear_prefix`; [`crate::HostFunction::resolve`] picks.)
//!
//! Semantics of `sp-state-machine` 0.54's `Ext::clear_prefix` / `clear_child_prefix` /
//! `kill_child_storage`: every overlay key under the prefix is deleted; then backend keys
//! under the prefix from the cursor on (inclusive: the cursor is the first key not yet
//! visited) are visited in order, up to `limit` of them, each deleted unless the overlay
//! already deletes it. When the limit stops the visit, the cursor returned is the next
//! backend key under the prefix. In the main trie a prefix colliding with `:child_storage:`
//! removes nothing and returns zeros. The result is allocated before storage changes.

use std::ops::ControlFlow;

use parity_scale_codec::Encode;
use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::{BackendError, StorageState, TrieId};

/// `sp_io::MultiRemovalResults`.
#[derive(Encode)]
struct MultiRemovalResults {
    maybe_cursor: Option<Vec<u8>>,
    backend: u32,
    unique: u32,
    loops: u32,
}

/// What a removal will do, found before anything changes.
struct Plan {
    /// Backend keys to delete (not already deleted by the overlay).
    to_delete: Vec<Vec<u8>>,
    /// Backend keys visited.
    loops: u32,
    /// The first backend key not visited, when the limit stopped the visit.
    next: Option<Vec<u8>>,
}

/// Visits the backend, changing nothing but the visit meter ([`StorageState::visit_backend_keys`]).
fn plan(
    storage: &mut StorageState,
    trie: TrieId<'_>,
    prefix: &[u8],
    limit: Option<u32>,
    cursor: Option<&[u8]>,
) -> Result<Plan, BackendError> {
    let mut plan = Plan {
        to_delete: Vec::new(),
        loops: 0,
        next: None,
    };
    if trie == TrieId::Main && collides_with_child_storage(prefix) {
        return Ok(plan);
    }
    storage.visit_backend_keys(trie, prefix, &mut |overlay, key| {
        if cursor.is_some_and(|cursor| key < cursor) {
            return ControlFlow::Continue(());
        }
        if limit == Some(plan.loops) {
            plan.next = Some(key.to_vec());
            return ControlFlow::Break(());
        }
        if overlay.storage(trie, key).is_none() {
            plan.to_delete.push(key.to_vec());
        }
        plan.loops = plan.loops.saturating_add(1);
        ControlFlow::Continue(())
    })?;
    Ok(plan)
}

/// Carries the plan out; the result.
fn apply(
    storage: &mut StorageState,
    trie: TrieId<'_>,
    prefix: &[u8],
    plan: Plan,
) -> Result<MultiRemovalResults, BackendError> {
    // A limit of 0 visits no backend key: this clears the overlay under the prefix and counts
    // its values (and, for a prefix colliding with `:child_storage:`, does nothing).
    let overlay_only = storage.clear_prefix(trie, prefix, Some(0))?;
    let backend = u32::try_from(plan.to_delete.len()).unwrap_or(u32::MAX);
    for key in plan.to_delete {
        storage.set(trie, &key, None);
    }
    Ok(MultiRemovalResults {
        maybe_cursor: plan.next,
        backend,
        unique: overlay_only.unique.saturating_add(backend),
        loops: plan.loops,
    })
}

/// `sp-storage`'s `starts_with_child_storage_key`, as `StorageState::clear_prefix` applies it.
fn collides_with_child_storage(prefix: &[u8]) -> bool {
    let child = crate::storage::CHILD_STORAGE_PREFIX;
    if prefix.len() > child.len() {
        prefix.starts_with(child)
    } else {
        child.starts_with(prefix)
    }
}

/// Shared body: `at` is the index of the prefix argument, or of `limit` when the prefix is
/// the whole child trie (`prefix_arg` false).
fn clear(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    child: Option<Vec<u8>>,
    prefix_arg: bool,
) -> Outcome {
    let mut at = usize::from(child.is_some());
    let prefix = match prefix_arg {
        true => {
            at += 1;
            args.bytes(memory, at - 1)?
        }
        false => Vec::new(),
    };
    let limit: Option<u32> = args.decode(memory, at, "Option<u32>")?;
    let cursor: Option<Vec<u8>> = args.decode(memory, at + 1, "Option<Vec<u8>>")?;
    let trie = match &child {
        Some(storage_key) => TrieId::DefaultChild(storage_key),
        None => TrieId::Main,
    };
    let HostState {
        storage, allocator, ..
    } = state;
    let plan = plan(storage, trie, &prefix, limit, cursor.as_deref())?;
    // `Option<Vec<u8>>` then three `u32`s: the size is known before anything changes, so the
    // result is allocated first (a failed allocation changes nothing).
    let len = plan.next.encoded_size() + 12;
    let ptr = super::allocate(allocator, memory, len)?;
    let result = apply(storage, trie, &prefix, plan)?.encode();
    memory_access::write(memory, ptr, &result)?;
    Ok(Some(Value::I64(memory_access::pack_ptr_len(
        ptr, len as u32,
    ))))
}

/// `ext_storage_clear_prefix_version_3(prefix, limit, cursor)`.
pub fn clear_prefix(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    clear(state, memory, args, None, true)
}

/// `ext_default_child_storage_clear_prefix_version_3(storage_key, prefix, limit, cursor)`.
pub fn child_clear_prefix(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    clear(state, memory, args, Some(storage_key), true)
}

/// `ext_default_child_storage_storage_kill_version_4(storage_key, limit, cursor)`.
pub fn child_kill(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    clear(state, memory, args, Some(storage_key), false)
}
