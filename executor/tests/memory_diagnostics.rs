//! Memory diagnostics through the executor: allocation traces and out-of-memory diagnoses, on
//! the bundled runtime-guest and on the real node-template runtime (heap maps, drawn from
//! these traces by `subexec-cli`, are tested in `cli/tests/heap_map.rs`).
//!
//! Expected values never come from the code under test: request sizes are hand arithmetic on
//! SCALE encodings, size classes and page limits are hand arithmetic on the allocator's rules,
//! and failure points are found by replaying the runtime's requests through `sc-allocator` 39
//! itself (Substrate's allocator), on a memory of the limits the heap strategy gives.

mod node_template_common;

use std::collections::BTreeMap;
use std::sync::Arc;

use parity_scale_codec::Encode;
use sp_wasm_interface::Pointer;
use subexec_allocator::{AllocationEvent, AllocationTrace, ScMemory, VecMemory};
use subexec_executor::diagnostics::OutOfMemory;
use subexec_executor::storage::{InMemoryBackend, StateVersion, StorageState};
use subexec_executor::{CallError, CallOptions, CallOutcome, Executor, HeapAllocStrategy, Runtime};
use subexec_runtime_blobs::api::{entries, AllocParams, HostCall};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

const TRACE: CallOptions = CallOptions {
    trace_allocations: true,
    offchain: None,
    keystore: None,
    record_proof: false,
};

fn classic(strategy: HeapAllocStrategy) -> Runtime {
    Executor::builder()
        .fuel(Some(u64::MAX / 2))
        .build()
        .load(CLASSIC)
        .unwrap()
        .with_heap_alloc_strategy(strategy)
}

fn storage_with(entries: &[(Vec<u8>, Vec<u8>)]) -> StorageState {
    let top: BTreeMap<Vec<u8>, Vec<u8>> = entries.iter().cloned().collect();
    StorageState::new(Arc::new(InMemoryBackend::new(
        top,
        BTreeMap::new(),
        StateVersion::V1,
    )))
}

/// Where sc-allocator refused a request of a trace.
#[derive(Debug, PartialEq, Eq)]
struct ReferenceFailure {
    /// Index of the refused request in the trace.
    event: usize,
    /// Its size.
    size: u32,
    /// sc-allocator's message.
    message: String,
    /// The bump pointer then (heap base rounded up to 8 plus the address space used).
    bumper: u64,
    /// sc-allocator's live bytes then.
    bytes_allocated: u32,
    /// The memory's pages then.
    pages: u32,
}

/// What sc-allocator does with the requests of `trace` on a memory of `pages` growing to
/// `max_pages`: where it refuses one, after checking that it hands out the trace's pointers
/// up to there (`None`: it serves them all).
fn sc_allocator_failure(
    trace: &AllocationTrace,
    pages: u32,
    max_pages: Option<u32>,
) -> Option<ReferenceFailure> {
    let mut memory = ScMemory(VecMemory::new(pages, max_pages));
    let mut heap = sc_allocator::FreeingBumpHeapAllocator::new(trace.heap_base);
    for (index, event) in trace.events.iter().enumerate() {
        let (size, error) = match &event.event {
            AllocationEvent::Allocated { size, ptr, .. } => {
                let got = heap.allocate(&mut memory, *size);
                assert_eq!(got.map(u32::from).ok(), Some(*ptr), "event {index}");
                continue;
            }
            AllocationEvent::Freed { ptr, .. } => {
                heap.deallocate(&mut memory, Pointer::new(*ptr)).unwrap();
                continue;
            }
            AllocationEvent::AllocationFailed { size, .. } => {
                (*size, heap.allocate(&mut memory, *size).unwrap_err())
            }
            AllocationEvent::FreeFailed { ptr, .. } => (
                0,
                heap.deallocate(&mut memory, Pointer::new(*ptr))
                    .unwrap_err(),
            ),
        };
        let stats = heap.stats();
        return Some(ReferenceFailure {
            event: index,
            size,
            message: error.to_string(),
            bumper: u64::from((trace.heap_base + 7) & !7) + u64::from(stats.address_space_used),
            bytes_allocated: stats.bytes_allocated,
            pages: sc_allocator::Memory::pages(&memory),
        });
    }
    None
}

/// Requested bytes of the blocks live right before event `end`, by walking the trace.
fn live_requested_before(trace: &AllocationTrace, end: usize) -> u64 {
    let mut live: BTreeMap<u32, u32> = BTreeMap::new();
    for event in &trace.events[..end] {
        match event.event {
            AllocationEvent::Allocated { size, ptr, .. } => {
                live.insert(ptr, size);
            }
            AllocationEvent::Freed { ptr, .. } => {
                live.remove(&ptr);
            }
            _ => {}
        }
    }
    live.values().map(|&size| u64::from(size)).sum()
}

