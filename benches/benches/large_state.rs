//! The state database at scale, side by side with the genesis-only state (docs/PERFORMANCE.md,
//! "State at scale"; issue 17's goals).
//!
//! The states are built beforehand (they take minutes and gigabytes, so neither CI nor this
//! bench builds the large ones):
//!
//! ```text
//! cargo run --release -p subexec-benches --example large_state -- build 10000000 /work/perfdata/1e7
//! SUBEXEC_LARGE_STATES=/work/perfdata/1e5,/work/perfdata/1e7 cargo bench -p subexec-benches --bench large_state
//! ```
//!
//! The genesis-only state (0 random pairs) is built by the bench itself in a temporary
//! directory. For each state:
//!
//! - `root/{keys}/{changes}`: the root of a call's 1, 100 or 10 000 pending changes (half
//!   overwrites of existing keys, half new keys) over the committed state, the node cache
//!   filled by the bench's own work only (a freshly opened database);
//! - `root_warm/{keys}/{changes}`: the same after `StateDb::warm_node_cache` (the upper levels
//!   in the cache, as a node that has been running has them);
//! - `core_version/{keys}`: node-template's `Core_version` on a fresh `StorageState` over the
//!   database (runtime compiled once, outside the timing);
//! - `westend_blocks/{keys}`: Westend's 128 real blocks replayed and committed on the state
//!   (`large_state::replay_westend`: initialize, apply each extrinsic, finalize, commit).

use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use subexec_benches::large_state::{self, LargeState, Rng};
use subexec_executor::storage::StateVersion;
use subexec_executor::Executor;

fn states(genesis_dir: &std::path::Path) -> Vec<LargeState> {
    let mut states = vec![large_state::build(genesis_dir, 0, &mut |_| {})];
    if let Ok(list) = std::env::var("SUBEXEC_LARGE_STATES") {
        for dir in list.split(',').filter(|d| !d.is_empty()) {
            states.push(large_state::open(&PathBuf::from(dir)));
        }
    }
    states
}

/// `{name}/{keys}/{changes}`: the root of 1, 100 or 10 000 pending changes over `state`.
fn bench_roots(group: &mut BenchmarkGroup<'_, WallTime>, state: &LargeState, name: &str) {
    for changes in [1usize, 100, 10_000] {
        let mut rng = Rng(0xC0FFEE ^ changes as u64);
        group.bench_function(format!("{name}/{}/{changes}", state.keys), |b| {
            b.iter_batched(
                || state.storage_with_changes(changes, &mut rng),
                |mut storage| storage.storage_root(StateVersion::V1).expect("root"),
                BatchSize::PerIteration,
            )
        });
    }
}

fn bench(c: &mut Criterion) {
    let genesis_dir = std::env::temp_dir().join(format!("subexec-genesis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&genesis_dir);
    let mut states = states(&genesis_dir);
    let executor = Executor::builder().build();
    let blocks = large_state::westend_blocks();

    let mut group = c.benchmark_group("large_state");
    group.sample_size(20);
    for state in &states {
        bench_roots(&mut group, state, "root");
    }
    // The same with the cache a long-running node has: the upper levels read at once
    // (`StateDb::warm_node_cache`, as much as the cache's hot half holds).
    for state in &states {
        let warm = state.db.warm_node_cache().expect("warm the node cache");
        eprintln!("large_state: {} keys: cache warmed: {warm:?}", state.keys);
        bench_roots(&mut group, state, "root_warm");
    }
    for state in &states {
        let runtime = state.node_template_runtime(&executor);
        group.bench_function(format!("core_version/{}", state.keys), |b| {
            b.iter_batched(
                || state.node_template_storage(),
                |mut storage| {
                    runtime
                        .call(&mut storage, "Core_version", &[])
                        .expect("Core_version")
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(blocks.len() as u64));
    for state in &mut states {
        let keys = state.keys;
        // Once with the header check: on the genesis-only state the replay is the real chain.
        large_state::replay_westend(state, &executor, &blocks, keys == 0);
        group.bench_function(format!("westend_blocks/{keys}"), |b| {
            b.iter(|| large_state::replay_westend(state, &executor, &blocks, false))
        });
    }
    group.finish();
    eprintln!(
        "large_state: peak RSS of the bench process {:.0} MB",
        large_state::peak_rss_mb()
    );
    drop(states);
    let _ = std::fs::remove_dir_all(&genesis_dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
