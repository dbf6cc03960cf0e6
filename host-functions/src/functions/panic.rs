//! `ext_panic_handler_abort_on_panic_version_1`: the runtime's panic message.

use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;

/// Records the (UTF-8) message and returns normally, as `sp-io` does: `#[trap_on_return]`
/// makes the *runtime* execute `unreachable` right after the call, and the executor reports
/// that trap with [`HostState::panic_message`].
pub fn abort_on_panic(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let message =
        String::from_utf8(args.bytes(memory, 0)?).map_err(|_| HostErrorCause::InvalidUtf8 {
            what: "panic message",
        })?;
    state.panic_message = Some(message);
    Ok(None)
}
