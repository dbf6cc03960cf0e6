//! Memory diagnostics of classic calls: allocation traces and out-of-memory diagnoses.
//!
//! # Recording
//! A call run with [`crate::call::CallOptions::trace_allocations`] hands its
//! [`subexec_host_functions::HostState`] an [`AllocationRecorder`]: every allocation and free
//! the host makes for the call (`ext_allocator_malloc`/`free`, the buffers host functions
//! return, the executor's input) is recorded with the host function's name as its site
//! (`"input"` for the input). The recorder is an observer of the allocator, which guarantees
//! that observing changes nothing; a call without it pays one branch per operation.
//!
//! The trace describes the memory the runtime sees: a lazily backed static heap (see
//! [`crate::memory`]) is recorded as the pre-grown heap it stands for (its full size from the
//! first event on), so a trace replays through the allocator alone
//! ([`subexec_allocator::replay`]) on a memory of `initial_pages` up to `max_pages`.
//! A trace holds at most [`subexec_host_functions::MAX_TRACE_EVENTS`] events: a call making
//! more operations has no trace, and its out-of-memory failure no diagnosis.
//! One corner: a module that grows its memory itself (`memory.grow`, possible under `Dynamic`)
//! makes the recorded memory sizes differ from a replay's; pointers and failure points do not.
//!
//! # Out-of-memory diagnosis
//! A classic call that fails because the allocator is out of space or a request exceeds the
//! largest size class (in `malloc`, in a host function's result buffer, or for the input) is
//! rolled back and run again with recording on (runs are deterministic: it fails at the same
//! request). The error becomes [`CallError::OutOfMemory`], carrying the original error, the
//! trace and [`subexec_allocator::diagnose_out_of_memory`]'s diagnosis: the failing request,
//! the memory size and limit, what was live and free per size class, the largest consumers
//! by host function and by class, and what a larger heap or a non-fragmenting allocator would
//! have needed. Its first line is the original error's message, unchanged.
//!
//! # Reports
//! Heap maps (an SVG picture of the heap at the peak or at the failure) and validator-budget
//! emulation are tooling over the trace: they live in `subexec-cli` (`subexec_cli::diagnostics`).

/// The diagnosed error (defined with the errors, which sit below the diagnostics).
pub use crate::error::OutOfMemory;

use subexec_allocator::{AllocationRecorder, Error as AllocatorError};
use subexec_host_functions::{HostErrorCause, HostState};

use crate::error::CallError;
use crate::memory::{Backing, MemoryPlan};

/// Starts recording `state`'s allocations for a run under `plan`.
pub(crate) fn record(state: &mut HostState, heap_base: u32, plan: MemoryPlan) {
    // A lazily backed static heap is, to the runtime, pre-grown to `max_pages`.
    let (initial_pages, pages_floor) = match plan.backing {
        Backing::Lazy => (plan.max_pages, plan.max_pages),
        Backing::PreGrown => (plan.initial_pages, 0),
    };
    let recorder = AllocationRecorder::new(heap_base, initial_pages, plan.allocator_max_pages);
    state.record_allocations(recorder, pages_floor);
}

/// Whether `error` is an allocation failure for lack of memory: the allocator out of space,
/// or a request above the largest size class (from a host function or for the input).
pub fn is_out_of_memory(error: &CallError) -> bool {
    let out_of_memory = |e: &AllocatorError| {
        matches!(
            e,
            AllocatorError::AllocatorOutOfSpace | AllocatorError::RequestedAllocationTooLarge
        )
    };
    match error {
        CallError::HostFunction(e) => {
            matches!(&e.cause, HostErrorCause::Allocation(a) if out_of_memory(a))
        }
        CallError::InputAllocation { cause, .. } => [
            AllocatorError::AllocatorOutOfSpace,
            AllocatorError::RequestedAllocationTooLarge,
        ]
        .into_iter()
        .any(|e| *cause == HostErrorCause::Allocation(e).to_string()),
        _ => false,
    }
}

/// `error` with the diagnosis of `trace` attached, if it is an out-of-memory failure and the
/// trace ends in the failed request; otherwise `error` unchanged.
pub(crate) fn diagnose(
    error: CallError,
    trace: Option<subexec_allocator::AllocationTrace>,
) -> CallError {
    match trace {
        Some(trace) if is_out_of_memory(&error) => {
            match subexec_allocator::diagnose_out_of_memory(&trace) {
                Some(diagnosis) => CallError::OutOfMemory(Box::new(OutOfMemory {
                    error,
                    diagnosis,
                    trace,
                })),
                None => error,
            }
        }
        _ => error,
    }
}

/// The error of a failed call given the result of its diagnostic re-run: the re-run's
/// diagnosed error when it failed the same way (it always does: runs are deterministic),
/// else `first` unchanged.
pub(crate) fn same_failure(
    first: CallError,
    rerun: Result<crate::call::CallOutcome, CallError>,
) -> CallError {
    match rerun {
        Err(CallError::OutOfMemory(diagnosed)) if diagnosed.error == first => {
            CallError::OutOfMemory(diagnosed)
        }
        _ => {
            log::warn!(target: "subexec", "the diagnostic re-run did not fail the same way");
            first
        }
    }
}
