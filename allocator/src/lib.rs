//! The host-side heap allocator of classic Substrate runtimes, identical to
//! `sc_allocator::FreeingBumpHeapAllocator` (sc-allocator 39) in every observable way: the same
//! pointers, the same errors, the same memory bytes, page counts and statistics.
//!
//! # The algorithm
//!
//! The heap is the part of the runtime's linear memory from `__heap_base` (rounded up to 8)
//! upwards. It is handed out by a *bump pointer* that only moves up:
//!
//! ```text
//!  0           heap_base                       bumper                     memory end
//!  +-----------+-------------------------------+--------------------------+
//!  | data, stack | [hdr|block][hdr|block] ...  | never handed out         |
//!  +-----------+-------------------------------+--------------------------+
//! ```
//!
//! Every block is preceded by an 8-byte header (see the `header` module for its layout):
//! occupied blocks store their size class, free blocks store the link to the next free block of
//! the same class. There are 23 size classes ("orders"), powers of two from 8 bytes to 32 MiB;
//! a request is rounded up to its class. Freed blocks go on the front of their class's free list
//! (LIFO) and are reused only for requests of the same class. When a class's list is empty the
//! block is bumped; when the bump region runs out the memory is grown (doubled, up to its
//! maximum).
//!
//! Blocks are never split, merged or returned: once the bump region is exhausted, a request
//! fails even if plenty of memory of other classes is free. Rounding up wastes memory too: a
//! request uniformly spread over `(N, 2N]` uses `3N/2` of its `2N` bytes on average, so about
//! 25 % of the heap is waste (more in absolute terms for large classes).
//!
//! # Why it can never change
//!
//! Pointers returned by the allocator end up in runtime state and control flow, and the point
//! at which it runs out of memory decides whether a block is valid. Every node must compute the
//! same results as every other node, so this allocator reproduces sc-allocator bit for bit,
//! quirks included: forged headers are trusted, free-list links are only checked against the
//! memory size, and after any error the allocator is *poisoned* and refuses all further work.
//! The free-list heads, the bump pointer, the statistics and the poison flag live on the host;
//! only the headers live in (guest-writable) memory.
//!
//! # Watching it
//!
//! An [`AllocationObserver`] passed to `allocate_observed` / `deallocate_observed` is told every
//! call's outcome and changes nothing ([`NoObserver`] compiles away). An [`AllocationRecorder`]
//! records an [`AllocationTrace`] with call sites, stored in a binary or text form; [`replay`]
//! runs a trace again through a fresh allocator; [`profile`] and [`diagnose_out_of_memory`]
//! explain the heap it describes. `docs/ALLOCATION-TRACE.md` has the formats and definitions.
//!
//! With the `sc-allocator-compat` feature (off by default), `ScMemory` lets sc-allocator itself
//! run on any [`Memory`] of this crate, for differential tests, benches and fuzzing.
//!
//! Differences from sc-allocator are internal only: pointers are plain `u32`, the memory size is
//! read once per call, and each header is read and rewritten inside one memory access.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod diagnosis;
mod error;
mod free_lists;
mod freeing_bump;
mod header;
mod memory;
mod model;
mod observer;
mod order;
mod poison;
mod profile;
mod replay;
#[cfg(feature = "sc-allocator-compat")]
mod sc_compat;
mod stats;
mod trace;
mod vec_memory;

pub use diagnosis::{diagnose_out_of_memory, Need, OutOfMemoryDiagnosis, SiteConsumer};
pub use error::Error;
pub use freeing_bump::FreeingBumpHeapAllocator;
pub use memory::{Memory, MAX_WASM_PAGES, PAGE_SIZE};
pub use observer::{AllocationEvent, AllocationObserver, HeapSnapshot, NoObserver};
pub use order::{MAX_POSSIBLE_ALLOCATION, MIN_POSSIBLE_ALLOCATION, N_ORDERS};
pub use profile::{
    profile, profile_with_limit, ClassUsage, Headroom, HeapProfile, LivePoint, Peak, SiteUsage,
    Waste,
};
pub use replay::{replay, ReplayMismatch, ReplayReport};
#[cfg(feature = "sc-allocator-compat")]
pub use sc_compat::ScMemory;
pub use stats::AllocationStats;
pub use trace::{
    AllocationRecorder, AllocationTrace, TraceDecodeError, TraceEvent, MAX_SITES, MAX_SITE_NAME,
    UNATTRIBUTED,
};
pub use vec_memory::VecMemory;
