//! The heap as a trace describes it: which blocks are live (with their requested size, class and
//! site) and how many free blocks each class's free list holds, event by event.
//!
//! This is what the profile and the diagnosis read. It is rebuilt from the events alone, so it
//! works on any trace, including hand-made or hostile ones: events naming a class outside
//! `0..23` are counted but change nothing, a free of a block the trace never allocated (a header
//! the guest forged) adds a free block of the class the allocator read, a reuse from an empty
//! list is taken as from a forged list and removes nothing.

use crate::observer::AllocationEvent;
use crate::order::N_ORDERS;
use crate::trace::TraceEvent;
use std::collections::HashMap;

/// Bytes of a block header.
pub(crate) const HEADER_BYTES: u64 = 8;

/// Bytes in a block of `order`; meaningless (but no panic) for orders past the last class,
/// which only hand-made traces have.
pub(crate) fn class_bytes(order: usize) -> u64 {
    u32::try_from(order)
        .ok()
        .and_then(|order| 8u64.checked_shl(order))
        .unwrap_or(0)
}

/// A live block.
#[derive(Clone, Copy, Debug)]
struct LiveBlock {
    order: usize,
    size: u32,
    site: u16,
}

/// Live and free blocks of one class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClassCounts {
    pub(crate) live_blocks: u64,
    pub(crate) live_requested: u64,
    pub(crate) free_blocks: u64,
}

/// Live blocks allocated by one site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SiteCounts {
    pub(crate) live_blocks: u64,
    pub(crate) live_requested: u64,
    /// Class bytes plus headers.
    pub(crate) live_footprint: u64,
}

/// The heap after some prefix of a trace.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeapModel {
    live: HashMap<u32, LiveBlock>,
    pub(crate) classes: [ClassCounts; N_ORDERS],
    /// Indexed by site.
    pub(crate) sites: Vec<SiteCounts>,
}

impl HeapModel {
    /// Applies one event; returns the class it changed, if any.
    pub(crate) fn apply(&mut self, event: &TraceEvent) -> Option<usize> {
        match event.event {
            AllocationEvent::Allocated {
                size,
                order,
                ptr,
                from_free_list,
            } => {
                let order = valid(order)?;
                if from_free_list {
                    let free = &mut self.classes[order].free_blocks;
                    *free = free.saturating_sub(1);
                }
                // A pointer handed out twice (forged lists): the older block is forgotten.
                self.forget(ptr);
                let block = LiveBlock {
                    order,
                    size,
                    site: event.site,
                };
                self.live.insert(ptr, block);
                self.count(block, true);
                Some(order)
            }
            AllocationEvent::Freed { ptr, order } => {
                let order = valid(order)?;
                self.forget(ptr);
                self.classes[order].free_blocks += 1;
                Some(order)
            }
            AllocationEvent::AllocationFailed { .. } | AllocationEvent::FreeFailed { .. } => None,
        }
    }

    /// Removes the live block at `ptr`, if there is one.
    fn forget(&mut self, ptr: u32) {
        if let Some(block) = self.live.remove(&ptr) {
            self.count(block, false);
        }
    }

    fn count(&mut self, block: LiveBlock, add: bool) {
        let class = &mut self.classes[block.order];
        let site = usize::from(block.site);
        if self.sites.len() <= site {
            self.sites.resize(site + 1, SiteCounts::default());
        }
        let site = &mut self.sites[site];
        let footprint = class_bytes(block.order) + HEADER_BYTES;
        let size = u64::from(block.size);
        if add {
            class.live_blocks += 1;
            class.live_requested += size;
            site.live_blocks += 1;
            site.live_requested += size;
            site.live_footprint += footprint;
        } else {
            class.live_blocks -= 1;
            class.live_requested -= size;
            site.live_blocks -= 1;
            site.live_requested -= size;
            site.live_footprint -= footprint;
        }
    }

    /// Live blocks.
    pub(crate) fn live_blocks(&self) -> u64 {
        self.classes.iter().map(|class| class.live_blocks).sum()
    }

    /// Requested bytes of live blocks.
    pub(crate) fn live_requested(&self) -> u64 {
        self.classes.iter().map(|class| class.live_requested).sum()
    }

    /// Class bytes of live blocks (headers excluded).
    pub(crate) fn live_block_bytes(&self) -> u64 {
        self.classes
            .iter()
            .enumerate()
            .map(|(order, class)| class.live_blocks * class_bytes(order))
            .sum()
    }

    /// Bytes of free blocks, headers included, of every class but `except`.
    pub(crate) fn free_footprint_except(&self, except: Option<usize>) -> u64 {
        self.classes
            .iter()
            .enumerate()
            .filter(|(order, _)| Some(*order) != except)
            .map(|(order, class)| class.free_blocks * (class_bytes(order) + HEADER_BYTES))
            .sum()
    }

    /// The largest class with a free block.
    pub(crate) fn largest_free_class(&self) -> Option<usize> {
        self.classes.iter().rposition(|class| class.free_blocks > 0)
    }
}

/// `order` if it names a class.
fn valid(order: u32) -> Option<usize> {
    usize::try_from(order)
        .ok()
        .filter(|&order| order < N_ORDERS)
}
