//! Replay: a recorded trace run again through a fresh allocator, alone, checking that every call
//! comes out as recorded.
//!
//! [`replay`] creates a `FreeingBumpHeapAllocator` with the trace's heap base on a [`VecMemory`]
//! of the trace's initial pages and maximum, then for each event makes the same call (allocate
//! the recorded size, or free the recorded pointer) and compares what the observer sees with
//! the recording: the event (pointer, class, reuse or bump, error) and the heap after it (bump
//! pointer, pages, maximum). Before each call the memory is resized to the event's
//! `pages_before`, which reproduces the guest's own `memory.grow`s between calls. Sites are not
//! compared: the allocator does not know them.
//!
//! The allocator is deterministic, so a trace recorded from it replays exactly — a check users
//! can run on their own traces, and the way the diagnosis learns what a larger heap would have
//! needed.
//!
//! # The caveat: guest writes
//!
//! In a live run the guest owns the memory and may write anywhere, including over the 8-byte
//! block headers the allocator keeps in it (a buffer overflow, a forged free list). The trace
//! does not record guest writes, and replay assumes that only the allocator writes. For a call
//! whose guest never corrupted an allocator header, replay is exact; otherwise it reports the
//! first event whose outcome the corruption changed, as a [`ReplayMismatch`].
//!
//! Replay needs as much memory as the recorded heap had (up to 4 GiB for a trace that says so).

use crate::freeing_bump::FreeingBumpHeapAllocator;
use crate::memory::{Memory, MAX_WASM_PAGES, PAGE_SIZE};
use crate::observer::{AllocationEvent, AllocationObserver, HeapSnapshot};
use crate::stats::AllocationStats;
use crate::trace::AllocationTrace;
use crate::vec_memory::VecMemory;

/// What a successful replay did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// Events replayed (all of the trace's).
    pub events: usize,
    /// The allocator's statistics at the end.
    pub stats: AllocationStats,
    /// The index of the first failed call, if any (the allocator is poisoned from there on).
    pub first_failure: Option<usize>,
    /// The memory's size in pages at the end.
    pub memory_pages: u32,
}

/// Where a replay departed from the recording.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum ReplayMismatch {
    /// The call at `index` came out differently.
    #[error(
        "event {index}: recorded {recorded:?} with {recorded_heap:?}, \
         replayed {replayed:?} with {replayed_heap:?}"
    )]
    Outcome {
        /// The event's index in the trace.
        index: usize,
        /// What the live run saw.
        recorded: AllocationEvent,
        /// The heap after it in the live run.
        recorded_heap: HeapSnapshot,
        /// What the replay saw.
        replayed: AllocationEvent,
        /// The heap after it in the replay.
        replayed_heap: HeapSnapshot,
    },
    /// The trace's initial memory is larger than any wasm memory (65 536 pages).
    #[error(
        "the trace's memory starts with {0} pages, more than the 65536 a wasm memory can have"
    )]
    InitialPages(u32),
    /// The memory could not be given the size the trace says it had before the call at `index`
    /// (more than its maximum or the wasm limit).
    #[error(
        "event {index}: the memory cannot be resized to {pages} pages (maximum {max_pages:?})"
    )]
    MemorySize {
        /// The event's index in the trace.
        index: usize,
        /// The pages the trace says the memory had.
        pages: u32,
        /// The memory's maximum.
        max_pages: Option<u32>,
    },
}

/// Replays `trace` through a fresh allocator; see the module documentation.
pub fn replay(trace: &AllocationTrace) -> Result<ReplayReport, ReplayMismatch> {
    let mut replayer = Replayer::new(trace, trace.max_pages)?;
    let mut first_failure = None;
    for (index, recorded) in trace.events.iter().enumerate() {
        replayer.resize(index, recorded.pages_before, true)?;
        let (replayed, replayed_heap) = replayer.call(&recorded.event);
        if replayed != recorded.event || replayed_heap != recorded.heap {
            return Err(ReplayMismatch::Outcome {
                index,
                recorded: recorded.event.clone(),
                recorded_heap: recorded.heap,
                replayed,
                replayed_heap,
            });
        }
        if first_failure.is_none() && replayed.is_failure() {
            first_failure = Some(index);
        }
    }
    Ok(ReplayReport {
        events: trace.events.len(),
        stats: replayer.heap.stats(),
        first_failure,
        memory_pages: replayer.memory.pages(),
    })
}

/// A fresh allocator and memory for a trace.
pub(crate) struct Replayer {
    pub(crate) heap: FreeingBumpHeapAllocator,
    pub(crate) memory: VecMemory,
}

/// Keeps the one event of a call.
#[derive(Default)]
struct Last(Option<(AllocationEvent, HeapSnapshot)>);

impl AllocationObserver for Last {
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        self.0 = Some((event.clone(), heap));
    }
}

impl Replayer {
    /// The trace's heap on a memory of its initial pages and the given maximum; fails if no
    /// wasm memory has that many pages.
    pub(crate) fn new(
        trace: &AllocationTrace,
        max_pages: Option<u32>,
    ) -> Result<Self, ReplayMismatch> {
        if trace.initial_pages > MAX_WASM_PAGES {
            return Err(ReplayMismatch::InitialPages(trace.initial_pages));
        }
        Ok(Self {
            heap: FreeingBumpHeapAllocator::new(trace.heap_base),
            memory: VecMemory::new(trace.initial_pages, max_pages),
        })
    }

    /// Gives the memory `pages` pages: grows it, or (when `shrink`) truncates it.
    pub(crate) fn resize(
        &mut self,
        index: usize,
        pages: u32,
        shrink: bool,
    ) -> Result<(), ReplayMismatch> {
        let current = self.memory.pages();
        if pages > current {
            self.memory
                .grow(pages - current)
                .map_err(|()| ReplayMismatch::MemorySize {
                    index,
                    pages,
                    max_pages: self.memory.max_pages,
                })?;
        } else if pages < current && shrink {
            self.memory
                .data
                .truncate(pages as usize * PAGE_SIZE as usize);
        }
        Ok(())
    }

    /// Makes the call `event` records; returns what the observer saw.
    pub(crate) fn call(&mut self, event: &AllocationEvent) -> (AllocationEvent, HeapSnapshot) {
        let mut last = Last::default();
        match *event {
            AllocationEvent::Allocated { size, .. }
            | AllocationEvent::AllocationFailed { size, .. } => {
                let _ = self
                    .heap
                    .allocate_observed(&mut self.memory, size, &mut last);
            }
            AllocationEvent::Freed { ptr, .. } | AllocationEvent::FreeFailed { ptr, .. } => {
                let _ = self
                    .heap
                    .deallocate_observed(&mut self.memory, ptr, &mut last);
            }
        }
        // Every observed call reports exactly one event.
        last.0
            .unwrap_or_else(|| unreachable!("an observed call reports its event"))
    }
}

#[cfg(test)]
mod tests;
