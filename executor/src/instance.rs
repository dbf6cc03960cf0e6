//! One run of a call on an instance: store, memory, instantiation, input, entry point,
//! output. The layer above the compiled runtime ([`crate::compiled`]): a [`Runner`] holds the
//! compiled runtime and what the executor gives every run (fuel, the runtime version reader).
//! The pool ([`crate::pool`]) hands it a reset instance or lets it make a fresh one; the call
//! policy ([`crate::policy`]) decides the memory plan and whether a failed run is re-run.

use std::sync::Arc;

use subexec_allocator::AllocationStats;
use subexec_allocator::PAGE_SIZE;
use subexec_host_functions::{HostState, ReadRuntimeVersion, StateVersion, StorageState};
use wasmi::{Instance, Memory, MemoryType, Store, StoreContextMut};

use crate::call::CallOutcome;
use crate::compiled::Prepared;
use crate::error::CallError;
use crate::linker::link;
use crate::memory::{memory_limiter, Backing, GuestMemory, MemoryPlan};
use crate::mode::RuntimeMode;
use crate::store::StoreData;
use crate::trap::classify;

/// An instantiated runtime (its store is held by the caller).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Instantiated {
    /// The instance.
    pub instance: Instance,
    /// Its memory (imported or exported).
    pub memory: Memory,
}

/// What one run gives back.
pub(crate) struct RunOutput {
    /// The call's result.
    pub result: Result<CallOutcome, CallError>,
    /// The failure may be an artefact of lazy backing (see [`crate::memory`]).
    pub retry: bool,
    /// The storage, changed by the call.
    pub storage: StorageState,
    /// The store is whole after the run (its host state came back): a reset makes it fresh.
    pub reusable: bool,
}

impl RunOutput {
    /// A run's output. A caught panic ([`crate::panic_guard`]) is never re-run and its
    /// instance is never reused.
    fn new(result: Result<CallOutcome, CallError>, retry: bool, storage: StorageState) -> Self {
        let panicked = matches!(&result, Err(error) if crate::panic_guard::is_panic(error));
        RunOutput {
            result,
            retry: retry && !panicked,
            storage,
            reusable: !panicked,
        }
    }
}

/// Calls `entry` through the engine guard ([`crate::panic_guard`]): an engine panic poisons
/// the runtime and becomes [`CallError::EnginePanicked`] (as `Err(Err(..))`).
fn guarded_call<Params, Results>(
    prepared: &Prepared,
    store: &mut StoreContextMut<'_, StoreData>,
    entry: wasmi::TypedFunc<Params, Results>,
    params: Params,
) -> Result<Result<Results, wasmi::Error>, CallError>
where
    Params: wasmi::WasmParams,
    Results: wasmi::WasmResults,
{
    crate::panic_guard::catch(|| entry.call(&mut *store, params)).map_err(|message| {
        prepared.poison(&message);
        CallError::EnginePanicked { message }
    })
}

/// The output of a run whose call made the engine panic: the host state (which the store
/// holds while wasm runs; a host function's own panic is caught before it leaves the host
/// function, so the state is back in the store) is ended to give the storage back.
fn engine_panicked(store: &mut StoreContextMut<'_, StoreData>, error: CallError) -> RunOutput {
    match store.data_mut().host.take() {
        Some(state) => RunOutput::new(Err(error), false, state.finish()),
        None => host_state_lost(),
    }
}

/// Runs calls of one compiled runtime on instances: what a run needs from the layers above.
#[derive(Clone)]
pub(crate) struct Runner<'a> {
    /// The compiled runtime.
    pub prepared: &'a Prepared,
    /// The fuel budget of every run (`None`: unmetered).
    pub fuel: Option<u64>,
    /// Answers the runtime's `ext_misc_runtime_version_version_1` lookups (the executor).
    pub version_reader: Arc<dyn ReadRuntimeVersion>,
    /// The bytes a call may write to storage ([`crate::Settings::max_storage_write_bytes`]).
    pub storage_write_limit: u64,
}

