//! `ext_logging_*`: runtime logs, forwarded to the `log` crate.

use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;

/// `log(level, target, message)`: level 0 Error ..= 4 Trace; the target must be UTF-8; a
/// message that is not UTF-8 is dropped silently (as in `sp-io`). The line goes to the `log`
/// crate and into the call's [`crate::CallLogs`].
pub fn log(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let raw_level = args.u32(0)? as u8;
    let level = match raw_level {
        0 => log::Level::Error,
        1 => log::Level::Warn,
        2 => log::Level::Info,
        3 => log::Level::Debug,
        4 => log::Level::Trace,
        other => return Err(HostErrorCause::InvalidLogLevel(other)),
    };
    let target = String::from_utf8(args.bytes(memory, 1)?)
        .map_err(|_| HostErrorCause::InvalidUtf8 { what: "log target" })?;
    let message = args.bytes(memory, 2)?;
    if let Ok(message) = std::str::from_utf8(&message) {
        log::log!(target: &target, level, "{message}");
        state.logs.push(level, &target, message);
    }
    Ok(None)
}

/// `max_level() -> u32`: 0 Off, 1 Error ..= 5 Trace, from `log::max_level()`.
pub fn max_level() -> Outcome {
    let level = match log::max_level() {
        log::LevelFilter::Off => 0,
        log::LevelFilter::Error => 1,
        log::LevelFilter::Warn => 2,
        log::LevelFilter::Info => 3,
        log::LevelFilter::Debug => 4,
        log::LevelFilter::Trace => 5,
    };
    Ok(Some(Value::I32(level)))
}
