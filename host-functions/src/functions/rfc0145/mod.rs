//! The RFC-0145 host functions (abi.md §3): the host never allocates.
//!
//! Results of unknown size follow "return the full length, write only if it fits": the
//! runtime passes a fat pointer to a buffer it owns, the host returns the full length and
//! writes only when the whole result fits (or, for `storage_read` version 2, when the
//! runtime allows a partial write). Results of known size (digests, roots) go into a buffer
//! that must be large enough, else the call aborts.
//!
//! Conventions shared by every function here:
//! - **Output buffers are arguments**: their range is checked before anything runs, even when
//!   nothing will be written (absent key, result too large), so an out-of-range buffer always
//!   aborts with `memory access out of bounds` naming the function.
//! - **Optional integers** (RFC-0145 "New Definition I"): results are −1 for absent, else the
//!   value; see [`optional`] for the decoding the runtime side must do.
//! - **State changes come last**: every check that can fail runs before storage is touched,
//!   so a failed call leaves storage as it was (like the classic functions).
//!
//! Files: `input` (`ext_input_read_version_1`), `storage` (reads, next keys, roots of the main
//! and default child tries), `clear_prefix` (prefix removal with cursors and
//! `ext_misc_last_cursor_version_1`), `digest` (hashes and trie roots into fixed buffers),
//! `misc` (`ext_misc_runtime_version_version_2`).

pub(crate) mod clear_prefix;
pub(crate) mod digest;
pub(crate) mod input;
pub(crate) mod misc;
pub(crate) mod storage;

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use crate::error::HostErrorCause;
use crate::memory_access;

/// Encodes a length as an RFC-0145 optional positive integer: `None` → −1, else the value.
/// Lengths beyond `u32::MAX` cannot be represented (guest memory is 4 GiB) and abort.
pub(crate) fn optional(value: Option<usize>) -> Result<Value, HostErrorCause> {
    match value {
        None => Ok(Value::I64(-1)),
        Some(len) => u32::try_from(len)
            .map(|len| Value::I64(i64::from(len)))
            .map_err(|_| HostErrorCause::InvalidOptionalInteger(len as i64)),
    }
}

/// Decodes an RFC-0145 optional positive integer: −1 absent, 0..2^32−1 a value, anything
/// else aborts.
pub fn decode_optional(value: i64) -> Result<Option<u32>, HostErrorCause> {
    match value {
        -1 => Ok(None),
        0..=0xFFFF_FFFF => Ok(Some(value as u32)),
        other => Err(HostErrorCause::InvalidOptionalInteger(other)),
    }
}

/// A length as an `i32` result (lengths of keys and cursors are far below 2^31 in practice;
/// the bits are those of the `u32`).
pub(crate) fn length_i32(len: usize) -> Result<Value, HostErrorCause> {
    u32::try_from(len)
        .map(|len| Value::I32(len as i32))
        .map_err(|_| HostErrorCause::InvalidOptionalInteger(len as i64))
}

/// Checks the output buffer `out` (a fat pointer) lies in memory.
pub(crate) fn check_out(memory: &impl Memory, out: i64) -> Result<(u32, u32), HostErrorCause> {
    let (ptr, len) = memory_access::unpack_ptr_len(out);
    memory_access::check(memory, ptr, len)?;
    Ok((ptr, len))
}

/// "Write only if it fits": writes `data` into `out` when it fits; with `allow_partial`,
/// writes the first `min(data.len(), out.len)` bytes regardless. Returns whether it wrote.
pub(crate) fn write_if_fits(
    memory: &mut impl Memory,
    out: (u32, u32),
    data: &[u8],
    allow_partial: bool,
) -> Result<bool, HostErrorCause> {
    let (ptr, len) = out;
    let fits = data.len() <= len as usize;
    if fits || allow_partial {
        let n = data.len().min(len as usize);
        memory_access::write(memory, ptr, &data[..n])?;
    }
    Ok(fits)
}

/// Checks that a fixed-size result of `needed` bytes fits the fat-pointer buffer `out`.
pub(crate) fn check_fixed_out(
    memory: &impl Memory,
    out: i64,
    needed: usize,
    what: &'static str,
) -> Result<u32, HostErrorCause> {
    let (ptr, len) = check_out(memory, out)?;
    if (len as usize) < needed {
        return Err(HostErrorCause::BufferTooSmall {
            what,
            needed,
            got: len,
        });
    }
    Ok(ptr)
}

#[cfg(test)]
pub(crate) mod tests;