impl Runner<'_> {
    /// A new store for one instance under `plan` (no fuel set yet), on the engine the
    /// runtime was compiled with.
    pub(crate) fn new_store(&self, plan: MemoryPlan) -> Store<StoreData> {
        let mut store = Store::new(
            self.prepared.module.engine(),
            StoreData {
                host: None,
                memory: None,
                allocator_max_pages: plan.allocator_max_pages,
                limiter: memory_limiter(plan.max_pages),
            },
        );
        store.limiter(|data| &mut data.limiter);
        store
    }

    /// Runs `method` once under `plan` on a fresh instance.
    pub(crate) fn run_fresh(
        &self,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
    ) -> RunOutput {
        self.run_fresh_traced(storage, method, input, plan, false)
    }

    /// [`Runner::run_fresh`]; with `trace`, a classic call records its allocations (see
    /// [`crate::diagnostics`]).
    pub(crate) fn run_fresh_traced(
        &self,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
        trace: bool,
    ) -> RunOutput {
        let mut store = self.new_store(plan);
        let mut ctx = wasmi::AsContextMut::as_context_mut(&mut store);
        let memory = match new_memory(&mut ctx, self.prepared, plan) {
            Ok(memory) => memory,
            Err(error) => return RunOutput::new(Err(error), true, storage),
        };
        let instantiated = match instantiate(&mut ctx, self.prepared, plan, memory) {
            Ok(instantiated) => instantiated,
            // E.g. a data segment past the module's initial pages but inside the static heap
            // (which a pre-grown memory holds): lazy backing may be the cause.
            Err(e) => return RunOutput::new(Err(e), true, storage),
        };
        self.run_on_traced(ctx, instantiated, storage, method, input, plan, trace)
    }

    /// Runs `method` once under `plan` on `instantiated` (fresh, or reset to fresh).
    pub(crate) fn run_on(
        &self,
        store: StoreContextMut<'_, StoreData>,
        instantiated: Instantiated,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
    ) -> RunOutput {
        self.run_on_traced(store, instantiated, storage, method, input, plan, false)
    }

    /// [`Runner::run_on`], recording the allocations of a classic call with `trace`.
    #[allow(clippy::too_many_arguments)]
    fn run_on_traced(
        &self,
        mut store: StoreContextMut<'_, StoreData>,
        instantiated: Instantiated,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
        trace: bool,
    ) -> RunOutput {
        let prepared = self.prepared;
        let Instantiated { instance, memory } = instantiated;
        if let Some(fuel) = self.fuel {
            if let Err(e) = store.set_fuel(crate::host_fuel::run_budget(fuel)) {
                return RunOutput::new(Err(CallError::Engine(e.to_string())), false, storage);
            }
        }
        if prepared.mode == RuntimeMode::GuestAllocator {
            return self.run_guest(store, instance, memory, storage, method, input, plan);
        }
        let heap_base = match instance
            .get_global(&store, "__heap_base")
            .and_then(|g| g.get(&store).i32())
        {
            Some(base) => base as u32,
            None => {
                return RunOutput::new(
                    Err(CallError::Engine("no __heap_base".into())),
                    false,
                    storage,
                )
            }
        };
        let entry = match instance.get_typed_func::<(i32, i32), i64>(&store, method) {
            Ok(entry) => entry,
            Err(e) => return RunOutput::new(Err(CallError::Engine(e.to_string())), false, storage),
        };
        let mut state = HostState::new(heap_base, storage)
            .with_storage_write_limit(self.storage_write_limit)
            .with_runtime_version_reader(self.version_reader.clone())
            .with_state_version(self.state_version());
        crate::call_context::apply(&mut state);
        state.record_boundary_copy(0, input.len());
        if trace {
            crate::diagnostics::record(&mut state, heap_base, plan);
        }

        let input_ptr = {
            let mut guest = GuestMemory::new(memory, &mut store, plan.allocator_max_pages);
            match write_input(&mut state, &mut guest, input) {
                Ok(ptr) => ptr,
                Err(e) => {
                    let e = crate::diagnostics::diagnose(e, state.take_allocation_trace());
                    return RunOutput::new(Err(e), true, state.finish());
                }
            }
        };
        store.data_mut().host = Some(state);
        let params = (input_ptr as i32, input.len() as i32);
        let returned = match guarded_call(prepared, &mut store, entry, params) {
            Ok(returned) => returned,
            Err(panicked) => return engine_panicked(&mut store, panicked),
        };
        let Some(mut state) = store.data_mut().host.take() else {
            return host_state_lost();
        };
        let fuel_consumed = fuel_consumed(self.fuel, &store);
        let below_max = memory.size(&store) < u64::from(plan.max_pages);
        match returned {
            Ok(packed) => {
                let output = read_output(&store, memory, packed, plan);
                let allocation_stats = state.allocator_stats();
                let allocation_trace = state.take_allocation_trace();
                let logs = state.take_logs();
                let mut host_calls = state.host_call_stats().clone();
                let offchain_index_changes = state.take_offchain_index_changes();
                let transaction_index = state.take_transaction_index();
                let storage = state.finish();
                // A lazily backed static heap is, to the runtime, a pre-grown one.
                let real_pages = memory.size(&store) as u32;
                let peak_memory_pages = match plan.backing {
                    Backing::Lazy => real_pages.max(plan.max_pages),
                    Backing::PreGrown => real_pages,
                };
                let result = output.map(|output| {
                    host_calls.bytes_in += output.len() as u64;
                    CallOutcome {
                        output,
                        allocation_stats,
                        fuel_consumed,
                        host_calls,
                        peak_memory_pages,
                        allocation_trace,
                        logs,
                        offchain_index_changes,
                        transaction_index,
                        storage_proof: None,
                    }
                });
                RunOutput::new(result, false, storage)
            }
            Err(error) => {
                let (error, memory_related) =
                    classify(error, state.panic_message(), state.panic_log(), self.fuel);
                let error = crate::diagnostics::diagnose(error, state.take_allocation_trace());
                RunOutput::new(Err(error), memory_related && below_max, state.finish())
            }
        }
    }
}

