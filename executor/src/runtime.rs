//! The handles an embedder holds, the top layer of the executor: [`Executor`] (settings, and
//! a cache of compiled runtimes with their pools) and [`Runtime`] (a cheap handle on one
//! compiled runtime plus the heap strategy of its calls). Every method of `Runtime` is here;
//! the work is done by the layers below: the compiled runtime (`crate::compiled`), one run
//! on an instance (`crate::instance`), the pool ([`crate::pool`]) and the call policy
//! (`crate::policy`).
//!
//! [`Executor::load`] hashes the blob as given (blake2-256, Substrate's code hash of `:code`)
//! and looks it up in a small cache; on a miss it compiles it (`crate::compiled::prepare`)
//! and caches it with an empty pool. The cache key is the hash of the blob as given, never of
//! the rewritten module. A runtime whose engine panicked is evicted from the cache after the
//! call ([`crate::panic_guard`]): loading its blob again compiles it anew.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use parity_scale_codec::Encode;
use subexec_host_functions::StorageState;

use crate::call::{CallOptions, CallOutcome};
use crate::compiled::Prepared;
use crate::config::{ExecutorBuilder, InstanceReuse, Settings};
use crate::error::{CallError, LoadError, VersionError};
use crate::heap::HeapAllocStrategy;
use crate::instance::Runner;
use crate::mode::RuntimeMode;
use crate::policy::Policy;
use crate::pool::Pool;
use crate::version::RuntimeVersion;

pub use crate::compiled::{blake2_256, CodeHash};

mod version_reader;

#[cfg(feature = "substrate")]
pub(crate) use version_reader::NestingGuard;
pub use version_reader::MAX_NESTED_VERSION_READS;

/// A compiled runtime in the cache, with its idle instances.
#[derive(Clone)]
struct Cached {
    prepared: Arc<Prepared>,
    pool: Arc<Pool>,
}

struct Inner {
    /// The wasmi configuration of every runtime's engine.
    config: wasmi::Config,
    settings: Settings,
    cache: Mutex<VecDeque<Cached>>,
    /// Test hook: link the panicking test imports ([`Executor::with_panicking_test_imports`]).
    test_panics: bool,
}

impl ExecutorBuilder {
    /// Creates the executor (an empty code cache; each runtime it compiles gets its own wasmi
    /// engine).
    pub fn build(self) -> Executor {
        Executor::with_settings(self.into_settings())
    }
}

/// Fixed engine settings and a cache of compiled runtimes (each with its own wasmi engine, see
/// the module docs). Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Default for Executor {
    fn default() -> Self {
        ExecutorBuilder::new().build()
    }
}

impl Executor {
    /// A builder for the engine settings.
    pub fn builder() -> ExecutorBuilder {
        ExecutorBuilder::new()
    }

    fn with_settings(settings: Settings) -> Self {
        Self::new_inner(settings, false)
    }

    fn new_inner(settings: Settings, test_panics: bool) -> Self {
        Executor {
            inner: Arc::new(Inner {
                config: settings.wasmi_config(),
                settings,
                cache: Mutex::new(VecDeque::new()),
                test_panics,
            }),
        }
    }

    /// Test hook, not part of the API: an executor whose runtimes may import the panicking
    /// functions [`crate::panic_guard::TEST_PANIC_IN_ENGINE`] and
    /// [`crate::panic_guard::TEST_PANIC_IN_HOST_FUNCTION`], so that tests can make a call
    /// panic inside the engine or inside a host function on purpose.
    #[doc(hidden)]
    pub fn with_panicking_test_imports(settings: Settings) -> Self {
        Self::new_inner(settings, true)
    }

    /// Drops `prepared` from the code cache (a poisoned runtime: loading its blob again
    /// compiles it anew).
    fn evict(&self, prepared: &Arc<Prepared>) {
        let evicted = {
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            let position = cache
                .iter()
                .position(|c| Arc::ptr_eq(&c.prepared, prepared));
            position.and_then(|i| cache.remove(i))
        };
        drop(evicted);
    }

    /// The settings this executor was built with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Loads a runtime from a blob (raw wasm or compressed), with the default heap strategy.
    ///
    /// # Errors
    /// Any [`LoadError`]: bad blob, compression bomb, invalid wasm or unsupported feature,
    /// start function, bad imports (non-`env`, missing or mistyped host functions), no
    /// memory, no `__heap_base`, malformed embedded version.
    pub fn load(&self, code: &[u8]) -> Result<Runtime, LoadError> {
        let code_hash = blake2_256(code);
        let cached = match self.cached(&code_hash) {
            Some(cached) => cached,
            None => {
                let prepared = crate::compiled::prepare(
                    &self.inner.config,
                    &self.inner.settings,
                    self.inner.test_panics,
                    code_hash,
                    code,
                )?;
                let cached = Cached {
                    prepared: Arc::new(prepared),
                    pool: Arc::new(Pool::new()),
                };
                self.insert(cached.clone());
                cached
            }
        };
        Ok(Runtime {
            executor: self.clone(),
            prepared: cached.prepared,
            pool: cached.pool,
            heap_alloc_strategy: self.inner.settings.heap_alloc_strategy,
        })
    }

