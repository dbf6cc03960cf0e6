//! Typed errors: every failure names its cause.
//!
//! [`LoadError`] covers everything decided once per blob (decompression, validation, imports,
//! exports the ABI requires, embedded version); [`CallError`] covers one call; [`VersionError`]
//! covers reading a runtime's version. A call that ran out of memory carries a diagnosis
//! ([`CallError::OutOfMemory`], see [`crate::diagnostics`]).

use crate::blob::BlobError;
use crate::version::VersionDecodeError;

mod out_of_memory;
pub use out_of_memory::OutOfMemory;

/// [`LoadError::InvalidWasm`] from a parser's or the engine's message, on one line: some of
/// their messages embed pretty-printed `Debug` values (wasmparser's bad-magic message prints
/// two byte arrays one element a line), and a load error is read by people and logged by nodes.
pub(crate) fn invalid_wasm(message: impl std::fmt::Display) -> LoadError {
    let message = message.to_string();
    LoadError::InvalidWasm(message.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Why a runtime blob cannot be loaded.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The blob could not be decompressed (bad stream or compression bomb).
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The wasm is malformed, uses a feature Substrate rejects, or does not compile.
    #[error("invalid wasm module: {0}")]
    InvalidWasm(String),
    /// The module has a start function; subexec rejects those (see the crate docs).
    #[error("wasm module has a start function; runtimes must not have one")]
    StartFunction,
    /// The module declares a table with more initial elements than Substrate instantiates.
    #[error("wasm module declares a table of {declared} elements; the limit is {max}")]
    TableTooLarge {
        /// The declared initial size.
        declared: u64,
        /// [`crate::MAX_TABLE_ELEMENTS`].
        max: u64,
    },
    /// An import comes from a module other than `env`.
    #[error("import `{module}.{name}` is not from module `env`")]
    NonEnvImport {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
    },
    /// An `env` import that is neither a function nor the memory `env.memory`.
    #[error("unsupported import `env.{name}`: {kind}")]
    UnsupportedImport {
        /// The import's field name.
        name: String,
        /// What it is (table, global, memory with another name…).
        kind: String,
    },
    /// Host functions the runtime imports that subexec does not provide.
    #[error("runtime requires host functions that are not provided: {}", .0.join(", "))]
    MissingHostFunctions(Vec<String>),
    /// A host function is imported with a signature other than its own.
    #[error("host function `{name}` imported with signature {found}, expected {expected}")]
    HostFunctionSignature {
        /// The function's name.
        name: String,
        /// Its signature in the host API.
        expected: String,
        /// The signature the runtime declares.
        found: String,
    },
    /// The runtime neither imports `env.memory` nor exports `memory`.
    #[error("runtime has no memory: it neither imports `env.memory` nor exports `memory`")]
    NoMemory,
    /// The runtime does not export the i32 global `__heap_base`.
    #[error("runtime does not export the i32 global `__heap_base`")]
    MissingHeapBase,
    /// The runtime exports entry points of both ABIs (abi.md §3 forbids mixing them).
    #[error("runtime mixes entry-point styles: classic (i32, i32) -> i64: {}; guest-allocator (i32) -> i64: {}", .classic.join(", "), .guest.join(", "))]
    MixedEntryPoints {
        /// Exports of type `(i32, i32) -> i64`.
        classic: Vec<String>,
        /// Exports of type `(i32) -> i64`.
        guest: Vec<String>,
    },
    /// Imports that a runtime of this mode may not have (abi.md §3).
    #[error("{mode} runtime imports what its mode forbids: {}", .imports.join(", "))]
    ImportsContradictMode {
        /// The mode its entry points give.
        mode: subexec_host_functions::HostMode,
        /// The offending imports.
        imports: Vec<String>,
    },
    /// The embedded `runtime_version`/`runtime_apis` sections are malformed.
    #[error("bad embedded runtime version: {0}")]
    EmbeddedVersion(#[from] VersionDecodeError),
}

/// Why one call failed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The runtime does not export the called function.
    #[error("runtime does not export `{0}`")]
    MissingExport(String),
    /// The export is not `(func (param i32 i32) (result i64))`.
    #[error("export `{method}` has signature {found}, expected (i32, i32) -> i64")]
    BadEntrySignature {
        /// The called export.
        method: String,
        /// Its actual type.
        found: String,
    },
    /// A guest-allocator runtime's export is not `(func (param i32) (result i64))`.
    #[error(
        "export `{method}` has signature {found}, expected (i32) -> i64 (guest-allocator runtime)"
    )]
    BadGuestEntrySignature {
        /// The called export.
        method: String,
        /// Its actual type.
        found: String,
    },
    /// Instantiating the module failed (e.g. a data segment out of the memory's bounds).
    #[error("instantiation failed: {0}")]
    Instantiation(String),
    /// The input could not be allocated (the heap is too small).
    #[error("cannot allocate the call's input of {len} bytes: {cause}")]
    InputAllocation {
        /// Input length.
        len: usize,
        /// The allocator's message.
        cause: String,
    },
    /// The runtime trapped (the message is wasmi's trap description).
    #[error("wasm trap: {0}")]
    Trap(String),
    /// Nested calls or the value stack exceeded the configured limits.
    #[error("stack overflow: call depth or value stack limit exceeded")]
    StackOverflow,
    /// The fuel budget ran out.
    #[error("out of fuel (budget {budget})")]
    OutOfFuel {
        /// The call's budget.
        budget: u64,
    },
    /// A host function failed; its `Display` names the function and the cause.
    #[error(transparent)]
    HostFunction(#[from] subexec_host_functions::HostError),
    /// The runtime called its panic handler (`ext_panic_handler_abort_on_panic_version_1`).
    #[error("Runtime panicked: {0}")]
    RuntimePanicked(String),
    /// The runtime called a host function that was linked as a missing stub.
    #[error("call to a missing function env:{0}")]
    MissingFunctionCalled(String),
    /// The returned (pointer, length) lies outside the memory.
    #[error("Output exceeds bounds of wasm memory: pointer {ptr}, length {len}, memory {memory_size} bytes")]
    OutputOutOfBounds {
        /// Output pointer.
        ptr: u32,
        /// Output length.
        len: u32,
        /// Memory size at the end of the call.
        memory_size: u64,
    },
    /// Any other engine failure (reported with wasmi's message).
    #[error("execution failed: {0}")]
    Engine(String),
    /// A classic call ran out of memory (the allocator out of space, or a request above the
    /// largest size class): the original error ([`OutOfMemory::error`]: `HostFunction` or
    /// `InputAllocation`), its diagnosis and the call's allocation trace. `Display` is the
    /// original message followed by the diagnosis. See [`crate::diagnostics`].
    #[error("{0}")]
    OutOfMemory(Box<OutOfMemory>),
    /// The engine (wasmi) panicked while instantiating, translating or running the runtime:
    /// an engine bug, caught (see [`crate::panic_guard`]). The call's storage changes were
    /// rolled back, its instance dropped, and the runtime is poisoned.
    #[error("the wasm engine panicked: {message}")]
    EnginePanicked {
        /// The panic's message (its `String`/`&str` payload, else a fixed text).
        message: String,
    },
    /// A host function panicked (a bug of the host): caught before it reached the engine. The
    /// call's storage changes were rolled back and its instance dropped; the runtime stays
    /// usable.
    #[error("host function `{function}` panicked: {message}")]
    HostFunctionPanicked {
        /// The host function's name.
        function: String,
        /// The panic's message (its `String`/`&str` payload, else a fixed text).
        message: String,
    },
    /// An earlier call of this runtime made the engine panic: the compiled module may be left
    /// unusable (see [`crate::panic_guard`]), so it runs no more calls. Loading the blob again
    /// compiles it anew.
    #[error("runtime poisoned: an earlier call made the wasm engine panic: {first_panic}")]
    RuntimePoisoned {
        /// The message of the panic that poisoned the runtime.
        first_panic: String,
    },
}

impl CallError {
    /// The error without its out-of-memory diagnosis: the one Substrate reports.
    pub fn undiagnosed(&self) -> &CallError {
        match self {
            CallError::OutOfMemory(failure) => &failure.error,
            other => other,
        }
    }
}

/// Why a runtime's version could not be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// Calling `Core_version` failed.
    #[error("Core_version call failed: {0}")]
    Call(#[from] CallError),
    /// The output of `Core_version` is not a `RuntimeVersion`.
    #[error(transparent)]
    Decode(#[from] VersionDecodeError),
}
