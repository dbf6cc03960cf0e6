//! `ext_misc_*`: debug printing (to the `runtime` log target) and another blob's version.

use subexec_allocator::Memory;

use super::{return_option_bytes, Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;

/// `print_num(u64)`.
pub fn print_num(args: &Args<'_>) -> Outcome {
    let value = args.i64(0)? as u64;
    log::debug!(target: "runtime", "{value}");
    Ok(None)
}

/// `print_utf8(bytes)`: bytes that are not UTF-8 print nothing (as in `sp-io`).
pub fn print_utf8(memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let bytes = args.bytes(memory, 0)?;
    if let Ok(text) = std::str::from_utf8(&bytes) {
        log::debug!(target: "runtime", "{text}");
    }
    Ok(None)
}

/// `HexDisplay` formatting: lowercase hex; above 1026 bytes, the first and last 512 only.
fn hex_display(bytes: &[u8]) -> String {
    if bytes.len() < 1027 {
        hex::encode(bytes)
    } else {
        format!(
            "{}...{}",
            hex::encode(&bytes[..512]),
            hex::encode(&bytes[bytes.len() - 512..])
        )
    }
}

/// `print_hex(bytes)`.
pub fn print_hex(memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let bytes = args.bytes(memory, 0)?;
    log::debug!(target: "runtime", "{}", hex_display(&bytes));
    Ok(None)
}

/// `runtime_version(wasm) -> Option<Vec<u8>>`: `Some(encoded RuntimeVersion)` or `None` when
/// the reader fails; traps when no reader is registered (Substrate panics likewise).
pub fn runtime_version(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let wasm = args.bytes(memory, 0)?;
    let reader = state
        .runtime_version_reader
        .clone()
        .ok_or(HostErrorCause::NoRuntimeVersionReader)?;
    let version = match reader.read_runtime_version(&wasm) {
        Ok(version) => Some(version),
        Err(error) => {
            log::debug!(target: "runtime::io", "cannot read version from the given runtime: {error}");
            None
        }
    };
    return_option_bytes(&mut state.allocator, memory, version.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_display_elides_long_data() {
        assert_eq!(hex_display(&[0xab, 0x01]), "ab01");
        let long = vec![0x11u8; 2000];
        let shown = hex_display(&long);
        assert_eq!(shown.len(), 1024 + 3 + 1024);
        assert!(shown.contains("..."));
    }
}