    fn cached(&self, hash: &CodeHash) -> Option<Cached> {
        let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|c| &c.prepared.code_hash == hash)
            .cloned()
    }

    fn insert(&self, cached: Cached) {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache
            .iter()
            .any(|c| c.prepared.code_hash == cached.prepared.code_hash)
        {
            return;
        }
        while cache.len() >= self.inner.settings.cache_capacity {
            cache.pop_front();
        }
        cache.push_back(cached);
    }

    /// Number of compiled runtimes currently cached.
    pub fn cached_runtimes(&self) -> usize {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

/// A loaded runtime: compiled code shared through the executor's cache, plus the heap
/// strategy its calls use.
#[derive(Clone)]
pub struct Runtime {
    executor: Executor,
    prepared: Arc<Prepared>,
    pool: Arc<Pool>,
    heap_alloc_strategy: HeapAllocStrategy,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("code_hash", &hex::encode(self.prepared.code_hash))
            .field("heap_alloc_strategy", &self.heap_alloc_strategy)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// The blake2-256 hash of the blob this runtime was loaded from.
    pub fn code_hash(&self) -> CodeHash {
        self.prepared.code_hash
    }

    /// The executor that loaded this runtime (its settings and code cache; an upgrade loads
    /// the new code through it).
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The heap strategy of this handle's calls.
    pub fn heap_alloc_strategy(&self) -> HeapAllocStrategy {
        self.heap_alloc_strategy
    }

    /// The same runtime with another heap strategy.
    pub fn with_heap_alloc_strategy(mut self, strategy: HeapAllocStrategy) -> Self {
        self.heap_alloc_strategy = strategy;
        self
    }

    /// The same runtime with the heap strategy a `:heappages` storage value selects
    /// (`None` or undecodable: the executor's default).
    pub fn with_heap_pages(self, heap_pages: Option<&[u8]>) -> Self {
        let default = self.executor.settings().heap_alloc_strategy;
        self.with_heap_alloc_strategy(HeapAllocStrategy::from_heap_pages(heap_pages, default))
    }

    /// The runtime's ABI (classic or guest-allocator), decided at load (see [`crate::mode`]).
    pub fn mode(&self) -> RuntimeMode {
        self.prepared.mode
    }

    /// The module's initial memory pages.
    pub fn initial_pages(&self) -> u32 {
        self.prepared.memory.minimum()
    }

    /// Whether calls under this handle's strategy back a static heap lazily (see
    /// [`crate::memory`]): a `Static` strategy and a module without `memory.size`/`memory.grow`,
    /// unless the executor runs every call once ([`crate::Settings::run_once`]).
    pub fn static_heap_is_lazy(&self) -> bool {
        crate::policy::static_heap_is_lazy(
            &self.prepared,
            self.heap_alloc_strategy,
            self.executor.settings().run_once,
        )
    }

    /// The export names of the module's mutable globals, in global index order: its own
    /// export where it has one, else the `__subexec_global_<index>` export added at load so
    /// that a reused instance can restore it.
    pub fn mutable_globals(&self) -> &[String] {
        &self.prepared.mutable_globals
    }

    /// The message of the engine panic that poisoned this runtime, if one did (see
    /// [`crate::panic_guard`]): its calls then fail with [`crate::CallError::RuntimePoisoned`].
    pub fn poisoned(&self) -> Option<String> {
        match self.prepared.poison.check() {
            Err(crate::CallError::RuntimePoisoned { first_panic }) => Some(first_panic),
            _ => None,
        }
    }

    /// The version embedded in the blob's custom sections, if any.
    pub fn embedded_version(&self) -> Option<&RuntimeVersion> {
        self.prepared.embedded_version.as_ref()
    }
    /// Calls `method` with `input` against `storage` (changed in place by the call).
    ///
    /// # Errors
    /// A [`CallError`] naming the cause: missing export, bad entry signature, instantiation
    /// failure, input allocation failure, trap (with the runtime's panic message if any),
    /// stack overflow, out of fuel, host function failure, missing function called, output
    /// out of bounds.
    pub fn call(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
    ) -> Result<CallOutcome, CallError> {
        self.call_with(storage, method, input, &CallOptions::default())
    }

    /// [`Runtime::call`] with options (e.g. recording the call's allocations). How runs make
    /// the call (transaction, lazy-backing re-run, out-of-memory diagnosis) is the call
    /// policy's (`crate::policy`).
    ///
    /// # Errors
    /// As [`Runtime::call`]. A classic call that fails for lack of memory returns
    /// [`CallError::OutOfMemory`], with or without `trace_allocations`.
    pub fn call_with(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
        options: &CallOptions,
    ) -> Result<CallOutcome, CallError> {
        if options.record_proof {
            return self.call_recorded(storage, method, input, options);
        }
        let result = self.policy().call(storage, method, input, options);
        if self.prepared.poison.is_set() {
            self.executor.evict(&self.prepared);
        }
        result
    }

    /// [`Runtime::call_with`] on a recording view of `storage`'s backend; the proof goes into
    /// the outcome and the original backend is put back whatever happens.
    fn call_recorded(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
        options: &CallOptions,
    ) -> Result<CallOutcome, CallError> {
        let recorder = subexec_host_functions::storage::ProofRecorder::default();
        let recording = storage.backend().recording(&recorder).ok_or_else(|| {
            CallError::Engine("record_proof: the storage backend cannot record proofs".into())
        })?;
        let original = storage.replace_backend(recording);
        let inner = CallOptions {
            record_proof: false,
            ..options.clone()
        };
        let result = self.call_with(storage, method, input, &inner);
        storage.replace_backend(original);
        result.map(|mut outcome| {
            outcome.storage_proof = Some(recorder.drain_storage_proof());
            outcome
        })
    }

    /// How this handle's calls really get their instances: `Fresh` where pooling is off or
    /// unavailable for this runtime (see [`crate::pool`]).
    pub fn instance_reuse(&self) -> InstanceReuse {
        match self.executor.settings().instance_reuse {
            InstanceReuse::Pooled { max_idle_instances }
                if max_idle_instances > 0 && self.pool.available(&self.runner()) =>
            {
                InstanceReuse::Pooled { max_idle_instances }
            }
            _ => InstanceReuse::Fresh,
        }
    }

    /// Idle pooled instances of this runtime (all heap sizes).
    pub fn idle_instances(&self) -> usize {
        self.pool.idle()
    }

    /// The runtime's version: from the custom sections, else by calling `Core_version` (on
    /// empty storage; a successful result is cached with the compiled code).
    ///
    /// # Errors
    /// The `Core_version` call fails or returns bytes that are not a `RuntimeVersion`.
    pub fn version(&self) -> Result<RuntimeVersion, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.clone()),
            None => self.called_version().map(|(_, version)| version),
        }
    }

    /// The SCALE bytes `ext_misc_runtime_version_version_1` reports for this runtime: the
    /// embedded version re-encoded in full, else `Core_version`'s raw output. Never served
    /// from the version cache, so that what a runtime observes (including where nested lookups
    /// stop, see [`crate::MAX_NESTED_VERSION_READS`]) does not depend on earlier calls.
    ///
    /// # Errors
    /// As [`Runtime::version`].
    pub fn version_bytes(&self) -> Result<Vec<u8>, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.encode()),
            None => self.call_core_version().map(|(bytes, _)| bytes),
        }
    }

    fn called_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        let cache = &self.prepared.called_version;
        if let Some(known) = cache.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(known);
        }
        // Not under the lock: `Core_version` may itself ask for a runtime version.
        let known = self.call_core_version()?;
        *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(known.clone());
        Ok(known)
    }

    /// Calls `Core_version` on empty storage and decodes its output.
    fn call_core_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        let mut storage = crate::storage::empty_storage();
        let outcome = self.call(&mut storage, "Core_version", &[])?;
        let version = RuntimeVersion::decode_core_version_output(&outcome.output)?;
        Ok((outcome.output, version))
    }

    /// What runs of this runtime need from the handle: the compiled runtime, the executor's
    /// fuel and the executor as the reader of other runtimes' versions.
    fn runner(&self) -> Runner<'_> {
        Runner {
            prepared: &self.prepared,
            fuel: self.executor.settings().fuel,
            version_reader: Arc::new(self.executor.clone()),
            storage_write_limit: self.executor.settings().max_storage_write_bytes,
        }
    }

    /// The call policy of this handle's calls.
    fn policy(&self) -> Policy<'_> {
        Policy {
            runner: self.runner(),
            pool: &self.pool,
            reuse: self.executor.settings().instance_reuse,
            strategy: self.heap_alloc_strategy,
            run_once: self.executor.settings().run_once,
        }
    }
}

#[cfg(test)]
mod tests;
