//! Differential test: subexec's allocator against `sc_allocator::FreeingBumpHeapAllocator` 39.
//!
//! Each case is a heap setup (heap base, initial pages, maximum) and a sequence of steps:
//! allocations, deallocations (of live, freed, never-allocated, low and forged pointers), guest
//! writes anywhere including headers (forged occupied headers, forged free-list links, junk in
//! the ignored header bits), and embedder-side growth and shrinking. Both allocators run the
//! same steps on two identical memories; after every step the test compares the pointer or the
//! error (variant and message), the poison state (sc-allocator has no accessor: it is poisoned
//! iff it has returned an error), the statistics, the page count and every byte of memory.
//!
//! A third allocator runs the same steps through `allocate_observed` / `deallocate_observed` with
//! an observer that records every event, on a third memory: its results, poison state,
//! statistics, pages and memory bytes must equal the unobserved allocator's after every step
//! (the observer changes nothing), and the events it saw during a step must be exactly the call
//! made in that step: one event for a call, none otherwise, of the kind of the call and its
//! outcome, with the same pointer or error, the request's size class, `from_free_list` true iff
//! the bump pointer did not move, a freed block's class matching the drop in live bytes, and a
//! snapshot equal to the memory's size and maximum after the call.
//!
//! The generator is proptest with a fixed seed, so every run checks the same cases; a failure is
//! shrunk and printed as a readable setup plus step list. `PROPTEST_CASES` scales the case
//! counts (e.g. `PROPTEST_CASES=100000` for a longer soak); `PROPTEST_RNG_SEED` changes the seed.
//!
//! The reference is built without overflow checks and debug assertions (root `Cargo.toml`), as
//! nodes run it, so the wrapping edges are compared too.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use sp_wasm_interface::Pointer;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use subexec_allocator::{
    AllocationEvent, AllocationStats, FreeingBumpHeapAllocator, HeapSnapshot, Memory, ScMemory,
    VecMemory, MAX_WASM_PAGES, PAGE_SIZE,
};

// ---- the generated input -------------------------------------------------------------------

/// How far the memory may grow.
#[derive(Clone, Copy, Debug)]
enum MaxPages {
    /// Maximum = initial size: the allocator can never grow it.
    Static,
    /// Maximum = initial size + this many pages.
    Extra(u32),
    /// No declared maximum (the wasm limit of 65 536 pages applies).
    Unlimited,
}

#[derive(Clone, Debug)]
struct Setup {
    heap_base: u32,
    pages: u32,
    max: MaxPages,
}

/// A pointer chosen relative to what the allocators have done so far.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The n-th (modulo) pointer still live.
    Live(usize),
    /// The n-th (modulo) pointer already freed.
    Freed(usize),
    /// The n-th (modulo) pointer ever returned.
    Returned(usize),
    /// A fixed address.
    Raw(u32),
    /// The memory size minus this many bytes.
    NearEnd(u32),
}

/// The 8 bytes written into a header by a guest.
#[derive(Clone, Copy, Debug)]
enum ForgedHeader {
    /// Bit 32 set, an order (valid or not) and junk in bits 33..=63.
    Occupied { order: u32, junk: u32 },
    /// Bit 32 clear, a link and junk in bits 33..=63.
    Free { link: Target, junk: u32 },
    /// Anything.
    Raw(u64),
}

#[derive(Clone, Debug)]
enum Step {
    Allocate(u32),
    /// Allocates the size last requested for the n-th (modulo) freed pointer: reuses its block,
    /// or pops whatever a forged free list says.
    AllocateLike(usize),
    Deallocate(Target),
    /// The guest writes `bytes` at `target + offset`.
    Write {
        target: Target,
        offset: i8,
        bytes: Vec<u8>,
    },
    /// The guest writes a header at `target - 8`.
    Forge {
        target: Target,
        header: ForgedHeader,
    },
    /// The embedder grows the memory.
    Grow(u32),
    /// The embedder shrinks the memory by this many pages (at most all of them).
    Shrink(u32),
}

fn powers_of_two_around(min_shift: u32, max_shift: u32) -> impl Strategy<Value = u32> {
    (min_shift..=max_shift, -1i64..=1).prop_map(|(shift, delta)| ((1i64 << shift) + delta) as u32)
}

