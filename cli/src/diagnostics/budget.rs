//! Memory budgets: how much heap a call may use on a validator, and how close a call came.
//!
//! # The validator budget
//! Parachain validators run `validate_block` under the PVF executor's default configuration
//! (polkadot-sdk, `polkadot/node/core/pvf/common/src/executor_interface.rs`):
//! `DEFAULT_CONFIG.semantics.heap_alloc_strategy` is
//! `HeapAllocStrategy::Dynamic { maximum_pages: Some(DEFAULT_HEAP_PAGES_ESTIMATE + EXTRA_HEAP_PAGES) }`
//! with `DEFAULT_HEAP_PAGES_ESTIMATE = 32` (an estimate of the module's own pages: 1 MiB of
//! stack plus data) and `EXTRA_HEAP_PAGES = 2048`. The limit is therefore a *total* of
//! [`VALIDATOR_MAX_PAGES`] = 2080 pages (130 MiB), whatever the module declares; the session
//! parameter `MaxMemoryPages(n)` replaces it with `n + 32`. A module of `m` initial pages has
//! `2080 − m` pages of heap, about the "module pages + 2048" a node's default static heap
//! gives (exactly that when `m = 32`).
//!
//! [`MemoryBudget::Validator`] runs a call under that strategy, and [`MemoryBudget::Pages`]
//! under a custom total: both are `Dynamic` heaps capped at the budget, the same allocator
//! pointers and the same failure point as a validator.
//!
//! # Headroom
//! The freeing-bump allocator never returns address space, so the highest bump frontier of a
//! call is its footprint: everything below it (data, stack, heap handed out) is taken, and a
//! request fits only if its block fits between the frontier and the limit, or a free block of
//! its class exists. [`assess`] reports the headroom as the allocator crate defines it
//! ([`subexec_allocator::Headroom`], computed here in one pass over the trace without building
//! a profile; a test checks both agree) under the budget: the bytes left between the
//! call's highest frontier and the budget's limit (what the call could still have bumped
//! before failing; negative when it would not have fit), the largest single request that would
//! still have succeeded, and whether the footprint passed half of the validator budget:
//! runtime authors keep blocks below half so that a block that grows does not fail only on
//! validators.

use std::fmt;
use std::str::FromStr;

use subexec_allocator::{AllocationEvent, AllocationTrace, N_ORDERS, PAGE_SIZE};

use subexec_executor::HeapAllocStrategy;

/// `DEFAULT_HEAP_PAGES_ESTIMATE` of the PVF executor: the pages it assumes a module takes.
pub const PVF_HEAP_PAGES_ESTIMATE: u32 = 32;
/// `EXTRA_HEAP_PAGES` of the PVF executor.
pub const PVF_EXTRA_HEAP_PAGES: u32 = 2048;
/// The validators' total memory limit in pages (the PVF default, 130 MiB).
pub const VALIDATOR_MAX_PAGES: u32 = PVF_HEAP_PAGES_ESTIMATE + PVF_EXTRA_HEAP_PAGES;

/// A memory budget to emulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryBudget {
    /// The PVF default: [`VALIDATOR_MAX_PAGES`] pages in all.
    Validator,
    /// A custom total number of pages (module pages included).
    Pages(u32),
}

/// A budget that is neither `validator` nor a page count.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("memory budget `{0}` is neither `validator` nor a page count in 1..=65536")]
pub struct BadMemoryBudget(pub String);

impl FromStr for MemoryBudget {
    type Err = BadMemoryBudget;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("validator") {
            return Ok(MemoryBudget::Validator);
        }
        match text.parse::<u32>() {
            Ok(pages) if (1..=subexec_executor::MAX_WASM_PAGES).contains(&pages) => {
                Ok(MemoryBudget::Pages(pages))
            }
            _ => Err(BadMemoryBudget(text.to_string())),
        }
    }
}

impl fmt::Display for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryBudget::Validator => write!(f, "validator ({VALIDATOR_MAX_PAGES} pages)"),
            MemoryBudget::Pages(pages) => write!(f, "{pages} pages"),
        }
    }
}

impl MemoryBudget {
    /// The total pages the budget allows.
    pub fn max_pages(self) -> u32 {
        match self {
            MemoryBudget::Validator => VALIDATOR_MAX_PAGES,
            MemoryBudget::Pages(pages) => pages,
        }
    }

    /// The total bytes the budget allows.
    pub fn bytes(self) -> u64 {
        u64::from(self.max_pages()) * u64::from(PAGE_SIZE)
    }

    /// The heap strategy that emulates it: a dynamic heap capped at the budget.
    pub fn heap_alloc_strategy(self) -> HeapAllocStrategy {
        HeapAllocStrategy::Dynamic {
            maximum_pages: Some(self.max_pages()),
        }
    }
}

/// A call measured against a budget (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetReport {
    /// The budget.
    pub budget: MemoryBudget,
    /// Its size in bytes.
    pub budget_bytes: u64,
    /// The call's footprint: its highest bump frontier (an address: data and stack below the
    /// heap included).
    pub footprint_bytes: u64,
    /// Bytes between the footprint and the budget's limit (negative when it is past it).
    pub headroom_bytes: i64,
    /// The largest single request that would still have succeeded after the call (0 if none).
    pub largest_request_left: u32,
    /// The validators' budget in bytes.
    pub validator_bytes: u64,
    /// The footprint is above half of the validators' budget.
    pub over_half_of_validator_budget: bool,
}

