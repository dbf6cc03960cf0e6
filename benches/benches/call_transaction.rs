//! What the storage transaction around every classic call costs (issue 10), beside the calls
//! it wraps, in one run.
//!
//! `Runtime::call_with` (`executor/src/call.rs`) opens a storage transaction before every
//! classic call and commits it after, so that a call that runs out of memory can be rolled back
//! and run again with its allocations recorded. The executor has no switch to leave it out, so
//! its cost is measured directly, on the storage layer the executor uses (`StorageState`):
//!
//! - `call/*`: whole calls as shipped (transaction included): node-template `Core_version` (a
//!   tiny call, no writes), the runtime-guest demo's `Demo_execute_block` (a block of four
//!   transfers, each in a runtime transaction of its own) and `Bench_storage_populate` of 1 000
//!   values (a storage-heavy call: 1 000 writes).
//! - `open_commit/*`: `start_transaction` + `commit_transaction` alone, on an overlay holding
//!   0 or 1 000 pending changes (what a call with no writes pays).
//! - `writes/{plain,wrapped}/*`: the writes a call makes (its storage changes, replayed key by
//!   key on a fresh `StorageState`) without and with the transaction around them. Inside a
//!   transaction the overlay records, for the first write of each key, what it held before
//!   (an undo log) and drops that log at the commit; the difference between `wrapped` and
//!   `plain` is that cost. `*_nested` writes each key in a runtime transaction of its own, as a
//!   runtime using transactions does: without the wrapper the runtime's commit drops its log,
//!   with it the log is folded into the wrapper's.
//!
//! The conclusion (per-call cost of the wrapper as a share of each call) is in
//! `docs/PERFORMANCE.md`, "Storage transaction per call (issue 10)".

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use parity_scale_codec::Encode;
use subexec_cli::demo;
use subexec_executor::storage::{InMemoryBackend, StorageChanges, TrieId};
use subexec_executor::{empty_storage, Executor, Runtime};
use subexec_host_functions::StorageState;
use subexec_runtime_blobs::api::{entries, StorageParams};
use subexec_runtime_blobs::CLASSIC;

// node-template from conformance/third-party; one file with the executor's tests.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;

/// Storage holding what `Demo_initialize` wrote, committed to the backend.
fn initialized(runtime: &Runtime, endowments: &[u8]) -> StorageState {
    let mut storage = empty_storage();
    runtime
        .call(&mut storage, entries::DEMO_INITIALIZE, endowments)
        .expect("initialize");
    let top = storage
        .changes()
        .main
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
        .collect();
    StorageState::new(Arc::new(InMemoryBackend::from_top(top)))
}

const POPULATE: StorageParams = StorageParams {
    count: 1000,
    value_size: 32,
};

/// Every write of `changes`, as (child trie, key, value).
type Writes = Vec<(Option<Vec<u8>>, Vec<u8>, Option<Vec<u8>>)>;

fn writes_of(changes: &StorageChanges) -> Writes {
    let main = changes
        .main
        .iter()
        .map(|(k, v)| (None, k.clone(), v.clone()));
    let children = changes.children.iter().flat_map(|(child, set)| {
        set.iter()
            .map(move |(k, v)| (Some(child.clone()), k.clone(), v.clone()))
    });
    main.chain(children).collect()
}

/// Replays `writes` on `storage`; `nested`: each in a transaction of its own, committed.
fn replay(storage: &mut StorageState, writes: Writes, nested: bool) {
    for (child, key, value) in writes {
        let trie = match &child {
            None => TrieId::Main,
            Some(child) => TrieId::DefaultChild(child),
        };
        if nested {
            storage.start_transaction();
        }
        storage.set(trie, &key, value);
        if nested {
            storage.commit_transaction().expect("open");
        }
    }
}

fn call_transaction(c: &mut Criterion) {
    let node_template = node_template_common::runtime();
    let guest = Executor::default().load(CLASSIC).expect("loads");
    let [(_, endowments), (_, block)] = demo::calls();
    let demo_state = initialized(&guest, &endowments);
    let populate = POPULATE.encode();

    // The writes each call makes, taken from one run of it.
    let mut storage = demo_state.clone();
    guest
        .call(&mut storage, entries::DEMO_EXECUTE_BLOCK, &block)
        .expect("block");
    let demo_writes = writes_of(&storage.changes());
    let mut storage = empty_storage();
    guest
        .call(&mut storage, entries::BENCH_STORAGE_POPULATE, &populate)
        .expect("populate");
    let populate_writes = writes_of(&storage.changes());
    assert!(demo_writes.len() >= 4, "{}", demo_writes.len());
    assert!(populate_writes.len() >= POPULATE.count as usize);
    // Every replay ends with the call's changes, with and without the transaction.
    for (writes, nested) in [
        (&demo_writes, false),
        (&demo_writes, true),
        (&populate_writes, false),
    ] {
        for wrapped in [false, true] {
            let mut storage = empty_storage();
            if wrapped {
                storage.start_transaction();
            }
            replay(&mut storage, writes.clone(), nested);
            if wrapped {
                storage.commit_transaction().expect("open");
            }
            assert_eq!(&writes_of(&storage.changes()), writes);
        }
    }

    let mut group = c.benchmark_group("call_transaction");
    group.bench_function("call/node_template_Core_version", |b| {
        b.iter(|| {
            node_template
                .call(&mut empty_storage(), "Core_version", &[])
                .expect("call")
        })
    });
    group.bench_function("call/demo_Demo_execute_block", |b| {
        b.iter_batched(
            || demo_state.clone(),
            |mut storage| {
                let outcome = guest
                    .call(&mut storage, entries::DEMO_EXECUTE_BLOCK, &block)
                    .expect("call");
                (outcome, storage)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("call/Bench_storage_populate_1000", |b| {
        b.iter_batched(
            empty_storage,
            |mut storage| {
                let outcome = guest
                    .call(&mut storage, entries::BENCH_STORAGE_POPULATE, &populate)
                    .expect("call");
                (outcome, storage)
            },
            BatchSize::SmallInput,
        )
    });

    for (name, pending) in [
        ("0_pending", Vec::new()),
        ("1000_pending", populate_writes.clone()),
    ] {
        let mut storage = empty_storage();
        replay(&mut storage, pending, false);
        group.bench_function(format!("open_commit/{name}"), |b| {
            b.iter(|| {
                storage.start_transaction();
                black_box(&mut storage).commit_transaction().expect("open");
            })
        });
    }

    for (name, writes, nested) in [
        ("demo", &demo_writes, false),
        ("demo_nested", &demo_writes, true),
        ("populate_1000", &populate_writes, false),
    ] {
        for wrapped in [false, true] {
            let id = format!(
                "writes/{}/{name}",
                if wrapped { "wrapped" } else { "plain" }
            );
            group.bench_function(id, |b| {
                b.iter_batched(
                    || (empty_storage(), writes.clone()),
                    |(mut storage, writes)| {
                        if wrapped {
                            storage.start_transaction();
                        }
                        replay(&mut storage, writes, nested);
                        if wrapped {
                            storage.commit_transaction().expect("open");
                        }
                        storage
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = call_transaction
}
criterion_main!(benches);
