//! What a call takes and gives: [`CallOptions`] and [`CallOutcome`]. The bottom of the call
//! path: one run on an instance ([`crate::instance`]) produces a `CallOutcome`, the call policy
//! ([`crate::policy`]) decides how runs make a call, and [`crate::Runtime::call_with`] is the
//! entry point.

use subexec_allocator::{AllocationStats, AllocationTrace};
use subexec_host_functions::HostCallStats;

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
}

/// How to run one call ([`crate::Runtime::call_with`]). The default is what [`crate::Runtime::call`] does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Record every allocation and free of the host allocator into
    /// [`CallOutcome::allocation_trace`] (classic runtimes only). Recording changes no
    /// pointer, output, error, storage change, statistic or fuel.
    pub trace_allocations: bool,
}
