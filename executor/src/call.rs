//! One runtime call, as on a fresh instance.
//!
//! Every call runs on an instance of the cached compiled module that is fresh — a new wasmi
//! `Store`, memory and instance ([`crate::InstanceReuse::Fresh`]) or a pooled one reset to
//! exactly that state ([`crate::pool`]) — so data segments, globals and the memory size are
//! those of instantiation, and a fresh allocator starts at `__heap_base` (rounded up to 8). The input is the allocator's first
//! allocation; the entry point `(func (param i32 i32) (result i64))` returns the output as
//! pointer (low 32 bits) and length (high 32 bits), which must lie inside the memory.
//!
//! Under a lazily backed static heap (see [`crate::memory`]) the call runs inside a storage
//! transaction of the host's; if it fails in a way only the lazy backing can cause, the
//! transaction is rolled back and the call is run again on a pre-grown memory. The re-run's
//! result (output, statistics, fuel) is the call's; what left the process during the first
//! run (log lines, prints) is emitted again by the second. The re-run always gets a fresh
//! instance.
//!
//! A panic of the engine or of a host function caught during the call ([`crate::panic_guard`])
//! rolls the call's transaction back (every call, guest-allocator ones included, runs inside
//! one); an engine panic poisons the runtime, whose later calls then fail at once.
//!
//! Classic calls always run inside such a transaction: a call that fails for lack of memory
//! is rolled back and run once more with its allocations recorded, and the error it returns
//! carries the diagnosis ([`crate::diagnostics`]). Runs are deterministic, so the second run
//! fails at the same point; a call that succeeds or fails otherwise runs once. Recorded runs
//! (diagnostic re-runs and [`CallOptions::trace_allocations`]) get a fresh instance too.

use subexec_allocator::{AllocationStats, AllocationTrace};
use subexec_host_functions::storage::{ProofRecorder, StorageProof, TransactionError};
use subexec_host_functions::{HostCallStats, StorageState};
use wasmi::ExternType;

use crate::error::CallError;
use crate::heap::HeapAllocStrategy;
use crate::linker::describe_func_type;
use crate::memory::{Backing, MemoryPlan};
use crate::mode::{is_classic_entry, is_guest_entry, RuntimeMode};
use crate::runtime::{Prepared, Runtime};

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The bytes the runtime returned.
    pub output: Vec<u8>,
    /// The call's allocator statistics.
    pub allocation_stats: AllocationStats,
    /// Fuel consumed, when the executor meters fuel.
    pub fuel_consumed: Option<u64>,
    /// Host calls by function and bytes copied across the boundary (the input and output
    /// included).
    pub host_calls: HostCallStats,
    /// The memory's size in pages at the end of the call: its peak (memory never shrinks).
    /// A lazily backed static heap counts as pre-grown (see [`crate::memory`]), so this is
    /// the static heap's size under `Static` and the grown size under `Dynamic`.
    pub peak_memory_pages: u32,
    /// Every allocation and free of the call, when [`CallOptions::trace_allocations`] asked
    /// for it (and the call made fewer than
    /// [`MAX_TRACE_EVENTS`](subexec_host_functions::MAX_TRACE_EVENTS) operations). Always
    /// `None` for guest-allocator (RFC-0145) runtimes: they have no host allocator, their heap
    /// is their own.
    pub allocation_trace: Option<AllocationTrace>,
    /// The trie nodes the call read (its values, `next_key`s and roots), when
    /// [`CallOptions::record_proof`] asked for them: with the state root, enough to re-execute
    /// the call on [`TrieBackend::from_proof`](crate::storage::TrieBackend::from_proof) alone.
    pub storage_proof: Option<StorageProof>,
}

