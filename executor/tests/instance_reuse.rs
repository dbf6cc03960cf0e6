//! Differential test of instance reuse: one random sequence of calls, run on executors that
//! reuse pooled instances and on executors that create a fresh instance for every call, must
//! give identical results — outputs or errors (their `Display`), allocator statistics, fuel,
//! host-call statistics, peak memory pages — and identical storage changes.
//!
//! The sequence mixes five runtimes (runtime-guest in both ABIs, the classic one also with
//! its memory defined and exported instead of imported as pre-2020 runtimes have it, the real
//! node-template runtime, and a hand-written runtime with a private mutable global), every runtime-guest
//! entry point, node-template calls, and calls that trap, panic, exhaust the heap, run out of
//! fuel, overflow the stack, grow memory (`Dynamic`) or fail before running, under five
//! executor configurations. Each (runtime, configuration) pair has its own storage on each
//! side, changed call after call.
//!
//! The sequence is a function of a seed: `SUBEXEC_REUSE_SEED` (default 1) and
//! `SUBEXEC_REUSE_CALLS` (default 300, a few seconds) select it; a failure names the seed
//! and the step.

mod common;
mod node_template_common;
mod own_memory_common;

use parity_scale_codec::Encode;
use subexec_executor::storage::StorageState;
use subexec_executor::{
    empty_storage, CallError, CallOutcome, Executor, HeapAllocStrategy, InstanceReuse, Runtime,
};
use subexec_runtime_blobs::api::{
    entries, AllocParams, Block, HashAlgorithm, HostCall, StorageParams, Transfer,
};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

/// Fuel of the metered configurations that are not about running out of it.
const PLENTY_OF_FUEL: u64 = 1 << 40;
/// Fuel of the configuration where heavy calls run out of it.
const LITTLE_FUEL: u64 = 3_000_000;

const POOLED: InstanceReuse = InstanceReuse::Pooled {
    max_idle_instances: 2,
};

/// splitmix64: a small deterministic generator (the sequence must not depend on a crate's
/// version).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One executor configuration.
struct Config {
    name: &'static str,
    heap: HeapAllocStrategy,
    fuel: Option<u64>,
}

impl Config {
    /// Whether calls that only stop by running out of fuel may be made.
    fn fuel_limited(&self) -> bool {
        self.fuel == Some(LITTLE_FUEL)
    }

    fn executor(&self, reuse: InstanceReuse) -> Executor {
        Executor::builder()
            .heap_alloc_strategy(self.heap)
            .fuel(self.fuel)
            .allow_missing_host_functions(true)
            .instance_reuse(reuse)
            .build()
    }
}

const CONFIGS: [Config; 5] = [
    Config {
        name: "static 2048, metered",
        heap: HeapAllocStrategy::Static { extra_pages: 2048 },
        fuel: Some(PLENTY_OF_FUEL),
    },
    Config {
        name: "static 8 (small heap), metered",
        heap: HeapAllocStrategy::Static { extra_pages: 8 },
        fuel: Some(PLENTY_OF_FUEL),
    },
    Config {
        name: "dynamic, metered",
        heap: HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
        fuel: Some(PLENTY_OF_FUEL),
    },
    Config {
        name: "static 2048, little fuel",
        heap: HeapAllocStrategy::Static { extra_pages: 2048 },
        fuel: Some(LITTLE_FUEL),
    },
    Config {
        name: "static 2048, unmetered",
        heap: HeapAllocStrategy::Static { extra_pages: 2048 },
        fuel: None,
    },
];

/// The runtimes of the sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Classic,
    /// The classic blob with its memory defined and exported, as pre-2020 runtimes.
    ClassicOwnMemory,
    GuestAllocator,
    NodeTemplate,
    Handwritten,
}

const KINDS: [Kind; 5] = [
    Kind::Classic,
    Kind::ClassicOwnMemory,
    Kind::GuestAllocator,
    Kind::NodeTemplate,
    Kind::Handwritten,
];

