//! Loading: blob → validated, compiled module with its imports resolved, cached per code hash.
//!
//! [`Executor::load`] hashes the blob as given (blake2-256, Substrate's code hash of `:code`)
//! and looks it up in a small cache; on a miss it decompresses, scans (`scan`),
//! rewrites the module to export every mutable global and to import the memory it defines
//! (`rewrite`), validates and compiles the
//! module (see [`crate::config`] for when functions are translated), resolves its imports
//! (`linker`), checks the exports the ABI needs (`__heap_base`, a memory) and reads the
//! embedded version. A [`Runtime`] is a cheap handle on that compiled code plus the heap
//! strategy for its calls.
//!
//! Engines: every compiled runtime gets a wasmi `Engine` of its own (same settings), and its
//! stores are made from `module.engine()`. wasmi's engine keeps every function it parsed or
//! translated in an append-only code map that is freed only when the engine itself is dropped,
//! so one engine shared by the executor would keep the code of every module it ever compiled:
//! runtimes evicted from the cache and loaded again, failed loads, and every blob a runtime
//! hands to `ext_misc_runtime_version_version_1` (guest input). With an engine per runtime the
//! code goes when the last `Module` handle and store of it go (cache entry, `Runtime` handles,
//! pooled instances), so memory stays bounded by what is cached and in use. Measured (fuzz
//! binary, five blobs cycling through a four-entry cache): ~0.3 MB kept per reload with a
//! shared engine, RSS rising without bound; flat with one engine per runtime
//! (docs/FUZZING.md, finding 3).
//!
//! The cache key is the hash of the blob as given, never of the rewritten module. If the
//! rewritten module fails validation, the original is compiled to report its own error, so
//! load errors do not depend on the rewrite.
//!
//! Start functions: a module with a `start` section is rejected ([`LoadError::StartFunction`]).
//! Substrate runtimes never have one, and running arbitrary code at every instantiation (i.e.
//! before every call) would only add a way to diverge.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use wasmi::{Engine, ExternType, Module, ValType};

use crate::blob::{decompress, CODE_BLOB_BOMB_LIMIT};
use crate::config::{ExecutorBuilder, Settings};
use crate::error::LoadError;
use crate::heap::HeapAllocStrategy;
use crate::linker::{resolve_imports, ImportSlot};
use crate::mode::RuntimeMode;
use crate::rewrite::{export_mutable_globals, import_defined_memory};
use crate::scan::{scan, ScanReport};
use crate::version::{RuntimeVersion, APIS_SECTION, VERSION_SECTION};

/// A 32-byte blake2-256 code hash.
pub type CodeHash = [u8; 32];

/// Where the runtime's memory comes from, as the blob declares it. Either way the host creates
/// it: a memory the module defines is turned into an import at load
/// ([`crate::rewrite::import_defined_memory`]) and created as instantiation would create it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemorySource {
    /// Imported as `env.memory` with these declared limits (pages).
    Imported {
        /// Declared minimum.
        minimum: u32,
        /// Declared maximum.
        maximum: Option<u32>,
    },
    /// Defined by the module and exported as `memory` (old runtimes, guest-allocator ones).
    Defined {
        /// Declared minimum.
        minimum: u32,
        /// Declared maximum.
        maximum: Option<u32>,
    },
}

impl MemorySource {
    /// The module's initial pages.
    pub fn minimum(self) -> u32 {
        match self {
            MemorySource::Imported { minimum, .. } | MemorySource::Defined { minimum, .. } => {
                minimum
            }
        }
    }

    /// The module's declared maximum.
    pub fn declared_maximum(self) -> Option<u32> {
        match self {
            MemorySource::Imported { maximum, .. } | MemorySource::Defined { maximum, .. } => {
                maximum
            }
        }
    }

    /// The pages the host creates the memory with for a call under `plan`: an imported
    /// memory has the plan's initial pages from the start; a defined one has the module's
    /// initial pages, as instantiation would create it, and is grown to the plan's initial
    /// pages after instantiation (data segments are checked against the module's pages).
    pub fn created_pages(self, plan_initial_pages: u32) -> u32 {
        match self {
            MemorySource::Imported { .. } => plan_initial_pages,
            MemorySource::Defined { minimum, .. } => minimum,
        }
    }
}