/// Checks a diagnosis against Substrate's allocator replaying the same requests on a memory
/// of `pages` growing to `max_pages`, and against hand arithmetic.
fn check_against_reference(failure: &OutOfMemory, pages: u32, max_pages: Option<u32>) {
    let d = &failure.diagnosis;
    let reference = sc_allocator_failure(&failure.trace, pages, max_pages)
        .expect("Substrate's allocator refuses a request too");
    assert_eq!(reference.event, d.event);
    assert_eq!(reference.size, d.size);
    assert_eq!(reference.message, d.error.to_string());
    assert_eq!(reference.bumper, u64::from(d.bumper));
    assert_eq!(u64::from(reference.bytes_allocated), d.live_footprint);
    assert_eq!(reference.pages, d.memory_pages);
    // The class by the allocator's rule.
    match d.order {
        Some(order) => assert_eq!(8u64 << order, u64::from(class_of(d.size))),
        None => assert!(d.size > 32 << 20),
    }
    // The failing request is the trace's first failure and its last event, and the trace
    // replays through the allocator alone to the same failure.
    assert_eq!(d.event, failure.trace.events.len() - 1);
    subexec_allocator::replay(&failure.trace).unwrap();
    // A non-fragmenting allocator needs the live requested bytes plus the request.
    assert_eq!(
        d.non_fragmenting.bytes,
        live_requested_before(&failure.trace, d.event) + u64::from(d.size)
    );
    // Live bytes per class add up to the total.
    let per_class: u64 = d.classes.iter().map(|c| c.live_footprint).sum();
    assert_eq!(per_class, d.live_footprint);
    let per_site: u64 = d.sites.iter().map(|s| s.live_footprint).sum();
    assert_eq!(per_site, d.live_footprint);
    // Display: Substrate's message first, then the diagnosis.
    let text = failure.to_string();
    assert!(text.starts_with(&format!("{}\n", failure.error)), "{text}");
    assert!(text.contains(&d.size.to_string()), "{text}");
}

/// The size class of a request by the allocator's rule: the next power of two, at least 8.
fn class_of(size: u32) -> u32 {
    size.max(8).next_power_of_two()
}

/// Everything a call's caller can observe, trace aside.
fn observable(
    result: Result<CallOutcome, CallError>,
    storage: &StorageState,
) -> (Result<CallOutcome, CallError>, String) {
    let result = result.map(|mut outcome| {
        outcome.allocation_trace = None;
        outcome
    });
    (result, format!("{:?}", storage.changes()))
}

fn host_api(calls: &[HostCall]) -> Vec<u8> {
    calls.to_vec().encode()
}

fn alloc_params(boxes: u32) -> Vec<u8> {
    AllocParams {
        boxes,
        box_size: 200,
        vec_pushes: 3000,
        map_entries: 300,
    }
    .encode()
}

#[test]
fn tracing_changes_nothing_the_caller_sees() {
    let big = vec![7u8; 70_000];
    let key = b"big".to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (entries::BENCH_ALLOC_HEAVY, alloc_params(500)),
        (
            entries::HOST_API_RUN,
            host_api(&[
                HostCall::StorageGet(key.clone()),
                HostCall::StorageSet(b"k".to_vec(), vec![1; 100]),
                HostCall::AllocatorRoundTrip(vec![3; 5000]),
            ]),
        ),
        // Out of memory under the small heaps below.
        (entries::BENCH_ALLOC_HEAVY, alloc_params(20_000)),
    ];
    let strategies = [
        HeapAllocStrategy::default(),
        HeapAllocStrategy::Static { extra_pages: 3 },
        HeapAllocStrategy::Dynamic {
            maximum_pages: Some(40),
        },
    ];
    let mut failures = Vec::new();
    for strategy in strategies {
        let runtime = classic(strategy);
        for (method, input) in &cases {
            let mut plain_storage = storage_with(&[(key.clone(), big.clone())]);
            let plain = runtime.call(&mut plain_storage, method, input);
            let mut traced_storage = storage_with(&[(key.clone(), big.clone())]);
            let traced = runtime.call_with(&mut traced_storage, method, input, &TRACE);
            match &traced {
                Ok(outcome) => assert!(outcome.allocation_trace.is_some()),
                Err(CallError::OutOfMemory(_)) => failures.push((*method, input.len(), strategy)),
                Err(other) => panic!("{other}"),
            }
            if let Ok(outcome) = &plain {
                assert!(outcome.allocation_trace.is_none());
            }
            assert_eq!(
                observable(plain, &plain_storage),
                observable(traced, &traced_storage),
                "{method} under {strategy:?}"
            );
        }
    }
    // The 20 000-box run fails under both small heaps (and nothing fails on the default).
    let big_input = alloc_params(20_000).len();
    for strategy in &strategies[1..] {
        assert!(failures.contains(&(entries::BENCH_ALLOC_HEAVY, big_input, *strategy)));
    }
    assert!(failures.iter().all(|(_, _, s)| *s != strategies[0]));
}