/// The blobs, in `KINDS` order.
fn blobs() -> Vec<Vec<u8>> {
    vec![
        CLASSIC.to_vec(),
        own_memory_common::define_memory(CLASSIC),
        GUEST_ALLOCATOR.to_vec(),
        node_template_common::code(),
        common::runtime_wasm(),
    ]
}

fn account(rng: &mut Rng) -> [u8; 32] {
    [rng.below(4) as u8 + 1; 32]
}

fn key(rng: &mut Rng) -> Vec<u8> {
    rng.pick(&[&b"alpha"[..], b"beta", b"gamma", b"list", b"pre-1"])
        .to_vec()
}

/// A `HostApi_run` script of calls both ABIs support with the same meaning.
fn host_calls(rng: &mut Rng) -> Vec<HostCall> {
    let hashes = [
        HashAlgorithm::Keccak256,
        HashAlgorithm::Sha2_256,
        HashAlgorithm::Blake2_128,
        HashAlgorithm::Blake2_256,
        HashAlgorithm::Twox64,
        HashAlgorithm::Twox128,
        HashAlgorithm::Twox256,
    ];
    let mut calls = Vec::new();
    for _ in 0..rng.below(12) {
        match rng.below(10) {
            0 => calls.push(HostCall::StorageSet(key(rng), rng.bytes(200))),
            1 => calls.push(HostCall::StorageGet(key(rng))),
            2 => calls.push(HostCall::StorageClear(key(rng))),
            3 => calls.push(HostCall::StorageExists(key(rng))),
            4 => calls.push(HostCall::StorageAppend(
                b"list".to_vec(),
                (rng.next() as u16).encode(),
            )),
            5 => calls.push(HostCall::Hash(hashes[rng.below(7) as usize], rng.bytes(64))),
            6 => calls.push(HostCall::AllocatorRoundTrip(rng.bytes(5000))),
            7 => calls.push(HostCall::StorageNextKey(key(rng))),
            8 => calls.push(HostCall::StorageRead {
                key: key(rng),
                offset: rng.below(250) as u32,
                len: rng.below(64) as u32,
            }),
            _ => {
                calls.push(HostCall::StartTransaction);
                calls.push(HostCall::StorageSet(key(rng), rng.bytes(8)));
                calls.push(if rng.below(2) == 0 {
                    HostCall::CommitTransaction
                } else {
                    HostCall::RollbackTransaction
                });
            }
        }
    }
    calls
}

/// A runtime-guest call (identical entry points in both ABIs).
fn guest_call(rng: &mut Rng, config: &Config) -> (&'static str, Vec<u8>) {
    match rng.below(14) {
        0 => (entries::CORE_VERSION, vec![]),
        1 => {
            let balances: Vec<([u8; 32], u128)> = (0..rng.below(4))
                .map(|_| (account(rng), u128::from(rng.below(1000))))
                .collect();
            (entries::DEMO_INITIALIZE, balances.encode())
        }
        2 => {
            let transfers = (0..rng.below(5))
                .map(|_| Transfer {
                    from: account(rng),
                    to: account(rng),
                    amount: u128::from(rng.below(400)),
                })
                .collect();
            let block = Block {
                number: rng.below(100) as u32,
                transfers,
            };
            (entries::DEMO_EXECUTE_BLOCK, block.encode())
        }
        // Small, or 1 MiB of boxes (exhausts the small static heap, grows a dynamic one).
        3 | 4 => {
            let large = rng.below(2) == 0;
            let params = AllocParams {
                boxes: if large { 64 } else { rng.below(200) as u32 },
                box_size: if large {
                    16 << 10
                } else {
                    rng.below(64) as u32 + 1
                },
                vec_pushes: rng.below(600) as u32,
                map_entries: rng.below(200) as u32,
            };
            (entries::BENCH_ALLOC_HEAVY, params.encode())
        }
        5 => {
            let params = StorageParams {
                count: rng.below(12) as u32,
                value_size: rng.below(300) as u32,
            };
            (entries::BENCH_STORAGE_POPULATE, params.encode())
        }
        6 => {
            let params = StorageParams {
                count: rng.below(14) as u32,
                value_size: 0,
            };
            (entries::BENCH_STORAGE_READ, params.encode())
        }
        // Runs out of fuel only where fuel is little; elsewhere a short computation.
        7 => {
            let iterations: u32 = if config.fuel_limited() {
                1_000_000
            } else {
                rng.below(2000) as u32
            };
            (entries::BENCH_COMPUTE, iterations.encode())
        }
        8 | 9 => (entries::HOST_API_RUN, host_calls(rng).encode()),
        10 => (entries::HOST_API_PANIC, "stop".to_string().encode()),
        11 => (entries::UPGRADE_SET_CODE, rng.bytes(8).encode()),
        // Undecodable input: the runtime panics.
        12 => (entries::DEMO_EXECUTE_BLOCK, rng.bytes(7)),
        _ => ("Nope_missing", vec![]),
    }
}

