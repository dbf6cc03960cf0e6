//! parity-db calls that cannot take the process down.
//!
//! parity-db 0.5.7 panics on some damaged databases instead of returning an error: opening
//! or reading a directory whose value-table file was removed unwraps a `None`
//! (`parity-db/src/file.rs:127`; fuzzing finding 8, `docs/FUZZING.md`). A state database is
//! input like a state file, so every call into parity-db goes through [`call`], which turns a
//! panic into [`crate::StateDbError::Panicked`] naming the operation. The default panic hook
//! still prints parity-db's message on stderr; the process goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `operation` (a call into parity-db); a panic becomes `Err` with its message.
pub(crate) fn call<T>(operation: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(operation)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(super::call(|| 7), Ok(7));
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let caught = super::call(|| -> u8 { panic!("unwrap on None") });
        std::panic::set_hook(hook);
        assert_eq!(caught, Err("unwrap on None".to_string()));
    }
}