#[test]
fn out_of_memory_in_a_host_function_buffer_is_diagnosed_exactly() {
    let key = b"big".to_vec();
    let extra = 4;
    let runtime = classic(HeapAllocStrategy::Static { extra_pages: extra });
    let pages = runtime.initial_pages() + extra;
    let mut storage = storage_with(&[(key.clone(), vec![9u8; 300_000])]);
    let input = host_api(&[HostCall::StorageGet(key)]);
    let error = runtime
        .call(&mut storage, entries::HOST_API_RUN, &input)
        .unwrap_err();
    let CallError::OutOfMemory(failure) = &error else {
        panic!("not diagnosed: {error:?}")
    };
    // What Substrate reports is underneath, unchanged.
    assert_eq!(
        failure.error.to_string(),
        "ext_storage_get_version_1: Failed to allocate memory: \"Allocator ran out of space\""
    );
    assert_eq!(error.undiagnosed(), &failure.error);
    let d = &failure.diagnosis;
    // The SCALE `Option<Vec<u8>>` of the value: 1 byte `Some`, the 4-byte compact length of
    // 300 000 (≥ 2^14), the bytes; class 512 KiB.
    assert_eq!(d.size, 1 + 4 + 300_000);
    assert_eq!(d.order, Some(16));
    assert_eq!(d.site, "ext_storage_get_version_1");
    // A static heap: the module's pages plus 4, fixed.
    assert_eq!(
        (d.memory_pages, d.limit_pages, d.max_pages),
        (pages, pages, Some(pages))
    );
    check_against_reference(failure, pages, Some(pages));
    // A larger heap needs the 512 KiB block and its header above the frontier.
    let larger = d.larger_heap.expect("a larger heap serves it");
    assert_eq!(larger.bytes, u64::from(d.bumper) + 8 + (512 << 10));
    assert_eq!(larger.pages, larger.bytes.div_ceil(65_536));
    // With that many pages the request is served (the call may fail later, e.g. when the
    // runtime copies the value); with one page less it fails at the same request.
    let failed_request = |total_pages: u32| -> Option<usize> {
        let runtime = classic(HeapAllocStrategy::Static {
            extra_pages: total_pages - runtime.initial_pages(),
        });
        let mut storage = storage_with(&[(b"big".to_vec(), vec![9u8; 300_000])]);
        match runtime.call(&mut storage, entries::HOST_API_RUN, &input) {
            Ok(_) => None,
            Err(CallError::OutOfMemory(failure)) => Some(failure.diagnosis.event),
            Err(other) => panic!("{other}"),
        }
    };
    let pages_needed = larger.pages as u32;
    assert_eq!(failed_request(pages_needed - 1), Some(d.event));
    assert!(failed_request(pages_needed).is_none_or(|event| event > d.event));
}

#[test]
fn out_of_memory_for_the_input_is_attributed_to_the_input() {
    let runtime = classic(HeapAllocStrategy::Static { extra_pages: 1 });
    let pages = runtime.initial_pages() + 1;
    let input = vec![0u8; 1 << 20];
    let error = runtime
        .call(&mut storage_with(&[]), entries::HOST_API_RUN, &input)
        .unwrap_err();
    let CallError::OutOfMemory(failure) = &error else {
        panic!("not diagnosed: {error:?}")
    };
    assert!(matches!(failure.error, CallError::InputAllocation { len, .. } if len == 1 << 20));
    let d = &failure.diagnosis;
    assert_eq!((d.event, d.size, d.order), (0, 1 << 20, Some(17)));
    assert_eq!(d.site, "input");
    assert_eq!(d.live_blocks, 0);
    check_against_reference(failure, pages, Some(pages));
}

#[test]
fn out_of_memory_in_malloc_matches_substrates_allocator() {
    let initial = classic(HeapAllocStrategy::default()).initial_pages();
    for (strategy, pages, max) in [
        (
            HeapAllocStrategy::Static { extra_pages: 3 },
            initial + 3,
            initial + 3,
        ),
        (
            HeapAllocStrategy::Dynamic {
                maximum_pages: Some(initial + 3),
            },
            initial,
            initial + 3,
        ),
    ] {
        let runtime = classic(strategy);
        let error = runtime
            .call(
                &mut storage_with(&[]),
                entries::BENCH_ALLOC_HEAVY,
                &alloc_params(20_000),
            )
            .unwrap_err();
        let CallError::OutOfMemory(failure) = &error else {
            panic!("not diagnosed: {error:?}")
        };
        assert_eq!(
            failure.error.to_string(),
            "ext_allocator_malloc_version_1: Failed to allocate memory: \"Allocator ran out of space\""
        );
        let d = &failure.diagnosis;
        assert_eq!(d.site, "ext_allocator_malloc_version_1");
        assert_eq!((d.limit_pages, d.max_pages), (max, Some(max)));
        assert_eq!(failure.trace.initial_pages, pages);
        check_against_reference(failure, pages, Some(max));
    }
}

