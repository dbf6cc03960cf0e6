//! Substrate's executor traits (feature `substrate`): subexec in place of `sc-executor`.
//!
//! A Substrate node calls its executor through `sp_core::traits::CodeExecutor` (the
//! `StateMachine` does, for every runtime call) and `sp_core::traits::ReadRuntimeVersion`.
//! [`SubstrateExecutor`] implements both, on an [`Executor`] of its own:
//!
//! ```ignore
//! // Before:                         sc_executor::WasmExecutor::<HostFunctions>::builder().build()
//! let executor = subexec_executor::substrate::SubstrateExecutor::<HostFunctions>::new();
//! ```
//!
//! # How a call runs: the node's `Externalities`, `sp-io`'s host functions
//! `CodeExecutor::call(ext, runtime_code, method, data, context)` fetches the code from
//! `runtime_code`, loads it through the executor's code cache (by the hash of the blob, so
//! the node's repeated calls compile once), chooses the heap as `sc-executor` does
//! (`runtime_code.heap_pages` gives `Static { extra_pages }`, else the executor's default)
//! and runs the call inside `sp_externalities::set_and_run_with_externalities(ext, ..)` with
//! the host functions `H` (default `sp_io::SubstrateHostFunctions`) linked through the
//! bridge of [`crate::external`], and *only* them (built-ins are not linked: they would
//! write to a [`crate::storage::StorageState`] nobody reads).
//!
//! So every storage access, child trie, root, transaction, offchain call, keystore access
//! and extension goes through the node's `Externalities` by `sp-io`'s own code, exactly as
//! with `sc-executor`; subexec contributes the engine, the memory, the allocator (pointers
//! identical to `sc-allocator`'s), the code cache and the instance pool. The alternative,
//! adapting subexec's `StorageState` to the node (a `Backend` over `Externalities`, then
//! writing the overlay back), would compute roots from the full key set rather than from the
//! node's trie, cannot reach the node's extensions (keystore, offchain DB, proof recorder,
//! `ReadRuntimeVersionExt`) and would duplicate transaction semantics the node already has;
//! going through `sp-io` needs none of that.
//!
//! A call's effects on `ext` cannot be undone by subexec, so the executor runs every call
//! exactly once ([`crate::Settings::run_once`]): the static heap is pre-grown instead of lazily
//! backed, and an out-of-memory failure is reported without subexec's diagnosis.
//!
//! # `RuntimeVersionOf`
//! `sc_executor::RuntimeVersionOf` is declared in `sc-executor` itself (polkadot-sdk,
//! `substrate/client/executor/src/lib.rs`), with `sc-executor-common`'s error type; depending
//! on it would compile `sc-executor-wasmtime` and wasmtime into every node that uses subexec.
//! So the trait is not implemented here: [`SubstrateExecutor::runtime_version`] has its
//! signature (with subexec's [`RuntimeVersion`] and [`SubstrateError`]), and a node that
//! needs the trait (e.g. `sc_service::new_full_parts` asks for it) declares its executor type
//! with [`sc_executor_replacement!`](crate::sc_executor_replacement), which implements it in
//! the node's crate, where `sc-executor` already is (`docs/EMBEDDING.md`).
//!
//! # Panics
//! `sp-io`'s functions panic where the node's state is unusable (a backend error, a call
//! outside of any externalities): such a panic is caught before it reaches the engine and
//! the call fails with [`CallError::HostFunctionPanicked`] (see [`crate::panic_guard`]), where
//! `sc-executor` catches it around the whole call (`with_externalities_safe`).

use std::marker::PhantomData;

use sp_core::traits::{CallContext, CodeExecutor, Externalities, FetchRuntimeCode, RuntimeCode};
use subexec_host_functions::HostFunctions;

use crate::config::ExecutorBuilder;
use crate::error::{CallError, LoadError, VersionError};
use crate::external::HostFunctionSet;
use crate::heap::HeapAllocStrategy;
use crate::runtime::{Executor, Runtime};
use crate::version::RuntimeVersion;

/// Why a [`SubstrateExecutor`] call failed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum SubstrateError {
    /// `runtime_code` has no code (no `:code` in the state).
    #[error("{}", sp_core::traits::CodeNotFound)]
    CodeNotFound,
    /// The code does not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The version could not be read.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// Runtime version lookups nested too deeply (see [`crate::MAX_NESTED_VERSION_READS`]).
    #[error(
        "runtime version lookups nested more than {} deep",
        crate::MAX_NESTED_VERSION_READS
    )]
    NestedVersionReads,
}

