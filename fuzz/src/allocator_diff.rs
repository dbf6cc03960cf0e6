//! `allocator_differential`: subexec's allocator against `sc_allocator` 39, step by step.
//!
//! The input is a heap setup and up to [`MAX_STEPS`] steps: allocations, deallocations of
//! live, freed and arbitrary pointers, guest writes anywhere (including forged headers and
//! free-list links) and embedder growth/shrinking. Both allocators run on two identical
//! `VecMemory`s; after every step the pointer or error message, the poison state (the
//! reference has no accessor: it is poisoned once it has returned an error), the statistics,
//! the page count and every byte of memory must be equal.
//!
//! Memories grow at most to [`MAX_PAGES`] pages (a larger declared maximum is refused by the
//! memory itself, identically for both sides), so one input stays within a few MiB.

use arbitrary::{Arbitrary, Unstructured};
use subexec_allocator::{FreeingBumpHeapAllocator, Memory, ScMemory, VecMemory, PAGE_SIZE};

/// Steps per input.
pub const MAX_STEPS: usize = 256;
/// Largest memory either side may reach, in pages (8 MiB).
pub const MAX_PAGES: u32 = 128;

/// A memory shared in shape by both sides (the reference sees it through [`ScMemory`]): growth
/// past [`MAX_PAGES`] is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CappedMemory(pub VecMemory);

impl Memory for CappedMemory {
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        self.0.with_access_mut(run)
    }
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        self.0.with_access(run)
    }
    fn grow(&mut self, additional: u32) -> Result<(), ()> {
        match self.0.pages().checked_add(additional) {
            Some(pages) if pages <= MAX_PAGES => self.0.grow(additional),
            _ => Err(()),
        }
    }
    fn pages(&self) -> u32 {
        self.0.pages()
    }
    fn max_pages(&self) -> Option<u32> {
        self.0.max_pages()
    }
}

/// How the memory is declared.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum MaxPages {
    /// Maximum = initial size.
    Static,
    /// Maximum = initial + n pages.
    Extra(u8),
    /// No declared maximum (the allocator assumes 65 536; the memory refuses past [`MAX_PAGES`]).
    Unlimited,
}

/// Where a pointer argument points.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Target {
    /// The n-th (modulo) live pointer.
    Live(u16),
    /// The n-th (modulo) freed pointer.
    Freed(u16),
    /// An absolute address.
    Raw(u32),
    /// Memory size minus n.
    NearEnd(u8),
}

/// One step of a case.
#[derive(Arbitrary, Clone, Debug)]
pub enum Step {
    /// `allocate(size)` with a small size.
    Allocate(u16),
    /// `allocate(size)` with any size.
    AllocateAny(u32),
    /// `allocate(8 << order)` (order modulo 24, so the too-large edge is reached).
    AllocateOrder(u8),
    /// `deallocate(target)`.
    Deallocate(Target),
    /// The guest writes bytes at `target + offset`.
    Write {
        /// Base.
        target: Target,
        /// Offset from it.
        offset: i8,
        /// Bytes written (clipped to memory).
        bytes: Vec<u8>,
    },
    /// The guest writes an 8-byte header at `target - 8`.
    Forge {
        /// The pointer whose header is forged.
        target: Target,
        /// Header value (low 32 bits: order or link; bit 32: occupied).
        header: u64,
    },
    /// The embedder grows the memory by n (modulo 4) pages.
    Grow(u8),
    /// The embedder shrinks the memory by n (modulo 3) pages.
    Shrink(u8),
}

/// One fuzz case.
#[derive(Arbitrary, Clone, Debug)]
pub struct Case {
    /// Heap base (taken modulo a bit beyond the initial memory unless `wild_base`).
    pub heap_base: u32,
    /// Use `heap_base` as is (reaches the wrapping edge near `u32::MAX`).
    pub wild_base: bool,
    /// Initial pages (modulo 5).
    pub pages: u8,
    /// Declared maximum.
    pub max: MaxPages,
    /// The steps.
    pub steps: Vec<Step>,
}

fn outcome_ours<T>(
    result: Result<T, subexec_allocator::Error>,
    ok: impl Fn(T) -> u32,
) -> Result<u32, String> {
    result.map(ok).map_err(|e| e.to_string())
}

fn outcome_reference<T>(
    result: Result<T, sc_allocator::Error>,
    ok: impl Fn(T) -> u32,
) -> Result<u32, String> {
    result.map(ok).map_err(|e| e.to_string())
}

struct Pair {
    ours: FreeingBumpHeapAllocator,
    ours_memory: CappedMemory,
    reference: sc_allocator::FreeingBumpHeapAllocator,
    /// The same memory type, through sc-allocator's trait.
    reference_memory: ScMemory<CappedMemory>,
    reference_poisoned: bool,
    live: Vec<u32>,
    freed: Vec<u32>,
}

impl Pair {
    fn resolve(&self, target: Target) -> u32 {
        let pick = |list: &Vec<u32>, n: u16| {
            if list.is_empty() {
                0
            } else {
                list[n as usize % list.len()]
            }
        };
        match target {
            Target::Live(n) => pick(&self.live, n),
            Target::Freed(n) => pick(&self.freed, n),
            Target::Raw(address) => address,
            Target::NearEnd(back) => (u64::from(self.ours_memory.pages()) * u64::from(PAGE_SIZE))
                .saturating_sub(u64::from(back)) as u32,
        }
    }

