//! One runtime call, as on a fresh instance.
//!
//! Every call gets a new wasmi `Store`, memory and instance of the cached compiled module, so
//! data segments, globals and the memory size are those of instantiation, and a fresh
//! allocator starts at `__heap_base` (rounded up to 8). The input is the allocator's first
//! allocation; the entry point `(func (param i32 i32) (result i64))` returns the output as
//! pointer (low 32 bits) and length (high 32 bits), which must lie inside the memory.
//!
//! Under a lazily backed static heap (see [`crate::memory`]) the call runs inside a storage
//! transaction of the host's; if it fails in a way only the lazy backing can cause, the
//! transaction is rolled back and the call is run again on a pre-grown memory.

use std::sync::Arc;

use subexec_allocator::{AllocationStats, PAGE_SIZE};
use subexec_host_functions::{HostErrorCause, HostState, ReadRuntimeVersion, StorageState};
use wasmi::{ExternType, Instance, Memory, MemoryType, Store, TrapCode, ValType};

use crate::error::{CallError, VersionError};
use crate::heap::HeapAllocStrategy;
use crate::linker::{describe_func_type, link, HostTrap};
use crate::memory::{memory_limiter, Backing, GuestMemory, MemoryPlan};
use crate::runtime::{MemorySource, Prepared, Runtime};
use crate::store::StoreData;
use crate::version::RuntimeVersion;

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The bytes the runtime returned.
    pub output: Vec<u8>,
    /// The call's allocator statistics.
    pub allocation_stats: AllocationStats,
    /// Fuel consumed, when the executor meters fuel.
    pub fuel_consumed: Option<u64>,
}

/// How a failed run relates to lazy backing.
struct RunResult {
    result: Result<CallOutcome, CallError>,
    /// The failure may be an artefact of lazy backing: run again pre-grown.
    retry_pre_grown: bool,
}

impl Runtime {
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
        check_entry_point(&self.prepared, method)?;
        if !self.static_heap_is_lazy() {
            return self.run(storage, method, input, Backing::PreGrown).result;
        }
        storage.start_transaction();
        let run = self.run(storage, method, input, Backing::Lazy);
        if run.retry_pre_grown {
            storage
                .rollback_transaction()
                .map_err(|e| CallError::Engine(format!("storage transaction: {e}")))?;
            log::debug!(target: "subexec", "{method}: lazily backed run failed, re-running pre-grown");
            return self.run(storage, method, input, Backing::PreGrown).result;
        }
        storage
            .commit_transaction()
            .map_err(|e| CallError::Engine(format!("storage transaction: {e}")))?;
        run.result
    }

    /// The runtime's version: from the custom sections, else by calling `Core_version` (on
    /// empty storage; the result is cached with the compiled code).
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
    /// embedded version re-encoded in full, else `Core_version`'s raw output.
    ///
    /// # Errors
    /// As [`Runtime::version`].
    pub fn version_bytes(&self) -> Result<Vec<u8>, VersionError> {
        use parity_scale_codec::Encode;
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.encode()),
            None => self.called_version().map(|(bytes, _)| bytes),
        }
    }

    fn called_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        self.prepared
            .called_version
            .get_or_init(|| {
                let mut storage = crate::empty_storage();
                let outcome = self.call(&mut storage, "Core_version", &[])?;
                let version = RuntimeVersion::decode_core_version_output(&outcome.output)?;
                Ok((outcome.output, version))
            })
            .clone()
    }

    fn plan(&self, backing: Backing) -> MemoryPlan {
        let source = self.prepared.memory;
        let (minimum, mut maximum) = self.heap_alloc_strategy.limits(source.minimum());
        // wasmi cannot raise a declared maximum (Substrate rewrites it): it is respected.
        if let Some(declared) = source.declared_maximum() {
            maximum = maximum.min(declared);
        }
        match self.heap_alloc_strategy {
            HeapAllocStrategy::Static { .. } => MemoryPlan {
                initial_pages: match backing {
                    Backing::Lazy => source.minimum().min(maximum),
                    Backing::PreGrown => minimum.min(maximum),
                },
                max_pages: maximum,
                allocator_max_pages: Some(maximum),
                backing,
            },
            HeapAllocStrategy::Dynamic { maximum_pages } => MemoryPlan {
                initial_pages: minimum,
                max_pages: maximum,
                allocator_max_pages: maximum_pages.map(|_| maximum),
                backing: Backing::PreGrown,
            },
        }
    }

    fn run(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
        backing: Backing,
    ) -> RunResult {
        let plan = self.plan(backing);
        let owned = std::mem::replace(storage, crate::empty_storage());
        let (result, retry, returned) = self.run_owned(owned, method, input, plan);
        *storage = returned;
        RunResult {
            result,
            retry_pre_grown: retry && plan.backing == Backing::Lazy,
        }
    }

    fn run_owned(
        &self,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
    ) -> (Result<CallOutcome, CallError>, bool, StorageState) {
        let settings = self.executor.settings();
        let prepared = &self.prepared;
        let mut store = Store::new(
            self.executor.engine(),
            StoreData {
                host: None,
                memory: None,
                allocator_max_pages: plan.allocator_max_pages,
                limiter: memory_limiter(plan.max_pages),
            },
        );
        store.limiter(|data| &mut data.limiter);
        if let Some(fuel) = settings.fuel {
            if let Err(e) = store.set_fuel(fuel) {
                return (Err(CallError::Engine(e.to_string())), false, storage);
            }
        }
        let instance = match instantiate(&mut store, prepared, plan) {
            Ok(instance) => instance,
            Err(e) => return (Err(e), false, storage),
        };
        let Some(memory) = store.data().memory else {
            return (Err(CallError::Engine("no memory".into())), false, storage);
        };
        let heap_base = match instance
            .get_global(&store, "__heap_base")
            .and_then(|g| g.get(&store).i32())
        {
            Some(base) => base as u32,
            None => {
                return (
                    Err(CallError::Engine("no __heap_base".into())),
                    false,
                    storage,
                )
            }
        };
        let entry = match instance.get_typed_func::<(i32, i32), i64>(&store, method) {
            Ok(entry) => entry,
            Err(e) => return (Err(CallError::Engine(e.to_string())), false, storage),
        };
        let reader: Arc<dyn ReadRuntimeVersion> = Arc::new(self.executor.clone());
        let mut state = HostState::new(heap_base, storage).with_runtime_version_reader(reader);

        let input_ptr = {
            let mut guest = GuestMemory::new(memory, &mut store, plan.allocator_max_pages);
            match write_input(&mut state, &mut guest, input) {
                Ok(ptr) => ptr,
                Err(e) => return (Err(e), true, state.finish()),
            }
        };
        store.data_mut().host = Some(state);
        let returned = entry.call(&mut store, (input_ptr as i32, input.len() as i32));
        let Some(state) = store.data_mut().host.take() else {
            // Host closures always put the state back; this is unreachable by construction.
            return (
                Err(CallError::Engine("host state lost".into())),
                false,
                crate::empty_storage(),
            );
        };
        let fuel_consumed = settings
            .fuel
            .map(|budget| budget.saturating_sub(store.get_fuel().unwrap_or(0)));
        let below_max = memory.size(&store) < u64::from(plan.max_pages);
        match returned {
            Ok(packed) => {
                let output = read_output(&store, memory, packed, plan);
                let allocation_stats = state.allocator_stats();
                let storage = state.finish();
                let result = output.map(|output| CallOutcome {
                    output,
                    allocation_stats,
                    fuel_consumed,
                });
                (result, false, storage)
            }
            Err(error) => {
                let (error, memory_related) = classify(error, state.panic_message(), settings.fuel);
                (Err(error), memory_related && below_max, state.finish())
            }
        }
    }
}

