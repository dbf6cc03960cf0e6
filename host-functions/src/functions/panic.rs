//! `ext_panic_handler_abort_on_panic_version_1`: the runtime's panic message.

use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;

/// Records the (UTF-8) message and traps (`#[trap_on_return]` in `sp-io`).
pub fn abort_on_panic(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let message =
        String::from_utf8(args.bytes(memory, 0)?).map_err(|_| HostErrorCause::InvalidUtf8 {
            what: "panic message",
        })?;
    state.panic_message = Some(message.clone());
    Err(HostErrorCause::Panicked(message))
}
