//! [`HostAllocator`]: the call's freeing-bump allocator, with an optional allocation recorder.
//!
//! Every allocation and free a call's host side makes goes through here: `malloc`/`free`,
//! the buffers host functions return, and the executor's input. Without a recorder each
//! operation is the allocator's own `allocate`/`deallocate` behind one branch on an `Option`.
//! With one, it is the allocator's `*_observed` variant with the recorder as observer, after
//! attributing the event to the current *site*: the name of the host function running
//! (set by [`crate::invoke`] before it runs the function) or `"input"` for the executor's
//! input buffer. The observer sees every operation but changes none: pointers, errors,
//! statistics and poisoning are the same with or without it (the allocator's contract).
//!
//! # Bounded
//! A trace grows with every operation, and a runtime may allocate and free in a loop for as
//! long as its fuel lasts. Recording stops for good once a trace holds [`MAX_TRACE_EVENTS`]
//! events: the call then has no trace (and an out-of-memory failure no diagnosis). That is
//! about 130 MB of trace at most; real calls stay far below (node-template
//! `Metadata_metadata`: 4 152 events).
//!
//! # Presented memory size
//! An executor may back a static heap lazily (the real memory is smaller than the heap the
//! allocator is told about, and grows on demand; see the executor's `memory` module). To the
//! runtime that heap is pre-grown, so a trace must say so: events are recorded with
//! `memory_pages` at least `pages_floor` (the static heap's size), which is what the same call
//! on a pre-grown memory records. Pointers and failure points are the same either way.

use subexec_allocator::{
    AllocationEvent, AllocationObserver, AllocationRecorder, AllocationStats, AllocationTrace,
    Error, FreeingBumpHeapAllocator, HeapSnapshot, Memory,
};

/// The site of the executor's input allocation.
pub const INPUT_SITE: &str = "input";

/// The most events a trace may hold; a call that makes more operations is not traced.
pub const MAX_TRACE_EVENTS: usize = 1 << 21;

/// A call's allocator and, when the call is traced, its recorder.
#[derive(Debug)]
pub struct HostAllocator {
    heap: FreeingBumpHeapAllocator,
    recording: Option<Box<Recording>>,
    /// Where the next events come from (a host function name, or [`INPUT_SITE`]).
    site: &'static str,
}

/// A recorder and how it sees the memory.
#[derive(Debug)]
struct Recording {
    recorder: AllocationRecorder,
    /// Events report at least this many memory pages (see the module docs).
    pages_floor: u32,
    /// The site last handed to the recorder (set again only when it changes).
    recorder_site: Option<&'static str>,
}

impl Recording {
    /// The trace reached [`MAX_TRACE_EVENTS`].
    fn full(&self) -> bool {
        self.recorder.events().len() >= MAX_TRACE_EVENTS
    }
}

/// The recorder as an observer that reports at least `pages_floor` pages.
struct Presented<'a> {
    recorder: &'a mut AllocationRecorder,
    pages_floor: u32,
}

impl AllocationObserver for Presented<'_> {
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        let heap = HeapSnapshot {
            memory_pages: heap.memory_pages.max(self.pages_floor),
            ..heap
        };
        self.recorder.observe(event, heap);
    }

    fn before(&mut self, memory_pages: u32) {
        self.recorder.before(memory_pages.max(self.pages_floor));
    }
}

impl Recording {
    /// The observer for one operation at `site`.
    fn observer(&mut self, site: &'static str) -> Presented<'_> {
        if self.recorder_site != Some(site) {
            self.recorder.set_site(site);
            self.recorder_site = Some(site);
        }
        Presented {
            recorder: &mut self.recorder,
            pages_floor: self.pages_floor,
        }
    }
}

impl HostAllocator {
    /// A fresh allocator at `heap_base` (rounded up to 8), not recording.
    pub fn new(heap_base: u32) -> Self {
        HostAllocator {
            heap: FreeingBumpHeapAllocator::new(heap_base),
            recording: None,
            site: INPUT_SITE,
        }
    }

    /// Records every following operation with `recorder`; events report at least
    /// `pages_floor` memory pages.
    pub fn record(&mut self, recorder: AllocationRecorder, pages_floor: u32) {
        self.recording = Some(Box::new(Recording {
            recorder,
            pages_floor,
            recorder_site: None,
        }));
    }