fn check_entry_point(prepared: &Prepared, method: &str) -> Result<(), CallError> {
    match prepared.module.get_export(method) {
        Some(ExternType::Func(ty)) => {
            if ty.params() == [ValType::I32, ValType::I32] && ty.results() == [ValType::I64] {
                Ok(())
            } else {
                Err(CallError::BadEntrySignature {
                    method: method.to_string(),
                    found: describe_func_type(&ty),
                })
            }
        }
        _ => Err(CallError::MissingExport(method.to_string())),
    }
}

fn instantiate(
    store: &mut Store<StoreData>,
    prepared: &Prepared,
    plan: MemoryPlan,
) -> Result<Instance, CallError> {
    let instantiation = |e: wasmi::Error| CallError::Instantiation(e.to_string());
    let imported = match prepared.memory {
        MemorySource::Imported { .. } => {
            let ty = MemoryType::new(plan.initial_pages, Some(plan.max_pages));
            Some(Memory::new(&mut *store, ty).map_err(instantiation)?)
        }
        MemorySource::Exported { .. } => None,
    };
    let externs = link(store, &prepared.imports, imported);
    let instance = Instance::new(&mut *store, &prepared.module, &externs).map_err(instantiation)?;
    let memory = match imported {
        Some(memory) => memory,
        None => {
            let memory = instance
                .get_memory(&*store, "memory")
                .ok_or_else(|| CallError::Instantiation("no exported memory".into()))?;
            let current = memory.size(&*store);
            let wanted = u64::from(plan.initial_pages);
            if current < wanted {
                memory.grow(&mut *store, wanted - current).map_err(|e| {
                    CallError::Instantiation(format!("cannot grow memory to {wanted} pages: {e}"))
                })?;
            }
            memory
        }
    };
    store.data_mut().memory = Some(memory);
    Ok(instance)
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
    store: &Store<StoreData>,
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

/// Maps a wasmi error to a [`CallError`], and says whether lazy backing could have caused it.
fn classify(
    error: wasmi::Error,
    panic_message: Option<&str>,
    fuel: Option<u64>,
) -> (CallError, bool) {
    if let Some(trap) = error.downcast_ref::<HostTrap>() {
        return match trap {
            HostTrap::Failed(host_error) => {
                let memory_related = matches!(
                    host_error.cause,
                    HostErrorCause::OutOfBounds { .. }
                        | HostErrorCause::Allocation(_)
                        | HostErrorCause::Deallocation(_)
                );
                let error = match (&host_error.cause, panic_message) {
                    (HostErrorCause::Panicked(message), _) => {
                        CallError::RuntimePanicked(message.clone())
                    }
                    (_, Some(message)) => CallError::RuntimePanicked(message.to_string()),
                    _ => CallError::HostFunction(host_error.clone()),
                };
                (error, memory_related)
            }
            HostTrap::Missing(name) => (CallError::MissingFunctionCalled(name.clone()), false),
            HostTrap::NoState(_) => (CallError::Engine(trap.to_string()), false),
        };
    }
    match error.as_trap_code() {
        Some(TrapCode::OutOfFuel) => (
            CallError::OutOfFuel {
                budget: fuel.unwrap_or(0),
            },
            false,
        ),
        Some(TrapCode::StackOverflow) => (CallError::StackOverflow, false),
        Some(code) => {
            let error = match panic_message {
                Some(message) => CallError::RuntimePanicked(message.to_string()),
                None => CallError::Trap(code.trap_message().to_string()),
            };
            (error, code == TrapCode::MemoryOutOfBounds)
        }
        None => (CallError::Engine(error.to_string()), false),
    }
}
