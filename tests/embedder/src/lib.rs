//! A node's use of subexec, reduced to the minimum: load a runtime blob, call it, get a typed
//! result. The tests (`tests/wasmi_fixes.rs`) feed it the modules that crashed upstream wasmi.
#![deny(missing_docs)]

use subexec_executor::{empty_storage, CallError, Executor, HeapAllocStrategy, LoadError};

/// What a node sees of one call of a blob: the blob refused, the call failed, or its output.
#[derive(Debug)]
pub enum Outcome {
    /// The blob did not load.
    Refused(LoadError),
    /// The call failed with a typed error.
    Failed(CallError),
    /// The call returned these bytes.
    Returned(Vec<u8>),
}

/// The executor a node would build: metered (so a guest loop ends), a small static heap.
pub fn executor(fuel: u64) -> Executor {
    Executor::builder()
        .fuel(Some(fuel))
        .heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages: 16 })
        .build()
}

/// Loads `blob` and calls `method` with `input` on empty storage.
pub fn call(executor: &Executor, blob: &[u8], method: &str, input: &[u8]) -> Outcome {
    let runtime = match executor.load(blob) {
        Ok(runtime) => runtime,
        Err(error) => return Outcome::Refused(error),
    };
    match runtime.call(&mut empty_storage(), method, input) {
        Ok(outcome) => Outcome::Returned(outcome.output),
        Err(error) => Outcome::Failed(error),
    }
}
