//! Prefix removal with continuation cursors (PPP#7 as adopted by RFC-0145), and
//! `ext_misc_last_cursor_version_1`.
//!
//! `ext_storage_clear_prefix_version_3(prefix, limit, cursor_in, cursor_out, counters_out)`,
//! `ext_default_child_storage_clear_prefix_version_3(storage_key, prefix, …)` and
//! `ext_default_child_storage_storage_kill_version_4(storage_key, limit, …)` (the empty
//! prefix of the child trie) share one implementation:
//! - `limit`: an RFC-0145 optional positive integer (abi.md §3): −1 = no limit,
//!   0..2^32−1 = at most that many backend keys, any other value aborts with
//!   [`HostErrorCause::InvalidOptionalInteger`] before storage is touched.
//! - `cursor_in`: an optional fat pointer (all ones = absent; an empty buffer is absent too).
//! - The removal is `sp-state-machine`'s (as [`StorageState::clear_prefix`]): backend keys
//!   under the prefix are visited in order, up to `limit` of them, and deleted unless the
//!   overlay already has an entry; every overlay key under the prefix is deleted. A cursor
//!   makes the visit start after the key it names, so a limited removal progresses instead
//!   of revisiting the same keys.
//! - The cursor is opaque to the runtime: `0x01 ‖ last visited key`, or `0x00` when the
//!   limit stopped the visit before any key (resume from the start). It is non-empty, so the
//!   `i32` result (the cursor's length) is 0 exactly when everything was removed.
//! - `cursor_out` receives the cursor only if it fits; the host also keeps it until
//!   `ext_misc_last_cursor_version_1` delivers it or another removal replaces it.
//! - `counters_out` (an `i32` pointer to 12 bytes) receives backend, unique and loop counts,
//!   little-endian `u32`s.
//!
//! [`StorageState::clear_prefix`]: crate::StorageState::clear_prefix

use std::ops::ControlFlow;

use subexec_allocator::Memory;

use super::{check_out, decode_optional, length_i32, optional, write_if_fits};
use crate::error::HostErrorCause;
use crate::functions::{Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::{BackendError, RemovalResult, StorageState, TrieId};

/// Where a removal resumes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cursor {
    /// From the first key.
    Start,
    /// After this key.
    After(Vec<u8>),
}

impl Cursor {
    fn encode(&self) -> Vec<u8> {
        match self {
            Cursor::Start => vec![0],
            Cursor::After(key) => [&[1u8][..], key].concat(),
        }
    }

    fn decode(bytes: &[u8]) -> Result<Self, HostErrorCause> {
        match bytes.split_first() {
            None | Some((0, [])) => Ok(Cursor::Start),
            Some((1, key)) => Ok(Cursor::After(key.to_vec())),
            _ => Err(HostErrorCause::Decode {
                what: "clear-prefix cursor",
                error: "not a cursor this host produced".into(),
            }),
        }
    }

    fn skips(&self, key: &[u8]) -> bool {
        matches!(self, Cursor::After(after) if key <= after.as_slice())
    }
}