/// Measures the call traced in `trace` against `budget` (one pass over the trace).
pub fn assess(trace: &AllocationTrace, budget: MemoryBudget) -> BudgetReport {
    let base = u64::from(trace.heap_base.wrapping_add(7) & !7);
    let mut frontier = base;
    let mut free_blocks = [0u64; N_ORDERS];
    for event in &trace.events {
        frontier = frontier.max(u64::from(event.heap.bumper));
        match event.event {
            AllocationEvent::Allocated {
                order,
                from_free_list: true,
                ..
            } => {
                if let Some(count) = free_blocks.get_mut(order as usize) {
                    *count = count.saturating_sub(1);
                }
            }
            AllocationEvent::Freed { order, .. } => {
                if let Some(count) = free_blocks.get_mut(order as usize) {
                    *count += 1;
                }
            }
            _ => {}
        }
    }
    let pages = budget.max_pages().max(trace.initial_pages);
    let budget_bytes = u64::from(pages) * u64::from(PAGE_SIZE);
    // The largest class whose block and header fit above the frontier, or that has a free block.
    let class = |order: usize| 8u64 << order;
    let bumped = (0..N_ORDERS)
        .rev()
        .find(|&order| frontier + 8 + class(order) <= budget_bytes)
        .map_or(0, class);
    let reused = (0..N_ORDERS)
        .rev()
        .find(|&order| free_blocks[order] > 0)
        .map_or(0, class);
    let validator_bytes = MemoryBudget::Validator.bytes();
    BudgetReport {
        budget,
        budget_bytes,
        footprint_bytes: frontier,
        headroom_bytes: budget_bytes as i64 - frontier as i64,
        largest_request_left: bumped.max(reused) as u32,
        validator_bytes,
        over_half_of_validator_budget: frontier > validator_bytes / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_presets_and_page_counts() {
        assert_eq!("validator".parse(), Ok(MemoryBudget::Validator));
        assert_eq!("64".parse(), Ok(MemoryBudget::Pages(64)));
        assert!("0".parse::<MemoryBudget>().is_err());
        assert!("65537".parse::<MemoryBudget>().is_err());
        assert!("lots".parse::<MemoryBudget>().is_err());
        assert_eq!(MemoryBudget::Validator.max_pages(), 2080);
        assert_eq!(MemoryBudget::Validator.bytes(), 2080 * 65536);
        assert_eq!(
            MemoryBudget::Pages(40).heap_alloc_strategy(),
            HeapAllocStrategy::Dynamic {
                maximum_pages: Some(40)
            }
        );
    }

    #[test]
    fn agrees_with_the_allocator_crates_headroom() {
        use subexec_allocator::{FreeingBumpHeapAllocator, VecMemory};
        // Allocations of several classes, frees that leave free blocks, a reuse.
        let mut memory = VecMemory::new(2, Some(4));
        let mut heap = FreeingBumpHeapAllocator::new(70_000);
        let mut recorder = subexec_allocator::AllocationRecorder::new(70_000, 2, Some(4));
        let mut live = Vec::new();
        for size in [8u32, 100, 5000, 20_000, 33, 7000, 64, 1] {
            live.push(
                heap.allocate_observed(&mut memory, size, &mut recorder)
                    .unwrap(),
            );
        }
        for ptr in [live[3], live[1], live[6]] {
            heap.deallocate_observed(&mut memory, ptr, &mut recorder)
                .unwrap();
        }
        heap.allocate_observed(&mut memory, 90, &mut recorder)
            .unwrap();
        let trace = recorder.finish();
        for budget in [
            MemoryBudget::Pages(1),
            MemoryBudget::Pages(2),
            MemoryBudget::Pages(3),
            MemoryBudget::Pages(1000),
            MemoryBudget::Validator,
        ] {
            let ours = assess(&trace, budget);
            let theirs = subexec_allocator::profile_with_limit(&trace, budget.max_pages()).headroom;
            assert_eq!(ours.budget_bytes, theirs.limit_bytes, "{budget}");
            assert_eq!(ours.footprint_bytes, theirs.frontier, "{budget}");
            assert_eq!(ours.headroom_bytes, theirs.bytes, "{budget}");
            assert_eq!(
                ours.largest_request_left, theirs.largest_request,
                "{budget}"
            );
        }
    }

    #[test]
    fn headroom_is_measured_from_the_highest_frontier() {
        // An empty heap: the frontier is the heap base rounded up to 8.
        let empty = subexec_allocator::AllocationRecorder::new(65_533, 1, Some(2)).finish();
        let report = assess(&empty, MemoryBudget::Pages(2));
        assert_eq!(report.footprint_bytes, 65_536);
        assert_eq!(report.headroom_bytes, 65_536);
        assert_eq!(report.largest_request_left, 32_768);
        assert!(!report.over_half_of_validator_budget);
        // A heap base above half of the validator budget (65 MiB) warns.
        let high = subexec_allocator::AllocationRecorder::new(66 << 20, 1057, None).finish();
        let report = assess(&high, MemoryBudget::Validator);
        assert!(report.over_half_of_validator_budget);
        assert_eq!(report.headroom_bytes, (2080 << 16) - (66 << 20));
    }
}