    fn write(&mut self, address: i64, bytes: &[u8]) {
        for memory in [&mut self.ours_memory, &mut self.reference_memory.0] {
            memory.with_access_mut(|mem| {
                for (i, byte) in bytes.iter().enumerate() {
                    let at = address + i as i64;
                    if at >= 0 && (at as u64) < mem.len() as u64 {
                        mem[at as usize] = *byte;
                    }
                }
            });
        }
    }

    fn allocate(&mut self, size: u32) -> (Result<u32, String>, Result<u32, String>) {
        let ours = outcome_ours(self.ours.allocate(&mut self.ours_memory, size), |p| p);
        let reference = outcome_reference(
            self.reference.allocate(&mut self.reference_memory, size),
            u32::from,
        );
        if let Ok(ptr) = ours {
            self.live.push(ptr);
        }
        (ours, reference)
    }

    fn step(&mut self, step: &Step) -> Option<(Result<u32, String>, Result<u32, String>)> {
        match step {
            Step::Allocate(size) => Some(self.allocate(u32::from(*size))),
            Step::AllocateAny(size) => Some(self.allocate(*size)),
            Step::AllocateOrder(order) => {
                let order = u32::from(*order) % 24;
                Some(self.allocate(8u32 << order))
            }
            Step::Deallocate(target) => {
                let ptr = self.resolve(*target);
                let ours = outcome_ours(self.ours.deallocate(&mut self.ours_memory, ptr), |()| 0);
                let reference = outcome_reference(
                    self.reference.deallocate(
                        &mut self.reference_memory,
                        sp_wasm_interface::Pointer::new(ptr),
                    ),
                    |()| 0,
                );
                if ours.is_ok() {
                    self.live.retain(|p| *p != ptr);
                    self.freed.push(ptr);
                }
                Some((ours, reference))
            }
            Step::Write {
                target,
                offset,
                bytes,
            } => {
                let address = i64::from(self.resolve(*target)) + i64::from(*offset);
                let bytes: Vec<u8> = bytes.iter().copied().take(16).collect();
                self.write(address, &bytes);
                None
            }
            Step::Forge { target, header } => {
                let address = i64::from(self.resolve(*target)) - 8;
                self.write(address, &header.to_le_bytes());
                None
            }
            Step::Grow(pages) => {
                let pages = u32::from(*pages % 4);
                let ours = self.ours_memory.grow(pages);
                let reference = sc_allocator::Memory::grow(&mut self.reference_memory, pages);
                assert_eq!(ours, reference, "embedder growth");
                None
            }
            Step::Shrink(pages) => {
                let pages = u32::from(*pages % 3).min(self.ours_memory.pages());
                let len = ((self.ours_memory.pages() - pages) * PAGE_SIZE) as usize;
                self.ours_memory.0.data.truncate(len);
                self.reference_memory.0 .0.data.truncate(len);
                None
            }
        }
    }

    fn compare(
        &mut self,
        step: &Step,
        answers: Option<(Result<u32, String>, Result<u32, String>)>,
    ) {
        if let Some((ours, reference)) = answers {
            assert_eq!(ours, reference, "answer to {step:?}");
            if reference.is_err() {
                self.reference_poisoned = true;
            }
        }
        assert_eq!(
            self.ours.is_poisoned(),
            self.reference_poisoned,
            "poison after {step:?}"
        );
        let ours = self.ours.stats();
        let reference = self.reference.stats();
        assert_eq!(
            (
                ours.bytes_allocated,
                ours.bytes_allocated_peak,
                ours.bytes_allocated_sum,
                ours.address_space_used
            ),
            (
                reference.bytes_allocated,
                reference.bytes_allocated_peak,
                reference.bytes_allocated_sum,
                reference.address_space_used
            ),
            "stats (live, peak, sum, address space) after {step:?}"
        );
        assert_eq!(
            self.ours_memory.pages(),
            sc_allocator::Memory::pages(&self.reference_memory),
            "pages after {step:?}"
        );
        assert!(
            self.ours_memory.0.data == self.reference_memory.0 .0.data,
            "memory bytes after {step:?}"
        );
    }
}

/// Runs one case; panics at the first difference.
pub fn run(case: &Case) {
    let pages = u32::from(case.pages % 5);
    let max_pages = match case.max {
        MaxPages::Static => Some(pages),
        MaxPages::Extra(extra) => Some(pages + u32::from(extra)),
        MaxPages::Unlimited => None,
    };
    let size = pages * PAGE_SIZE;
    let heap_base = if case.wild_base {
        case.heap_base
    } else {
        case.heap_base % (size + 2 * PAGE_SIZE + 1)
    };
    let memory = CappedMemory(VecMemory::new(pages, max_pages));
    let mut pair = Pair {
        ours: FreeingBumpHeapAllocator::new(heap_base),
        ours_memory: memory.clone(),
        reference: sc_allocator::FreeingBumpHeapAllocator::new(heap_base),
        reference_memory: ScMemory(memory),
        reference_poisoned: false,
        live: Vec::new(),
        freed: Vec::new(),
    };
    for step in case.steps.iter().take(MAX_STEPS) {
        let answers = pair.step(step);
        pair.compare(step, answers);
    }
}

/// Decodes a case from fuzz bytes and runs it.
pub fn run_bytes(data: &[u8]) {
    if let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) {
        run(&case);
    }
}