/// Removes up to `limit` backend keys under `prefix` after `cursor`; returns the result and
/// the continuation cursor (`None` when everything was removed). Storage is untouched when
/// it fails.
fn remove(
    storage: &mut StorageState,
    trie: TrieId<'_>,
    prefix: &[u8],
    limit: Option<u32>,
    cursor: &Cursor,
) -> Result<(RemovalResult, Option<Cursor>), BackendError> {
    let mut to_delete = Vec::new();
    let mut loops = 0u32;
    let mut stopped = false;
    let mut last: Option<Vec<u8>> = None;
    storage.visit_backend_keys(trie, prefix, &mut |overlay, key| {
        if cursor.skips(key) {
            return ControlFlow::Continue(());
        }
        if limit == Some(loops) {
            stopped = true;
            return ControlFlow::Break(());
        }
        if overlay.storage(trie, key).is_none() {
            to_delete.push(key.to_vec());
        }
        last = Some(key.to_vec());
        loops = loops.saturating_add(1);
        ControlFlow::Continue(())
    })?;
    // A limit of 0 visits no backend key: this clears the overlay under the prefix (and
    // applies the `:child_storage:` refusal, reported as "all removed, nothing counted").
    let overlay_only = storage.clear_prefix(trie, prefix, Some(0))?;
    if overlay_only.all_removed {
        // Refused, or no backend key under the prefix at all: nothing else to delete.
        return Ok((
            RemovalResult {
                all_removed: true,
                backend: 0,
                unique: overlay_only.unique,
                loops: 0,
            },
            None,
        ));
    }
    let backend = u32::try_from(to_delete.len()).unwrap_or(u32::MAX);
    for key in to_delete {
        storage.set(trie, &key, None);
    }
    let result = RemovalResult {
        all_removed: !stopped,
        backend,
        unique: overlay_only.unique.saturating_add(backend),
        loops,
    };
    let next = stopped.then(|| match last {
        Some(key) => Cursor::After(key),
        None => cursor.clone(),
    });
    Ok((result, next))
}

/// Shared body: `at` is the index of `limit` (the prefix, if any, is just before it).
fn clear(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    trie: TrieId<'_>,
    prefix: &[u8],
    at: usize,
) -> Outcome {
    let limit = decode_optional(args.i64(at)?)?;
    let cursor = match args.i64(at + 1)? {
        -1 => Cursor::Start,
        fat => Cursor::decode(&memory_access::read_fat(memory, fat)?)?,
    };
    let cursor_out = check_out(memory, args.i64(at + 2)?)?;
    let counters_ptr = args.u32(at + 3)?;
    memory_access::check(memory, counters_ptr, 12)?;
    let (result, next) = remove(&mut state.storage, trie, prefix, limit, &cursor)?;
    let mut counters = [0u8; 12];
    for (slot, count) in
        counters
            .chunks_exact_mut(4)
            .zip([result.backend, result.unique, result.loops])
    {
        slot.copy_from_slice(&count.to_le_bytes());
    }
    memory_access::write(memory, counters_ptr, &counters)?;
    let encoded = next.map(|cursor| cursor.encode());
    let len = encoded.as_ref().map_or(0, Vec::len);
    if let Some(encoded) = &encoded {
        write_if_fits(memory, cursor_out, encoded, false)?;
    }
    state.last_cursor = encoded;
    length_i32(len).map(Some)
}

/// `ext_storage_clear_prefix_version_3(prefix, limit, cursor_in, cursor_out, counters_out)`.
pub fn clear_prefix_v3(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let prefix = args.bytes(memory, 0)?;
    clear(state, memory, args, TrieId::Main, &prefix, 1)
}

/// `ext_default_child_storage_clear_prefix_version_3(storage_key, prefix, limit, cursor_in,
/// cursor_out, counters_out)`.
pub fn child_clear_prefix_v3(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    let prefix = args.bytes(memory, 1)?;
    clear(
        state,
        memory,
        args,
        TrieId::DefaultChild(&storage_key),
        &prefix,
        2,
    )
}

/// `ext_default_child_storage_storage_kill_version_4(storage_key, limit, cursor_in,
/// cursor_out, counters_out)`: the whole child trie.
pub fn child_kill_v4(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let storage_key = args.bytes(memory, 0)?;
    clear(
        state,
        memory,
        args,
        TrieId::DefaultChild(&storage_key),
        &[],
        1,
    )
}

/// `ext_misc_last_cursor_version_1(out) -> optional length`: −1 when no cursor is kept, else
/// its full length; written only if it fits, and forgotten once written.
pub fn last_cursor(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let out = check_out(memory, args.i64(0)?)?;
    let Some(cursor) = &state.last_cursor else {
        return optional(None).map(Some);
    };
    let len = cursor.len();
    if write_if_fits(memory, out, cursor, false)? {
        state.last_cursor = None;
    }
    optional(Some(len)).map(Some)
}