fn small_size() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => Just(0u32),
        24 => 1u32..=64,
        8 => 65u32..=4096,
        10 => powers_of_two_around(3, 16),
        2 => 4097u32..=70_000,
        1 => prop_oneof![Just(33_554_433u32), any::<u32>()],
    ]
}

fn large_size() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 0u32..=256,
        4 => powers_of_two_around(16, 25),
        1 => Just(33_554_432u32),
        1 => Just(33_554_433u32),
        1 => Just(u32::MAX),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => any::<usize>().prop_map(Target::Live),
        2 => any::<usize>().prop_map(Target::Freed),
        2 => any::<usize>().prop_map(Target::Returned),
        1 => (0u32..=16).prop_map(Target::Raw),
        1 => (0u32..=300_000).prop_map(Target::Raw),
        1 => any::<u32>().prop_map(Target::Raw),
        1 => (0u32..=40).prop_map(Target::NearEnd),
    ]
}

/// Pointers to free other than live ones.
fn free_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        1 => any::<usize>().prop_map(Target::Freed),
        1 => any::<usize>().prop_map(Target::Returned),
        1 => (0u32..=16).prop_map(Target::Raw),
        1 => any::<u32>().prop_map(Target::Raw),
        1 => (0u32..=40).prop_map(Target::NearEnd),
    ]
}

fn forged_header() -> impl Strategy<Value = ForgedHeader> {
    prop_oneof![
        3 => (prop_oneof![4 => 0u32..=22, 1 => 23u32..=40, 1 => any::<u32>()], any::<u32>())
            .prop_map(|(order, junk)| ForgedHeader::Occupied { order, junk }),
        3 => (target(), any::<u32>()).prop_map(|(link, junk)| ForgedHeader::Free { link, junk }),
        1 => any::<u64>().prop_map(ForgedHeader::Raw),
    ]
}

fn steps(size: impl Strategy<Value = u32>, max_len: usize) -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        45 => size.prop_map(Step::Allocate),
        10 => any::<usize>().prop_map(Step::AllocateLike),
        30 => any::<usize>().prop_map(|index| Step::Deallocate(Target::Live(index))),
        3 => free_target().prop_map(Step::Deallocate),
        3 => (target(), -16i8..=16, vec(any::<u8>(), 1..=8))
            .prop_map(|(target, offset, bytes)| Step::Write { target, offset, bytes }),
        4 => (target(), forged_header()).prop_map(|(target, header)| Step::Forge { target, header }),
        2 => (0u32..=3).prop_map(Step::Grow),
        1 => (0u32..=2).prop_map(Step::Shrink),
    ];
    vec(step, 1..=max_len)
}

/// Heap bases: zero, small and odd, inside or near the end of the initial memory, beyond it,
/// and the values that wrap to zero when rounded up.
fn heap_base(pages: u32) -> impl Strategy<Value = u32> {
    let size = pages * PAGE_SIZE;
    prop_oneof![
        3 => Just(0u32),
        3 => 0u32..=64,
        3 => 0..=size,
        2 => (0u32..=64).prop_map(move |back| size.saturating_sub(back)),
        1 => (0u32..=4 * PAGE_SIZE).prop_map(move |beyond| size + beyond),
        1 => 0xFFFF_FFF0u32..=u32::MAX,
    ]
}

/// Memories of 0..=64 pages, most of them 1..=4.
fn setup(max: impl Strategy<Value = MaxPages>) -> impl Strategy<Value = Setup> {
    let pages = prop_oneof![1 => Just(0u32), 14 => 1u32..=4, 4 => 5u32..=16, 1 => 17u32..=64];
    (pages, max)
        .prop_flat_map(|(pages, max)| (heap_base(pages), Just(pages), Just(max)))
        .prop_map(|(heap_base, pages, max)| {
            // Never let the allocator grow a memory to gigabytes to reach a far heap base.
            let max = match max {
                MaxPages::Unlimited if heap_base > (pages + 64) * PAGE_SIZE => MaxPages::Extra(64),
                max => max,
            };
            Setup {
                heap_base,
                pages,
                max,
            }
        })
}

