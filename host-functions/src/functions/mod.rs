//! The host functions, one file per area, and the helpers they share.
//!
//! Every function follows `sp-runtime-interface`'s marshalling: read the arguments in order
//! (fat pointers copied out of memory, SCALE arguments decoded with `Decode::decode`, i.e.
//! trailing bytes ignored), run, write back `&mut` buffers, then allocate and write the result.
//! The one deliberate reordering: functions that both change storage and return a fixed-size
//! result allocate the result *before* changing storage. The allocator does not depend on
//! storage, so successful calls are identical, and a failed allocation leaves storage as it was.

pub(crate) mod allocator;
pub(crate) mod child_storage;
pub(crate) mod crypto;
pub(crate) mod hashing;
pub(crate) mod logging;
pub(crate) mod misc;
pub(crate) mod offchain;
pub(crate) mod panic;
pub(crate) mod proof_size;
pub(crate) mod removal;
pub(crate) mod rfc0145;
pub(crate) mod storage;
pub(crate) mod transaction_index;
pub(crate) mod trie;
pub(crate) mod trie_proof;
pub(crate) mod wasm_tracing;

use parity_scale_codec::{Compact, Decode, Encode};
use sp_wasm_interface::{Value, ValueType};
use subexec_allocator::Memory;

use crate::error::HostErrorCause;
use crate::host_allocator::HostAllocator;
use crate::memory_access;
use crate::registry::HostFunction;
use crate::storage::{RemovalResult, StateVersion};

/// A host function's result.
pub(crate) type Outcome = Result<Option<Value>, HostErrorCause>;

/// Arguments checked against the function's signature.
pub(crate) struct Args<'a>(&'a [Value]);

impl<'a> Args<'a> {
    /// Checks count and types against `function`'s signature.
    pub fn check(function: HostFunction, args: &'a [Value]) -> Result<Self, HostErrorCause> {
        let params = function.params();
        if params.len() != args.len() {
            return Err(HostErrorCause::ArgumentCount {
                expected: params.len(),
                got: args.len(),
            });
        }
        for (index, (expected, arg)) in params.iter().zip(args).enumerate() {
            if *expected != arg.value_type() {
                return Err(HostErrorCause::ArgumentType {
                    index,
                    expected: *expected,
                    got: arg.value_type(),
                });
            }
        }
        Ok(Args(args))
    }

    fn mismatch(&self, index: usize, expected: ValueType) -> HostErrorCause {
        HostErrorCause::ArgumentType {
            index,
            expected,
            got: self.0.get(index).map_or(expected, Value::value_type),
        }
    }

    /// The `i32` argument at `index`.
    pub fn i32(&self, index: usize) -> Result<i32, HostErrorCause> {
        match self.0.get(index) {
            Some(Value::I32(v)) => Ok(*v),
            _ => Err(self.mismatch(index, ValueType::I32)),
        }
    }

    /// The `i64` argument at `index`.
    pub fn i64(&self, index: usize) -> Result<i64, HostErrorCause> {
        match self.0.get(index) {
            Some(Value::I64(v)) => Ok(*v),
            _ => Err(self.mismatch(index, ValueType::I64)),
        }
    }

    /// The `u32` passed as `i32` at `index`.
    pub fn u32(&self, index: usize) -> Result<u32, HostErrorCause> {
        self.i32(index).map(|v| v as u32)
    }