    /// Stops recording and returns what was recorded (`None` if not recording, or if the
    /// trace outgrew [`MAX_TRACE_EVENTS`]).
    pub fn take_trace(&mut self) -> Option<AllocationTrace> {
        self.recording.take().map(|r| r.recorder.finish())
    }

    /// Attributes the following operations to `site`.
    #[inline]
    pub fn set_site(&mut self, site: &'static str) {
        self.site = site;
    }

    /// `FreeingBumpHeapAllocator::allocate`, observed when recording.
    #[inline]
    pub fn allocate(&mut self, memory: &mut impl Memory, size: u32) -> Result<u32, Error> {
        let Some(recording) = &mut self.recording else {
            return self.heap.allocate(memory, size);
        };
        let result = self
            .heap
            .allocate_observed(memory, size, &mut recording.observer(self.site));
        if recording.full() {
            self.recording = None;
        }
        result
    }

    /// `FreeingBumpHeapAllocator::deallocate`, observed when recording.
    #[inline]
    pub fn deallocate(&mut self, memory: &mut impl Memory, ptr: u32) -> Result<(), Error> {
        let Some(recording) = &mut self.recording else {
            return self.heap.deallocate(memory, ptr);
        };
        let result = self
            .heap
            .deallocate_observed(memory, ptr, &mut recording.observer(self.site));
        if recording.full() {
            self.recording = None;
        }
        result
    }

    /// The allocator's statistics so far.
    pub fn stats(&self) -> AllocationStats {
        self.heap.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subexec_allocator::VecMemory;

    /// Runs a fixed sequence of operations, returning every result and the final stats.
    fn script(heap: &mut HostAllocator) -> (Vec<Result<u32, Error>>, AllocationStats) {
        let mut memory = VecMemory::new(1, Some(2));
        let mut results = Vec::new();
        heap.set_site("ext_a");
        let a = heap.allocate(&mut memory, 10);
        results.push(a.clone());
        heap.set_site("ext_b");
        results.push(heap.allocate(&mut memory, 1000));
        results.push(heap.deallocate(&mut memory, a.unwrap_or(0)).map(|()| 0));
        results.push(heap.allocate(&mut memory, 16));
        results.push(heap.allocate(&mut memory, 1 << 20));
        results.push(heap.allocate(&mut memory, 8));
        (results, heap.stats())
    }

    #[test]
    fn recording_changes_no_result_and_attributes_sites() {
        let plain = script(&mut HostAllocator::new(100));
        let mut recorded = HostAllocator::new(100);
        recorded.record(AllocationRecorder::new(100, 1, Some(2)), 5);
        let observed = script(&mut recorded);
        assert_eq!(plain, observed);
        // The 1 MiB request does not fit two pages: it fails, and so does the next (poisoned).
        assert!(observed.0[4].is_err());

        let trace = recorded.take_trace().expect("recording");
        assert_eq!(trace.events.len(), 6);
        let site = |i: usize| trace.sites[usize::from(trace.events[i].site)].as_str();
        assert_eq!(site(0), "ext_a");
        assert_eq!(site(1), "ext_b");
        assert_eq!(site(5), "ext_b");
        // The floor of 5 pages is what every event reports (the real memory has at most 2).
        assert!(trace.events.iter().all(|e| e.heap.memory_pages == 5));
        assert!(recorded.take_trace().is_none());
    }

    #[test]
    fn recording_stops_at_the_event_limit() {
        let mut memory = VecMemory::new(1, None);
        let mut heap = HostAllocator::new(8);
        heap.record(AllocationRecorder::new(8, 1, None), 0);
        let ptr = heap.allocate(&mut memory, 8).unwrap();
        heap.deallocate(&mut memory, ptr).unwrap();
        // Two events so far; alternate until the trace holds the maximum.
        for _ in 0..(MAX_TRACE_EVENTS - 2) / 2 {
            assert_eq!(heap.allocate(&mut memory, 8), Ok(ptr));
            heap.deallocate(&mut memory, ptr).unwrap();
        }
        // The last operation filled the trace: recording stopped, the allocator did not.
        assert_eq!(heap.allocate(&mut memory, 8), Ok(ptr));
        assert!(heap.take_trace().is_none());
    }
}