impl Runner<'_> {
    /// The state version of roots the host chooses: the runtime's `system_version` (0 ⇒ V0,
    /// else V1) when its version is embedded, else V1.
    fn state_version(&self) -> StateVersion {
        match self
            .prepared
            .embedded_version
            .as_ref()
            .map(|v| v.system_version)
        {
            Some(0) => StateVersion::V0,
            _ => StateVersion::V1,
        }
    }

    /// The guest-allocator (RFC-0145) part of a run: the entry point gets the input's length,
    /// the runtime reads the input through `ext_input_read_version_1`, and the output is
    /// copied out of the memory the runtime owns. No host allocator, no `__heap_base`.
    #[allow(clippy::too_many_arguments)]
    fn run_guest(
        &self,
        mut store: StoreContextMut<'_, StoreData>,
        instance: Instance,
        memory: Memory,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
    ) -> RunOutput {
        let entry = match instance.get_typed_func::<i32, i64>(&store, method) {
            Ok(entry) => entry,
            Err(e) => return RunOutput::new(Err(CallError::Engine(e.to_string())), false, storage),
        };
        let Ok(len) = i32::try_from(input.len()) else {
            let error = CallError::InputAllocation {
                len: input.len(),
                cause: "longer than 2 GiB".into(),
            };
            return RunOutput::new(Err(error), false, storage);
        };
        let mut state = HostState::new_guest(storage, input.to_vec())
            .with_storage_write_limit(self.storage_write_limit)
            .with_runtime_version_reader(self.version_reader.clone())
            .with_state_version(self.state_version());
        crate::call_context::apply(&mut state);
        store.data_mut().host = Some(state);
        let returned = match guarded_call(self.prepared, &mut store, entry, len) {
            Ok(returned) => returned,
            Err(panicked) => return engine_panicked(&mut store, panicked),
        };
        let Some(mut state) = store.data_mut().host.take() else {
            return host_state_lost();
        };
        let fuel_consumed = fuel_consumed(self.fuel, &store);
        match returned {
            Ok(packed) => {
                let output = read_output(&store, memory, packed, plan);
                let logs = state.take_logs();
                let mut host_calls = state.host_call_stats().clone();
                let offchain_index_changes = state.take_offchain_index_changes();
                let transaction_index = state.take_transaction_index();
                let storage = state.finish();
                let peak_memory_pages = memory.size(&store) as u32;
                let result = output.map(|output| {
                    host_calls.bytes_in += output.len() as u64;
                    CallOutcome {
                        output,
                        allocation_stats: AllocationStats::default(),
                        fuel_consumed,
                        host_calls,
                        peak_memory_pages,
                        allocation_trace: None,
                        logs,
                        offchain_index_changes,
                        transaction_index,
                        storage_proof: None,
                    }
                });
                RunOutput::new(result, false, storage)
            }
            Err(error) => {
                let (error, _) =
                    classify(error, state.panic_message(), state.panic_log(), self.fuel);
                RunOutput::new(Err(error), false, state.finish())
            }
        }
    }
}