    /// Runs `run` on the bytes of the fat pointer at `index`, borrowed from memory.
    pub fn with_bytes<R>(
        &self,
        memory: &impl Memory,
        index: usize,
        run: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, HostErrorCause> {
        let (ptr, len) = memory_access::unpack_ptr_len(self.i64(index)?);
        memory_access::with_slice(memory, ptr, len, run)
    }

    /// Copies the bytes of the fat pointer at `index` out of memory.
    pub fn bytes(&self, memory: &impl Memory, index: usize) -> Result<Vec<u8>, HostErrorCause> {
        memory_access::read_fat(memory, self.i64(index)?)
    }

    /// Reads and SCALE-decodes the fat pointer at `index` (trailing bytes ignored).
    pub fn decode<T: Decode>(
        &self,
        memory: &impl Memory,
        index: usize,
        what: &'static str,
    ) -> Result<T, HostErrorCause> {
        let bytes = self.bytes(memory, index)?;
        T::decode(&mut &bytes[..]).map_err(|e| HostErrorCause::Decode {
            what,
            error: e.to_string(),
        })
    }

    /// The state version passed as `i32` at `index` (truncated to `u8`, as `PassAs<_, u8>`).
    pub fn state_version(&self, index: usize) -> Result<StateVersion, HostErrorCause> {
        let raw = self.u32(index)? as u8;
        StateVersion::from_u8(raw).ok_or(HostErrorCause::InvalidStateVersion(raw))
    }
}

/// Allocates `len` bytes through the call's allocator.
pub(crate) fn allocate(
    allocator: &mut HostAllocator,
    memory: &mut impl Memory,
    len: usize,
) -> Result<u32, HostErrorCause> {
    let len = u32::try_from(len).map_err(|_| {
        HostErrorCause::Allocation(subexec_allocator::Error::RequestedAllocationTooLarge)
    })?;
    allocator
        .allocate(memory, len)
        .map_err(HostErrorCause::Allocation)
}

/// Allocates room for `parts` laid end to end, writes them, returns a fat pointer.
pub(crate) fn return_parts(
    allocator: &mut HostAllocator,
    memory: &mut impl Memory,
    parts: &[&[u8]],
) -> Outcome {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let ptr = allocate(allocator, memory, len)?;
    memory_access::write_parts(memory, ptr, parts)?;
    Ok(Some(Value::I64(memory_access::pack_ptr_len(
        ptr, len as u32,
    ))))
}

/// Returns SCALE `Option<Vec<u8>>` (allocated even for `None`).
pub(crate) fn return_option_bytes(
    allocator: &mut HostAllocator,
    memory: &mut impl Memory,
    value: Option<&[u8]>,
) -> Outcome {
    match value {
        None => return_parts(allocator, memory, &[&[0]]),
        Some(bytes) => {
            let mut prefix = CompactPrefix::default();
            Compact(bytes.len() as u32).encode_to(&mut prefix);
            return_parts(allocator, memory, &[&[1], prefix.as_slice(), bytes])
        }
    }
}

/// A SCALE `Compact<u32>` encoded on the stack (at most 5 bytes).
#[derive(Default)]
struct CompactPrefix {
    bytes: [u8; 5],
    len: usize,
}

impl CompactPrefix {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl parity_scale_codec::Output for CompactPrefix {
    fn write(&mut self, bytes: &[u8]) {
        // A `Compact<u32>` is at most 5 bytes; anything beyond is dropped rather than panicking.
        let end = (self.len + bytes.len()).min(self.bytes.len());
        let take = end - self.len;
        self.bytes[self.len..end].copy_from_slice(&bytes[..take]);
        self.len = end;
    }
}

/// Allocates `bytes.len()` bytes, writes them, returns a plain `i32` pointer.
pub(crate) fn return_pointer(
    allocator: &mut HostAllocator,
    memory: &mut impl Memory,
    bytes: &[u8],
) -> Outcome {
    let ptr = allocate(allocator, memory, bytes.len())?;
    memory_access::write(memory, ptr, bytes)?;
    Ok(Some(Value::I32(ptr as i32)))
}

/// SCALE `KillStorageResult`: `00 ‖ loops` when all removed, `01 ‖ loops` otherwise.
pub(crate) fn kill_storage_result(result: &RemovalResult) -> [u8; 5] {
    let mut out = [0u8; 5];
    out[0] = u8::from(!result.all_removed);
    out[1..].copy_from_slice(&result.loops.to_le_bytes());
    out
}

/// `i32` 1/0 for a bool result.
pub(crate) fn bool_value(value: bool) -> Option<Value> {
    Some(Value::I32(i32::from(value)))
}
