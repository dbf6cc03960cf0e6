//! Allocation observers: a hook that sees every allocate and free, with its outcome, without
//! changing anything the allocator does.
//!
//! [`FreeingBumpHeapAllocator::allocate_observed`] and
//! [`FreeingBumpHeapAllocator::deallocate_observed`] run exactly the code of `allocate` and
//! `deallocate` and then hand the observer one [`AllocationEvent`] describing the call (the
//! request, its size class, the pointer or the error) and a [`HeapSnapshot`] of the heap right
//! after it. `allocate` and `deallocate` themselves are the observed versions called with
//! [`NoObserver`].
//!
//! # Zero cost when off
//!
//! The observer is a generic parameter, so every observer gets its own monomorphised copy of the
//! allocator. [`AllocationObserver::enabled`] of [`NoObserver`] is an inlined `false`,
//! and every piece of work done only for the observer (the memory-size reads for the snapshot,
//! the size class of a failed request, the event itself) sits behind `if observer.enabled()`,
//! which the compiler removes. What remains is the unobserved allocator, instruction for instruction
//! (`benches/benches/allocator_observer.rs` measures it).
//!
//! # No effect on results
//!
//! The observer only receives values the allocator computed anyway, after the call has finished;
//! it cannot reach the heap or the memory. Pointers, errors, poisoning, statistics and memory
//! bytes are the same with any observer (`tests/differential.rs` checks this against the
//! unobserved allocator over its random sequences, including forged headers and poisoned heaps).
//!
//! [`FreeingBumpHeapAllocator::allocate_observed`]: crate::FreeingBumpHeapAllocator::allocate_observed
//! [`FreeingBumpHeapAllocator::deallocate_observed`]: crate::FreeingBumpHeapAllocator::deallocate_observed

use crate::error::Error;

/// The heap right after an operation, as an observer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapSnapshot {
    /// The bump pointer: the address where the next bumped block's header would go.
    pub bumper: u32,
    /// The memory's size in pages.
    pub memory_pages: u32,
    /// The memory's declared maximum in pages, if any.
    pub max_pages: Option<u32>,
}

/// One allocator call and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocationEvent {
    /// `ptr` is the pointer handed out; `order` its size class (block = 8 << order); `from_free_list`
    /// true when a freed block was reused, false when it was bumped.
    Allocated {
        /// The requested size in bytes.
        size: u32,
        /// The size class: the block holds `8 << order` bytes.
        order: u32,
        /// The pointer returned (just past the block's 8-byte header).
        ptr: u32,
        /// True when the block came from the free list of its class, false when it was bumped.
        from_free_list: bool,
    },
    /// `order` is None when `size` exceeds the largest class.
    AllocationFailed {
        /// The requested size in bytes.
        size: u32,
        /// The size class of the request, `None` when it is over 32 MiB.
        order: Option<u32>,
        /// The error the allocator returned.
        error: Error,
    },
    /// A block was freed and put on the free list of its class.
    Freed {
        /// The pointer freed.
        ptr: u32,
        /// The size class its header named.
        order: u32,
    },
    /// A free failed.
    FreeFailed {
        /// The pointer the caller tried to free.
        ptr: u32,
        /// The error the allocator returned.
        error: Error,
    },
}

impl AllocationEvent {
    /// True for the two failure events.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::AllocationFailed { .. } | Self::FreeFailed { .. }
        )
    }
}

/// Sees every operation of an allocator it is passed to.
pub trait AllocationObserver {
    /// False for observers that ignore everything ([`NoObserver`], `None`): the allocator then
    /// skips building events and snapshots altogether. Defaults to `true`; an override should be
    /// `#[inline(always)]` and return a constant or a cheap flag.
    #[inline(always)]
    fn enabled(&self) -> bool {
        true
    }

    /// Called once after every `allocate_observed` / `deallocate_observed`, whatever its outcome.
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot);

    /// Called at the start of every operation with the memory's size in pages at that moment
    /// (it differs from the previous snapshot's when the guest or the embedder resized the
    /// memory in between). Does nothing unless overridden.
    #[inline(always)]
    fn before(&mut self, memory_pages: u32) {
        let _ = memory_pages;
    }
}

/// The observer that observes nothing; the allocator compiles to its unobserved self with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoObserver;

impl AllocationObserver for NoObserver {
    #[inline(always)]
    fn enabled(&self) -> bool {
        false
    }

    #[inline(always)]
    fn observe(&mut self, _event: &AllocationEvent, _heap: HeapSnapshot) {}

    #[inline(always)]
    fn before(&mut self, _memory_pages: u32) {}
}

impl<O: AllocationObserver + ?Sized> AllocationObserver for &mut O {
    #[inline(always)]
    fn enabled(&self) -> bool {
        (**self).enabled()
    }

    #[inline(always)]
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        (**self).observe(event, heap);
    }

    #[inline(always)]
    fn before(&mut self, memory_pages: u32) {
        (**self).before(memory_pages);
    }
}

/// An optional observer: observes when `Some`, costs a flag test when `None`.
impl<O: AllocationObserver> AllocationObserver for Option<O> {
    #[inline(always)]
    fn enabled(&self) -> bool {
        self.as_ref().is_some_and(AllocationObserver::enabled)
    }

    #[inline]
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        if let Some(observer) = self {
            observer.observe(event, heap);
        }
    }

    #[inline]
    fn before(&mut self, memory_pages: u32) {
        if let Some(observer) = self {
            observer.before(memory_pages);
        }
    }
}

/// Collects every event with its snapshot into a vector (for tests and small tools).
impl AllocationObserver for Vec<(AllocationEvent, HeapSnapshot)> {
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        self.push((event.clone(), heap));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FreeingBumpHeapAllocator, VecMemory};

    type Events = Vec<(AllocationEvent, HeapSnapshot)>;

    #[test]
    fn optional_and_borrowed_observers_forward_or_stay_off() {
        assert!(!NoObserver.enabled());
        assert!(!None::<Events>.enabled());
        assert!(Some(Events::new()).enabled());
        assert!(!Some(NoObserver).enabled());

        let mut memory = VecMemory::new(1, None);
        let mut heap = FreeingBumpHeapAllocator::new(0);
        let mut events: Option<Events> = None;
        assert_eq!(heap.allocate_observed(&mut memory, 8, &mut events), Ok(8));
        assert_eq!(events, None);

        let mut events = Some(Events::new());
        let mut borrowed = &mut events;
        // Heap base 0: the first block's header is at 0 and its data at 8; the second's header
        // is at 16, so its data is at 24 and the bumper ends at 32.
        assert_eq!(
            heap.allocate_observed(&mut memory, 1, &mut borrowed),
            Ok(24)
        );
        assert_eq!(
            events,
            Some(vec![(
                AllocationEvent::Allocated {
                    size: 1,
                    order: 0,
                    ptr: 24,
                    from_free_list: false
                },
                HeapSnapshot {
                    bumper: 32,
                    memory_pages: 1,
                    max_pages: None
                }
            )])
        );
    }

    #[test]
    fn only_failures_are_failures() {
        let error = crate::Error::AllocatorOutOfSpace;
        assert!(AllocationEvent::FreeFailed {
            ptr: 8,
            error: error.clone()
        }
        .is_failure());
        assert!(AllocationEvent::AllocationFailed {
            size: 8,
            order: Some(0),
            error
        }
        .is_failure());
        assert!(!AllocationEvent::Freed { ptr: 8, order: 0 }.is_failure());
    }
}
