//! Reads, next keys and roots of the main and default child tries into guest buffers.
//!
//! The child variants take the unprefixed child storage key first, like the classic
//! `ext_default_child_storage_*` functions; otherwise they are the main-trie functions.

use subexec_allocator::Memory;

use super::{check_fixed_out, check_out, length_i32, optional, write_if_fits};
use crate::functions::{Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;
use crate::storage::TrieId;

/// Which trie a function works on, and where its own arguments start.
enum Target {
    Main,
    Child(Vec<u8>),
}

impl Target {
    /// Reads the child storage key (argument 0) for child functions.
    fn read(
        child: bool,
        memory: &impl Memory,
        args: &Args<'_>,
    ) -> Result<(Self, usize), crate::HostErrorCause> {
        if child {
            Ok((Target::Child(args.bytes(memory, 0)?), 1))
        } else {
            Ok((Target::Main, 0))
        }
    }

    fn trie(&self) -> TrieId<'_> {
        match self {
            Target::Main => TrieId::Main,
            Target::Child(key) => TrieId::DefaultChild(key),
        }
    }
}

/// `read([storage_key,] key, value_out, offset, allow_partial) -> optional length`: −1 when
/// absent, else the value's length from `offset` (0 past the end); writes
/// `min(length, out.len)` bytes only if they all fit or `allow_partial` is non-zero.
pub fn read_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    child: bool,
) -> Outcome {
    let (target, at) = Target::read(child, memory, args)?;
    let key = args.bytes(memory, at)?;
    let out = check_out(memory, args.i64(at + 1)?)?;
    let offset = args.u32(at + 2)? as usize;
    let allow_partial = args.i32(at + 3)? != 0;
    let Some(value) = state.storage.storage(target.trie(), &key)? else {
        return optional(None).map(Some);
    };
    let data = &value[offset.min(value.len())..];
    write_if_fits(memory, out, data, allow_partial)?;
    optional(Some(data.len())).map(Some)
}

/// `next_key([storage_key,] key, key_out) -> length`: the full length of the next key (0 when
/// there is none), written only if it fits.
pub fn next_key_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    child: bool,
) -> Outcome {
    let (target, at) = Target::read(child, memory, args)?;
    let key = args.bytes(memory, at)?;
    let out = check_out(memory, args.i64(at + 1)?)?;
    match state.storage.next_key(target.trie(), &key)? {
        None => Ok(Some(sp_wasm_interface::Value::I32(0))),
        Some(next) => {
            write_if_fits(memory, out, &next, false)?;
            length_i32(next.len()).map(Some)
        }
    }
}

/// `root([storage_key,] out)`: the 32-byte root in the runtime's state version
/// ([`HostState::with_state_version`]); `out` shorter than 32 bytes aborts before the root is
/// computed (computing a child root writes it into the main trie).
pub fn root_v3(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
    child: bool,
) -> Outcome {
    let (target, at) = Target::read(child, memory, args)?;
    let ptr = check_fixed_out(memory, args.i64(at)?, 32, "storage root")?;
    let version = state.state_version;
    state.note_root()?;
    let root = match &target {
        Target::Main => state.storage.storage_root(version)?,
        Target::Child(key) => state.storage.child_storage_root(key, version)?,
    };
    memory_access::write(memory, ptr, &root)?;
    Ok(None)
}
