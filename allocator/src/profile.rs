//! Heap profiles: what a trace's heap held over time, at its peak, where it went to waste, who
//! used it, and how much room was left.
//!
//! # Terms
//!
//! Every block the allocator hands out has a *class* (a power of two from 8 bytes to 32 MiB, the
//! request rounded up) and an 8-byte *header* before it. For the live blocks at a moment:
//!
//! - *requested* bytes: the sizes the runtime asked for;
//! - *block* bytes: the classes' sizes, `8 << order` each;
//! - *footprint*: block bytes plus 8 header bytes per block; this is what the allocator's own
//!   `bytes_allocated` statistic counts.
//!
//! The *peak* is the first event after which the live footprint is at its maximum (the event
//! that made `bytes_allocated_peak`). The *address space* is the bump pointer minus the heap base
//! (rounded up to 8): every byte the bump pointer has passed, live or free.
//!
//! Waste at a moment, in bytes (a [`Waste`]):
//!
//! - *rounding*: for each live block, its class size minus its requested size;
//! - *headers*: 8 per live block;
//! - *stranded*: the footprint (class + header) of the blocks on the free lists. The allocator
//!   never splits, merges or returns a block, and reuses a free block only for a request of the
//!   same class, so these bytes could not serve the requests actually made.
//!
//! Blocks are never returned to the bump region, so for a trace the guest did not tamper with
//! the address space at any moment is exactly requested + rounding + headers + stranded (the
//! profile's tests check this identity).
//!
//! # Headroom
//!
//! The headroom answers "would this call still have fit in a heap of `L` pages, and with how
//! much to spare?". The bump pointer only grows, and a bump fails exactly when the block would
//! end past the memory's maximum (`bumper + class + 8 > L × 64 KiB`) — pointers never depend on
//! the memory's size — so the call succeeds under `L` pages if and only if its highest bump
//! frontier (the highest bump pointer after any event) is at most `L × 64 KiB`. The
//! [`Headroom`] of a trace for a limit of `L` pages is therefore:
//!
//! - `bytes`: `max(L, initial pages) × 64 KiB` minus the highest frontier; negative when the call
//!   would have run out of memory under that limit (by that many bytes at least);
//! - `largest_request`: the largest single request that would still have succeeded after the
//!   last event: the largest class whose block plus header fits between the frontier and the
//!   limit, or the largest class with a block on its free list, whichever is larger (0 if none).
//!
//! [`profile`] uses the trace's own maximum (65 536 pages without one); [`profile_with_limit`]
//! takes any page count, e.g. a validator's budget.

use crate::memory::{MAX_WASM_PAGES, PAGE_SIZE};
use crate::model::{class_bytes, HeapModel, HEADER_BYTES};
use crate::observer::AllocationEvent;
use crate::order::{MAX_POSSIBLE_ALLOCATION, N_ORDERS};
use crate::trace::{AllocationTrace, TraceEvent};

/// What a trace's heap held and wasted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapProfile {
    /// One point per event: the live bytes after it.
    pub timeline: Vec<LivePoint>,
    /// The heap at the peak.
    pub peak: Peak,
    /// Waste at the peak.
    pub waste_at_peak: Waste,
    /// Live and free blocks per class at the peak (classes with neither left out).
    pub classes_at_peak: Vec<ClassUsage>,
    /// Per-site totals, by site index (every site of the trace, used or not).
    pub sites: Vec<SiteUsage>,
    /// Room left under the limit.
    pub headroom: Headroom,
}

/// The live bytes after one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivePoint {
    /// Requested bytes of the live blocks.
    pub live_requested: u64,
    /// Footprint (class + header) of the live blocks.
    pub live_footprint: u64,
    /// The class this event changed (allocated or freed a block of), if any.
    pub order: Option<u32>,
    /// That class's live block bytes after the event (0 when `order` is `None`).
    pub class_live_bytes: u64,
}