/// The outcome of a call whose host state did not come back from the store. Host closures
/// always put the state back, so this is unreachable by construction; it is an error, not a
/// panic, all the same.
fn host_state_lost() -> RunOutput {
    RunOutput {
        result: Err(CallError::Engine("host state lost".into())),
        retry: false,
        storage: crate::storage::empty_storage(),
        reusable: false,
    }
}

/// Fuel used by the call that just ended: the budget minus what the store has left.
/// A nested run's consumption is charged to the host call that started it ([`crate::host_fuel`]).
fn fuel_consumed(budget: Option<u64>, store: &StoreContextMut<'_, StoreData>) -> Option<u64> {
    let consumed = budget.map(|budget| {
        crate::host_fuel::run_budget(budget).saturating_sub(store.get_fuel().unwrap_or(0))
    });
    crate::host_fuel::note_spent(consumed.unwrap_or(0));
    consumed
}

/// The memory of a new instance under `plan`, created by the host as the module's memory
/// source says (see [`crate::memory::MemorySource::created_pages`]; [`instantiate`] grows
/// it).
pub(crate) fn new_memory(
    store: &mut StoreContextMut<'_, StoreData>,
    prepared: &Prepared,
    plan: MemoryPlan,
) -> Result<Memory, CallError> {
    let pages = prepared.memory.created_pages(plan.initial_pages);
    if pages > plan.max_pages {
        return Err(CallError::Instantiation(format!(
            "the module's memory of {pages} initial pages exceeds the heap's maximum of {} pages",
            plan.max_pages
        )));
    }
    Memory::new(&mut *store, memory_type(prepared, plan))
        .map_err(|e| CallError::Instantiation(instantiation_message(&e)))
}

/// The type of the memory the host creates for `plan` (see [`new_memory`]).
pub(crate) fn memory_type(prepared: &Prepared, plan: MemoryPlan) -> MemoryType {
    let pages = prepared.memory.created_pages(plan.initial_pages);
    MemoryType::new(pages, Some(plan.max_pages))
}

