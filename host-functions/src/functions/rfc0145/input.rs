//! `ext_input_read_version_1(buf)`: the call's input, delivered once.
//!
//! The runtime allocates `len` bytes (the entry point's argument) and passes them; the host
//! copies the whole input to the start of the buffer. A buffer shorter than the input aborts
//! (abi.md §3); a second call aborts too: the input is handed over once, and the host drops
//! its copy.

use subexec_allocator::Memory;

use crate::error::HostErrorCause;
use crate::functions::{Args, Outcome};
use crate::host_state::HostState;
use crate::memory_access;

/// `input_read(buf)`.
pub fn read(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let (ptr, len) = super::check_out(memory, args.i64(0)?)?;
    let input = state
        .input
        .as_ref()
        .ok_or(HostErrorCause::InputAlreadyRead)?;
    if (len as usize) < input.len() {
        return Err(HostErrorCause::BufferTooSmall {
            what: "input buffer",
            needed: input.len(),
            got: len,
        });
    }
    memory_access::write(memory, ptr, input)?;
    state.input = None;
    Ok(None)
}