/// How to run one call ([`Runtime::call_with`]). The default is what [`Runtime::call`] does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Record every allocation and free of the host allocator into
    /// [`CallOutcome::allocation_trace`] (classic runtimes only). Recording changes no
    /// pointer, output, error, storage change, statistic or fuel.
    pub trace_allocations: bool,
    /// Record the storage proof of what the call reads into [`CallOutcome::storage_proof`].
    /// The storage's backend must store trie nodes ([`Backend::recording`](crate::storage::Backend::recording)); otherwise the call
    /// fails with [`CallError::Engine`] before running.
    pub record_proof: bool,
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
        self.call_with(storage, method, input, &CallOptions::default())
    }

    /// [`Runtime::call`] with options (e.g. recording the call's allocations).
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
        self.prepared.poison.check()?;
        check_entry_point(&self.prepared, method)?;
        if options.record_proof {
            return self.call_recorded(storage, method, input, options);
        }
        storage.start_transaction();
        let result = match self.prepared.mode {
            RuntimeMode::Classic => self.call_classic(storage, method, input, options),
            RuntimeMode::GuestAllocator => {
                self.run(storage, method, input, Backing::PreGrown, false)
                    .result
            }
        };
        // A caught panic's changes are not trusted (see `crate::panic_guard`); any other
        // call's, failed or not, are kept, as Substrate keeps them.
        match &result {
            Err(error) if crate::panic_guard::is_panic(error) => {
                storage.rollback_transaction().map_err(transaction_error)?
            }
            _ => storage.commit_transaction().map_err(transaction_error)?,
        }
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
        let recorder = ProofRecorder::default();
        let recording = storage.backend().recording(&recorder).ok_or_else(|| {
            CallError::Engine("record_proof: the storage backend cannot record proofs".into())
        })?;
        let original = storage.replace_backend(recording);
        let inner = CallOptions {
            record_proof: false,
            ..*options
        };
        let result = self.call_with(storage, method, input, &inner);
        storage.replace_backend(original);
        result.map(|mut outcome| {
            outcome.storage_proof = Some(recorder.drain_storage_proof());
            outcome
        })
    }

    /// A classic call inside the per-call transaction: the lazy-backing re-run and the
    /// out-of-memory diagnosis (see the module docs).
    fn call_classic(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
        options: &CallOptions,
    ) -> Result<CallOutcome, CallError> {
        let trace = options.trace_allocations;
        let mut backing = match self.static_heap_is_lazy() {
            true => Backing::Lazy,
            false => Backing::PreGrown,
        };
        let mut run = self.run(storage, method, input, backing, trace);
        if run.retry_pre_grown {
            restart_transaction(storage)?;
            log::debug!(target: "subexec", "{method}: lazily backed run failed, re-running pre-grown");
            backing = Backing::PreGrown;
            run = self.run(storage, method, input, backing, trace);
        }
        if let Err(error) = &run.result {
            if !trace && crate::diagnostics::is_out_of_memory(error) {
                restart_transaction(storage)?;
                log::debug!(target: "subexec", "{method}: out of memory, re-running to diagnose");
                let traced = self.run(storage, method, input, backing, true);
                run.result = match traced.result {
                    // The diagnostic re-run panicked: that is the call's outcome.
                    Err(panic) if crate::panic_guard::is_panic(&panic) => Err(panic),
                    traced => Err(crate::diagnostics::same_failure(error.clone(), traced)),
                };
            }
        }
        run.result
    }

    fn plan(&self, backing: Backing) -> MemoryPlan {
        let source = self.prepared.memory;
        let (minimum, mut maximum) = self.heap_alloc_strategy.limits(source.minimum());
        // wasmi cannot raise a declared maximum (Substrate rewrites it): it is respected.
        if let Some(declared) = source.declared_maximum() {
            maximum = maximum.min(declared);
        }
        if self.prepared.mode == RuntimeMode::GuestAllocator {
            // No host allocator: the strategy only caps the runtime's own `memory.grow`
            // (store limits); the memory starts at the module's initial pages.
            return MemoryPlan {
                initial_pages: source.minimum().min(maximum),
                max_pages: maximum,
                allocator_max_pages: None,
                backing: Backing::PreGrown,
            };
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
        trace: bool,
    ) -> RunResult {
        let plan = self.plan(backing);
        let owned = std::mem::replace(storage, crate::empty_storage());
        // A re-run after a lazily backed failure is rare: it gets a fresh instance rather
        // than a pooled one fully grown. So does a recorded run.
        let rerun = backing == Backing::PreGrown && self.static_heap_is_lazy();
        let out = if rerun || trace {
            self.run_fresh_traced(owned, method, input, plan, trace)
        } else {
            self.run_pooled(owned, method, input, plan)
        };
        *storage = out.storage;
        RunResult {
            result: out.result,
            retry_pre_grown: out.retry && plan.backing == Backing::Lazy,
        }
    }
}

/// The per-call storage transaction could not be closed: an engine-level failure.
fn transaction_error(error: TransactionError) -> CallError {
    CallError::Engine(format!("storage transaction: {error}"))
}

/// Discards the call's changes so far and opens a new per-call transaction, before a re-run.
fn restart_transaction(storage: &mut StorageState) -> Result<(), CallError> {
    storage.rollback_transaction().map_err(transaction_error)?;
    storage.start_transaction();
    Ok(())
}

fn check_entry_point(prepared: &Prepared, method: &str) -> Result<(), CallError> {
    match prepared.module.get_export(method) {
        Some(ExternType::Func(ty)) => match prepared.mode {
            RuntimeMode::Classic if is_classic_entry(&ty) => Ok(()),
            RuntimeMode::GuestAllocator if is_guest_entry(&ty) => Ok(()),
            RuntimeMode::Classic => Err(CallError::BadEntrySignature {
                method: method.to_string(),
                found: describe_func_type(&ty),
            }),
            RuntimeMode::GuestAllocator => Err(CallError::BadGuestEntrySignature {
                method: method.to_string(),
                found: describe_func_type(&ty),
            }),
        },
        _ => Err(CallError::MissingExport(method.to_string())),
    }
}
