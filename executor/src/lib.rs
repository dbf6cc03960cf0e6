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
pub mod call;
mod compiled;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod heap;
mod instance;
mod linker;
pub mod memory;
pub mod mode;
pub mod panic_guard;
mod policy;
pub mod pool;
mod rewrite;
pub mod runtime;
mod scan;
pub mod storage;
mod store;
mod trap;
pub mod version;

pub use call::{CallOptions, CallOutcome};
pub use config::{ExecutorBuilder, InstanceReuse, Settings};
pub use error::{CallError, LoadError, VersionError};
pub use heap::HeapAllocStrategy;
pub use mode::RuntimeMode;
pub use runtime::{blake2_256, CodeHash, Executor, Runtime, MAX_NESTED_VERSION_READS};
pub use subexec_allocator::{AllocationStats, AllocationTrace};
pub use subexec_host_functions::{HostCallStats, HostFunction};
pub use version::RuntimeVersion;

pub use storage::empty_storage;

/// The largest number of wasm32 pages.
pub const MAX_WASM_PAGES: u32 = subexec_allocator::MAX_WASM_PAGES;