fn node_template_call(rng: &mut Rng) -> (&'static str, Vec<u8>) {
    match rng.below(8) {
        0..=4 => ("Core_version", vec![]),
        5 => ("Metadata_metadata", vec![]),
        // Undecodable block: the runtime panics.
        6 => ("Core_execute_block", rng.bytes(40)),
        _ => ("BlockBuilder_apply_extrinsic", rng.bytes(40)),
    }
}

/// A call of the hand-written runtime (`common::runtime_wat`).
fn handwritten_call(rng: &mut Rng, config: &Config) -> (&'static str, Vec<u8>) {
    let call = match rng.below(13) {
        0 => ("bump_static", vec![]),
        1 => ("dirty_heap", vec![]),
        2 => ("set_global_and_trap", vec![]),
        3 | 4 => ("get_global", vec![]),
        5 => ("trap", vec![]),
        // Up to 1 MiB: larger than the small static heap.
        6 => ("malloc", (rng.below(1 << 20) as u32).to_le_bytes().to_vec()),
        // 1 MiB inputs do not fit the small static heap.
        7 => {
            let mut input = rng.bytes(64);
            if rng.below(4) == 0 {
                input.resize(1 << 20, 0x11);
            }
            ("echo", input)
        }
        // Past the recursion limit (65 536 frames) half the time.
        8 => {
            let depth = if rng.below(2) == 0 {
                70_000
            } else {
                rng.below(1000) as u32
            };
            ("recurse", depth.to_le_bytes().to_vec())
        }
        9 => ("spin", vec![]),
        10 => ("panic", vec![]),
        11 => ("free_twice", vec![]),
        _ => (
            "append_then_load",
            (rng.below(1 << 17) as u32).to_le_bytes().to_vec(),
        ),
    };
    // `spin` ends only by running out of fuel: only where fuel is little.
    if call.0 == "spin" && !config.fuel_limited() {
        ("nan", vec![])
    } else {
        call
    }
}

/// One runtime under one configuration, on both sides.
struct Target {
    fresh: Runtime,
    pooled: Runtime,
    fresh_storage: StorageState,
    pooled_storage: StorageState,
    calls: usize,
}

fn outcome(result: Result<CallOutcome, CallError>) -> Result<CallOutcome, String> {
    result.map_err(|e| e.to_string())
}

fn on_big_stack(run: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("test thread");
}

#[test]
fn pooled_instances_give_the_results_of_fresh_instances() {
    on_big_stack(run_sequence);
}