fn growable() -> impl Strategy<Value = MaxPages> {
    prop_oneof![
        2 => (0u32..=8).prop_map(MaxPages::Extra),
        1 => (9u32..=200).prop_map(MaxPages::Extra),
        2 => Just(MaxPages::Unlimited),
    ]
}

fn large_setup() -> impl Strategy<Value = Setup> {
    let max = prop_oneof![
        1 => Just(MaxPages::Static),
        3 => (0u32..=1100).prop_map(MaxPages::Extra),
        1 => Just(MaxPages::Unlimited),
    ];
    (
        0u32..=16,
        max,
        prop_oneof![Just(0u32), 0u32..=100, any::<u32>()],
    )
        .prop_map(|(pages, max, heap_base)| {
            let heap_base = if heap_base > (pages + 600) * PAGE_SIZE {
                heap_base % 64
            } else {
                heap_base
            };
            Setup {
                heap_base,
                pages,
                max,
            }
        })
}

// ---- running both allocators ---------------------------------------------------------------

/// Both allocators, their memories, and what has been allocated so far.
struct Pair {
    ours: FreeingBumpHeapAllocator,
    reference: sc_allocator::FreeingBumpHeapAllocator,
    our_memory: VecMemory,
    /// The reference's memory: the same `VecMemory`, through sc-allocator's trait.
    reference_memory: ScMemory,
    /// The same allocator, called through the observed API.
    observed: FreeingBumpHeapAllocator,
    observed_memory: VecMemory,
    /// Events the observer saw and has not been checked yet.
    events: Vec<(AllocationEvent, HeapSnapshot)>,
    /// Our statistics before the current step.
    stats_before: AllocationStats,
    /// The heap base rounded up to 8.
    heap_base: u32,
    /// The bump pointer in the latest snapshot.
    last_bumper: u32,
    /// The pointer passed to the latest deallocation.
    last_free: u32,
    /// sc-allocator is poisoned iff it has returned an error.
    reference_failed: bool,
    live: Vec<u32>,
    freed: Vec<u32>,
    returned: Vec<u32>,
    /// The size last requested for each returned pointer.
    sizes: HashMap<u32, u32>,
}

/// A result in a form both allocators' results convert to: the pointer, or the error's
/// `Debug` (variant) and `Display` (message).
type Outcome = Result<Option<u32>, (String, String)>;

fn ours_outcome<T: Into<Option<u32>>>(result: Result<T, subexec_allocator::Error>) -> Outcome {
    result
        .map(Into::into)
        .map_err(|error| (format!("{error:?}"), error.to_string()))
}

fn reference_outcome<T: Into<Option<u32>>>(result: Result<T, sc_allocator::Error>) -> Outcome {
    result
        .map(Into::into)
        .map_err(|error| (format!("{error:?}"), error.to_string()))
}

impl Pair {
    fn new(setup: &Setup) -> Self {
        let max_pages = match setup.max {
            MaxPages::Static => Some(setup.pages),
            MaxPages::Extra(extra) => Some((setup.pages + extra).min(MAX_WASM_PAGES)),
            MaxPages::Unlimited => None,
        };
        // Two fresh zeroed memories (not a clone: a 4 GiB clone would touch every page).
        let memory = || VecMemory::new(setup.pages, max_pages);
        Self {
            ours: FreeingBumpHeapAllocator::new(setup.heap_base),
            reference: sc_allocator::FreeingBumpHeapAllocator::new(setup.heap_base),
            reference_memory: ScMemory(memory()),
            our_memory: memory(),
            observed: FreeingBumpHeapAllocator::new(setup.heap_base),
            observed_memory: memory(),
            events: Vec::new(),
            stats_before: AllocationStats::default(),
            heap_base: setup.heap_base.wrapping_add(7) & !7,
            last_bumper: setup.heap_base.wrapping_add(7) & !7,
            last_free: 0,
            reference_failed: false,
            live: Vec::new(),
            freed: Vec::new(),
            returned: Vec::new(),
            sizes: HashMap::new(),
        }
    }

    fn memory_size(&self) -> u64 {
        self.our_memory.data.len() as u64
    }

