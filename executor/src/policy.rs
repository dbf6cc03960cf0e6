//! The call policy: how runs on instances make one runtime call, as on a fresh instance.
//! It sits above the pool ([`crate::pool`]) and below the `Runtime` handle
//! ([`crate::Runtime::call_with`] hands every call to [`Policy::call`]).
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

use subexec_host_functions::storage::TransactionError;
use subexec_host_functions::StorageState;
use wasmi::ExternType;

use crate::call::{CallOptions, CallOutcome};
use crate::compiled::Prepared;
use crate::config::InstanceReuse;
use crate::error::CallError;
use crate::heap::HeapAllocStrategy;
use crate::instance::Runner;
use crate::linker::describe_func_type;
use crate::memory::{Backing, MemoryPlan};
use crate::mode::{is_classic_entry, is_guest_entry, RuntimeMode};
use crate::pool::Pool;

/// How a failed run relates to lazy backing.
struct RunResult {
    result: Result<CallOutcome, CallError>,
    /// The failure may be an artefact of lazy backing: run again pre-grown.
    retry_pre_grown: bool,
}

/// One runtime's calls: the runner (compiled runtime, fuel, version reader), its pool, and
/// the handle's instance reuse and heap strategy.
pub(crate) struct Policy<'a> {
    /// Runs on instances.
    pub runner: Runner<'a>,
    /// The runtime's idle instances.
    pub pool: &'a Pool,
    /// Whether runs may use pooled instances.
    pub reuse: InstanceReuse,
    /// The heap strategy of the handle's calls.
    pub strategy: HeapAllocStrategy,
    /// Every call runs once ([`crate::Settings::run_once`]).
    pub run_once: bool,
}

impl Policy<'_> {
    /// Calls `method` with `input` against `storage` (changed in place by the call): see
    /// [`crate::Runtime::call_with`], whose documentation lists the errors. An engine panic
    /// poisons the runtime: its idle instances are dropped here, and the handle evicts it from
    /// the code cache.
    pub fn call(
        &self,
        storage: &mut StorageState,
        method: &str,
        input: &[u8],
        options: &CallOptions,
    ) -> Result<CallOutcome, CallError> {
        let prepared = self.runner.prepared;
        prepared.poison.check()?;
        check_entry_point(prepared, method)?;
        storage.start_transaction();
        let _context = crate::call_context::enter(options);
        let result = match prepared.mode {
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
        if prepared.poison.is_set() {
            self.pool.clear();
        }
        result
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
        let mut backing =
            match static_heap_is_lazy(self.runner.prepared, self.strategy, self.run_once) {
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
            let rerun = !self.run_once;
            if rerun && !trace && crate::diagnostics::is_out_of_memory(error) {
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
        let prepared = self.runner.prepared;
        let source = prepared.memory;
        let (minimum, mut maximum) = self.strategy.limits(source.minimum());
        // wasmi cannot raise a declared maximum (Substrate rewrites it): it is respected.
        if let Some(declared) = source.declared_maximum() {
            maximum = maximum.min(declared);
        }
        if prepared.mode == RuntimeMode::GuestAllocator {
            // No host allocator: the strategy only caps the runtime's own `memory.grow`
            // (store limits); the memory starts at the module's initial pages.
            return MemoryPlan {
                initial_pages: source.minimum().min(maximum),
                max_pages: maximum,
                allocator_max_pages: None,
                backing: Backing::PreGrown,
            };
        }
        match self.strategy {
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
        let owned = std::mem::replace(storage, crate::storage::empty_storage());
        // A re-run after a lazily backed failure is rare: it gets a fresh instance rather
        // than a pooled one fully grown. So does a recorded run.
        let rerun = backing == Backing::PreGrown
            && static_heap_is_lazy(self.runner.prepared, self.strategy, self.run_once);
        let out = if rerun || trace {
            self.runner
                .run_fresh_traced(owned, method, input, plan, trace)
        } else {
            self.pool
                .run(&self.runner, self.reuse, owned, method, input, plan)
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

/// Whether calls of `prepared` under `strategy` back a static heap lazily (see
/// [`crate::memory`]): a `Static` strategy, a classic module, no `memory.size` or
/// `memory.grow` in its code, and calls that may run twice (not `run_once`).
pub(crate) fn static_heap_is_lazy(
    prepared: &Prepared,
    strategy: HeapAllocStrategy,
    run_once: bool,
) -> bool {
    matches!(strategy, HeapAllocStrategy::Static { .. })
        && !prepared.scan.uses_memory_size_or_grow
        && prepared.mode == RuntimeMode::Classic
        && !run_once
}
