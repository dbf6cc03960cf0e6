//! subexec-executor: the wasmi sandbox that loads Substrate runtimes and calls them.
//!
//! # Embedding
//! ```no_run
//! use std::sync::Arc;
//! use subexec_executor::{Executor, storage::{InMemoryBackend, StorageState}};
//!
//! let executor = Executor::builder().fuel(Some(1 << 40)).build();
//! let code = std::fs::read("runtime.compact.compressed.wasm")?;
//! let runtime = executor.load(&code)?;          // raw or compressed; cached per code hash
//! println!("{:?}", runtime.version()?);          // custom sections, else Core_version
//! let mut storage = StorageState::new(Arc::new(InMemoryBackend::default()));
//! let outcome = runtime.call(&mut storage, "Core_version", &[])?;
//! println!("{} bytes, fuel {:?}", outcome.output.len(), outcome.fuel_consumed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//! - [`blob`]: raw or zstd-compressed blobs, with the compression-bomb limit.
//! - [`config`]: [`ExecutorBuilder`], the engine settings and the wasm feature set.
//! - [`heap`]: [`HeapAllocStrategy`] and `:heappages`.
//! - [`memory`]: memory provision and the lazily backed static heap.
//! - `scan`, `rewrite`, `linker`, `store`: load-time scan, export of every mutable global,
//!   import resolution and per-call linking.
//! - [`mode`]: classic vs guest-allocator (RFC-0145) runtimes, and the import checks.
//! - [`runtime`]: [`Executor`] (code cache, an engine per compiled runtime) and [`Runtime`].
//! - [`call`]: calls ([`CallOutcome`]) and the re-run policy; `instance`: one run on an
//!   instance; [`pool`]: reused instances and their reset ([`InstanceReuse`]); `trap`: wasmi
//!   errors to [`CallError`]s.
//! - [`version`]: [`RuntimeVersion`] decoding; `runtime_version`: embedded, else `Core_version`.
//! - [`error`]: [`LoadError`], [`CallError`], [`VersionError`].
//! - [`panic_guard`]: a panic of wasmi or of a host function becomes a typed call error; an
//!   engine panic poisons the runtime.
//! - [`diagnostics`]: allocation traces ([`CallOptions`]) and out-of-memory diagnoses
//!   (`docs/MEMORY-DIAGNOSTICS.md`).
//! - [`external`]: [`HostFunctionSet`], host functions an embedder adds
//!   (`sp_wasm_interface::HostFunctions`, e.g. `#[runtime_interface]` sets).
//! - `substrate` (feature `substrate`): `sp_core::traits::CodeExecutor` and
//!   `ReadRuntimeVersion`, so a node runs subexec in place of `sc-executor`.
//! - [`block`]: block import ([`block::Importer`]): real blocks executed in order on the
//!   committed state of their parent, roots checked against their headers.
//!
//! The `subexec` command line and its tooling (demo workload, mode comparison, conformance
//! runner, heap maps, validator budgets, the upgrade chain over committed state) are the
//! `subexec-cli` crate; this crate is only what a node embeds (`docs/ARCHITECTURE.md`).
//!
//! # Determinism
//! The same blob, input and storage give the same output, storage changes, allocator
//! statistics and fuel on every run (functions are translated lazily but translation costs
//! no fuel, so the first call pays none; see [`config`]); NaNs are canonicalised (wasmi's `deterministic` feature); deep
//! recursion traps at a fixed depth ([`config::DEFAULT_MAX_RECURSION_DEPTH`]) on wasmi's own
//! stack, never the host's.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod blob;
pub mod block;
pub mod call;
mod call_context;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod external;
pub mod heap;
pub mod host_time;
mod instance;
mod linker;
pub mod memory;
pub mod mode;
pub mod panic_guard;
pub mod pool;
mod rewrite;
pub mod runtime;
mod runtime_version;
mod scan;
mod store;
#[cfg(feature = "substrate")]
pub mod substrate;
mod trap;
pub mod version;

use std::sync::Arc;

pub use call::{CallOptions, CallOutcome};
pub use config::{ExecutorBuilder, InstanceReuse, Settings};
pub use error::{CallError, LoadError, VersionError};
pub use external::HostFunctionSet;
pub use heap::HeapAllocStrategy;
pub use mode::RuntimeMode;
pub use runtime::{blake2_256, CodeHash, Executor, Runtime};
pub use subexec_allocator::{AllocationStats, AllocationTrace};
pub use subexec_host_functions::{CallLogs, HostCallStats, HostFunction, LogLine};
pub use version::RuntimeVersion;

/// `docs/EMBEDDING.md`: its examples are doctests (they use the `substrate` feature).
#[cfg(all(doctest, feature = "substrate"))]
#[doc = include_str!("../../docs/EMBEDDING.md")]
pub struct EmbeddingDoc;

/// The storage types calls run against (re-exported from `subexec-host-functions`).
pub mod storage {
    pub use subexec_host_functions::storage::*;
    pub use subexec_host_functions::StorageState;
}

/// The largest number of wasm32 pages.
pub const MAX_WASM_PAGES: u32 = subexec_allocator::MAX_WASM_PAGES;

/// Storage with an empty in-memory backend.
pub fn empty_storage() -> subexec_host_functions::StorageState {
    subexec_host_functions::StorageState::new(Arc::new(
        subexec_host_functions::storage::InMemoryBackend::default(),
    ))
}

/// How deeply `ext_misc_runtime_version_version_1` lookups may nest on one thread. A lookup
/// of a blob without version sections calls its `Core_version`, which may look up a version
/// again; each level runs on the host stack, so the depth is bounded.
pub const MAX_NESTED_VERSION_READS: u32 = 4;

thread_local! {
    static VERSION_READ_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Counts one nesting level for as long as it lives.
struct NestingGuard;

impl NestingGuard {
    fn enter() -> Option<Self> {
        VERSION_READ_DEPTH.with(|depth| {
            (depth.get() < MAX_NESTED_VERSION_READS).then(|| {
                depth.set(depth.get() + 1);
                NestingGuard
            })
        })
    }
}

impl Drop for NestingGuard {
    fn drop(&mut self) {
        VERSION_READ_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// `ext_misc_runtime_version_version_1`: the version of another blob, loaded through this
/// executor (and its cache); `Err` (reported to the runtime as `None`) if it cannot be read.
impl subexec_host_functions::ReadRuntimeVersion for Executor {
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        let _guard = NestingGuard::enter().ok_or_else(|| {
            format!("runtime version lookups nested more than {MAX_NESTED_VERSION_READS} deep")
        })?;
        let runtime = self.load(wasm).map_err(|e| e.to_string())?;
        runtime.version_bytes().map_err(|e| e.to_string())
    }
}
