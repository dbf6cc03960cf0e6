//! Panics of the engine or of a host function become typed call errors; a runtime whose
//! engine state a panic may have broken is poisoned.
//!
//! wasmi is a dependency like any other: a bug in it (fuzzing found one, `docs/FUZZING.md`
//! finding 6: an `unreachable!()` in the translator of integer stores) must not take a node
//! down. polkadot-sdk's executor sets the precedent: `with_externalities_safe`
//! (`substrate/client/executor/src/executor.rs`) runs every runtime call inside
//! `std::panic::catch_unwind` and reports a panic as `Error::RuntimePanicked(message)`, the
//! message taken from a `String` or `&str` payload. subexec does the same, in two places:
//!
//! - **Host functions** (`catch` in the linker's dispatch): a panic of a host function is
//!   caught *before* it reaches wasmi's frames. The call's host state is put back into the
//!   store, wasmi sees an ordinary host error and unwinds its own stacks normally, and the call
//!   fails with [`CallError::HostFunctionPanicked`]. The engine never saw a panic, so nothing
//!   is poisoned; the instance is dropped all the same (see below).
//! - **The engine** (`catch` around every entry into wasmi that can translate or run guest
//!   code: `Instance::new` in `instance::instantiate`, and the entry point's `call`, which is
//!   where functions are translated, lazily, see [`crate::config`]; a runtime version read is a
//!   `Core_version` call and goes through the same guard). A panic that crossed wasmi's frames
//!   fails the call with [`CallError::EnginePanicked`] and poisons the runtime.
//!
//! # What cannot be caught: panics inside wasmi's instruction handlers
//! On x86-64 every wasmi 2.0.0 instruction handler is an `extern "sysv64" fn`
//! (`engine/executor/handler/exec/macros.rs`, with or without `portable-dispatch`), and a
//! panic cannot unwind out of a non-`-unwind` ABI function: Rust aborts the process there
//! ("panic in a function that cannot unwind"), before any `catch_unwind` up the stack sees
//! it. So the engine guard catches what wasmi does in its root frames (instantiation, the
//! translation of the called entry function in `init_wasm_func_call`, an entry point that is
//! itself a host function, stack set-up), but not a panic raised while wasm code runs: the
//! lazy translation of a *callee* (done in the `call_internal` handler), or an executor bug.
//! Measured: finding 6's store in the entry function is caught; the same store in a function
//! the entry calls aborts (`subexec run` exits 134 on SIGABRT). This is also why host
//! functions have a guard of their own: wasmi's own C API wraps host calls the same way, and
//! wasmi's `with_stack` restores its execution context on unwinding for exactly that case.
//! Making callee translation panics catchable would need eager translation at load under this
//! guard (a load-time cost) or a change in wasmi; neither is done here.
//!
//! # What is discarded after a panic
//! - **The instance** (fresh or pooled) is dropped, never reset and returned to the pool
//!   (`RunOutput::reusable` is false for both panic errors); the call's allocator lives in its
//!   host state and goes with it.
//! - **The storage changes of the call** are rolled back: every call runs inside a storage
//!   transaction of the host's ([`crate::call`]), and a panicking call's transaction is rolled
//!   back where any other failed call's is committed (Substrate keeps a failed call's
//!   changes in the overlay; its caller decides). A panic may have interrupted a host function
//!   half-way through a storage operation, so the call's changes are not trusted. The overlay
//!   records the previous value right after each write (`Overlay::write`), with nothing that
//!   can panic in between (only an allocation, whose failure aborts the process anyway), so the
//!   rollback restores the state before the call.
//! - **The runtime, after an engine panic** (the compiled module shared by every [`Runtime`]
//!   handle of that code): poisoned. Every later call, on any handle of it, returns
//!   [`CallError::RuntimePoisoned`] naming the first panic, without entering wasmi; its idle
//!   pooled instances are dropped and it is evicted from the executor's code cache, so that
//!   loading the blob again compiles a new, healthy module.
//!
//! # Why poison: wasmi 2.0.0's lazy translation after a panic
//! A function is translated on its first call by `FuncEntry::compile`
//! (`wasmi-2.0.0/src/engine/code_map/mod.rs`). It moves the entry's atomic state from
//! `UNCOMPILED` to `COMPILING` with a compare-exchange, takes the untranslated body out, and
//! translates it; the state becomes `COMPILED` on success and `FAILED_TO_COMPILE` (or
//! `UNCOMPILED` again, when fuel ran out) on error. A *panic* in the translator (finding 6)
//! unwinds out of that match: the state stays `COMPILING` for ever and the untranslated body
//! is dropped. The next call that reaches the function finds `COMPILING` and, since that
//! state means "another thread is translating it", waits in `loop { spin_loop(); continue }`
//! for a state change that never comes: it hangs at 100 % CPU, outside any fuel metering. It
//! cannot re-panic nor run half-translated code (the code is only published with `COMPILED`),
//! but a hang is worse than a crash. Which function is stuck cannot be told from outside, so the
//! whole module is refused from then on. The rest of the engine is unaffected, which is why
//! other runtimes of the same [`crate::Executor`] keep working: wasmi's engine-wide locks
//! (`spin::Mutex` around its reusable translation buffers and execution stacks) are taken
//! and released around single operations, never held while translating or executing, and
//! spin locks do not poison; a buffer or stack owned by the unwound call is just dropped.
//! A panic during execution (a host closure's, or an engine bug) leaves no such trace in the
//! code map, but subexec cannot tell the two apart, so every engine panic poisons.
//!
//! Determinism: for a given blob the first panicking call, its message (the payload's text,
//! which carries no address, thread or location: those are only printed by the panic hook),
//! and every later call's [`CallError::RuntimePoisoned`] are the same run after run. What
//! does depend on history is that a call made *after* another call panicked fails where it
//! would have succeeded on a fresh load; a node that hits an engine panic has met an engine
//! bug, and refusing further work on that module is the safe side.
//!
//! # Limits
//! Catching relies on unwinding: a binary built with `panic = "abort"` (or whose panic hook
//! aborts, as libFuzzer's and Substrate's default `sp-panic-handler` hook do unless told to
//! unwind) still aborts on an engine panic. The workspace builds with the default
//! `panic = "unwind"`. The default panic hook still prints the panic (with its location) to
//! stderr when it happens; the typed error is what the call returns.
//!
//! # Unwind safety
//! `catch` wraps its closure in `AssertUnwindSafe`. What the closures borrow mutably is the
//! call's wasmi `Store` (its instance, memory, globals, host state) and, in host functions,
//! the call's `HostState` and memory. After a caught panic none of it is used again except
//! to take the `HostState` back and end it (`HostState::finish`, which only rolls back
//! runtime transactions left open) and to roll the storage back: the store, the instance
//! and the allocator are dropped, and the module is poisoned when the panic crossed wasmi. So
//! no broken invariant is observed; this is memory-safe regardless (a panic in safe code
//! cannot cause undefined behaviour), the assertion is about logic.
//!
//! [`Runtime`]: crate::Runtime

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use crate::error::CallError;