fn run_sequence() {
    let seed = env_u64("SUBEXEC_REUSE_SEED", 1);
    let steps = env_u64("SUBEXEC_REUSE_CALLS", 300);
    let mut rng = Rng(seed);
    let blobs = blobs();
    let executors: Vec<(Executor, Executor)> = CONFIGS
        .iter()
        .map(|c| (c.executor(InstanceReuse::Fresh), c.executor(POOLED)))
        .collect();
    let mut targets: Vec<Vec<Option<Target>>> = CONFIGS
        .iter()
        .map(|_| KINDS.iter().map(|_| None).collect())
        .collect();
    let mut outcomes = [0usize; 2];
    let mut errors = std::collections::BTreeMap::new();
    for step in 0..steps {
        let c = rng.below(CONFIGS.len() as u64) as usize;
        let k = rng.below(KINDS.len() as u64) as usize;
        let config = &CONFIGS[c];
        let (method, input) = match KINDS[k] {
            Kind::Classic | Kind::ClassicOwnMemory | Kind::GuestAllocator => {
                guest_call(&mut rng, config)
            }
            Kind::NodeTemplate => node_template_call(&mut rng),
            Kind::Handwritten => handwritten_call(&mut rng, config),
        };
        let target = targets[c][k].get_or_insert_with(|| {
            let (fresh, pooled) = &executors[c];
            Target {
                fresh: fresh.load(&blobs[k]).expect("loads"),
                pooled: pooled.load(&blobs[k]).expect("loads"),
                fresh_storage: empty_storage(),
                pooled_storage: empty_storage(),
                calls: 0,
            }
        });
        let context = format!(
            "seed {seed}, step {step}: {:?} under {}, {method} with {} input bytes",
            KINDS[k],
            config.name,
            input.len()
        );
        let fresh = outcome(target.fresh.call(&mut target.fresh_storage, method, &input));
        let pooled = outcome(
            target
                .pooled
                .call(&mut target.pooled_storage, method, &input),
        );
        assert_eq!(pooled, fresh, "{context}");
        assert_eq!(
            target.pooled_storage.changes(),
            target.fresh_storage.changes(),
            "storage changes, {context}"
        );
        outcomes[usize::from(fresh.is_err())] += 1;
        if let Err(error) = &fresh {
            let kind: String = error.chars().take(40).collect();
            *errors.entry(kind).or_insert(0usize) += 1;
        }
        target.calls += 1;
    }
    eprintln!("{} successes; errors: {errors:#?}", outcomes[0]);
    // The sequence is not vacuous: both successes and failures were compared.
    if steps >= 100 {
        assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
    }
    prove_reuse(&blobs, &executors);
}

/// The pooled side really reused instances: after a light call each runtime has an idle
/// pooled instance (taken by its next call), and the fresh side keeps none.
fn prove_reuse(blobs: &[Vec<u8>], executors: &[(Executor, Executor)]) {
    let (fresh_executor, pooled_executor) = &executors[0];
    for (k, kind) in KINDS.iter().enumerate() {
        let method = match kind {
            Kind::Handwritten => "get_global",
            _ => "Core_version",
        };
        let fresh = fresh_executor.load(&blobs[k]).expect("loads");
        let pooled = pooled_executor.load(&blobs[k]).expect("loads");
        for _ in 0..3 {
            assert_eq!(
                outcome(pooled.call(&mut empty_storage(), method, &[])),
                outcome(fresh.call(&mut empty_storage(), method, &[])),
                "{kind:?}"
            );
        }
        assert_eq!(fresh.instance_reuse(), InstanceReuse::Fresh);
        assert_eq!(fresh.idle_instances(), 0);
        assert_eq!(pooled.instance_reuse(), POOLED, "{kind:?}");
        assert!(pooled.idle_instances() > 0, "{kind:?}");
    }
}

#[test]
fn a_trap_leaves_no_moved_global_behind() {
    // The hand-written runtime's mutable global is private: only the load-time rewrite makes
    // it reachable, and a reused instance must not see the value a trapped call left.
    on_big_stack(|| {
        let pooled = CONFIGS[0]
            .executor(POOLED)
            .load(&common::runtime_wasm())
            .expect("loads");
        assert_eq!(pooled.instance_reuse(), POOLED);
        assert_eq!(pooled.mutable_globals(), ["__subexec_global_1"]);
        let get =
            |runtime: &Runtime| common::out_u32(&common::call(runtime, "get_global", &[]).unwrap());
        assert_eq!(get(&pooled), 7);
        for _ in 0..3 {
            assert!(common::call(&pooled, "set_global_and_trap", &[]).is_err());
            assert!(pooled.idle_instances() > 0);
            assert_eq!(get(&pooled), 7);
        }
    });
}