/// Instantiates the module in `store` with `memory` as its memory, and grows the memory to the
/// plan's initial pages (a module-defined memory is created at the module's initial pages,
/// see [`crate::memory::MemorySource::created_pages`]).
pub(crate) fn instantiate(
    store: &mut StoreContextMut<'_, StoreData>,
    prepared: &Prepared,
    plan: MemoryPlan,
    memory: Memory,
) -> Result<Instantiated, CallError> {
    let instantiation = |e: wasmi::Error| CallError::Instantiation(instantiation_message(&e));
    let externs = link(store, &prepared.imports, Some(memory));
    // The engine guard ([`crate::panic_guard`]): instantiation runs no guest code (start
    // functions are refused at load) but is engine code all the same.
    let instance =
        crate::panic_guard::catch(|| Instance::new(&mut *store, &prepared.module, &externs))
            .map_err(|message| {
                prepared.poison(&message);
                CallError::EnginePanicked { message }
            })?
            .map_err(instantiation)?;
    let current = memory.size(&*store);
    let wanted = u64::from(plan.initial_pages);
    if current < wanted {
        memory.grow(&mut *store, wanted - current).map_err(|e| {
            CallError::Instantiation(format!("cannot grow memory to {wanted} pages: {e}"))
        })?;
    }
    store.data_mut().memory = Some(memory);
    Ok(Instantiated { instance, memory })
}

/// The text of an instantiation failure, free of engine handles.
///
/// wasmi's own message for an element segment that does not fit its table embeds the `Debug`
/// of the table handle, which carries a per-process store counter (`StoreId(N)`): two runs, or
/// two nodes, would report different errors for the same blob. Errors must be byte-identical
/// wherever the same blob, input and state are run, so such messages are rewritten from their
/// fields; every other wasmi instantiation message names no handle and is kept.
pub(crate) fn instantiation_message(error: &wasmi::Error) -> String {
    use wasmi::errors::{ErrorKind, InstantiationError};
    match error.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit {
            table_index,
            len,
            ..
        }) => format!(
            "out of bounds table access: an element segment of {len} elements starting at \
             offset {table_index} does not fit its table"
        ),
        ErrorKind::Instantiation(InstantiationError::ImportTypeMismatch {
            name, expected, ..
        }) => {
            format!(
                "import {name} type mismatch: expected {}",
                crate::linker::describe_extern_type(expected)
            )
        }
        _ => error.to_string(),
    }
}

/// Allocates the input with the call's allocator (its first allocation) and copies it in.
fn write_input(
    state: &mut HostState,
    memory: &mut impl subexec_allocator::Memory,
    input: &[u8],
) -> Result<u32, CallError> {
    let failed = |cause: String| CallError::InputAllocation {
        len: input.len(),
        cause,
    };
    let len = u32::try_from(input.len()).map_err(|_| failed("longer than 4 GiB".into()))?;
    let ptr = state
        .allocate(memory, len)
        .map_err(|e| failed(e.cause.to_string()))?;
    memory.with_access_mut(|mem| {
        let start = ptr as usize;
        match mem.get_mut(start..start + input.len()) {
            Some(dest) => {
                dest.copy_from_slice(input);
                Ok(ptr)
            }
            None => Err(failed("allocation outside memory".into())),
        }
    })
}

/// Copies the output out; bytes past the real memory but inside a lazily backed static heap
/// are zeros (as in a pre-grown memory).
fn read_output(
    store: &StoreContextMut<'_, StoreData>,
    memory: Memory,
    packed: i64,
    plan: MemoryPlan,
) -> Result<Vec<u8>, CallError> {
    let packed = packed as u64;
    let (ptr, len) = (packed as u32, (packed >> 32) as u32);
    let data = memory.data(store);
    let end = u64::from(ptr) + u64::from(len);
    let visible = match plan.backing {
        Backing::Lazy => u64::from(plan.max_pages) * u64::from(PAGE_SIZE),
        Backing::PreGrown => data.len() as u64,
    };
    if end > visible {
        return Err(CallError::OutputOutOfBounds {
            ptr,
            len,
            memory_size: visible,
        });
    }
    let mut output = vec![0u8; len as usize];
    let start = ptr as usize;
    if let Some(real) = data.get(start.min(data.len())..(end as usize).min(data.len())) {
        output[..real.len()].copy_from_slice(real);
    }
    Ok(output)
}