/// subexec behind `sp_core::traits::CodeExecutor` and `ReadRuntimeVersion`, with the host
/// functions `H` (see the module docs). Cheap to clone (clones share the code cache and the
/// instance pools).
pub struct SubstrateExecutor<H = sp_io::SubstrateHostFunctions> {
    executor: Executor,
    host_functions: PhantomData<fn() -> H>,
}

impl<H> Clone for SubstrateExecutor<H> {
    fn clone(&self) -> Self {
        SubstrateExecutor {
            executor: self.executor.clone(),
            host_functions: PhantomData,
        }
    }
}

impl<H> std::fmt::Debug for SubstrateExecutor<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubstrateExecutor")
            .field("executor", &self.executor)
            .finish()
    }
}

impl<H: HostFunctions> Default for SubstrateExecutor<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: HostFunctions> SubstrateExecutor<H> {
    /// An executor with subexec's defaults (static heap of 2048 extra pages, as
    /// `sc-executor`'s default; pooled instances; no fuel).
    pub fn new() -> Self {
        Self::with_builder(ExecutorBuilder::new())
    }

    /// An executor with `builder`'s settings, except: the host functions are `H`'s, with the
    /// builder's added ones on top (they replace `H`'s of the same name), no built-ins, and
    /// every call runs once ([`crate::Settings::run_once`]).
    pub fn with_builder(builder: ExecutorBuilder) -> Self {
        let mut set = HostFunctionSet::new().with::<H>().without_builtins();
        let added = &builder.settings().host_functions;
        set = set.with_functions(added.names().filter_map(|name| added.get(name)));
        let executor = builder.host_functions(set).run_once(true).build();
        SubstrateExecutor {
            executor,
            host_functions: PhantomData,
        }
    }

    /// The executor calls run on (its code cache, settings and pools).
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The runtime of `runtime_code`, loaded through the cache, with its heap strategy.
    fn runtime(&self, runtime_code: &RuntimeCode<'_>) -> Result<Runtime, SubstrateError> {
        let code = runtime_code
            .fetch_runtime_code()
            .ok_or(SubstrateError::CodeNotFound)?;
        let runtime = self.executor.load(&code)?;
        Ok(match runtime_code.heap_pages {
            // As `sc-executor`: the `:heappages` value, truncated to `u32`.
            Some(pages) => runtime.with_heap_alloc_strategy(HeapAllocStrategy::Static {
                extra_pages: pages as u32,
            }),
            None => runtime,
        })
    }

    /// Calls `method` with `data` on `runtime_code` against `ext` (what
    /// `CodeExecutor::call` does, with a typed error).
    ///
    /// # Errors
    /// No code, a load error, or the call's error.
    pub fn call_with_externalities(
        &self,
        ext: &mut dyn Externalities,
        runtime_code: &RuntimeCode<'_>,
        method: &str,
        data: &[u8],
    ) -> Result<Vec<u8>, SubstrateError> {
        let runtime = self.runtime(runtime_code)?;
        // Storage goes through `ext` (sp-io); this one only satisfies the call's signature.
        let mut unused = crate::empty_storage();
        let outcome = sp_externalities::set_and_run_with_externalities(ext, || {
            runtime.call(&mut unused, method, data)
        })?;
        Ok(outcome.output)
    }

    /// The version of `runtime_code`: embedded in its custom sections, else from a
    /// `Core_version` call against `ext` (the signature of `sc_executor::RuntimeVersionOf`,
    /// see the module docs).
    ///
    /// # Errors
    /// No code, a load error, a failing `Core_version` call or an undecodable version.
    pub fn runtime_version(
        &self,
        ext: &mut dyn Externalities,
        runtime_code: &RuntimeCode<'_>,
    ) -> Result<RuntimeVersion, SubstrateError> {
        let runtime = self.runtime(runtime_code)?;
        let version = sp_externalities::set_and_run_with_externalities(ext, || runtime.version())?;
        Ok(version)
    }
}

impl<H: HostFunctions> CodeExecutor for SubstrateExecutor<H> {
    type Error = SubstrateError;

