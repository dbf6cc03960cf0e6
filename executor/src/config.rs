//! Engine settings: a value built once ([`ExecutorBuilder`]) and turned into a wasmi `Config`.
//!
//! The wasm feature set is Substrate's: MVP + mutable globals + sign extension, with floats
//! enabled (wasmi's `deterministic` feature canonicalises NaNs). Saturating float-to-int is
//! rejected: sc-executor 0.51 reads every runtime with parity-wasm 0.45
//! (`sc-executor-common`'s `RuntimeBlob`), which has no opcodes for it, so no Substrate node
//! can load a runtime that uses it (`executor/tests/blob_acceptance.rs`).
//! Everything else (multi-value, bulk memory, reference types, tail calls, extended const,
//! SIMD (wasmi's `simd` feature is off), memory64, multi-memory, custom page sizes, wide arithmetic, threads) is rejected at
//! validation.
//!
//! Compilation: lazy translation, eager validation (`wasmi::CompilationMode::LazyTranslation`).
//! Loading validates the whole module, function bodies included (wasmparser's validator runs
//! over every body at `Module::new`, so an invalid blob is still a load error), but a function
//! is translated to wasmi's bytecode only when first called. Time to first result is then
//! decompress + parse/validate + instantiate + translating the functions the call reaches, not
//! the whole module. A function is translated once per engine (one per compiled runtime, see
//! [`crate::runtime`]), and the translation is the one eager compilation would produce (same
//! translator, same fuel instructions).
//!
//! Fuel stays deterministic: wasmi charges a lazily translated function's translation (7 fuel
//! per byte by default) to the call that first reaches it, so the first call on an engine would
//! pay fuel later calls do not. The translation and validation costs are set to zero
//! ([`TRANSLATION_FUEL_COSTS`]; the cost of copying bytes keeps wasmi's default), so the fuel
//! a call uses is the same on the first call on a fresh engine as on every later one, and the
//! same as under eager compilation. Translating a valid function can still fail on a wasmi
//! limit (e.g. a function too large for its register space); under lazy translation that is a
//! deterministic error of the call that reaches the function rather than of the load.
//!
//! Instances: by default ([`InstanceReuse::Pooled`]) calls reuse instances reset to their
//! just-instantiated state instead of instantiating afresh; outcomes are identical either way
//! (see [`crate::pool`], which lists where pooling falls back to fresh instances).
//!
//! Recursion: wasmi interprets on its own heap-allocated stacks, never on the host stack, so
//! deep recursion cannot overflow the host. A call traps with "stack overflow" when it would
//! hold more than [`DEFAULT_MAX_RECURSION_DEPTH`] (65 536, about Substrate's effective limit of
//! small frames) wasm frames at once, the entry point's included, or when its value stack exceeds [`MAX_VALUE_STACK_BYTES`]; both
//! limits depend only on the code and its input, so the trap point is deterministic.

use crate::heap::HeapAllocStrategy;
use crate::linker::external::HostFunctionSet;

/// wasmi's default number of bytes copied (`memory.grow`, calls' parameters, ...) per unit
/// of fuel, kept as it is.
pub const BYTES_COPIED_PER_FUEL: u32 = 64;

/// Fuel costs with translation and validation free (see the module docs): lazily translating
/// a function never changes the fuel a call uses.
pub const TRANSLATION_FUEL_COSTS: wasmi::CustomFuelCosts = wasmi::CustomFuelCosts {
    bytes_copied_per_fuel: BYTES_COPIED_PER_FUEL,
    fuel_per_bytes_translated: 0,
    fuel_per_bytes_validated: 0,
};

/// Default limit on nested wasm calls.
pub const DEFAULT_MAX_RECURSION_DEPTH: u32 = 65_536;

/// Limit on the value stack of one call, in bytes (allocated on demand).
pub const MAX_VALUE_STACK_BYTES: usize = 256 << 20;

/// Default number of compiled runtimes kept by an [`Executor`](crate::Executor).
pub const DEFAULT_CACHE_CAPACITY: usize = 8;

/// Default number of idle instances kept per compiled runtime and heap size.
pub const DEFAULT_MAX_IDLE_INSTANCES: usize = 4;

/// Whether calls get a new instance or reuse a reset one (see [`crate::pool`]).
///
/// Both give the same outcomes (outputs, errors, storage changes, allocator statistics, fuel,
/// peak memory); only the cost differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstanceReuse {
    /// A new wasmi store, memory and instance for every call.
    Fresh,
    /// Idle instances of each compiled runtime are kept and reset to their just-instantiated
    /// state before the next call. Where the reset mechanism is unavailable (see
    /// [`crate::pool`]), calls silently get fresh instances.
    Pooled {
        /// How many idle instances to keep per compiled runtime and memory size (an instance
        /// in use is not counted; concurrent calls beyond this create instances that are
        /// dropped after their call). `0` behaves as [`InstanceReuse::Fresh`].
        max_idle_instances: usize,
    },
}

impl Default for InstanceReuse {
    fn default() -> Self {
        InstanceReuse::Pooled {
            max_idle_instances: DEFAULT_MAX_IDLE_INSTANCES,
        }
    }
}

