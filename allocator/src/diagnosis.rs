//! Out-of-memory diagnosis: why the allocation that failed could not be served, who held the
//! memory, and what would have been enough.
//!
//! [`diagnose_out_of_memory`] looks at a trace's first failed call. If it is an allocation that
//! failed for lack of memory (`Allocator ran out of space`, or `Requested allocation size is too
//! large`), it rebuilds the heap as it was just before that request (the profile's heap model)
//! and reports:
//!
//! - the request: size, class, the site that made it, the error;
//! - the memory: its pages and maximum at that moment, the bump frontier, and the bytes left
//!   between the frontier and the limit;
//! - per class, the live blocks (requested bytes, footprint = class + 8-byte header) and the
//!   free blocks; the largest consumers by site (the site that allocated each live block) and
//!   by class, largest footprint first;
//! - waste at that moment: rounding and headers of the live blocks, and *stranded* bytes: the
//!   footprint of free blocks of other classes than the request's, which the allocator cannot
//!   use for it (it never splits or merges blocks);
//! - *a larger heap*: the smallest maximum, in pages, with which the request would have
//!   succeeded: the pages holding `bumper + 8 + class` bytes, where the bumped block would have
//!   ended (computed, never replayed: see `larger_heap`). `None` when no heap could serve it
//!   (over 32 MiB, or past 4 GiB);
//! - *a non-fragmenting allocator* (one that packs the requested bytes with no rounding, headers
//!   or free blocks): the live requested bytes plus the request, and the pages a memory needs to
//!   hold them above the heap base.
//!
//! Nothing is estimated: every number follows from the trace and the rules of the allocator, so
//! the tests derive them by hand.

use crate::error::Error;
use crate::memory::{MAX_WASM_PAGES, PAGE_SIZE};
use crate::model::{class_bytes, HeapModel, HEADER_BYTES};
use crate::observer::AllocationEvent;
use crate::order::N_ORDERS;
use crate::profile::{class_usage, rounded_heap_base, ClassUsage, Waste};
use crate::trace::AllocationTrace;
use std::fmt;

/// Why an allocation ran out of memory; `Display` writes a readable report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfMemoryDiagnosis {
    /// Index of the failed allocation in the trace.
    pub event: usize,
    /// The site that asked.
    pub site: String,
    /// The requested size.
    pub size: u32,
    /// Its class (`None` over 32 MiB).
    pub order: Option<u32>,
    /// What the allocator said.
    pub error: Error,
    /// The memory's pages at the failure.
    pub memory_pages: u32,
    /// The memory's maximum, if it has one.
    pub max_pages: Option<u32>,
    /// The limit the allocator grows to: the maximum, or 65 536 pages without one.
    pub limit_pages: u32,
    /// The bump pointer at the failure.
    pub bumper: u32,
    /// The heap base, rounded up to 8 as the allocator does.
    pub heap_base: u32,
    /// Live and free blocks per class, by class (classes with neither left out).
    pub classes: Vec<ClassUsage>,
    /// Live blocks by the site that allocated them, largest footprint first (sites with none
    /// left out).
    pub sites: Vec<SiteConsumer>,
    /// Live blocks in all.
    pub live_blocks: u64,
    /// Requested bytes of the live blocks.
    pub live_requested: u64,
    /// Footprint (class + header) of the live blocks.
    pub live_footprint: u64,
    /// Waste at the failure (`stranded`: free blocks of the other classes).
    pub waste: Waste,
    /// The smallest maximum with which the request succeeds; `None` if none would.
    pub larger_heap: Option<Need>,
    /// What an allocator without rounding, headers or fragmentation would have needed.
    pub non_fragmenting: Need,
}

/// Memory that would have been enough.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// Bytes: for a larger heap, where the block would have ended; for a non-fragmenting
    /// allocator, the live requested bytes plus the request.
    pub bytes: u64,
    /// Pages of memory: for a larger heap, the maximum needed; for a non-fragmenting allocator,
    /// the pages holding the heap base plus `bytes`.
    pub pages: u64,
}

/// One site's live blocks at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteConsumer {
    /// The site's name.
    pub site: String,
    /// Live blocks it allocated.
    pub live_blocks: u64,
    /// Their requested bytes.
    pub live_requested: u64,
    /// Their footprint (class + header).
    pub live_footprint: u64,
}

/// The diagnosis of `trace`'s first failed call, if it is an allocation that failed for lack of
/// memory; see the module documentation.
pub fn diagnose_out_of_memory(trace: &AllocationTrace) -> Option<OutOfMemoryDiagnosis> {
    let failure = trace
        .events
        .iter()
        .position(|event| event.event.is_failure())?;
    let failed = &trace.events[failure];
    let AllocationEvent::AllocationFailed {
        size,
        order,
        ref error,
    } = failed.event
    else {
        return None;
    };
    if !matches!(
        error,
        Error::AllocatorOutOfSpace | Error::RequestedAllocationTooLarge
    ) {
        return None;
    }

    let mut model = HeapModel::default();
    for event in &trace.events[..failure] {
        model.apply(event);
    }
    let request_class = order.map(|order| order as usize);
    let heap_base = rounded_heap_base(trace.heap_base);
    let mut sites: Vec<SiteConsumer> = model
        .sites
        .iter()
        .enumerate()
        .filter(|(_, counts)| counts.live_blocks > 0)
        .map(|(index, counts)| SiteConsumer {
            site: trace
                .sites
                .get(index)
                .cloned()
                .unwrap_or_else(|| format!("site {index}")),
            live_blocks: counts.live_blocks,
            live_requested: counts.live_requested,
            live_footprint: counts.live_footprint,
        })
        .collect();
    sites.sort_by_key(|site| std::cmp::Reverse(site.live_footprint));
    let live_blocks = model.live_blocks();
    let live_requested = model.live_requested();
    let live_block_bytes = model.live_block_bytes();
    let non_fragmenting_bytes = live_requested + u64::from(size);
    Some(OutOfMemoryDiagnosis {
        event: failure,
        site: trace.site_name(failed).to_owned(),
        size,
        order,
        error: error.clone(),
        memory_pages: failed.heap.memory_pages,
        max_pages: failed.heap.max_pages,
        limit_pages: failed.heap.max_pages.unwrap_or(MAX_WASM_PAGES),
        bumper: failed.heap.bumper,
        heap_base,
        classes: class_usage(&model),
        sites,
        live_blocks,
        live_requested,
        live_footprint: live_block_bytes + HEADER_BYTES * live_blocks,
        waste: Waste {
            rounding: live_block_bytes.saturating_sub(live_requested),
            headers: HEADER_BYTES * live_blocks,
            stranded: model.free_footprint_except(request_class),
        },
        larger_heap: larger_heap(trace, failure),
        non_fragmenting: Need {
            bytes: non_fragmenting_bytes,
            pages: pages_for(u64::from(heap_base) + non_fragmenting_bytes),
        },
    })
}