/// The heap at its peak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peak {
    /// The event after which the live footprint was highest (the first such); `None` when
    /// nothing was ever allocated.
    pub event: Option<usize>,
    /// Live blocks.
    pub live_blocks: u64,
    /// Requested bytes of the live blocks.
    pub live_requested: u64,
    /// Class bytes of the live blocks.
    pub live_block_bytes: u64,
    /// Class bytes plus headers of the live blocks (the allocator's `bytes_allocated_peak`).
    pub live_footprint: u64,
    /// Bump pointer minus heap base.
    pub address_space: u64,
    /// The memory's pages.
    pub memory_pages: u32,
}

/// Bytes wasted at a moment; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waste {
    /// Class size minus requested size, over the live blocks.
    pub rounding: u64,
    /// 8 per live block.
    pub headers: u64,
    /// Footprint of free blocks that could not serve (at the peak: all free blocks; at a failed
    /// request: those of the other classes).
    pub stranded: u64,
}

impl Waste {
    /// All three.
    pub fn total(&self) -> u64 {
        self.rounding + self.headers + self.stranded
    }
}

/// One class's blocks at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassUsage {
    /// The class: blocks of `8 << order` bytes.
    pub order: u32,
    /// Live blocks.
    pub live_blocks: u64,
    /// Requested bytes of the live blocks.
    pub live_requested: u64,
    /// Class bytes plus headers of the live blocks.
    pub live_footprint: u64,
    /// Blocks on the free list.
    pub free_blocks: u64,
    /// Class bytes plus headers of the free blocks.
    pub free_footprint: u64,
}

impl ClassUsage {
    /// Bytes in one block of this class.
    pub fn block_bytes(&self) -> u64 {
        class_bytes(self.order as usize)
    }
}

/// What one site did over the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteUsage {
    /// The site's name.
    pub site: String,
    /// Successful allocations.
    pub allocations: u64,
    /// Failed allocations.
    pub failed_allocations: u64,
    /// Successful frees (of any site's blocks).
    pub frees: u64,
    /// Requested bytes over all its successful allocations.
    pub requested: u64,
    /// Footprint over all its successful allocations.
    pub footprint: u64,
    /// Blocks it allocated that were live at the peak.
    pub live_blocks_at_peak: u64,
    /// Requested bytes of those.
    pub live_requested_at_peak: u64,
    /// Footprint of those.
    pub live_footprint_at_peak: u64,
}

/// Room left under a page limit; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headroom {
    /// The limit in pages.
    pub limit_pages: u32,
    /// The limit in bytes: `max(limit_pages, initial pages) × 64 KiB`.
    pub limit_bytes: u64,
    /// The highest bump frontier (address) the trace reached.
    pub frontier: u64,
    /// `limit_bytes - frontier`; negative when the call would not have fit.
    pub bytes: i64,
    /// The largest single request that would still have succeeded after the last event.
    pub largest_request: u32,
}

/// The profile of `trace`, with the headroom under the trace's own maximum.
pub fn profile(trace: &AllocationTrace) -> HeapProfile {
    profile_with_limit(trace, trace.max_pages.unwrap_or(MAX_WASM_PAGES))
}