/// The message of a payload that is neither a `String` nor a `&str` (e.g. `panic_any(7)`).
pub const NON_STRING_PAYLOAD: &str = "panic with a non-string payload";

/// The longest panic message kept, in bytes; longer ones are cut at a character boundary
/// (a payload is arbitrary text; an error message stays bounded).
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// Test hook, not part of the API: with [`crate::Executor::with_panicking_test_imports`], an
/// `env` import of this name (any function type) panics when called, straight through wasmi
/// as an engine bug would. Export it as an entry point: wasmi then calls it from its root
/// frames, where a panic unwinds; called from wasm code it aborts the process, like any
/// panic inside wasmi's instruction handlers (see the module docs).
#[doc(hidden)]
pub const TEST_PANIC_IN_ENGINE: &str = "__subexec_test_panic_in_engine";

/// Test hook, not part of the API: as [`TEST_PANIC_IN_ENGINE`], but the import panics inside
/// the guarded section every host function runs in, as a host function bug would.
#[doc(hidden)]
pub const TEST_PANIC_IN_HOST_FUNCTION: &str = "__subexec_test_panic_in_host_function";

/// The payload of the test hooks' panics.
#[doc(hidden)]
pub const TEST_PANIC_MESSAGE: &str = "subexec test hook panicked";

