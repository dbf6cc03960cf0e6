//! `ext_allocator_*`: the runtime's heap, served by the call's freeing-bump allocator.

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;

/// `malloc(size) -> pointer`; failure traps with `Failed to allocate memory: "…"`.
pub fn malloc(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let size = args.u32(0)?;
    let ptr = state
        .allocator
        .allocate(memory, size)
        .map_err(HostErrorCause::Allocation)?;
    Ok(Some(Value::I32(ptr as i32)))
}

/// `free(pointer)`; failure traps with `Failed to deallocate memory: "…"`.
pub fn free(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let ptr = args.u32(0)?;
    state
        .allocator
        .deallocate(memory, ptr)
        .map_err(HostErrorCause::Deallocation)?;
    Ok(None)
}