#[test]
fn node_template_metadata_out_of_memory_is_diagnosed_exactly() {
    let runtime = node_template_common::runtime();
    let extra = 1;
    let pages = runtime.initial_pages() + extra;
    let small = runtime.with_heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages: extra });
    let mut storage = storage_with(&[]);
    let error = small
        .call(&mut storage, "Metadata_metadata", &[])
        .unwrap_err();
    let CallError::OutOfMemory(failure) = &error else {
        panic!("not diagnosed: {error:?}")
    };
    let d = &failure.diagnosis;
    assert_eq!(d.site, "ext_allocator_malloc_version_1");
    assert_eq!((d.memory_pages, d.limit_pages), (pages, pages));
    check_against_reference(failure, pages, Some(pages));
    // The same call on the default heap makes the same requests up to the failure.
    let full = node_template_common::runtime()
        .call_with(&mut storage_with(&[]), "Metadata_metadata", &[], &TRACE)
        .unwrap()
        .allocation_trace
        .unwrap();
    let requests = |t: &AllocationTrace, n: usize| -> Vec<u32> {
        t.events[..n]
            .iter()
            .map(|e| match e.event {
                AllocationEvent::Allocated { size, .. } => size,
                AllocationEvent::Freed { ptr, .. } => ptr,
                _ => u32::MAX,
            })
            .collect()
    };
    assert_eq!(requests(&full, d.event), requests(&failure.trace, d.event));
    match full.events[d.event].event {
        AllocationEvent::Allocated { size, .. } => assert_eq!(size, d.size),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn guest_allocator_runtimes_have_no_trace() {
    let runtime = Executor::default().load(GUEST_ALLOCATOR).unwrap();
    let outcome = runtime
        .call_with(
            &mut storage_with(&[]),
            entries::BENCH_ALLOC_HEAVY,
            &alloc_params(100),
            &TRACE,
        )
        .unwrap();
    assert_eq!(outcome.allocation_trace, None);
}

#[test]
fn a_trace_replays_to_the_same_pointers_and_statistics() {
    for strategy in [
        HeapAllocStrategy::default(),
        HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
    ] {
        let runtime = classic(strategy);
        let outcome = runtime
            .call_with(
                &mut storage_with(&[]),
                entries::BENCH_ALLOC_HEAVY,
                &alloc_params(3000),
                &TRACE,
            )
            .unwrap();
        let trace = outcome.allocation_trace.clone().unwrap();
        // Our own replay through the allocator alone, also after a round trip through both
        // encodings.
        subexec_allocator::replay(&trace).unwrap();
        assert_eq!(
            AllocationTrace::from_bytes(&trace.to_bytes()).unwrap(),
            trace
        );
        assert_eq!(AllocationTrace::from_text(&trace.to_text()).unwrap(), trace);
        // Substrate's allocator hands out the same pointers and never fails.
        assert_eq!(
            sc_allocator_failure(&trace, trace.initial_pages, trace.max_pages),
            None
        );
        // The trace accounts for the statistics the allocator kept.
        let stats = &outcome.allocation_stats;
        let footprint = |order: u32| (8u64 << order) + 8;
        let mut sum = 0u128;
        let mut live = 0u64;
        let mut peak = 0u64;
        for event in &trace.events {
            match event.event {
                AllocationEvent::Allocated { order, .. } => {
                    sum += u128::from(footprint(order));
                    live += footprint(order);
                    peak = peak.max(live);
                }
                AllocationEvent::Freed { order, .. } => live -= footprint(order),
                _ => panic!("no failure expected"),
            }
        }
        assert_eq!(sum, stats.bytes_allocated_sum);
        assert_eq!(live, u64::from(stats.bytes_allocated));
        assert_eq!(peak, u64::from(stats.bytes_allocated_peak));
        // The first event is the input, the rest are attributed to host functions.
        assert_eq!(trace.sites[usize::from(trace.events[0].site)], "input");
        assert!(trace
            .events
            .iter()
            .all(|e| trace.sites[usize::from(e.site)] == "input"
                || trace.sites[usize::from(e.site)].starts_with("ext_allocator_")));
    }
}