/// A compiled runtime and what loading learnt about it.
pub(crate) struct Prepared {
    pub code_hash: CodeHash,
    pub module: Module,
    pub imports: Vec<ImportSlot>,
    pub mode: RuntimeMode,
    pub memory: MemorySource,
    pub scan: ScanReport,
    /// The export name of every mutable global (imported ones included), in global index
    /// order: the module's own export where it has one, else the one `rewrite` added.
    pub mutable_globals: Vec<String>,
    pub embedded_version: Option<RuntimeVersion>,
    /// `Core_version`'s raw output and its decoding, once a call succeeded.
    pub called_version: Mutex<Option<(Vec<u8>, RuntimeVersion)>>,
    /// Idle instances for reuse ([`crate::pool`]).
    pub pool: crate::pool::Pool,
    /// Set by the first engine panic: no more calls ([`crate::panic_guard`]).
    pub poison: crate::panic_guard::Poison,
}

impl Prepared {
    /// Records an engine panic (see [`crate::panic_guard`]): later calls are refused and the
    /// idle pooled instances, built on the same module, are dropped.
    pub fn poison(&self, message: &str) {
        if self.poison.set(message) {
            log::warn!(target: "subexec", "engine panicked, runtime poisoned: {message}");
        }
        self.pool.clear();
    }
}

struct Inner {
    /// The wasmi configuration of every runtime's engine.
    config: wasmi::Config,
    settings: Settings,
    cache: Mutex<VecDeque<Arc<Prepared>>>,
    /// Test hook: link the panicking test imports ([`Executor::with_panicking_test_imports`]).
    test_panics: bool,
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

