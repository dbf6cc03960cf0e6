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
//! # Layout: layers in one direction
//! A call goes down through five layers; each module uses only modules below it
//! (`tests/module_graph.rs` fails on any module cycle):
//!
//! 1. **Compiled runtime** (`compiled`): blob → [`blob`] (decompression) → `scan` →
//!    `rewrite` (export every mutable global, import a defined memory) → wasmi module on an
//!    engine of its own → `linker` (import resolution; [`external`] host-function sets) →
//!    [`mode`] (classic or guest-allocator) → embedded [`version`].
//! 2. **One run on an instance** (`instance`): store (`store`), memory ([`memory`]: provision,
//!    the lazily backed static heap), instantiation, input, entry point, output; `trap` turns
//!    wasmi errors into [`CallError`]s.
//! 3. **Pool** ([`pool`]): reused instances reset to their just-instantiated state
//!    ([`InstanceReuse`]), or a fresh instance.
//! 4. **Call policy** (`policy`): the per-call storage transaction, the re-run after a lazily
//!    backed failure, the out-of-memory diagnosis ([`diagnostics`]).
//! 5. **Handles** ([`runtime`]): [`Executor`] (settings, cache of compiled runtimes with their
//!    pools) and [`Runtime`] (every method of it is there).
//!
//! Above the handles: [`block`] (block import, [`block::Importer`]: real blocks executed in
//! order on the committed state of their parent, roots checked against their headers) and
//! `substrate` (feature `substrate`: `sp_core::traits::CodeExecutor` and
//! `ReadRuntimeVersion`, so a node runs subexec in place of `sc-executor`).
//!
//! Below them all: [`error`] ([`LoadError`], [`CallError`], [`VersionError`]; below the
//! diagnostics that fill them), [`call`] ([`CallOptions`], [`CallOutcome`]), [`config`]
//! ([`Settings`]: [`ExecutorBuilder`] produces settings only; `build` lives with the
//! `Executor`), [`heap`] ([`HeapAllocStrategy`], `:heappages`), [`storage`], and
//! [`panic_guard`] (a panic of wasmi or of a host function becomes a typed call error; an
//! engine panic poisons the runtime).
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
mod compiled;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod heap;
mod host_fuel;
pub mod host_time;
mod instance;
mod linker;
pub use linker::external;
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
#[cfg(feature = "substrate")]
pub mod substrate;
mod trap;
pub mod version;

pub use call::{CallOptions, CallOutcome};
pub use config::{ExecutorBuilder, InstanceReuse, Settings};
pub use error::{CallError, LoadError, VersionError};
pub use heap::HeapAllocStrategy;
pub use linker::external::HostFunctionSet;
pub use mode::RuntimeMode;
pub use runtime::{blake2_256, CodeHash, Executor, Runtime, MAX_NESTED_VERSION_READS};
pub use subexec_allocator::{AllocationStats, AllocationTrace};
pub use subexec_host_functions::{CallLogs, HostCallStats, HostFunction, LogLine};
pub use version::RuntimeVersion;

pub use storage::empty_storage;

/// `docs/EMBEDDING.md`: its examples are doctests (they use the `substrate` feature).
#[cfg(all(doctest, feature = "substrate"))]
#[doc = include_str!("../../docs/EMBEDDING.md")]
pub struct EmbeddingDoc;

pub use scan::MAX_TABLE_ELEMENTS;

/// The largest number of wasm32 pages.
pub const MAX_WASM_PAGES: u32 = subexec_allocator::MAX_WASM_PAGES;
