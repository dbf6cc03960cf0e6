//! The guest's linear memory: how it is provided, and the adapter the host side sees.
//!
//! # Provision
//! A runtime either imports `env.memory` (the host creates it with the limits the heap strategy
//! gives) or defines and exports `memory` (legacy, and guest-allocator runtimes). A defined
//! memory is turned into an import at load (`rewrite::import_defined_memory`) so
//! that the host creates it too, as instantiation would: at the module's initial pages, data
//! segments checked against those, then grown to the strategy's initial pages after
//! instantiation. The runtime's own `memory.grow` is capped at the strategy's maximum by the
//! memory type and by the store's limits (`memory_limiter`).
//!
//! Substrate rewrites the module's memory limits; wasmi can only respect them. Where a module
//! *declares* a maximum below the strategy's (Rust-built runtimes declare none), that declared
//! maximum wins: the heap is clamped to it.
//!
//! # The static heap without paying for it
//! wasmi zero-fills grown memory eagerly (and, before `vendor/wasmi/PATCHES.md` patch 4, new
//! memory too), so a memory of `initial + 2048` pages pre-grown by `memory.grow` costs about
//! 70 ms and 130 MiB of resident memory per call, although most calls touch a few pages.
//! Under `Static { extra_pages }` subexec therefore backs the heap *lazily* when that is
//! provably invisible to the runtime:
//! - the real memory starts at the module's initial pages, with maximum `V = initial + extra`;
//! - the allocator is shown the real size as [`Memory::pages`] and `V` as
//!   [`Memory::max_pages`]. `FreeingBumpHeapAllocator` bumps within the real size and grows the
//!   memory (by doubling, at least to the pages it needs) when a bump does not fit; it reports
//!   out-of-space exactly when the bump would pass `V` pages. Its pointers, its errors and its
//!   out-of-memory points are those of a memory pre-grown to `V`, where it would never grow.
//!   Output read back in `[real size, V)` is zeros, as it would be in the pre-grown memory.
//! - lazy backing is used only for modules whose code contains neither `memory.size` nor
//!   `memory.grow` (`scan`): nothing else lets wasm observe the memory's size.
//! - What remains observable is an access beyond the real size: a load or store there traps,
//!   a data segment placed there fails instantiation, and a host function reading or writing
//!   there fails, where the pre-grown memory would have worked (so would a forged free-list
//!   link pointing there). Such a call ends in an instantiation error, a memory-out-of-bounds
//!   trap or a host-function error; when a lazily backed call fails that
//!   way while its memory is still below `V`, it is run again from scratch on a pre-grown memory
//!   and storage as they were before the call, and that run's result is the call's result.
//!   Every run is deterministic, so the retry gives what the pre-grown memory gives.
//!
//! Under `Dynamic` the real memory is what Substrate's is (initial pages, grown by the
//! allocator), so nothing is lazy.
//!
//! # Pooled instances
//! With [`crate::InstanceReuse::Pooled`] the memory is a caller-provided buffer of the
//! heap's full size, a copy-on-write mapping of the initial image ([`crate::pool`]), created
//! at the plan's initial pages like a fresh one. Under lazy backing the real size of a pooled
//! instance's memory is whatever earlier calls grew it to (between the module's initial pages
//! and `V`): by the argument above no runtime can tell, so such an instance is as good as a
//! fresh one and is kept grown; only a re-run after a lazily backed failure gets a fresh,
//! pre-grown instance. Without lazy backing (`Dynamic`, pre-grown `Static`, guest-allocator
//! runtimes) the size is observable, and an instance whose memory grew is dropped.

use subexec_allocator::{Memory, PAGE_SIZE};
use wasmi::AsContextMut;

/// Where the runtime's memory comes from, as the blob declares it. Either way the host creates
/// it: a memory the module defines is turned into an import at load
/// (`crate::rewrite::import_defined_memory`) and created as instantiation would create it.
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

/// How a call's memory is backed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backing {
    /// Memory created at its minimum; grown by the allocator up to `max_pages`.
    Lazy,
    /// Memory created (or grown right after instantiation) at its full static size.
    PreGrown,
}

/// The page limits of one call's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryPlan {
    /// Pages the memory has when the call starts.
    pub initial_pages: u32,
    /// Pages it may grow to (by the allocator, and by the runtime under `Dynamic`).
    pub max_pages: u32,
    /// What the allocator is told the maximum is (`None`: the wasm32 limit).
    pub allocator_max_pages: Option<u32>,
    /// Lazy or pre-grown.
    pub backing: Backing,
}

/// Store limits capping memory growth at `max_pages` (host and guest alike). (Counts of
/// memories and tables need no limit: the feature set allows one of each per module.)
pub(crate) fn memory_limiter(max_pages: u32) -> wasmi::StoreLimits {
    wasmi::StoreLimitsBuilder::new()
        .memory_size((max_pages as usize).saturating_mul(PAGE_SIZE as usize))
        .build()
}

/// [`subexec_allocator::Memory`] over a wasmi memory inside a store context.
pub(crate) struct GuestMemory<C> {
    memory: wasmi::Memory,
    ctx: C,
    max_pages: Option<u32>,
}

impl<C: AsContextMut> GuestMemory<C> {
    /// Wraps `memory` of the store behind `ctx`; `max_pages` is what the allocator is told.
    pub fn new(memory: wasmi::Memory, ctx: C, max_pages: Option<u32>) -> Self {
        GuestMemory {
            memory,
            ctx,
            max_pages,
        }
    }
}

impl<C: AsContextMut> Memory for GuestMemory<C> {
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        run(self.memory.data_mut(self.ctx.as_context_mut()))
    }

    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        run(self.memory.data(self.ctx.as_context()))
    }

    fn grow(&mut self, additional: u32) -> Result<(), ()> {
        self.memory
            .grow(self.ctx.as_context_mut(), u64::from(additional))
            .map(|_| ())
            .map_err(|_| ())
    }

    fn pages(&self) -> u32 {
        // A 32-bit memory never has more than 65 536 pages.
        self.memory.size(self.ctx.as_context()) as u32
    }

    fn max_pages(&self) -> Option<u32> {
        self.max_pages
    }
}