/// Runs `run`; a panic becomes `Err(message)` (see [`message_of`]).
pub(crate) fn catch<R>(run: impl FnOnce() -> R) -> Result<R, String> {
    // AssertUnwindSafe: after a panic nothing `run` borrowed is reused but the host state
    // taken back and ended (see the module docs, "Unwind safety").
    catch_unwind(AssertUnwindSafe(run)).map_err(|payload| message_of(payload.as_ref()))
}

/// The text of a panic payload: a `String` or `&str` payload as it is (cut to
/// [`MAX_MESSAGE_BYTES`]), anything else [`NON_STRING_PAYLOAD`]. The payload is what `panic!`
/// was given: no address, thread name or location (the hook prints those, the payload never
/// holds them), so the text is deterministic for a deterministic panic.
pub(crate) fn message_of(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(text) = payload.downcast_ref::<String>() {
        text.as_str()
    } else if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else {
        NON_STRING_PAYLOAD
    };
    let mut end = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Whether `error` reports a caught panic (of the engine or of a host function): the
/// instance is dropped and the call's storage changes are rolled back.
pub(crate) fn is_panic(error: &CallError) -> bool {
    matches!(
        error,
        CallError::EnginePanicked { .. } | CallError::HostFunctionPanicked { .. }
    )
}

/// The first engine panic of a compiled runtime, once there was one.
#[derive(Debug, Default)]
pub(crate) struct Poison {
    first_panic: OnceLock<String>,
}

impl Poison {
    /// Records `message` unless a panic was recorded already; returns whether this one was
    /// the first.
    pub fn set(&self, message: &str) -> bool {
        self.first_panic.set(message.to_string()).is_ok()
    }

    /// Whether the runtime is poisoned.
    pub fn is_set(&self) -> bool {
        self.first_panic.get().is_some()
    }

    /// `Err(RuntimePoisoned)` once an engine panic was recorded.
    pub fn check(&self) -> Result<(), CallError> {
        match self.first_panic.get() {
            Some(first_panic) => Err(CallError::RuntimePoisoned {
                first_panic: first_panic.clone(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_and_str_payloads_give_their_text() {
        let owned = catch(|| panic!("{} {}", "formatted", 7)).unwrap_err();
        assert_eq!(owned, "formatted 7");
        let borrowed = catch(|| std::panic::panic_any("static text")).unwrap_err();
        assert_eq!(borrowed, "static text");
        let unreachable = catch(|| unreachable!()).unwrap_err();
        assert_eq!(unreachable, "internal error: entered unreachable code");
    }

    #[test]
    fn other_payloads_give_a_fixed_text() {
        assert_eq!(
            catch(|| std::panic::panic_any(7_u32)).unwrap_err(),
            NON_STRING_PAYLOAD
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        // 3-byte characters: the limit falls inside one.
        let long = "€".repeat(MAX_MESSAGE_BYTES);
        let message = catch(|| std::panic::panic_any(long.clone())).unwrap_err();
        assert!(message.len() <= MAX_MESSAGE_BYTES);
        assert!(message.len() > MAX_MESSAGE_BYTES - 3);
        assert!(long.starts_with(&message));
    }

    #[test]
    fn no_panic_passes_the_value_through() {
        assert_eq!(catch(|| 5), Ok(5));
    }

    #[test]
    fn poison_keeps_the_first_panic() {
        let poison = Poison::default();
        assert_eq!(poison.check(), Ok(()));
        assert!(poison.set("first"));
        assert!(!poison.set("second"));
        assert!(poison.is_set());
        assert_eq!(
            poison.check(),
            Err(CallError::RuntimePoisoned {
                first_panic: "first".into()
            })
        );
    }
}