    /// Never native: the `bool` is always `false`. `context` does not change the heap
    /// (`sc-executor`'s on-chain and off-chain defaults are the same strategy too).
    fn call(
        &self,
        ext: &mut dyn Externalities,
        runtime_code: &RuntimeCode<'_>,
        method: &str,
        data: &[u8],
        _context: CallContext,
    ) -> (Result<Vec<u8>, Self::Error>, bool) {
        (
            self.call_with_externalities(ext, runtime_code, method, data),
            false,
        )
    }
}

impl<H: HostFunctions> sp_core::traits::ReadRuntimeVersion for SubstrateExecutor<H> {
    /// The SCALE-encoded version of `wasm_code` (raw or compressed): the embedded one
    /// re-encoded, else `Core_version`'s output, called against `ext`.
    fn read_runtime_version(
        &self,
        wasm_code: &[u8],
        ext: &mut dyn Externalities,
    ) -> Result<Vec<u8>, String> {
        let _nesting = crate::runtime::NestingGuard::enter()
            .ok_or_else(|| SubstrateError::NestedVersionReads.to_string())?;
        let runtime = self.executor.load(wasm_code).map_err(|e| e.to_string())?;
        sp_externalities::set_and_run_with_externalities(ext, || runtime.version_bytes())
            .map_err(|e| e.to_string())
    }
}

#[doc(hidden)]
pub mod __private {
    pub use parity_scale_codec::Decode;
    pub use sp_core::traits::{
        CallContext, CodeExecutor, Externalities, FetchRuntimeCode, ReadRuntimeVersion, RuntimeCode,
    };
}

/// Declares `$name`, a node's executor type: [`SubstrateExecutor`]`<$host_functions>` with
/// `sp_core`'s `CodeExecutor` and `ReadRuntimeVersion` and `sc_executor::RuntimeVersionOf`
/// (which `sc-service` asks for, and which only `sc-executor` declares: see the module docs).
/// Expanded in the node, where `sc_executor` (a dependency of `sc-service`) is in scope; the
/// version is decoded as `sc_executor::RuntimeVersion` from the bytes
/// `ReadRuntimeVersion` returns, and errors become `sc_executor::error::Error::from(String)`.
#[macro_export]
macro_rules! sc_executor_replacement {
    ($vis:vis $name:ident, $host_functions:ty) => {
        /// subexec in place of `sc_executor::WasmExecutor`.
        #[derive(Clone, Default)]
        $vis struct $name(pub $crate::substrate::SubstrateExecutor<$host_functions>);

        impl $crate::substrate::__private::CodeExecutor for $name {
            type Error = $crate::substrate::SubstrateError;
            fn call(
                &self,
                ext: &mut dyn $crate::substrate::__private::Externalities,
                code: &$crate::substrate::__private::RuntimeCode<'_>,
                method: &str,
                data: &[u8],
                context: $crate::substrate::__private::CallContext,
            ) -> (Result<Vec<u8>, Self::Error>, bool) {
                self.0.call(ext, code, method, data, context)
            }
        }

        impl $crate::substrate::__private::ReadRuntimeVersion for $name {
            fn read_runtime_version(
                &self,
                wasm: &[u8],
                ext: &mut dyn $crate::substrate::__private::Externalities,
            ) -> Result<Vec<u8>, String> {
                self.0.read_runtime_version(wasm, ext)
            }
        }

        impl sc_executor::RuntimeVersionOf for $name {
            fn runtime_version(
                &self,
                ext: &mut dyn $crate::substrate::__private::Externalities,
                code: &$crate::substrate::__private::RuntimeCode<'_>,
            ) -> sc_executor::error::Result<sc_executor::RuntimeVersion> {
                use $crate::substrate::__private::{Decode, ReadRuntimeVersion};
                let wasm = $crate::substrate::__private::FetchRuntimeCode::fetch_runtime_code(code).ok_or_else(|| {
                    sc_executor::error::Error::from($crate::substrate::SubstrateError::CodeNotFound.to_string())
                })?;
                let bytes = self
                    .0
                    .read_runtime_version(&wasm, ext)
                    .map_err(sc_executor::error::Error::from)?;
                <sc_executor::RuntimeVersion as Decode>::decode(&mut &bytes[..])
                    .map_err(|e| sc_executor::error::Error::from(e.to_string()))
            }
        }
    };
}
