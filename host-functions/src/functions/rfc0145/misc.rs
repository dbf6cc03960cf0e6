//! `ext_misc_runtime_version_version_2(wasm, out) -> optional length`.

use subexec_allocator::Memory;

use super::{check_out, optional, write_if_fits};
use crate::error::HostErrorCause;
use crate::functions::{Args, Outcome};
use crate::host_state::HostState;

/// The SCALE `RuntimeVersion` of `wasm`: −1 when it cannot be read, else its full length,
/// written only if it fits. Aborts when no reader is registered (as version 1 does).
pub fn runtime_version_v2(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let wasm = args.bytes(memory, 0)?;
    let out = check_out(memory, args.i64(1)?)?;
    let reader = state
        .runtime_version_reader
        .clone()
        .ok_or(HostErrorCause::NoRuntimeVersionReader)?;
    match reader.read_runtime_version(&wasm) {
        Ok(version) => {
            write_if_fits(memory, out, &version, false)?;
            optional(Some(version.len())).map(Some)
        }
        Err(error) => {
            log::debug!(target: "runtime::io", "cannot read version from the given runtime: {error}");
            optional(None).map(Some)
        }
    }
}
