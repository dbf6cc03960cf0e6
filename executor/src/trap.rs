//! Mapping wasmi's errors to [`CallError`]s, and which failures lazy backing can cause.

use subexec_host_functions::HostErrorCause;
use wasmi::TrapCode;

use crate::error::CallError;
use crate::linker::HostTrap;

/// Maps a wasmi error to a [`CallError`], and says whether lazy backing could have caused it.
///
/// `panic_message` is what the runtime passed to `abort_on_panic`; `panic_log` the message of
/// its panic handler's log line (`subexec_host_functions::logs`), which explains an
/// `unreachable` trap right after it.
pub(crate) fn classify(
    error: wasmi::Error,
    panic_message: Option<&str>,
    panic_log: Option<&str>,
    fuel: Option<u64>,
) -> (CallError, bool) {
    if let Some(trap) = error.downcast_ref::<HostTrap>() {
        return match trap {
            HostTrap::Failed(host_error) => {
                let memory_related = matches!(
                    host_error.cause,
                    HostErrorCause::OutOfBounds { .. }
                        | HostErrorCause::Allocation(_)
                        | HostErrorCause::Deallocation(_)
                );
                let error = match (&host_error.cause, panic_message) {
                    (HostErrorCause::Panicked(message), _) => {
                        CallError::RuntimePanicked(message.clone())
                    }
                    // Work priced in advance that the budget could not pay: out of fuel, as
                    // if it had run and been charged.
                    (HostErrorCause::OutOfFuel { .. }, _) => CallError::OutOfFuel {
                        budget: fuel.unwrap_or(0),
                    },
                    (_, Some(message)) => CallError::RuntimePanicked(message.to_string()),
                    _ => CallError::HostFunction(host_error.clone()),
                };
                (error, memory_related)
            }
            HostTrap::Missing(name) => (CallError::MissingFunctionCalled(name.clone()), false),
            HostTrap::Panicked { function, message } => (
                CallError::HostFunctionPanicked {
                    function: function.to_string(),
                    message: message.clone(),
                },
                false,
            ),
            HostTrap::NoState(_) | HostTrap::BadResult(_) => {
                (CallError::Engine(trap.to_string()), false)
            }
        };
    }
    match error.as_trap_code() {
        Some(TrapCode::OutOfFuel) => (
            CallError::OutOfFuel {
                budget: fuel.unwrap_or(0),
            },
            false,
        ),
        Some(TrapCode::StackOverflow) => (CallError::StackOverflow, false),
        Some(code) => {
            let logged = panic_log.filter(|_| code == TrapCode::UnreachableCodeReached);
            let error = match panic_message.or(logged) {
                Some(message) => CallError::RuntimePanicked(message.to_string()),
                None => CallError::Trap(code.trap_message().to_string()),
            };
            (error, code == TrapCode::MemoryOutOfBounds)
        }
        None => (CallError::Engine(error.to_string()), false),
    }
}