    fn resolve(&self, target: Target) -> u32 {
        let pick = |list: &[u32], index: usize| list.get(index % list.len().max(1)).copied();
        match target {
            Target::Live(index) => pick(&self.live, index).unwrap_or(8),
            Target::Freed(index) => pick(&self.freed, index).unwrap_or(16),
            Target::Returned(index) => pick(&self.returned, index).unwrap_or(24),
            Target::Raw(address) => address,
            Target::NearEnd(back) => self.memory_size().saturating_sub(u64::from(back)) as u32,
        }
    }

    /// A guest write, applied to both memories; the part outside memory is dropped.
    fn write(&mut self, address: i64, bytes: &[u8]) {
        for (index, byte) in bytes.iter().enumerate() {
            let at = address + index as i64;
            if (0..self.memory_size() as i64).contains(&at) {
                self.our_memory.data[at as usize] = *byte;
                self.observed_memory.data[at as usize] = *byte;
                self.reference_memory.0.data[at as usize] = *byte;
            }
        }
    }

    fn allocate(&mut self, size: u32) -> (Outcome, Outcome, Outcome) {
        let ours = ours_outcome(self.ours.allocate(&mut self.our_memory, size));
        let observed = ours_outcome(self.observed.allocate_observed(
            &mut self.observed_memory,
            size,
            &mut self.events,
        ));
        let reference = reference_outcome(
            self.reference
                .allocate(&mut self.reference_memory, size)
                .map(u32::from),
        );
        if let Ok(Some(ptr)) = ours {
            self.live.push(ptr);
            self.returned.push(ptr);
            self.sizes.insert(ptr, size);
        }
        (ours, reference, observed)
    }

    /// Runs one step on all sides; returns what the allocators answered (ours, the reference's,
    /// the observed one's), if they were called.
    fn run(&mut self, step: &Step) -> Option<(Outcome, Outcome, Outcome)> {
        self.stats_before = self.ours.stats();
        match step {
            Step::Allocate(size) => Some(self.allocate(*size)),
            Step::AllocateLike(index) => {
                let ptr = self.resolve(Target::Freed(*index));
                Some(self.allocate(self.sizes.get(&ptr).copied().unwrap_or(8)))
            }
            // Nothing to free yet: skip rather than free a made-up pointer.
            Step::Deallocate(Target::Live(_)) if self.live.is_empty() => None,
            Step::Deallocate(target) => {
                let ptr = self.resolve(*target);
                self.last_free = ptr;
                let ours = ours_outcome(
                    self.ours
                        .deallocate(&mut self.our_memory, ptr)
                        .map(|()| None),
                );
                let reference = reference_outcome(
                    self.reference
                        .deallocate(&mut self.reference_memory, Pointer::new(ptr))
                        .map(|()| None),
                );
                let observed = ours_outcome(
                    self.observed
                        .deallocate_observed(&mut self.observed_memory, ptr, &mut self.events)
                        .map(|()| None),
                );
                if ours.is_ok() {
                    self.live.retain(|&live| live != ptr);
                    self.freed.push(ptr);
                }
                Some((ours, reference, observed))
            }
            Step::Write {
                target,
                offset,
                bytes,
            } => {
                let address = i64::from(self.resolve(*target)) + i64::from(*offset);
                self.write(address, bytes);
                None
            }
            Step::Forge { target, header } => {
                let raw = match *header {
                    ForgedHeader::Occupied { order, junk } => {
                        (u64::from(junk) << 33) | (1 << 32) | u64::from(order)
                    }
                    ForgedHeader::Free { link, junk } => {
                        // A link to a block's header, not to its data.
                        let link = match link {
                            Target::Raw(_) | Target::NearEnd(_) => self.resolve(link),
                            _ => self.resolve(link).wrapping_sub(8),
                        };
                        (u64::from(junk) << 33) | u64::from(link)
                    }
                    ForgedHeader::Raw(raw) => raw,
                };
                let address = i64::from(self.resolve(*target)) - 8;
                self.write(address, &raw.to_le_bytes());
                None
            }
            Step::Grow(pages) => {
                let ours = Memory::grow(&mut self.our_memory, *pages);
                let reference = Memory::grow(&mut self.reference_memory.0, *pages);
                let observed = Memory::grow(&mut self.observed_memory, *pages);
                assert_eq!(ours, reference, "the test memories must grow alike");
                assert_eq!(ours, observed, "the test memories must grow alike");
                None
            }
            Step::Shrink(pages) => {
                let keep =
                    self.our_memory.pages().saturating_sub(*pages) as usize * PAGE_SIZE as usize;
                self.our_memory.data.truncate(keep);
                self.reference_memory.0.data.truncate(keep);
                self.observed_memory.data.truncate(keep);
                None
            }
        }
    }