/// Settings fixed for the lifetime of an [`Executor`](crate::Executor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Heap strategy of calls (overridable per runtime, e.g. by `:heappages`).
    pub heap_alloc_strategy: HeapAllocStrategy,
    /// Fuel budget of each call; `None` disables metering.
    pub fuel: Option<u64>,
    /// Link missing host functions as stubs that trap when called, instead of failing the load.
    pub allow_missing_host_functions: bool,
    /// Limit on nested wasm calls.
    pub max_recursion_depth: u32,
    /// How many compiled runtimes the code cache keeps.
    pub cache_capacity: usize,
    /// Fresh or reused instances.
    pub instance_reuse: InstanceReuse,
    /// Bytes one call may write to storage (keys and values set or appended); past it the
    /// writing host function fails (`HostErrorCause::StorageWriteLimit`).
    pub max_storage_write_bytes: u64,
    /// Host functions the embedder added or substituted ([`crate::external`]).
    pub host_functions: HostFunctionSet,
    /// Run every call exactly once: no lazily backed static heap (it is pre-grown, so no
    /// re-run on a pre-grown memory, see [`crate::memory`]) and no diagnostic re-run after an
    /// out-of-memory failure (the error comes without its diagnosis). For host functions whose
    /// effects subexec cannot roll back between runs (the `substrate` feature's, which write
    /// to the node's `Externalities`). Outcomes are the same either way.
    pub run_once: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heap_alloc_strategy: HeapAllocStrategy::default(),
            fuel: None,
            allow_missing_host_functions: false,
            max_recursion_depth: DEFAULT_MAX_RECURSION_DEPTH,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            instance_reuse: InstanceReuse::default(),
            max_storage_write_bytes: subexec_host_functions::MAX_STORAGE_WRITE_BYTES_PER_CALL,
            host_functions: HostFunctionSet::default(),
            run_once: false,
        }
    }
}

impl Settings {
    /// The wasmi configuration these settings imply.
    pub(crate) fn wasmi_config(&self) -> wasmi::Config {
        let mut config = wasmi::Config::default();
        config
            .wasm_mutable_global(true)
            .wasm_sign_extension(true)
            .wasm_saturating_float_to_int(false)
            .floats(true)
            .wasm_multi_value(false)
            .wasm_multi_memory(false)
            .wasm_bulk_memory(false)
            .wasm_reference_types(false)
            .wasm_tail_call(false)
            .wasm_extended_const(false)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false)
            .allow_start_fn(false)
            .consume_fuel(self.fuel.is_some())
            .compilation_mode(wasmi::CompilationMode::LazyTranslation)
            .fuel_cost(TRANSLATION_FUEL_COSTS)
            .set_max_recursion_depth(self.max_recursion_depth as usize)
            .set_max_stack_height(MAX_VALUE_STACK_BYTES);
        config
    }
}

/// Builds an [`Executor`](crate::Executor).
///
/// ```
/// use subexec_executor::{Executor, HeapAllocStrategy};
/// let executor = Executor::builder()
///     .heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages: 64 })
///     .fuel(Some(10_000_000))
///     .build();
/// # let _ = executor;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ExecutorBuilder {
    settings: Settings,
}

impl ExecutorBuilder {
    /// A builder with the defaults: static heap of 2048 extra pages, no fuel, missing host
    /// functions rejected, pooled instances.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the default heap strategy.
    pub fn heap_alloc_strategy(mut self, strategy: HeapAllocStrategy) -> Self {
        self.settings.heap_alloc_strategy = strategy;
        self
    }

    /// Sets the fuel budget of each call (`None`: unmetered).
    pub fn fuel(mut self, fuel: Option<u64>) -> Self {
        self.settings.fuel = fuel;
        self
    }

    /// Allows loading runtimes that import unknown host functions; calling one traps.
    pub fn allow_missing_host_functions(mut self, allow: bool) -> Self {
        self.settings.allow_missing_host_functions = allow;
        self
    }

    /// Sets the limit on nested wasm calls.
    pub fn max_recursion_depth(mut self, depth: u32) -> Self {
        self.settings.max_recursion_depth = depth.max(1);
        self
    }

    /// Sets how many compiled runtimes are cached (at least 1).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.settings.cache_capacity = capacity.max(1);
        self
    }

    /// Sets whether calls reuse pooled instances (default: pooled, see [`InstanceReuse`]).
    pub fn instance_reuse(mut self, reuse: InstanceReuse) -> Self {
        self.settings.instance_reuse = reuse;
        self
    }

    /// Sets the bytes one call may write to storage (default
    /// [`subexec_host_functions::MAX_STORAGE_WRITE_BYTES_PER_CALL`], 1 GiB).
    pub fn max_storage_write_bytes(mut self, bytes: u64) -> Self {
        self.settings.max_storage_write_bytes = bytes;
        self
    }

    /// Links `set`'s host functions next to the built-in ones; each replaces the built-in of
    /// the same name (see [`crate::external`]).
    pub fn host_functions(mut self, set: HostFunctionSet) -> Self {
        self.settings.host_functions = set;
        self
    }

    /// Runs every call exactly once (see [`Settings::run_once`]).
    pub fn run_once(mut self, once: bool) -> Self {
        self.settings.run_once = once;
        self
    }

    /// The settings built so far.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, for [`ExecutorBuilder::build`] (defined with the `Executor` it creates,
    /// [`crate::runtime`]: the settings sit below everything that uses them).
    pub fn into_settings(self) -> Settings {
        self.settings
    }
}