/// The profile of `trace`, with the headroom under `limit_pages`.
pub fn profile_with_limit(trace: &AllocationTrace, limit_pages: u32) -> HeapProfile {
    let heap_base = u64::from(rounded_heap_base(trace.heap_base));
    let mut model = HeapModel::default();
    let mut timeline = Vec::with_capacity(trace.events.len());
    let mut sites: Vec<SiteUsage> = trace
        .sites
        .iter()
        .map(|site| SiteUsage {
            site: site.clone(),
            ..SiteUsage::default()
        })
        .collect();
    let mut peak = Peak {
        memory_pages: trace.initial_pages,
        ..Peak::default()
    };
    let mut frontier = heap_base;
    for (index, event) in trace.events.iter().enumerate() {
        let order = model.apply(event);
        frontier = frontier.max(u64::from(event.heap.bumper));
        count_site(&mut sites, event);
        let live_footprint = model.live_block_bytes() + HEADER_BYTES * model.live_blocks();
        timeline.push(LivePoint {
            live_requested: model.live_requested(),
            live_footprint,
            order: order.map(|order| order as u32),
            class_live_bytes: order.map_or(0, |order| {
                model.classes[order].live_blocks * class_bytes(order)
            }),
        });
        if live_footprint > peak.live_footprint {
            peak = Peak {
                event: Some(index),
                live_blocks: model.live_blocks(),
                live_requested: model.live_requested(),
                live_block_bytes: model.live_block_bytes(),
                live_footprint,
                address_space: u64::from(event.heap.bumper).saturating_sub(heap_base),
                memory_pages: event.heap.memory_pages,
            };
        }
    }
    // The heap at the peak, rebuilt by a second pass up to it: keeping a copy at every new
    // peak would be quadratic when the live footprint only grows.
    let mut peak_model = HeapModel::default();
    if let Some(peak_event) = peak.event {
        for event in &trace.events[..=peak_event] {
            peak_model.apply(event);
        }
    }
    let waste_at_peak = Waste {
        // Saturating: only a hand-made trace has a request larger than its class.
        rounding: peak.live_block_bytes.saturating_sub(peak.live_requested),
        headers: HEADER_BYTES * peak.live_blocks,
        stranded: peak_model.free_footprint_except(None),
    };
    for (site, counts) in sites.iter_mut().zip(&peak_model.sites) {
        site.live_blocks_at_peak = counts.live_blocks;
        site.live_requested_at_peak = counts.live_requested;
        site.live_footprint_at_peak = counts.live_footprint;
    }
    let limit_bytes = u64::from(limit_pages.max(trace.initial_pages)) * u64::from(PAGE_SIZE);
    let bump_class = (0..N_ORDERS)
        .rev()
        .find(|&order| frontier + class_bytes(order) + HEADER_BYTES <= limit_bytes);
    let largest_class = bump_class.max(model.largest_free_class());
    HeapProfile {
        timeline,
        peak,
        waste_at_peak,
        classes_at_peak: class_usage(&peak_model),
        sites,
        headroom: Headroom {
            limit_pages,
            limit_bytes,
            frontier,
            bytes: limit_bytes as i64 - frontier as i64,
            largest_request: largest_class.map_or(0, |order| {
                (class_bytes(order) as u32).min(MAX_POSSIBLE_ALLOCATION)
            }),
        },
    }
}

impl HeapProfile {
    /// Live block bytes per class after event `index` (all zero before the first event or past
    /// the end), rebuilt from the timeline.
    pub fn live_by_class(&self, index: usize) -> [u64; N_ORDERS] {
        let mut classes = [0; N_ORDERS];
        for point in self.timeline.iter().take(index.saturating_add(1)) {
            if let Some(order) = point.order {
                classes[order as usize] = point.class_live_bytes;
            }
        }
        classes
    }
}

/// Adds `event` to its site's totals.
fn count_site(sites: &mut [SiteUsage], event: &TraceEvent) {
    let Some(site) = sites.get_mut(usize::from(event.site)) else {
        return;
    };
    match event.event {
        AllocationEvent::Allocated { size, order, .. } if (order as usize) < N_ORDERS => {
            site.allocations += 1;
            site.requested += u64::from(size);
            site.footprint += class_bytes(order as usize) + HEADER_BYTES;
        }
        AllocationEvent::AllocationFailed { .. } => site.failed_allocations += 1,
        AllocationEvent::Freed { .. } => site.frees += 1,
        _ => {}
    }
}

/// The classes with live or free blocks.
pub(crate) fn class_usage(model: &HeapModel) -> Vec<ClassUsage> {
    model
        .classes
        .iter()
        .enumerate()
        .filter(|(_, class)| class.live_blocks > 0 || class.free_blocks > 0)
        .map(|(order, class)| ClassUsage {
            order: order as u32,
            live_blocks: class.live_blocks,
            live_requested: class.live_requested,
            live_footprint: class.live_blocks * (class_bytes(order) + HEADER_BYTES),
            free_blocks: class.free_blocks,
            free_footprint: class.free_blocks * (class_bytes(order) + HEADER_BYTES),
        })
        .collect()
}

/// The heap base as the allocator rounds it (up to 8, wrapping).
pub(crate) fn rounded_heap_base(heap_base: u32) -> u32 {
    heap_base.wrapping_add(7) & !7
}

#[cfg(test)]
mod tests;
