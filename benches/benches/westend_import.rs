//! Importing Westend's real blocks 1–128 from genesis (`conformance/third-party/westend`).
//!
//! - `cold_first_block`: a fresh executor (empty code cache), the genesis state from the raw
//!   chain spec, the runtime decompressed, validated and compiled, and block 1 imported: what a
//!   node pays before its first block.
//! - `cold_all_128`: the same, then blocks 2–128.
//! - `warm_128_blocks`: the 128 blocks on an executor whose code cache already holds the
//!   runtime (the genesis state is rebuilt outside the timing); throughput in blocks/s.
//!
//! The split of one block (interpretation, host calls, storage root, commit) is printed from
//! the importer's own timings ([`subexec_executor::block::BlockTimings`]) averaged over a warm
//! import of the 128 blocks; see docs/PERFORMANCE.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{Block, BlockTimings, Importer};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::Executor;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../conformance/third-party/westend/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("Westend data")
}

fn import(executor: &Executor, spec: &[u8], blocks: &[Block]) -> Importer {
    let genesis = GenesisStorage::from_json(spec).expect("raw chain spec");
    let mut chain = Importer::from_genesis(executor, genesis).expect("genesis");
    for block in blocks {
        chain.import(block).expect("block imports");
    }
    chain
}

/// The mean split of the blocks' time over `rounds` warm imports of all 128.
fn print_split(executor: &Executor, spec: &[u8], blocks: &[Block], rounds: u32) {
    let mut sum = BlockTimings::default();
    for _ in 0..rounds {
        let genesis = GenesisStorage::from_json(spec).expect("raw chain spec");
        let mut chain = Importer::from_genesis(executor, genesis).expect("genesis");
        for block in blocks {
            let t = chain.import(block).expect("block imports").timings;
            sum.execution += t.execution;
            sum.host_calls += t.host_calls;
            sum.storage_root += t.storage_root;
            sum.commit += t.commit;
            sum.total += t.total;
        }
    }
    let n = rounds * blocks.len() as u32;
    let per = |d: Duration| d / n;
    let interpretation = sum.execution.saturating_sub(sum.host_calls);
    eprintln!(
        "westend_import split per block (mean of {n}): total {:?} = interpretation {:?} + host calls {:?} + storage root {:?} + commit {:?} (+ checks/encoding {:?})",
        per(sum.total),
        per(interpretation),
        per(sum.host_calls),
        per(sum.storage_root),
        per(sum.commit),
        per(sum.total.saturating_sub(sum.execution + sum.storage_root + sum.commit)),
    );
}

fn westend(c: &mut Criterion) {
    let spec = data("chain-spec-raw.json");
    let blocks = parse_blocks(&data("blocks-1-128.json")).expect("block list");
    let mut group = c.benchmark_group("westend_import");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));

    group.bench_function("cold_first_block", |b| {
        b.iter(|| import(&Executor::builder().build(), &spec, &blocks[..1]))
    });
    group.bench_function("cold_all_128", |b| {
        b.iter(|| import(&Executor::builder().build(), &spec, &blocks))
    });

    let executor = Executor::builder().build();
    import(&executor, &spec, &blocks[..1]);
    group.throughput(Throughput::Elements(blocks.len() as u64));
    group.bench_function("warm_128_blocks", |b| {
        b.iter_batched(
            || {
                let genesis = GenesisStorage::from_json(&spec).expect("raw chain spec");
                Importer::from_genesis(&executor, genesis).expect("genesis")
            },
            |mut chain| {
                for block in &blocks {
                    chain.import(block).expect("block imports");
                }
                chain
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    print_split(&executor, &spec, &blocks, 5);
}

criterion_group!(benches, westend);
criterion_main!(benches);
