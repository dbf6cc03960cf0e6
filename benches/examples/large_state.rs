//! Builds and measures the large states of `benches/large_state.rs` (docs/PERFORMANCE.md,
//! "State at scale"):
//!
//! ```text
//! cargo run --release -p subexec-benches --example large_state -- build KEYS DIR
//! cargo run --release -p subexec-benches --example large_state -- measure DIR
//! cargo run --release -p subexec-benches --example large_state -- roots DIR [warm]
//! ```
//!
//! `build` imports Westend's and node-template's genesis plus KEYS random pairs into a new
//! database in DIR (see `subexec_benches::large_state`) and prints the time, the database size
//! and the process's peak RSS. `measure` opens DIR in a fresh process, runs `Core_version` of
//! node-template, the root of 100 changes and the replay of Westend's 128 blocks once each,
//! and prints the peak RSS of that process: the memory a node pays for the state, which must
//! not grow with it. `roots` opens DIR in a fresh process (and, with `warm`, first runs
//! `StateDb::warm_node_cache`), then times 3 000 roots of 100 changes as the bench makes them
//! and prints, per 500, the mean time and the node cache's hits and misses per root: what a
//! root reads from memory and from the database.

use std::path::PathBuf;
use std::time::Instant;

use subexec_benches::large_state::{self, Rng};
use subexec_executor::storage::StateVersion;
use subexec_executor::Executor;

fn usage() -> ! {
    eprintln!("usage: large_state build KEYS DIR | large_state measure DIR | large_state roots DIR [warm]");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["build", keys, dir] => {
            let keys: u64 = keys.parse().unwrap_or_else(|_| usage());
            let dir = PathBuf::from(dir);
            if dir.exists() {
                eprintln!("{} exists; remove it first", dir.display());
                std::process::exit(1);
            }
            let start = Instant::now();
            let mut last = Instant::now();
            let state = large_state::build(&dir, keys, &mut |done| {
                if last.elapsed().as_secs() >= 10 {
                    eprintln!("  {done} pairs imported");
                    last = Instant::now();
                }
            });
            let built = start.elapsed();
            drop(state);
            println!(
                "build {keys}: {:.1} s, database {:.0} MB, peak RSS {:.0} MB",
                built.as_secs_f64(),
                large_state::dir_size(&dir) as f64 / 1e6,
                large_state::peak_rss_mb()
            );
        }
        ["measure", dir] => {
            let dir = PathBuf::from(dir);
            let mut state = large_state::open(&dir);
            let executor = Executor::builder().build();
            let runtime = state.node_template_runtime(&executor);
            let start = Instant::now();
            runtime
                .call(&mut state.node_template_storage(), "Core_version", &[])
                .expect("Core_version");
            let version = start.elapsed();
            let mut storage = state.storage_with_changes(100, &mut Rng(7));
            let start = Instant::now();
            storage.storage_root(StateVersion::V1).expect("root");
            let root = start.elapsed();
            drop(storage);
            let blocks = large_state::westend_blocks();
            let start = Instant::now();
            let genesis_only = state.keys == 0;
            large_state::replay_westend(&mut state, &executor, &blocks, genesis_only);
            let replay = start.elapsed();
            println!(
                "measure {} keys: Core_version {:.3} ms (first call), root of 100 changes {:.3} ms, \
                 128 Westend blocks {:.2} s, database {:.0} MB, peak RSS {:.0} MB (now: heap \
                 {:.0} MB, mapped files {:.0} MB)",
                state.keys,
                version.as_secs_f64() * 1e3,
                root.as_secs_f64() * 1e3,
                replay.as_secs_f64(),
                large_state::dir_size(&dir) as f64 / 1e6,
                large_state::peak_rss_mb(),
                large_state::status_mb("RssAnon"),
                large_state::status_mb("RssFile"),
            );
        }
        ["roots", dir, rest @ ..] => {
            let state = large_state::open(&PathBuf::from(dir));
            if rest == ["warm"] {
                let start = Instant::now();
                let warm = state.db.warm_node_cache().expect("warm the node cache");
                println!(
                    "warm-up: {warm:?} in {:.1} s, cache {:?}",
                    start.elapsed().as_secs_f64(),
                    state.db.node_cache_stats()
                );
            } else if !rest.is_empty() {
                usage()
            }
            let mut rng = Rng(0xC0FFEE ^ 100);
            let (mut time, mut hits, mut misses) = (0.0, 0, 0);
            for round in 1..=3_000 {
                let mut storage = state.storage_with_changes(100, &mut rng);
                let before = state.db.node_cache_stats();
                let start = Instant::now();
                storage.storage_root(StateVersion::V1).expect("root");
                time += start.elapsed().as_secs_f64();
                let after = state.db.node_cache_stats();
                hits += after.hits - before.hits;
                misses += after.misses - before.misses;
                if round % 500 == 0 {
                    println!(
                        "roots {}-{round}: {:.3} ms per root, {} hits and {} misses per root",
                        round - 499,
                        time / 500.0 * 1e3,
                        hits / 500,
                        misses / 500
                    );
                    (time, hits, misses) = (0.0, 0, 0);
                }
            }
        }
        _ => usage(),
    }
}