    pub(crate) fn with_settings(settings: Settings) -> Self {
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
    pub(crate) fn evict(&self, prepared: &Arc<Prepared>) {
        let evicted = {
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            let position = cache.iter().position(|p| Arc::ptr_eq(p, prepared));
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
        let prepared = match self.cached(&code_hash) {
            Some(prepared) => prepared,
            None => {
                let prepared = Arc::new(self.prepare(code_hash, code)?);
                self.insert(prepared.clone());
                prepared
            }
        };
        Ok(Runtime {
            executor: self.clone(),
            prepared,
            heap_alloc_strategy: self.inner.settings.heap_alloc_strategy,
        })
    }

    fn cached(&self, hash: &CodeHash) -> Option<Arc<Prepared>> {
        let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.iter().find(|p| &p.code_hash == hash).cloned()
    }

    fn insert(&self, prepared: Arc<Prepared>) {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.iter().any(|p| p.code_hash == prepared.code_hash) {
            return;
        }
        while cache.len() >= self.inner.settings.cache_capacity {
            cache.pop_front();
        }
        cache.push_back(prepared);
    }

    /// Number of compiled runtimes currently cached.
    pub fn cached_runtimes(&self) -> usize {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    fn prepare(&self, code_hash: CodeHash, code: &[u8]) -> Result<Prepared, LoadError> {
        let wasm = decompress(code, CODE_BLOB_BOMB_LIMIT)?;
        let scan = scan(&wasm)?;
        if scan.has_start {
            return Err(LoadError::StartFunction);
        }
        let Compiled {
            module,
            mutable_globals,
            defined_memory,
        } = self.compile(&wasm)?;
        let imports = resolve_imports(
            &module,
            crate::mode::entry_mode(&module)?,
            self.inner.settings.allow_missing_host_functions,
            self.inner.test_panics,
            &self.inner.settings.host_functions,
        )?;
        let memory = memory_source(&module, defined_memory)?;
        let mode = crate::mode::detect(&module, &imports, memory)?;
        match (mode, module.get_export("__heap_base")) {
            // Guest-allocator runtimes own their heap: no `__heap_base` needed.
            (RuntimeMode::GuestAllocator, _) => {}
            (RuntimeMode::Classic, Some(ExternType::Global(g))) if g.content() == ValType::I32 => {}
            (RuntimeMode::Classic, _) => return Err(LoadError::MissingHeapBase),
        }
        let mut version_section = None;
        let mut apis_section = None;
        for section in module.custom_sections() {
            match section.name() {
                VERSION_SECTION => version_section = Some(section.data()),
                APIS_SECTION => apis_section = Some(section.data()),
                _ => {}
            }
        }
        let embedded_version = RuntimeVersion::from_sections(version_section, apis_section)?;
        Ok(Prepared {
            code_hash,
            module,
            imports,
            mode,
            memory,
            scan,
            mutable_globals,
            embedded_version,
            called_version: Mutex::new(None),
            pool: crate::pool::Pool::new(),
            poison: crate::panic_guard::Poison::default(),
        })
    }
}

/// A compiled module and what the load-time rewrites did.
struct Compiled {
    module: Module,
    /// The export name of every mutable global.
    mutable_globals: Vec<String>,
    /// The module defined its memory; the rewrite turned it into the import `env.memory`.
    defined_memory: bool,
}

impl Executor {
    /// Rewrites (see [`crate::rewrite`]) and compiles `wasm` on a new engine of its own (see
    /// the module docs).
    fn compile(&self, wasm: &[u8]) -> Result<Compiled, LoadError> {
        let invalid = |e: wasmi::Error| LoadError::InvalidWasm(e.to_string());
        let engine = Engine::new(&self.inner.config);
        let rewrite_error = match export_mutable_globals(wasm) {
            Ok(rewritten) => match import_defined_memory(&rewritten.wasm) {
                Ok(imported) => {
                    let defined_memory = imported.is_some();
                    let bytes = imported.as_deref().unwrap_or(&rewritten.wasm);
                    match Module::new(&engine, bytes) {
                        Ok(module) => {
                            return Ok(Compiled {
                                module,
                                mutable_globals: rewritten.mutable_globals,
                                defined_memory,
                            })
                        }
                        Err(e) => format!("the rewritten module is invalid: {e}"),
                    }
                }
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        // The original's own error, independent of the rewrite.
        Module::new(&engine, wasm).map_err(invalid)?;
        Err(LoadError::InvalidWasm(format!(
            "the load-time rewrite failed: {rewrite_error}"
        )))
    }
}

/// Where the memory of `module` (rewritten, see [`Compiled`]) comes from.
fn memory_source(module: &Module, defined_memory: bool) -> Result<MemorySource, LoadError> {
    let pages = |ty: &wasmi::MemoryType| {
        (
            u32::try_from(ty.minimum()).unwrap_or(u32::MAX),
            ty.maximum().map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
        )
    };
    let imported = module.imports().find_map(|import| match import.ty() {
        ExternType::Memory(ty) => Some(pages(ty)),
        _ => None,
    });
    match (imported, defined_memory) {
        (Some((minimum, maximum)), false) => Ok(MemorySource::Imported { minimum, maximum }),
        // A defined memory must be exported as `memory` (abi.md).
        (Some((minimum, maximum)), true)
            if matches!(module.get_export("memory"), Some(ExternType::Memory(_))) =>
        {
            Ok(MemorySource::Defined { minimum, maximum })
        }
        _ => Err(LoadError::NoMemory),
    }
}

/// blake2-256 of `data`.
pub fn blake2_256(data: &[u8]) -> CodeHash {
    Blake2b::<U32>::digest(data).into()
}

/// A loaded runtime: compiled code shared through the executor's cache, plus the heap
/// strategy its calls use.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) executor: Executor,
    pub(crate) prepared: Arc<Prepared>,
    pub(crate) heap_alloc_strategy: HeapAllocStrategy,
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
        matches!(self.heap_alloc_strategy, HeapAllocStrategy::Static { .. })
            && !self.prepared.scan.uses_memory_size_or_grow
            && self.prepared.mode == RuntimeMode::Classic
            && !self.executor.settings().run_once
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
}

#[cfg(test)]
mod tests;