    /// Compares everything observable after a step.
    fn compare(
        &mut self,
        step: &Step,
        answers: Option<(Outcome, Outcome, Outcome)>,
    ) -> Result<(), String> {
        if let Some((ours, reference, observed)) = &answers {
            if ours != reference {
                return Err(format!("result: ours {ours:?}, sc-allocator {reference:?}"));
            }
            if ours != observed {
                return Err(format!(
                    "result: unobserved {ours:?}, observed {observed:?}"
                ));
            }
            self.reference_failed |= reference.is_err();
        }
        self.compare_observed(step, answers.map(|(ours, _, _)| ours))?;
        if self.ours.is_poisoned() != self.reference_failed {
            return Err(format!(
                "poisoned: ours {}, sc-allocator {}",
                self.ours.is_poisoned(),
                self.reference_failed
            ));
        }
        let ours = self.ours.stats();
        let reference = self.reference.stats();
        let reference = (
            reference.bytes_allocated,
            reference.bytes_allocated_peak,
            reference.bytes_allocated_sum,
            reference.address_space_used,
        );
        let ours_tuple = (
            ours.bytes_allocated,
            ours.bytes_allocated_peak,
            ours.bytes_allocated_sum,
            ours.address_space_used,
        );
        if ours_tuple != reference {
            return Err(format!(
                "stats (live, peak, sum, address space): ours {ours_tuple:?}, sc-allocator {reference:?}"
            ));
        }
        let (our_pages, reference_pages) =
            (self.our_memory.pages(), self.reference_memory.0.pages());
        if our_pages != reference_pages {
            return Err(format!(
                "pages: ours {our_pages}, sc-allocator {reference_pages}"
            ));
        }
        if self.our_memory.data != self.reference_memory.0.data {
            let first = self
                .our_memory
                .data
                .iter()
                .zip(&self.reference_memory.0.data)
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let window = |data: &[u8]| data[first..(first + 8).min(data.len())].to_vec();
            return Err(format!(
                "memory differs from byte {first}: ours {:?}, sc-allocator {:?}",
                window(&self.our_memory.data),
                window(&self.reference_memory.0.data)
            ));
        }
        Ok(())
    }
}