/// Pages holding `bytes` bytes.
fn pages_for(bytes: u64) -> u64 {
    bytes.div_ceil(u64::from(PAGE_SIZE))
}

/// The smallest maximum with which the failed request would have been served.
///
/// The request failed, so its class's free list was empty and it had to bump: the block would
/// have started at the recorded bumper (header first) and ended `8 + class` bytes later. A
/// larger maximum changes no earlier pointer (pointers never depend on the memory's size), so
/// that end, in pages, is the answer. It is computed, not replayed: a replay would have to
/// materialise a memory as large as the heap position, which the runtime chooses (its
/// `__heap_base` can sit near 4 GiB), and a diagnosis must not cost gigabytes (fuzz finding 5).
/// The executor's tests check the answer against real runs under that many pages and one less.
fn larger_heap(trace: &AllocationTrace, failure: usize) -> Option<Need> {
    let failed = &trace.events[failure];
    let AllocationEvent::AllocationFailed {
        order: Some(order), ..
    } = failed.event
    else {
        return None;
    };
    if order as usize >= N_ORDERS {
        return None;
    }
    let end = u64::from(failed.heap.bumper) + HEADER_BYTES + class_bytes(order as usize);
    let pages = pages_for(end);
    (pages <= u64::from(MAX_WASM_PAGES)).then_some(Need { bytes: end, pages })
}

impl fmt::Display for OutOfMemoryDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.order {
            Some(order) if (order as usize) < N_ORDERS => {
                format!("class {} B (order {order})", class_bytes(order as usize))
            }
            Some(order) => format!("order {order}, which is no class"),
            None => "over the largest class (32 MiB)".to_owned(),
        };
        writeln!(
            f,
            "out of memory at allocation #{} from {}: {} B requested, {class}: {}",
            self.event, self.site, self.size, self.error
        )?;
        let limit = u64::from(self.limit_pages) * u64::from(PAGE_SIZE);
        writeln!(
            f,
            "memory: {} pages ({} B), limit {} pages ({} B{}); heap base {:#x}, bump frontier {:#x}, {} B left below the limit",
            self.memory_pages,
            u64::from(self.memory_pages) * u64::from(PAGE_SIZE),
            self.limit_pages,
            limit,
            if self.max_pages.is_some() { "" } else { ", no declared maximum" },
            self.heap_base,
            self.bumper,
            limit.saturating_sub(u64::from(self.bumper)),
        )?;
        writeln!(
            f,
            "live: {} blocks, {} B requested, {} B with rounding and headers",
            self.live_blocks, self.live_requested, self.live_footprint
        )?;
        writeln!(
            f,
            "waste: {} B rounding to classes, {} B headers, {} B in free blocks of other classes",
            self.waste.rounding, self.waste.headers, self.waste.stranded
        )?;
        writeln!(
            f,
            "per class (block size: live blocks / requested / footprint; free blocks / footprint):"
        )?;
        for class in &self.classes {
            writeln!(
                f,
                "  {:>9} B: {} live / {} B / {} B; {} free / {} B",
                class.block_bytes(),
                class.live_blocks,
                class.live_requested,
                class.live_footprint,
                class.free_blocks,
                class.free_footprint
            )?;
        }
        writeln!(
            f,
            "largest consumers by site (live blocks / requested / footprint):"
        )?;
        for site in self.sites.iter().take(10) {
            writeln!(
                f,
                "  {}: {} / {} B / {} B",
                site.site, site.live_blocks, site.live_requested, site.live_footprint
            )?;
        }
        let mut by_class: Vec<&ClassUsage> = self
            .classes
            .iter()
            .filter(|class| class.live_blocks > 0)
            .collect();
        by_class.sort_by_key(|class| std::cmp::Reverse(class.live_footprint));
        writeln!(f, "largest consumers by class (footprint):")?;
        for class in by_class.iter().take(10) {
            writeln!(
                f,
                "  {} B blocks: {} B",
                class.block_bytes(),
                class.live_footprint
            )?;
        }
        match self.larger_heap {
            Some(need) => writeln!(
                f,
                "a larger heap: a maximum of {} pages would have served it (the block ends at {:#x})",
                need.pages, need.bytes
            )?,
            None => writeln!(f, "a larger heap: no heap size would have served it")?,
        }
        write!(
            f,
            "a non-fragmenting allocator: {} B (live requested + request), {} pages with the heap base",
            self.non_fragmenting.bytes, self.non_fragmenting.pages
        )
    }
}

#[cfg(test)]
pub(crate) mod tests;