impl Pair {
    /// The observed allocator equals the unobserved one, and its observer saw exactly `answer`.
    fn compare_observed(&mut self, step: &Step, answer: Option<Outcome>) -> Result<(), String> {
        if self.observed.is_poisoned() != self.ours.is_poisoned() {
            return Err("poisoned: observed and unobserved differ".into());
        }
        let stats = self.ours.stats();
        if self.observed.stats() != stats {
            return Err(format!(
                "stats: unobserved {stats:?}, observed {:?}",
                self.observed.stats()
            ));
        }
        if self.observed_memory != self.our_memory {
            return Err("memory: observed and unobserved differ".into());
        }
        let events = std::mem::take(&mut self.events);
        let Some(answer) = answer else {
            return match events.is_empty() {
                true => Ok(()),
                false => Err(format!("events without a call: {events:?}")),
            };
        };
        let [(event, heap)] = &events[..] else {
            return Err(format!("one call, events {events:?}"));
        };
        let expected_heap = HeapSnapshot {
            bumper: heap.bumper,
            memory_pages: self.our_memory.pages(),
            max_pages: self.our_memory.max_pages(),
        };
        if *heap != expected_heap {
            return Err(format!("snapshot {heap:?}, memory {expected_heap:?}"));
        }
        // The size class by the rule of abi.md §1: the next power of two of max(size, 8), as an
        // exponent minus 3; none over 32 MiB.
        let class = |size: u32| (size <= 32 << 20).then(|| (size.max(8) - 1).ilog2() + 1 - 3);
        let before = &self.stats_before;
        let consistent = match (step, event, &answer) {
            (
                Step::Allocate(_) | Step::AllocateLike(_),
                AllocationEvent::Allocated {
                    size,
                    order,
                    ptr,
                    from_free_list,
                },
                Ok(Some(returned)),
            ) => {
                ptr == returned
                    && class(*size) == Some(*order)
                    && *from_free_list == (stats.address_space_used == before.address_space_used)
                    && heap.bumper == self.heap_base.wrapping_add(stats.address_space_used)
                    && stats.bytes_allocated.wrapping_sub(before.bytes_allocated)
                        == (8 << order) + 8
            }
            (
                Step::Allocate(_) | Step::AllocateLike(_),
                AllocationEvent::AllocationFailed { size, order, error },
                Err((variant, message)),
            ) => {
                class(*size) == *order
                    && format!("{error:?}") == *variant
                    && error.to_string() == *message
            }
            (Step::Deallocate(_), AllocationEvent::Freed { ptr, order }, Ok(None)) => {
                before.bytes_allocated.wrapping_sub(stats.bytes_allocated) == (8 << order) + 8
                    && *ptr == self.last_free
                    && heap.bumper == self.last_bumper
            }
            (
                Step::Deallocate(_),
                AllocationEvent::FreeFailed { ptr, error },
                Err((variant, message)),
            ) => {
                *ptr == self.last_free
                    && format!("{error:?}") == *variant
                    && error.to_string() == *message
            }
            _ => false,
        };
        self.last_bumper = heap.bumper;
        match consistent {
            true => Ok(()),
            false => Err(format!(
                "event {event:?} for step {step:?} answered {answer:?}"
            )),
        }
    }
}

/// How often each kind of answer was seen: proves the generator reaches every rule.
type Coverage = BTreeMap<String, u64>;

/// What kind of answer `step` got from our allocator (already known to equal the reference's).
fn classify(step: &Step, answer: &Outcome, pages_before: u32, pair: &Pair) -> Vec<String> {
    let call = match step {
        Step::Allocate(_) | Step::AllocateLike(_) => "allocate",
        _ => "deallocate",
    };
    match answer {
        Err((_, message)) => vec![format!("{call}: {message}")],
        Ok(_) if call == "deallocate" => vec!["deallocate: ok".into()],
        Ok(_) => {
            let mut kinds = vec![];
            if pair.our_memory.pages() > pages_before {
                kinds.push("allocate: grew memory".into());
            }
            if matches!(step, Step::Allocate(size) if *size > 16 << 20) {
                kinds.push("allocate: 32 MiB block".into());
            }
            kinds.push("allocate: ok".into());
            kinds
        }
    }
}

fn check(setup: &Setup, steps: &[Step], coverage: &RefCell<Coverage>) -> Result<(), TestCaseError> {
    let mut pair = Pair::new(setup);
    pair.compare(&Step::Grow(0), None)
        .map_err(|why| TestCaseError::fail(format!("before any step: {why}")))?;
    for (index, step) in steps.iter().enumerate() {
        let pages_before = pair.our_memory.pages();
        let answers = pair.run(step);
        let kinds = answers
            .as_ref()
            .map(|(ours, _, _)| classify(step, ours, pages_before, &pair));
        pair.compare(step, answers)
            .map_err(|why| TestCaseError::fail(format!("step {index} ({step:?}): {why}")))?;
        for kind in kinds.into_iter().flatten() {
            *coverage.borrow_mut().entry(kind).or_default() += 1;
        }
    }
    Ok(())
}

/// `cases` sequences (scaled by `PROPTEST_CASES / 10_000` when set), from a fixed seed.
fn config(cases: u32, seed: u64) -> Config {
    let scaled = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .map_or(cases, |total| {
            (u64::from(cases) * total / 10_000).max(1) as u32
        });
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(seed);
    Config {
        cases: scaled,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `cases` generated sequences; on a mismatch panics with the shrunk setup and steps.
/// Returns the coverage, after checking that every kind of answer in `expected` was seen.
fn run_differential(
    cases: u32,
    seed: u64,
    strategy: impl Strategy<Value = (Setup, Vec<Step>)>,
    expected: &[&str],
) {
    let coverage = RefCell::new(Coverage::new());
    let mut runner = TestRunner::new(config(cases, seed));
    let result = runner.run(&strategy, |(setup, steps)| check(&setup, &steps, &coverage));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, (setup, steps))) => {
            panic!("{why}\nminimal failing case:\n{setup:#?}\nsteps: {steps:#?}")
        }
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
    let coverage = coverage.into_inner();
    println!("coverage: {coverage:#?}");
    let missing: Vec<_> = expected
        .iter()
        .filter(|kind| !coverage.contains_key(**kind))
        .collect();
    assert!(
        missing.is_empty(),
        "never reached: {missing:?}\ncoverage: {coverage:#?}"
    );
}

/// Answers every small-request run must reach.
const SMALL_COVERAGE: &[&str] = &[
    "allocate: ok",
    "deallocate: ok",
    "allocate: Requested allocation size is too large",
    "allocate: Allocator ran out of space",
    "allocate: Shrinking of the underlying memory is observed",
    "deallocate: Shrinking of the underlying memory is observed",
    "allocate: Other: Invalid header pointer detected",
    "allocate: Other: free list points to a occupied header",
    "allocate: Other: invalid order",
    "allocate: Other: the allocator has been poisoned",
    "deallocate: Other: the allocator has been poisoned",
    "deallocate: Other: invalid order",
    "deallocate: Other: the allocation points to an empty header",
    "deallocate: Other: Invalid pointer for deallocation",
    "deallocate: Other: read out of heap bounds",
    "deallocate: Other: underflow of the currently allocated bytes count",
];

// 5 000 + 4 800 + 200 = 10 000 sequences by default, split so the test threads share the work.

/// Memories the allocator cannot grow (maximum = initial size).
#[test]
fn static_memories_behave_like_sc_allocator() {
    let strategy = (setup(Just(MaxPages::Static)), steps(small_size(), 64));
    run_differential(5_000, 0x5EED_A110C, strategy, SMALL_COVERAGE);
}

/// Memories with a maximum above their size, or none.
#[test]
fn growable_memories_behave_like_sc_allocator() {
    let strategy = (setup(growable()), steps(small_size(), 64));
    let mut expected = SMALL_COVERAGE.to_vec();
    expected.push("allocate: grew memory");
    run_differential(4_800, 0x6_7209_AB1E, strategy, &expected);
}

/// Requests up to and over 32 MiB, growing memories to hundreds of pages.
#[test]
fn large_requests_behave_like_sc_allocator() {
    let expected = [
        "allocate: grew memory",
        "allocate: 32 MiB block",
        "allocate: Allocator ran out of space",
        "allocate: Requested allocation size is too large",
        "deallocate: ok",
    ];
    run_differential(
        200,
        0x1A_2CE5,
        (large_setup(), steps(large_size(), 8)),
        &expected,
    );
}
/// The two wrapping edges, each against the reference: heap bases that round up past
/// `u32::MAX`, and a bump that ends exactly at 4 GiB (the 4 GiB memories are allocated zeroed by
/// the OS, so only the touched pages cost real memory).
#[test]
fn wrapping_edges_behave_like_sc_allocator() {
    for heap_base in [0xFFFF_FFF8, 0xFFFF_FFF9, 0xFFFF_FFFC, u32::MAX] {
        let setup = Setup {
            heap_base,
            pages: 1,
            max: MaxPages::Unlimited,
        };
        let steps = [
            Step::Allocate(8),
            Step::Allocate(1),
            Step::Deallocate(Target::Live(0)),
            Step::Allocate(8),
        ];
        check(&setup, &steps, &RefCell::default()).unwrap();
    }
    let setup = Setup {
        heap_base: 0xFFFF_FFE0,
        pages: MAX_WASM_PAGES,
        max: MaxPages::Unlimited,
    };
    let steps = [
        Step::Allocate(8),  // header 0xFFFF_FFE0, ends at 0xFFFF_FFF0
        Step::Allocate(8),  // ends exactly at 4 GiB: the bumper wraps to 0
        Step::Allocate(16), // at address 0 again
        Step::Deallocate(Target::Live(1)),
        Step::Allocate(8),
    ];
    check(&setup, &steps, &RefCell::default()).unwrap();
}
